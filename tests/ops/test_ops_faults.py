"""Issue 21, `ops` side: the restore drill deletes only what it created in this run (points 3), and an
endpoint that answers HTML instead of AWS (a captive portal, a proxy's page) is one line naming it (point 4).
Through the CLI (``ops.__main__.main``, in-process, and ``python -m ops`` in a subprocess)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import boto3
import pytest

import ops.__main__
import ops.restore
from ops.restore import DRILL_PREFIX
from tests.ops.account import PRIMARY, sample_outputs_file
from tests.ops.conftest import FAKE_AWS_ENV
from tests.ops.servers import _Handler, _Quiet, _serving
from tests.ops.test_ops_errors import assert_one_line, clean_env, run_module

NOW = dt.datetime(2026, 12, 7, 5, 30, 0, tzinfo=dt.UTC)
TARGET = f"{DRILL_PREFIX}{NOW:%Y%m%d%H%M%S}"


class _FixedClock(dt.datetime):
    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> dt.datetime:  # type: ignore[override]
        return NOW


def _someone_elses_instance() -> None:
    """An instance that happens to have the drill's name: not the drill's, and holding data."""
    boto3.client("rds").create_db_instance(
        DBInstanceIdentifier=TARGET, Engine="postgres", EngineVersion="16.4", DBInstanceClass="db.t4g.micro",
        MasterUsername="someone", MasterUserPassword="not-a-real-password", AllocatedStorage=20,
        Tags=[{"Key": "Owner", "Value": "another-team"}])


def _exists(identifier: str) -> bool:
    return any(i["DBInstanceIdentifier"] == identifier for i in boto3.client("rds").describe_db_instances()["DBInstances"])


def test_point3_a_taken_drill_name_is_refused_and_the_instance_is_kept(run_ops, primary, monkeypatch):
    monkeypatch.setattr(ops.__main__, "datetime", _FixedClock)
    _someone_elses_instance()
    result = run_ops("restore-drill", "--outputs", primary.outputs_path)
    assert result.code == 1, result.err
    assert result.err == (f"ops restore-drill: FAILED: {TARGET} already exists and this drill did not create it: "
                          "nothing restored, nothing deleted (re-run in a second for a new name, or delete that "
                          "instance if it is a forgotten drill)\n")
    assert "deleted" not in result.out
    assert _exists(TARGET), "the drill deleted an instance it did not create"
    assert _exists(PRIMARY)


def test_point3_the_cleanup_deletes_only_an_instance_with_this_runs_token(run_ops, primary, monkeypatch):
    """The name is taken between the drill's check and its restore (a race): the restore fails, and the
    cleanup reads the instance's tags, finds no token of this run, and leaves it alone -- saying so."""
    monkeypatch.setattr(ops.__main__, "datetime", _FixedClock)
    real_find = ops.restore.find_instance
    calls = []

    def racing_find(rds, identifier):
        calls.append(identifier)
        if len(calls) == 1:  # the check before the restore: still free...
            found = real_find(rds, identifier)
            _someone_elses_instance()  # ...and taken right after
            return found
        return real_find(rds, identifier)

    monkeypatch.setattr(ops.restore, "find_instance", racing_find)
    result = run_ops("restore-drill", "--outputs", primary.outputs_path)
    assert result.code == 2, result.err
    assert result.err.startswith("ops restore-drill: error: AWS RestoreDBInstanceFromDBSnapshot failed: "
                                 "DBInstanceAlreadyExists"), result.err
    assert (f"{TARGET}: NOT deleted: this drill did not create it (no RestoreDrillToken tag of this run); the drill "
            "deletes only what it created") in result.out
    assert _exists(TARGET), "the drill deleted an instance it did not create"


def test_point3_a_drill_still_deletes_its_own_instance(run_ops, primary):
    result = run_ops("restore-drill", "--outputs", primary.outputs_path)
    assert result.code == 0, result.err
    assert result.out.splitlines()[-2].endswith(": deleted (no final snapshot)")
    assert not [i for i in boto3.client("rds").describe_db_instances()["DBInstances"]
                if i["DBInstanceIdentifier"].startswith(DRILL_PREFIX)]


# --- point 4: an endpoint that answers 200 with HTML --------------------------------------------------

PORTAL = b"<!DOCTYPE html><html><head><title>Wi-Fi login</title></head><body>Accept the terms</body></html>"


@contextmanager
def captive_portal() -> Iterator[str]:
    """A local HTTP server (127.0.0.1 only) that answers every request 200 text/html, as a portal does."""

    class Handler(_Handler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.reply(200, "text/html", PORTAL)

        do_GET = do_POST  # noqa: N815
        do_PUT = do_POST  # noqa: N815

    server = _Quiet(("127.0.0.1", 0), Handler)
    with _serving(server):
        yield f"http://127.0.0.1:{server.server_address[1]}"


@pytest.mark.parametrize("command", [["snapshot", "--deployment-id", "1"], ["verify"],
                                     ["cleanup-snapshots", "--dry-run"], ["restore-drill"]])
def test_point4_an_endpoint_answering_html_is_one_line_naming_it(tmp_path, command):
    with captive_portal() as url:
        env = clean_env(**FAKE_AWS_ENV, AWS_ENDPOINT_URL=url, AWS_MAX_ATTEMPTS="1")
        result = run_module([*command, "--outputs", str(sample_outputs_file(tmp_path))], env)
    assert_one_line(result, f"ops {command[0]}: error: the endpoint {url} answered HTTP 200 with text/html instead "
                            "of an AWS API response (a captive portal, a proxy's page?)")
    assert "AWS_ENDPOINT_URL" in result.stderr and "Wi-Fi" not in result.stderr
