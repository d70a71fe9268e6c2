"""Canary: no secret value reaches stdout, stderr or any file the gate writes -- not a ciphertext from the
stack file, not the loader's offline placeholders, not the mocks' generated-secret placeholders."""

from __future__ import annotations

import json
import re

from gate.program.mocks import generated_secret_placeholder
from stacks.loader import load_stack_file
from tests.gate.conftest import CANARY_CIPHERTEXT

RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"


def _forbidden(run, stack_file) -> set[str]:
    loaded = load_stack_file(stack_file)
    offline = set(re.findall(r"offline-secret-[0-9a-f]{16}", json.dumps(loaded.pulumi_config)))
    ciphertexts = set(re.findall(r"^\s+secure: (\S+)$", stack_file.read_text(), re.MULTILINE))
    assert len(offline) == len(ciphertexts) > 3
    export = json.loads(run.text("stack-export.json"))["deployment"]["resources"]
    generated = {generated_secret_placeholder(r["urn"].rsplit("::", 1)[1], r["inputs"].get("keepers"))
                 for r in export if r["type"] == RANDOM_PASSWORD}
    assert generated, "the program generates passwords: their placeholders must be checked"
    return offline | generated | ciphertexts


def _assert_clean(run, forbidden: set[str]) -> None:
    outputs = {"stdout": run.stdout, "stderr": run.stderr, **run.written()}
    assert set(run.written()) >= {"report.md", "report.sarif", "junit.xml", "report.json", "plan.tf.json",
                                  "stack-export.json", "checkov.json"}
    for name, text in outputs.items():
        leaked = sorted(s for s in forbidden if s in text)
        assert not leaked, f"{name} contains secret values ({len(leaked)})"
        assert not re.search(r"offline-(secret|generated)-[0-9a-f]", text), name


def test_canary_ciphertext_and_placeholders_never_leak(misconfigured_gate, misconfigured_dir):
    stack_file = misconfigured_dir / "Pulumi.production.yaml"
    forbidden = _forbidden(misconfigured_gate, stack_file)
    assert CANARY_CIPHERTEXT in forbidden
    _assert_clean(misconfigured_gate, forbidden)
    assert '"ciphertext": "[secret]"' in misconfigured_gate.text("stack-export.json")


def test_committed_stack_run_leaks_nothing(production_gate, repo_root):
    _assert_clean(production_gate, _forbidden(production_gate, repo_root / "Pulumi.production.yaml"))
