"""A compliant production Monitoring resource set (docs/architecture.md "Monitoring"), as a real
``pulumi preview`` of components/monitoring.py sends it: one SNS topic per severity (KMS key ARN
UNKNOWN, property dependency on the alerts key), the alarms of stacks/checklist.py
``REQUIRED_CHECKS_BY_ROLE`` for the primary, the replica and the proxy of ``fixtures.DATABASE`` and for
the stack, with ``alarmActions`` UNKNOWN and carried by a property dependency on the topic of their
severity, and one Route 53 health check per health endpoint.

Tests flip ONE property of one of these resources (``harness.with_props``) and expect exactly one message.
"""

from __future__ import annotations

from tests.policies.fixtures import DATABASE, PREFIX, PRIMARY, PROXY, REPLICA, tags
from tests.policies.harness import UNKNOWN_STRING, resource

ALARM_TYPE = "aws:cloudwatch/metricAlarm:MetricAlarm"
DOMAIN = "app.chatpdd.com"
GIB = 1024**3

ALERTS_KEY = resource("aws:kms/key:Key", f"{PREFIX}-alerts-key", {
    "description": f"{PREFIX}-alerts: encrypts the alert topics (SNS at rest)", "enableKeyRotation": True,
    "deletionWindowInDays": 30, "tags": tags(Role="monitoring")}, protect=True)

TOPICS = {sev: resource("aws:sns/topic:Topic", f"{PREFIX}-alerts-{sev}", {
    "name": f"{PREFIX}-alerts-{sev}", "kmsMasterKeyId": UNKNOWN_STRING, "tags": tags(Role="monitoring", Severity=sev)},
    property_dependencies={"kmsMasterKeyId": [ALERTS_KEY.urn]}) for sev in ("critical", "warning", "info")}

HEALTH_ENDPOINTS = {"/api/health": "app-health", "/api/collaboration/health": "collaboration-health",
                    "/api/database/health": "database-connectivity", "/api/redis/health": "redis-connectivity"}
HEALTH_CHECKS = {path: resource("aws:route53/healthCheck:HealthCheck", f"{PREFIX}-{check}", {
    "type": "HTTPS", "fqdn": DOMAIN, "port": 443, "resourcePath": path, "enableSni": True, "measureLatency": True,
    "requestInterval": 30, "failureThreshold": 3, "tags": tags(Role="monitoring", Check=check)})
    for path, check in HEALTH_ENDPOINTS.items()}


def metric(name: str, stat: str, dimensions: dict, namespace: str = "AWS/RDS") -> dict:
    return {"id": name[0].lower() + name[1:], "returnData": False,
            "metric": {"namespace": namespace, "metricName": name, "stat": stat, "period": 60,
                       "dimensions": dimensions}}


def expression(expr: str, *inputs: dict) -> list[dict]:
    return [*inputs, {"id": "result", "expression": expr, "label": "result", "returnData": True}]


def alarm(check: str, severity: str, comparison: str, threshold: float, *, monitored: str = "",
          dependencies: dict | None = None, **query):
    role = f"{monitored.removeprefix(PREFIX + '-')}-{check}" if monitored else check
    topic = TOPICS[severity]
    # Health checks: a check that stops reporting is failing (components/monitoring.py).
    missing = "breaching" if comparison == "LessThanThreshold" else "missing"
    return resource(ALARM_TYPE, f"{PREFIX}-{role}", {
        "name": f"{PREFIX}-{role}", "comparisonOperator": comparison, "threshold": threshold, "evaluationPeriods": 3,
        "datapointsToAlarm": 3, "treatMissingData": missing, "actionsEnabled": True,
        "alarmActions": [UNKNOWN_STRING], "okActions": [UNKNOWN_STRING],
        "tags": tags(Role="monitoring", Check=check, Severity=severity), **query},
        property_dependencies={"alarmActions": [topic.urn], "okActions": [topic.urn], **(dependencies or {})})


APP = {"Environment": "production", "Service": "chatpdd"}
PRIMARY_ID, REPLICA_ID, PROXY_NAME = (PRIMARY.properties["identifier"], REPLICA.properties["identifier"],
                                      PROXY.properties["name"])


def _disk(identifier: str):
    return alarm("disk-warning", "warning", "GreaterThanThreshold", 85, monitored=identifier,
                 metricQueries=expression(f"100 - 100 * freeStorageSpace / {100 * GIB}",
                                          metric("FreeStorageSpace", "Minimum", {"DBInstanceIdentifier": identifier})))


ALARMS = {
    ("rds-primary", "disk-warning"): _disk(PRIMARY_ID),
    ("rds-replica", "disk-warning"): _disk(REPLICA_ID),
    ("rds-primary", "db-connections-warning"): alarm(
        "db-connections-warning", "warning", "GreaterThanThreshold", 80, monitored=PRIMARY_ID,
        metricQueries=expression("100 * databaseConnections / 400",
                                 metric("DatabaseConnections", "Maximum", {"DBInstanceIdentifier": PRIMARY_ID}))),
    ("rds-replica", "replica-lag-warning"): alarm(
        "replica-lag-warning", "warning", "GreaterThanThreshold", 30, monitored=REPLICA_ID, namespace="AWS/RDS",
        metricName="ReplicaLag", statistic="Maximum", period=60, dimensions={"DBInstanceIdentifier": REPLICA_ID}),
    ("rds-proxy", "db-pool-warning"): alarm(
        "db-pool-warning", "warning", "GreaterThanThreshold", 80, monitored=PROXY_NAME,
        metricQueries=expression("100 * databaseConnectionsCurrentlyBorrowed / maxDatabaseConnectionsAllowed",
                                 metric("DatabaseConnectionsCurrentlyBorrowed", "Sum", {"ProxyName": PROXY_NAME}),
                                 metric("MaxDatabaseConnectionsAllowed", "Sum", {"ProxyName": PROXY_NAME}))),
    **{("stack", check): alarm(check, "critical", "LessThanThreshold", 1, namespace="AWS/Route53",
                               metricName="HealthCheckStatus", statistic="Minimum", period=60,
                               dimensions={"HealthCheckId": UNKNOWN_STRING},
                               dependencies={"dimensions": [HEALTH_CHECKS[path].urn]})
       for path, check in HEALTH_ENDPOINTS.items()},
    **{("stack", check): alarm(check, severity, "GreaterThanThreshold", limit,
                               metricQueries=expression("IF(requests > 0, 100 * serverErrors / requests, 0)",
                                                        metric("ServerErrors", "Sum", APP, "ChatPDD/App"),
                                                        metric("Requests", "Sum", APP, "ChatPDD/App")))
       for check, severity, limit in (("error-rate-critical", "critical", 5), ("error-rate-warning", "warning", 1))},
    **{("stack", check): alarm(check, severity, "GreaterThanThreshold", limit, namespace="ChatPDD/App",
                               metricName="ResponseTime", extendedStatistic="p95", period=60, dimensions=APP)
       for check, severity, limit in (("response-time-critical", "critical", 5000),
                                      ("response-time-warning", "warning", 2000))},
    ("stack", "memory-critical"): alarm("memory-critical", "critical", "GreaterThanThreshold", 90,
                                        namespace="ChatPDD/App", metricName="MemoryUtilization", statistic="Maximum",
                                        period=60, dimensions=APP),
    ("stack", "websocket-drops-warning"): alarm(
        "websocket-drops-warning", "warning", "GreaterThanThreshold", 10,
        metricQueries=expression("IF(closed > 0, 100 * drops / closed, 0)",
                                 metric("WebSocketConnectionDrops", "Sum", APP, "ChatPDD/App"),
                                 metric("WebSocketConnectionsClosed", "Sum", APP, "ChatPDD/App"))),
}

MONITORING = [ALERTS_KEY, *TOPICS.values(), *HEALTH_CHECKS.values(), *ALARMS.values()]
STACK = DATABASE + MONITORING
