"""`ops cleanup-snapshots` (checklist: "cleanup-old-backups.ts --retention-days=30"): only this tool's
own manual snapshots older than the retention go; automated, untagged, recent and held ones stay, and so
does the newest pre-deploy snapshot (the last promotion's rollback point), however old.

moto stamps SnapshotCreateTime with its clock; the test server's RDS clock can be turned back
(tests/ops/moto_clock.py), so "old" snapshots are really old and the command runs with the real now
(a future `--now` is refused).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest

from tests.ops.account import PRIMARY, sample_outputs_file
from tests.ops.servers import moto_clock

OPS_TAGS = [{"Key": "ManagedBy", "Value": "chatpdd-ops"}, {"Key": "Purpose", "Value": "pre-deploy"}]
LONG_AGO = timedelta(days=-40)


def snapshot(name: str, tags: list[dict[str, str]]) -> dict:
    return boto3.client("rds").create_db_snapshot(DBSnapshotIdentifier=name, DBInstanceIdentifier=PRIMARY,
                                                  Tags=tags)["DBSnapshot"]


def snapshot_ids() -> set[str]:
    return {s["DBSnapshotIdentifier"] for s in boto3.client("rds").describe_db_snapshots(
        DBInstanceIdentifier=PRIMARY)["DBSnapshots"]}


@pytest.fixture
def snapshots(primary, moto_url):
    """old, old-2: ours, 40 days old; untagged-old: someone else's; recent: ours, taken now."""
    with moto_clock(moto_url, LONG_AGO):
        snapshot("chatpdd-predeploy-old", OPS_TAGS)
        snapshot("untagged-old", [])
        snapshot("chatpdd-predeploy-old-2", OPS_TAGS)
    snapshot("chatpdd-predeploy-recent", OPS_TAGS)
    return primary


def test_cleanup_deletes_only_old_snapshots_of_this_tool(run_ops, snapshots):
    before = snapshot_ids()
    automated = {s for s in before if s.startswith("rds:")}
    assert automated  # moto takes one when the instance is created: never a candidate
    result = run_ops("cleanup-snapshots", "--outputs", snapshots.outputs_path, "--retention-days", "30")
    assert result.code == 0, result.err
    assert snapshot_ids() == before - {"chatpdd-predeploy-old", "chatpdd-predeploy-old-2"}
    assert "deleted       chatpdd-predeploy-old " in result.out
    assert "kept          untagged-old " in result.out and "not created by chatpdd-ops" in result.out
    assert result.out.splitlines()[-1] == "2 snapshot(s) deleted, 2 kept"


def test_dry_run_deletes_nothing(run_ops, snapshots):
    before = snapshot_ids()
    result = run_ops("cleanup-snapshots", "--outputs", snapshots.outputs_path, "--dry-run")
    assert result.code == 0, result.err
    assert snapshot_ids() == before
    assert "would delete  chatpdd-predeploy-old " in result.out
    assert result.out.splitlines()[-1] == "2 snapshot(s) would be deleted, 2 kept"


def test_the_newest_pre_deploy_snapshot_and_held_ones_are_kept_however_old(run_ops, primary, moto_url):
    """No promotion for 40 days: every snapshot is past the retention, yet the last rollback point and the
    snapshots tagged for retention stay."""
    with moto_clock(moto_url, LONG_AGO - timedelta(days=5)):
        snapshot("chatpdd-predeploy-older", OPS_TAGS)
        snapshot("chatpdd-predeploy-held", [*OPS_TAGS, {"Key": "LegalHold", "Value": "case-4711"}])
        snapshot("chatpdd-predeploy-retained", [*OPS_TAGS, {"Key": "Retain", "Value": "true"}])
        snapshot("chatpdd-predeploy-hold-lifted", [*OPS_TAGS, {"Key": "LegalHold", "Value": "false"}])
    with moto_clock(moto_url, LONG_AGO):
        snapshot("chatpdd-predeploy-last", OPS_TAGS)
    result = run_ops("cleanup-snapshots", "--outputs", primary.outputs_path)
    assert result.code == 0, result.err
    remaining = {s for s in snapshot_ids() if not s.startswith("rds:")}
    assert remaining == {"chatpdd-predeploy-last", "chatpdd-predeploy-held", "chatpdd-predeploy-retained"}
    assert "newest pre-deploy snapshot (the rollback point)" in result.out
    assert "tagged LegalHold (legal hold)" in result.out and "tagged Retain=true" in result.out


@pytest.mark.parametrize(("args", "message"), [
    (("--now", "{future}"), "--now {future} is in the future; expected a time no later than now"),
    (("--now", "0001-01-01T00:00:00+00:00"), "--now 0001-01-01T00:00:00+00:00 is out of range; expected a "
                                             "time after 2000-01-01"),
    (("--retention-days", "999999999"), "--retention-days 999999999 is out of range; expected 30 to 3650 days"),
])
def test_out_of_range_arguments_are_refused_before_anything_is_deleted(run_ops, snapshots, args, message):
    future = (datetime.now(UTC) + timedelta(days=31)).isoformat()
    args = tuple(a.format(future=future) for a in args)
    before = snapshot_ids()
    result = run_ops("cleanup-snapshots", "--outputs", snapshots.outputs_path, *args)
    assert result.code == 2
    assert result.err.startswith("ops cleanup-snapshots: error: " + message.format(future=future))
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert snapshot_ids() == before


def test_retention_below_the_checklist_is_refused(run_ops, tmp_path):
    result = run_ops("cleanup-snapshots", "--outputs", sample_outputs_file(tmp_path), "--retention-days", "7")
    assert result.code == 2
    assert result.err.strip() == "ops cleanup-snapshots: error: --retention-days 7 is below the checklist's 30"
