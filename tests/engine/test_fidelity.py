"""Fidelity: the engine's mandatory policy violations equal the offline gate's findings, case by case.

Cases: both committed stacks as they are, misconfigured variants of the program
(tests/engine/variants.py) that together break every policy of the pack, and misconfigured stack files
(one the config model accepts but the pack does not; one the config model rejects, where both must
refuse with the same key path). Each case runs the same
program source and stack file through `pulumi preview --policy-pack` (real engine, fake providers) and
through `python -m gate preview`; any (policy, resource) one reports and the other does not is a bug in
one of them, and the failure names it.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.engine.harness import REPO_ROOT, EngineEvents, EngineProject, GateRun, policy_args, run_gate
from tests.engine.variants import UNKNOWN_AT_PREVIEW, VARIANTS, variant_source

pytestmark = pytest.mark.engine

CASES = [("production", None), ("staging", None), *(("production", name) for name in VARIANTS)]
# Stack-file edits (old line, new line) of Pulumi.production.yaml.
STACK_EDITS = {
    "no-read-replicas": ("    read_replicas: 1\n", "    read_replicas: 0\n"),  # valid config, pack violation
}
REJECTED_STACK_EDITS = {
    "slow-query-log-too-lax": ("    slow_query_ms: 100\n", "    slow_query_ms: 5000\n", "database.slow_query_ms"),
}


def edited_stack_file(tmp: Path, old: str, new: str) -> Path:
    text = (REPO_ROOT / "Pulumi.production.yaml").read_text(encoding="utf-8")
    assert old in text, f"Pulumi.production.yaml no longer has {old.strip()!r}: update STACK_EDITS"
    path = tmp / "stack" / "Pulumi.production.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path
_results: dict[str, tuple[EngineEvents, GateRun]] = {}


def case_id(case: tuple[str, str | None]) -> str:
    stack, variant = case
    return f"{stack}-{variant}" if variant else f"{stack}-committed"


def run_case(project: EngineProject, stack: str, variant: str | None, tmp: Path) -> tuple[EngineEvents, GateRun]:
    key = case_id((stack, variant))
    if key in _results:
        return _results[key]
    source = variant_source(VARIANTS[variant]) if variant else (REPO_ROOT / "__main__.py").read_text(encoding="utf-8")
    program = tmp / f"{key}.py"
    program.write_text(source, encoding="utf-8")
    gate = run_gate(stack, REPO_ROOT / f"Pulumi.{stack}.yaml", program, tmp / f"gate-{key}")
    # Previews write no state: one project, its __main__.py swapped per case.
    (project.project / "__main__.py").write_text(source, encoding="utf-8")
    try:
        result, events = project.preview(stack, events=tmp / f"{key}.events.json")
    finally:
        (project.project / "__main__.py").write_text((REPO_ROOT / "__main__.py").read_text(encoding="utf-8"),
                                                     encoding="utf-8")
    # Mandatory violations fail a preview with exit code 1 and a bare "preview failed"; anything else
    # (a program error, a provider or pack that did not start) is not a verdict to compare.
    other_errors = [d["message"].strip() for d in events.diagnostics
                    if d.get("severity") == "error" and d["message"].strip() != "preview failed"]
    assert result.returncode == (1 if events.mandatory() else 0) and not other_errors, (
        f"{key}: the preview exited {result.returncode} for another reason than policy violations: "
        f"{other_errors}\n{result.output[-3000:]}")
    _results[key] = (events, gate)
    return events, gate


def _unknown_at_preview(policy: str, urn: str) -> bool:
    return any(policy == p and (urn.endswith("$" + r) or urn.endswith("::" + r)) for p, r in UNKNOWN_AT_PREVIEW)


def describe(items: set[tuple[str, str]]) -> str:
    return "\n".join(f"  {policy} on {resource or '(stack)'}" for policy, resource in sorted(items)) or "  (none)"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_engine_and_gate_agree(engine_project: EngineProject, case: tuple[str, str | None],
                               tmp_path_factory: pytest.TempPathFactory):
    stack, variant = case
    events, gate = run_case(engine_project, stack, variant, tmp_path_factory.mktemp(case_id(case)))
    engine, offline = events.mandatory(), gate.mandatory()
    assert engine == offline, (
        f"{case_id(case)}: engine and gate disagree\n"
        f"only the engine (mandatory violation the gate missed):\n{describe(engine - offline)}\n"
        f"only the gate (finding the engine does not report):\n{describe(offline - engine)}")
    # A policy that could not run (a value unknown at preview) must be the same on both sides too.
    assert events.cant_run() == gate.cant_run(), (
        f"{case_id(case)}: 'can't run policy' differs\nengine only:\n{describe(events.cant_run() - gate.cant_run())}"
        f"\ngate only:\n{describe(gate.cant_run() - events.cant_run())}")
    # Beyond (policy, resource): the same problems, as many times, in the same words -- except where the value is
    # unknown at preview on purpose (variants.UNKNOWN_AT_PREVIEW): the verdict above is the same, the words differ.
    def comparable(violations: Counter[tuple[str, str, str]]) -> Counter[tuple[str, str, str]]:
        return Counter({v: n for v, n in violations.items() if not _unknown_at_preview(v[0], v[1])})
    only_engine = comparable(events.violations()) - comparable(gate.violations())
    only_gate = comparable(gate.violations()) - comparable(events.violations())
    assert not only_engine and not only_gate, (
        f"{case_id(case)}: same violations, different findings\nengine only: {sorted(only_engine)[:10]}"
        f"\ngate only: {sorted(only_gate)[:10]}")
    if variant is None:
        assert engine == set(), f"committed stack {stack} has violations:\n{describe(engine)}"


@pytest.mark.parametrize("edit", sorted(STACK_EDITS))
def test_misconfigured_stack_file_engine_and_gate_agree(edit: str, tmp_path: Path):
    stack_file = edited_stack_file(tmp_path, *STACK_EDITS[edit])
    gate = run_gate("production", stack_file, REPO_ROOT / "__main__.py", tmp_path / "gate-out")
    project = EngineProject(tmp_path / "engine")
    project.init_stack("production", stack_file)
    result, events = project.preview("production")
    assert gate.mandatory(), f"{edit}: the gate found nothing; the edit no longer misconfigures anything"
    assert events.violations() == gate.violations(), (
        f"{edit}: engine and gate disagree\nengine only: {sorted(events.violations() - gate.violations())}"
        f"\ngate only: {sorted(gate.violations() - events.violations())}")
    assert result.returncode == 1


@pytest.mark.parametrize("edit", sorted(REJECTED_STACK_EDITS))
def test_rejected_stack_file_is_refused_by_both_naming_the_key(edit: str, tmp_path: Path):
    old, new, key_path = REJECTED_STACK_EDITS[edit]
    stack_file = edited_stack_file(tmp_path, old, new)
    proc = subprocess.run([sys.executable, "-m", "gate", "preview", "--stack", "production", "--stack-file",
                           str(stack_file), "--no-checkov", "--out", str(tmp_path / "gate-out")],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, check=False)
    project = EngineProject(tmp_path / "engine")
    project.init_stack("production", stack_file)
    result, events = project.preview("production")
    assert proc.returncode == 2 and key_path in proc.stderr, proc.stderr[-2000:]
    # The program stops on the same validation before registering a resource, and says why.
    assert result.returncode != 0 and key_path in result.output, result.output[-3000:]
    assert not [m for m in events.resources.values() if m["type"] != "pulumi:pulumi:Stack"]
    assert events.policy == []


def test_every_policy_of_the_pack_is_violated_at_least_once(engine_project: EngineProject,
                                                             tmp_path_factory: pytest.TempPathFactory):
    violated: set[str] = set()
    policies: list[dict[str, Any]] = []
    for case in CASES:
        events, gate = run_case(engine_project, *case, tmp_path_factory.mktemp(case_id(case)))
        violated |= {policy for policy, _ in events.mandatory()}
        policies = gate.report["policies"]
    pack = {p["name"] for p in policies if p["source"] == "policy-pack"}
    assert len(pack) >= 40
    assert pack - violated == set(), f"policies no engine case violates: {sorted(pack - violated)}"


def test_the_streamed_preview_json_carries_the_violations_the_pr_comment_shows(tmp_path: Path):
    """preview.yml's preview step: `pulumi preview --json` with PULUMI_ENABLE_STREAMING_JSON_PREVIEW streams the engine's
    events, policy violations included, and `python -m gate preview-summary` (gate/review/preview_summary.py) turns them
    into the comment's section: the mandatory violations the engine reports are the ones the summary shows."""
    from gate.review.preview_summary import render, summarize

    edit = sorted(STACK_EDITS)[0]
    stack_file = edited_stack_file(tmp_path, *STACK_EDITS[edit])
    project = EngineProject(tmp_path / "engine")
    project.init_stack("production", stack_file)
    _, events = project.preview("production")
    project.env["PULUMI_ENABLE_STREAMING_JSON_PREVIEW"] = "true"
    result = project.run("preview", "--stack", "production", "--non-interactive", "--json",
                         *policy_args(project, "production"), check=False)
    summary = summarize(result.stdout)
    mandatory = {(v["policyName"], v["resourceUrn"]) for v in summary.violations
                 if v["enforcementLevel"] == "mandatory"}
    assert result.returncode != 0 and mandatory, result.stdout[-2000:]
    # the same violations the engine's own event log has (--event-log, what the fidelity tests read), by URN
    assert mandatory <= {(policy, urn) for policy, urn, _ in events.violations()}
    section = render(summary, "production", None)
    assert section.splitlines()[1].startswith("#### :x: Real `pulumi preview` of `production`")
