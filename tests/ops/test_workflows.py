"""The GitHub Actions workflows: valid against GitHub's workflow schema (the copy check-jsonschema
vendors, used offline), and wired as promised (docs/promotion.md): the PR runs the gate and uploads its
SARIF, and previews production only from this repository's branches with the `preview` environment's
credentials; promotion moves one commit through staging (up, verify, restore drill), a production plan the
reviewers approve, then production (snapshot, up --plan, verify); drift runs per stack in that stack's
account and opens an issue only for real drift. Supply chain: actions pinned to full commit SHAs, no
persisted git credentials, the Pulumi CLI pinned to the SDK's version."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from ops.__main__ import build_parser
from tests.engine.test_engine_pin import drift_problem

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))
POLICY_ARGS = "--policy-pack policies --policy-pack-config policies/config/production.json"


def load(name: str) -> dict[str, Any]:
    doc = yaml.safe_load((WORKFLOWS / name).read_text())
    doc["on"] = doc.pop(True, doc.get("on"))  # YAML 1.1 reads the key `on` as the boolean true
    return doc


def steps(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(job, step) for job, spec in doc["jobs"].items() for step in spec.get("steps", [])]


def index_of(job_steps: list[dict[str, Any]], needle: str) -> int:
    """The first step whose command contains the needle."""
    return next(i for i, s in enumerate(job_steps) if needle in s.get("run", ""))


def test_expected_workflows_exist():
    assert [f.name for f in FILES] == ["drift.yml", "lock.yml", "pr-report.yml", "pr.yml", "preview.yml", "promote.yml",
                                       "waivers.yml"]


def test_workflows_match_the_github_workflow_schema():
    result = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                             *map(str, FILES)], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


SHA_PIN = re.compile(r"^\s*(?:- )?uses: ([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$")
REPO = WORKFLOWS.parents[1]


def jobs() -> list[tuple[str, str, dict[str, Any]]]:
    return [(path.name, name, spec) for path in FILES for name, spec in load(path.name)["jobs"].items()]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_actions_pinned_to_commit_shas_permissions_minimal_and_no_static_keys(path):
    doc, text = load(path.name), path.read_text()
    uses = [line for line in text.splitlines() if re.match(r"^\s*(- )?uses:", line)]
    assert uses and all(SHA_PIN.match(line) for line in uses), [u for u in uses if not SHA_PIN.match(u)]
    assert doc["permissions"] == {}  # every job grants what it needs, nothing more
    for name, job in doc["jobs"].items():
        # the one exception: lock.yml pushes its branch (scheduled from main, in its own environment)
        contents = "write" if (path.name, name) == ("lock.yml", "lock") else "read"
        assert "permissions" in job and job["permissions"].get("contents") == contents
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False
    assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text
    # provider credentials come from stack secrets (components/providers.py): no env var reads them
    assert "REDISCLOUD_" not in text and "VERCEL_" not in text


def test_one_version_per_action_across_workflows():
    pins: dict[str, set[tuple[str, str]]] = {}
    for path in FILES:
        for line in path.read_text().splitlines():
            if m := SHA_PIN.match(line):
                pins.setdefault(m.group(1).split("/")[0] + "/" + m.group(1).split("/")[1], set()).add(m.group(2, 3))
    assert {action: len(v) for action, v in pins.items() if len(v) > 1} == {}


def test_secrets_only_in_jobs_with_an_environment():
    """Repository-level secrets would reach any collaborator's PR: every secret lives in an environment."""
    for workflow, name, job in jobs():
        if "secrets." in yaml.safe_dump(job):
            assert job.get("environment"), f"{workflow}:{name} reads secrets outside an environment"


def test_credentials_outlive_the_job_and_a_missing_one_fails():
    for workflow, name, job in jobs():
        oidc = [s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
        if not oidc:
            continue
        assert job["permissions"]["id-token"] == "write"
        assert int(oidc[0]["with"].get("role-duration-seconds", 3600)) > job["timeout-minutes"] * 60, (workflow, name)
        first = job["steps"][0]["run"]
        assert "PULUMI_ACCESS_TOKEN" in first and "AWS_ROLE_ARN" in first and "exit 1" in first, (workflow, name)


def test_pulumi_cli_pinned_to_the_sdk_version():
    """The CLI the workflows install (.pulumi-version, equal to the engine tests' go.mod: test_engine_pin.py) may run
    the program's pinned SDK: same major, no older, at most a few minors ahead."""
    pin = (REPO / ".pulumi-version").read_text().strip()
    sdk = re.search(r"^pulumi==(\S+) ", (REPO / "requirements.txt").read_text(), re.M)
    assert sdk and drift_problem(pin, sdk.group(1)) is None
    installs = [s for _, _, job in jobs() for s in job["steps"] if s.get("uses", "").startswith("pulumi/actions@")]
    assert installs and all(s["with"] == {"pulumi-version-file": ".pulumi-version"} for s in installs)


def test_nothing_installs_outside_the_hash_locks():
    for path in FILES:
        assert "pip install" not in path.read_text()
    runs = [s.get("run", "") for _, _, job in jobs() for s in job["steps"]]
    assert {r.strip() for r in runs if r.startswith("make ")} == {
        "make lint", "make actionlint", "make test-unit", "make engine", "make test-engine", "make setup",
        "make deploy-setup", "make lock UV_UPGRADE=--upgrade"}


def test_ops_commands_in_workflows_parse_with_the_real_cli():
    commands = [line.split("python -m ops", 1)[1].split("|")[0] for path in FILES
                for line in path.read_text().splitlines() if "python -m ops" in line and "echo" not in line]
    parsed = [build_parser().parse_args(shlex.split(re.sub(r"\$\{\{[^}]*\}\}|\$\w+", "X", c))) for c in commands]
    assert sorted({a.command for a in parsed}) == ["restore-drill", "snapshot", "verify"]  # SystemExit on a bad option


def test_pr_gate_is_the_base_judging_the_head_without_any_write_permission():
    """Issue 16: the job that runs the PR's program holds contents: read only; the judge is the base's gate,
    installed from the base's locks, run as root so the box can be built, with an emptied environment."""
    doc = load("pr.yml")
    assert doc["on"]["pull_request"] == {"branches": ["main"]}
    assert doc["on"]["push"] == {"branches": ["main"]}  # the SARIF baseline code scanning compares PRs with
    gate = doc["jobs"]["gate"]
    assert gate["permissions"] == {"contents": "read"}
    checkouts = [s for s in gate["steps"] if s.get("uses", "").startswith("actions/checkout@")]
    assert [(c["with"]["path"], c["with"]["ref"]) for c in checkouts] == [
        ("trusted", "${{ github.event.pull_request.base.sha || github.sha }}"),
        ("head", "${{ github.event.pull_request.head.sha }}")]
    setup = [s for s in gate["steps"] if s.get("run") == "make setup"]
    assert setup and setup[0]["working-directory"] == "trusted"  # the base's hash locks, not the PR's
    run = next(s for s in gate["steps"] if s.get("id") == "gate")
    assert "(cd trusted && sudo env -i PATH=\"$PATH\" CI=true" in run["run"]
    assert '.venv/bin/python -m gate preview' in run["run"] and '--head "$GITHUB_WORKSPACE/head"' in run["run"]
    assert "continue-on-error" not in run  # exit 1 (mandatory violation) fails the job: merge blocked
    for job in doc["jobs"].values():  # no job of the PR's workflow can write anywhere
        assert not [k for k, v in job["permissions"].items() if v == "write" and k != "id-token"], job
    upload = [s for s in gate["steps"] if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert upload[0]["with"]["name"] == "policy-gate-reports" and upload[0]["with"]["path"] == "gate-out/"
    # issue 18: the engine tests in a job of their own, after `make engine` (they fail under CI=true without it)
    assert [s["run"] for s in doc["jobs"]["test"]["steps"] if "run" in s] == ["make test-unit"]
    assert [s["run"] for s in doc["jobs"]["engine"]["steps"] if "run" in s] == ["make engine", "make test-engine"]
    assert [s["run"] for s in doc["jobs"]["lint"]["steps"] if "run" in s] == ["make lint", "make actionlint"]


def test_pr_report_transports_the_artifact_and_executes_nothing_of_the_pr():
    doc = load("pr-report.yml")
    assert doc["on"] == {"workflow_run": {"workflows": ["pr", "preview"], "types": ["completed"]}}
    [job] = doc["jobs"].values()
    assert job["permissions"] == {"contents": "read", "actions": "read", "pull-requests": "write",
                                  "security-events": "write"}
    uses = [s.get("uses", "").split("@")[0] for s in job["steps"]]
    assert "actions/checkout" not in uses and "actions/setup-python" not in uses
    text = (WORKFLOWS / "pr-report.yml").read_text()
    assert "python" not in text and "make " not in text and "bash kept" not in text  # nothing of the PR runs
    by_name = {s.get("uses", "").split("@")[0] or s.get("id", s.get("name")): s for s in job["steps"]}
    downloads = {s["with"]["name"]: s["with"]["run-id"] for s in job["steps"]
                 if s.get("uses", "").startswith("actions/download-artifact@")}
    # each part from its own run of the same commit, found through the API (the preview waits for an approval)
    assert downloads == {"policy-gate-reports": "${{ steps.pr.outputs.gate_run }}",
                         "pulumi-preview-summary": "${{ steps.pr.outputs.preview_run }}"}
    assert '--commit "$HEAD_SHA" --status completed' in by_name["pr"]["run"]
    assert doc["concurrency"] == {"group": "pr-report-${{ github.event.workflow_run.head_sha }}",
                                  "cancel-in-progress": False}
    comment = by_name["marocchino/sticky-pull-request-comment"]
    assert comment["with"]["number"] == "${{ steps.pr.outputs.number }}"  # from the API, not the artifact
    assert comment["with"]["path"] == "kept/comment.md"  # report.md, then the real preview's summary if it fits
    sarif = by_name["github/codeql-action/upload-sarif"]
    assert sarif["continue-on-error"] is True and sarif["with"]["sarif_file"] == "kept/report.sarif"
    assert "gh pr list" in by_name["pr"]["run"] and "size_in_bytes" in by_name["pr"]["run"]


def test_pr_preview_runs_for_this_repository_only_with_the_preview_environment():
    """Its own workflow (the gate's comment does not wait for the approval), on pull requests only."""
    doc = load("preview.yml")
    assert doc["on"] == {"pull_request": {"branches": ["main"]}} and "preview" not in load("pr.yml")["jobs"]
    preview = doc["jobs"]["preview"]
    assert preview["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    assert preview["environment"] == "preview"
    step = preview["steps"][index_of(preview["steps"], "pulumi preview")]
    command = " ".join(step["run"].split())
    assert f"pulumi preview --stack production --non-interactive --json {POLICY_ARGS} > preview-events.json" in command
    assert command.endswith('exit "$code"') and step["env"]["PULUMI_ENABLE_STREAMING_JSON_PREVIEW"] == "true"
    # no step of the check is silently skipped (the check means it ran); only the report upload has an if
    assert [s["uses"].split("@")[0] for s in preview["steps"] if "if" in s] == ["actions/upload-artifact"]


def test_branch_protection_list_matches_the_job_names():
    """The README and docs/promotion.md tell branch protection to require exactly the PR jobs' check names."""
    names = sorted(job.get("name", job_id) for workflow in ("pr.yml", "preview.yml")
                   for job_id, job in load(workflow)["jobs"].items())
    for doc in ("README.md", "docs/promotion.md"):
        [line] = [ln for ln in (REPO / doc).read_text().splitlines() if "Required status checks" in ln and "`" in ln]
        assert sorted(re.findall(r"`([^`]+)`", line.split("Required status checks", 1)[1])) == names, doc


def test_promotion_moves_one_commit_through_staging_then_production():
    doc = load("promote.yml")
    assert doc["on"]["push"] == {"branches": ["main"]}  # no tags: no double or stale deployment
    staging, plan, production = (doc["jobs"][j] for j in ("staging", "production-plan", "production"))
    assert plan["needs"] == "staging" and production["needs"] == ["staging", "production-plan"]
    assert (staging["environment"], plan["environment"], production["environment"]) == (
        "staging", "preview", "production")
    up = index_of(staging["steps"], "pulumi up --yes --stack staging")
    outputs = index_of(staging["steps"], "pulumi stack output --stack staging")
    verify = index_of(staging["steps"], "python -m ops verify")
    drill = index_of(staging["steps"], "python -m ops restore-drill")
    assert up < outputs < verify < drill
    assert "--policy-pack-config policies/config/staging.json" in staging["steps"][up]["run"]
    preview = " ".join(plan["steps"][index_of(plan["steps"], "pulumi preview")]["run"].split())
    assert preview.startswith(f"pulumi preview --stack production --non-interactive --diff {POLICY_ARGS} "
                              "--save-plan plan.json")
    assert "GITHUB_STEP_SUMMARY" in plan["steps"][index_of(plan["steps"], "cat preview.txt")]["run"]


def test_production_snapshots_before_up_with_the_plan_and_verifies_after():
    job = load("promote.yml")["jobs"]["production"]
    head = index_of(job["steps"], "commits/main")
    outputs = index_of(job["steps"], "pulumi stack output")
    snapshot = index_of(job["steps"], "python -m ops snapshot")
    up = index_of(job["steps"], "pulumi up --yes")
    verify = index_of(job["steps"], "python -m ops verify")
    assert head < outputs < snapshot < up < verify
    command = " ".join(job["steps"][up]["run"].split())
    assert f"{POLICY_ARGS} --plan plan.json" in command
    assert "stack output" in job["steps"][up + 1]["run"]  # verify reads the outputs after the update


def test_promote_failure_timeout_or_cancel_prints_rollback_instructions():
    job = load("promote.yml")["jobs"]["production"]
    rollback = job["steps"][-1]
    assert rollback["if"] == "failure() || cancelled()"
    assert rollback["env"]["SNAPSHOT_ID"] == "${{ steps.snapshot.outputs.snapshot_id }}"
    assert rollback["run"].startswith("APP_URL=$(jq -r '.app.base_url // empty' outputs.json")
    for text in ("vercel rollback", "$SNAPSHOT_ID", "pulumi stack export", "pulumi stack history",
                 "GITHUB_STEP_SUMMARY", "database.restore_snapshot_id", "docs/production-deployment-checklist.md"):
        assert text in rollback["run"]


def test_drift_one_role_per_stack_issue_only_on_real_drift_serialized_with_promotion():
    doc = load("drift.yml")
    assert {"schedule", "workflow_dispatch"} <= doc["on"].keys()
    job = doc["jobs"]["drift"]
    assert job["strategy"]["matrix"]["stack"] == ["production", "staging"]
    assert job["environment"] == "drift-${{ matrix.stack }}"  # its own role in that stack's account
    assert job["concurrency"]["group"] == "pulumi-${{ matrix.stack }}"
    promote = load("promote.yml")["jobs"]
    assert {promote[s]["concurrency"]["group"] for s in ("staging", "production")} == {
        "pulumi-staging", "pulumi-production"}
    preview = job["steps"][index_of(job["steps"], "pulumi preview --refresh")]
    assert "--json" in preview["run"] and "changes=" in preview["run"]
    issue = [s for s in job["steps"] if s.get("uses", "").startswith("actions/github-script@")][0]
    assert issue["if"] == "steps.preview.outcome == 'success' && steps.preview.outputs.changes != '0'"


def test_dependabot_keeps_actions_current_and_lock_yml_the_locks():
    config = yaml.safe_load((REPO / ".github" / "dependabot.yml").read_text())
    # pip updates come from .github/workflows/lock.yml (`make lock --upgrade`): Dependabot cannot regenerate them
    assert {u["package-ecosystem"] for u in config["updates"]} == {"github-actions"}
    lock = load("lock.yml")
    runs = [s.get("run", "") for _, s in steps(lock)]
    assert "make lock UV_UPGRADE=--upgrade" in runs and lock["on"]["schedule"]


def test_operations_doc_says_what_the_workflows_do():
    """docs/operations.md, "Promotion and operations": every workflow is described, tags deploy nothing (promote.yml
    has no tag trigger), and the settings it names are exactly the vars and secrets the workflows read."""
    text = (REPO / "docs" / "operations.md").read_text()
    section = text.split("## Promotion and operations", 1)[1].split("Operations tooling", 1)[0]
    for path in FILES:
        assert f"**`{path.name}`**" in section, path.name
    promote = load("promote.yml")["on"]
    assert "tags" not in promote["push"] and promote["push"]["branches"] == ["main"]
    bullet = section.split("**`promote.yml`**", 1)[1].split("\n- ", 1)[0]
    assert "tags deploy nothing" in bullet and "`v*`" not in section
    used = {m for path in FILES for m in re.findall(r"\b(?:vars|secrets)\.([A-Z_]+)", path.read_text())}
    settings = section.split("Settings they need", 1)[1]
    assert set(re.findall(r"`([A-Z][A-Z_]+)`", settings)) == used
