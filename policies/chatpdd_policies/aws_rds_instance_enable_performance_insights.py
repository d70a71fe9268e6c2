"""aws-rds-instance-enable-performance-insights (stack): every RDS instance enables Performance Insights
and encrypts its data with a customer-managed KMS key (``performanceInsightsKmsKeyId`` -> an
``aws:kms/key:Key`` of this stack or a literal customer-managed key ARN)."""

from pulumi_policy import ReportViolation, Severity, StackValidationArgs

from chatpdd_policies._util import (
    RDS_INSTANCE,
    UNKNOWN,
    checklist_reference,
    kms_key_problem,
    label,
    lookup,
    resources_of_type,
    stack_policy,
    unknown_message,
)

STACK_CONFIG_KEYS = ("database.performance_insights_retention_days",)


def _validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
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


POLICY = stack_policy(
    name="aws-rds-instance-enable-performance-insights",
    description="RDS instances must enable Performance Insights encrypted with a customer-managed KMS key.",
    validate=_validate,
    severity=Severity.MEDIUM,
    remediation_steps="Set performance_insights_enabled=True and performance_insights_kms_key_id=<aws.kms.Key arn>.",
    reference=checklist_reference("Pre-Deployment Preparation", "Database Performance", "Query performance analyzed"),
    tags=["aws", "rds", "performance", "kms"],
)
