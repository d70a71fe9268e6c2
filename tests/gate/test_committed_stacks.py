"""The committed stacks pass the gate: exit 0, every report written, and a terminal summary a reviewer can read."""

from __future__ import annotations

import pytest

from gate.common.outdir import GATE_FILES, MARKER


@pytest.mark.parametrize("fixture", ["production_gate", "staging_gate"])
def test_committed_stack_passes(request, fixture):
    run = request.getfixturevalue(fixture)
    report = run.report()
    assert run.code == 0, run.stdout + run.stderr
    assert report["verdict"] == "pass" and report["summary"]["blocking"] == 0
    assert "Traceback" not in run.stderr
    assert sorted(p.name for p in run.out.iterdir()) == sorted((*GATE_FILES, MARKER))


def test_terminal_summary_lists_resources_by_type_and_ends_with_the_verdict(production_gate):
    out = production_gate.stdout
    report = production_gate.report()
    assert f"Resources: {report['resources']['total']} " in out
    for kind, count in report["resources"]["by_type"].items():
        assert any(line.split() == [kind, str(count)] for line in out.splitlines()), kind
    verdict = [line for line in out.splitlines() if line.startswith(("PASS:", "FAIL:"))]
    assert verdict == [out.splitlines()[-2]] and verdict[0].startswith("PASS: 0 blocking violations")


def test_every_pack_policy_ran_with_the_stack_pack_config(production_gate):
    report = production_gate.report()
    pack = [p for p in report["policies"] if p["source"] == "policy-pack"]
    assert report["pack"]["config_file"] == "policies/config/production.json"
    assert len(pack) >= 20 and all(p["enforcement"] == "mandatory" for p in pack)  # "all": "mandatory"
    assert all(p["remediation"] for p in pack), "every policy needs remediation steps for the reports"


def test_the_program_ran_every_component(production_gate):
    kinds = production_gate.report()["resources"]["by_type"]
    for component in ("Network", "Database", "Storage", "Cache", "VercelApp", "Monitoring"):
        assert kinds.get(f"chatpdd:components:{component}") == 1
