"""Snapshot retention (checklist: "cleanup-old-backups.ts --retention-days=30").

Deletes only this tool's own manual snapshots of the primary (tag ManagedBy=chatpdd-ops) older than
the retention; automated snapshots (AWS expires them) and untagged manual ones are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ops.aws import Aws, tags_of
from ops.outputs import Database
from ops.snapshot import MANAGED_BY


@dataclass(frozen=True)
class Decision:
    """Whether one snapshot is deleted, and why."""
    snapshot_id: str
    created: datetime
    delete: bool
    reason: str


def decide(snapshot: dict[str, Any], cutoff: datetime) -> Decision:
    """Delete only this tool's available manual snapshots created before ``cutoff``."""
    created: datetime = snapshot["SnapshotCreateTime"]
    tagged = all(tags_of(snapshot).get(k) == v for k, v in MANAGED_BY.items())
    if snapshot.get("SnapshotType") != "manual":
        reason, delete = f"{snapshot.get('SnapshotType')} snapshot", False
    elif not tagged:
        reason, delete = "not created by chatpdd-ops", False
    elif snapshot.get("Status") != "available":
        reason, delete = f"status {snapshot.get('Status')}", False
    elif created >= cutoff:
        reason, delete = "within retention", False
    else:
        reason, delete = "older than retention", True
    return Decision(snapshot["DBSnapshotIdentifier"], created, delete, reason)


def cleanup_snapshots(aws: Aws, db: Database, retention_days: int, now: datetime, dry_run: bool) -> list[str]:
    """Delete (or, with dry_run, list) expired snapshots; return the ids concerned."""
    rds = aws.client("rds")
    cutoff = now - timedelta(days=retention_days)
    pages = rds.get_paginator("describe_db_snapshots").paginate(
        DBInstanceIdentifier=db.primary_identifier, SnapshotType="manual")
    decisions = [decide(s, cutoff) for page in pages for s in page["DBSnapshots"]]
    print(f"retention {retention_days} days: deleting chatpdd-ops snapshots created before {cutoff:%Y-%m-%dT%H:%M:%S%z}")
    expired: list[str] = []
    for d in sorted(decisions, key=lambda d: d.created):
        if d.delete:
            expired.append(d.snapshot_id)
            if not dry_run:
                rds.delete_db_snapshot(DBSnapshotIdentifier=d.snapshot_id)
        verb = ("would delete" if dry_run else "deleted") if d.delete else "kept"
        print(f"{verb:12}  {d.snapshot_id}  {d.created:%Y-%m-%d %H:%M}  {d.reason}")
    print(f"{len(expired)} snapshot(s) {'would be ' if dry_run else ''}deleted, {len(decisions) - len(expired)} kept")
    return expired
