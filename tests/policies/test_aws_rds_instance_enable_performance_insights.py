from chatpdd_policies.aws_rds_instance_enable_performance_insights import POLICY

from tests.policies.fixtures import ALL, PRIMARY, REPLICA
from tests.policies.harness import UNKNOWN_BOOL, UNKNOWN_NUMBER, replace, run, with_props, without_props

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


RETENTION_FIX = "Fix: set performance_insights_retention_period=7 or more."


def test_retention_below_the_checklist_minimum():
    assert run(POLICY, replace(ALL, with_props(PRIMARY, performanceInsightsRetentionPeriod=3))).violations == [
        (f"{NAME} keeps Performance Insights data for 3 days; at least 7 days are required. {RETENTION_FIX}",
         PRIMARY.urn)]


def test_retention_of_the_minimum_or_more_is_compliant():
    stack = replace(ALL, with_props(PRIMARY, performanceInsightsRetentionPeriod=7),
                    with_props(REPLICA, performanceInsightsRetentionPeriod=731))
    assert run(POLICY, stack).messages == []


def test_missing_retention_is_the_rds_default_week():
    assert run(POLICY, replace(ALL, without_props(PRIMARY, "performanceInsightsRetentionPeriod"))).messages == []
    raised = run(POLICY, replace(ALL, without_props(REPLICA, "performanceInsightsRetentionPeriod"),
                                 with_props(PRIMARY, performanceInsightsRetentionPeriod=731)),
                 config={"minRetentionDays": 731})
    assert raised.violations == [
        ("RDS instance 'chatpdd-production-db-replica-1' does not set performanceInsightsRetentionPeriod "
         "(RDS keeps 7 days); at least 731 days are required. "
         "Fix: set performance_insights_retention_period=731 or more.", REPLICA.urn)]


def test_unknown_retention_fails_closed():
    stack = replace(ALL, with_props(PRIMARY, performanceInsightsRetentionPeriod=UNKNOWN_NUMBER))
    assert run(POLICY, stack).violations == [
        (f"{NAME}: performanceInsightsRetentionPeriod is unknown at preview, so the Performance Insights "
         "retention cannot be verified. Fix: set it from a literal or stack config.", PRIMARY.urn)]
