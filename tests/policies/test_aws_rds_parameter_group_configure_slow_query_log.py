import pytest
from chatpdd_policies.aws_rds_parameter_group_configure_slow_query_log import POLICY

from tests.policies.fixtures import PARAMETER_GROUP
from tests.policies.harness import UNKNOWN_STRING, run, with_props

NAME = "RDS parameter group 'chatpdd-production-pg16'"


def _with_param(value):
    params = [p for p in PARAMETER_GROUP.properties["parameters"] if p["name"] != "log_min_duration_statement"]
    if value is not None:
        params.append({"name": "log_min_duration_statement", "value": value, "applyMethod": "immediate"})
    return with_props(PARAMETER_GROUP, parameters=params)


def test_compliant():
    assert run(POLICY, PARAMETER_GROUP).messages == []


@pytest.mark.parametrize("value", ["0", "50", "100"])
def test_within_limit(value):
    assert run(POLICY, _with_param(value)).messages == []


@pytest.mark.parametrize("value", ["101", "-1", "5000"])
def test_too_high_or_off(value):
    assert run(POLICY, _with_param(value)).messages == [
        f"{NAME} sets log_min_duration_statement={value}; slow queries must be logged from at most 100 ms. "
        "Fix: set log_min_duration_statement to a value between 0 and 100."]


def test_missing():
    assert run(POLICY, _with_param(None)).messages == [
        f"{NAME} does not set log_min_duration_statement; slow queries must be logged from at most 100 ms. "
        "Fix: set log_min_duration_statement to a value between 0 and 100."]


def test_unknown_fails_closed():
    assert run(POLICY, _with_param(UNKNOWN_STRING)).messages == [
        f"{NAME}: parameters[log_min_duration_statement] is unknown at preview, so slow-query logging cannot be "
        "verified. Fix: set it from a literal or stack config."]


def test_config_threshold():
    assert len(run(POLICY, PARAMETER_GROUP, config={"maxSlowQueryMs": 50}).messages) == 1
