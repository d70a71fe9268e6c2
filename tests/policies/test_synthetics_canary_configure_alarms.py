import pytest
from chatpdd_policies.synthetics_canary_configure_alarms import DEFAULTS, POLICY

from tests.policies.fixtures_synthetics import API, HOME, STEP_ALARMS, SUCCESS_ALARMS, SYNTHETICS
from tests.policies.harness import UNKNOWN_NUMBER, UNKNOWN_OBJECT, UNKNOWN_STRING, replace, run, with_props

API_NAME = "Synthetics canary 'synthetics-api'"
SUCCESS = SUCCESS_ALARMS["api"]
SUCCESS_NAME = f"CloudWatch alarm '{SUCCESS.name}'"
STEP = STEP_ALARMS["/api/redis/health"]
STEP_NAME = f"CloudWatch alarm '{STEP.name}'"
PAGE = STEP_ALARMS["/"]


def without(*resources):
    urns = {r.urn for r in resources}
    return [r for r in SYNTHETICS if r.urn not in urns]


def test_compliant():
    assert run(POLICY, SYNTHETICS).messages == []
    assert set(DEFAULTS["alarmChecks"]) == {"canary-success", "canary-api-duration", "canary-page-duration"}


def test_success_alarm_missing():
    assert run(POLICY, without(SUCCESS)).violations == [
        (f"{API_NAME} has no CloudWatch alarm for check canary-success (its success rate). Fix: add an "
         "aws.cloudwatch.MetricAlarm on CloudWatchSynthetics SuccessPercent (CanaryName=chatpdd-production-api-canary), "
         "LessThanThreshold 100, tagged Check=canary-success, Severity=critical, treat_missing_data='breaching'.",
         API.urn)]


@pytest.mark.parametrize("path", list(STEP_ALARMS))
def test_every_step_needs_its_duration_alarm(path):
    assert len(run(POLICY, without(STEP_ALARMS[path])).messages) == 1


def test_step_duration_alarm_missing_message():
    assert run(POLICY, without(STEP)).messages == [
        f"{API_NAME} has no CloudWatch alarm for check canary-api-duration (the duration of /api/redis/health). Fix: "
        "add an aws.cloudwatch.MetricAlarm on CloudWatchSynthetics Duration (CanaryName=chatpdd-production-api-canary, "
        "StepName=api-redis-health), GreaterThanThreshold 500, tagged Check=canary-api-duration, Severity=warning, "
        "treat_missing_data='breaching'."]


def test_looser_step_threshold():
    assert run(POLICY, replace(SYNTHETICS, with_props(STEP, threshold=800))).violations == [
        (f"{STEP_NAME} fires on GreaterThanThreshold 800; check canary-api-duration needs GreaterThanThreshold 500 or "
         "stricter. Fix: set comparison_operator='GreaterThanThreshold' and threshold=500.", STEP.urn)]


def test_page_load_limit_is_three_seconds():
    assert len(run(POLICY, replace(SYNTHETICS, with_props(PAGE, threshold=3001))).messages) == 1
    assert run(POLICY, replace(SYNTHETICS, with_props(PAGE, threshold=2500))).messages == []


def test_success_below_100_is_looser():
    assert run(POLICY, replace(SYNTHETICS, with_props(SUCCESS, threshold=90))).messages == [
        f"{SUCCESS_NAME} fires on LessThanThreshold 90; check canary-success needs LessThanThreshold 100 or stricter. "
        "Fix: set comparison_operator='LessThanThreshold' and threshold=100."]


def test_success_alarm_must_be_critical():
    low = with_props(SUCCESS, tags={**SUCCESS.properties["tags"], "Severity": "warning"})
    assert run(POLICY, replace(SYNTHETICS, low)).messages == [
        f"{SUCCESS_NAME} is tagged Severity=warning; check canary-success is critical. Fix: tag it Severity=critical "
        "and notify the critical topic."]


def test_missing_data_must_breach():
    assert run(POLICY, replace(SYNTHETICS, with_props(STEP, treatMissingData="notBreaching"))).messages == [
        f"{STEP_NAME} treats missing data as notBreaching; a canary that stops running must alarm. "
        "Fix: set treat_missing_data='breaching'."]


def test_alarm_that_notifies_nobody():
    assert run(POLICY, replace(SYNTHETICS, with_props(SUCCESS, alarmActions=[]))).messages == [
        f"{SUCCESS_NAME} notifies nobody. Fix: set actions_enabled=True and alarm_actions=[<the critical topic>]."]


def test_unknown_threshold_fails_closed():
    assert run(POLICY, replace(SYNTHETICS, with_props(STEP, threshold=UNKNOWN_NUMBER))).messages == [
        f"{STEP_NAME}: comparisonOperator or threshold is unknown at preview, so check canary-api-duration cannot be "
        "verified. Fix: set it from a literal or stack config."]


def test_unknown_dimensions_fail_closed():
    assert run(POLICY, replace(SYNTHETICS, with_props(SUCCESS, dimensions=UNKNOWN_OBJECT))).messages == [
        f"{SUCCESS_NAME}: namespace, metricName or dimensions "
        "is unknown at preview, so which canary metric it watches (its success rate) cannot be verified. Fix: set it "
        "from a literal or stack config."]


def test_unknown_canary_name_fails_closed():
    assert run(POLICY, replace(SYNTHETICS, with_props(HOME, name=UNKNOWN_STRING))).messages == [
        "Synthetics canary 'synthetics-home': name is unknown at preview, so which alarms watch it cannot be verified. "
        "Fix: set it from a literal or stack config."]
