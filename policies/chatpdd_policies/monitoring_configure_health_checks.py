"""monitoring-configure-health-checks (stack): each endpoint of ``endpoints`` (checklist "Health Check
Endpoints") has an ``aws:route53/healthCheck:HealthCheck`` with that ``resourcePath``, ``type`` HTTPS (or
HTTPS_STR_MATCH) and ``measureLatency`` (absent = the provider default, off; it can only be set when
the check is created) -- the latency feeds "API response times < 500ms" -- and turns unhealthy fast:
``failureThreshold`` x ``requestInterval`` (absent = Route 53's defaults, 3 and 30 s) at most
``maxSecondsToUnhealthy`` (90 s), or its alarm pages late however tight the alarm is."""

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from chatpdd_policies._checklist import HEALTH_CHECK_MAX_SECONDS_TO_UNHEALTHY, HEALTH_ENDPOINTS
from chatpdd_policies._threshold import Threshold, defaults
from chatpdd_policies._util import (
    MISSING,
    UNKNOWN,
    Report,
    as_number,
    checklist_reference,
    config_value,
    fmt,
    label,
    lookup,
    resources_of_type,
    stack_policy,
    unknown_message,
)

HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"
HTTPS = ("HTTPS", "HTTPS_STR_MATCH")
# Route 53's shortest time to unhealthy: one failure at its fastest (10 s) interval.
TO_UNHEALTHY = Threshold("maxSecondsToUnhealthy", HEALTH_CHECK_MAX_SECONDS_TO_UNHEALTHY, "at-most", "s",
                         "Longest failureThreshold x requestInterval, in seconds.", minimum=10, kind="number")
DEFAULTS = defaults(TO_UNHEALTHY, endpoints=HEALTH_ENDPOINTS)
ROUTE53_DEFAULTS = {"failureThreshold": 3, "requestInterval": 30}  # what Route 53 uses when they are absent


def _problems(check: PolicyResource, endpoint: str, max_seconds: float) -> list[str]:
    problems = []
    timing = [lookup(check.props, k) for k in ROUTE53_DEFAULTS]
    if UNKNOWN in timing:
        problems.append(unknown_message(label(check), "failureThreshold or requestInterval",
                                        f"how fast the health check of {endpoint} fails"))
    else:
        failures, interval = (as_number(v) if v is not MISSING else ROUTE53_DEFAULTS[k]
                              for v, k in zip(timing, ROUTE53_DEFAULTS, strict=True))
        if (failures or 0) * (interval or 0) > max_seconds:
            problems.append(f"{label(check)} needs {fmt(failures)} failures {fmt(interval)} s apart before {endpoint} "
                            f"counts as down ({fmt((failures or 0) * (interval or 0))} s); at most {fmt(max_seconds)} "
                            f"s. Fix: lower failure_threshold or request_interval.")
    kind = lookup(check.props, "type")
    if kind is UNKNOWN:
        problems.append(unknown_message(label(check), "type", f"the health check of {endpoint}"))
    elif kind not in HTTPS:
        problems.append(f"{label(check)} checks {endpoint} with type {kind}; HTTPS is required. Fix: set type='HTTPS'.")
    latency = lookup(check.props, "measureLatency")
    if latency is UNKNOWN:
        problems.append(unknown_message(label(check), "measureLatency", f"the latency of {endpoint}"))
    elif latency is not True:
        problems.append(f"{label(check)} does not measure the latency of {endpoint}. "
                        f"Fix: set measure_latency=True (it can only be set when the check is created).")
    return problems


def _validate(args: StackValidationArgs, report_violation: Report) -> None:
    checks = resources_of_type(args, HEALTH_CHECK)
    max_seconds = TO_UNHEALTHY.value(args)
    for endpoint in config_value(args, "endpoints", DEFAULTS["endpoints"]):
        matching = [c for c in checks if lookup(c.props, "resourcePath") == endpoint]
        unsure = [c for c in checks if lookup(c.props, "resourcePath") is UNKNOWN]
        if not matching and unsure:
            report_violation(unknown_message(label(unsure[0]), "resourcePath", f"the health check of {endpoint}"),
                             unsure[0].urn)
        elif not matching:
            report_violation(f"Stack has no Route 53 health check for {endpoint}. Fix: add an aws.route53.HealthCheck "
                             f"with type='HTTPS', fqdn=<the app's domain>, resource_path='{endpoint}' and "
                             f"measure_latency=True.")
        else:
            found = [(c, _problems(c, endpoint, max_seconds)) for c in matching]
            if all(problems for _, problems in found):
                check, problems = found[0]
                for message in problems:
                    report_violation(message, check.urn)


POLICY = stack_policy(
    name="monitoring-configure-health-checks",
    description="Each health endpoint must have a Route 53 HTTPS health check that measures latency.",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps="Add an aws.route53.HealthCheck per endpoint (type='HTTPS', fqdn=<app domain>, port=443, "
                      "resource_path=<endpoint>, enable_sni=True, measure_latency=True) and a HealthCheckStatus "
                      "alarm on it.",
    reference=checklist_reference("Monitoring and Alerting Setup", "Health Check Endpoints",
                                  "`/api/health` - General application health"),
    tags=["aws", "route53", "monitoring", "availability"],
    thresholds=(TO_UNHEALTHY,),
    config_schema={"endpoints": {"type": "array", "items": {"type": "string"}, "default": DEFAULTS["endpoints"],
                                 "description": "URL paths that must each have an HTTPS health check."}},
)
