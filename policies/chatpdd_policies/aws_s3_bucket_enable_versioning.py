"""aws-s3-bucket-enable-versioning (stack): every S3 bucket has a versioning configuration
(``bucket`` = the bucket's name, or taken from the bucket) with ``versioningConfiguration.status``
``Enabled``: an overwritten or deleted object stays restorable (and object lock requires it)."""

from pulumi_policy import Severity, StackValidationArgs

from chatpdd_policies._s3 import BUCKET, VERSIONING, bucket_config
from chatpdd_policies._util import (
    MISSING,
    UNKNOWN,
    Report,
    checklist_reference,
    label,
    lookup,
    resources_of_type,
    stack_policy,
    unknown_message,
)

FIX = "set versioning_configuration={'status': 'Enabled'}"


def _validate(args: StackValidationArgs, report_violation: Report) -> None:
    for bucket in resources_of_type(args, BUCKET):
        config = bucket_config(args, bucket, VERSIONING, report_violation, what="versioning configuration",
                               fix=f"add an aws.s3.BucketVersioning for it and {FIX}")
        if config is None:
            continue
        status = lookup(config.props, "versioningConfiguration", "status")
        if status is UNKNOWN:
            report_violation(unknown_message(label(config), "versioningConfiguration.status", "versioning"),
                             config.urn)
        elif status != "Enabled":
            shown = "no status" if status is MISSING else f"status '{status}'"
            report_violation(f"{label(config)} has {shown}; versioning must be Enabled. Fix: {FIX}.", config.urn)


POLICY = stack_policy(
    name="aws-s3-bucket-enable-versioning",
    description="S3 buckets must have versioning enabled.",
    validate=_validate,
    severity=Severity.MEDIUM,
    remediation_steps="Add an aws.s3.BucketVersioning for the bucket with versioning_configuration="
                      "{'status': 'Enabled'}.",
    reference=checklist_reference("Pre-Deployment Preparation", "File Sharing", "File versioning working (if implemented)"),
    tags=["aws", "s3", "backup", "resilience"],
)
