"""synthetics-canary-configure-alarms (stack): every CloudWatch Synthetics canary has the alarms of
stacks/checklist.py ``CANARY_CHECKS`` -- its ``SuccessPercent`` (``canary-success``, critical: a failed run is
"Application down") and each step's ``Duration`` (``canary-api-duration`` against "API response times < 500ms"
for the API steps, ``canary-page-duration`` against "Page load times < 3 seconds" for the page; warning). Each
alarm reads namespace ``CloudWatchSynthetics`` with the canary's ``CanaryName`` (and the step's ``StepName``),
is tagged ``Severity`` at least the check's, compares in the check's direction with a threshold no looser than
its limit, treats missing data as breaching (a canary that stops running measures nothing) and notifies a topic.
Unknown at preview fails closed."""

from pulumi_policy import ReportViolation, Severity, StackValidationArgs

from chatpdd_policies._canary import CANARY, canary_name, steps
from chatpdd_policies._checklist import CANARY_CHECKS
from chatpdd_policies._util import (
    MISSING,
    UNKNOWN,
    as_number,
    checklist_reference,
    config_value,
    fmt,
    label,
    lookup,
    lookup_list,
    resources_of_type,
    stack_policy,
    tag,
    unknown_message,
)

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
NAMESPACE = "CloudWatchSynthetics"
DEFAULTS = {"alarmChecks": CANARY_CHECKS}
SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}
STEP_CHECKS = {"api": "canary-api-duration", "page": "canary-page-duration"}


def _matches(alarm, metric: str, dimensions: dict) -> object:
    """True / False, or UNKNOWN when the alarm's metric or dimensions are unknown at preview."""
    values = [lookup(alarm.props, "namespace"), lookup(alarm.props, "metricName"),
              *(lookup(alarm.props, "dimensions", k) for k in dimensions)]
    if UNKNOWN in values or lookup(alarm.props, "dimensions") is UNKNOWN:
        return UNKNOWN
    return values == [NAMESPACE, metric, *dimensions.values()]


def _problems(alarm, check: str, spec: dict) -> list[str]:
    name, problems = label(alarm), []
    severity = tag(alarm.props, "Severity")
    if severity is UNKNOWN:
        problems.append(unknown_message(name, "tags.Severity", f"the tier of check {check}"))
    elif SEVERITY_RANK.get(str(severity), -1) < SEVERITY_RANK[spec["severity"]]:
        problems.append(f"{name} is tagged Severity={severity if severity is not MISSING else '<none>'}; check "
                        f"{check} is {spec['severity']}. Fix: tag it Severity={spec['severity']} and notify the "
                        f"{spec['severity']} topic.")
    comparison, threshold = lookup(alarm.props, "comparisonOperator"), lookup(alarm.props, "threshold")
    if UNKNOWN in (comparison, threshold):
        problems.append(unknown_message(name, "comparisonOperator or threshold", f"check {check}"))
    else:
        value, limit = as_number(threshold), spec["limit"]
        looser = value is None or (value > limit if spec["comparison"] == "GreaterThanThreshold" else value < limit)
        if comparison != spec["comparison"] or looser:
            problems.append(f"{name} fires on {comparison} {fmt(threshold)}; check {check} needs "
                            f"{spec['comparison']} {fmt(limit)} or stricter. Fix: set comparison_operator="
                            f"'{spec['comparison']}' and threshold={fmt(limit)}.")
    missing = lookup(alarm.props, "treatMissingData")
    if missing is UNKNOWN:
        problems.append(unknown_message(name, "treatMissingData", f"check {check}"))
    elif missing != "breaching":
        problems.append(f"{name} treats missing data as {missing if missing is not MISSING else 'missing'}; a canary "
                        f"that stops running must alarm. Fix: set treat_missing_data='breaching'.")
    actions, enabled = lookup_list(alarm.props, "alarmActions"), lookup(alarm.props, "actionsEnabled")
    if enabled is False or actions is MISSING or actions == []:
        problems.append(f"{name} notifies nobody. Fix: set actions_enabled=True and alarm_actions=[<the "
                        f"{spec['severity']} topic>].")
    return problems


def _require(report_violation: ReportViolation, canary, alarms: list, check: str, spec: dict, metric: str,
             dimensions: dict, what: str) -> None:
    verdicts = [(a, _matches(a, metric, dimensions)) for a in alarms]
    matching = [a for a, ok in verdicts if ok is True]
    if not matching:
        unsure = [a for a, ok in verdicts if ok is UNKNOWN]
        if unsure:
            report_violation(unknown_message(label(unsure[0]), "namespace, metricName or dimensions",
                                             f"which canary metric it watches ({what})"), unsure[0].urn)
        else:
            shown = ", ".join(f"{k}={v}" for k, v in dimensions.items())
            report_violation(f"{label(canary)} has no CloudWatch alarm for check {check} ({what}). Fix: add an "
                             f"aws.cloudwatch.MetricAlarm on {NAMESPACE} {metric} ({shown}), "
                             f"{spec['comparison']} {fmt(spec['limit'])}, tagged Check={check}, "
                             f"Severity={spec['severity']}, treat_missing_data='breaching'.", canary.urn)
        return
    found = [(a, _problems(a, check, spec)) for a in matching]
    if all(problems for _, problems in found):
        alarm, problems = found[0]
        for message in problems:
            report_violation(message, alarm.urn)


def _validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    specs = config_value(args, "alarmChecks", DEFAULTS["alarmChecks"])
    alarms = resources_of_type(args, ALARM)
    for canary in resources_of_type(args, CANARY):
        name, found = canary_name(canary), steps(canary)
        if name is None:
            report_violation(unknown_message(label(canary), "name", "which alarms watch it"), canary.urn)
            continue
        if found is UNKNOWN:
            report_violation(unknown_message(label(canary), "runConfig.environmentVariables",
                                             "which steps its alarms must watch"), canary.urn)
            found = []
        _require(report_violation, canary, alarms, "canary-success", specs["canary-success"], "SuccessPercent",
                 {"CanaryName": name}, "its success rate")
        for step, path, kind in found:
            check = STEP_CHECKS[kind]
            _require(report_violation, canary, alarms, check, specs[check], "Duration",
                     {"CanaryName": name, "StepName": step}, f"the duration of {path}")


POLICY = stack_policy(
    name="synthetics-canary-configure-alarms",
    description="Every Synthetics canary must alarm on its success rate (critical) and each step's duration "
                "(warning) against the checklist, missing data breaching.",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps="Use components/synthetics.py: a SuccessPercent alarm per canary (LessThanThreshold 100, "
                      "critical) and a Duration alarm per step (GreaterThanThreshold 500 ms per API call, 3000 ms for "
                      "the page; warning), treat_missing_data='breaching', notifying the topic of the tier.",
    reference=checklist_reference("Deployment Execution", "Performance Verification", "Page load times < 3 seconds"),
    tags=["aws", "synthetics", "cloudwatch", "monitoring", "performance"],
    config_schema={"alarmChecks": {
        "type": "object", "default": DEFAULTS["alarmChecks"],
        "description": "Check id -> severity, direction and the loosest threshold the checklist allows."}},
)
