"""vercel-env-var-configure-session-timeout: the app's ``SESSION_TIMEOUT_HOURS`` env var is a number of
hours from ``minHours`` to ``maxHours`` (checklist: ``SESSION_TIMEOUT_MIN_HOURS``-``SESSION_TIMEOUT_MAX_HOURS``)."""

from pulumi_policy import ResourceValidationArgs, Severity

from chatpdd_policies._checklist import SESSION_TIMEOUT_MAX_HOURS, SESSION_TIMEOUT_MIN_HOURS
from chatpdd_policies._threshold import Threshold, defaults
from chatpdd_policies._util import Report, as_number, checklist_reference, fmt, label, resource_policy
from chatpdd_policies._vercel import env_setting

KEY = "SESSION_TIMEOUT_HOURS"
SHORTEST = Threshold("minHours", SESSION_TIMEOUT_MIN_HOURS, "at-least", "hours",
                     "Shortest allowed session timeout in hours.", minimum=0, kind="number")
LONGEST = Threshold("maxHours", SESSION_TIMEOUT_MAX_HOURS, "at-most", "hours",
                    "Longest allowed session timeout in hours.", minimum=0, kind="number")
DEFAULTS = defaults(SHORTEST, LONGEST)


def _validate(args: ResourceValidationArgs, report_violation: Report) -> None:
    setting = env_setting(args, {KEY}, "the session timeout", report_violation)
    if setting is None:
        return
    low = SHORTEST.value(args)
    high = LONGEST.value(args)
    hours = as_number(setting[1])
    fix = f"Fix: set app.session_timeout_hours in the stack config to {fmt(low)}-{fmt(high)}."
    if hours is None:
        report_violation(f"{label(args)} sets {KEY} to a value that is not a number of hours. {fix}")
    elif not low <= hours <= high:
        report_violation(f"{label(args)} sets {KEY} outside {fmt(low)}-{fmt(high)} hours. {fix}")


POLICY = resource_policy(
    name="vercel-env-var-configure-session-timeout",
    description=f"The app's session timeout (SESSION_TIMEOUT_HOURS) must be within minHours-maxHours "
                f"({SESSION_TIMEOUT_MIN_HOURS}-{SESSION_TIMEOUT_MAX_HOURS}).",
    validate=_validate,
    severity=Severity.MEDIUM,
    remediation_steps=f"Set app.session_timeout_hours in Pulumi.<stack>.yaml to a whole number of hours from "
                      f"{SESSION_TIMEOUT_MIN_HOURS} to {SESSION_TIMEOUT_MAX_HOURS}; "
                      "the program writes it to the SESSION_TIMEOUT_HOURS env var.",
    reference=checklist_reference("Pre-Deployment Preparation", "Authentication & Authorization",
                                  "Session timeout configured appropriately (8-24 hours)"),
    tags=["vercel", "authentication", "security"],
    thresholds=(SHORTEST, LONGEST),
)
