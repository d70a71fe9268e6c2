"""`ops cleanup-snapshots` (checklist: "cleanup-old-backups.ts --retention-days=30"): only this tool's
own manual snapshots older than the retention go; automated, untagged and recent ones stay.

moto stamps SnapshotCreateTime with the wall clock and has no way to set it (no time control in
server mode), so the snapshots are taken a moment apart and the command gets an injected `--now`
that puts the retention cutoff between them.
"""

from __future__ import annotations

import time
from datetime import timedelta

import boto3
import pytest

from tests.ops.account import PRIMARY, sample_outputs_file

OPS_TAGS = [{"Key": "ManagedBy", "Value": "chatpdd-ops"}, {"Key": "Purpose", "Value": "pre-deploy"}]


def snapshot(name: str, tags: list[dict[str, str]]) -> dict:
    return boto3.client("rds").create_db_snapshot(DBSnapshotIdentifier=name, DBInstanceIdentifier=PRIMARY,
                                                  Tags=tags)["DBSnapshot"]


def snapshot_ids() -> set[str]:
    return {s["DBSnapshotIdentifier"] for s in boto3.client("rds").describe_db_snapshots(
        DBInstanceIdentifier=PRIMARY)["DBSnapshots"]}


@pytest.fixture
def snapshots(primary):
    """old: ours, past the retention; untagged-old: someone else's; recent: ours, within it."""
    snapshot("chatpdd-predeploy-old", OPS_TAGS)
    snapshot("untagged-old", [])
    last_old = snapshot("chatpdd-predeploy-old-2", OPS_TAGS)["SnapshotCreateTime"]
    time.sleep(0.05)
    recent = snapshot("chatpdd-predeploy-recent", OPS_TAGS)["SnapshotCreateTime"]
    assert recent > last_old
    now = last_old + (recent - last_old) / 2 + timedelta(days=30)
    return primary, now.isoformat()


def test_cleanup_deletes_only_old_snapshots_of_this_tool(run_ops, snapshots):
    primary, now = snapshots
    before = snapshot_ids()
    automated = {s for s in before if s.startswith("rds:")}
    assert automated  # moto takes one when the instance is created: older than the cutoff too
    result = run_ops("cleanup-snapshots", "--outputs", primary.outputs_path, "--retention-days", "30", "--now", now)
    assert result.code == 0, result.err
    assert snapshot_ids() == before - {"chatpdd-predeploy-old", "chatpdd-predeploy-old-2"}
    assert "deleted       chatpdd-predeploy-old " in result.out
    assert "kept          untagged-old " in result.out and "not created by chatpdd-ops" in result.out
    assert result.out.splitlines()[-1] == "2 snapshot(s) deleted, 2 kept"


def test_dry_run_deletes_nothing(run_ops, snapshots):
    primary, now = snapshots
    before = snapshot_ids()
    result = run_ops("cleanup-snapshots", "--outputs", primary.outputs_path, "--dry-run", "--now", now)
    assert result.code == 0, result.err
    assert snapshot_ids() == before
    assert "would delete  chatpdd-predeploy-old " in result.out
    assert result.out.splitlines()[-1] == "2 snapshot(s) would be deleted, 2 kept"


def test_retention_below_the_checklist_is_refused(run_ops, tmp_path):
    result = run_ops("cleanup-snapshots", "--outputs", sample_outputs_file(tmp_path), "--retention-days", "7")
    assert result.code == 2
    assert result.err.strip() == "ops cleanup-snapshots: error: --retention-days 7 is below the checklist's 30"
