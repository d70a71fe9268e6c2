"""Misconfigured variants of the program for the fidelity test: the same program with resources edited
by (type, name) through a stack transformation, so the engine and the offline gate run the *same* source.

A stack transformation (``pulumi.runtime.register_stack_transformation``) runs in the program's own
process before a resource is registered, under the real language host and under the gate's mocks alike.
Each variant batches edits that do not mask one another; together they break every policy of the pack at
least once (the test checks that, against the pack's own policy list).
"""

from __future__ import annotations

import json
from typing import Any

from tests.engine.harness import REPO_ROOT

# (type token, logical name) -> {"props": {python_prop: value}, "protect": bool, "retain_on_delete": bool,
# "ignore_changes": [...],
# "computed": {python_prop: [source type::name, output, JSON template with @VALUE@]}}
Edits = dict[str, dict[str, Any]]

OPEN_POLICY = '{"Version": "2012-10-17", "Statement": []}'
ADMIN_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
# Any token of the Vercel team may assume the role: no aud/sub condition (any project, any environment).
UNPINNED_OIDC_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
    "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/oidc.vercel.com/team_chatpdd"}}]})

DATA_TIER: Edits = {
    "aws:rds/instance:Instance::database-primary": {"props": {
        "storage_encrypted": False,  # aws-rds-instance-enable-storage-encryption
        "publicly_accessible": True,  # ...-disallow-public-access
        "deletion_protection": False,  # ...-enable-deletion-protection
        "iam_database_authentication_enabled": False,  # ...-enable-iam-authentication
        "multi_az": False,  # ...-enable-multi-az
        "backup_retention_period": 1,  # ...-configure-backup-retention
        "skip_final_snapshot": True,  # ...-enable-final-snapshot
        "performance_insights_enabled": False,  # ...-enable-performance-insights
        "monitoring_interval": 0,  # ...-enable-enhanced-monitoring
        "ca_cert_identifier": "rds-ca-2019",  # ...-configure-ca-certificate
        "parameter_group_name": "default.postgres16",  # ...-configure-parameter-group
    }},
    "aws:rds/parameterGroup:ParameterGroup::database-parameters": {"props": {"parameters": [
        {"name": "rds.force_ssl", "value": "0", "apply_method": "pending-reboot"},  # ...-enforce-ssl
        {"name": "log_min_duration_statement", "value": "-1", "apply_method": "immediate"},  # slow query log
        {"name": "max_connections", "value": "800", "apply_method": "pending-reboot"},
    ]}},
    "aws:rds/proxy:Proxy::database-proxy": {"props": {"require_tls": False}},  # aws-rds-proxy-enforce-tls
    "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup::database-proxy-pool": {
        "props": {"connection_pool_config": {"max_connections_percent": 1}}},  # ...-configure-connection-pool
    "aws:kms/key:Key::database-key": {"props": {"enable_key_rotation": False}},  # aws-kms-key-enable-rotation
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::database-proxy-from-app-0": {
        "props": {"cidr_ipv4": "0.0.0.0/0"}},  # aws-ec2-security-group-disallow-public-postgres-ingress
    "aws:backup/selection:Selection::storage-backup-selection": {
        "props": {"resources": ["arn:aws:rds:us-east-1:111122223333:db:some-other-db"]}},  # backup coverage
    "rediscloud:index/subscriptionDatabase:SubscriptionDatabase::cache-database": {"props": {
        "replication": False,  # rediscloud-...-enable-replication
        "enable_tls": False,  # ...-enable-tls
        "source_ips": ["0.0.0.0/0"],  # ...-disallow-public-access
        "data_persistence": "none",  # ...-enable-persistence
        "alerts": [],  # ...-configure-alerts
        "password": None,  # ...-configure-password
    }},
    "rediscloud:index/subscription:Subscription::cache-subscription": {"props": {
        "cloud_provider": {"provider": "AWS", "regions": [{  # rediscloud-subscription-enable-multi-az
            "region": "us-east-1", "networking_deployment_cidr": "10.41.0.0/24",
            "multiple_availability_zones": False}]}}},
}

STORAGE_AND_APP: Edits = {
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock::storage-uploads-public-access": {
        "props": {"block_public_acls": False}},  # aws-s3-bucket-block-public-access
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration::storage-uploads-encryption": {
        "props": {"rules": [{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}]}},  # sse-kms-cmk
    "aws:s3/bucketVersioning:BucketVersioning::storage-uploads-versioning": {
        "props": {"versioning_configuration": {"status": "Suspended"}}},  # aws-s3-bucket-enable-versioning
    "aws:s3/bucketPolicy:BucketPolicy::storage-uploads-policy": {"props": {"policy": OPEN_POLICY}},  # enforce-tls
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration::storage-backups-lifecycle": {"props": {"rules": [
        {"id": "expire-backups", "status": "Enabled", "filter": {}, "expiration": {"days": 1}}]}},  # backups retention
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration::storage-backups-object-lock": {"props": {
        "rule": {"default_retention": {"mode": "NONE", "days": 30}}}},  # backups object lock
    "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration::storage-uploads-cors": {"props": {"cors_rules": [
        {"allowed_methods": ["GET"], "allowed_origins": ["*"]}]}},  # app-disallow-wildcard-cors
    "aws:sns/topic:Topic::monitoring-critical": {"props": {"kms_master_key_id": None}},  # sns encryption
    "aws:route53/healthCheck:HealthCheck::monitoring-app-health": {"props": {"type": "HTTP", "port": 80}},
    "aws:cloudwatch/metricAlarm:MetricAlarm::monitoring-response-time-warning": {
        "props": {"threshold": 100000}},  # monitoring-configure-required-alarms
    "aws:kms/key:Key::storage-kms": {"protect": False},  # stack-protect-stateful-resources
    "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable::app-env-session-timeout-hours": {
        "props": {"value": "240"}},  # vercel-env-var-configure-session-timeout
    "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable::app-env-cache-ttl-session-seconds": {
        "props": {"value": "1"}},  # vercel-env-var-configure-cache-ttls
    "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable::app-env-jwt-secret": {
        "props": {"sensitive": False}},  # vercel-env-var-require-sensitive-secrets
    "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable::app-env-database-url": {
        "props": {"key": "DATABASE_URL_UNUSED"}},  # vercel-project-configure-required-env-vars
    "vercel:index/firewallConfig:FirewallConfig::app-firewall": {"props": {"rules": {"rules": []}}},  # rate limit
    "vercel:index/projectRoute:ProjectRoute::app-security-headers": {
        "props": {"route": {"src": "/(.*)", "headers": {"X-Frame-Options": "DENY"}}}},  # security headers
    "random:index/randomPassword:RandomPassword::app-session-secret": {
        "props": {"length": 16}},  # random-password-configure-strength
    "aws:iam/rolePolicy:RolePolicy::app-metrics-role-policy": {"props": {"policy": ADMIN_POLICY}},  # wildcard grants
    "aws:iam/role:Role::app-uploads-role": {
        "props": {"assume_role_policy": UNPINNED_OIDC_TRUST}},  # aws-iam-role-restrict-oidc-trust
}

# Issue 17, default deny: inputs no named policy reads, one per class, blocked by the classification table
# (stack-inputs-allow-only-classified); and security-relevant inputs UNKNOWN at a real preview ("computed":
# derived from another resource's output, which the engine does not know at preview and the gate's mocks do):
# a `*`-on-`*` grant beside a computed key ARN, and deleteAutomatedBackups computed from a key's ARN.
DEFAULT_DENY: Edits = {
    "aws:s3/bucket:Bucket::storage-uploads": {"props": {"force_destroy": True}},  # deletion
    "aws:kms/key:Key::storage-kms": {"props": {"deletion_window_in_days": 7}},  # deletion
    "aws:route53/healthCheck:HealthCheck::monitoring-app-health": {"props": {"disabled": True}},  # alerts
    "aws:rds/proxy:Proxy::database-proxy": {"props": {"debug_logging": True}},  # managed-service defaults
    "vercel:index/project:Project::app-project": {"props": {"git_fork_protection": False}},  # managed defaults
    "aws:ec2/flowLog:FlowLog::network-flow-log": {"props": {
        "traffic_type": "REJECT",  # managed defaults
        "log_destination": "arn:aws:logs:us-east-1:999988887777:log-group:collector"}},  # references: logs leave
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::database-proxy-from-app-0": {
        "props": {"cidr_ipv6": "2002::/16"}},  # address space: 6to4 carries every IPv4 host
    "vercel:index/projectRoute:ProjectRoute::app-security-headers": {"props": {"route": {"src": "/(.*)", "headers": {
        "Content-Security-Policy": "default-src 'self'; script-src 'self' https://cdn.jsdelivr.net; object-src 'none'; "
                                   "base-uri 'self'; frame-ancestors 'none'",  # headers: anyone's scripts, no form-action
        "Permissions-Policy": "usb=()"}}}},  # headers: camera, microphone, geolocation not denied
    "aws:kms/key:Key::database-key": {"ignore_changes": ["enableKeyRotation"]},  # resource options
    # an option the pack never sees: the real preview blocks it through `gate preview-summary` (the step events)
    "aws:s3/bucket:Bucket::storage-backups": {"retain_on_delete": True},
    "aws:kms/key:Key::database-dr-key": {"props": {"policy": json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "kms:Decrypt",
         "Resource": "*"}]})}},  # grants: another account decrypts the DR backups
    "aws:s3/bucketPolicy:BucketPolicy::storage-access-logs-policy": {"computed": {"policy": [
        "aws:kms/key:Key::storage-kms", "arn", json.dumps(json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::chatpdd-production-access-logs/*",
             "Condition": {"StringEquals": {"aws:SourceArn": "@VALUE@"}}},
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "*",
             "Resource": "*"}]}))]}},  # grants, unknown at preview (and '*' on '*': the gate, which sees the
    # document, must block it for the same policies as the engine, which fails closed on it)
    "aws:rds/instance:Instance::database-primary": {"computed": {
        "delete_automated_backups": ["aws:kms/key:Key::database-key", "arn", "true"]}},  # unknown at preview
    "aws:iam/rolePolicy:RolePolicy::app-metrics-role-policy": {"computed": {"policy": [
        "aws:kms/key:Key::storage-kms", "arn", json.dumps(json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "@VALUE@"},
            {"Effect": "Allow", "Action": "*", "Resource": "*"}]}))]}},  # grants, unknown at preview
}
# (policy, resource type::name) whose value the engine cannot know at preview: the verdict must be the same on both
# sides, the words differ (the engine: "unknown at preview, so ... cannot be verified"; the gate: the problem).
UNKNOWN_AT_PREVIEW = {
    ("stack-inputs-allow-only-classified", "aws:rds/instance:Instance::database-primary"),
    ("aws-iam-policy-disallow-wildcard-grants", "aws:iam/rolePolicy:RolePolicy::app-metrics-role-policy"),
    ("aws-iam-policy-restrict-foreign-principals", "aws:s3/bucketPolicy:BucketPolicy::storage-access-logs-policy"),
    ("aws-iam-policy-disallow-wildcard-grants", "aws:s3/bucketPolicy:BucketPolicy::storage-access-logs-policy"),
    ("aws-s3-bucket-enforce-tls", "aws:s3/bucketPolicy:BucketPolicy::storage-access-logs-policy"),
}

REPLICAS: Edits = {
    # The only replica follows another database: the primary has none (aws-rds-instance-configure-read-replicas).
    "aws:rds/instance:Instance::database-replica-1": {"props": {"replicate_source_db": "some-other-db"}},
}

# Issue 20: canaries, their alarms and artifacts, the DR replication of the backups, alerts that reach people.
OBSERVABILITY: Edits = {
    "aws:synthetics/canary:Canary::synthetics-api": {"props": {
        "runtime_version": "syn-nodejs-puppeteer-3.9",  # synthetics-canary-configure-runtime
        "schedule": {"expression": "rate(60 minutes)"},  # synthetics-canary-configure-coverage
        "artifact_config": {"s3_encryption": {"encryption_mode": "SSE_S3"}},  # ...-enable-artifact-encryption
    }},
    "aws:cloudwatch/metricAlarm:MetricAlarm::synthetics-home-canary-canary-success": {
        "props": {"treat_missing_data": "notBreaching"}},  # synthetics-canary-configure-alarms
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication::database-backups-replication": {
        "props": {"retention_period": 7}},  # aws-rds-instance-configure-backup-replication
    "aws:sns/topicSubscription:TopicSubscription::monitoring-warning-chat": {
        "props": {"protocol": "email"}},  # sns-topic-require-subscriptions (the warning topic reaches no chat)
}

VARIANTS: dict[str, Edits] = {"data-tier": DATA_TIER, "storage-and-app": STORAGE_AND_APP, "replicas": REPLICAS,
                              "default-deny": DEFAULT_DENY, "observability": OBSERVABILITY}

PRELUDE = '''\
# --- engine tests: a misconfigured variant of __main__.py (tests/engine/variants.py) ---
import json as _engine_test_json

import pulumi as _engine_test_pulumi

_ENGINE_TEST_EDITS = _engine_test_json.loads({edits!r})
_ENGINE_TEST_SEEN = {{}}  # type::name -> the resource, for "computed" edits (an output of an earlier resource)


def _engine_test_computed(source, attr, template):
    output = getattr(_ENGINE_TEST_SEEN[source], attr)
    return output.apply(lambda value: _engine_test_json.loads(template.replace("@VALUE@", value)))


def _engine_test_misconfigure(args):
    _ENGINE_TEST_SEEN[args.type_ + "::" + args.name] = args.resource
    edit = _ENGINE_TEST_EDITS.get(args.type_ + "::" + args.name)
    if edit is None:
        return None
    opts = args.opts
    if "protect" in edit:
        opts = _engine_test_pulumi.ResourceOptions.merge(opts, _engine_test_pulumi.ResourceOptions(protect=edit["protect"]))
    if "retain_on_delete" in edit:
        opts = _engine_test_pulumi.ResourceOptions.merge(
            opts, _engine_test_pulumi.ResourceOptions(retain_on_delete=edit["retain_on_delete"]))
    if "ignore_changes" in edit:
        opts = _engine_test_pulumi.ResourceOptions.merge(
            opts, _engine_test_pulumi.ResourceOptions(ignore_changes=edit["ignore_changes"]))
    props = {{**args.props, **edit.get("props", {{}})}}
    for prop, (source, attr, template) in edit.get("computed", {{}}).items():
        props[prop] = _engine_test_computed(source, attr, template)
    return _engine_test_pulumi.ResourceTransformationResult(props, opts)


_engine_test_pulumi.runtime.register_stack_transformation(_engine_test_misconfigure)
# --- end of the engine tests' prelude; the committed __main__.py follows ---
'''


def variant_source(edits: Edits) -> str:
    return PRELUDE.format(edits=json.dumps(edits)) + (REPO_ROOT / "__main__.py").read_text(encoding="utf-8")
