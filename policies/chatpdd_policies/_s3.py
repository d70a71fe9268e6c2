"""S3 helpers for the storage policies.

AWS provider v7 splits a bucket's settings into separate resources (encryption, versioning, public access
block, policy, lifecycle, object lock, CORS), each naming its bucket in ``bucket``. The program sets that
to the bucket's explicit name (known at preview); a program may also pass the bucket's ``bucket`` output,
which is unknown at preview but shows as a property dependency on the bucket. :func:`bucket_config`
accepts both (through :func:`~chatpdd_policies._util.refers_to`).
"""

from __future__ import annotations

from pulumi_policy import PolicyResource, StackValidationArgs

from chatpdd_policies._checklist import ROLE_BACKUPS, ROLE_BACKUPS_DR
from chatpdd_policies._util import UNKNOWN, Report, label, lookup, refers_to, resources_of_type, tag, unknown_message

BUCKET = "aws:s3/bucket:Bucket"
SSE_CONFIG = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
OBJECT_LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
CORS = "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration"

BACKUPS_ROLE = ROLE_BACKUPS
# The disaster-recovery replica of the backups bucket (another region) holds the same backups: the backups
# rules (retention, object lock) apply to it as well.
BACKUPS_REPLICA_ROLE = ROLE_BACKUPS_DR
BACKUPS_ROLES = (BACKUPS_ROLE, BACKUPS_REPLICA_ROLE)


def bucket_config(args: StackValidationArgs, bucket: PolicyResource, config_type: str, report_violation: Report,
                  *, what: str, fix: str) -> PolicyResource | None:
    """The ``config_type`` resource of ``bucket`` (the first one registered), or None after reporting why.

    Missing -> ``"<bucket label> has no <what>. Fix: <fix>."``. When no configuration points at the
    bucket but one has a ``bucket`` that is unknown and not taken from a bucket of this stack, the
    bucket cannot be matched: fail closed with :func:`unknown_message` (on that configuration)."""
    config, unmatched = match_bucket_config(args, bucket, config_type)
    if config is not None:
        return config
    if unmatched is not None:
        report_violation(unknown_message(label(unmatched), "bucket", f"the {what} of {label(bucket)}"),
                         unmatched.urn)
        return None
    report_violation(f"{label(bucket)} has no {what}. Fix: {fix}.", bucket.urn)
    return None


def match_bucket_config(args: StackValidationArgs, bucket: PolicyResource, config_type: str,
                        ) -> tuple[PolicyResource | None, PolicyResource | None]:
    """``(config, None)``: the first ``config_type`` resource of ``bucket`` (by a reference or its known name);
    ``(None, unmatched)``: none, but ``unmatched`` has a bucket unknown at preview and taken from no bucket of
    this stack (it may be this bucket's: fail closed); ``(None, None)``: the bucket has none. Reports nothing."""
    configs = resources_of_type(args, config_type)
    for config in configs:
        if refers_to(config, "bucket", bucket, "bucket"):
            return config, None
    buckets = resources_of_type(args, BUCKET)
    for config in configs:
        if lookup(config.props, "bucket") is UNKNOWN and not any(
                refers_to(config, "bucket", b, "bucket") for b in buckets):
            return None, config
    return None, None


def backups_buckets(args: StackValidationArgs, report_violation: Report, rule: str) -> list[PolicyResource]:
    """The buckets tagged ``Role=backups`` or ``Role=backups-dr`` (its disaster-recovery replica).

    A bucket whose ``Role`` tag is unknown fails closed (``rule`` names what cannot be verified). A
    stack with buckets but none tagged ``Role=backups`` is reported once (a replica alone does not
    count): the backups rules would otherwise pass silently because a tag went missing."""
    buckets = resources_of_type(args, BUCKET)
    found = []
    unknown = source = False
    for bucket in buckets:
        role = tag(bucket.props, "Role")
        if role is UNKNOWN:
            unknown = True
            report_violation(unknown_message(label(bucket), "tags.Role", rule), bucket.urn)
        elif role in BACKUPS_ROLES:
            found.append(bucket)
            source = source or role == BACKUPS_ROLE
    if buckets and not source and not unknown:
        report_violation(f"Stack has no S3 bucket tagged Role={BACKUPS_ROLE}, so {rule} cannot be verified. "
                         f"Fix: tag the backups bucket Role={BACKUPS_ROLE}.")
    return found
