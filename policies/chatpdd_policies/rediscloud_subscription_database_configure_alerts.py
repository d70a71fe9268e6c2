"""rediscloud-subscription-database-configure-alerts: Redis Cloud databases carry the alerts the
checklist asks for ("Redis monitoring alerts configured"): ``requiredAlerts`` among ``alerts[].name``."""

from pulumi_policy import ResourceValidationArgs, Severity

from chatpdd_policies._checklist import REDIS_REQUIRED_ALERTS
from chatpdd_policies._util import (
    MISSING,
    REDIS_DATABASE,
    UNKNOWN,
    Report,
    checklist_reference,
    config_value,
    label,
    lookup,
    lookup_list,
    resource_policy,
    unknown_message,
)

DEFAULTS = {"requiredAlerts": REDIS_REQUIRED_ALERTS}
STACK_CONFIG_KEYS = ("cache.alerts",)


def _validate(args: ResourceValidationArgs, report_violation: Report) -> None:
    if args.resource_type != REDIS_DATABASE:
        return
    required = list(config_value(args, "requiredAlerts", DEFAULTS["requiredAlerts"]))
    alerts = lookup_list(args.props, "alerts")
    if alerts is UNKNOWN:
        report_violation(unknown_message(label(args), "alerts", "the Redis alerts"))
        return
    names = [lookup(alert, "name") for alert in ([] if alerts is MISSING else alerts)]
    missing = [name for name in required if name not in names]
    if missing and UNKNOWN in names:
        report_violation(unknown_message(label(args), "alerts[].name", "the Redis alerts"))
    elif missing:
        report_violation(f"{label(args)} lacks the alerts {', '.join(missing)}. "
                         f"Fix: add alerts=[{{name, value}}] for {', '.join(missing)}.")


POLICY = resource_policy(
    name="rediscloud-subscription-database-configure-alerts",
    description="Redis Cloud databases must configure the required alerts (dataset-size, latency).",
    validate=_validate,
    severity=Severity.MEDIUM,
    remediation_steps="Add alerts with name dataset-size and latency (and a threshold value) to the database.",
    reference=checklist_reference("Pre-Deployment Preparation", "Redis Configuration",
                                  "Redis monitoring alerts configured"),
    tags=["rediscloud", "redis", "monitoring"],
    config_schema={"requiredAlerts": {"type": "array", "items": {"type": "string"},
                                      "default": DEFAULTS["requiredAlerts"],
                                      "description": "Alert names every Redis Cloud database must have."}},
)
