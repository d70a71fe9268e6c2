"""The pack config may only tighten the checklist for production: the whole gate (``python -m gate preview``)
exits 2 with one line naming the file and the key when the pack refuses the config at Configure (the same
refusal stops ``pulumi preview --policy-pack-config``: tests/policies/test_config_guard.py); a tighter config
passes."""

from __future__ import annotations

import json
from pathlib import Path

from tests.gate.conftest import REPO, TODAY, run_gate_cli

PRODUCTION = json.loads((REPO / "policies" / "config" / "production.json").read_text())
TAIL = ". Only staging may loosen (policies/chatpdd_policies/_config_guard.py)."


def _gate(tmp_path: Path, config: dict):
    path = tmp_path / "pack.json"
    path.write_text(json.dumps(config))
    return path, run_gate_cli(tmp_path / "out", "--stack", "production", "--no-checkov", "--today", TODAY,
                              "--pack-config", str(path))


def _refusal(path: Path, problems: str) -> str:
    return (f"gate: bad input (exit 2): Invalid policy pack config: {path}: the policy pack refused it at Configure: "
            f"the policy config of stack 'production' may only tighten the checklist {problems}{TAIL}\n")


def test_a_looser_threshold_and_an_advisory_policy_exit_2_naming_the_keys(tmp_path):
    path, run = _gate(tmp_path, {**PRODUCTION, "aws-rds-instance-configure-backup-retention": {
        "minRetentionDays": 1, "enforcementLevel": "advisory"}})
    assert (run.code, run.stdout) == (2, "")
    assert run.stderr == _refusal(path, (
        "(2 loosenings): aws-rds-instance-configure-backup-retention: enforcement level advisory is lower than "
        "mandatory; aws-rds-instance-configure-backup-retention.minRetentionDays = 1 is looser than the checklist's "
        "30 (expected >= 30)"))
    assert not (tmp_path / "out" / "report.json").exists()


def test_all_below_mandatory_exits_2_naming_all(tmp_path):
    path, run = _gate(tmp_path, {**PRODUCTION, "all": "disabled"})
    assert run.code == 2
    assert run.stderr == _refusal(path, "(1 loosening): all: enforcement level disabled is lower than mandatory "
                                        "(every policy)")


def test_a_tighter_pack_config_passes(tmp_path):
    _, run = _gate(tmp_path, {**PRODUCTION,
                              "aws-rds-proxy-configure-connection-pool": {"minPoolConnections": 100},
                              "vercel-env-var-configure-session-timeout": {"minHours": 10, "maxHours": 12}})
    assert run.code == 0, run.stderr
