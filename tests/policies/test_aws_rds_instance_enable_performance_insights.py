from chatpdd_policies.aws_rds_instance_enable_performance_insights import POLICY

from tests.policies.fixtures import ALL, PRIMARY, REPLICA
from tests.policies.harness import UNKNOWN_BOOL, replace, run, with_props, without_props

NAME = "RDS instance 'chatpdd-production-db'"
FIX_KEY = "Fix: set performance_insights_kms_key_id to the database's customer-managed aws.kms.Key ARN."


def _no_pi_key_dependency(res):
    res = with_props(res)
    res.property_dependencies.pop("performanceInsightsKmsKeyId", None)
    return res


def test_compliant():
    assert run(POLICY, ALL).messages == []


def test_disabled():
    assert run(POLICY, replace(ALL, with_props(PRIMARY, performanceInsightsEnabled=False))).violations == [
        (f"{NAME} does not enable Performance Insights. Fix: set performance_insights_enabled=True.", PRIMARY.urn)]


def test_missing_is_disabled_on_a_replica_too():
    assert run(POLICY, replace(ALL, without_props(REPLICA, "performanceInsightsEnabled"))).violations == [
        ("RDS instance 'chatpdd-production-db-replica-1' does not enable Performance Insights. "
         "Fix: set performance_insights_enabled=True.", REPLICA.urn)]


def test_unknown_fails_closed():
    assert run(POLICY, replace(ALL, with_props(PRIMARY, performanceInsightsEnabled=UNKNOWN_BOOL))).messages == [
        f"{NAME}: performanceInsightsEnabled is unknown at preview, so Performance Insights cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_default_aws_managed_key():
    primary = _no_pi_key_dependency(without_props(PRIMARY, "performanceInsightsKmsKeyId"))
    assert run(POLICY, replace(ALL, primary)).messages == [
        f"{NAME} has no performanceInsightsKmsKeyId, so the AWS-managed key is used. {FIX_KEY}"]


def test_unknown_key_not_from_this_stack():
    assert run(POLICY, replace(ALL, _no_pi_key_dependency(PRIMARY))).messages == [
        f"{NAME} has performanceInsightsKmsKeyId unknown at preview and not taken from an aws:kms/key:Key in this "
        f"stack. {FIX_KEY}"]
