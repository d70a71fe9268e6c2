import pytest
from chatpdd_policies.monitoring_configure_health_checks import DEFAULTS, POLICY

from tests.policies.fixtures_monitoring import HEALTH_CHECKS, MONITORING
from tests.policies.harness import UNKNOWN_BOOL, UNKNOWN_NUMBER, UNKNOWN_STRING, replace, run, with_props, without_props

CHECK = HEALTH_CHECKS["/api/database/health"]
NAME = "Route 53 health check 'chatpdd-production-database-connectivity'"


def test_compliant():
    assert run(POLICY, MONITORING).messages == []


def test_string_match_is_https():
    assert run(POLICY, replace(MONITORING, with_props(CHECK, type="HTTPS_STR_MATCH", searchString="ok"))).messages == []


@pytest.mark.parametrize("endpoint", DEFAULTS["endpoints"])
def test_each_missing_endpoint(endpoint):
    assert run(POLICY, [r for r in MONITORING if r.urn != HEALTH_CHECKS[endpoint].urn]).violations == [
        (f"Stack has no Route 53 health check for {endpoint}. Fix: add an aws.route53.HealthCheck with type='HTTPS', "
         f"fqdn=<the app's domain>, resource_path='{endpoint}' and measure_latency=True.", None)]


def test_plain_http():
    assert run(POLICY, replace(MONITORING, with_props(CHECK, type="HTTP", port=80))).violations == [
        (f"{NAME} checks /api/database/health with type HTTP; HTTPS is required. Fix: set type='HTTPS'.", CHECK.urn)]


def test_no_latency():
    assert run(POLICY, replace(MONITORING, with_props(CHECK, measureLatency=False))).messages == [
        f"{NAME} does not measure the latency of /api/database/health. "
        "Fix: set measure_latency=True (it can only be set when the check is created)."]


def test_latency_missing_is_the_provider_default_off():
    assert len(run(POLICY, replace(MONITORING, without_props(CHECK, "measureLatency"))).messages) == 1


def test_other_path():
    assert len(run(POLICY, replace(MONITORING, with_props(CHECK, resourcePath="/health"))).messages) == 1


def test_a_second_good_check_for_the_same_endpoint_suffices():
    second = with_props(CHECK, measureLatency=True)
    second.urn, second.name = CHECK.urn + "-2", CHECK.name + "-2"
    assert run(POLICY, replace(MONITORING, with_props(CHECK, measureLatency=False)) + [second]).messages == []


def test_config_endpoints():
    assert run(POLICY, MONITORING, config={"endpoints": ["/api/health"]}).messages == []
    assert len(run(POLICY, MONITORING, config={"endpoints": ["/api/status"]}).messages) == 1


def test_unknown_path_fails_closed():
    assert run(POLICY, replace(MONITORING, with_props(CHECK, resourcePath=UNKNOWN_STRING))).messages == [
        f"{NAME}: resourcePath is unknown at preview, so the health check of /api/database/health cannot be "
        "verified. Fix: set it from a literal or stack config."]


def test_unknown_latency_fails_closed():
    assert run(POLICY, replace(MONITORING, with_props(CHECK, measureLatency=UNKNOWN_BOOL))).messages == [
        f"{NAME}: measureLatency is unknown at preview, so the latency of /api/database/health cannot be "
        "verified. Fix: set it from a literal or stack config."]


@pytest.mark.parametrize("props, shown", [({"failureThreshold": 10}, "10 failures 30 s apart"),
                                          ({"failureThreshold": 4}, "4 failures 30 s apart")])
def test_a_health_check_that_fails_slowly(props, shown):
    seconds = props["failureThreshold"] * 30
    assert run(POLICY, replace(MONITORING, with_props(CHECK, props))).violations == [
        (f"{NAME} needs {shown} before /api/database/health counts as down ({seconds} s); at most 90 s. "
         "Fix: lower failure_threshold or request_interval.", CHECK.urn)]


def test_route53_defaults_and_faster_checks_pass():
    assert run(POLICY, replace(MONITORING, without_props(CHECK, "failureThreshold", "requestInterval"))).messages == []
    assert run(POLICY, replace(MONITORING, with_props(CHECK, failureThreshold=2, requestInterval=10))).messages == []


def test_unknown_timing_fails_closed():
    assert run(POLICY, replace(MONITORING, with_props(CHECK, failureThreshold=UNKNOWN_NUMBER))).messages == [
        f"{NAME}: failureThreshold or requestInterval is unknown at preview, so how fast the health check of "
        "/api/database/health fails cannot be verified. Fix: set it from a literal or stack config."]
