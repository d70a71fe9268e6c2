"""Pre-deploy manual snapshot of the production primary (checklist: "Pre-Deployment Database Backup"
and "Backup encryption verified")."""

from __future__ import annotations

import re

from botocore.exceptions import WaiterError

from ops.aws import Aws, Client, Record, same_kms_key, tag_list, tags_of
from ops.errors import OpsError, StepFailed
from ops.outputs import Database

SNAPSHOT_PREFIX = "chatpdd-predeploy-"
MANAGED_BY = {"ManagedBy": "chatpdd-ops"}
MAX_SNAPSHOT_ID = 255  # RDS: 1-255 letters, digits, hyphens; starts with a letter; no "--", no trailing "-"


def snapshot_name(deployment_id: str) -> str:
    """``chatpdd-predeploy-<id>`` with the id reduced to what RDS accepts in a snapshot identifier."""
    cleaned = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9]", "-", deployment_id.lower())).strip("-")
    if not cleaned:
        raise OpsError(f"--deployment-id {deployment_id!r} has no letters or digits; "
                       "expected e.g. the CI run id or a commit sha")
    return (SNAPSHOT_PREFIX + cleaned)[:MAX_SNAPSHOT_ID].rstrip("-")


def poll_config(wait_seconds: int, delay: int) -> dict[str, int]:
    """A waiter config that polls every ``delay`` seconds (at most) for about ``wait_seconds``."""
    delay = max(1, min(delay, wait_seconds))
    return {"Delay": delay, "MaxAttempts": max(1, wait_seconds // delay)}


def describe_snapshot(rds: Client, snapshot_id: str) -> Record:
    """The RDS snapshot ``snapshot_id`` as AWS describes it."""
    snapshot: Record = rds.describe_db_snapshots(DBSnapshotIdentifier=snapshot_id)["DBSnapshots"][0]
    return snapshot


def take_snapshot(aws: Aws, db: Database, deployment_id: str, wait_seconds: int) -> str:
    """Create, wait for, and check the snapshot; return its id. Raises StepFailed on any failed step."""
    rds = aws.client("rds")
    snapshot_id = snapshot_name(deployment_id)
    tags = {**MANAGED_BY, "Purpose": "pre-deploy", "DeploymentId": deployment_id}
    print(f"creating snapshot {snapshot_id} of {db.primary_identifier}")
    rds.create_db_snapshot(DBSnapshotIdentifier=snapshot_id, DBInstanceIdentifier=db.primary_identifier,
                           Tags=tag_list(tags))
    try:
        rds.get_waiter("db_snapshot_available").wait(
            DBSnapshotIdentifier=snapshot_id, WaiterConfig=poll_config(wait_seconds, 15))
    except WaiterError as exc:
        status = (exc.last_response or {}).get("DBSnapshots", [{}])[0].get("Status", "unknown")
        raise StepFailed(f"snapshot {snapshot_id} not available after {wait_seconds}s "
                         f"(last status: {status})") from None

    snapshot = describe_snapshot(rds, snapshot_id)
    if not snapshot.get("Encrypted"):
        raise StepFailed(f"snapshot {snapshot_id} is not encrypted")
    if not same_kms_key(snapshot.get("KmsKeyId"), db.kms_key_arn):
        raise StepFailed(f"snapshot {snapshot_id} is encrypted with {snapshot.get('KmsKeyId')}, "
                         f"expected database.kms_key_arn {db.kms_key_arn}")
    missing = {k: v for k, v in tags.items()
               if tags_of(rds.list_tags_for_resource(ResourceName=snapshot["DBSnapshotArn"])).get(k) != v}
    if missing:
        raise StepFailed(f"snapshot {snapshot_id} lacks tags {missing}")
    print(f"snapshot {snapshot_id}: available, encrypted with {snapshot['KmsKeyId']}, tagged {tags}")
    return snapshot_id
