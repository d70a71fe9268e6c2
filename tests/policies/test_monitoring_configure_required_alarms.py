import pytest
from chatpdd_policies.monitoring_configure_required_alarms import DEFAULTS, POLICY

from tests.policies.fixtures import PRIMARY, PROXY, REPLICA, tags
from tests.policies.fixtures_monitoring import ALARMS, STACK, TOPICS
from tests.policies.harness import (
    UNKNOWN_ARRAY,
    UNKNOWN_BOOL,
    UNKNOWN_NUMBER,
    UNKNOWN_STRING,
    replace,
    run,
    with_props,
    without_props,
)

DISK = ALARMS[("rds-primary", "disk-warning")]
DISK_NAME = "CloudWatch alarm 'chatpdd-production-db-disk-warning'"
LAG = ALARMS[("rds-replica", "replica-lag-warning")]
LAG_NAME = "CloudWatch alarm 'chatpdd-production-db-replica-1-replica-lag-warning'"
HEALTH = ALARMS[("stack", "app-health")]
HEALTH_NAME = "CloudWatch alarm 'chatpdd-production-app-health'"


def _without(*keys):
    urns = {ALARMS[k].urn for k in keys}
    return [r for r in STACK if r.urn not in urns]


def _run(*changed, config=None):
    return run(POLICY, replace(STACK, *changed), config=config)


def _no_action_dependency(alarm):
    alarm = with_props(alarm)
    alarm.property_dependencies = {k: v for k, v in alarm.property_dependencies.items() if k != "alarmActions"}
    return alarm


def test_compliant():
    assert run(POLICY, STACK).messages == []


def test_without_replicas_no_replica_alarms_are_needed():
    stack = [r for r in _without(("rds-replica", "disk-warning"), ("rds-replica", "replica-lag-warning"))
             if r.urn != REPLICA.urn]
    assert run(POLICY, stack).messages == []


@pytest.mark.parametrize("role,check", [k for k in ALARMS if k[0] != "stack"])
def test_each_missing_resource_alarm(role, check):
    resource = {"rds-primary": PRIMARY, "rds-replica": REPLICA, "rds-proxy": PROXY}[role]
    dimension, value = (("ProxyName", PROXY.properties["name"]) if role == "rds-proxy"
                        else ("DBInstanceIdentifier", resource.properties["identifier"]))
    severity = DEFAULTS["alarmChecks"][check]["severity"]
    kind = "RDS proxy" if role == "rds-proxy" else "RDS instance"
    assert run(POLICY, _without((role, check))).violations == [
        (f"{kind} '{resource.name}' has no CloudWatch alarm for check {check}. Fix: add an "
         f"aws.cloudwatch.MetricAlarm tagged Check={check}, Severity={severity} and dimension {dimension}={value}.",
         resource.urn)]


@pytest.mark.parametrize("check", DEFAULTS["requiredChecksByRole"]["stack"])
def test_each_missing_stack_alarm(check):
    severity = DEFAULTS["alarmChecks"][check]["severity"]
    assert run(POLICY, _without(("stack", check))).violations == [
        (f"Stack has no CloudWatch alarm for check {check}. Fix: add an aws.cloudwatch.MetricAlarm tagged "
         f"Check={check}, Severity={severity}.", None)]


def test_alarm_on_another_instance_does_not_cover():
    alarm = with_props(LAG, dimensions={"DBInstanceIdentifier": "some-other-db"})
    assert _run(alarm).messages == [
        "RDS instance 'chatpdd-production-db-replica-1' has no CloudWatch alarm for check replica-lag-warning. Fix: "
        "add an aws.cloudwatch.MetricAlarm tagged Check=replica-lag-warning, Severity=warning and dimension "
        "DBInstanceIdentifier=chatpdd-production-db-replica-1."]


def test_dimension_taken_from_the_instance():
    alarm = with_props(LAG, dimensions={"DBInstanceIdentifier": UNKNOWN_STRING})
    alarm.property_dependencies["dimensions"] = [REPLICA.urn]
    assert _run(alarm).messages == []


def test_unknown_dimension_fails_closed():
    alarm = with_props(LAG, dimensions={"DBInstanceIdentifier": UNKNOWN_STRING})
    assert _run(alarm).messages == [
        f"{LAG_NAME}: dimensions is unknown at preview, so whether it covers check replica-lag-warning of RDS "
        "instance 'chatpdd-production-db-replica-1' cannot be verified. Fix: set it from a literal or stack config."]


def test_untagged_instance_role_comes_from_replicate_source_db():
    replica = with_props(REPLICA, tags=tags())
    assert _run(replica).messages == []


def test_threshold_looser_than_the_checklist():
    assert _run(with_props(DISK, threshold=90)).violations == [
        (f"{DISK_NAME} has threshold 90, looser than the checklist's 85 for check disk-warning. "
         "Fix: set threshold to 85 or less.", DISK.urn)]


def test_stricter_threshold_is_fine():
    assert _run(with_props(DISK, threshold=80)).messages == []


def test_health_threshold_below_the_limit():
    assert _run(with_props(HEALTH, threshold=0.5)).messages == [
        f"{HEALTH_NAME} has threshold 0.5, looser than the checklist's 1 for check app-health. "
        "Fix: set threshold to 1 or more."]


def test_config_limit():
    config = {"alarmChecks": {**DEFAULTS["alarmChecks"],
                              "disk-warning": {"severity": "warning", "comparison": "GreaterThanThreshold",
                                               "limit": 80}}}
    assert _run(config=config).messages == [  # both disk alarms: the primary's and the replica's
        f"{name} has threshold 85, looser than the checklist's 80 for check disk-warning. "
        "Fix: set threshold to 80 or less."
        for name in (DISK_NAME, "CloudWatch alarm 'chatpdd-production-db-replica-1-disk-warning'")]


def test_wrong_direction():
    assert _run(with_props(DISK, comparisonOperator="LessThanThreshold")).messages == [
        f"{DISK_NAME} compares with LessThanThreshold; check disk-warning needs GreaterThanThreshold. "
        "Fix: set comparison_operator='GreaterThanThreshold'."]


def test_or_equal_is_fine():
    assert _run(with_props(DISK, comparisonOperator="GreaterThanOrEqualToThreshold")).messages == []


def test_no_static_threshold():
    alarm = with_props(DISK, thresholdMetricId="ad1")
    del alarm.properties["threshold"]
    assert _run(alarm).messages == [
        f"{DISK_NAME} has no static threshold; check disk-warning needs one. Fix: set threshold=85."]


def test_wrong_severity_tag():
    alarm = with_props(DISK, tags=tags(Role="monitoring", Check="disk-warning", Severity="info"))
    assert _run(alarm).messages == [
        f"{DISK_NAME} has Severity=info; check disk-warning is warning. Fix: tag it Severity=warning."]


def test_missing_severity_tag():
    alarm = with_props(DISK, tags=tags(Role="monitoring", Check="disk-warning"))
    assert _run(alarm).messages == [
        f"{DISK_NAME} has no Severity tag; check disk-warning is warning. Fix: tag it Severity=warning."]


def test_actions_disabled():
    assert _run(with_props(DISK, actionsEnabled=False)).messages == [
        f"{DISK_NAME} has its actions disabled. Fix: set actions_enabled=True."]


def test_actions_enabled_missing_is_the_provider_default_on():
    alarm = with_props(DISK)
    del alarm.properties["actionsEnabled"]
    assert _run(alarm).messages == []


def test_no_alarm_actions():
    alarm = _no_action_dependency(with_props(DISK, alarmActions=[]))
    assert _run(alarm).messages == [
        f"{DISK_NAME} does not notify an SNS topic of this stack tagged Severity=warning. "
        "Fix: set alarm_actions to the warning topic's ARN."]


def test_notifies_the_topic_of_another_severity():
    alarm = with_props(DISK)
    alarm.property_dependencies["alarmActions"] = [TOPICS["info"].urn]
    assert len(_run(alarm).messages) == 1


def test_literal_topic_arn():
    alarm = _no_action_dependency(with_props(DISK, alarmActions=[
        "arn:aws:sns:us-east-1:111122223333:chatpdd-production-alerts-warning"]))
    assert _run(alarm).messages == []


def test_literal_arn_of_a_topic_outside_the_stack():
    alarm = _no_action_dependency(with_props(DISK, alarmActions=["arn:aws:sns:us-east-1:111122223333:elsewhere"]))
    assert len(_run(alarm).messages) == 1


def test_unknown_actions_not_from_a_topic_fail_closed():
    assert _run(_no_action_dependency(DISK)).messages == [
        f"{DISK_NAME}: alarmActions is unknown at preview, so the notifications of check disk-warning cannot be "
        "verified. Fix: set it from a literal or stack config."]


def test_topic_without_severity_tag_does_not_count():
    topic = with_props(TOPICS["warning"], tags=tags(Role="monitoring"))
    warning_alarms = sum(1 for k in ALARMS if DEFAULTS["alarmChecks"][k[1]]["severity"] == "warning")
    assert len(_run(topic).messages) == warning_alarms


def test_unknown_threshold_fails_closed():
    assert _run(with_props(DISK, threshold=UNKNOWN_NUMBER)).messages == [
        f"{DISK_NAME}: threshold is unknown at preview, so the checklist limit of check disk-warning cannot be "
        "verified. Fix: set it from a literal or stack config."]


def test_unknown_actions_enabled_fails_closed():
    assert len(_run(with_props(DISK, actionsEnabled=UNKNOWN_BOOL)).messages) == 1


def test_unknown_check_tag_fails_closed():
    alarm = with_props(DISK, tags=tags(Role="monitoring", Check=UNKNOWN_STRING, Severity="warning"))
    assert _run(alarm).messages == [
        f"{DISK_NAME}: tags.Check is unknown at preview, so which checklist check it covers cannot be verified. "
        "Fix: set it from a literal or stack config.",
        "RDS instance 'chatpdd-production-db' has no CloudWatch alarm for check disk-warning. Fix: add an "
        "aws.cloudwatch.MetricAlarm tagged Check=disk-warning, Severity=warning and dimension "
        "DBInstanceIdentifier=chatpdd-production-db."]


def test_unknown_metric_queries_fail_closed():
    assert _run(with_props(DISK, metricQueries=UNKNOWN_ARRAY)).messages == [
        f"{DISK_NAME}: evaluationPeriods, datapointsToAlarm or period is unknown at preview, so the timing of check "
        "disk-warning cannot be verified. Fix: set it from a literal or stack config.",
        f"{DISK_NAME}: dimensions is unknown at preview, so whether it covers check disk-warning of RDS instance "
        "'chatpdd-production-db' cannot be verified. Fix: set it from a literal or stack config."]


def test_alarms_of_other_checks_are_not_judged():
    alarm = with_props(DISK, tags=tags(Role="monitoring", Check="custom", Severity="info"), threshold=99)
    assert len(_run(alarm).messages) == 1  # only the primary's missing disk-warning


# -- timing, statistic and missing data: an alarm that can never page is no alarm -------------------------
HEALTH = ALARMS[("stack", "app-health")]
HEALTH_NAME = "CloudWatch alarm 'chatpdd-production-app-health'"
ERRORS = ALARMS[("stack", "error-rate-warning")]
ERRORS_NAME = "CloudWatch alarm 'chatpdd-production-error-rate-warning'"


@pytest.mark.parametrize("treat, shown", [("notBreaching", "'notBreaching'"), ("ignore", "'ignore'"),
                                          (None, "the provider default 'missing'")])
def test_health_alarm_must_treat_missing_data_as_breaching(treat, shown):
    alarm = with_props(HEALTH, treatMissingData=treat) if treat else without_props(HEALTH, "treatMissingData")
    assert _run(alarm).messages == [
        f"{HEALTH_NAME} treats missing data as {shown}; check app-health must treat it as breaching (a health check "
        "that stops reporting is not healthy). Fix: set treat_missing_data='breaching'."]


def test_other_alarms_may_ignore_missing_data():
    assert _run(with_props(ERRORS, treatMissingData="notBreaching")).messages == []


def test_too_many_datapoints_to_alarm():
    assert _run(with_props(HEALTH, evaluationPeriods=10, datapointsToAlarm=4)).messages == [
        f"{HEALTH_NAME} needs 4 breaching datapoints to alarm; check app-health allows at most 3. "
        "Fix: set datapoints_to_alarm=3 or fewer.",
        f"{HEALTH_NAME} evaluates 10 periods of 60 s; check app-health must alarm within 300 s. "
        "Fix: shorten period or evaluation_periods."]


def test_datapoints_default_to_every_evaluation_period():
    assert _run(without_props(with_props(ERRORS, evaluationPeriods=6), "datapointsToAlarm")).messages == [
        f"{ERRORS_NAME} needs 6 breaching datapoints to alarm; check error-rate-warning allows at most 5. "
        "Fix: set datapoints_to_alarm=5 or fewer."]


def test_a_day_long_period():
    assert _run(with_props(HEALTH, evaluationPeriods=1, datapointsToAlarm=1, period=86400)).messages == [
        f"{HEALTH_NAME} evaluates 1 periods of 86400 s; check app-health must alarm within 300 s. "
        "Fix: shorten period or evaluation_periods."]


def test_a_long_period_inside_metric_queries():
    queries = [dict(q) for q in ERRORS.properties["metricQueries"]]
    queries[0] = {**queries[0], "metric": {**queries[0]["metric"], "period": 3600}}
    assert _run(with_props(ERRORS, metricQueries=queries)).messages == [
        f"{ERRORS_NAME} evaluates 3 periods of 3600 s; check error-rate-warning must alarm within 900 s. "
        "Fix: shorten period or evaluation_periods."]


@pytest.mark.parametrize("alarm, name, props, stat, check, allowed", [
    (HEALTH, HEALTH_NAME, {"statistic": "Maximum"}, "Maximum", "app-health", "Minimum"),
    (ALARMS[("stack", "response-time-warning")], "CloudWatch alarm 'chatpdd-production-response-time-warning'",
     {"extendedStatistic": "p50"}, "p50", "response-time-warning", "p95 or Maximum"),
])
def test_a_statistic_that_hides_the_problem(alarm, name, props, stat, check, allowed):
    assert _run(with_props(alarm, props)).messages == [
        f"{name} uses statistic {stat}; check {check} reads {allowed}. Fix: use {allowed.split(' or ')[0]}."]


def test_a_statistic_inside_metric_queries():
    queries = [dict(q) for q in ERRORS.properties["metricQueries"]]
    queries[0] = {**queries[0], "metric": {**queries[0]["metric"], "stat": "Minimum"}}
    assert _run(with_props(ERRORS, metricQueries=queries)).messages == [
        f"{ERRORS_NAME} uses statistic Minimum; check error-rate-warning reads Sum. Fix: use Sum."]


def test_stricter_timing_and_statistic_pass():
    assert _run(with_props(HEALTH, evaluationPeriods=1, datapointsToAlarm=1, period=10)).messages == []
    assert _run(with_props(ALARMS[("stack", "response-time-warning")], extendedStatistic="p99")).messages == []
    assert _run(with_props(ERRORS, threshold=0.5)).messages == []


def test_timing_from_config():
    config = {"alarmTiming": {"app-health": {"maxDatapoints": 1, "maxWindowSeconds": 60, "statistics": ["Minimum"],
                                             "missingDataBreaching": True}}}
    assert run(POLICY, STACK, config=config).messages == [
        f"{HEALTH_NAME} needs 3 breaching datapoints to alarm; check app-health allows at most 1. "
        "Fix: set datapoints_to_alarm=1 or fewer.",
        f"{HEALTH_NAME} evaluates 3 periods of 60 s; check app-health must alarm within 60 s. "
        "Fix: shorten period or evaluation_periods."]


def test_a_unit_filter_silences_an_alarm():
    assert _run(with_props(HEALTH, unit="Seconds")).messages == [
        f"{HEALTH_NAME} only counts datapoints published with unit 'Seconds'; any other unit silences it. "
        "Fix: remove unit."]
    queries = [dict(q) for q in ERRORS.properties["metricQueries"]]
    queries[0] = {**queries[0], "metric": {**queries[0]["metric"], "unit": "Count"}}
    assert len(_run(with_props(ERRORS, metricQueries=queries)).messages) == 1


def test_ignoring_low_sample_percentiles():
    alarm = with_props(ALARMS[("stack", "response-time-critical")], evaluateLowSampleCountPercentile="ignore")
    assert _run(alarm).messages == [
        "CloudWatch alarm 'chatpdd-production-response-time-critical' stops evaluating when samples are few "
        "(evaluateLowSampleCountPercentile 'ignore'). Fix: remove it (the default evaluates)."]
