"""aws-rds-instance-enable-performance-insights (stack): every RDS instance enables Performance Insights,
keeps its data for at least ``minRetentionDays`` (``performanceInsightsRetentionPeriod``; absent = the RDS
default, a week) and encrypts it with a customer-managed KMS key (``performanceInsightsKmsKeyId`` -> an
``aws:kms/key:Key`` of this stack or a literal customer-managed key ARN)."""

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from chatpdd_policies._checklist import MIN_PERFORMANCE_INSIGHTS_RETENTION_DAYS
from chatpdd_policies._threshold import Number, Threshold, defaults
from chatpdd_policies._util import (
    MISSING,
    RDS_INSTANCE,
    UNKNOWN,
    Report,
    as_number,
    checklist_reference,
    fmt,
    kms_key_problem,
    label,
    lookup,
    resources_of_type,
    stack_policy,
    unknown_message,
)

RETENTION = Threshold("minRetentionDays", MIN_PERFORMANCE_INSIGHTS_RETENTION_DAYS, "at-least", "days",
                      "Fewest days Performance Insights may keep its data.", minimum=1)
DEFAULTS = defaults(RETENTION)
STACK_CONFIG_KEYS = ("database.performance_insights_retention_days",)
# What RDS keeps when the retention is not set: a fact of AWS, not the checklist's minimum.
RDS_DEFAULT_RETENTION_DAYS = 7


def _retention_problem(db: PolicyResource, minimum: Number) -> str:
    days = lookup(db.props, "performanceInsightsRetentionPeriod")
    if days is UNKNOWN:
        return unknown_message(label(db), "performanceInsightsRetentionPeriod", "the Performance Insights retention")
    kept = RDS_DEFAULT_RETENTION_DAYS if days is MISSING else as_number(days)
    if kept is not None and kept >= minimum:
        return ""
    shown = (f"does not set performanceInsightsRetentionPeriod (RDS keeps {RDS_DEFAULT_RETENTION_DAYS} days)"
             if days is MISSING else f"keeps Performance Insights data for {fmt(days)} days")
    return (f"{label(db)} {shown}; at least {fmt(minimum)} days are required. "
            f"Fix: set performance_insights_retention_period={fmt(minimum)} or more.")


def _validate(args: StackValidationArgs, report_violation: Report) -> None:
    minimum = RETENTION.value(args)
    for db in resources_of_type(args, RDS_INSTANCE):
        enabled = lookup(db.props, "performanceInsightsEnabled")
        if enabled is UNKNOWN:
            report_violation(unknown_message(label(db), "performanceInsightsEnabled", "Performance Insights"),
                             db.urn)
        elif enabled is not True:
            # Absent = the provider default (off): a violation.
            report_violation(f"{label(db)} does not enable Performance Insights. "
                             f"Fix: set performance_insights_enabled=True.", db.urn)
        else:
            problem = kms_key_problem(db, "performanceInsightsKmsKeyId")
            if problem:
                report_violation(f"{label(db)} {problem}. Fix: set performance_insights_kms_key_id to the "
                                 f"database's customer-managed aws.kms.Key ARN.", db.urn)
            retention = _retention_problem(db, minimum)
            if retention:
                report_violation(retention, db.urn)


POLICY = stack_policy(
    name="aws-rds-instance-enable-performance-insights",
    description="RDS instances must enable Performance Insights, kept for at least minRetentionDays and encrypted "
                "with a customer-managed KMS key.",
    validate=_validate,
    severity=Severity.MEDIUM,
    remediation_steps=f"Set performance_insights_enabled=True, performance_insights_retention_period >= "
                      f"minRetentionDays ({MIN_PERFORMANCE_INSIGHTS_RETENTION_DAYS}) and "
                      "performance_insights_kms_key_id=<aws.kms.Key arn>.",
    reference=checklist_reference("Pre-Deployment Preparation", "Database Performance", "Query performance analyzed"),
    tags=["aws", "rds", "performance", "kms"],
    thresholds=(RETENTION,),
)
