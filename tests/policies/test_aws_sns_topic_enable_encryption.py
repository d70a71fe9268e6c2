from chatpdd_policies.aws_sns_topic_enable_encryption import POLICY

from tests.policies.fixtures_monitoring import ALERTS_KEY, MONITORING, TOPICS
from tests.policies.harness import replace, run, with_props, without_props

TOPIC = TOPICS["critical"]
NAME = "SNS topic 'chatpdd-production-alerts-critical'"
FIX = ("Fix: set kms_master_key_id to the alerts aws.kms.Key ARN (its key policy must let cloudwatch.amazonaws.com "
       "use it).")


def _literal(res, **props):
    res = with_props(res, **props)
    res.property_dependencies = {}
    return res


def test_compliant():
    assert run(POLICY, MONITORING).messages == []


def test_literal_customer_managed_key():
    topic = _literal(TOPIC, kmsMasterKeyId="arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")
    assert run(POLICY, replace(MONITORING, topic)).messages == []


def test_aws_managed_key():
    assert run(POLICY, replace(MONITORING, _literal(TOPIC, kmsMasterKeyId="alias/aws/sns"))).violations == [
        (f"{NAME} uses the AWS-managed key 'alias/aws/sns' in kmsMasterKeyId. {FIX}", TOPIC.urn)]


def test_not_encrypted():
    assert run(POLICY, replace(MONITORING, _literal(without_props(TOPIC, "kmsMasterKeyId")))).messages == [
        f"{NAME} has no kmsMasterKeyId, so the AWS-managed key is used. {FIX}"]


def test_bare_alias_name_is_not_a_key_arn():
    assert run(POLICY, replace(MONITORING, _literal(TOPIC, kmsMasterKeyId="alias/chatpdd-alerts"))).messages == [
        f"{NAME} has kmsMasterKeyId 'alias/chatpdd-alerts', which is not a customer-managed KMS key ARN. {FIX}"]


def test_unknown_key_not_from_this_stack_fails_closed():
    assert run(POLICY, replace(MONITORING, _literal(TOPIC))).messages == [
        f"{NAME} has kmsMasterKeyId unknown at preview and not taken from an aws:kms/key:Key in this stack. {FIX}"]


def test_key_must_be_in_the_stack():
    assert len(run(POLICY, [r for r in MONITORING if r.urn != ALERTS_KEY.urn]).messages) == len(TOPICS)
