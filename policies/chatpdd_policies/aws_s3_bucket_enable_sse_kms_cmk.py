"""aws-s3-bucket-enable-sse-kms-cmk (stack): every S3 bucket has a server-side encryption configuration
(``bucket`` = the bucket's name, or taken from the bucket) whose default rule uses ``aws:kms`` with a
customer-managed key (an ``aws:kms/key:Key`` of this stack, or a literal key ARN that is not an
``alias/aws/...`` key) and an S3 Bucket Key (``bucketKeyEnabled``).

One narrow exception: a bucket whose ``Role`` tag is in ``sseS3AllowedRoles`` (default ``access-logs``) may
use SSE-S3 (``AES256``) instead. S3 server access logs can only be delivered to a bucket whose default
encryption is SSE-S3: "Default server-side encryption with AWS KMS keys (SSE-KMS) is not supported" on a log
destination (S3 User Guide, "Enabling Amazon S3 server access logging"). Such a bucket still needs an
encryption configuration, and every other S3 policy (versioning, public access block, TLS) applies to it."""

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from chatpdd_policies._checklist import SSE_S3_ALLOWED_ROLES
from chatpdd_policies._s3 import BUCKET, SSE_CONFIG, bucket_config
from chatpdd_policies._util import (
    MISSING,
    UNKNOWN,
    Report,
    checklist_reference,
    config_value,
    kms_key_problem,
    label,
    lookup,
    lookup_list,
    resources_of_type,
    stack_policy,
    tag,
    unknown_message,
)

DEFAULTS = {"sseS3AllowedRoles": SSE_S3_ALLOWED_ROLES}

RULE = "SSE-KMS with a customer-managed key"
FIX_ADD = ("add an aws.s3.BucketServerSideEncryptionConfiguration with sse_algorithm='aws:kms', kms_master_key_id="
           "<aws.kms.Key arn> and bucket_key_enabled=True")
FIX_KEY = "Fix: set kms_master_key_id to the storage aws.kms.Key ARN."
SSE_S3 = "AES256"


def _config_problems(config: PolicyResource, bucket: PolicyResource, sse_s3_roles: list[str]) -> list[str]:
    rules = lookup_list(config.props, "rules")
    if rules is UNKNOWN:
        return [unknown_message(label(config), "rules", RULE)]
    index = next((i for i, rule in enumerate([] if rules is MISSING else rules)
                  if lookup(rule, "applyServerSideEncryptionByDefault") is not MISSING), None)
    if index is None:
        return [f"{label(config)} has no default encryption rule. Fix: {FIX_ADD}."]
    default = ("rules", index, "applyServerSideEncryptionByDefault")
    algorithm = lookup(config.props, *default, "sseAlgorithm")
    if algorithm is UNKNOWN:
        return [unknown_message(label(config), "sseAlgorithm", RULE)]
    if algorithm == SSE_S3:
        role = tag(bucket.props, "Role")
        if role is UNKNOWN:
            return [unknown_message(label(bucket), "tags.Role", "the SSE-S3 exception (sseS3AllowedRoles)")]
        if role in sse_s3_roles:
            return []  # SSE-S3 has no key to check, and an S3 Bucket Key applies to SSE-KMS only
    if algorithm != "aws:kms":
        return [f"{label(config)} uses sseAlgorithm '{algorithm}'; aws:kms is required. "
                f"Fix: set sse_algorithm='aws:kms' and kms_master_key_id to the storage aws.kms.Key ARN."]
    problems = []
    key = kms_key_problem(config, *default, "kmsMasterKeyId")
    if key:
        problems.append(f"{label(config)} {key}. {FIX_KEY}")
    bucket_key = lookup(config.props, "rules", index, "bucketKeyEnabled")
    if bucket_key is UNKNOWN:
        problems.append(unknown_message(label(config), "bucketKeyEnabled", "the S3 Bucket Key"))
    elif bucket_key is not True:
        # Absent = the provider default (off): every object then costs a KMS request.
        problems.append(f"{label(config)} does not enable the S3 Bucket Key. Fix: set bucket_key_enabled=True.")
    return problems


def _validate(args: StackValidationArgs, report_violation: Report) -> None:
    sse_s3_roles = config_value(args, "sseS3AllowedRoles", DEFAULTS["sseS3AllowedRoles"])
    for bucket in resources_of_type(args, BUCKET):
        config = bucket_config(args, bucket, SSE_CONFIG, report_violation,
                               what="server-side encryption configuration", fix=FIX_ADD)
        if config is not None:
            for message in _config_problems(config, bucket, sse_s3_roles):
                report_violation(message, config.urn)


POLICY = stack_policy(
    name="aws-s3-bucket-enable-sse-kms-cmk",
    description="S3 buckets must encrypt objects with SSE-KMS under a customer-managed key and an S3 Bucket Key "
                "(SSE-S3 only for the roles in sseS3AllowedRoles: server access log buckets).",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps="Add an aws.s3.BucketServerSideEncryptionConfiguration for the bucket with "
                      "sse_algorithm='aws:kms', kms_master_key_id=<the stack's aws.kms.Key arn> and "
                      "bucket_key_enabled=True.",
    reference=checklist_reference("Security Validation", "Encryption", "Data at rest encryption verified"),
    tags=["aws", "s3", "encryption", "kms"],
    config_schema={"sseS3AllowedRoles": {
        "type": "array", "items": {"type": "string"}, "default": DEFAULTS["sseS3AllowedRoles"],
        "description": "Role tags of buckets that may use SSE-S3 (AES256) instead of SSE-KMS: S3 server access "
                       "logs can be delivered only to an SSE-S3 bucket (S3 User Guide, \"Enabling Amazon S3 server "
                       "access logging\"). Every other S3 policy still applies to them."}},
)
