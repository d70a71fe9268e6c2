"""Which input changes make the provider REPLACE a resource (delete it and create a new one).

Pulumi's Python SDKs do not carry this: the engine learns it from the provider's ``Diff`` at preview,
which needs the provider plugin and the live state. The offline change review (gate/review/changes.py) needs it
for the stateful types this program uses, so it is curated here, one entry per type, each with the
provider source it was read from. The bridged providers (pulumi-aws, pulumi-rediscloud, pulumiverse-vercel)
take it from their Terraform provider's schema: ``ForceNew: true`` (SDKv2) or a ``RequiresReplace`` plan
modifier (plugin framework); pulumi-rediscloud's docs mark it "Modifying this attribute will force
creation of a new resource".

Keys are Pulumi type tokens, values top-level input properties in wire (camelCase) form -- the form the
registrations carry. Only top-level inputs: a nested field that forces replacement (e.g. inside
``restoreToPointInTime``) makes its whole top-level input count, which is what a review needs. The list
errs on the side of what the provider documents, not what it might do: an input missing here is reported
as an update. Keep it in step with the provider versions in requirements.txt (tests/gate/test_replacements.py
checks every entry against the installed SDK's input names).
"""

from __future__ import annotations

from typing import Final

_TF_AWS = "hashicorp/terraform-provider-aws"

REPLACE_ON_CHANGE: Final[dict[str, tuple[str, ...]]] = {
    "aws:rds/instance:Instance": (
        "availabilityZone", "characterSetName", "customIamInstanceProfile", "dbName", "engine", "identifier",
        "identifierPrefix", "kmsKeyId", "ncharCharacterSetName", "restoreToPointInTime", "snapshotIdentifier",
        "storageEncrypted", "timezone", "username"),
    "aws:rds/subnetGroup:SubnetGroup": ("name", "namePrefix"),
    "aws:rds/parameterGroup:ParameterGroup": ("description", "family", "name", "namePrefix"),
    # The proxy's name is NOT here: the provider renames a proxy in place (ModifyDBProxy NewDBProxyName).
    "aws:rds/proxy:Proxy": ("endpointNetworkType", "engineFamily", "targetConnectionNetworkType", "vpcSubnetIds"),
    "aws:s3/bucket:Bucket": ("bucket", "bucketPrefix", "objectLockEnabled"),
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": (
        "kmsKeyId", "preSignedUrl", "retentionPeriod", "sourceDbInstanceArn"),
    "aws:synthetics/canary:Canary": ("name",),
    "aws:kms/key:Key": ("customKeyStoreId", "customerMasterKeySpec", "keyUsage", "multiRegion", "xksKeyId"),
    "aws:secretsmanager/secret:Secret": ("name", "namePrefix"),
    "aws:backup/vault:Vault": ("kmsKeyArn", "name"),
    "rediscloud:index/subscription:Subscription": ("cloudProvider", "memoryStorage", "paymentMethod"),
    "rediscloud:index/subscriptionDatabase:SubscriptionDatabase": ("modules", "port", "protocol", "subscriptionId"),
    "vercel:index/project:Project": ("teamId",),
}

# Where each entry was read. The Terraform schema files are the provider source pulumi-aws bridges.
SOURCES: Final[dict[str, str]] = {
    "aws:rds/instance:Instance":
        f"{_TF_AWS} internal/service/rds/instance.go, resourceInstance schema: ForceNew on availability_zone, "
        "character_set_name, custom_iam_instance_profile, db_name, engine, identifier, identifier_prefix, "
        "kms_key_id, nchar_character_set_name, restore_to_point_in_time, snapshot_identifier, storage_encrypted, "
        "timezone, username",
    "aws:rds/subnetGroup:SubnetGroup":
        f"{_TF_AWS} internal/service/rds/subnet_group.go: ForceNew on name, name_prefix (description and "
        "subnet_ids are ModifyDBSubnetGroup updates)",
    "aws:rds/parameterGroup:ParameterGroup":
        f"{_TF_AWS} internal/service/rds/parameter_group.go: ForceNew on description, family, name, name_prefix "
        "(parameters are ModifyDBParameterGroup updates)",
    "aws:rds/proxy:Proxy":
        f"{_TF_AWS} internal/service/rds/proxy.go: ForceNew on endpoint_network_type, engine_family, "
        "target_connection_network_type, vpc_subnet_ids; name changes go through ModifyDBProxy(NewDBProxyName)",
    "aws:s3/bucket:Bucket":
        f"{_TF_AWS} internal/service/s3/bucket.go: ForceNew on bucket, bucket_prefix, object_lock_enabled "
        "(pulumi-aws docs: aws.s3.Bucket 'bucket' -- a bucket name cannot change)",
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication":
        f"{_TF_AWS} internal/service/rds/instance_automated_backups_replication.go: create, read and delete only "
        "(no update): ForceNew on kms_key_id, pre_signed_url, retention_period, source_db_instance_arn",
    "aws:synthetics/canary:Canary":
        f"{_TF_AWS} internal/service/synthetics/canary.go: ForceNew on name (the rest are UpdateCanary updates)",
    "aws:kms/key:Key":
        f"{_TF_AWS} internal/service/kms/key.go: ForceNew on custom_key_store_id, customer_master_key_spec, "
        "key_usage, multi_region, xks_key_id",
    "aws:secretsmanager/secret:Secret":
        f"{_TF_AWS} internal/service/secretsmanager/secret.go: ForceNew on name, name_prefix (description, "
        "kms_key_id, policy, replica are updates)",
    "aws:backup/vault:Vault":
        f"{_TF_AWS} internal/service/backup/vault.go: ForceNew on kms_key_arn, name (update is tags only)",
    "rediscloud:index/subscription:Subscription":
        "pulumi-rediscloud 1.3.3 SDK docs (RedisLabs/terraform-provider-rediscloud rediscloud_subscription): "
        "cloud_provider, memory_storage, payment_method -- 'Modifying this attribute will force creation of a "
        "new resource.'",
    "rediscloud:index/subscriptionDatabase:SubscriptionDatabase":
        "pulumi-rediscloud 1.3.3 SDK docs (rediscloud_subscription_database): subscription_id, modules, port, "
        "protocol -- 'Modifying this attribute will force creation of a new resource.'",
    "vercel:index/project:Project":
        "vercel/terraform-provider-vercel vercel/resource_project.go (bridged by pulumiverse-vercel): team_id "
        "has a RequiresReplace plan modifier; a project cannot move between teams",
}


def replace_paths(type_: str, changed: list[str]) -> list[str]:
    """The changed paths (``a.b[0]``-style, top-level first segment) that force a replacement of ``type_``."""
    forcing = set(REPLACE_ON_CHANGE.get(type_, ()))
    return [p for p in changed if _top(p) in forcing]


def _top(path: str) -> str:
    return path.split(".", 1)[0].split("[", 1)[0]
