"""Compliant production resources of issue 20, as a real ``pulumi preview`` sends them: the Synthetics canaries
(components/synthetics.py) with their alarms and artifacts bucket, the alert topics' subscriptions
(components/monitoring.py) and the cross-region replication of the primary's automated backups
(components/database.py). Tests flip ONE property and expect exactly one message."""

from __future__ import annotations

import json

from tests.policies.fixtures import PREFIX, PRIMARY, tags
from tests.policies.fixtures_monitoring import ALARM_TYPE, TOPICS
from tests.policies.harness import UNKNOWN_STRING, resource, secret

DOMAIN = "app.chatpdd.com"
ARTIFACTS = f"{PREFIX}-canary-artifacts-111122223333"
API_PATHS = ("/api/health", "/api/collaboration/health", "/api/database/health", "/api/redis/health",
             "/api/websocket/health")
API_STEPS = [{"step": p.strip("/").replace("/", "-"), "path": p} for p in API_PATHS]

CANARY_KEY = resource("aws:kms/key:Key", "storage-kms", {
    "enableKeyRotation": True, "deletionWindowInDays": 30, "tags": tags(Role="storage-kms")}, protect=True)
BUCKET = resource("aws:s3/bucket:Bucket", "storage-canary-artifacts", {
    "bucket": ARTIFACTS, "tags": tags(Role="canary-artifacts")}, protect=True)
LOGGING = resource("aws:s3/bucketLogging:BucketLogging", "storage-canary-artifacts-logging", {
    "bucket": ARTIFACTS, "targetBucket": f"{PREFIX}-access-logs-111122223333", "targetPrefix": "canary-artifacts/"})
LIFECYCLE = resource("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                     "storage-canary-artifacts-lifecycle", {"bucket": ARTIFACTS, "rules": [
                         {"id": "expire-canary-artifacts", "status": "Enabled", "filter": {},
                          "expiration": {"days": 31}, "noncurrentVersionExpiration": {"noncurrentDays": 7},
                          "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7}}]})


def canary(role: str, environment: dict) -> object:
    name = f"{PREFIX}-{role}-canary"
    return resource("aws:synthetics/canary:Canary", f"synthetics-{role}", {
        "name": name, "runtimeVersion": "syn-nodejs-puppeteer-9.1", "handler": "x.handler",
        "s3Bucket": ARTIFACTS, "s3Key": UNKNOWN_STRING, "s3Version": UNKNOWN_STRING,
        "executionRoleArn": UNKNOWN_STRING, "artifactS3Location": f"s3://{ARTIFACTS}/canaries/{name}/",
        "artifactConfig": {"s3Encryption": {"encryptionMode": "SSE_KMS", "kmsKeyArn": UNKNOWN_STRING}},
        "schedule": {"expression": "rate(5 minutes)"}, "startCanary": True,
        "runConfig": {"timeoutInSeconds": 60, "environmentVariables": environment},
        "tags": tags(Role="canary", Canary=role)},
        property_dependencies={"artifactConfig": [CANARY_KEY.urn]})


API = canary("api", {"BASE_URL": f"https://{DOMAIN}", "STEPS": json.dumps(API_STEPS), "TIMEOUT_MS": "5000"})
HOME = canary("home", {"PAGE_URL": f"https://{DOMAIN}/", "STEP": "home-page", "TIMEOUT_MS": "30000"})
CANARIES = {"api": API, "home": HOME}


def canary_alarm(check: str, severity: str, comparison: str, threshold: float, metric: str, dimensions: dict):
    role = "-".join([dimensions["CanaryName"].removeprefix(PREFIX + "-"), *dimensions.get("StepName", "").split()])
    topic = TOPICS[severity]
    return resource(ALARM_TYPE, f"synthetics-{role}-{check}", {
        "name": f"{PREFIX}-{role}-{check}", "namespace": "CloudWatchSynthetics", "metricName": metric,
        "dimensions": dimensions, "statistic": "Minimum" if metric == "SuccessPercent" else "Maximum", "period": 300,
        "evaluationPeriods": 1 if severity == "critical" else 3, "datapointsToAlarm": 1 if severity == "critical" else 3,
        "comparisonOperator": comparison, "threshold": threshold, "treatMissingData": "breaching",
        "actionsEnabled": True, "alarmActions": [UNKNOWN_STRING], "okActions": [UNKNOWN_STRING],
        "tags": tags(Role="monitoring", Check=check, Severity=severity)},
        property_dependencies={"alarmActions": [topic.urn], "okActions": [topic.urn]})


SUCCESS_ALARMS = {role: canary_alarm("canary-success", "critical", "LessThanThreshold", 100, "SuccessPercent",
                                     {"CanaryName": c.properties["name"]}) for role, c in CANARIES.items()}
STEP_ALARMS = {
    **{s["path"]: canary_alarm("canary-api-duration", "warning", "GreaterThanThreshold", 500, "Duration",
                               {"CanaryName": API.properties["name"], "StepName": s["step"]}) for s in API_STEPS},
    "/": canary_alarm("canary-page-duration", "warning", "GreaterThanThreshold", 3000, "Duration",
                      {"CanaryName": HOME.properties["name"], "StepName": "home-page"}),
}
SYNTHETICS = [CANARY_KEY, BUCKET, LOGGING, LIFECYCLE, API, HOME, *SUCCESS_ALARMS.values(), *STEP_ALARMS.values()]


def subscription(severity: str, kind: str, protocol: str, endpoint: object) -> object:
    topic = TOPICS[severity]
    return resource("aws:sns/topicSubscription:TopicSubscription", f"monitoring-{severity}-{kind}", {
        "topic": UNKNOWN_STRING, "protocol": protocol, "endpoint": endpoint},
        property_dependencies={"topic": [topic.urn]})


SUBSCRIPTIONS = {
    ("critical", "email"): subscription("critical", "email", "email", "oncall@chatpdd.com"),
    ("critical", "chat"): subscription("critical", "chat", "https", secret("https://chat.example/hook/x")),
    ("critical", "pager"): subscription("critical", "pager", "https", secret("https://pager.example/x")),
    ("warning", "email"): subscription("warning", "email", "email", "platform-alerts@chatpdd.com"),
    ("warning", "chat"): subscription("warning", "chat", "https", secret("https://chat.example/hook/x")),
    ("info", "email"): subscription("info", "email", "email", "platform-metrics@chatpdd.com"),
}

DR_KEY = resource("aws:kms/key:Key", "database-dr-key", {
    "enableKeyRotation": True, "deletionWindowInDays": 30, "tags": tags(Role="db-dr-kms")}, protect=True)
REPLICATION = resource(
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication", "database-backups-replication", {
        "sourceDbInstanceArn": f"arn:aws:rds:us-east-1:111122223333:db:{PRIMARY.properties['identifier']}",
        "kmsKeyId": UNKNOWN_STRING, "retentionPeriod": 30},
    property_dependencies={"kmsKeyId": [DR_KEY.urn]}, protect=True)
