"""aws-rds-parameter-group-configure-slow-query-log: PostgreSQL parameter groups log statements slower
than ``maxSlowQueryMs`` (checklist: "Database query time < 100ms"): ``log_min_duration_statement``
between 0 and that many milliseconds (-1 turns the log off)."""

from pulumi_policy import ResourceValidationArgs, Severity

from chatpdd_policies._checklist import SLOW_QUERY_MS
from chatpdd_policies._threshold import Threshold, defaults
from chatpdd_policies._util import (
    MISSING,
    RDS_PARAMETER_GROUP,
    UNKNOWN,
    Report,
    as_number,
    checklist_reference,
    fmt,
    label,
    lookup,
    pg_parameter,
    resource_policy,
    unknown_message,
)

SLOW_QUERY = Threshold("maxSlowQueryMs", SLOW_QUERY_MS, "at-most", "ms",
                       "Highest allowed log_min_duration_statement (ms).", minimum=0)
DEFAULTS = defaults(SLOW_QUERY)
STACK_CONFIG_KEYS = ("database.slow_query_ms",)


def _validate(args: ResourceValidationArgs, report_violation: Report) -> None:
    if args.resource_type != RDS_PARAMETER_GROUP:
        return
    family = lookup(args.props, "family")
    if isinstance(family, str) and not family.startswith("postgres"):
        args.not_applicable(f"{label(args)} is for {family}, not PostgreSQL")
    limit = SLOW_QUERY.value(args)
    value = pg_parameter(args.props, "log_min_duration_statement")
    number = as_number(value)
    if value is UNKNOWN:
        report_violation(unknown_message(label(args), "parameters[log_min_duration_statement]",
                                         "slow-query logging"))
    elif number is None or not 0 <= number <= limit:
        # Absent = the engine default (-1, off): a violation.
        shown = ("does not set log_min_duration_statement" if value is MISSING
                 else f"sets log_min_duration_statement={value}")
        report_violation(f"{label(args)} {shown}; slow queries must be logged from at most {fmt(limit)} ms. "
                         f"Fix: set log_min_duration_statement to a value between 0 and {fmt(limit)}.")


POLICY = resource_policy(
    name="aws-rds-parameter-group-configure-slow-query-log",
    description="PostgreSQL parameter groups must log slow queries (log_min_duration_statement <= maxSlowQueryMs).",
    validate=_validate,
    severity=Severity.MEDIUM,
    remediation_steps=f"Set the parameter log_min_duration_statement to a value between 0 and maxSlowQueryMs "
                      f"({SLOW_QUERY_MS}).",
    reference=checklist_reference("Pre-Deployment Preparation", "Database Performance",
                                  "Slow query monitoring enabled"),
    tags=["aws", "rds", "performance", "monitoring"],
    thresholds=(SLOW_QUERY,),
)
