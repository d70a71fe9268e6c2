"""Issue 20 in `ops`: `restore-drill --from-dr` (the primary's automated backups replicated into the DR region)
and `ops verify`'s canary rows (CloudWatch Synthetics GetCanary / GetCanaryRuns).

What moto (5.2.5) does not support, and how these tests stand in for it:
- RDS: no StartDBInstanceAutomatedBackupsReplication, and RestoreDBInstanceToPointInTime ignores
  SourceDBInstanceAutomatedBackupsArn (it restores from SourceDBInstanceIdentifier in its own region only). On the
  moto server the drill is run as far as the DR region answers (no replicated backups there: a clean failure); the
  restore itself runs against botocore's Stubber, which checks every call against the real RDS API model.
- Synthetics: moto has CreateCanary/GetCanary/DescribeCanaries but no GetCanaryRuns: a local stub HTTP server
  answers both GetCanary and GetCanaryRuns (the REST-JSON protocol botocore speaks).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.session
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from ops.outputs import Database, DrBackups
from ops.restore import DRILL_PREFIX, DRILL_TOKEN_TAG, restore_drill_from_dr
from ops.verify.synthetics import check_canaries
from tests.ops.account import PRIMARY
from tests.ops.servers import _Handler, _Quiet, _serving

NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
DR_REGION = "us-west-2"
DR_KEY = "arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555"
BACKUP_ARN = f"arn:aws:rds:{DR_REGION}:123456789012:auto-backup:ab-abcdefghijklmnopqrstuvwxyz"


def dr_outputs(primary: Any, **changes: Any) -> Any:
    path = primary.outputs_with("database.dr_backup_replication", True, "dr-1.json")
    data = json.loads(path.read_text())
    data["database"].update({"dr_region": DR_REGION, "dr_kms_key_arn": DR_KEY, **changes})
    return primary.write_outputs(data, "dr.json")


# -- restore-drill --from-dr ----------------------------------------------------------------------------------
def test_a_stack_that_does_not_replicate_is_refused_in_one_line(run_ops, primary):
    path = dr_outputs(primary, dr_backup_replication=False)
    result = run_ops("restore-drill", "--outputs", path, "--from-dr")
    assert result.code == 2
    assert result.err.strip() == (
        f"ops restore-drill: error: {path}: key 'database.dr_backup_replication' is false; expected true (this stack does not "
        "replicate its automated backups; staging may not)")


def test_from_dr_takes_no_snapshot_id(run_ops, primary):
    result = run_ops("restore-drill", "--outputs", dr_outputs(primary), "--from-dr", "--snapshot-id", "x")
    assert result.code == 2 and "takes no --snapshot-id" in result.err


def test_on_moto_the_dr_region_has_no_replicated_backups(run_ops, primary):
    """moto cannot replicate backups across regions: the DR region answers with none, and the drill fails cleanly
    (exit 1, nothing created there)."""
    result = run_ops("restore-drill", "--outputs", dr_outputs(primary), "--from-dr")
    assert result.code == 1
    assert f"no replicated automated backups of {PRIMARY} with a restore window in {DR_REGION}" in result.err


class _StubbedAws:
    def __init__(self, client: Any) -> None:
        self._client = client

    def client(self, name: str) -> Any:
        assert name == "rds"
        return self._client


def _instance(identifier: str, status: str, key: str = DR_KEY) -> dict[str, Any]:
    return {"DBInstanceIdentifier": identifier, "DBInstanceStatus": status, "StorageEncrypted": True,
            "KmsKeyId": key, "DeletionProtection": False,
            "DBInstanceArn": f"arn:aws:rds:{DR_REGION}:123456789012:db:{identifier}"}


TOKEN = "0123456789abcdef0123456789abcdef"  # the drill's ownership token (secrets.token_hex, fixed by the tests)


def _stubbed_drill(restored_key: str) -> tuple[Stubber, Any]:
    rds = botocore.session.get_session().create_client(
        "rds", region_name=DR_REGION, aws_access_key_id="x", aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}))
    stub = Stubber(rds)
    target = f"{DRILL_PREFIX}dr-{NOW:%Y%m%d%H%M%S}"
    window = {"EarliestTime": NOW - timedelta(days=30), "LatestTime": NOW - timedelta(minutes=5)}
    stub.add_response("describe_db_instance_automated_backups", {"DBInstanceAutomatedBackups": [
        {"DBInstanceAutomatedBackupsArn": BACKUP_ARN, "DBInstanceIdentifier": PRIMARY, "Status": "replicating",
         "RestoreWindow": window, "KmsKeyId": DR_KEY},
        {"DBInstanceIdentifier": PRIMARY, "Status": "pending"},  # no ARN or window yet: skipped
    ]}, {"DBInstanceIdentifier": PRIMARY})
    stub.add_client_error("describe_db_instances", "DBInstanceNotFound", http_status_code=404,
                          expected_params={"DBInstanceIdentifier": target})  # the name is not taken
    stub.add_response("restore_db_instance_to_point_in_time", {"DBInstance": _instance(target, "creating")}, {
        "SourceDBInstanceAutomatedBackupsArn": BACKUP_ARN, "TargetDBInstanceIdentifier": target,
        "UseLatestRestorableTime": True, "MultiAZ": False, "PubliclyAccessible": False, "DeletionProtection": False,
        "Tags": [{"Key": "ManagedBy", "Value": "chatpdd-ops"}, {"Key": "Purpose", "Value": "restore-drill-dr"},
                 {"Key": DRILL_TOKEN_TAG, "Value": TOKEN}]})
    for _ in range(3):  # the availability waiter, the check, the look-up before deletion
        stub.add_response("describe_db_instances", {"DBInstances": [_instance(target, "available", restored_key)]},
                          {"DBInstanceIdentifier": target})
    stub.add_response("list_tags_for_resource", {"TagList": [{"Key": DRILL_TOKEN_TAG, "Value": TOKEN}]},
                      {"ResourceName": _instance(target, "available")["DBInstanceArn"]})  # this run's: deleted
    stub.add_response("delete_db_instance", {"DBInstance": _instance(target, "deleting", restored_key)},
                      {"DBInstanceIdentifier": target, "SkipFinalSnapshot": True, "DeleteAutomatedBackups": True})
    stub.add_client_error("describe_db_instances", "DBInstanceNotFound", http_status_code=404,
                          expected_params={"DBInstanceIdentifier": target})
    return stub, rds


DB = Database(primary_identifier=PRIMARY, replica_identifiers=(), proxy_name="p", kms_key_arn="k")


@pytest.fixture(autouse=True)
def _fixed_token(monkeypatch):
    monkeypatch.setattr("ops.restore.secrets.token_hex", lambda n: TOKEN)


def test_the_drill_restores_the_replicated_backups_and_deletes_the_instance(capsys):
    stub, rds = _stubbed_drill(DR_KEY)
    with stub:
        target = restore_drill_from_dr(_StubbedAws(rds), DB, DrBackups(DR_REGION, DR_KEY), 60, NOW)
        stub.assert_no_pending_responses()
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"restoring {BACKUP_ARN} (latest restorable ") and out[0].endswith(
        f"into {target} in {DR_REGION}")
    assert out[1:] == [f"{target}: available, encrypted with {DR_KEY}", f"{target}: deleted (no final snapshot)"]


def test_a_restore_under_another_key_fails_and_is_still_deleted(capsys):
    from ops.errors import StepFailed
    stub, rds = _stubbed_drill("arn:aws:kms:us-west-2:123456789012:key/other")
    with stub, pytest.raises(StepFailed, match="expected database.dr_kms_key_arn"):
        restore_drill_from_dr(_StubbedAws(rds), DB, DrBackups(DR_REGION, DR_KEY), 60, NOW)
    stub.assert_no_pending_responses()
    assert "deleted (no final snapshot)" in capsys.readouterr().out


# -- ops verify: the canaries' latest runs --------------------------------------------------------------------
@contextmanager
def synthetics_stub(canaries: dict[str, dict[str, Any]], runs: dict[str, list[dict[str, Any]]]) -> Iterator[str]:
    """GetCanary (GET /canary/<name>) and GetCanaryRuns (POST /canary/<name>/runs) as the Synthetics REST-JSON API
    answers them; an unknown canary is a 404 ResourceNotFoundException."""

    class Handler(_Handler):
        def _answer(self, body: dict[str, Any] | None) -> None:
            if body is None:
                self.send_response(404)
                payload = json.dumps({"Message": "Canary not found"}).encode()
                self.send_header("x-amzn-ErrorType", "ResourceNotFoundException")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            else:
                self.reply(200, "application/json", json.dumps(body).encode())

        def do_GET(self) -> None:  # noqa: N802
            name = re.fullmatch(r"/canary/([^/?]+)", self.path.split("?")[0]).group(1)
            self._answer({"Canary": canaries[name]} if name in canaries else None)

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            name = re.fullmatch(r"/canary/([^/?]+)/runs", self.path.split("?")[0]).group(1)
            self._answer({"CanaryRuns": runs.get(name, [])} if name in canaries else None)

    server = _Quiet(("127.0.0.1", 0), Handler)
    with _serving(server):
        yield f"http://127.0.0.1:{server.server_address[1]}"


def canary(name: str, state: str = "RUNNING", runtime: str = "syn-nodejs-puppeteer-9.1") -> dict[str, Any]:
    return {"Name": name, "RuntimeVersion": runtime, "Status": {"State": state},
            "Schedule": {"Expression": "rate(5 minutes)"}}


def run(state: str, minutes_ago: int, reason: str = "") -> dict[str, Any]:
    return {"Status": {"State": state, "StateReason": reason},
            "Timeline": {"Started": (NOW - timedelta(minutes=minutes_ago + 1)).timestamp(),
                         "Completed": (NOW - timedelta(minutes=minutes_ago)).timestamp()}}


def verify(canaries: dict[str, dict[str, Any]], runs: dict[str, list[dict[str, Any]]], names: dict[str, str]):
    with synthetics_stub(canaries, runs) as url:
        client = botocore.session.get_session().create_client(
            "synthetics", region_name="us-east-1", endpoint_url=url, aws_access_key_id="x",
            aws_secret_access_key="x", config=Config(retries={"max_attempts": 1}))
        return check_canaries(client, names, NOW)


def test_canaries_that_run_and_passed_recently_pass():
    names = {"api": "chatpdd-production-api-canary", "home": "chatpdd-production-home-canary"}
    results = verify({n: canary(n) for n in names.values()}, {n: [run("PASSED", 3)] for n in names.values()}, names)
    assert [(r.resource, r.ok) for r in results] == [(n, True) for n in names.values()]
    assert results[0].detail == "RUNNING on syn-nodejs-puppeteer-9.1, latest run PASSED at 05:57 UTC"


@pytest.mark.parametrize("state, runs, detail", [
    ("RUNNING", [run("FAILED", 3, "GET /api/redis/health: 503")], "latest run FAILED: GET /api/redis/health: 503"),
    ("RUNNING", [run("PASSED", 30)], "latest run completed 2026-12-07 05:30 UTC, more than 2 intervals (0:05:00) ago"),
    ("STOPPED", [run("PASSED", 3)], "state STOPPED (expected RUNNING)"),
    ("RUNNING", [], "no run yet"),
])
def test_a_failing_stale_stopped_or_idle_canary_fails(state, runs, detail):
    name = "chatpdd-production-api-canary"
    (result,) = verify({name: canary(name, state)}, {name: runs}, {"api": name})
    assert not result.ok and result.detail == detail


def test_a_deprecated_runtime_fails():
    name = "chatpdd-production-api-canary"
    (result,) = verify({name: canary(name, runtime="syn-nodejs-puppeteer-3.9")}, {name: [run("PASSED", 1)]},
                       {"api": name})
    assert result.detail == "runtime syn-nodejs-puppeteer-3.9 (expected one of syn-nodejs-puppeteer-9.1)"


def test_a_missing_canary_fails():
    (result,) = verify({}, {}, {"api": "chatpdd-production-api-canary"})
    assert (result.ok, result.detail) == (False, "not found")


def test_a_taken_dr_drill_name_restores_nothing_and_deletes_nothing():
    """Issue 21's rule for the DR drill too: an instance already named like this run's target is not ours."""
    from ops.errors import StepFailed
    rds = botocore.session.get_session().create_client(
        "rds", region_name=DR_REGION, aws_access_key_id="x", aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}))
    target = f"{DRILL_PREFIX}dr-{NOW:%Y%m%d%H%M%S}"
    window = {"EarliestTime": NOW - timedelta(days=30), "LatestTime": NOW - timedelta(minutes=5)}
    stub = Stubber(rds)
    stub.add_response("describe_db_instance_automated_backups", {"DBInstanceAutomatedBackups": [
        {"DBInstanceAutomatedBackupsArn": BACKUP_ARN, "DBInstanceIdentifier": PRIMARY, "RestoreWindow": window}]},
        {"DBInstanceIdentifier": PRIMARY})
    stub.add_response("describe_db_instances", {"DBInstances": [_instance(target, "available")]},
                      {"DBInstanceIdentifier": target})
    with stub, pytest.raises(StepFailed, match=f"{target} already exists in {DR_REGION} and this drill did not "
                                               f"create it: nothing restored, nothing deleted"):
        restore_drill_from_dr(_StubbedAws(rds), DB, DrBackups(DR_REGION, DR_KEY), 60, NOW)
    stub.assert_no_pending_responses()  # no restore, no delete was called (the Stubber refuses unplanned calls)
