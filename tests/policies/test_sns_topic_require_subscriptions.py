from chatpdd_policies.sns_topic_require_subscriptions import DEFAULTS, POLICY

from tests.policies.fixtures_monitoring import MONITORING, TOPICS
from tests.policies.fixtures_synthetics import SUBSCRIPTIONS
from tests.policies.harness import UNKNOWN_STRING, replace, run, with_props

STACK = [*MONITORING, *SUBSCRIPTIONS.values()]
CRITICAL = TOPICS["critical"]
CRITICAL_NAME = "SNS topic 'chatpdd-production-alerts-critical'"
WARNING_NAME = "SNS topic 'chatpdd-production-alerts-warning'"


def without(*keys):
    urns = {SUBSCRIPTIONS[k].urn for k in keys}
    return [r for r in STACK if r.urn not in urns]


def test_compliant():
    assert run(POLICY, STACK).messages == []
    assert DEFAULTS["requiredProtocolsBySeverity"] == {"critical": ["https", "email"], "warning": ["https"]}


def test_the_pager_is_extra():
    assert run(POLICY, without(("critical", "pager"))).messages == []


def test_no_subscription_at_all():
    assert run(POLICY, without(("critical", "email"), ("critical", "chat"), ("critical", "pager"))).violations == [
        (f"{CRITICAL_NAME} is an alarm's action but has no subscription: its alarms reach nobody. Fix: subscribe the "
         "on-call (monitoring.alert_emails, monitoring.chat_webhook_url).", CRITICAL.urn)]


def test_warning_without_chat():
    assert run(POLICY, without(("warning", "chat"))).messages == [
        f"{WARNING_NAME} (warning) has no https subscription; the warning tier needs https. "
        "Fix: set monitoring.chat_webhook_url (a chat channel over HTTPS)."]


def test_critical_without_email():
    assert run(POLICY, without(("critical", "email"))).messages == [
        f"{CRITICAL_NAME} (critical) has no email subscription; the critical tier needs https, email. "
        "Fix: add a email subscription (monitoring.alert_emails.critical)."]


def test_info_topic_needs_no_chat():
    assert run(POLICY, without(("info", "email"))).messages == []


def test_an_untagged_topic_that_alarms_notify_still_needs_a_subscriber():
    untagged = with_props(CRITICAL, tags={"Role": "monitoring"})
    assert len(run(POLICY, replace(without(("critical", "email"), ("critical", "chat"), ("critical", "pager")),
                                   untagged)).messages) == 1


def test_unknown_topic_of_a_subscription_fails_closed():
    lost = with_props(SUBSCRIPTIONS[("warning", "chat")])
    lost.property_dependencies = {}
    stack = [r for r in STACK if r.urn not in {SUBSCRIPTIONS[("warning", "email")].urn, lost.urn}] + [lost]
    assert run(POLICY, stack).messages == [
        "SNS subscription 'monitoring-warning-chat': topic is unknown at preview, so who "
        f"{WARNING_NAME} reaches cannot be verified. Fix: set it from a literal or stack config."]


def test_unknown_protocol_fails_closed():
    unknown = with_props(SUBSCRIPTIONS[("warning", "chat")], protocol=UNKNOWN_STRING)
    assert run(POLICY, replace(STACK, unknown)).messages == [
        f"{WARNING_NAME}: the protocol of a subscription is unknown at preview, so who it reaches cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_literal_topic_arn_counts():
    literal = with_props(SUBSCRIPTIONS[("warning", "chat")],
                         topic="arn:aws:sns:us-east-1:111122223333:chatpdd-production-alerts-warning")
    literal.property_dependencies = {}
    assert run(POLICY, replace(STACK, literal)).messages == []
