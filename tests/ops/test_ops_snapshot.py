"""`ops snapshot`: the pre-deploy snapshot is created, available, encrypted with the expected key and
tagged; anything else exits non-zero (which stops the promotion)."""

from __future__ import annotations

import boto3
import pytest

from ops.errors import OpsError
from ops.snapshot import snapshot_name
from tests.ops.account import PRIMARY, sample_outputs_file


def test_snapshot_is_encrypted_and_tagged(run_ops, primary):
    result = run_ops("snapshot", "--outputs", primary.outputs_path, "--deployment-id", "run 4242/attempt 1")
    assert result.code == 0, result.err
    snapshot_id = "chatpdd-predeploy-run-4242-attempt-1"
    assert result.out.splitlines()[-1] == f"snapshot_id={snapshot_id}"

    rds = boto3.client("rds")
    [snapshot] = rds.describe_db_snapshots(DBSnapshotIdentifier=snapshot_id)["DBSnapshots"]
    assert (snapshot["DBInstanceIdentifier"], snapshot["SnapshotType"], snapshot["Status"]) == (
        PRIMARY, "manual", "available")
    assert snapshot["Encrypted"] and snapshot["KmsKeyId"] == primary.db_key
    tags = {t["Key"]: t["Value"] for t in rds.list_tags_for_resource(ResourceName=snapshot["DBSnapshotArn"])["TagList"]}
    assert tags == {"ManagedBy": "chatpdd-ops", "Purpose": "pre-deploy", "DeploymentId": "run 4242/attempt 1"}


def test_snapshot_with_another_key_fails(run_ops, primary):
    other_key = boto3.client("kms").create_key(Description="not the database key")["KeyMetadata"]["Arn"]
    outputs = primary.outputs_with("database.kms_key_arn", other_key)
    result = run_ops("snapshot", "--outputs", outputs, "--deployment-id", "42")
    assert result.code == 1
    assert result.err.strip() == (
        f"ops snapshot: FAILED: snapshot chatpdd-predeploy-42 is encrypted with {primary.db_key}, "
        f"expected database.kms_key_arn {other_key}")
    assert "snapshot_id=" not in result.out


def test_snapshot_of_a_missing_primary_is_an_error(run_ops, moto_url, tmp_path):
    outputs = sample_outputs_file(tmp_path, "database.primary_identifier", "nope")
    result = run_ops("snapshot", "--outputs", outputs, "--deployment-id", "42")
    assert result.code == 2
    assert result.err.startswith("ops snapshot: error: AWS CreateDBSnapshot failed: DBInstanceNotFound")


@pytest.mark.parametrize(("deployment_id", "name"), [
    ("1234567-2", "chatpdd-predeploy-1234567-2"),
    ("Release/v1.2.0--RC_1", "chatpdd-predeploy-release-v1-2-0-rc-1"),
    ("a" * 300 + "-b", "chatpdd-predeploy-" + "a" * (255 - len("chatpdd-predeploy-"))),
    ("x" * 236 + "-yz", "chatpdd-predeploy-" + "x" * 236),  # cut at 255 would end in "-": dropped
])
def test_snapshot_names_are_valid_rds_identifiers(deployment_id, name):
    assert snapshot_name(deployment_id) == name
    assert len(name) <= 255 and "--" not in name and not name.endswith("-")


def test_deployment_id_needs_letters_or_digits():
    with pytest.raises(OpsError, match="has no letters or digits"):
        snapshot_name("/-/")
