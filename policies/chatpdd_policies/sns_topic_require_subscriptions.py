"""sns-topic-require-subscriptions (stack): every SNS topic a CloudWatch alarm notifies (``alarmActions``) has at
least one ``aws:sns/topicSubscription:TopicSubscription`` in this stack, and a topic tagged ``Severity=<tier>``
has a subscription of every protocol of ``requiredProtocolsBySeverity[<tier>]`` (the critical and warning
topics a chat channel over ``https``, the critical one also ``email``). An alarm that notifies a topic nobody
subscribes to fires into the void: the rollback procedure's "notify team" and the critical tier's "Immediate
Response" need a person at the end. Topics and subscriptions are matched through property dependencies (the
ARN is unknown at a real preview) or a literal ARN ending in the topic's name. Unknown at preview fails closed.
Whether a subscription is confirmed (an e-mail link clicked, an HTTPS endpoint answering) only the account can
tell: `ops verify` reports pending ones."""

from pulumi_policy import ReportViolation, Severity, StackValidationArgs

from chatpdd_policies._checklist import REQUIRED_SUBSCRIPTION_PROTOCOLS
from chatpdd_policies._util import (
    UNKNOWN,
    checklist_reference,
    config_value,
    depends_on,
    label,
    lookup,
    lookup_list,
    resources_of_type,
    stack_policy,
    tag,
    unknown_message,
)

TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
DEFAULTS = {"requiredProtocolsBySeverity": REQUIRED_SUBSCRIPTION_PROTOCOLS}
STACK_CONFIG_KEYS = ("monitoring.chat_webhook_url", "monitoring.alert_emails")


def _literal_arn_of(value: object, topic) -> bool:
    name = lookup(topic.props, "name")
    return isinstance(value, str) and isinstance(name, str) and value.startswith("arn:") and value.endswith(f":{name}")


def _notified(alarm, topic) -> bool:
    if depends_on(alarm, "alarmActions", topic):
        return True
    actions = lookup_list(alarm.props, "alarmActions")
    return isinstance(actions, list) and any(_literal_arn_of(a, topic) for a in actions)


def _subscribes(subscription, topic) -> object:
    if depends_on(subscription, "topic", topic):
        return True
    if any(d.resource_type == TOPIC for d in subscription.property_dependencies.get("topic", [])):
        return False  # another topic of this stack
    value = lookup(subscription.props, "topic")
    return UNKNOWN if value is UNKNOWN else _literal_arn_of(value, topic)


def _validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    required = config_value(args, "requiredProtocolsBySeverity", DEFAULTS["requiredProtocolsBySeverity"])
    alarms = resources_of_type(args, ALARM)
    subscriptions = resources_of_type(args, SUBSCRIPTION)
    for topic in resources_of_type(args, TOPIC):
        severity = tag(topic.props, "Severity")
        if not any(_notified(a, topic) for a in alarms) and severity not in required:
            continue
        verdicts = [(s, _subscribes(s, topic)) for s in subscriptions]
        mine = [s for s, ok in verdicts if ok is True]
        unsure = [s for s, ok in verdicts if ok is UNKNOWN]
        if unsure and not mine:
            report_violation(unknown_message(label(unsure[0]), "topic", f"who {label(topic)} reaches"), unsure[0].urn)
            continue
        if not mine:
            report_violation(f"{label(topic)} is an alarm's action but has no subscription: its alarms reach nobody. "
                             f"Fix: subscribe the on-call (monitoring.alert_emails, monitoring.chat_webhook_url).",
                             topic.urn)
            continue
        protocols = {lookup(s.props, "protocol") for s in mine}
        if UNKNOWN in protocols:
            report_violation(unknown_message(label(topic), "the protocol of a subscription", "who it reaches"),
                             topic.urn)
            continue
        for protocol in required.get(severity, []) if isinstance(severity, str) else []:
            if protocol not in protocols:
                report_violation(f"{label(topic)} ({severity}) has no {protocol} subscription; the {severity} tier "
                                 f"needs {', '.join(required[severity])}. Fix: "
                                 + ("set monitoring.chat_webhook_url (a chat channel over HTTPS)." if protocol == "https"
                                    else f"add a {protocol} subscription (monitoring.alert_emails.{severity})."),
                                 topic.urn)


POLICY = stack_policy(
    name="sns-topic-require-subscriptions",
    description="Every alarm's SNS topic must have a subscription, and each tier the protocols it requires "
                "(chat over HTTPS for critical and warning, e-mail for critical).",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps="Subscribe every alert topic: monitoring.alert_emails (email), monitoring.chat_webhook_url "
                      "(https, critical and warning) and monitoring.pager_webhook_url (https, critical); "
                      "components/monitoring.py creates the aws.sns.TopicSubscription resources.",
    reference=checklist_reference("Monitoring and Alerting Setup", "Critical Alerts (Immediate Response)",
                                  "Application down (health check fails)"),
    tags=["aws", "sns", "monitoring", "alerting"],
    config_schema={"requiredProtocolsBySeverity": {
        "type": "object", "default": DEFAULTS["requiredProtocolsBySeverity"],
        "description": "Topic Severity tag -> subscription protocols its topic must have (each at least once)."}},
)
