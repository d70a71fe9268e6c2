"""SNS topics, CloudWatch alarms (checklist "Alert Configuration") and Route 53 health checks."""

from __future__ import annotations

from botocore.exceptions import ClientError

from ops.aws import Client, Record, error_code
from ops.outputs import Monitoring
from ops.verify.result import Result, expect
from stacks.checklist import (
    ALARM_CHECKS,
    REQUIRED_CHECKS_BY_ROLE,
    ROLE_RDS_PRIMARY,
    ROLE_RDS_PROXY,
    ROLE_RDS_REPLICA,
    AlarmCheck,
)


def check_topic(sns: Client, severity: str, arn: str) -> list[Result]:
    """One SNS topic is encrypted and has a confirmed subscription."""
    try:
        attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    except ClientError as exc:
        if error_code(exc) != "NotFound":
            raise
        return [Result("sns-topic", arn, False, f"{severity} topic not found")]
    key = attributes.get("KmsMasterKeyId")
    # moto leaves SubscriptionsConfirmed/Pending at 0, so count the subscriptions themselves:
    # a pending one has the ARN "PendingConfirmation", a confirmed one a real ARN.
    subscriptions = [s["SubscriptionArn"]
                     for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=arn)
                     for s in page["Subscriptions"] if s["SubscriptionArn"] != "Deleted"]
    pending = subscriptions.count("PendingConfirmation")
    return [
        expect("sns-topic-encryption", arn, [] if key else [f"{severity} topic is not KMS-encrypted"],
               f"KMS key {key}"),
        expect("sns-topic-subscriptions", arn, [] if subscriptions else [f"{severity} topic has no subscription"],
               f"{len(subscriptions) - pending} confirmed, {pending} pending"),
    ]


def required_checks(has_replicas: bool) -> set[str]:
    """The checklist alarm checks that must exist (the replica-lag one only with replicas)."""
    roles = [ROLE_RDS_PRIMARY, ROLE_RDS_PROXY, "stack"] + ([ROLE_RDS_REPLICA] if has_replicas else [])
    return {check for role in roles for check in REQUIRED_CHECKS_BY_ROLE[role]}


def alarm_problems(alarm: Record, check: AlarmCheck, topic_arn: str) -> list[str]:
    """What is wrong with one alarm against its checklist check (empty when nothing is)."""
    problems = []
    if not alarm.get("ActionsEnabled"):
        problems.append("actions disabled")
    if topic_arn not in alarm.get("AlarmActions", []):
        problems.append(f"no alarm action to the {check.severity} topic {topic_arn}")
    threshold, operator = alarm.get("Threshold"), alarm.get("ComparisonOperator")
    if operator != check.comparison:
        problems.append(f"comparison {operator}, expected {check.comparison}")
    elif threshold is None:
        problems.append("no static threshold")
    elif check.comparison == "GreaterThanThreshold" and not threshold <= check.limit:
        problems.append(f"threshold {threshold:g} looser than checklist limit {check.limit:g} {check.unit} "
                        f"({check.checklist})")
    elif check.comparison == "LessThanThreshold" and not threshold >= check.limit:
        problems.append(f"threshold {threshold:g} looser than checklist limit {check.limit:g} "
                        f"({check.checklist})")
    return problems


def check_alarms(cloudwatch: Client, monitoring: Monitoring, has_replicas: bool) -> list[Result]:
    """Every alarm present, enabled, wired to its topic and no looser than the checklist."""
    missing = sorted(required_checks(has_replicas) - {c for c, names in monitoring.alarms.items() if names})
    results = [expect("alarm-coverage", "monitoring.alarms",
                      [f"no alarm for checklist check {c}" for c in missing],
                      f"{len(monitoring.alarms)} checks covered")]
    names = [n for alarm_names in monitoring.alarms.values() for n in alarm_names]
    found: dict[str, Record] = {}
    for start in range(0, len(names), 100):  # DescribeAlarms takes at most 100 names
        pages = cloudwatch.get_paginator("describe_alarms").paginate(
            AlarmNames=names[start:start + 100], AlarmTypes=["MetricAlarm"])
        found.update({a["AlarmName"]: a for page in pages for a in page["MetricAlarms"]})
    for check_id, alarm_names in monitoring.alarms.items():
        check = ALARM_CHECKS[check_id]
        for name in alarm_names:
            alarm = found.get(name)
            if alarm is None:
                results.append(Result("alarm", name, False, f"alarm not found ({check_id})"))
                continue
            results.append(expect("alarm", name, alarm_problems(alarm, check, monitoring.topic_arns[check.severity]),
                                  f"{check_id}: {alarm['ComparisonOperator']} {alarm['Threshold']:g} "
                                  f"(limit {check.limit:g}) -> {check.severity}"))
    return results


def check_health_checks(route53: Client, monitoring: Monitoring) -> list[Result]:
    """Every health endpoint has its Route 53 health check."""
    results = []
    for path, health_check_id in monitoring.health_check_ids.items():
        try:
            config = route53.get_health_check(HealthCheckId=health_check_id)["HealthCheck"]["HealthCheckConfig"]
        except ClientError as exc:
            if error_code(exc) != "NoSuchHealthCheck":
                raise
            results.append(Result("route53-health-check", health_check_id, False, f"{path}: not found"))
            continue
        problems = []
        if not str(config.get("Type", "")).startswith("HTTPS"):
            problems.append(f"type {config.get('Type')}, expected HTTPS")
        if config.get("ResourcePath") != path:
            problems.append(f"path {config.get('ResourcePath')}, expected {path}")
        if not config.get("MeasureLatency"):
            problems.append("MeasureLatency off")
        results.append(expect("route53-health-check", health_check_id, problems,
                              f"HTTPS {config.get('FullyQualifiedDomainName')}{path}"))
    return results
