"""aws-rds-parameter-group-enforce-ssl: PostgreSQL parameter groups set ``rds.force_ssl=1``."""

from pulumi_policy import ResourceValidationArgs, Severity

from chatpdd_policies._util import (
    MISSING,
    RDS_PARAMETER_GROUP,
    UNKNOWN,
    Report,
    as_number,
    checklist_reference,
    label,
    lookup,
    pg_parameter,
    resource_policy,
    unknown_message,
)


def _validate(args: ResourceValidationArgs, report_violation: Report) -> None:
    if args.resource_type != RDS_PARAMETER_GROUP:
        return
    family = lookup(args.props, "family")
    if isinstance(family, str) and not family.startswith("postgres"):
        args.not_applicable(f"{label(args)} is for {family}, not PostgreSQL")
    value = pg_parameter(args.props, "rds.force_ssl")
    if value is UNKNOWN:
        report_violation(unknown_message(label(args), "parameters[rds.force_ssl]", "TLS enforcement"))
    elif as_number(value) != 1:
        # Absent = the engine default (0 before PostgreSQL 15): a violation either way.
        shown = "does not set rds.force_ssl" if value is MISSING else f"sets rds.force_ssl={value}"
        report_violation(f"{label(args)} {shown}, so clients may connect without TLS. "
                         f"Fix: add the parameter rds.force_ssl=1.")


POLICY = resource_policy(
    name="aws-rds-parameter-group-enforce-ssl",
    description="PostgreSQL parameter groups must force TLS (rds.force_ssl=1).",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps="Add {name: rds.force_ssl, value: '1', apply_method: pending-reboot} to the parameter group.",
    reference=checklist_reference("Security Validation", "Encryption", "Data in transit encryption verified"),
    tags=["aws", "rds", "tls"],
)
