"""Alerting: SNS topics per severity, CloudWatch alarms, Route 53 health checks and a dashboard.

Checklist sections this component carries (docs/production-deployment-checklist.md):
"Monitoring and Alerting Setup" -> "Health Check Endpoints", "Alert Configuration" (critical and
warning alerts), "Database Monitoring" ("Connection pool utilization", "Replication lag") and
"Database monitoring alerts configured". Every alarm carries the tags `Check=<check id>` and
`Severity=<severity>` (stacks/checklist.py `ALARM_CHECKS`); the thresholds come from
`MonitoringSettings.threshold`, which refuses anything looser than the checklist.
The application metrics the alarms read are specified in docs/metrics-contract.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.base import TYPE_PREFIX, StackContext, child, customer_managed_key
from components.vercel_app import APP_METRICS_NAMESPACE, APP_METRICS_SERVICE
from stacks.checklist import (
    ALARM_CHECKS,
    HEALTH_ENDPOINTS,
    REQUIRED_CHECKS_BY_ROLE,
    REQUIRED_SUBSCRIPTION_PROTOCOLS,
)
from stacks.models import DatabaseSettings, MonitoringSettings

SEVERITIES = ("critical", "warning", "info")
# Checklist "Health Check Endpoints": the endpoint each health-status alarm watches.
HEALTH_CHECKS = {
    "/api/health": "app-health",
    "/api/collaboration/health": "collaboration-health",
    "/api/database/health": "database-connectivity",
    "/api/redis/health": "redis-connectivity",
}
assert set(HEALTH_CHECKS) == set(HEALTH_ENDPOINTS), "every checklist health endpoint needs its check id"
assert set(HEALTH_CHECKS.values()) <= set(REQUIRED_CHECKS_BY_ROLE["stack"])
# Route 53 publishes health-check metrics in us-east-1 only (Route 53 Developer Guide, "Monitoring
# health checks using CloudWatch"): the health alarms, and the topic they notify, live there.
HEALTH_METRICS_REGION = "us-east-1"
GIB = 1024**3

# "Encrypting SNS topics for CloudWatch alarms" (CloudWatch User Guide): an alarm can publish to a
# KMS-encrypted topic only if the key policy lets cloudwatch.amazonaws.com use the key. Without this
# statement the alarm fires and nobody is told. (No aws:SourceAccount condition: CloudWatch's calls to
# KMS for alarm actions are not documented to carry it, and a wrong guess here silences every alarm.)
CLOUDWATCH_USES_KEY = {
    "Sid": "CloudWatchAlarmsPublishToEncryptedTopics",
    "Effect": "Allow",
    "Principal": {"Service": "cloudwatch.amazonaws.com"},
    "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
    "Resource": "*",
}


@dataclass(frozen=True)
class MonitoringArgs:
    """What the Monitoring component needs: the stack, its settings and the resources to watch."""
    context: StackContext
    settings: MonitoringSettings
    database: DatabaseSettings
    primary_identifier: str
    replica_identifiers: list[str]
    proxy_name: str
    app_domain: str
    us_east_1_provider: aws.Provider


def metric(name: str, stat: str, dimensions: dict[str, Any], namespace: str = "AWS/RDS", period: int = 60
           ) -> dict[str, Any]:
    """A `metric_queries[]` entry that fetches one metric (not returned: an expression uses it)."""
    return {"id": name[0].lower() + name[1:], "return_data": False,
            "metric": {"namespace": namespace, "metric_name": name, "stat": stat, "period": period,
                       "dimensions": dimensions}}


def expression(expr: str, label: str, *inputs: dict[str, Any]) -> list[dict[str, Any]]:
    """`metric_queries` for an alarm on a metric-math expression over `inputs`."""
    return [*inputs, {"id": "result", "expression": expr, "label": label, "return_data": True}]


class Monitoring(pulumi.ComponentResource):
    """SNS topics per severity, the checklist's alarms, Route 53 health checks and a dashboard."""
    topic_arns: dict[str, pulumi.Output[str]]  # severity -> topic ARN
    alarms: dict[str, list[str]]  # check id (stacks.checklist.ALARM_CHECKS) -> alarm names
    health_check_ids: dict[str, pulumi.Output[str]]  # endpoint path -> Route 53 health check id
    dashboard_name: str
    health_topic_arn: pulumi.Output[str]  # the critical topic in us-east-1 (the health alarms' actions)

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:Monitoring", name, None, opts)
        self._name, self._args = name, args
        ctx, s = args.context, args.settings
        self.alarms = {}

        key = self._key(f"{name}-alerts-key", ctx.name("alerts"))
        self.topic_arns = {sev: self._topic(f"{name}-{sev}", sev, key, getattr(s.alert_emails, sev))
                           for sev in SEVERITIES}
        if ctx.region == HEALTH_METRICS_REGION:
            self.health_topic_arn = self.topic_arns["critical"]
        else:
            use1 = {"provider": args.us_east_1_provider}
            use1_key = self._key(f"{name}-alerts-key-use1", ctx.name("alerts-us-east-1"), **use1)
            self.health_topic_arn = self._topic(f"{name}-critical-use1", "critical", use1_key,
                                                s.alert_emails.critical, suffix="-us-east-1", **use1)

        self._database_alarms()
        self._app_alarms()
        self.health_check_ids = self._health_checks()

        self.dashboard_name = ctx.name("overview")
        aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=self.dashboard_name,
            dashboard_body=pulumi.Output.json_dumps({"widgets": self._widgets()}),
            opts=child(self),
        )
        self.register_outputs({"topic_arns": self.topic_arns, "alarms": self.alarms,
                               "health_check_ids": self.health_check_ids, "dashboard_name": self.dashboard_name,
                               "health_topic_arn": self.health_topic_arn})

    # -- topics ------------------------------------------------------------------------------------
    def _key(self, resource_name: str, alias: str, **opts: Any) -> aws.kms.Key:
        ctx = self._args.context
        return customer_managed_key(
            self, resource_name, ctx, alias=alias, alias_resource_name=f"{resource_name}-alias",
            description=f"{alias}: encrypts the alert topics (SNS at rest)", role="monitoring",
            statements=(CLOUDWATCH_USES_KEY,), **opts,
        )

    def _topic(self, resource_name: str, severity: str, key: aws.kms.Key, emails: list[str], suffix: str = "",
               **opts: Any) -> pulumi.Output[str]:
        ctx = self._args.context
        topic = aws.sns.Topic(
            resource_name,
            name=ctx.name(f"alerts-{severity}{suffix}"),
            kms_master_key_id=key.arn,
            tags=ctx.tags(role="monitoring", Severity=severity),
            opts=child(self, **opts),
        )
        for email in emails:
            # Email subscriptions stay "pending confirmation" until the recipient clicks the AWS link;
            # `ops verify` reports pending ones.
            aws.sns.TopicSubscription(
                f"{resource_name}-{email.replace('@', '-at-')}",
                topic=topic.arn,
                protocol="email",
                endpoint=email,
                opts=child(self, **opts),
            )
        # Alerts that reach people (the rollback procedure's "notify team", the critical tier's "Immediate
        # Response"): the chat channel gets critical and warning alerts, the pager critical ones, each an HTTPS
        # subscription whose URL is a secret (it carries the integration's token). Chat and paging integrations
        # that accept SNS confirm the subscription themselves (endpoint_auto_confirms).
        s = self._args.settings
        webhooks = {"chat": s.chat_webhook_url if "https" in REQUIRED_SUBSCRIPTION_PROTOCOLS.get(severity, ()) else None,
                    "pager": s.pager_webhook_url if severity == "critical" else None}
        for kind, url in webhooks.items():
            if url is None:
                continue
            aws.sns.TopicSubscription(
                f"{resource_name}-{kind}",
                topic=topic.arn,
                protocol="https",
                endpoint=pulumi.Output.secret(url.get_secret_value()),
                endpoint_auto_confirms=True,
                opts=child(self, **opts),
            )
        return topic.arn

    # -- alarms ------------------------------------------------------------------------------------
    def _alarm(self, check_id: str, monitored: str | None, description: str, *, treat_missing_data: str,
               evaluation_periods: int, datapoints_to_alarm: int | None = None, threshold: float | None = None,
               topic_arn: pulumi.Input[str] | None = None, provider: aws.Provider | None = None,
               **query: Any) -> None:
        """One alarm for one checklist check on one monitored resource (None: the whole stack).

        No `unit` on any alarm: CloudWatch then matches only datapoints published with that unit, and a
        unit mismatch is silent (no data, and notBreaching alarms never fire).
        """
        ctx, s = self._args.context, self._args.settings
        check = ALARM_CHECKS[check_id]
        role = f"{monitored.removeprefix(ctx.prefix + '-')}-{check_id}" if monitored else check_id
        alarm_name = ctx.name(role)
        topic = topic_arn if topic_arn is not None else self.topic_arns[check.severity]
        aws.cloudwatch.MetricAlarm(
            f"{self._name}-{role}",
            name=alarm_name,
            alarm_description=f"Checklist \"{check.checklist}\" ({check.severity}): {description}",
            comparison_operator=check.comparison,
            threshold=s.threshold(check_id) if threshold is None else threshold,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints_to_alarm or evaluation_periods,
            treat_missing_data=treat_missing_data,
            actions_enabled=True,
            alarm_actions=[topic],
            ok_actions=[topic],  # the on-call sees the recovery too
            tags=ctx.tags(role="monitoring", Check=check_id, Severity=check.severity),
            opts=child(self, provider=provider),
            **query,
        )
        self.alarms.setdefault(check_id, []).append(alarm_name)

    def _database_alarms(self) -> None:
        a, db = self._args, self._args.database
        # RDS metrics are published every minute while the instance runs; a gap means the instance is
        # unavailable, which the database-connectivity health check pages for. "missing" turns these
        # alarms INSUFFICIENT_DATA (no action) instead of paging a second time for the same outage.
        for identifier in [a.primary_identifier, *a.replica_identifiers]:
            dims = {"DBInstanceIdentifier": identifier}
            # Percent used of the allocated storage. Storage autoscaling starts only below 10% free, so
            # this fires first; after a scale-up, raise database.allocated_storage_gb to the new size.
            self._alarm(
                "disk-warning", identifier, f"disk used % of {db.allocated_storage_gb} GiB allocated on {identifier}",
                treat_missing_data="missing", evaluation_periods=2,
                metric_queries=expression(f"100 - 100 * freeStorageSpace / {db.allocated_storage_gb * GIB}",
                                          "Disk used %", metric("FreeStorageSpace", "Minimum", dims, period=300)),
            )
        self._alarm(
            "db-connections-warning", a.primary_identifier,
            f"connections % of max_connections={db.max_connections} on {a.primary_identifier}",
            treat_missing_data="missing", evaluation_periods=5, datapoints_to_alarm=3,
            metric_queries=expression(f"100 * databaseConnections / {db.max_connections}", "Connections % of max",
                                      metric("DatabaseConnections", "Maximum",
                                             {"DBInstanceIdentifier": a.primary_identifier})),
        )
        for identifier in a.replica_identifiers:
            # A replica that stops reporting ReplicaLag is not replicating: missing data is breaching.
            # Both config knobs may only tighten the checklist's 30 s: the stricter one wins.
            self._alarm(
                "replica-lag-warning", identifier, f"replication lag of {identifier} in seconds",
                treat_missing_data="breaching", evaluation_periods=5, datapoints_to_alarm=3,
                threshold=min(self._args.settings.threshold("replica-lag-warning"),
                              self._args.settings.replica_lag_seconds),
                namespace="AWS/RDS", metric_name="ReplicaLag", statistic="Maximum", period=60,
                dimensions={"DBInstanceIdentifier": identifier},
            )
        # RDS Proxy User Guide, "Monitoring RDS Proxy metrics": both metrics are reported every minute and
        # are meant to be summed (one datapoint per proxy host). Until the first client connects the proxy
        # publishes nothing: no data is no pool pressure.
        proxy = {"ProxyName": a.proxy_name}
        self._alarm(
            "db-pool-warning", a.proxy_name, f"borrowed connections % of the pool of {a.proxy_name}",
            treat_missing_data="notBreaching", evaluation_periods=5, datapoints_to_alarm=3,
            metric_queries=expression(
                "100 * databaseConnectionsCurrentlyBorrowed / maxDatabaseConnectionsAllowed", "Pool used %",
                metric("DatabaseConnectionsCurrentlyBorrowed", "Sum", proxy),
                metric("MaxDatabaseConnectionsAllowed", "Sum", proxy)),
        )

    def _app_dims(self) -> dict[str, str]:
        return {"Environment": self._args.context.stack, "Service": APP_METRICS_SERVICE}

    def _app_alarms(self) -> None:
        dims = self._app_dims()

        def ratio(numerator: str, denominator: str, label: str) -> list[dict[str, Any]]:
            # Summed counts, not an average of per-instance percentages: every request weighs the same.
            # IF(...): no traffic is 0%, not a division by zero.
            num = metric(numerator, "Sum", dims, APP_METRICS_NAMESPACE)
            den = metric(denominator, "Sum", dims, APP_METRICS_NAMESPACE)
            return expression(f"IF({den['id']} > 0, 100 * {num['id']} / {den['id']}, 0)", label, num, den)

        # Application metrics exist only while there is traffic; no traffic is not an incident (an app
        # that is down is caught by the health checks, which treat missing data as breaching).
        quiet = "notBreaching"
        for check_id, periods in (("error-rate-critical", 3), ("error-rate-warning", 5)):
            self._alarm(check_id, None, "5xx responses % of requests (ServerErrors / Requests)",
                        treat_missing_data=quiet, evaluation_periods=periods,
                        metric_queries=ratio("ServerErrors", "Requests", "Error rate %"))
        # p95: what one request in twenty waits at least; steadier than p99 at low traffic, and a
        # sustained p95 above the limit means many users are affected, not one slow outlier.
        for check_id, periods in (("response-time-critical", 3), ("response-time-warning", 5)):
            self._alarm(check_id, None, "p95 server response time in milliseconds",
                        treat_missing_data=quiet, evaluation_periods=periods,
                        namespace=APP_METRICS_NAMESPACE, metric_name="ResponseTime", extended_statistic="p95",
                        period=60, dimensions=dims)
        self._alarm("memory-critical", None, "highest memory use % of any app instance",
                    treat_missing_data=quiet, evaluation_periods=3,
                    namespace=APP_METRICS_NAMESPACE, metric_name="MemoryUtilization", statistic="Maximum",
                    period=60, dimensions=dims)
        self._alarm("websocket-drops-warning", None, "abnormal WebSocket closes % of all closes",
                    treat_missing_data=quiet, evaluation_periods=5,
                    metric_queries=ratio("WebSocketConnectionDrops", "WebSocketConnectionsClosed",
                                         "WebSocket drop %"))

    # -- health checks -----------------------------------------------------------------------------
    def _health_checks(self) -> dict[str, pulumi.Output[str]]:
        a, ctx, s = self._args, self._args.context, self._args.settings
        ids: dict[str, pulumi.Output[str]] = {}
        for path, check_id in HEALTH_CHECKS.items():
            check = aws.route53.HealthCheck(
                f"{self._name}-{check_id}",
                type="HTTPS",
                fqdn=a.app_domain,
                port=443,
                resource_path=path,
                enable_sni=True,  # Vercel serves many hosts on one IP: without SNI the TLS handshake fails
                measure_latency=True,  # per-region connect/TLS/first-byte times (cannot be changed later)
                request_interval=s.health_check_interval_seconds,
                failure_threshold=s.health_check_failure_threshold,
                # `regions` omitted: Route 53's default checker regions.
                tags=ctx.tags(role="monitoring", Name=ctx.name(check_id), Check=check_id),
                opts=child(self, provider=a.us_east_1_provider),
            )
            # Breaching on missing data: a health check that stops reporting is no evidence of health.
            self._alarm(
                check_id, None, f"Route 53 health check of https://{a.app_domain}{path} failing",
                treat_missing_data="breaching", evaluation_periods=1,
                namespace="AWS/Route53", metric_name="HealthCheckStatus", statistic="Minimum", period=60,
                dimensions={"HealthCheckId": check.id},
                topic_arn=self.health_topic_arn, provider=a.us_east_1_provider,
            )
            ids[path] = check.id
        return ids

    # -- dashboard ---------------------------------------------------------------------------------
    def _widgets(self) -> list[dict[str, Any]]:
        a, region = self._args, self._args.context.region
        app_dims = [x for kv in self._app_dims().items() for x in kv]
        instances = [a.primary_identifier, *a.replica_identifiers]

        def graph(title: str, metrics: list[list[Any]], widget_region: str = region, **props: Any) -> dict[str, Any]:
            return {"type": "metric", "width": 12, "height": 6,
                    "properties": {"title": title, "region": widget_region, "view": "timeSeries",
                                   "stacked": False, "period": 60, "metrics": metrics, **props}}

        def app(metric_name: str, **options: Any) -> list[Any]:
            return [APP_METRICS_NAMESPACE, metric_name, *app_dims, options]

        def math(expr: str, label: str, id_: str, **options: Any) -> list[Any]:
            return [{"expression": expr, "label": label, "id": id_, **options}]

        def rds(metric_name: str, stat: str, identifiers: list[str]) -> list[list[Any]]:
            return [["AWS/RDS", metric_name, "DBInstanceIdentifier", i, {"stat": stat}] for i in identifiers]

        widgets = [
            graph("App: error rate %", [
                math("IF(r > 0, 100 * e / r, 0)", "Error rate %", "rate"),
                app("ServerErrors", id="e", stat="Sum", visible=False),
                app("Requests", id="r", stat="Sum", visible=False),
            ]),
            graph("App: response time (ms)", [app("ResponseTime", stat=p) for p in ("p50", "p95", "p99")]),
            graph("App: memory % (highest instance)", [app("MemoryUtilization", stat="Maximum")]),
            graph("Real time: WebSockets", [
                app("WebSocketActiveConnections", stat="Sum"),  # one datapoint per server a minute
                math("IF(c > 0, 100 * d / c, 0)", "Drop %", "drop", yAxis="right"),
                app("WebSocketConnectionDrops", id="d", stat="Sum", visible=False),
                app("WebSocketConnectionsClosed", id="c", stat="Sum", visible=False),
                math("IF(t > 0, 100 * ok / t, 100)", "Reconnect success %", "rec", yAxis="right"),
                app("WebSocketReconnectSuccesses", id="ok", stat="Sum", visible=False),
                app("WebSocketReconnectAttempts", id="t", stat="Sum", visible=False),
                app("MessageDeliveryLatency", stat="p95", label="Message delivery p95 (ms)"),
            ]),
            graph("Database: free storage (bytes)", rds("FreeStorageSpace", "Minimum", instances)),
            graph("Database: connections", rds("DatabaseConnections", "Maximum", instances)),
            graph("Database: CPU %", rds("CPUUtilization", "Average", instances)),
            graph("RDS Proxy: pool", [["AWS/RDS", m, "ProxyName", a.proxy_name, {"stat": "Sum"}] for m in
                                      ("DatabaseConnectionsCurrentlyBorrowed", "MaxDatabaseConnectionsAllowed")]),
            graph("Health checks (1 = healthy)", [
                ["AWS/Route53", "HealthCheckStatus", "HealthCheckId", hc_id, {"stat": "Minimum", "label": path}]
                for path, hc_id in self.health_check_ids.items()
            ], widget_region=HEALTH_METRICS_REGION, yAxis={"left": {"min": 0, "max": 1}}),
        ]
        if a.replica_identifiers:
            widgets.append(graph("Database: replica lag (s)", rds("ReplicaLag", "Maximum", a.replica_identifiers)))
        # Checklist "Info Alerts (Track Trends)": daily active users, team creation rate, file sharing volume and
        # feature usage (docs/metrics-contract.md, "Info tier"). Trends, not incidents: no alarm reads them.
        day = 86400
        widgets += [
            graph("Info: daily active users", [app("DailyActiveUsers", stat="Maximum")], period=day),
            graph("Info: teams created per day", [app("TeamsCreated", stat="Sum")], period=day),
            graph("Info: file sharing volume per day", [
                app("FilesShared", stat="Sum", label="Files shared"),
                app("FileSharingBytes", stat="Sum", label="Bytes shared", yAxis="right"),
            ], period=day),
            graph("Info: feature usage per day (top features)", [[
                {"expression": f"SORT(SEARCH('{{{APP_METRICS_NAMESPACE},Environment,Feature,Service}} "
                               f"MetricName=\"FeatureUsed\" Environment=\"{self._args.context.stack}\"', "
                               f"'Sum', {day}), SUM, DESC, 10)", "id": "features", "label": ""},
            ]], period=day),
        ]
        return widgets
