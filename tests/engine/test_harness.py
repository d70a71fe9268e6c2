"""The engine tests' own parsing (no engine needed): secrets found in the stack file, engine events read,
the comparison keys, and the workflow commands extracted -- so a green engine test cannot come from a
harness that reads nothing."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.engine.harness import REPO_ROOT, EngineEvents, GateRun, secure_paths, without_secrets
from tests.engine.test_workflow_commands import action_command, step_env, workflow_commands

URN = "urn:pulumi:production::chatpdd-infra::chatpdd:components:Database$aws:rds/instance:Instance::database-primary"


def test_secure_paths_of_the_production_stack():
    config = yaml.safe_load((REPO_ROOT / "Pulumi.production.yaml").read_text())["config"]
    assert set(secure_paths(config)) == {
        ("chatpdd-infra:cache", "api_key"), ("chatpdd-infra:cache", "secret_key"),
        ("chatpdd-infra:app", "vercel_api_token"), ("chatpdd-infra:app", "smtp.password"),
        ("chatpdd-infra:app", "error_tracking_dsn"), ("chatpdd-infra:app", "external_api_keys.OPENAI_API_KEY"),
        # issue 20: the alert webhooks are secrets
        ("chatpdd-infra:monitoring", "chat_webhook_url"), ("chatpdd-infra:monitoring", "pager_webhook_url")}
    stripped = without_secrets(config)
    assert "secure" not in json.dumps(stripped)
    assert stripped["chatpdd-infra:app"]["smtp"]["host"] == "smtp.postmarkapp.com"


def test_engine_events_are_read_and_keyed(tmp_path: Path):
    events = [
        {"resourcePreEvent": {"metadata": {"op": "create", "urn": URN, "type": "aws:rds/instance:Instance",
                                           "new": {"protect": True}}}},
        {"policyEvent": {"resourceUrn": URN, "policyName": "aws-rds-instance-enable-multi-az",
                         "enforcementLevel": "mandatory",
                         "message": "RDS primaries must be Multi-AZ.\nRDS instance 'database-primary' is not Multi-AZ.\n"}},
        {"policyEvent": {"resourceUrn": URN, "policyName": "p-advisory", "enforcementLevel": "advisory",
                         "message": "d\ncan't run policy 'p-advisory' during preview: unknown value\n"}},
        {"policyEvent": {"policyName": "stack-protect-stateful-resources", "enforcementLevel": "mandatory",
                         "message": "d\nstack problem\n"}},
    ]
    log = tmp_path / "events.json"
    log.write_text("\n".join(json.dumps(e) for e in events) + "\n")
    read = EngineEvents.read(log)
    assert set(read.resources) == {URN}
    assert read.mandatory() == {("aws-rds-instance-enable-multi-az", URN),
                                ("stack-protect-stateful-resources", "")}
    assert read.cant_run() == {("p-advisory", URN)}
    assert read.violations()[("aws-rds-instance-enable-multi-az", URN,
                              "RDS instance 'database-primary' is not Multi-AZ.")] == 1


def test_gate_findings_leave_out_its_own_cant_run_upgrade():
    def finding(policy: str, message: str, enforcement: str = "mandatory") -> dict[str, str]:
        return {"policy": policy, "source": "policy-pack", "enforcement": enforcement, "message": message,
                "resource_name": "database-primary", "urn": URN}
    run = GateRun(1, "", {"findings": [finding("a", "broken"), finding("b", "can't run policy 'b' ..."),
                                       finding("c", "advisory only", "advisory"),
                                       {**finding("d", "checkov"), "source": "checkov"}]}, {})
    assert run.mandatory() == {("a", URN)}
    assert run.cant_run() == {("b", URN)}


def test_workflow_commands_are_found_and_secrets_left_out():
    env = step_env({"STACK": "${{ matrix.stack }}", "PULUMI_ACCESS_TOKEN": "${{ secrets.X }}", "PLAIN": "v"})
    assert env["STACK"] == "production" and env["PLAIN"] == "v" and "PULUMI_ACCESS_TOKEN" not in env
    assert action_command({"command": "preview", "stack-name": "production", "policyPacks": "policies",
                           "diff": True}) == ("pulumi preview --non-interactive --stack production "
                                              "--policy-pack policies --diff")
    commands = [c for _, c, _ in workflow_commands()]
    assert commands and all(c.startswith("pulumi ") and not c.startswith("pulumi login") for c in commands)
