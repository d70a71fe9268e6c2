"""monitoring-configure-required-alarms (stack): the checklist's alerts exist as CloudWatch alarms that
page someone.

Coverage: for every monitored resource -- RDS primaries (tag ``Role=rds-primary``, or no
``replicateSourceDb``), replicas (tag ``Role=rds-replica`` or ``replicateSourceDb``), RDS proxies, and
the stack as a whole -- each check id of ``requiredChecksByRole`` has an
``aws:cloudwatch/metricAlarm:MetricAlarm`` tagged ``Check=<id>`` that watches that resource: its
identifier (``DBInstanceIdentifier`` = the instance's ``identifier``, ``ProxyName`` = the proxy's ``name``)
in ``dimensions`` or in a ``metricQueries[].metric.dimensions``, or a property dependency of those on
the resource. Stack checks need no dimension.

Quality: every alarm tagged with a check id of ``alarmChecks`` carries ``Severity=<the check's
severity>``, compares in the check's direction, has a threshold no looser than the checklist limit
(GreaterThanThreshold: <= limit; LessThanThreshold: >= limit), does not disable its actions
(``actionsEnabled`` absent = the provider default, on) and lists in ``alarmActions`` an
``aws:sns/topic:Topic`` of this stack tagged with the same ``Severity`` (a literal topic ARN, or a
property dependency: topic ARNs are unknown at preview).

Timing and statistic (``alarmTiming``), because an alarm with the right threshold can still never page: each
check fires after at most ``maxDatapoints`` breaching datapoints (``datapointsToAlarm``, absent = all of
``evaluationPeriods``) within ``maxWindowSeconds`` (``evaluationPeriods`` x the longest ``period`` of the alarm
or its metric queries) -- critical 3 in 5 minutes, warning 5 in 15 minutes; every statistic it reads
(``statistic``, ``extendedStatistic``, ``metricQueries[].metric.stat``) is one of ``statistics`` (a higher
percentile than a listed one is stricter and allowed); and the health and connectivity checks
(``missingDataBreaching``) set ``treatMissingData: breaching`` -- absent is the provider default, ``missing``,
which turns a health check that stops reporting into silence. Two more ways to silence an alarm are refused:
a ``unit`` filter (on the alarm or a metric query: CloudWatch then ignores datapoints published with another
unit, silently) and ``evaluateLowSampleCountPercentile: ignore`` (a percentile alarm that stops evaluating when
traffic is low).

Redis Cloud alerts are ``rediscloud-subscription-database-configure-alerts``. The defaults are
stacks/checklist.py ``REQUIRED_CHECKS_BY_ROLE`` and ``ALARM_CHECKS`` (through the generated ``_checklist``).
"""

from typing import Any, Optional

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from chatpdd_policies._checklist import (
    ALARM_CHECKS,
    ALARM_TIMING,
    REQUIRED_CHECKS_BY_ROLE,
    ROLE_RDS_PRIMARY,
    ROLE_RDS_PROXY,
    ROLE_RDS_REPLICA,
)
from chatpdd_policies._util import (
    MISSING,
    RDS_INSTANCE,
    RDS_PROXY,
    UNKNOWN,
    Report,
    as_number,
    checklist_reference,
    config_value,
    depends_on,
    fmt,
    is_replica,
    label,
    lookup,
    lookup_list,
    resources_of_type,
    stack_policy,
    tag,
    unknown_message,
)

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"

DEFAULTS = {"requiredChecksByRole": REQUIRED_CHECKS_BY_ROLE, "alarmChecks": ALARM_CHECKS,
            "alarmTiming": ALARM_TIMING}
# comparison -> the operators that alarm at least as early
OPERATORS = {"GreaterThanThreshold": ("GreaterThanThreshold", "GreaterThanOrEqualToThreshold"),
             "LessThanThreshold": ("LessThanThreshold", "LessThanOrEqualToThreshold")}
# role -> (dimension name, the monitored resource's property that holds its value)
DIMENSIONS = {ROLE_RDS_PRIMARY: ("DBInstanceIdentifier", "identifier"),
              ROLE_RDS_REPLICA: ("DBInstanceIdentifier", "identifier"),
              ROLE_RDS_PROXY: ("ProxyName", "name")}


def _monitored(args: StackValidationArgs) -> list[tuple[str, PolicyResource]]:
    """(role, resource) for every resource that needs alarms of its own."""
    found: list[tuple[str, PolicyResource]] = []
    for db in resources_of_type(args, RDS_INSTANCE):
        replica = tag(db.props, "Role") == ROLE_RDS_REPLICA or (
            is_replica(db.props) and tag(db.props, "Role") != ROLE_RDS_PRIMARY)
        found.append((ROLE_RDS_REPLICA if replica else ROLE_RDS_PRIMARY, db))
    return found + [(ROLE_RDS_PROXY, proxy) for proxy in resources_of_type(args, RDS_PROXY)]


def _notifies(alarm: PolicyResource, severity: str, topics: list[PolicyResource]) -> object:
    """True if ``alarmActions`` reaches a topic of this stack tagged ``severity``; UNKNOWN if an action is
    unknown and taken from no topic of this stack; else False."""
    actions = lookup_list(alarm.props, "alarmActions")
    matching = [t for t in topics if tag(t.props, "Severity") == severity]
    if any(depends_on(alarm, "alarmActions", t) for t in matching):
        return True
    listed = [UNKNOWN] if actions is UNKNOWN else ([] if actions is MISSING else actions)
    names = [lookup(t.props, "name") for t in matching]
    if any(isinstance(a, str) and isinstance(n, str) and a.endswith(f":{n}") for a in listed for n in names):
        return True
    return UNKNOWN if UNKNOWN in listed and not any(depends_on(alarm, "alarmActions", t) for t in topics) else False


def _statistics(alarm: PolicyResource) -> list[Any]:
    """Every statistic the alarm reads (UNKNOWN entries for unknown ones)."""
    found = [lookup(alarm.props, "statistic"), lookup(alarm.props, "extendedStatistic")]
    queries = lookup_list(alarm.props, "metricQueries")
    if queries is UNKNOWN:
        return [UNKNOWN]
    found += [lookup(q, "metric", "stat") for q in ([] if queries is MISSING else queries)]
    return [s for s in found if s is not MISSING]


def _periods(alarm: PolicyResource) -> list[Any]:
    queries = lookup_list(alarm.props, "metricQueries")
    found = [lookup(alarm.props, "period")] + ([UNKNOWN] if queries is UNKNOWN else [
        lookup(q, "metric", "period") for q in ([] if queries is MISSING else queries)])
    return [p for p in found if p is not MISSING]


def _allowed_statistic(stat: str, allowed: list[str]) -> bool:
    if stat in allowed:
        return True
    percentile = _percentile(stat)
    return percentile is not None and any((_percentile(a) or 101.0) <= percentile for a in allowed)


def _percentile(stat: str) -> Optional[float]:
    if isinstance(stat, str) and stat[:1] == "p":
        try:
            return float(stat[1:])
        except ValueError:
            return None
    return None


def _timing_problems(alarm: PolicyResource, check: str, timing: dict[str, Any]) -> list[str]:
    """When the alarm fires: datapoints and window, then what it reads (statistic, unit, samples, missing data)."""
    periods, datapoints = lookup(alarm.props, "evaluationPeriods"), lookup(alarm.props, "datapointsToAlarm")
    lengths = _periods(alarm)
    if UNKNOWN in (periods, datapoints) or UNKNOWN in lengths:
        return [unknown_message(label(alarm), "evaluationPeriods, datapointsToAlarm or period",
                                f"the timing of check {check}")]
    return (_window_problems(alarm, check, timing, periods, datapoints, lengths)
            + _reading_problems(alarm, check, timing))


def _window_problems(alarm: PolicyResource, check: str, timing: dict[str, Any], periods: Any, datapoints: Any,
                     lengths: list[Any]) -> list[str]:
    name, problems = label(alarm), []
    evaluation = as_number(periods)
    needed = evaluation if datapoints is MISSING else as_number(datapoints)
    longest = max((as_number(p) or 0.0 for p in lengths), default=0.0)
    max_points, max_window = timing["maxDatapoints"], timing["maxWindowSeconds"]
    if evaluation is None or needed is None:
        problems.append(f"{name} has no evaluationPeriods. Fix: set evaluation_periods (check {check} must alarm "
                        f"within {fmt(max_window)} s).")
    else:
        if needed > max_points:
            problems.append(f"{name} needs {fmt(needed)} breaching datapoints to alarm; check {check} allows at most "
                            f"{fmt(max_points)}. Fix: set datapoints_to_alarm={fmt(max_points)} or fewer.")
        if not longest or evaluation * longest > max_window:
            shown = f"{fmt(evaluation)} periods of {fmt(longest)} s" if longest else f"{fmt(evaluation)} periods of " \
                "unknown length"
            problems.append(f"{name} evaluates {shown}; check {check} must alarm within {fmt(max_window)} s. "
                            f"Fix: shorten period or evaluation_periods.")
    return problems


def _reading_problems(alarm: PolicyResource, check: str, timing: dict[str, Any]) -> list[str]:
    name, problems = label(alarm), []
    allowed = list(timing["statistics"])
    stats = _statistics(alarm)
    if UNKNOWN in stats:
        problems.append(unknown_message(name, "the statistic", f"the statistic of check {check}"))
    else:
        wrong = [str(s) for s in stats if not _allowed_statistic(str(s), allowed)]
        if wrong or not stats:
            shown = f"statistic {wrong[0]}" if wrong else "no statistic"
            problems.append(f"{name} uses {shown}; check {check} reads {' or '.join(allowed)}. "
                            f"Fix: use {allowed[0]}.")
    queries = lookup_list(alarm.props, "metricQueries")
    units = [lookup(alarm.props, "unit")] + [lookup(q, "metric", "unit") for q in
                                              (queries if isinstance(queries, list) else [])]
    if UNKNOWN in units:
        problems.append(unknown_message(name, "unit", f"the datapoints of check {check}"))
    elif any(u is not MISSING for u in units):
        unit = next(u for u in units if u is not MISSING)
        problems.append(f"{name} only counts datapoints published with unit '{unit}'; any other unit silences it. "
                        f"Fix: remove unit.")
    low_samples = lookup(alarm.props, "evaluateLowSampleCountPercentile")
    if low_samples is UNKNOWN:
        problems.append(unknown_message(name, "evaluateLowSampleCountPercentile", f"the timing of check {check}"))
    elif low_samples == "ignore":
        problems.append(f"{name} stops evaluating when samples are few (evaluateLowSampleCountPercentile 'ignore'). "
                        f"Fix: remove it (the default evaluates).")
    if timing.get("missingDataBreaching"):
        treat = lookup(alarm.props, "treatMissingData")
        if treat is UNKNOWN:
            problems.append(unknown_message(name, "treatMissingData", f"the missing-data handling of check {check}"))
        elif treat != "breaching":
            shown = "the provider default 'missing'" if treat is MISSING else f"'{treat}'"
            problems.append(f"{name} treats missing data as {shown}; check {check} must treat it as breaching (a "
                            f"health check that stops reporting is not healthy). Fix: set treat_missing_data="
                            f"'breaching'.")
    return problems


def _alarm_problems(alarm: PolicyResource, check: str, spec: dict[str, Any], topics: list[PolicyResource]) -> list[str]:
    name, severity, comparison, limit = label(alarm), spec["severity"], spec["comparison"], spec["limit"]
    problems = []
    tagged = tag(alarm.props, "Severity")
    if tagged is UNKNOWN:
        problems.append(unknown_message(name, "tags.Severity", f"the severity of check {check}"))
    elif tagged != severity:
        shown = "no Severity tag" if tagged is MISSING else f"Severity={tagged}"
        problems.append(f"{name} has {shown}; check {check} is {severity}. Fix: tag it Severity={severity}.")
    operator = lookup(alarm.props, "comparisonOperator")
    if operator is UNKNOWN:
        problems.append(unknown_message(name, "comparisonOperator", f"the direction of check {check}"))
    elif operator not in OPERATORS.get(comparison, (comparison,)):
        problems.append(f"{name} compares with {operator}; check {check} needs {comparison}. "
                        f"Fix: set comparison_operator='{comparison}'.")
    threshold = lookup(alarm.props, "threshold")
    greater = comparison == "GreaterThanThreshold"
    if threshold is UNKNOWN:
        problems.append(unknown_message(name, "threshold", f"the checklist limit of check {check}"))
    elif as_number(threshold) is None:
        problems.append(f"{name} has no static threshold; check {check} needs one. Fix: set threshold={fmt(limit)}.")
    elif (as_number(threshold) > limit) if greater else (as_number(threshold) < limit):
        problems.append(f"{name} has threshold {fmt(threshold)}, looser than the checklist's {fmt(limit)} for check "
                        f"{check}. Fix: set threshold to {fmt(limit)} or {'less' if greater else 'more'}.")
    enabled = lookup(alarm.props, "actionsEnabled")
    if enabled is UNKNOWN:
        problems.append(unknown_message(name, "actionsEnabled", f"the notifications of check {check}"))
    elif enabled is False:
        problems.append(f"{name} has its actions disabled. Fix: set actions_enabled=True.")
    notifies = _notifies(alarm, severity, topics)
    if notifies is UNKNOWN:
        problems.append(unknown_message(name, "alarmActions", f"the notifications of check {check}"))
    elif notifies is False:
        problems.append(f"{name} does not notify an SNS topic of this stack tagged Severity={severity}. "
                        f"Fix: set alarm_actions to the {severity} topic's ARN.")
    return problems


def _watches(alarm: PolicyResource, resource: PolicyResource, dimension: str, prop: str) -> object:
    """True / False / UNKNOWN: does ``alarm`` watch ``resource`` (dimension ``dimension`` = its ``prop``)?"""
    if depends_on(alarm, "dimensions", resource) or depends_on(alarm, "metricQueries", resource):
        return True
    identifier = lookup(resource.props, prop)
    queries = lookup_list(alarm.props, "metricQueries")
    values = [lookup(alarm.props, "dimensions", dimension)] + (
        [UNKNOWN] if queries is UNKNOWN else [lookup(q, "metric", "dimensions", dimension)
                                             for q in ([] if queries is MISSING else queries)])
    if isinstance(identifier, str) and identifier in values:
        return True
    return UNKNOWN if UNKNOWN in values or identifier is UNKNOWN else False


def _coverage_problem(role: str, resource: Optional[PolicyResource], check: str, spec: dict[str, Any],
                      alarms: list[PolicyResource]) -> str:
    fix = f"Fix: add an aws.cloudwatch.MetricAlarm tagged Check={check}, Severity={spec['severity']}"
    if resource is None:
        return "" if alarms else f"Stack has no CloudWatch alarm for check {check}. {fix}."
    dimension, prop = DIMENSIONS[role]
    results = [_watches(alarm, resource, dimension, prop) for alarm in alarms]
    if True in results:
        return ""
    if UNKNOWN in results:
        alarm = alarms[results.index(UNKNOWN)]
        if lookup(resource.props, prop) is UNKNOWN:
            return unknown_message(label(resource), prop, f"which alarm covers check {check}")
        return unknown_message(label(alarm), "dimensions", f"whether it covers check {check} of {label(resource)}")
    identifier = lookup(resource.props, prop)
    shown = identifier if isinstance(identifier, str) else f"<its {prop}>"
    return f"{label(resource)} has no CloudWatch alarm for check {check}. {fix} and dimension {dimension}={shown}."


def _validate(args: StackValidationArgs, report_violation: Report) -> None:
    required = config_value(args, "requiredChecksByRole", DEFAULTS["requiredChecksByRole"])
    specs = config_value(args, "alarmChecks", DEFAULTS["alarmChecks"])
    timings = config_value(args, "alarmTiming", DEFAULTS["alarmTiming"])
    topics = resources_of_type(args, TOPIC)
    by_check: dict[str, list[PolicyResource]] = {}
    for alarm in resources_of_type(args, ALARM):
        check = tag(alarm.props, "Check")
        if check is UNKNOWN:
            report_violation(unknown_message(label(alarm), "tags.Check", "which checklist check it covers"), alarm.urn)
        elif check in specs:
            by_check.setdefault(check, []).append(alarm)
            problems = _alarm_problems(alarm, check, specs[check], topics)
            if check in timings:
                problems += _timing_problems(alarm, check, timings[check])
            for message in problems:
                report_violation(message, alarm.urn)
    monitored: list[tuple[str, Optional[PolicyResource]]] = [("stack", None), *_monitored(args)]
    for role, resource in monitored:
        for check in required.get(role, []):
            spec = specs.get(check, {"severity": "<severity>"})
            message = _coverage_problem(role, resource, check, spec, by_check.get(check, []))
            if message:
                report_violation(message, None if resource is None else resource.urn)


POLICY = stack_policy(
    name="monitoring-configure-required-alarms",
    description="Every checklist alert must exist as a CloudWatch alarm on each monitored resource, no looser than "
                "the checklist limit, notifying the SNS topic of its severity.",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps="Add the missing aws.cloudwatch.MetricAlarm (tags Check=<check id>, Severity=<severity>; the "
                      "monitored identifier in dimensions), with a threshold within the checklist limit, "
                      "actions_enabled=True and alarm_actions=[<the severity's SNS topic arn>]; see "
                      "components/monitoring.py and stacks/checklist.py ALARM_CHECKS.",
    reference=checklist_reference("Pre-Deployment Preparation", "Database Configuration",
                                  "Database monitoring alerts configured"),
    tags=["aws", "cloudwatch", "monitoring", "alerting"],
    config_schema={
        "requiredChecksByRole": {
            "type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "default": DEFAULTS["requiredChecksByRole"],
            "description": "Role (rds-primary, rds-replica, rds-proxy, stack) -> the check ids it needs."},
        "alarmChecks": {
            "type": "object",
            "additionalProperties": {
                "type": "object", "required": ["severity", "comparison", "limit"],
                "properties": {"severity": {"enum": ["critical", "warning", "info"]},
                               "comparison": {"enum": ["GreaterThanThreshold", "LessThanThreshold"]},
                               "limit": {"type": "number"}}},
            "default": DEFAULTS["alarmChecks"],
            "description": "Check id -> severity, direction and the loosest threshold the checklist allows."},
        "alarmTiming": {
            "type": "object",
            "additionalProperties": {
                "type": "object", "required": ["maxDatapoints", "maxWindowSeconds", "statistics"],
                "properties": {"maxDatapoints": {"type": "integer", "minimum": 1},
                               "maxWindowSeconds": {"type": "integer", "minimum": 10},
                               "statistics": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                               "missingDataBreaching": {"type": "boolean"}}},
            "default": DEFAULTS["alarmTiming"],
            "description": "Check id -> the most breaching datapoints and the longest window (evaluation periods x "
                           "period, seconds) before it alarms, the statistics it may read, and whether missing "
                           "data must count as breaching."},
    },
)
