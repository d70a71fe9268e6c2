"""The workflows' exact `pulumi` invocations run as written against the engine-deployed stack.

Read from .github/workflows/*.yml at test time (so a workflow edit is tested as edited): every `run:`
line that starts with `pulumi `, run by bash in the project copy with the step's environment (stack
names and ids substituted for GitHub expressions, secrets left out), and every `pulumi/actions` step
that has a `command`, translated into the CLI flags its inputs stand for. `pulumi login` lines are left out:
the tests use their own local file backend. The commands run in file order on one project (production
deployed, staging initialised with its secrets re-set): the promotion's staging `pulumi up` precedes its
`stack output`, and the production plan (`--save-plan plan.json`) precedes `pulumi up --plan plan.json`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from gate.review.preview_summary import summarize
from tests.engine.harness import REPO_ROOT, EngineProject

pytestmark = pytest.mark.engine

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
STACK = "production"  # the stack the engine tests deploy; matrix stacks (drift) run as production
# What GitHub would substitute, for the variables the commands use; secrets are never set here.
EXPRESSION_VALUES = {"STACK": STACK, "DEPLOYMENT_ID": "4242-1"}
GITHUB_DEFAULTS = {"GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567", "GITHUB_RUN_ID": "4242"}
SECRET_NAMES = re.compile(r"TOKEN|SECRET|KEY|PASSWORD|PASSPHRASE", re.IGNORECASE)
ACTION_FLAGS = {"stack-name": "--stack", "policyPacks": "--policy-pack", "policyPackConfigs": "--policy-pack-config"}


def step_env(*scopes: dict[str, Any]) -> dict[str, str]:
    env: dict[str, str] = dict(GITHUB_DEFAULTS)
    for scope in scopes:
        for name, value in (scope or {}).items():
            if SECRET_NAMES.search(name):
                continue
            text = str(value)
            env[name] = EXPRESSION_VALUES.get(name, "") if "${{" in text else text
    return {k: v for k, v in env.items() if v}


def logical_lines(script: str) -> list[str]:
    return [line.strip() for line in script.replace("\\\n", " ").splitlines() if line.strip()]


def action_command(inputs: dict[str, Any]) -> str:
    parts = ["pulumi", str(inputs["command"]), "--non-interactive"]
    for key, flag in ACTION_FLAGS.items():
        if key in inputs:
            parts += [flag, str(inputs[key]).replace("${{", "").strip()]
    if str(inputs.get("diff", "")).lower() == "true":
        parts.append("--diff")
    return " ".join(parts)


def workflow_commands() -> list[tuple[str, str, dict[str, str]]]:
    found = []
    for path in sorted(WORKFLOWS.glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for job_id, job in doc.get("jobs", {}).items():
            for i, step in enumerate(job.get("steps", [])):
                label = f"{path.name}:{job_id}:{step.get('name') or step.get('uses') or i}"
                env = step_env(doc.get("env", {}), job.get("env", {}), step.get("env", {}))
                for line in logical_lines(step.get("run", "")):
                    # `pulumi login <backend>` would reach the team's backend: the tests are logged in to
                    # their own file backend instead, which is the one thing not run as written.
                    if line.startswith("pulumi ") and not line.startswith("pulumi login"):
                        # `|| code=$?` keeps the step going to write the summary; the CLI's own exit code is tested
                        found.append((label, line.removesuffix("|| code=$?").strip(), env))
                uses, inputs = step.get("uses", ""), step.get("with") or {}
                if uses.startswith("pulumi/actions@") and "command" in inputs:
                    found.append((label + " (pulumi/actions)", action_command(inputs), env))
    return found


COMMANDS = workflow_commands()


def test_the_workflows_use_the_cli():
    # The promotion (staging up, production plan, production up --plan, outputs), the PR preview and the
    # drift check (a preview against the refreshed state, as JSON) all go through it.
    text = " ".join(command for _, command, _ in COMMANDS)
    for needed in ("pulumi up --yes --stack staging", "pulumi up --yes --stack production", "--plan plan.json",
                   "--save-plan plan.json", "pulumi stack output", "pulumi preview", "pulumi preview --refresh",
                   "--json"):
        assert needed in text, f"no workflow runs `{needed}` any more: update tests/engine"


@pytest.mark.parametrize(("label", "command", "env"), COMMANDS, ids=[c[0] for c in COMMANDS])
def test_workflow_command_runs_as_written(deployed: EngineProject, label: str, command: str, env: dict[str, str],
                                         tmp_path: Path):
    result = deployed.shell(command, env, check=False)
    assert result.returncode == 0, f"{label}: `{command}` exited {result.returncode}\n{result.output[-3000:]}"
    assert "engine-test-" not in result.output  # secrets stay masked in what CI logs
    if "> preview-events.json" in command:  # the PR comment's summary reads what the real CLI streamed
        events = (deployed.project / "preview-events.json").read_text()
        assert "engine-test-" not in events
        summary = summarize(events)
        assert summary.changes and not summary.errors, summary
        assert not [v for v in summary.violations if v["enforcementLevel"] == "mandatory"], summary
