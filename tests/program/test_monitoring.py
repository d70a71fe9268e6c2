"""Monitoring: topics, alarms per checklist check and monitored resource, health checks, dashboard.

The committed stacks run whole under mocks (session fixtures); the other-region case and threshold
overrides build the component alone with a modified config (`gate.program.program.run_function`).
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from components.base import StackContext
from components.monitoring import Monitoring, MonitoringArgs
from components.providers import Providers
from gate.program.program import CapturedResource, ProgramRun, is_secret
from stacks.checklist import ALARM_CHECKS, CANARY_CHECKS, HEALTH_ENDPOINTS, INFO_METRICS, REQUIRED_CHECKS_BY_ROLE
from stacks.loader import LoadedStack
from tests.program.component_run import pack_violations
from tests.program.component_run import run_component as run_alone

COMPONENT = "chatpdd:components:Monitoring"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"
HEALTH_CHECK_IDS = {"/api/health": "app-health", "/api/collaboration/health": "collaboration-health",
                    "/api/database/health": "database-connectivity", "/api/redis/health": "redis-connectivity"}


# -- helpers ------------------------------------------------------------------------------------------
def monitored_dimensions(alarm: CapturedResource) -> list[dict[str, Any]]:
    """The dimensions an alarm reads: its own, or those of each metric in its metric math."""
    props = alarm.inputs
    dims = [props.get("dimensions") or {}]
    dims += [q["metric"].get("dimensions") or {} for q in props.get("metricQueries", []) if q.get("metric")]
    return [d for d in dims if d]


def alarms_by_check(run: ProgramRun) -> dict[str, list[CapturedResource]]:
    found: dict[str, list[CapturedResource]] = {}
    for alarm in run.by_type(ALARM):
        found.setdefault(alarm.inputs["tags"]["Check"], []).append(alarm)
    return found


def alarm_for(run: ProgramRun, check_id: str, dimension: str, value: str) -> CapturedResource:
    matches = [a for a in alarms_by_check(run).get(check_id, [])
               if any(d.get(dimension) == value for d in monitored_dimensions(a))]
    assert len(matches) == 1, f"{check_id} on {dimension}={value}: {[a.name for a in matches]}"
    return matches[0]


def provider_of(run: ProgramRun, r: CapturedResource) -> CapturedResource:
    urn = r.provider.rsplit("::", 1)[0]
    return run.by_urn()[urn]


def run_component(loaded: LoadedStack, region: str | None = None, **monitoring_updates: Any) -> ProgramRun:
    """Monitoring alone, optionally in another region and with `monitoring_updates` applied."""
    config = loaded.config
    aws_settings = config.aws.model_copy(update={"region": region}) if region else config.aws
    config = config.model_copy(update={"aws": aws_settings,
                                       "monitoring": config.monitoring.model_copy(update=monitoring_updates)})

    def build(context: StackContext, providers: Providers, opts: pulumi.ResourceOptions) -> None:
        Monitoring("monitoring", MonitoringArgs(
            context=context,
            settings=config.monitoring,
            database=config.database,
            primary_identifier=context.name("db"),
            replica_identifiers=[context.name(f"db-replica-{i + 1}") for i in range(config.database.read_replicas)],
            proxy_name=context.name("db-proxy"),
            app_domain=config.app.domain,
            us_east_1_provider=providers.aws_us_east_1,
        ), opts)

    return run_alone(loaded, config, build)


def database_identifiers(run: ProgramRun) -> dict[str, list[str]]:
    db = run.outputs["database"]
    return {"rds-primary": [db["primary_identifier"]], "rds-replica": db["replica_identifiers"],
            "rds-proxy": [db["proxy_name"]]}


# -- coverage and thresholds ------------------------------------------------------------------------------
@pytest.mark.parametrize("stack", ["production", "staging"])
def test_every_required_check_has_an_alarm_per_monitored_resource(program_runs, loaded_stacks, stack):
    run = program_runs[stack]
    identifiers = database_identifiers(run)
    assert len(identifiers["rds-replica"]) == loaded_stacks[stack].config.database.read_replicas
    for role, resources in identifiers.items():
        dimension = "ProxyName" if role == "rds-proxy" else "DBInstanceIdentifier"
        for identifier in resources:
            for check_id in REQUIRED_CHECKS_BY_ROLE[role]:
                alarm_for(run, check_id, dimension, identifier)
    by_check = alarms_by_check(run)
    for check_id in REQUIRED_CHECKS_BY_ROLE["stack"]:
        assert len(by_check.get(check_id, [])) == 1, check_id


def test_production_monitors_a_replica(production_run):
    assert database_identifiers(production_run)["rds-replica"], "the production stack has a read replica"


@pytest.mark.parametrize("stack", ["production", "staging"])
def test_alarms_are_no_looser_than_the_checklist_and_notify_the_right_topic(program_runs, stack):
    run = program_runs[stack]
    by_urn = run.by_urn()
    for alarm in run.by_type(ALARM):
        props, tags = alarm.inputs, alarm.inputs["tags"]
        check = {**ALARM_CHECKS, **CANARY_CHECKS}[tags["Check"]]
        assert tags["Severity"] == check.severity, alarm.name
        assert props["comparisonOperator"] == check.comparison, alarm.name
        if check.comparison == "GreaterThanThreshold":
            assert props["threshold"] <= check.limit, alarm.name
        else:
            assert props["threshold"] >= check.limit, alarm.name
        assert props["actionsEnabled"] is True
        assert props["treatMissingData"] in ("breaching", "notBreaching", "missing"), alarm.name
        for actions in ("alarmActions", "okActions"):
            assert len(props[actions]) == 1, alarm.name
            (topic_urn,) = alarm.property_dependencies[actions]
            topic = by_urn[topic_urn]
            assert topic.type == TOPIC and topic.inputs["tags"]["Severity"] == check.severity, alarm.name
            # Both committed stacks are in us-east-1: the health alarms share the stack's critical topic.
            assert props[actions] == [run.outputs["monitoring"]["topic_arns"][check.severity]], alarm.name


@pytest.mark.parametrize("stack", ["production", "staging"])
def test_alarm_names_are_explicit_and_exported(program_runs, stack):
    run = program_runs[stack]
    exported = {**run.outputs["monitoring"]["alarms"], **run.outputs["synthetics"]["alarms"]}
    assert set(run.outputs["synthetics"]["alarms"]) == set(CANARY_CHECKS)
    registered = {a.inputs["name"] for a in run.by_type(ALARM)}
    assert sorted(n for names in exported.values() for n in names) == sorted(registered)
    for check_id, names in exported.items():
        for alarm in (a for a in run.by_type(ALARM) if a.inputs["name"] in names):
            assert alarm.inputs["tags"]["Check"] == check_id
    assert all(n.startswith(f"chatpdd-{stack}-") for n in registered)


def test_database_alarm_math(production_run, loaded_stacks):
    db = loaded_stacks["production"].config.database
    primary = database_identifiers(production_run)["rds-primary"][0]
    disk = alarm_for(production_run, "disk-warning", "DBInstanceIdentifier", primary).inputs
    (result,) = [q for q in disk["metricQueries"] if q.get("returnData")]
    assert result["expression"] == f"100 - 100 * freeStorageSpace / {db.allocated_storage_gb * 1024**3}"
    connections = alarm_for(production_run, "db-connections-warning", "DBInstanceIdentifier", primary).inputs
    (result,) = [q for q in connections["metricQueries"] if q.get("returnData")]
    assert result["expression"] == f"100 * databaseConnections / {db.max_connections}"
    proxy = database_identifiers(production_run)["rds-proxy"][0]
    pool = alarm_for(production_run, "db-pool-warning", "ProxyName", proxy).inputs
    names = {q["metric"]["metricName"] for q in pool["metricQueries"] if q.get("metric")}
    assert names == {"DatabaseConnectionsCurrentlyBorrowed", "MaxDatabaseConnectionsAllowed"}
    replica = database_identifiers(production_run)["rds-replica"][0]
    lag = alarm_for(production_run, "replica-lag-warning", "DBInstanceIdentifier", replica).inputs
    assert lag["metricName"] == "ReplicaLag" and lag["treatMissingData"] == "breaching"


def test_app_alarms_read_the_metrics_contract(production_run, repo_root):
    contract = (repo_root / "docs" / "metrics-contract.md").read_text()
    for check_id in REQUIRED_CHECKS_BY_ROLE["stack"]:
        if check_id in HEALTH_CHECK_IDS.values():
            continue
        (alarm,) = alarms_by_check(production_run)[check_id]
        dims = monitored_dimensions(alarm)
        assert dims and all(d == {"Environment": "production", "Service": "chatpdd"} for d in dims), check_id
        props = alarm.inputs
        namespaces = {props.get("namespace")} | {q["metric"]["namespace"] for q in props.get("metricQueries", [])
                                                 if q.get("metric")}
        assert namespaces - {None} == {"ChatPDD/App"}, check_id
        metric_names = {props.get("metricName")} | {q["metric"]["metricName"] for q in props.get("metricQueries", [])
                                                    if q.get("metric")}
        for name in metric_names - {None}:
            assert f"`{name}`" in contract, f"{name} ({check_id}) is not in docs/metrics-contract.md"
        assert f"`{check_id}`" in contract, check_id


def test_response_time_alarms_use_a_percentile(production_run):
    for check_id in ("response-time-critical", "response-time-warning"):
        (alarm,) = alarms_by_check(production_run)[check_id]
        assert alarm.inputs["extendedStatistic"] in ("p95", "p99")


def test_threshold_overrides_only_tighten(loaded_stacks):
    run = run_component(loaded_stacks["production"], thresholds={"error-rate-warning": 0.5, "disk-warning": 75},
                        replica_lag_seconds=10)
    (error_rate,) = alarms_by_check(run)["error-rate-warning"]
    assert error_rate.inputs["threshold"] == 0.5
    assert {a.inputs["threshold"] for a in alarms_by_check(run)["disk-warning"]} == {75}
    assert {a.inputs["threshold"] for a in alarms_by_check(run)["replica-lag-warning"]} == {10}


# -- topics --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("stack", ["production", "staging"])
def test_one_encrypted_topic_per_severity(program_runs, loaded_stacks, stack):
    run = program_runs[stack]
    by_urn = run.by_urn()
    topics = run.by_type(TOPIC)
    assert sorted(t.inputs["tags"]["Severity"] for t in topics) == ["critical", "info", "warning"]
    assert set(run.outputs["monitoring"]["topic_arns"]) == {"critical", "warning", "info"}
    for topic in topics:
        (key_urn,) = topic.property_dependencies["kmsMasterKeyId"]
        key = by_urn[key_urn]
        assert key.type == "aws:kms/key:Key" and key.protect is True
        assert key.inputs["enableKeyRotation"] is True
        statements = json.loads(key.inputs["policy"])["Statement"]
        cloudwatch = [s for s in statements if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
        assert cloudwatch and {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(cloudwatch[0]["Action"])
    emails = loaded_stacks[stack].config.monitoring.alert_emails
    subscriptions = run.by_type("aws:sns/topicSubscription:TopicSubscription")
    expected = sorted(e for sev in ("critical", "warning", "info") for e in getattr(emails, sev))
    assert sorted(s.inputs["endpoint"] for s in subscriptions if s.inputs["protocol"] == "email") == expected
    assert {s.inputs["protocol"] for s in subscriptions} == {"email", "https"}
    # Alerts that reach people: the chat channel on the critical and warning topics, the pager (production) on
    # the critical one; the URLs are secrets on the wire and never in a resource name.
    https = {s.name: s for s in subscriptions if s.inputs["protocol"] == "https"}
    pager = loaded_stacks[stack].config.monitoring.pager_webhook_url is not None
    assert sorted(https) == sorted(["monitoring-critical-chat", "monitoring-warning-chat"]
                                   + (["monitoring-critical-pager"] if pager else []))
    for sub in https.values():
        assert is_secret(sub.properties["endpoint"]) and sub.inputs["endpointAutoConfirms"] is True
        (topic_urn,) = sub.property_dependencies["topic"]
        assert by_urn[topic_urn].inputs["tags"]["Severity"] == sub.name.split("-")[1]


# -- health checks -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("stack", ["production", "staging"])
def test_health_checks(program_runs, loaded_stacks, stack):
    run = program_runs[stack]
    config = loaded_stacks[stack].config
    checks = run.by_type(HEALTH_CHECK)
    assert sorted(c.inputs["resourcePath"] for c in checks) == sorted(HEALTH_ENDPOINTS)
    for check in checks:
        props = check.inputs
        assert props["type"] == "HTTPS" and props["port"] == 443 and props["fqdn"] == config.app.domain
        assert props["measureLatency"] is True and props["enableSni"] is True
        assert props["requestInterval"] == config.monitoring.health_check_interval_seconds
        assert props["failureThreshold"] == config.monitoring.health_check_failure_threshold
        assert "regions" not in props
        assert provider_of(run, check).inputs["region"] == "us-east-1"
        alarm = alarm_for(run, HEALTH_CHECK_IDS[props["resourcePath"]], "HealthCheckId", check.id)
        assert check.urn in alarm.property_dependencies["dimensions"]
        assert alarm.inputs["namespace"] == "AWS/Route53" and alarm.inputs["metricName"] == "HealthCheckStatus"
        assert alarm.inputs["treatMissingData"] == "breaching"
        assert provider_of(run, alarm).inputs["region"] == "us-east-1"
    assert set(run.outputs["monitoring"]["health_check_ids"]) == set(HEALTH_ENDPOINTS)


def test_outside_us_east_1_health_alarms_notify_a_us_east_1_topic(loaded_stacks):
    run = run_component(loaded_stacks["production"], region="eu-west-1")
    by_urn = run.by_urn()
    regions = {r.name: provider_of(run, r).inputs["region"] for r in run.resources if r.type.startswith("aws:")}
    for check in run.by_type(HEALTH_CHECK):
        assert regions[check.name] == "us-east-1"
    health_alarms = [a for a in run.by_type(ALARM) if a.inputs.get("namespace") == "AWS/Route53"]
    other_alarms = [a for a in run.by_type(ALARM) if a not in health_alarms]
    assert len(health_alarms) == 4 and other_alarms
    for alarm in health_alarms:
        assert regions[alarm.name] == "us-east-1"
        (topic_urn,) = alarm.property_dependencies["alarmActions"]
        topic = by_urn[topic_urn]
        assert regions[topic.name] == "us-east-1" and topic.inputs["tags"]["Severity"] == "critical"
        (key_urn,) = topic.property_dependencies["kmsMasterKeyId"]
        assert regions[by_urn[key_urn].name] == "us-east-1" and by_urn[key_urn].protect
    for alarm in other_alarms:
        assert regions[alarm.name] == "eu-west-1"
        (topic_urn,) = alarm.property_dependencies["alarmActions"]
        assert regions[by_urn[topic_urn].name] == "eu-west-1"
    us_east_1_subscriptions = [s for s in run.by_type("aws:sns/topicSubscription:TopicSubscription")
                               if regions[s.name] == "us-east-1"]
    critical = loaded_stacks["production"].config.monitoring.alert_emails.critical
    assert sorted(s.inputs["endpoint"] for s in us_east_1_subscriptions
                  if s.inputs["protocol"] == "email") == sorted(critical)
    # The health alarms' topic reaches the chat channel and the pager too.
    assert sorted(s.name for s in us_east_1_subscriptions if s.inputs["protocol"] == "https") == [
        "monitoring-critical-use1-chat", "monitoring-critical-use1-pager"]


# -- dashboard and component shape ---------------------------------------------------------------------------
def test_dashboard_covers_app_database_proxy_and_health(production_run):
    dashboard = production_run.one("aws:cloudwatch/dashboard:Dashboard")
    assert dashboard.inputs["dashboardName"] == production_run.outputs["monitoring"]["dashboard_name"]
    body = json.loads(dashboard.inputs["dashboardBody"])
    metrics = [m for w in body["widgets"] for m in w["properties"]["metrics"]]
    flat = {str(x) for m in metrics for x in m if not isinstance(x, dict)}
    ids = database_identifiers(production_run)
    assert {"ChatPDD/App", "AWS/RDS", "AWS/Route53", ids["rds-proxy"][0], *ids["rds-primary"],
            *ids["rds-replica"]} <= flat
    assert set(production_run.outputs["monitoring"]["health_check_ids"].values()) <= flat


@pytest.mark.parametrize("stack", ["production", "staging"])
def test_every_resource_is_a_direct_child_of_the_component(program_runs, stack):
    run = program_runs[stack]
    component = run.one(COMPONENT)
    children = [r for r in run.resources if r.parent == component.urn]
    monitoring_types = (ALARM, TOPIC, HEALTH_CHECK, "aws:sns/topicSubscription:TopicSubscription",
                        "aws:cloudwatch/dashboard:Dashboard")
    synthetics = run.one("chatpdd:components:Synthetics").urn  # the canaries' alarms are its children
    assert {r.urn for r in run.resources if r.type in monitoring_types and r.parent != synthetics} <= {
        r.urn for r in children}
    keys = [r for r in children if r.type == "aws:kms/key:Key"]
    assert keys and all(k.protect for k in keys)
    assert [r.name for r in children if r.protect] == [k.name for k in keys]
    for r in children:
        if r.type not in ("aws:kms/alias:Alias", "aws:sns/topicSubscription:TopicSubscription",
                          "aws:cloudwatch/dashboard:Dashboard"):
            assert r.inputs["tags"]["Stack"] == stack and r.inputs["tags"]["Service"] == "chatpdd", r.name


# -- the policy pack ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("stack", ["production", "staging"])
def test_the_policy_pack_finds_nothing_in_the_component(program_runs, stack):
    assert pack_violations(program_runs[stack], COMPONENT) == {}


def test_dashboard_shows_the_info_tier_with_no_alarm(production_run):
    """Checklist "Info Alerts (Track Trends)": the info metrics of docs/metrics-contract.md are on the dashboard
    and no alarm reads them."""
    body = json.loads(production_run.one("aws:cloudwatch/dashboard:Dashboard").inputs["dashboardBody"])
    info = [w for w in body["widgets"] if w["properties"]["title"].startswith("Info:")]
    assert len(info) == 4 and all(w["properties"]["period"] == 86400 for w in info)
    text = json.dumps(info)
    assert all(name in text for name in INFO_METRICS)
    alarms = json.dumps([a.inputs for a in production_run.by_type(ALARM)])
    assert not any(name in alarms for name in INFO_METRICS)
