"""Waivers that follow the program and never surprise: a checkov skip selects the read replicas the program
creates (never a primary), and a waiver about to expire is announced, not sprung."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json

import pytest

from gate.__main__ import main
from gate.export.checkov import (
    CheckovError,
    CheckovRun,
    CheckovSkip,
    ExportedResource,
    PlanExport,
    load_skips,
    merge_results,
)
from tests.gate.conftest import TODAY, needs_checkov, run_gate_cli, stack_text

REPLICA_SKIP = dict(check="CKV_AWS_157", select={"type": "aws_db_instance", "role": "rds-replica", "max_count": 2},
                    reason="Read replicas are single-AZ by design.", owner="platform-team",
                    expires=dt.date(2026, 12, 31))


def _instance(address: str, role: str, source: str | None) -> dict:
    return {"address": address, "type": "aws_db_instance", "name": address.split(".")[1],
            "values": {"tags": {"Role": role}, "replicate_source_db": source, "multi_az": source is None}}


def _export(*instances: dict) -> PlanExport:
    return PlanExport(plan={"planned_values": {"root_module": {"resources": list(instances)}}},
                      resources=[ExportedResource(i["address"], "aws_db_instance", i["name"], f"urn:{i['name']}")
                                 for i in instances])


def _multi_az_failures(export: PlanExport) -> CheckovRun:
    return CheckovRun(report={"results": {"failed_checks": [
        {"check_id": "CKV_AWS_157", "check_name": "Multi-AZ", "resource_address": r.address}
        for r in export.resources]}}, seconds=0.0, command=[])


def _statuses(export: PlanExport) -> dict[str, str]:
    merged = merge_results(_multi_az_failures(export), export, [CheckovSkip(**REPLICA_SKIP)],
                           {r.urn: r.name for r in export.resources}, dt.date(2026, 12, 1))
    return {f.resource_name or "": f.status for f in merged.findings}


def test_a_selector_skips_every_replica_the_program_creates():
    export = _export(_instance("aws_db_instance.r1", "rds-replica", "db"),
                     _instance("aws_db_instance.r2", "rds-replica", "db"))
    assert _statuses(export) == {"r1": "skipped", "r2": "skipped"}


def test_a_primary_is_never_selected_even_tagged_as_a_replica():
    """A primary has no replicate_source_db: retagging it Role=rds-replica does not make its failure skippable."""
    export = _export(_instance("aws_db_instance.primary", "rds-replica", None),
                     _instance("aws_db_instance.r1", "rds-replica", "db"))
    assert _statuses(export) == {"primary": "open", "r1": "skipped"}


def test_a_selector_that_selects_more_than_its_max_count_skips_none():
    export = _export(*(_instance(f"aws_db_instance.r{i}", "rds-replica", "db") for i in range(3)))
    assert set(_statuses(export).values()) == {"open"}


@pytest.mark.parametrize(("select", "problem"), [
    ("{type: aws_db_instance, role: rds-primary, max_count: 1}",
     "skips.0.select: Value error, aws_db_instance with role rds-primary cannot be selected"),
    ("{type: aws_s3_bucket, role: rds-replica, max_count: 1}",
     "skips.0.select: Value error, aws_s3_bucket with role rds-replica cannot be selected"),
    ("{type: aws_db_instance, role: rds-replica, max_count: 11}",
     "skips.0.select.max_count: Input should be less than or equal to 10"),
    ("{type: aws_db_instance, role: rds-replica}", "skips.0.select.max_count: missing"),
])
def test_only_resources_created_in_numbers_can_be_selected(tmp_path, select, problem):
    path = tmp_path / "skips.yaml"
    path.write_text(f"skips:\n  - check: CKV_AWS_157\n    select: {select}\n    reason: Replicas are single-AZ.\n"
                    f"    owner: platform-team\n    expires: 2027-01-01\n")
    with pytest.raises(CheckovError) as err:
        load_skips(path, "skips.yaml", dt.date(2026, 12, 1))
    assert str(err.value).startswith(f"Invalid checkov skip list skips.yaml: {problem}")


def test_a_skip_names_resources_or_selects_them_not_both(tmp_path):
    path = tmp_path / "skips.yaml"
    path.write_text("skips:\n  - check: CKV_AWS_157\n    resources: [aws_db_instance.r1]\n"
                    "    select: {type: aws_db_instance, role: rds-replica, max_count: 1}\n"
                    "    reason: Replicas are single-AZ.\n    owner: platform-team\n    expires: 2027-01-01\n")
    with pytest.raises(CheckovError) as err:
        load_skips(path, "skips.yaml", dt.date(2026, 12, 1))
    assert "give either resources (Terraform addresses) or select (a bounded selector), exactly one" in str(err.value)


@needs_checkov
def test_two_read_replicas_on_production_pass_the_gate(tmp_path):
    stack = tmp_path / "Pulumi.production.yaml"
    stack.write_text(stack_text({"read_replicas: 1": "read_replicas: 2"}))
    run = run_gate_cli(tmp_path / "out", "--stack", "production", "--today", TODAY, "--stack-file", str(stack))
    assert run.code == 0, run.stdout + run.stderr
    skipped = {f["resource_name"] for f in run.report()["findings"]
               if f["policy"] == "checkov:CKV_AWS_157" and f["status"] == "skipped"}
    assert skipped == {"database-replica-1", "database-replica-2"}


@needs_checkov
def test_ten_days_before_the_skips_expire_the_gate_passes_and_names_each_waiver(tmp_path, repo_root):
    skips = load_skips(repo_root / "gate/checkov-skips.yaml", "gate/checkov-skips.yaml", dt.date.fromisoformat(TODAY))
    expiry = min(s.expires for s in skips)
    today = (expiry - dt.timedelta(days=10)).isoformat()
    run = run_gate_cli(tmp_path / "out", "--stack", "production", "--today", today)
    assert run.code == 0, run.stdout + run.stderr
    soon = [s for s in skips if (s.expires - expiry).days <= 4]
    assert f"WARNING: {len(soon)} waivers expire within 14 days" in run.stdout
    for s in soon:
        line = f"  ! checkov skip {s.check} on {s.label()} (owner {s.owner}, gate/checkov-skips.yaml:"
        assert line in run.stdout
        assert f"expires on {s.expires.isoformat()} (in {(s.expires - expiry).days + 10} days)" in run.stdout
    comment = run.text("report.md")
    first = comment.split("<details>", 1)[0]
    assert f"{len(soon)} waivers expire within 14 days" in first
    assert all(s.check in first and s.expires.isoformat() in first for s in soon)
    assert run.report()["expiring_waivers"][0]["days_left"] == 10


def test_the_waivers_command_lists_what_expires_soon_as_json(repo_root):
    skips = load_skips(repo_root / "gate/checkov-skips.yaml", "gate/checkov-skips.yaml", dt.date.fromisoformat(TODAY))
    expiry = min(s.expires for s in skips)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["waivers", "--within", "14", "--json", "--today", (expiry - dt.timedelta(days=10)).isoformat()]) == 0
    listed = json.loads(out.getvalue())["waivers"]
    assert {(w["rule"], w["expires"]) for w in listed} == {
        (s.check, s.expires.isoformat()) for s in skips if (s.expires - expiry).days <= 4}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["waivers", "--json", "--today", (expiry - dt.timedelta(days=15)).isoformat()]) == 0
    assert json.loads(out.getvalue())["waivers"] == []
