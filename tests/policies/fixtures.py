"""A compliant production resource set (Network, Database, Cache), as a real ``pulumi preview`` of the
program described in docs/architecture.md would send it: explicit names are known, references to
resources created in the same program (ARNs, generated passwords) are UNKNOWN and carried by
``property_dependencies``.

Tests flip ONE property of one of these resources (``harness.with_props``) and expect exactly one
message. Storage / Vercel / Monitoring fixtures belong in their own module.
"""

from __future__ import annotations

from tests.policies.harness import UNKNOWN_STRING, resource, secret

PREFIX = "chatpdd-production"
TAGS = {"Service": "chatpdd", "Stack": "production", "Owner": "platform", "DataClassification": "confidential",
        "ManagedBy": "pulumi"}


def tags(**extra: str) -> dict[str, str]:
    return {**TAGS, **extra}


# --- Database ------------------------------------------------------------------------------------
DB_KEY = resource("aws:kms/key:Key", f"{PREFIX}-db-key", {
    "description": "chatpdd production database", "enableKeyRotation": True, "deletionWindowInDays": 30,
    "tags": tags()}, protect=True)

MONITORING_ROLE = resource("aws:iam/role:Role", f"{PREFIX}-rds-monitoring", {
    "name": f"{PREFIX}-rds-monitoring", "assumeRolePolicy": '{"Version": "2012-10-17"}', "tags": tags()})

PARAMETER_GROUP = resource("aws:rds/parameterGroup:ParameterGroup", f"{PREFIX}-pg16", {
    "name": f"{PREFIX}-pg16", "family": "postgres16", "tags": tags(),
    "parameters": [
        {"name": "rds.force_ssl", "value": "1", "applyMethod": "pending-reboot"},
        {"name": "log_min_duration_statement", "value": "100", "applyMethod": "immediate"},
        {"name": "max_connections", "value": "200", "applyMethod": "pending-reboot"},
    ]})

PRIMARY = resource("aws:rds/instance:Instance", f"{PREFIX}-db", {
    "identifier": f"{PREFIX}-db", "engine": "postgres", "engineVersion": "16.4", "instanceClass": "db.r6g.large",
    "allocatedStorage": 100, "dbName": "chatpdd", "username": "chatpdd", "manageMasterUserPassword": True,
    "multiAz": True, "storageEncrypted": True, "kmsKeyId": UNKNOWN_STRING,
    "backupRetentionPeriod": 30, "deletionProtection": True, "skipFinalSnapshot": False,
    "finalSnapshotIdentifier": f"{PREFIX}-db-final", "iamDatabaseAuthenticationEnabled": True,
    "performanceInsightsEnabled": True, "performanceInsightsKmsKeyId": UNKNOWN_STRING,
    "monitoringInterval": 60, "monitoringRoleArn": UNKNOWN_STRING,
    "enabledCloudwatchLogsExports": ["postgresql", "upgrade"], "caCertIdentifier": "rds-ca-rsa2048-g1",
    "publiclyAccessible": False, "parameterGroupName": f"{PREFIX}-pg16",
    "tags": tags(Role="rds-primary")},
    protect=True, dependencies=[DB_KEY.urn, MONITORING_ROLE.urn, PARAMETER_GROUP.urn],
    property_dependencies={"kmsKeyId": [DB_KEY.urn], "performanceInsightsKmsKeyId": [DB_KEY.urn],
                           "monitoringRoleArn": [MONITORING_ROLE.urn], "parameterGroupName": [PARAMETER_GROUP.urn]})

REPLICA = resource("aws:rds/instance:Instance", f"{PREFIX}-db-replica-1", {
    "identifier": f"{PREFIX}-db-replica-1", "replicateSourceDb": f"{PREFIX}-db", "instanceClass": "db.r6g.large",
    "availabilityZone": "us-east-1b", "skipFinalSnapshot": True, "deletionProtection": True,
    "iamDatabaseAuthenticationEnabled": True, "performanceInsightsEnabled": True,
    "performanceInsightsKmsKeyId": UNKNOWN_STRING, "monitoringInterval": 60, "monitoringRoleArn": UNKNOWN_STRING,
    "caCertIdentifier": "rds-ca-rsa2048-g1", "publiclyAccessible": False, "parameterGroupName": f"{PREFIX}-pg16",
    "tags": tags(Role="rds-replica")},
    protect=True, dependencies=[PRIMARY.urn, DB_KEY.urn, MONITORING_ROLE.urn, PARAMETER_GROUP.urn],
    property_dependencies={"replicateSourceDb": [PRIMARY.urn], "performanceInsightsKmsKeyId": [DB_KEY.urn],
                           "monitoringRoleArn": [MONITORING_ROLE.urn], "parameterGroupName": [PARAMETER_GROUP.urn]})

PROXY_SECRET = resource("aws:secretsmanager/secret:Secret", f"{PREFIX}-db-proxy-credentials", {
    "name": f"{PREFIX}-db-proxy-credentials", "kmsKeyId": UNKNOWN_STRING, "tags": tags()},
    property_dependencies={"kmsKeyId": [DB_KEY.urn]})

PROXY_ROLE = resource("aws:iam/role:Role", f"{PREFIX}-db-proxy", {
    "name": f"{PREFIX}-db-proxy", "assumeRolePolicy": '{"Version": "2012-10-17"}', "tags": tags()})

DB_SG = resource("aws:ec2/securityGroup:SecurityGroup", f"{PREFIX}-db-sg", {
    "name": f"{PREFIX}-db-sg", "description": "PostgreSQL", "vpcId": UNKNOWN_STRING, "tags": tags()})
PROXY_SG = resource("aws:ec2/securityGroup:SecurityGroup", f"{PREFIX}-db-proxy-sg", {
    "name": f"{PREFIX}-db-proxy-sg", "description": "RDS Proxy", "vpcId": UNKNOWN_STRING, "tags": tags()})

DB_FROM_PROXY = resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", f"{PREFIX}-db-from-proxy", {
    "securityGroupId": UNKNOWN_STRING, "referencedSecurityGroupId": UNKNOWN_STRING, "ipProtocol": "tcp",
    "fromPort": 5432, "toPort": 5432, "description": "PostgreSQL from the RDS Proxy", "tags": tags()},
    property_dependencies={"securityGroupId": [DB_SG.urn], "referencedSecurityGroupId": [PROXY_SG.urn]})

PROXY_FROM_APP = resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", f"{PREFIX}-proxy-from-app", {
    "securityGroupId": UNKNOWN_STRING, "cidrIpv4": "10.20.0.0/16", "ipProtocol": "tcp",
    "fromPort": 5432, "toPort": 5432, "description": "PostgreSQL from the Vercel Secure Compute network",
    "tags": tags()},
    property_dependencies={"securityGroupId": [PROXY_SG.urn]})

PROXY = resource("aws:rds/proxy:Proxy", f"{PREFIX}-db-proxy", {
    "name": f"{PREFIX}-db-proxy", "engineFamily": "POSTGRESQL", "requireTls": True, "idleClientTimeout": 1800,
    "auths": [{"authScheme": "SECRETS", "iamAuth": "DISABLED", "secretArn": UNKNOWN_STRING}],
    "roleArn": UNKNOWN_STRING, "vpcSubnetIds": UNKNOWN_STRING, "vpcSecurityGroupIds": UNKNOWN_STRING,
    "tags": tags(Role="rds-proxy")},
    property_dependencies={"auths": [PROXY_SECRET.urn], "roleArn": [PROXY_ROLE.urn],
                           "vpcSecurityGroupIds": [PROXY_SG.urn]})

PROXY_TARGET_GROUP = resource("aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup",
                              f"{PREFIX}-db-proxy-tg", {
    "dbProxyName": f"{PREFIX}-db-proxy",
    "connectionPoolConfig": {"maxConnectionsPercent": 50, "maxIdleConnectionsPercent": 25,
                             "connectionBorrowTimeout": 120}},
    property_dependencies={"dbProxyName": [PROXY.urn]})

PROXY_TARGET = resource("aws:rds/proxyTarget:ProxyTarget", f"{PREFIX}-db-proxy-target", {
    "dbProxyName": f"{PREFIX}-db-proxy", "targetGroupName": "default", "dbInstanceIdentifier": f"{PREFIX}-db"},
    property_dependencies={"dbProxyName": [PROXY.urn], "targetGroupName": [PROXY_TARGET_GROUP.urn],
                           "dbInstanceIdentifier": [PRIMARY.urn]})

PROXY_READ_ENDPOINT = resource("aws:rds/proxyEndpoint:ProxyEndpoint", f"{PREFIX}-db-proxy-ro", {
    "dbProxyName": f"{PREFIX}-db-proxy", "dbProxyEndpointName": f"{PREFIX}-db-proxy-ro",
    "targetRole": "READ_ONLY", "vpcSubnetIds": UNKNOWN_STRING, "tags": tags()},
    property_dependencies={"dbProxyName": [PROXY.urn]})

DATABASE = [DB_KEY, MONITORING_ROLE, PARAMETER_GROUP, PRIMARY, REPLICA, PROXY_SECRET, PROXY_ROLE, DB_SG, PROXY_SG,
            DB_FROM_PROXY, PROXY_FROM_APP, PROXY, PROXY_TARGET_GROUP, PROXY_TARGET, PROXY_READ_ENDPOINT]

# --- Cache ---------------------------------------------------------------------------------------
REDIS_SUBSCRIPTION = resource("rediscloud:index/subscription:Subscription", f"{PREFIX}-redis", {
    "name": f"{PREFIX}-redis", "memoryStorage": "ram", "paymentMethod": "credit-card",
    "cloudProvider": {"provider": "AWS", "regions": [
        {"region": "us-east-1", "networkingDeploymentCidr": "10.41.0.0/24", "multipleAvailabilityZones": True}]},
    "creationPlan": {"memoryLimitInGb": 2, "quantity": 1, "replication": True}}, protect=True)

REDIS_PASSWORD = resource("random:index/randomPassword:RandomPassword", f"{PREFIX}-redis-password", {
    "length": 32, "special": False}, additional_secret_outputs=["result"])

REDIS_DB = resource("rediscloud:index/subscriptionDatabase:SubscriptionDatabase", f"{PREFIX}-redis-db", {
    "subscriptionId": UNKNOWN_STRING, "name": f"{PREFIX}-cache", "protocol": "redis", "memoryLimitInGb": 2,
    "throughputMeasurementBy": "operations-per-second", "throughputMeasurementValue": 25000,
    "dataPersistence": "aof-every-1-second", "dataEviction": "volatile-lru", "replication": True,
    "enableTls": True, "password": secret(UNKNOWN_STRING), "sourceIps": ["10.20.0.0/16"],
    "alerts": [{"name": "dataset-size", "value": 80}, {"name": "latency", "value": 5}],
    "remoteBackup": {"interval": "every-6-hours", "storageType": "aws-s3",
                     "storagePath": "s3://chatpdd-production-backups/redis"}},
    protect=True, property_dependencies={"subscriptionId": [REDIS_SUBSCRIPTION.urn],
                                         "password": [REDIS_PASSWORD.urn]})

CACHE = [REDIS_SUBSCRIPTION, REDIS_PASSWORD, REDIS_DB]

ALL = DATABASE + CACHE

# The policies whose resource types this module covers (Network, Database, Cache). Protocol tests
# judge the compliant set by these; storage / Vercel / monitoring policies need their own fixtures.
COVERED_POLICIES = frozenset({
    "aws-ec2-security-group-disallow-public-postgres-ingress",
    "random-password-configure-strength",
    "rediscloud-subscription-enable-multi-az",
    "aws-rds-instance-configure-backup-retention",
    "aws-rds-instance-configure-ca-certificate",
    "aws-rds-instance-configure-parameter-group",
    "aws-rds-instance-configure-read-replicas",
    "aws-rds-instance-disallow-public-access",
    "aws-rds-instance-enable-deletion-protection",
    "aws-rds-instance-enable-enhanced-monitoring",
    "aws-rds-instance-enable-final-snapshot",
    "aws-rds-instance-enable-iam-authentication",
    "aws-rds-instance-enable-multi-az",
    "aws-rds-instance-enable-performance-insights",
    "aws-rds-instance-enable-storage-encryption",
    "aws-rds-parameter-group-configure-slow-query-log",
    "aws-rds-parameter-group-enforce-ssl",
    "aws-rds-proxy-configure-connection-pool",
    "aws-rds-proxy-enforce-tls",
    "rediscloud-subscription-database-configure-alerts",
    "rediscloud-subscription-database-configure-password",
    "rediscloud-subscription-database-disallow-public-access",
    "rediscloud-subscription-database-enable-persistence",
    "rediscloud-subscription-database-enable-replication",
    "rediscloud-subscription-database-enable-tls",
})
