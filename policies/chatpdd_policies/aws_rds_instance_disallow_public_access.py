"""aws-rds-instance-disallow-public-access: no RDS instance (primary or replica) is publicly accessible."""

from pulumi_policy import ResourceValidationArgs, Severity

from chatpdd_policies._util import (
    RDS_INSTANCE,
    UNKNOWN,
    Report,
    checklist_reference,
    label,
    lookup,
    resource_policy,
    unknown_message,
)


def _validate(args: ResourceValidationArgs, report_violation: Report) -> None:
    if args.resource_type != RDS_INSTANCE:
        return
    # Absent = the provider default (false): deliberately compliant; the program sets it anyway.
    value = lookup(args.props, "publiclyAccessible")
    if value is UNKNOWN:
        report_violation(unknown_message(label(args), "publiclyAccessible", "private access"))
    elif value is True:
        report_violation(f"{label(args)} is publicly accessible. Fix: set publicly_accessible=False.")


POLICY = resource_policy(
    name="aws-rds-instance-disallow-public-access",
    description="RDS instances must not be publicly accessible.",
    validate=_validate,
    severity=Severity.CRITICAL,
    remediation_steps="Set publicly_accessible=False on the instance and reach it through the RDS Proxy "
                      "inside the VPC.",
    reference=checklist_reference("Pre-Deployment Preparation", "Infrastructure Security",
                                  "Network security groups configured"),
    tags=["aws", "rds", "network", "security"],
)
