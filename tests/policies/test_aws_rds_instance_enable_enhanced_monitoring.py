import pytest
from chatpdd_policies.aws_rds_instance_enable_enhanced_monitoring import POLICY

from tests.policies.fixtures import ALL, PRIMARY, REPLICA
from tests.policies.harness import UNKNOWN_NUMBER, replace, run, with_props, without_props

NAME = "RDS instance 'chatpdd-production-db'"
FIX_ROLE = "Fix: set monitoring_role_arn to the stack's enhanced-monitoring aws.iam.Role ARN."


def _no_role_dependency(res):
    res = with_props(res)
    res.property_dependencies.pop("monitoringRoleArn", None)
    return res


def test_compliant():
    assert run(POLICY, ALL).messages == []


def test_literal_role_arn():
    primary = _no_role_dependency(with_props(PRIMARY, monitoringRoleArn="arn:aws:iam::123456789012:role/rds-mon"))
    assert run(POLICY, replace(ALL, primary)).messages == []


@pytest.mark.parametrize("interval", [0, 7])
def test_off_or_invalid_interval(interval):
    assert run(POLICY, replace(ALL, with_props(PRIMARY, monitoringInterval=interval))).violations == [
        (f"{NAME} has enhanced monitoring off (monitoringInterval {interval}). Fix: set monitoring_interval to one "
         "of 1, 5, 10, 15, 30, 60 seconds and monitoring_role_arn.", PRIMARY.urn)]


def test_missing_interval_on_replica():
    assert run(POLICY, replace(ALL, without_props(REPLICA, "monitoringInterval"))).messages == [
        "RDS instance 'chatpdd-production-db-replica-1' has enhanced monitoring off (monitoringInterval not set). "
        "Fix: set monitoring_interval to one of 1, 5, 10, 15, 30, 60 seconds and monitoring_role_arn."]


def test_unknown_interval_fails_closed():
    assert run(POLICY, replace(ALL, with_props(PRIMARY, monitoringInterval=UNKNOWN_NUMBER))).messages == [
        f"{NAME}: monitoringInterval is unknown at preview, so enhanced monitoring cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_missing_role():
    primary = _no_role_dependency(without_props(PRIMARY, "monitoringRoleArn"))
    assert run(POLICY, replace(ALL, primary)).messages == [f"{NAME} has no monitoringRoleArn. {FIX_ROLE}"]


def test_unknown_role_not_from_this_stack():
    assert run(POLICY, replace(ALL, _no_role_dependency(PRIMARY))).messages == [
        f"{NAME} has monitoringRoleArn unknown at preview and not taken from an aws:iam/role:Role in this stack. "
        f"{FIX_ROLE}"]


def test_not_a_role_arn():
    primary = _no_role_dependency(with_props(PRIMARY, monitoringRoleArn="rds-monitoring"))
    assert run(POLICY, replace(ALL, primary)).messages == [
        f"{NAME} has monitoringRoleArn 'rds-monitoring', which is not an IAM role ARN. {FIX_ROLE}"]
