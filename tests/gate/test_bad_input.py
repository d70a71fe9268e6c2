"""Each kind of bad input exits 2 with a clear one-paragraph message -- never a traceback, never a secret."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gate.conftest import REPO, TODAY, run_gate_cli, stack_text


def assert_bad_input(run, *expected: str) -> None:
    assert run.code == 2, run.stdout + run.stderr
    message = run.stderr.strip()
    assert message.startswith("gate: bad input (exit 2): "), message
    assert "Traceback" not in message and "\n\n" not in message, "one paragraph, no traceback"
    for text in expected:
        assert text in message, f"{text!r} not in: {message}"
    assert "offline-secret-" not in message and "v1:" not in message
    assert not (run.out / "report.json").exists(), "no verdict is written for bad input"


SMTP_PASSWORD = """      password:
        secure: """
BROKEN_CONFIGS = {
    "malformed YAML": ({"  chatpdd-infra:owner: platform-team": "  chatpdd-infra:owner: [platform-team"},
                       ["not valid YAML", "line "]),
    "unknown key": ({"    read_replicas: 1\n": "    read_replicas: 1\n    read_replica_count: 2\n"},
                    ["chatpdd-infra:database.read_replica_count: unknown key"]),
    "plaintext secret": ({SMTP_PASSWORD: "      password: hunter2-plaintext\n        # was: "},
                         ["chatpdd-infra:app.smtp.password", "must be a secret"]),
    "missing secret": ({"    vercel_api_token:\n": "    vercel_api_token_removed:\n"},
                       ["chatpdd-infra:app.vercel_api_token: missing (expected a secret"]),
    "bad value": ({"    backup_retention_days: 30\n    read_replicas": "    backup_retention_days: 7\n    read_replicas"},
                  ["chatpdd-infra:database.backup_retention_days = 7", "greater than or equal to 30"]),
}


@pytest.mark.parametrize("case", sorted(BROKEN_CONFIGS))
def test_broken_stack_config_exits_2(case, tmp_path):
    replacements, expected = BROKEN_CONFIGS[case]
    stack_file = tmp_path / "Pulumi.production.yaml"
    stack_file.write_text(stack_text(replacements))
    run = run_gate_cli(tmp_path / "out", "--stack", "production", "--no-checkov", "--stack-file", str(stack_file))
    assert_bad_input(run, "Invalid stack config in Pulumi.production.yaml", *expected)
    assert "hunter2-plaintext" not in run.stderr


def test_unknown_stack_exits_2_through_the_real_cli(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "gate", "preview", "--stack", "prod", "--no-checkov",
                           "--out", str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "no such stack 'prod' (known stacks: production, staging)" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_broken_pack_config_exits_2(tmp_path):
    config = json.loads((REPO / "policies/config/production.json").read_text())
    config["aws-rds-instance-configure-backup-retention"] = {"minRetentionDays": 30, "minRetentionDay": 31}
    path = tmp_path / "pack.json"
    path.write_text(json.dumps(config))
    run = run_gate_cli(tmp_path / "out", "--stack", "production", "--no-checkov", "--pack-config", str(path))
    assert_bad_input(run, "Invalid policy pack config", "aws-rds-instance-configure-backup-retention",
                     "unknown property 'minRetentionDay'")


def test_pack_config_that_is_not_json_exits_2(tmp_path):
    path = tmp_path / "pack.json"
    path.write_text('{"all": "mandatory",}')
    run = run_gate_cli(tmp_path / "out", "--stack", "production", "--no-checkov", "--pack-config", str(path))
    assert_bad_input(run, "is not valid JSON", "line 1")


def test_broken_exemptions_file_exits_2(tmp_path):
    path = tmp_path / "exemptions.yaml"
    path.write_text("exemptions:\n  - policy: aws-rds-instance-enable-multi-az\n    resource: db\n"
                    "    reason: short\n    expires: next week\n")
    run = run_gate_cli(tmp_path / "out", "--stack", "production", "--no-checkov", "--exemptions", str(path),
                       "--today", TODAY)
    assert_bad_input(run, "Invalid exemptions file", "exemptions[0].owner: missing", "exemptions[0].expires",
                     "exemptions[0].reason")


def test_program_that_raises_exits_2(tmp_path):
    program = tmp_path / "broken.py"
    program.write_text("raise RuntimeError('the Cache component needs a subscription id')\n")
    run = run_gate_cli(tmp_path / "out", "--stack", "production", "--no-checkov", "--program", str(program))
    assert_bad_input(run, "The program broken.py failed under Pulumi mocks", "RuntimeError",
                     "the Cache component needs a subscription id", "--debug")


def test_debug_shows_the_traceback(tmp_path):
    program = tmp_path / "broken.py"
    program.write_text("raise RuntimeError('boom')\n")
    run = run_gate_cli(tmp_path / "out", "--stack", "production", "--no-checkov", "--program", str(program),
                       "--debug")
    assert run.code == 2 and "Traceback" in run.stderr


def test_missing_checkov_says_how_to_create_it(tmp_path):
    from gate.export.checkov import CheckovError, start_checkov

    with pytest.raises(CheckovError, match=r"make setup.*--no-checkov"):
        start_checkov(Path(tmp_path / "no-venv" / "bin" / "checkov"), tmp_path / "plan.tf.json")
