"""The GitHub Actions workflows: valid against GitHub's workflow schema (the copy check-jsonschema
vendors, used offline), and wired as promised: the PR runs the gate and uploads its SARIF; promotion
snapshots before `pulumi up` and verifies after; drift runs on a schedule for both stacks."""

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
    assert [f.name for f in FILES] == ["drift.yml", "pr.yml", "promote.yml"]


def test_workflows_match_the_github_workflow_schema():
    result = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                             *map(str, FILES)], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_actions_pinned_permissions_minimal_and_no_static_keys(path):
    doc, text = load(path.name), path.read_text()
    for _, step in steps(doc):
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@v\d+", step["uses"]), step["uses"]
    assert doc["permissions"] == {"contents": "read"}
    assert "concurrency" in doc
    assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text


def test_ops_commands_in_workflows_parse_with_the_real_cli():
    commands = [line.split("python -m ops", 1)[1].split("|")[0] for path in FILES
                for line in path.read_text().splitlines() if "python -m ops" in line and "echo" not in line]
    parsed = [build_parser().parse_args(shlex.split(re.sub(r"\$\{\{[^}]*\}\}|\$\w+", "X", c))) for c in commands]
    assert sorted(a.command for a in parsed) == ["snapshot", "verify"]  # SystemExit above on an unknown option


def test_pr_runs_gate_uploads_sarif_and_comments():
    doc = load("pr.yml")
    assert "pull_request" in doc["on"]
    gate = doc["jobs"]["gate"]
    assert {"security-events": "write", "pull-requests": "write"}.items() <= gate["permissions"].items()
    by_name = {s.get("uses", "").split("@")[0] or s.get("id", s.get("name")): s for s in gate["steps"]}
    run = by_name["gate"]
    assert run["run"].endswith('python -m gate preview --stack production --out gate-out --base "$BASE_SHA"')
    # change review against the PR's base commit, which the checkout must contain (docs/change-review.md)
    assert run["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"
    assert by_name["actions/checkout"]["with"]["fetch-depth"] == 0
    assert "continue-on-error" not in run  # exit 1 (mandatory violation) fails the job: merge blocked
    sarif = by_name["github/codeql-action/upload-sarif"]
    assert sarif["if"].startswith("always()") and sarif["with"]["sarif_file"] == "gate-out/report.sarif"
    assert by_name["marocchino/sticky-pull-request-comment"]["with"]["path"] == "gate-out/report.md"
    assert [s["run"] for s in doc["jobs"]["test"]["steps"] if "run" in s] == ["make test"]
    assert [s["run"] for s in doc["jobs"]["lint"]["steps"] if "run" in s] == ["make lint"]


def test_pr_preview_uses_the_policy_pack_only_with_credentials():
    preview = load("pr.yml")["jobs"]["preview"]
    [pulumi] = [s for s in preview["steps"] if s.get("uses", "").startswith("pulumi/actions@")]
    assert pulumi["with"]["command"] == "preview" and pulumi["with"]["stack-name"] == "production"
    assert (pulumi["with"]["policyPacks"], pulumi["with"]["policyPackConfigs"]) == (
        "policies", "policies/config/production.json")
    assert all(s["if"] == "steps.creds.outputs.available == 'true'" for s in preview["steps"][1:])
    assert "PULUMI_ACCESS_TOKEN" in preview["steps"][0]["run"]


def test_promote_snapshots_before_up_and_verifies_after():
    doc = load("promote.yml")
    assert doc["on"]["push"] == {"branches": ["main"], "tags": ["v*"]}
    job = doc["jobs"]["promote"]
    assert job["environment"] == "production" and job["permissions"]["id-token"] == "write"
    [oidc] = [s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
    assert oidc["with"]["role-to-assume"].startswith("${{ vars.")
    outputs = index_of(job["steps"], "pulumi stack output")
    snapshot = index_of(job["steps"], "python -m ops snapshot")
    up = index_of(job["steps"], "pulumi up --yes")
    verify = index_of(job["steps"], "python -m ops verify")
    assert outputs < snapshot < up < verify
    assert POLICY_ARGS in " ".join(job["steps"][up]["run"].split())
    assert "stack output" in job["steps"][up + 1]["run"]  # verify reads the outputs after the update


def test_promote_failure_prints_rollback_instructions():
    job = load("promote.yml")["jobs"]["promote"]
    rollback = job["steps"][-1]
    assert rollback["if"] == "failure()"
    assert rollback["env"]["SNAPSHOT_ID"] == "${{ steps.snapshot.outputs.snapshot_id }}"
    for text in ("vercel rollback", "$SNAPSHOT_ID", "pulumi stack export", "pulumi stack history",
                 "GITHUB_STEP_SUMMARY", "database.restore_snapshot_id"):
        assert text in rollback["run"]


def test_drift_checks_both_stacks_on_a_schedule():
    doc = load("drift.yml")
    assert {"schedule", "workflow_dispatch"} <= doc["on"].keys()
    job = doc["jobs"]["drift"]
    assert job["strategy"]["matrix"]["stack"] == ["production", "staging"]
    runs = " ".join(s.get("run", "") for s in job["steps"])
    assert "pulumi refresh --preview-only" in runs and "pulumi preview --refresh --expect-no-changes" in runs
