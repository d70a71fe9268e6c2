"""RDS primary, replicas and proxy against the checklist."""

from __future__ import annotations

from collections.abc import Callable

from botocore.exceptions import ClientError

from ops.aws import Client, Record, error_code, same_kms_key
from ops.outputs import Database
from ops.verify.result import Result, expect
from stacks.checklist import BACKUP_RETENTION_DAYS, MIN_POOL_CONNECTIONS


def describe(call: Callable[..., Record], key: str, not_found: str, **kwargs: str) -> Record | None:
    """First item of a describe call, or None when AWS says it does not exist."""
    try:
        items: list[Record] = call(**kwargs)[key]
    except ClientError as exc:
        if error_code(exc) == not_found:
            return None
        raise
    return items[0] if items else None


def check_primary(primary: Record, db: Database) -> list[Result]:
    """The primary's encryption, Multi-AZ, retention and deletion protection."""
    name = db.primary_identifier
    key = primary.get("KmsKeyId")
    if not primary.get("StorageEncrypted"):
        encryption = ["storage not encrypted"]
    elif not same_kms_key(key, db.kms_key_arn):
        encryption = [f"encrypted with {key}, expected {db.kms_key_arn}"]
    else:
        encryption = []
    retention = primary.get("BackupRetentionPeriod", 0)
    return [
        expect("rds-primary-encryption", name, encryption, f"encrypted with {key}"),
        expect("rds-primary-multi-az", name, [] if primary.get("MultiAZ") else ["MultiAZ is false"], "Multi-AZ"),
        expect("rds-primary-backup-retention", name,
               [] if retention >= BACKUP_RETENTION_DAYS
               else [f"backup retention {retention} days < {BACKUP_RETENTION_DAYS} (checklist)"],
               f"{retention} days"),
        expect("rds-primary-deletion-protection", name,
               [] if primary.get("DeletionProtection") else ["deletion protection is off"], "enabled"),
    ]


def check_replica(rds: Client, identifier: str, primary: str) -> Result:
    """One replica exists and replicates from the primary."""
    replica = describe(rds.describe_db_instances, "DBInstances", "DBInstanceNotFound",
                       DBInstanceIdentifier=identifier)
    if replica is None:
        return Result("rds-replica", identifier, False, "instance not found")
    problems = []
    if replica.get("ReadReplicaSourceDBInstanceIdentifier") != primary:
        problems.append(f"source is {replica.get('ReadReplicaSourceDBInstanceIdentifier')}, expected {primary}")
    if replica.get("DBInstanceStatus") != "available":
        problems.append(f"status {replica.get('DBInstanceStatus')}")
    if not replica.get("StorageEncrypted"):
        problems.append("storage not encrypted")
    return expect("rds-replica", identifier, problems, f"replica of {primary}, available")


def max_connections(rds: Client, primary: Record) -> int | None:
    """The explicit max_connections of the primary's parameter group (the program always sets it)."""
    for group in primary.get("DBParameterGroups", []):
        pages = rds.get_paginator("describe_db_parameters").paginate(
            DBParameterGroupName=group["DBParameterGroupName"], Source="user")
        for page in pages:
            for p in page["Parameters"]:
                if p["ParameterName"] == "max_connections" and str(p.get("ParameterValue", "")).isdigit():
                    return int(p["ParameterValue"])
    return None


def check_proxy(rds: Client, db: Database, primary: Record | None) -> list[Result]:
    """The RDS Proxy requires TLS and its pool meets the checklist's minimum."""
    name = db.proxy_name
    proxy = describe(rds.describe_db_proxies, "DBProxies", "DBProxyNotFoundFault", DBProxyName=name)
    if proxy is None:
        return [Result("rds-proxy", name, False, "proxy not found")]
    tls = expect("rds-proxy-tls", name, [] if proxy.get("RequireTLS") else ["RequireTLS is false"], "RequireTLS")
    groups = rds.describe_db_proxy_target_groups(DBProxyName=name)["TargetGroups"]
    default = next((g for g in groups if g.get("IsDefault")), None)
    percent = ((default or {}).get("ConnectionPoolConfig") or {}).get("MaxConnectionsPercent")
    if percent is None:
        return [tls, Result("rds-proxy-pool", name, False, "default target group has no MaxConnectionsPercent")]
    limit = max_connections(rds, primary) if primary else None
    if limit is None:
        return [tls, Result("rds-proxy-pool", name, False,
                            f"MaxConnectionsPercent {percent}, but max_connections is not set explicitly")]
    pool = limit * percent // 100
    return [tls, expect("rds-proxy-pool", name,
                        [] if pool >= MIN_POOL_CONNECTIONS
                        else [f"pool {pool} connections < {MIN_POOL_CONNECTIONS} (checklist)"],
                        f"pool {pool} connections ({percent}% of max_connections {limit})")]


def check_database(rds: Client, db: Database) -> list[Result]:
    """Every database check: primary, replicas, proxy."""
    primary = describe(rds.describe_db_instances, "DBInstances", "DBInstanceNotFound",
                       DBInstanceIdentifier=db.primary_identifier)
    results = (check_primary(primary, db) if primary
               else [Result("rds-primary", db.primary_identifier, False, "instance not found")])
    results += [check_replica(rds, r, db.primary_identifier) for r in db.replica_identifiers]
    return results + check_proxy(rds, db, primary)
