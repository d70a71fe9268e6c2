"""pulumi-aws type tokens -> Terraform resource types, and Pulumi property names -> Terraform attributes.

pulumi-aws is bridged from the Terraform AWS provider, so each resource *is* a Terraform resource under
another name: checkov (which has no Pulumi support) can scan the program's resources once they are
written as a Terraform plan with these names. Only AWS resources are exported: checkov has no checks
for rediscloud, vercel or random, and providers and components are not resources in Terraform.

The table lists every AWS type the program registers (``tests/gate`` fails when one is missing, so a new
resource type cannot silently escape checkov) plus their close relatives.
"""

from __future__ import annotations

import re
from typing import Any

PULUMI_TO_TERRAFORM: dict[str, str] = {
    # KMS
    "aws:kms/key:Key": "aws_kms_key",
    "aws:kms/alias:Alias": "aws_kms_alias",
    # RDS
    "aws:rds/instance:Instance": "aws_db_instance",
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication":
        "aws_db_instance_automated_backups_replication",
    "aws:rds/parameterGroup:ParameterGroup": "aws_db_parameter_group",
    "aws:rds/subnetGroup:SubnetGroup": "aws_db_subnet_group",
    "aws:rds/proxy:Proxy": "aws_db_proxy",
    "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup": "aws_db_proxy_default_target_group",
    "aws:rds/proxyTarget:ProxyTarget": "aws_db_proxy_target",
    "aws:rds/proxyEndpoint:ProxyEndpoint": "aws_db_proxy_endpoint",
    # Secrets Manager
    "aws:secretsmanager/secret:Secret": "aws_secretsmanager_secret",
    "aws:secretsmanager/secretVersion:SecretVersion": "aws_secretsmanager_secret_version",
    # Network
    "aws:ec2/vpc:Vpc": "aws_vpc",
    "aws:ec2/subnet:Subnet": "aws_subnet",
    "aws:ec2/routeTable:RouteTable": "aws_route_table",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "aws_route_table_association",
    "aws:ec2/route:Route": "aws_route",
    "aws:ec2/internetGateway:InternetGateway": "aws_internet_gateway",
    "aws:ec2/natGateway:NatGateway": "aws_nat_gateway",
    "aws:ec2/eip:Eip": "aws_eip",
    "aws:ec2/flowLog:FlowLog": "aws_flow_log",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "aws_vpc_endpoint",
    "aws:ec2/networkAcl:NetworkAcl": "aws_network_acl",
    "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl": "aws_default_network_acl",
    "aws:ec2/defaultRouteTable:DefaultRouteTable": "aws_default_route_table",
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": "aws_vpc_peering_connection",
    "aws:ec2/securityGroup:SecurityGroup": "aws_security_group",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "aws_default_security_group",
    "aws:ec2/securityGroupRule:SecurityGroupRule": "aws_security_group_rule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "aws_vpc_security_group_ingress_rule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "aws_vpc_security_group_egress_rule",
    # S3 (AWS v7: one resource per bucket concern; the ...V2 names are deprecated aliases)
    "aws:s3/bucket:Bucket": "aws_s3_bucket",
    "aws:s3/bucketV2:BucketV2": "aws_s3_bucket",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
        "aws_s3_bucket_server_side_encryption_configuration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2":
        "aws_s3_bucket_server_side_encryption_configuration",
    "aws:s3/bucketVersioning:BucketVersioning": "aws_s3_bucket_versioning",
    "aws:s3/bucketVersioningV2:BucketVersioningV2": "aws_s3_bucket_versioning",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "aws_s3_bucket_public_access_block",
    "aws:s3/bucketPolicy:BucketPolicy": "aws_s3_bucket_policy",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "aws_s3_bucket_lifecycle_configuration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2": "aws_s3_bucket_lifecycle_configuration",
    "aws:s3/bucketObjectv2:BucketObjectv2": "aws_s3_object",
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": "aws_s3_bucket_object_lock_configuration",
    "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2":
        "aws_s3_bucket_object_lock_configuration",
    "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration": "aws_s3_bucket_cors_configuration",
    "aws:s3/bucketCorsConfigurationV2:BucketCorsConfigurationV2": "aws_s3_bucket_cors_configuration",
    "aws:s3/bucketLogging:BucketLogging": "aws_s3_bucket_logging",
    "aws:s3/bucketLoggingV2:BucketLoggingV2": "aws_s3_bucket_logging",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "aws_s3_bucket_ownership_controls",
    "aws:s3/bucketNotification:BucketNotification": "aws_s3_bucket_notification",
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": "aws_s3_bucket_replication_configuration",
    # AWS Backup
    "aws:backup/vault:Vault": "aws_backup_vault",
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": "aws_backup_vault_lock_configuration",
    "aws:backup/vaultNotifications:VaultNotifications": "aws_backup_vault_notifications",
    "aws:backup/plan:Plan": "aws_backup_plan",
    "aws:backup/selection:Selection": "aws_backup_selection",
    # IAM
    "aws:iam/role:Role": "aws_iam_role",
    "aws:iam/rolePolicy:RolePolicy": "aws_iam_role_policy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "aws_iam_role_policy_attachment",
    "aws:iam/policy:Policy": "aws_iam_policy",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "aws_iam_openid_connect_provider",
    # Monitoring
    "aws:sns/topic:Topic": "aws_sns_topic",
    "aws:sns/topicPolicy:TopicPolicy": "aws_sns_topic_policy",
    "aws:sns/topicSubscription:TopicSubscription": "aws_sns_topic_subscription",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "aws_cloudwatch_metric_alarm",
    # CloudWatch Synthetics
    "aws:synthetics/canary:Canary": "aws_synthetics_canary",
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": "aws_cloudwatch_composite_alarm",
    "aws:cloudwatch/dashboard:Dashboard": "aws_cloudwatch_dashboard",
    "aws:cloudwatch/logGroup:LogGroup": "aws_cloudwatch_log_group",
    "aws:route53/healthCheck:HealthCheck": "aws_route53_health_check",
}

# Where pulumi-aws renamed a Terraform attribute beyond camelCase (the bridge's overrides).
ATTRIBUTE_RENAMES: dict[tuple[str, str], str] = {
    ("aws_cloudwatch_metric_alarm", "name"): "alarm_name",
    ("aws_cloudwatch_composite_alarm", "name"): "alarm_name",
}

# Attributes that are Terraform maps (free-form keys), not nested blocks: kept as objects, keys unchanged.
MAP_ATTRIBUTES = frozenset({"tags", "tagsAll", "dimensions", "variables", "environment", "metadata", "labels"})

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_IDENTIFIER = re.compile(r"^[a-z][A-Za-z0-9]*$")


def terraform_type(pulumi_type: str) -> str | None:
    """The Terraform type of a Pulumi AWS type, or None if the table has none."""
    return PULUMI_TO_TERRAFORM.get(pulumi_type)


def is_exportable_candidate(pulumi_type: str) -> bool:
    """AWS resources are what checkov can check (providers and components are not resources)."""
    return pulumi_type.startswith("aws:")


def snake(name: str) -> str:
    """``camelCase`` -> ``snake_case``."""
    return _CAMEL.sub("_", name).lower()


def singular(name: str) -> str:
    """Pulumi pluralises repeated nested blocks (``rules``, ``corsRules``, ``metricQueries``); Terraform
    names them in the singular (``rule``, ``cors_rule``, ``metric_query``)."""
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith(("sses", "xes")):
        return name[:-2]
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name


def attribute_name(tf_type: str, pulumi_name: str, value: object) -> str:
    """The Terraform attribute for a Pulumi property (``value`` decides the plural-block rule)."""
    renamed = ATTRIBUTE_RENAMES.get((tf_type, pulumi_name))
    if renamed:
        return renamed
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value) and pulumi_name not in MAP_ATTRIBUTES:
        pulumi_name = singular(pulumi_name)
    return snake(pulumi_name)


def is_map(pulumi_name: str, value: dict[str, Any]) -> bool:
    """A Terraform map rather than a nested block: a known map attribute, or keys that are not
    camelCase property names (``DBInstanceIdentifier``, ``Content-Type``)."""
    return pulumi_name in MAP_ATTRIBUTES or any(not _IDENTIFIER.match(str(k)) for k in value)
