"""Snapshot retention (checklist: "cleanup-old-backups.ts --retention-days=30").

Deletes only this tool's own manual snapshots of the primary (tag ManagedBy=chatpdd-ops) older than
the retention; automated snapshots (AWS expires them) and untagged manual ones are never touched. Two
more are always kept, whatever the age and whatever ``--now`` says:

- the newest available pre-deploy snapshot (tag Purpose=pre-deploy): the rollback point of the last
  promotion, even when promotions stopped for longer than the retention;
- a snapshot tagged for retention: ``Retain=true`` (keep it) or ``LegalHold`` with any value other than
  ``false`` (a legal or compliance hold). Remove the tag to let the retention apply again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ops.aws import Aws, Record, tags_of
from ops.outputs import Database
from ops.snapshot import MANAGED_BY


@dataclass(frozen=True)
class Decision:
    """Whether one snapshot is deleted, and why."""
    snapshot_id: str
    created: datetime
    delete: bool
    reason: str


RETAIN_TAG = "Retain"  # Retain=true: keep this snapshot
LEGAL_HOLD_TAG = "LegalHold"  # LegalHold=<case or reason>: keep it while the hold lasts
PRE_DEPLOY = {"Purpose": "pre-deploy"}


def held(tags: dict[str, str]) -> str | None:
    """Why the tags keep a snapshot, or None."""
    if tags.get(RETAIN_TAG, "").strip().lower() == "true":
        return f"tagged {RETAIN_TAG}=true"
    hold = tags.get(LEGAL_HOLD_TAG)
    if hold is not None and hold.strip().lower() not in ("", "false"):
        return f"tagged {LEGAL_HOLD_TAG} (legal hold)"
    return None


def _ours(tags: dict[str, str]) -> bool:
    return all(tags.get(k) == v for k, v in MANAGED_BY.items())


def newest_pre_deploy(snapshots: list[Record]) -> str | None:
    """The rollback point of the last promotion: the newest available pre-deploy snapshot of this tool."""
    candidates = [s for s in snapshots if s.get("SnapshotType") == "manual" and s.get("Status") == "available"
                  and _ours(tags_of(s)) and all(tags_of(s).get(k) == v for k, v in PRE_DEPLOY.items())]
    return max(candidates, key=lambda s: s["SnapshotCreateTime"])["DBSnapshotIdentifier"] if candidates else None


def decide(snapshot: Record, cutoff: datetime, rollback_point: str | None = None) -> Decision:
    """Delete only this tool's available manual snapshots created before ``cutoff``, never a held one or the rollback point."""
    created: datetime = snapshot["SnapshotCreateTime"]
    tags = tags_of(snapshot)
    tagged = _ours(tags)
    hold = held(tags)
    if snapshot.get("SnapshotType") != "manual":
        reason, delete = f"{snapshot.get('SnapshotType')} snapshot", False
    elif not tagged:
        reason, delete = "not created by chatpdd-ops", False
    elif hold is not None:
        reason, delete = hold, False
    elif snapshot["DBSnapshotIdentifier"] == rollback_point:
        reason, delete = "newest pre-deploy snapshot (the rollback point)", False
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
    snapshots = [s for page in pages for s in page["DBSnapshots"]]
    rollback_point = newest_pre_deploy(snapshots)
    decisions = [decide(s, cutoff, rollback_point) for s in snapshots]
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
