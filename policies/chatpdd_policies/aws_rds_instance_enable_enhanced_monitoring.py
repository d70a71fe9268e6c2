"""aws-rds-instance-enable-enhanced-monitoring (stack): every RDS instance sends OS metrics
(``monitoringInterval`` > 0) through a monitoring role (``monitoringRoleArn`` -> an ``aws:iam/role:Role``
of this stack or a literal role ARN)."""

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from chatpdd_policies._util import (
    MISSING,
    RDS_INSTANCE,
    UNKNOWN,
    Report,
    as_number,
    checklist_reference,
    fmt,
    label,
    lookup,
    resources_of_type,
    stack_policy,
    unknown_message,
)

STACK_CONFIG_KEYS = ("database.monitoring_interval_seconds",)

IAM_ROLE = "aws:iam/role:Role"
INTERVALS = (1, 5, 10, 15, 30, 60)
FIX_ROLE = "Fix: set monitoring_role_arn to the stack's enhanced-monitoring aws.iam.Role ARN."


def _role_problem(db: PolicyResource) -> str:
    if any(d.resource_type == IAM_ROLE for d in db.property_dependencies.get("monitoringRoleArn", [])):
        return ""
    role = lookup(db.props, "monitoringRoleArn")
    if role is MISSING or role == "":
        return f"{label(db)} has no monitoringRoleArn. {FIX_ROLE}"
    if role is UNKNOWN:
        return (f"{label(db)} has monitoringRoleArn unknown at preview and not taken from an aws:iam/role:Role "
                f"in this stack. {FIX_ROLE}")
    if not (str(role).startswith("arn:aws") and ":role/" in str(role)):
        return f"{label(db)} has monitoringRoleArn '{role}', which is not an IAM role ARN. {FIX_ROLE}"
    return ""


def _validate(args: StackValidationArgs, report_violation: Report) -> None:
    for db in resources_of_type(args, RDS_INSTANCE):
        interval = lookup(db.props, "monitoringInterval")
        if interval is UNKNOWN:
            report_violation(unknown_message(label(db), "monitoringInterval", "enhanced monitoring"), db.urn)
            continue
        if as_number(interval) not in INTERVALS:
            # Absent = the provider default (0, off): a violation.
            shown = "not set" if interval is MISSING else fmt(interval)
            report_violation(f"{label(db)} has enhanced monitoring off (monitoringInterval {shown}). "
                             f"Fix: set monitoring_interval to one of {', '.join(map(str, INTERVALS))} seconds "
                             f"and monitoring_role_arn.", db.urn)
            continue
        problem = _role_problem(db)
        if problem:
            report_violation(problem, db.urn)


POLICY = stack_policy(
    name="aws-rds-instance-enable-enhanced-monitoring",
    description="RDS instances must enable enhanced monitoring with a monitoring role.",
    validate=_validate,
    severity=Severity.MEDIUM,
    remediation_steps="Set monitoring_interval (e.g. 60) and monitoring_role_arn to a role with the "
                      "AmazonRDSEnhancedMonitoringRole policy.",
    reference=checklist_reference("Monitoring and Alerting Setup", "Performance Monitoring", "Memory and CPU usage"),
    tags=["aws", "rds", "monitoring"],
)
