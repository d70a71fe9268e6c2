"""aws-rds-instance-enable-multi-az: every RDS primary runs Multi-AZ (read replicas: not applicable)."""

from pulumi_policy import ResourceValidationArgs, Severity

from chatpdd_policies._util import (
    RDS_INSTANCE,
    Report,
    checklist_reference,
    require_value,
    resource_policy,
    skip_replica,
)


def _validate(args: ResourceValidationArgs, report_violation: Report) -> None:
    if args.resource_type != RDS_INSTANCE:
        return
    skip_replica(args, "availability comes from the primary's Multi-AZ standby and the replica's own zone")
    # Absent = the provider default (single-AZ): a violation.
    require_value(args, report_violation, "multiAz", True, rule="Multi-AZ",
                  problem="is not Multi-AZ", fix="set multi_az=True")


POLICY = resource_policy(
    name="aws-rds-instance-enable-multi-az",
    description="RDS primaries must be Multi-AZ.",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps="Set multi_az=True on the primary instance.",
    reference=checklist_reference("Deployment Execution", "Health Checks", "Database connectivity verified"),
    tags=["aws", "rds", "availability"],
)
