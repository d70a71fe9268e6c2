"""Issue 16, class F: the pull request edits the guard -- the rules come from the trusted side.

CI runs the BASE's gate with ``--head <the PR's checkout>``; locally, ``--base REF`` from a head checkout hands
over to REF's gate the same way. Either way the head's gate, pack, pack config, exemptions and skips never judge
the head. A change to rules AND infrastructure is refused (exit 2, one line); a rules-only change is judged by
the base's rules and its rule changes are listed for the rule owners (report.json, report.md, terminal).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from tests.gate.conftest import days_after
from tests.gate.test_trust_boundary import PUBLIC_DB, _clean_env, gate, needs_box, scratch_repo

pytestmark = needs_box


def commit(repo: Path, message: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    for args in (["add", "-A"], ["commit", "-q", "-m", message]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def public_database(repo: Path) -> None:
    """An infrastructure change: the program makes its RDS primary public."""
    main = repo / "__main__.py"
    main.write_text(PUBLIC_DB + main.read_text())


def waive_public_database(repo: Path) -> None:
    """A rule change: an exemption for exactly that finding."""
    (repo / "gate" / "exemptions.yaml").write_text(
        "exemptions:\n  - policy: aws-rds-instance-disallow-public-access\n    resource: database-primary\n"
        "    reason: \"the PR waives its own finding\"\n    owner: attacker\n"
        f"    expires: {days_after(time.strftime('%Y-%m-%d'), 30)}\n")


def test_f_a_pr_that_waives_its_own_public_database_is_refused_via_base(tmp_path):
    """On the code before issue 16, `--base` judged with the head's gate and exemptions: exit 0."""
    repo = scratch_repo(tmp_path)
    public_database(repo)
    waive_public_database(repo)
    commit(repo, "public database, waived by the same PR")
    run = gate(repo, tmp_path / "out", "--base", "HEAD~1")
    assert run.code == 2 and run.stdout == "", run.stdout + run.stderr
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert run.stderr.startswith("gate: bad input (exit 2): this change touches rule files (gate/exemptions.yaml) "
                                 "and infrastructure (__main__.py): land the rule change on its own first"), run.stderr


def test_f_a_pr_that_rewrites_the_gate_is_judged_by_the_base_gate(tmp_path):
    """The head's gate always passes and the head's pack drops the public-access policy: neither runs. The
    CI form (`--head`) with the infrastructure change alone: the base's rules fail the public database."""
    trusted = scratch_repo(tmp_path)
    head = scratch_repo(tmp_path / "pr")
    public_database(head)
    run = gate(trusted, tmp_path / "out", "--head", str(head))
    assert run.code == 1, run.stdout + run.stderr
    assert [line for line in run.stdout.splitlines() if line.startswith(("PASS:", "FAIL:"))][0].startswith("FAIL:")
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["rule_changes"] == []
    assert report["change_review"]["ref"] == "base"
    # now the same PR also "fixes" the gate and the pack: refused, the head's gate never ran
    (head / "gate" / "__main__.py").write_text("import sys\nprint('PASS: forged')\nsys.exit(0)\n")
    (head / "policies" / "chatpdd_policies" / "aws_rds_instance_disallow_public_access.py").write_text("")
    run = gate(trusted, tmp_path / "out2", "--head", str(head))
    assert run.code == 2 and "forged" not in run.stdout + run.stderr
    assert "rule files (gate/__main__.py, policies/chatpdd_policies/aws_rds_instance_disallow_public_access.py)" \
        in run.stderr


def test_f_harmless_a_rules_only_pr_that_tightens_a_bound_passes_and_lists_it(tmp_path):
    repo = scratch_repo(tmp_path)
    checklist = repo / "policies" / "chatpdd_policies" / "_checklist.py"
    text = checklist.read_text()
    assert "MIN_POOL_CONNECTIONS = 50\n" in text
    checklist.write_text(text.replace("MIN_POOL_CONNECTIONS = 50\n", "MIN_POOL_CONNECTIONS = 55\n"))
    exemptions = repo / "gate" / "exemptions.yaml"
    exemptions.write_text(exemptions.read_text().replace("exemptions: []", "max_expiry_days: 30\nexemptions: []"))
    commit(repo, "tighten the pool floor and the exemption bound")
    run = gate(repo, tmp_path / "out", "--base", "HEAD~1")
    assert run.code == 0, run.stdout + run.stderr
    assert run.stdout.splitlines()[-2].startswith("PASS: 0 blocking violations")
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["rule_changes"] == [
        {"path": "gate/exemptions.yaml", "change": "changed", "details": ["max_expiry_days: None -> 30 (changed)"]},
        {"path": "policies/chatpdd_policies/_checklist.py", "change": "changed",
         "details": ["MIN_POOL_CONNECTIONS: 50 -> 55 (tightened)"]}]
    assert "MIN_POOL_CONNECTIONS: 50 -> 55 (tightened)" in (tmp_path / "out" / "report.md").read_text()
    assert "      MIN_POOL_CONNECTIONS: 50 -> 55 (tightened)" in run.stdout


def test_f_loosened_bounds_and_added_waivers_are_named_for_the_rule_owners(tmp_path):
    trusted = scratch_repo(tmp_path)
    head = scratch_repo(tmp_path / "pr")
    checklist = head / "policies" / "chatpdd_policies" / "_checklist.py"
    checklist.write_text(checklist.read_text().replace("MIN_POOL_CONNECTIONS = 50\n", "MIN_POOL_CONNECTIONS = 5\n"))
    pack_config = head / "policies" / "config" / "production.json"
    pack_config.write_text(json.dumps({**json.loads(pack_config.read_text()), "all": "advisory"}))
    waive_public_database(head)
    run = gate(trusted, tmp_path / "out", "--head", str(head), env=_clean_env())
    assert run.code == 0, run.stdout + run.stderr  # the base's rules judge the (unchanged) program
    details = [d for c in json.loads((tmp_path / "out" / "report.json").read_text())["rule_changes"]
               for d in c["details"]]
    assert details == [
        "exemption added: aws-rds-instance-disallow-public-access database-primary "
        f"(expires {days_after(time.strftime('%Y-%m-%d'), 30)}) (loosened)",
        "MIN_POOL_CONNECTIONS: 50 -> 5 (loosened)",
        "all: enforcement mandatory -> advisory (loosened)"]
