"""``python -m gate preview --base <ref>`` on a temporary git repository: the program is committed (the
base), then edited in the working tree (the head), and the gate reviews the change through the CLI.

Every case runs both programs for real (each in its own process) and the pack; the scenarios are the
ones that hurt in production: refactors without aliases, renamed buckets, dropped protection.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.gate.conftest import REPO, TODAY, GateRun, needs_checkov, run_gate_cli
from tests.gate.test_bad_input import assert_bad_input
from tests.gate.test_comment import visible_lines

PROGRAM_FILES = ("__main__.py", "Pulumi.yaml", "Pulumi.production.yaml", "components", "stacks")
GIT = ["git", "-c", "user.name=gate-test", "-c", "user.email=gate-test@example.invalid", "-c", "init.defaultBranch=main"]


def git(cwd: Path, *args: str) -> str:
    return subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def base_repo(tmp_path_factory) -> Path:
    """The committed program, once per module; each test clones it and edits its clone."""
    repo = tmp_path_factory.mktemp("base-repo")
    for name in PROGRAM_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, repo / name)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    return repo


@pytest.fixture
def head(base_repo, tmp_path) -> Path:
    clone = tmp_path / "head"
    git(tmp_path, "clone", "-q", str(base_repo), str(clone))
    return clone


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} is not in {path.name} exactly once"
    path.write_text(text.replace(old, new))


def review(head: Path, *extra: str, base: str = "HEAD") -> GateRun:
    return run_gate_cli(head.parent / "out", "--stack", "production", "--no-checkov", "--today", TODAY,
                        "--program", str(head / "__main__.py"), "--stack-file", str(head / "Pulumi.production.yaml"),
                        "--base", base, *extra)


def changes(run: GateRun) -> list[dict]:
    return run.report()["changes"]


def test_a_component_refactor_without_alias_is_a_blocking_move(head):
    edit(head / "__main__.py", 'storage = Storage(\n    "storage",', 'storage = Storage(\n    "files",')
    run = review(head)
    assert run.code == 1, run.stdout + run.stderr
    blocking = {(c["type"], c["action"]) for c in changes(run) if c["blocking"]}
    assert ("aws:s3/bucket:Bucket", "move") in blocking and ("aws:kms/key:Key", "move") in blocking
    uploads = next(c for c in changes(run) if c["name"] == "files-uploads")
    assert uploads["old_urn"].endswith("chatpdd:components:Storage$aws:s3/bucket:Bucket::storage-uploads")
    assert f'aliases=["{uploads["old_urn"]}"]' in uploads["fix"]
    assert "move aws:s3/bucket:Bucket files-uploads" in run.stdout


def test_the_same_refactor_with_an_alias_destroys_nothing(head):
    edit(head / "__main__.py", 'storage = Storage(\n    "storage",', 'storage = Storage(\n    "files",')
    edit(head / "__main__.py", "        dr_provider=providers.aws_dr,\n    ),\n    opts,\n)",
         "        dr_provider=providers.aws_dr,\n    ),\n"
         "    pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(aliases=[pulumi.Alias(name=\"storage\")])),\n)")
    run = review(head)
    assert run.code == 0, run.stdout + run.stderr
    actions = {c["action"] for c in changes(run)}
    assert actions == {"rename"}, actions
    assert not [c for c in changes(run) if c["blocking"]]
    assert run.report()["change_review"]["delta"]["new"] == 0


def test_a_changed_bucket_name_is_a_blocking_replace_that_an_exemption_can_waive(head, tmp_path):
    edit(head / "Pulumi.production.yaml", "uploads_bucket_name: chatpdd-production-uploads-111122223333",
         "uploads_bucket_name: chatpdd-production-files-111122223333")
    run = review(head)
    assert run.code == 1, run.stdout + run.stderr
    [replace] = [c for c in changes(run) if c["action"] == "replace"]
    assert (replace["type"], replace["name"], replace["paths"], replace["blocking"]) == (
        "aws:s3/bucket:Bucket", "storage-uploads", ["bucket"], True)
    assert set(replace) >= {"urn", "type", "name", "action", "paths", "blocking", "reason"}
    # the reports: one SARIF result at the declaration, the PR comment's change summary, the delta
    sarif = json.loads(run.text("report.sarif"))["runs"][0]["results"]
    [result] = [r for r in sarif if r["ruleId"] == "gate-destructive-change"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("components/storage.py")
    markdown = run.text("report.md")
    assert "**This PR** (against `HEAD`" in markdown and "1 new blocking, 0 new waived or advisory, 0 fixed; 1 replace, " in markdown
    shown = visible_lines(markdown)
    assert any(line.startswith("| :x: | replace | `storage-uploads`") for line in shown[:15]), shown
    assert markdown.count("storage-uploads` `aws:s3/bucket:Bucket`") == 1, "the change is listed once"
    assert run.report()["change_review"]["delta"]["new"] == 1
    assert git(head, "worktree", "list").count("\n") == 1, "the base worktree is removed"
    # a planned migration: the usual exemption waives it
    exemptions = tmp_path / "exemptions.yaml"
    exemptions.write_text("exemptions:\n  - policy: gate-destructive-change\n    resource: storage-uploads\n"
                          "    reason: Planned migration of uploads to the new bucket name (ticket OPS-42).\n"
                          "    owner: platform-team\n    expires: 2026-12-31\n")
    waived = review(head, "--exemptions", str(exemptions))
    assert waived.code == 0, waived.stdout + waived.stderr
    assert [f["status"] for f in waived.report()["findings"] if f["policy"] == "gate-destructive-change"] == [
        "exempted"]
    assert "| :warning: | replace | `storage-uploads`" in waived.text("report.md")


def test_a_tightened_alarm_is_one_update_and_passes(head):
    edit(head / "Pulumi.production.yaml", "replica_lag_seconds: 30", "replica_lag_seconds: 20")
    run = review(head)
    assert run.code == 0, run.stdout + run.stderr
    assert [(c["action"], c["type"], c["paths"], c["blocking"]) for c in changes(run)] == [
        ("update", "aws:cloudwatch/metricAlarm:MetricAlarm", ["threshold"], False)]


def test_a_dropped_protect_blocks(head):
    edit(head / "components" / "vercel_app.py", "            opts=stateful(self),\n",
         "            opts=child(self),\n")
    run = review(head)
    assert run.code == 1
    [unprotect] = [c for c in changes(run) if c["action"] == "unprotect"]
    assert (unprotect["type"], unprotect["blocking"]) == ("vercel:index/project:Project", True)
    assert "protect was removed" in unprotect["reason"]


def test_a_new_resource_is_a_create(head):
    # A type the program already registers (a new TYPE blocks until its inputs are classified: default deny).
    edit(head / "__main__.py", "providers = create_providers(config)\n",
         "providers = create_providers(config)\nimport pulumi_random\n"
         "pulumi_random.RandomPassword('deploy-marker', length=48, special=False, "
         "opts=pulumi.ResourceOptions(provider=providers.random))\n")
    run = review(head)
    assert [(c["action"], c["type"], c["name"], c["blocking"]) for c in changes(run)] == [
        ("create", "random:index/randomPassword:RandomPassword", "deploy-marker", False)]
    assert run.code == 0, run.stdout + run.stderr


def test_a_new_unclassified_type_blocks_until_its_inputs_have_rows(head):
    edit(head / "__main__.py", "providers = create_providers(config)\n",
         "providers = create_providers(config)\nimport pulumi_random\n"
         "pulumi_random.RandomId('deploy-marker', byte_length=8, opts=pulumi.ResourceOptions(provider=providers.random))\n")
    run = review(head)
    assert run.code == 1, run.stdout + run.stderr
    assert "x stack-inputs-allow-only-classified -- deploy-marker" in run.stdout


def test_a_secret_rotation_is_changed_without_its_value(head):
    edit(head / "Pulumi.production.yaml", "  chatpdd-infra:database:\n",
         "  chatpdd-infra:database:\n    credentials_rotation: 2\n")
    run = review(head)
    assert run.code == 0, run.stdout + run.stderr
    primary = next(c for c in changes(run) if c["name"] == "database-primary")
    assert (primary["action"], primary["paths"]) == ("update", ["password"])
    assert "password (secret: changed, value not shown)" in primary["reason"]
    for name, text in {"stdout": run.stdout, **run.written()}.items():
        assert "offline-generated-" not in text and "offline-secret-" not in text, name


def test_a_base_that_does_not_exist_exits_2_with_one_line(head):
    run = review(head, base="no-such-branch")
    assert_bad_input(run, "--base no-such-branch: no such commit in")
    assert len(run.stderr.strip().splitlines()) == 1
    assert git(head, "worktree", "list").count("\n") == 1


@needs_checkov
def test_an_unchanged_head_introduces_and_fixes_nothing_with_checkov_on_both_sides(head):
    """Base and head go through the same stages: checkov runs on the base too, so the head's (skipped) checkov
    failures are not counted as new (before: every skipped failure read as new, 12 on production)."""
    run = run_gate_cli(head.parent / "out", "--stack", "production", "--today", TODAY,
                       "--program", str(head / "__main__.py"), "--stack-file", str(head / "Pulumi.production.yaml"),
                       "--base", "HEAD")
    assert run.code == 0, run.stdout + run.stderr
    delta = run.report()["change_review"]["delta"]
    checkov_findings = [f for f in run.report()["findings"] if f["source"] == "checkov"]
    assert checkov_findings and (delta["new"], delta["fixed"]) == (0, 0)
    assert delta["unchanged"] == len(run.report()["findings"])
