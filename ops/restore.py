"""Restore drill (checklist: "Test backup restoration process"): restore a snapshot of the primary
into a temporary instance, check it, and always delete it again -- but only that instance: the drill tags
what it creates with a fresh token (:data:`DRILL_TOKEN_TAG`) and deletes an instance only after reading that
tag back with this run's token. An instance it did not create (the name taken, whatever its tags) is never
touched."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError, WaiterError

from ops.aws import Aws, error_code, same_kms_key, tag_list
from ops.errors import StepFailed
from ops.outputs import Database, DrBackups
from ops.snapshot import MANAGED_BY, describe_snapshot, poll_config

DRILL_PREFIX = "chatpdd-restore-drill-"
DRILL_TOKEN_TAG = "RestoreDrillToken"  # this run's random token: proof that this run created the instance


def latest_snapshot(rds: Any, primary: str) -> dict[str, Any]:
    """The newest available snapshot of the primary, automated or manual."""
    pages = rds.get_paginator("describe_db_snapshots").paginate(DBInstanceIdentifier=primary)
    available = [s for page in pages for s in page["DBSnapshots"] if s.get("Status") == "available"]
    if not available:
        raise StepFailed(f"no available snapshot of {primary} to restore")
    return max(available, key=lambda s: s["SnapshotCreateTime"])


def find_instance(rds: Any, identifier: str) -> dict[str, Any] | None:
    """The RDS instance ``identifier``, or None if it does not exist."""
    try:
        return rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
    except ClientError as exc:
        if error_code(exc) == "DBInstanceNotFound":
            return None
        raise


def owned_by(rds: Any, instance: dict[str, Any], token: str) -> bool:
    """Whether ``instance`` carries this run's drill token (read from AWS, not assumed)."""
    tags = rds.list_tags_for_resource(ResourceName=instance["DBInstanceArn"])["TagList"]
    return {t["Key"]: t["Value"] for t in tags}.get(DRILL_TOKEN_TAG) == token


def delete_instance(rds: Any, identifier: str, wait_seconds: int, token: str) -> bool:
    """Delete the drill instance if it exists and carries this run's token; True when something was deleted.
    An instance without the token is not this run's: it is left alone and reported."""
    instance = find_instance(rds, identifier)
    if instance is None:
        return False
    if not owned_by(rds, instance, token):
        print(f"{identifier}: NOT deleted: this drill did not create it (no {DRILL_TOKEN_TAG} tag of this run); "
              f"the drill deletes only what it created")
        return False
    if instance.get("DeletionProtection"):
        # AWS honours DeletionProtection=False on restore; moto drops falsy overrides and copies the
        # source's flag. Switching it off first is harmless on AWS and needed on moto.
        rds.modify_db_instance(DBInstanceIdentifier=identifier, DeletionProtection=False, ApplyImmediately=True)
    rds.delete_db_instance(DBInstanceIdentifier=identifier, SkipFinalSnapshot=True, DeleteAutomatedBackups=True)
    rds.get_waiter("db_instance_deleted").wait(
        DBInstanceIdentifier=identifier, WaiterConfig=poll_config(wait_seconds, 30))
    return True


def restore_drill(aws: Aws, db: Database, snapshot_id: str | None, wait_seconds: int, now: datetime) -> str:
    """Run the drill; return the temporary instance's name. Raises StepFailed if the restore is bad."""
    rds = aws.client("rds")
    snapshot = describe_snapshot(rds, snapshot_id) if snapshot_id else latest_snapshot(rds, db.primary_identifier)
    primary = rds.describe_db_instances(DBInstanceIdentifier=db.primary_identifier)["DBInstances"][0]
    target = f"{DRILL_PREFIX}{now:%Y%m%d%H%M%S}"
    if find_instance(rds, target) is not None:
        raise StepFailed(f"{target} already exists and this drill did not create it: nothing restored, nothing "
                         f"deleted (re-run in a second for a new name, or delete that instance if it is a "
                         f"forgotten drill)")
    token = secrets.token_hex(16)
    print(f"restoring {snapshot['DBSnapshotIdentifier']} ({snapshot['SnapshotType']}, "
          f"{snapshot['SnapshotCreateTime']:%Y-%m-%d %H:%M}) into {target}")
    # same network as the primary (its subnet group and security groups), single-AZ, private
    network: dict[str, Any] = {}
    if primary.get("DBSubnetGroup"):
        network["DBSubnetGroupName"] = primary["DBSubnetGroup"]["DBSubnetGroupName"]
    if primary.get("VpcSecurityGroups"):
        network["VpcSecurityGroupIds"] = [g["VpcSecurityGroupId"] for g in primary["VpcSecurityGroups"]]
    try:
        rds.restore_db_instance_from_db_snapshot(
            DBInstanceIdentifier=target, DBSnapshotIdentifier=snapshot["DBSnapshotIdentifier"],
            DBInstanceClass=primary["DBInstanceClass"], MultiAZ=False, PubliclyAccessible=False,
            DeletionProtection=False,
            Tags=tag_list({**MANAGED_BY, "Purpose": "restore-drill", DRILL_TOKEN_TAG: token}), **network,
        )
        try:
            rds.get_waiter("db_instance_available").wait(
                DBInstanceIdentifier=target, WaiterConfig=poll_config(wait_seconds, 30))
        except WaiterError:
            raise StepFailed(f"{target} did not become available within {wait_seconds}s") from None
        restored = rds.describe_db_instances(DBInstanceIdentifier=target)["DBInstances"][0]
        if not restored.get("StorageEncrypted"):
            raise StepFailed(f"{target} restored unencrypted from {snapshot['DBSnapshotIdentifier']}")
        if not same_kms_key(restored.get("KmsKeyId"), db.kms_key_arn):
            raise StepFailed(f"{target} is encrypted with {restored.get('KmsKeyId')}, "
                             f"expected database.kms_key_arn {db.kms_key_arn}")
        print(f"{target}: {restored['DBInstanceStatus']}, encrypted with {restored['KmsKeyId']}")
    finally:
        try:
            if delete_instance(rds, target, wait_seconds, token):
                print(f"{target}: deleted (no final snapshot)")
        except (ClientError, WaiterError) as exc:
            raise StepFailed(f"CLEANUP FAILED for {target} ({exc}); delete it by hand") from None
    return target


def replicated_backup(rds_dr: Any, primary: str, region: str) -> dict[str, Any]:
    """The replicated automated backup of ``primary`` in the DR region (RDS User Guide, "Finding information about
    replicated backups": DescribeDBInstanceAutomatedBackups in the destination region)."""
    pages = rds_dr.get_paginator("describe_db_instance_automated_backups").paginate(DBInstanceIdentifier=primary)
    found = [b for page in pages for b in page["DBInstanceAutomatedBackups"]
             if b.get("DBInstanceAutomatedBackupsArn") and b.get("RestoreWindow", {}).get("LatestTime")]
    if not found:
        raise StepFailed(f"no replicated automated backups of {primary} with a restore window in {region}")
    return max(found, key=lambda b: b["RestoreWindow"]["LatestTime"])


def restore_drill_from_dr(aws_dr: Aws, db: Database, dr: DrBackups, wait_seconds: int, now: datetime) -> str:
    """The drill in the disaster-recovery region: restore the replicated automated backups to their latest
    restorable time into a temporary instance there (private, single-AZ, the region's default network), check it
    is encrypted with the DR key, and always delete it. Returns the temporary instance's name."""
    rds = aws_dr.client("rds")
    backup = replicated_backup(rds, db.primary_identifier, dr.region)
    target = f"{DRILL_PREFIX}dr-{now:%Y%m%d%H%M%S}"
    if find_instance(rds, target) is not None:
        raise StepFailed(f"{target} already exists in {dr.region} and this drill did not create it: nothing "
                         f"restored, nothing deleted (re-run in a second for a new name, or delete that instance "
                         f"if it is a forgotten drill)")
    token = secrets.token_hex(16)  # the cleanup deletes only an instance that carries it (ops/restore.py)
    print(f"restoring {backup['DBInstanceAutomatedBackupsArn']} (latest restorable "
          f"{backup['RestoreWindow']['LatestTime']:%Y-%m-%d %H:%M}) into {target} in {dr.region}")
    try:
        rds.restore_db_instance_to_point_in_time(
            SourceDBInstanceAutomatedBackupsArn=backup["DBInstanceAutomatedBackupsArn"],
            TargetDBInstanceIdentifier=target, UseLatestRestorableTime=True, MultiAZ=False, PubliclyAccessible=False,
            DeletionProtection=False, Tags=tag_list({**MANAGED_BY, "Purpose": "restore-drill-dr", DRILL_TOKEN_TAG: token}),
        )
        try:
            rds.get_waiter("db_instance_available").wait(
                DBInstanceIdentifier=target, WaiterConfig=poll_config(wait_seconds, 30))
        except WaiterError:
            raise StepFailed(f"{target} did not become available within {wait_seconds}s") from None
        restored = rds.describe_db_instances(DBInstanceIdentifier=target)["DBInstances"][0]
        if not restored.get("StorageEncrypted"):
            raise StepFailed(f"{target} restored unencrypted from {backup['DBInstanceAutomatedBackupsArn']}")
        if not same_kms_key(restored.get("KmsKeyId"), dr.kms_key_arn):
            raise StepFailed(f"{target} is encrypted with {restored.get('KmsKeyId')}, "
                             f"expected database.dr_kms_key_arn {dr.kms_key_arn}")
        print(f"{target}: {restored['DBInstanceStatus']}, encrypted with {restored['KmsKeyId']}")
    finally:
        try:
            if delete_instance(rds, target, wait_seconds, token):
                print(f"{target}: deleted (no final snapshot)")
        except (ClientError, WaiterError) as exc:
            raise StepFailed(f"CLEANUP FAILED for {target} ({exc}); delete it by hand") from None
    return target
