"""aws-rds-instance-configure-parameter-group (stack): every RDS instance (primary and replica) uses a
parameter group of this stack -- the one the parameter-group policies check for ``rds.force_ssl`` and
``log_min_duration_statement`` -- not the engine's default group (neither forces TLS nor logs slow
queries)."""

from pulumi_policy import Severity, StackValidationArgs

from chatpdd_policies._util import (
    MISSING,
    RDS_INSTANCE,
    RDS_PARAMETER_GROUP,
    UNKNOWN,
    Report,
    checklist_reference,
    label,
    lookup,
    referenced,
    resources_of_type,
    stack_policy,
    unknown_message,
)

FIX = "Fix: set parameter_group_name to the name of the stack's aws.rds.ParameterGroup."


def _validate(args: StackValidationArgs, report_violation: Report) -> None:
    for db in resources_of_type(args, RDS_INSTANCE):
        if referenced(args, db, "parameterGroupName", RDS_PARAMETER_GROUP, "name"):
            continue
        name = lookup(db.props, "parameterGroupName")
        if name is UNKNOWN:
            report_violation(unknown_message(label(db), "parameterGroupName", "the parameter group"), db.urn)
        elif name is MISSING or name == "":
            report_violation(f"{label(db)} uses the default parameter group, which neither forces TLS nor logs "
                             f"slow queries. {FIX}", db.urn)
        else:
            report_violation(f"{label(db)} uses parameter group '{name}', which is not managed by this stack. {FIX}",
                             db.urn)


POLICY = stack_policy(
    name="aws-rds-instance-configure-parameter-group",
    description="RDS instances must use the stack's parameter group (TLS forced, slow queries logged).",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps="Create an aws.rds.ParameterGroup (rds.force_ssl=1, log_min_duration_statement, "
                      "max_connections) and pass its name as parameter_group_name to every instance.",
    reference=checklist_reference("Pre-Deployment Preparation", "Database Configuration",
                                  "Database performance tuning completed"),
    tags=["aws", "rds", "tls", "performance"],
)
