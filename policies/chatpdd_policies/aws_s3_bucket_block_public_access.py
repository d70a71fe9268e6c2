"""aws-s3-bucket-block-public-access (stack): every S3 bucket has a public access block (``bucket`` = the
bucket's name, or taken from the bucket) with all four flags true. A missing flag is the provider
default (false): a violation."""

from pulumi_policy import Severity, StackValidationArgs

from chatpdd_policies._s3 import BUCKET, PUBLIC_ACCESS_BLOCK, bucket_config
from chatpdd_policies._util import (
    UNKNOWN,
    Report,
    checklist_reference,
    label,
    lookup,
    resources_of_type,
    stack_policy,
    unknown_message,
)

FLAGS = {
    "blockPublicAcls": "block_public_acls",
    "blockPublicPolicy": "block_public_policy",
    "ignorePublicAcls": "ignore_public_acls",
    "restrictPublicBuckets": "restrict_public_buckets",
}


def _validate(args: StackValidationArgs, report_violation: Report) -> None:
    for bucket in resources_of_type(args, BUCKET):
        config = bucket_config(args, bucket, PUBLIC_ACCESS_BLOCK, report_violation, what="public access block",
                               fix="add an aws.s3.BucketPublicAccessBlock for it with all four flags True")
        if config is None:
            continue
        for prop, arg in FLAGS.items():
            value = lookup(config.props, prop)
            if value is UNKNOWN:
                report_violation(unknown_message(label(config), prop, "the public access block"), config.urn)
            elif value is not True:
                report_violation(f"{label(config)} does not enable {prop}. Fix: set {arg}=True.", config.urn)


POLICY = stack_policy(
    name="aws-s3-bucket-block-public-access",
    description="S3 buckets must block every form of public access (all four public access block flags).",
    validate=_validate,
    severity=Severity.CRITICAL,
    remediation_steps="Add an aws.s3.BucketPublicAccessBlock for the bucket with block_public_acls, "
                      "block_public_policy, ignore_public_acls and restrict_public_buckets all True.",
    reference=checklist_reference("Pre-Deployment Preparation", "File Sharing", "File sharing permissions verified"),
    tags=["aws", "s3", "network", "security"],
)
