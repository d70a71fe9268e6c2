"""`ops restore-drill` (checklist: "Test backup restoration process"): a snapshot is restored into a
temporary instance, checked, and the instance is deleted again, also when a check fails."""

from __future__ import annotations

import boto3

from ops.restore import DRILL_PREFIX
from tests.ops.account import PRIMARY


def drill_instances() -> list[str]:
    instances = boto3.client("rds").describe_db_instances()["DBInstances"]
    return [i["DBInstanceIdentifier"] for i in instances if i["DBInstanceIdentifier"].startswith(DRILL_PREFIX)]


def test_drill_restores_the_newest_snapshot_and_deletes_the_instance(run_ops, primary):
    assert run_ops("snapshot", "--outputs", primary.outputs_path, "--deployment-id", "7").code == 0
    result = run_ops("restore-drill", "--outputs", primary.outputs_path)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    # the manual snapshot is newer than the automated one moto takes when the instance is created
    assert lines[0].startswith("restoring chatpdd-predeploy-7 (manual, ") and f"into {DRILL_PREFIX}" in lines[0]
    target = lines[0].rsplit(" ", 1)[-1]
    assert lines[1] == f"{target}: available, encrypted with {primary.db_key}"
    assert lines[2] == f"{target}: deleted (no final snapshot)"
    assert drill_instances() == []
    assert boto3.client("rds").describe_db_instances(DBInstanceIdentifier=PRIMARY)["DBInstances"]


def test_drill_of_a_given_automated_snapshot(run_ops, primary):
    [automated] = boto3.client("rds").describe_db_snapshots(
        DBInstanceIdentifier=PRIMARY, SnapshotType="automated")["DBSnapshots"]
    result = run_ops("restore-drill", "--outputs", primary.outputs_path,
                     "--snapshot-id", automated["DBSnapshotIdentifier"])
    assert result.code == 0, result.err
    assert result.out.startswith(f"restoring {automated['DBSnapshotIdentifier']} (automated, ")
    assert drill_instances() == []


def test_failed_drill_still_deletes_the_instance(run_ops, primary):
    other_key = boto3.client("kms").create_key(Description="not the database key")["KeyMetadata"]["Arn"]
    result = run_ops("restore-drill", "--outputs", primary.outputs_with("database.kms_key_arn", other_key))
    assert result.code == 1
    assert f"is encrypted with {primary.db_key}, expected database.kms_key_arn {other_key}" in result.err
    assert "deleted (no final snapshot)" in result.out
    assert drill_instances() == []
