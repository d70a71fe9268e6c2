"""synthetics-canary-enable-artifact-encryption (stack): every CloudWatch Synthetics canary encrypts its
artifacts (screenshots, HAR files, logs: they show the app's pages and responses) with a customer-managed KMS key
(``artifactConfig.s3Encryption``: ``encryptionMode`` SSE_KMS and ``kmsKeyArn`` a key of this stack), and writes
them to a bucket of this stack tagged ``Role=canary-artifacts`` that is access-logged (an
``aws:s3/bucketLogging:BucketLogging``) and expires them after ``minRetentionDays`` at the earliest (an enabled
lifecycle rule's ``expiration.days``; the checklist module's CANARY_ARTIFACT_RETENTION_DAYS). The bucket's own
SSE-KMS, versioning, public access block and TLS policy are the aws-s3-bucket-* policies' (they cover every
bucket). Unknown at preview fails closed."""

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from chatpdd_policies._canary import CANARY
from chatpdd_policies._checklist import CANARY_ARTIFACT_RETENTION_DAYS, ROLE_CANARY_ARTIFACTS
from chatpdd_policies._s3 import BUCKET, LIFECYCLE, match_bucket_config
from chatpdd_policies._threshold import Threshold, defaults
from chatpdd_policies._util import (
    MISSING,
    UNKNOWN,
    Report,
    as_number,
    checklist_reference,
    fmt,
    kms_key_problem,
    label,
    lookup,
    lookup_list,
    resources_of_type,
    stack_policy,
    tag,
    unknown_message,
)

LOGGING = "aws:s3/bucketLogging:BucketLogging"
RETENTION = Threshold("minRetentionDays", CANARY_ARTIFACT_RETENTION_DAYS, "at-least", "days",
                      "Days canary artifacts are kept before they expire.", minimum=1)
DEFAULTS = defaults(RETENTION)
FIX_KEY = ("Fix: set artifact_config={'s3_encryption': {'encryption_mode': 'SSE_KMS', 'kms_key_arn': "
           "<a customer-managed aws.kms.Key ARN>}}.")


def _bucket_of(canary: PolicyResource) -> object:
    location = lookup(canary.props, "artifactS3Location")
    if location is UNKNOWN or location is MISSING:
        return location
    text = str(location)
    return text.removeprefix("s3://").split("/", 1)[0] if text.startswith("s3://") else MISSING


def _retention(matched: tuple[PolicyResource | None, PolicyResource | None]) -> object:
    """The shortest enabled expiration of the bucket's lifecycle rules (``match_bucket_config``'s answer), MISSING
    if none, UNKNOWN if unknown (the rules, or which bucket a configuration is for)."""
    config, unmatched = matched
    if unmatched is not None:
        return UNKNOWN
    if config is None:
        return MISSING
    rules = lookup_list(config.props, "rules")
    if rules is UNKNOWN:
        return UNKNOWN
    days: list[float] = []
    for rule in rules if isinstance(rules, list) else []:
        status, expire = lookup(rule, "status"), lookup(rule, "expiration", "days")
        if UNKNOWN in (status, expire):
            return UNKNOWN
        if status == "Enabled" and expire is not MISSING and as_number(expire) is not None:
            days.append(as_number(expire) or 0)
    return min(days) if days else MISSING


def _bucket_problems(args: StackValidationArgs, canary: PolicyResource, bucket: str, min_days: float) -> list[str]:
    name = label(canary)
    target = next((b for b in resources_of_type(args, BUCKET)
                   if lookup(b.props, "bucket") == bucket and tag(b.props, "Role") == ROLE_CANARY_ARTIFACTS), None)
    if target is None:
        return [f"{name} writes its artifacts to '{bucket}', which is not a bucket of this stack tagged "
                f"Role={ROLE_CANARY_ARTIFACTS}. Fix: point artifact_s3_location at the Storage component's "
                f"canary-artifacts bucket."]
    problems = []
    logging, unmatched = match_bucket_config(args, target, LOGGING)
    if unmatched is not None:
        problems.append(unknown_message(name, f"the bucket of an access logging configuration (for '{bucket}')",
                                        "the access logging of its artifacts"))
    elif logging is None:
        problems.append(f"{name}: its artifacts bucket '{bucket}' has no server access logging. Fix: add an "
                        f"aws.s3.BucketLogging into the access-logs bucket.")
    days = _retention(match_bucket_config(args, target, LIFECYCLE))
    if days is UNKNOWN:
        problems.append(unknown_message(name, f"the lifecycle rules of '{bucket}'", "how long artifacts are kept"))
    elif days is MISSING or (isinstance(days, float) and days < min_days):
        shown = "never expires them" if days is MISSING else f"expires them after {fmt(days)} days"
        problems.append(f"{name}: its artifacts bucket '{bucket}' {shown}; keep them {fmt(min_days)} days, then "
                        f"expire them. Fix: an enabled lifecycle rule with expiration.days = {fmt(min_days)}.")
    return problems


def _validate(args: StackValidationArgs, report_violation: Report) -> None:
    min_days = RETENTION.value(args)
    for canary in resources_of_type(args, CANARY):
        mode = lookup(canary.props, "artifactConfig", "s3Encryption", "encryptionMode")
        if mode is UNKNOWN:
            report_violation(unknown_message(label(canary), "artifactConfig.s3Encryption.encryptionMode",
                                             "the encryption of its artifacts"), canary.urn)
        elif mode != "SSE_KMS":
            shown = "no encryption mode (SSE-S3)" if mode is MISSING else f"encryption mode {mode}"
            report_violation(f"{label(canary)} writes its artifacts with {shown}. {FIX_KEY}", canary.urn)
        else:
            problem = kms_key_problem(canary, "artifactConfig", "s3Encryption", "kmsKeyArn")
            if problem:
                report_violation(f"{label(canary)} {problem}. {FIX_KEY}", canary.urn)
        bucket = _bucket_of(canary)
        if bucket is UNKNOWN:
            report_violation(unknown_message(label(canary), "artifactS3Location", "where its artifacts go"),
                             canary.urn)
        elif bucket is MISSING:
            report_violation(f"{label(canary)} has no s3:// artifactS3Location. Fix: set artifact_s3_location="
                             f"'s3://<the canary-artifacts bucket>/canaries/<canary name>/'.", canary.urn)
        else:
            for message in _bucket_problems(args, canary, str(bucket), min_days):
                report_violation(message, canary.urn)


POLICY = stack_policy(
    name="synthetics-canary-enable-artifact-encryption",
    description="Synthetics canary artifacts must be SSE-KMS with a customer-managed key, in an access-logged "
                "canary-artifacts bucket that keeps them minRetentionDays.",
    validate=_validate,
    severity=Severity.MEDIUM,
    remediation_steps="Use components/synthetics.py with the Storage component's canary-artifacts bucket: "
                      "artifact_config.s3_encryption SSE_KMS with the storage key, BucketLogging into the access-logs "
                      "bucket, a lifecycle rule expiring artifacts after CANARY_ARTIFACT_RETENTION_DAYS.",
    reference=checklist_reference("Security Validation", "Encryption", "Data at rest encryption verified"),
    tags=["aws", "synthetics", "s3", "encryption", "kms"],
    thresholds=(RETENTION,),
)
