"""checkov runs for real on the exported plan (skipped only where .venv-checkov is absent -- CI has it): it
parses exactly the exported resources, its failures are merged as findings, skips carry their reason."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from gate.common.findings import EXPIRED_EXEMPTION_POLICY
from gate.export.checkov import (
    CheckovError,
    CheckovRun,
    CheckovSkip,
    ExportedResource,
    PlanExport,
    load_skips,
    merge_results,
)
from gate.export.terraform_types import PULUMI_TO_TERRAFORM
from tests.gate.conftest import TODAY, needs_checkov


@needs_checkov
def test_checkov_parses_every_exported_resource(checkov_gate):
    report = checkov_gate.report()
    plan = json.loads(checkov_gate.text("plan.tf.json"))
    checkov = json.loads(checkov_gate.text("checkov.json"))
    exported = len(plan["planned_values"]["root_module"]["resources"])
    assert report["checkov"]["ran"] is True
    assert exported > 50
    assert checkov["summary"]["resource_count"] == exported == report["resources"]["exported_to_checkov"]
    assert checkov["summary"]["parsing_errors"] == 0


@needs_checkov
def test_checkov_failures_are_merged_as_findings(checkov_gate):
    checkov = json.loads(checkov_gate.text("checkov.json"))
    findings = {(f["policy"], f["message"].split(" fails ")[0]): f for f in checkov_gate.report()["findings"]
                if f["source"] == "checkov"}
    failed = {(f"checkov:{c['check_id']}", c["resource"]) for c in checkov["results"]["failed_checks"]}
    assert set(findings) == failed
    for f in findings.values():
        assert f["enforcement"] == "mandatory" and f["urn"] and f["location"]["path"].startswith("components/")
        assert (f["status"] == "skipped") is bool(f["waiver"].get("reason"))
    blocking = [f for f in findings.values() if f["blocking"]]
    assert (checkov_gate.code == 1) is bool(blocking or [f for f in checkov_gate.report()["findings"] if f["blocking"]])
    for f in blocking:
        assert f"x {f['policy']} -- {f['resource_name']}" in checkov_gate.stdout


@needs_checkov
def test_cross_resource_s3_checks_see_the_bucket_sub_resources(checkov_gate):
    """CKV2_AWS_6 / CKV_AWS_21 / CKV_AWS_145 pass only if the plan's references connect each bucket to its
    public access block, versioning and KMS encryption resources."""
    passed = {(c["check_id"], c["resource"]) for c in json.loads(checkov_gate.text("checkov.json"))["results"]
              ["passed_checks"]}
    buckets = [r["address"] for r in json.loads(checkov_gate.text("plan.tf.json"))["planned_values"]["root_module"]
               ["resources"] if r["type"] == "aws_s3_bucket"]
    assert len(buckets) == 5  # backups, uploads, access-logs, canary-artifacts, backups-dr (components/storage.py)
    for bucket in buckets:
        # The access-logs bucket is SSE-S3 by design (log delivery refuses SSE-KMS): CKV_AWS_145 is skipped there.
        kms = () if bucket.endswith("-access-logs") else ("CKV_AWS_145",)
        for check in ("CKV2_AWS_6", "CKV_AWS_21", *kms):
            assert (check, bucket) in passed, (check, bucket)


def test_plan_has_the_shape_checkov_needs_and_no_secret(production_gate):
    plan = json.loads(production_gate.text("plan.tf.json"))
    assert plan["terraform_version"] and plan["format_version"]
    resources = plan["planned_values"]["root_module"]["resources"]
    assert all(r["mode"] == "managed" and r["address"] == f"{r['type']}.{r['name']}" for r in resources)
    assert len({r["address"] for r in resources}) == len(resources)
    db = next(r for r in resources if r["type"] == "aws_db_instance" and "replica" not in r["name"])
    assert db["values"]["storage_encrypted"] is True and db["values"]["password"] == "[secret]"
    sse = next(r for r in resources if r["type"] == "aws_s3_bucket_server_side_encryption_configuration"
               and r["name"] == "storage-backups-encryption")
    assert sse["values"]["rule"][0]["apply_server_side_encryption_by_default"][0]["sse_algorithm"] == "aws:kms"
    config = {r["address"]: r for r in plan["configuration"]["root_module"]["resources"]}
    assert config[sse["address"]]["expressions"]["bucket"]["references"][1].startswith("aws_s3_bucket.")


def test_every_aws_type_the_program_uses_has_a_terraform_type(production_gate, staging_gate):
    """A new AWS resource type must be added to gate/export/terraform_types.py, or checkov silently skips it."""
    used = {kind for run in (production_gate, staging_gate) for kind in run.report()["resources"]["by_type"]
            if kind.startswith("aws:")}
    assert used - set(PULUMI_TO_TERRAFORM) == set()
    assert not [w for w in production_gate.report()["warnings"] if "no Terraform type" in w]


def test_checked_in_skip_list_is_valid_with_a_reason_owner_and_expiry_each(repo_root):
    skips = load_skips(repo_root / "gate/checkov-skips.yaml", "gate/checkov-skips.yaml", dt.date.fromisoformat(TODAY))
    assert skips and all(len(s.reason) > 40 and s.owner for s in skips)
    assert all(dt.date.fromisoformat(TODAY) <= s.expires for s in skips)  # none expired at the newest commit
    named = [(s.check, address) for s in skips for address in s.resources or ()]
    assert len(set(named)) == len(named)
    # resources created in numbers are selected, and a selector never names a primary (tests/gate/test_waivers.py)
    assert [(s.check, s.select.role) for s in skips if s.select] == [("CKV_AWS_157", "rds-replica")]


SKIP = ("skips:\n  - check: CKV_AWS_18\n    resources: [{resources}]\n    reason: The replica is written only by "
        "replication.\n{extra}")
OWNED = "    owner: platform-team\n    expires: 2027-01-01\n"


@pytest.mark.parametrize("text, problem", [
    (SKIP.format(resources='"aws_s3_bucket.storage-*"', extra=OWNED),
     "skips.0.resources.0: Value error, 'aws_s3_bucket.storage-*' is a glob; name one resource (its URN or its "
     "Pulumi name), without *, ?, ["),
    (SKIP.format(resources="", extra=OWNED), "skips.0.resources: List should have at least 1 item after validation"),
    (SKIP.format(resources="aws_s3_bucket.a", extra="    expires: 2027-01-01\n"), "skips.0.owner: missing"),
    (SKIP.format(resources="aws_s3_bucket.a", extra="    owner: platform-team\n"), "skips.0.expires: missing"),
    (SKIP.format(resources="aws_s3_bucket.a", extra=OWNED.replace("2027-01-01", "2027-03-02")),
     "skips.0.expires: 2027-03-02 is more than 90 days after 2026-12-01 (at most 2027-03-01; renew it after a new "
     "review instead)"),
    ("max_expiry_days: 100\n" + SKIP.format(resources="aws_s3_bucket.a", extra=OWNED),
     "max_expiry_days: Input should be less than or equal to 90"),
])
def test_a_skip_names_check_resources_reason_owner_and_a_bounded_expiry(tmp_path, text, problem):
    path = tmp_path / "skips.yaml"
    path.write_text(text)
    with pytest.raises(CheckovError) as err:
        load_skips(path, "skips.yaml", dt.date(2026, 12, 1))
    assert str(err.value).startswith(f"Invalid checkov skip list skips.yaml: {problem}")


def test_an_expired_skip_no_longer_skips_and_blocks():
    run = CheckovRun(report={"results": {"failed_checks": [
        {"check_id": "CKV_AWS_18", "check_name": "Ensure access logging", "resource_address": "aws_s3_bucket.a"}]}},
        seconds=0.0, command=[])
    export = PlanExport(plan={}, resources=[ExportedResource("aws_s3_bucket.a", "aws_s3_bucket", "a", "urn:a")])
    skip = CheckovSkip(check="CKV_AWS_18", resources=["aws_s3_bucket.a"], reason="Written only by replication.",
                       owner="platform-team", expires=dt.date(2026, 12, 1))
    in_force = merge_results(run, export, [skip], {"urn:a": "a"}, dt.date(2026, 12, 1))
    assert [(f.policy, f.status) for f in in_force.findings] == [("checkov:CKV_AWS_18", "skipped")]
    expired = merge_results(run, export, [skip], {"urn:a": "a"}, dt.date(2026, 12, 2))
    assert [(f.policy, f.status, f.blocking) for f in expired.findings] == [
        ("checkov:CKV_AWS_18", "open", True), (EXPIRED_EXEMPTION_POLICY, "open", True)]
    assert expired.findings[1].message == ("checkov skip of CKV_AWS_18 on aws_s3_bucket.a (owner platform-team) "
                                           "expired on 2026-12-01; the failures it covered block again.")


@needs_checkov
def test_every_active_skip_is_listed_in_the_summary_and_the_pr_comment(checkov_gate, repo_root):
    skips = load_skips(repo_root / "gate/checkov-skips.yaml", "gate/checkov-skips.yaml", dt.date.fromisoformat(TODAY))
    markdown = checkov_gate.text("report.md")
    assert f"Active exemptions and checkov skips ({len(skips)})" in checkov_gate.stdout
    assert f"<details><summary>Waivers in force ({len(skips)}, covering " in markdown
    for s in skips:
        line = f"  - checkov skip {s.check} -- {s.label()}: owner {s.owner}, expires {s.expires}"
        assert line in checkov_gate.stdout
        row = next(line for line in markdown.splitlines() if line.startswith(f"| checkov skip | `{s.check}` |")
                   and s.reason[:40] in line)
        assert f"| {s.owner} | {s.expires} (" in row


def _cold_checkov(plan) -> dict:
    """checkov's own console script on ``plan``, started as before the warm start (start_checkov without ``warm``)."""
    from gate.export.checkov import finish_checkov, start_checkov
    from tests.gate.conftest import CHECKOV
    exported = json.loads(plan.read_text())["planned_values"]["root_module"]["resources"]
    proc, command, started = start_checkov(CHECKOV, plan)
    assert command[0] == str(CHECKOV)  # the console script, not the warm launcher
    return finish_checkov(proc, command, started, expected=len(exported)).report


def _outcome(report: dict) -> dict:
    results = report["results"]
    return {kind: sorted((c["check_id"], c["resource_address"]) for c in results.get(kind, []))
            for kind in ("passed_checks", "failed_checks", "skipped_checks")}


@needs_checkov
def test_the_warm_started_checkov_reports_what_its_console_script_reports(checkov_gate):
    """The gate starts checkov before the program runs (gate/export/checkov_warm.py imports it meanwhile) and hands it the
    plan later: the same checks on the same resources as `.venv-checkov/bin/checkov` run by hand."""
    warm = json.loads(checkov_gate.text("checkov.json"))
    cold = _cold_checkov(checkov_gate.out / "plan.tf.json")
    assert warm["summary"]["resource_count"] == cold["summary"]["resource_count"] > 50
    assert _outcome(warm) == _outcome(cold)
    assert _outcome(warm)["passed_checks"]


@needs_checkov
def test_a_warm_checkov_that_gets_no_plan_scans_nothing_and_ends(tmp_path):
    """The program failed (or the gate was interrupted) before the plan was written: the warm process is stopped or,
    given end-of-input, exits 3 without scanning."""
    from gate.export.checkov import prestart_checkov, stop_checkov
    from gate.export.checkov_warm import NO_PLAN
    from tests.gate.conftest import CHECKOV
    idle = prestart_checkov(CHECKOV, tmp_path)
    stdout, _ = idle.communicate(timeout=120)  # closes stdin: no plan
    assert (idle.returncode, stdout) == (NO_PLAN, b"")
    stopped = prestart_checkov(CHECKOV, tmp_path)
    stop_checkov(stopped)
    assert stopped.returncode is not None


@needs_checkov
def test_a_program_that_fails_stops_the_warm_checkov(tmp_path, monkeypatch):
    """In-process: the checkov started before the program is stopped when the program fails (no plan will come)."""
    import subprocess

    from gate.__main__ import main
    from gate.export import checkov as ck
    started: list[subprocess.Popen[bytes]] = []
    real = ck.prestart_checkov

    def recording(*args, **kwargs):
        started.append(real(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(ck, "prestart_checkov", recording)
    program = tmp_path / "broken.py"
    program.write_text("raise RuntimeError('boom')\n")
    code = main(["preview", "--stack", "production", "--program", str(program), "--out", str(tmp_path / "out")])
    assert code == 2
    assert len(started) == 1 and started[0].returncode is not None, "the warm checkov outlived the failed run"
