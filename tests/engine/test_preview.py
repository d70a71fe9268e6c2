"""`pulumi preview --policy-pack` on the committed production stack, through the real engine.

Proves what the offline gate can only assume: the language host finds `.venv`, the nested `secure:`
config (re-set with `pulumi config set --secret --path`) decrypts and validates, explicit providers work
under `pulumi:disable-default-providers`, the engine starts the pack from PulumiPolicy.yaml with
`--policy-pack-config`, and the resources the engine sees are the ones the gate captured.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.engine.harness import REPO_ROOT, EngineEvents, EngineProject, run_gate, secure_paths

pytestmark = pytest.mark.engine

STACK = "production"


def shape(urn: str, typ: str, parent: str | None, protect: bool, provider: str | None) -> tuple[Any, ...]:
    # A provider reference is `<provider urn>::<id>`; the id is unknown at a first preview and a mock's
    # invention in the gate, so only the provider's URN is compared.
    provider_urn = "::".join(provider.split("::")[:-1]) if provider else ""
    return urn, typ, parent or "", bool(protect), provider_urn


def engine_shapes(events: EngineEvents) -> set[tuple[Any, ...]]:
    out = set()
    for urn, meta in events.resources.items():
        new = meta.get("new") or {}
        out.add(shape(urn, meta["type"], new.get("parent"), new.get("protect", False), new.get("provider")))
    return out


def gate_shapes(export: dict[str, Any]) -> set[tuple[Any, ...]]:
    return {shape(r["urn"], r["type"], r.get("parent"), r.get("protect", False), r.get("provider"))
            for r in export["deployment"]["resources"]}


@pytest.fixture(scope="module")
def preview(engine_project: EngineProject) -> tuple[Any, EngineEvents]:
    return engine_project.preview(STACK)


def test_preview_passes_the_pack(preview):
    result, events = preview
    assert result.returncode == 0, result.output[-4000:]
    assert events.policy == [], [f"{p['policyName']}: {p['message'][:200]}" for p in events.policy]
    # The pack really ran: the engine reports an Analyze summary for every resource it checked.
    assert len(events.analyzed) >= len(events.resources) - 1, (len(events.analyzed), len(events.resources))


def test_secrets_are_decrypted_and_never_printed(engine_project: EngineProject, preview):
    result, _ = preview
    config = yaml.safe_load((REPO_ROOT / f"Pulumi.{STACK}.yaml").read_text())["config"]
    for _key, path in secure_paths(config):
        assert f"engine-test-{path.replace('.', '-')}" not in result.output
    # And the program received them typed (the stack config validated: the preview created the app's
    # secret env vars, whose values come from those secrets).
    stack_file = (engine_project.project / f"Pulumi.{STACK}.yaml").read_text()
    assert "encryptionsalt" in stack_file and "engine-test" not in stack_file


def test_engine_sees_the_resources_the_gate_captured(preview, tmp_path: Path):
    _, events = preview
    gate = run_gate(STACK, REPO_ROOT / f"Pulumi.{STACK}.yaml", REPO_ROOT / "__main__.py", tmp_path / "gate-out")
    engine, offline = engine_shapes(events), gate_shapes(gate.export)
    only_engine = sorted(engine - offline)
    only_gate = sorted(offline - engine)
    assert not only_engine and not only_gate, (
        f"engine and gate disagree on {len(only_engine) + len(only_gate)} resource(s)\n"
        f"only the engine saw: {only_engine[:20]}\nonly the gate captured: {only_gate[:20]}")
    assert len(engine) > 100
