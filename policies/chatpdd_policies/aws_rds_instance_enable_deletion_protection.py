"""aws-rds-instance-enable-deletion-protection: every RDS instance (primary and replica) has
deletion protection on."""

from pulumi_policy import ResourceValidationArgs, Severity

from chatpdd_policies._util import RDS_INSTANCE, Report, checklist_reference, require_value, resource_policy


def _validate(args: ResourceValidationArgs, report_violation: Report) -> None:
    if args.resource_type != RDS_INSTANCE:
        return
    # Absent = the provider default (off): a violation.
    require_value(args, report_violation, "deletionProtection", True, rule="deletion protection",
                  problem="has deletion protection off", fix="set deletion_protection=True")


POLICY = resource_policy(
    name="aws-rds-instance-enable-deletion-protection",
    description="RDS instances must have deletion protection enabled.",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps="Set deletion_protection=True on every RDS instance (primary and replicas).",
    reference=checklist_reference("Deployment Execution", "Pre-Deployment Database Backup",
                                  "pnpm tsx scripts/create-backup.ts"),
    tags=["aws", "rds", "data-protection"],
)
