"""aws-rds-instance-enable-iam-authentication: every RDS instance accepts IAM database authentication."""

from pulumi_policy import ResourceValidationArgs, Severity

from chatpdd_policies._util import RDS_INSTANCE, Report, checklist_reference, require_value, resource_policy


def _validate(args: ResourceValidationArgs, report_violation: Report) -> None:
    if args.resource_type != RDS_INSTANCE:
        return
    # Absent = the provider default (off): a violation.
    require_value(args, report_violation, "iamDatabaseAuthenticationEnabled", True,
                  rule="IAM database authentication", problem="does not enable IAM database authentication",
                  fix="set iam_database_authentication_enabled=True")


POLICY = resource_policy(
    name="aws-rds-instance-enable-iam-authentication",
    description="RDS instances must enable IAM database authentication.",
    validate=_validate,
    severity=Severity.MEDIUM,
    remediation_steps="Set iam_database_authentication_enabled=True on every RDS instance.",
    reference=checklist_reference("Pre-Deployment Preparation", "Environment Variables",
                                  "JWT and authentication secrets rotated"),
    tags=["aws", "rds", "authentication"],
)
