"""synthetics-canary-configure-coverage (stack): CloudWatch Synthetics canaries measure the checklist's latency
numbers continuously -- every endpoint of ``endpoints`` (the four "Health Check Endpoints" and the
troubleshooting guide's ``/api/websocket/health``) is a step of a canary, a canary loads ``pagePath`` (the
home page), and every canary runs (``startCanary``) at least every ``maxIntervalMinutes`` (a ``rate(...)``
schedule; staging's pack config may allow less often).

Steps are read from the canaries' environment (``STEPS``, ``PAGE_URL``/``STEP``: the contract of
components/synthetics.py with its scripts, docs/architecture.md). Unknown at preview fails closed."""

from pulumi_policy import ReportViolation, Severity, StackValidationArgs

from chatpdd_policies._canary import CANARY, interval_minutes, steps
from chatpdd_policies._checklist import CANARY_API_ENDPOINTS, CANARY_MAX_INTERVAL_MINUTES, CANARY_PAGE_PATH
from chatpdd_policies._util import (
    UNKNOWN,
    checklist_reference,
    config_value,
    fmt,
    label,
    lookup,
    resources_of_type,
    stack_policy,
    unknown_message,
)

DEFAULTS = {"endpoints": CANARY_API_ENDPOINTS, "pagePath": CANARY_PAGE_PATH,
            "maxIntervalMinutes": CANARY_MAX_INTERVAL_MINUTES}
STACK_CONFIG_KEYS = ("monitoring.canary_interval_minutes",)


def _validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    canaries = resources_of_type(args, CANARY)
    max_minutes = config_value(args, "maxIntervalMinutes", DEFAULTS["maxIntervalMinutes"])
    covered: set[str] = set()
    for canary in canaries:
        found = steps(canary)
        if found is UNKNOWN:
            report_violation(unknown_message(label(canary), "runConfig.environmentVariables",
                                             "which endpoints it calls"), canary.urn)
        else:
            covered |= {path for _, path, _ in found}
        minutes = interval_minutes(canary)
        if minutes is UNKNOWN:
            report_violation(unknown_message(label(canary), "schedule.expression", "how often it runs"), canary.urn)
        elif minutes is None or not isinstance(minutes, int):
            report_violation(f"{label(canary)} has schedule {lookup(canary.props, 'schedule', 'expression')!s}, not "
                             f"a rate of at most {fmt(max_minutes)} minutes. Fix: set "
                             f"schedule={{'expression': 'rate({fmt(max_minutes)} minutes)'}}.", canary.urn)
        elif minutes > max_minutes:
            report_violation(f"{label(canary)} runs every {minutes} minutes; at most every {fmt(max_minutes)}. Fix: "
                             f"lower monitoring.canary_interval_minutes.", canary.urn)
        start = lookup(canary.props, "startCanary")
        if start is UNKNOWN:
            report_violation(unknown_message(label(canary), "startCanary", "that it runs"), canary.urn)
        elif start is not True:
            report_violation(f"{label(canary)} is not started, so it measures nothing. Fix: set start_canary=True.",
                             canary.urn)
    wanted = [*config_value(args, "endpoints", DEFAULTS["endpoints"]), config_value(args, "pagePath",
                                                                                   DEFAULTS["pagePath"])]
    for path in wanted:
        if path not in covered:
            report_violation(f"Stack has no Synthetics canary that calls {path}. Fix: add it to the canaries of "
                             f"components/synthetics.py (a step of the API canary, or the browser canary's page).")


POLICY = stack_policy(
    name="synthetics-canary-configure-coverage",
    description="Synthetics canaries must call every health endpoint and load the home page, at least every "
                "maxIntervalMinutes.",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps="Use components/synthetics.py: an API canary with one step per endpoint (STEPS) and a "
                      "browser canary for the home page (PAGE_URL), schedule rate(<= maxIntervalMinutes minutes), "
                      "start_canary=True.",
    reference=checklist_reference("Deployment Execution", "Performance Verification",
                                  "API response times < 500ms"),
    tags=["aws", "synthetics", "monitoring", "performance"],
    config_schema={
        "endpoints": {"type": "array", "items": {"type": "string"}, "default": DEFAULTS["endpoints"],
                      "description": "URL paths a canary must call, one step each."},
        "pagePath": {"type": "string", "default": DEFAULTS["pagePath"],
                     "description": "The page the browser canary must load."},
        "maxIntervalMinutes": {"type": "integer", "minimum": 1, "default": DEFAULTS["maxIntervalMinutes"],
                               "description": "Longest time between two runs of a canary, in minutes."},
    },
)
