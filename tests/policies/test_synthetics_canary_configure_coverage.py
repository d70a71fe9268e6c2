import json

import pytest
from chatpdd_policies.synthetics_canary_configure_coverage import DEFAULTS, POLICY

from tests.policies.fixtures_synthetics import API, API_STEPS, HOME, SYNTHETICS
from tests.policies.harness import UNKNOWN_BOOL, UNKNOWN_OBJECT, UNKNOWN_STRING, replace, run, with_props

API_NAME = "Synthetics canary 'synthetics-api'"


def _steps(steps):
    env = dict(API.properties["runConfig"]["environmentVariables"], STEPS=json.dumps(steps))
    return with_props(API, runConfig={"timeoutInSeconds": 60, "environmentVariables": env})


def test_compliant():
    assert run(POLICY, SYNTHETICS).messages == []


def test_defaults_are_the_checklist_endpoints_and_the_home_page():
    assert list(DEFAULTS["endpoints"]) == [s["path"] for s in API_STEPS] and DEFAULTS["pagePath"] == "/"


@pytest.mark.parametrize("missing", [s["path"] for s in API_STEPS])
def test_each_endpoint_must_be_called(missing):
    resources = replace(SYNTHETICS, _steps([s for s in API_STEPS if s["path"] != missing]))
    assert run(POLICY, resources).violations == [
        (f"Stack has no Synthetics canary that calls {missing}. Fix: add it to the canaries of components/synthetics.py "
         "(a step of the API canary, or the browser canary's page).", None)]


def test_the_home_page_must_be_loaded():
    assert run(POLICY, [r for r in SYNTHETICS if r.urn != HOME.urn]).messages == [
        "Stack has no Synthetics canary that calls /. Fix: add it to the canaries of components/synthetics.py "
        "(a step of the API canary, or the browser canary's page)."]


def test_too_rare():
    slow = with_props(API, schedule={"expression": "rate(10 minutes)"})
    assert run(POLICY, replace(SYNTHETICS, slow)).violations == [
        (f"{API_NAME} runs every 10 minutes; at most every 5. Fix: lower monitoring.canary_interval_minutes.",
         API.urn)]


def test_staging_config_allows_less_often():
    slow = with_props(API, schedule={"expression": "rate(15 minutes)"})
    assert run(POLICY, replace(SYNTHETICS, slow), config={"maxIntervalMinutes": 15}).messages == []


def test_every_minute_is_fine():
    assert run(POLICY, replace(SYNTHETICS, with_props(API, schedule={"expression": "rate(1 minute)"}))).messages == []


def test_a_cron_schedule_cannot_be_read_as_an_interval():
    cron = with_props(API, schedule={"expression": "cron(0 * * * ? *)"})
    assert run(POLICY, replace(SYNTHETICS, cron)).messages == [
        f"{API_NAME} has schedule cron(0 * * * ? *), not a rate of at most 5 minutes. Fix: set "
        "schedule={'expression': 'rate(5 minutes)'}."]


def test_a_stopped_canary_measures_nothing():
    assert run(POLICY, replace(SYNTHETICS, with_props(API, startCanary=False))).messages == [
        f"{API_NAME} is not started, so it measures nothing. Fix: set start_canary=True."]


def test_unknown_schedule_fails_closed():
    unknown = with_props(API, schedule={"expression": UNKNOWN_STRING})
    assert run(POLICY, replace(SYNTHETICS, unknown)).messages == [
        f"{API_NAME}: schedule.expression is unknown at preview, so how often it runs cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_unknown_start_fails_closed():
    assert run(POLICY, replace(SYNTHETICS, with_props(API, startCanary=UNKNOWN_BOOL))).messages == [
        f"{API_NAME}: startCanary is unknown at preview, so that it runs cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_unknown_steps_fail_closed():
    unknown = with_props(API, runConfig={"timeoutInSeconds": 60, "environmentVariables": UNKNOWN_OBJECT})
    messages = run(POLICY, replace(SYNTHETICS, unknown)).messages
    assert messages[0] == (f"{API_NAME}: runConfig.environmentVariables is unknown at preview, so which endpoints it "
                           "calls cannot be verified. Fix: set it from a literal or stack config.")
    assert len(messages) == 1 + len(API_STEPS)  # and none of its endpoints counts as covered
