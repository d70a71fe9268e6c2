"""``stack-export.json``: the captured resources shaped like ``pulumi stack export`` (deployment v3).

So whoever has a recent CLI can re-check the same resources with ``pulumi policy analyze --file``
without credentials, and diff what the gate saw against a real stack's export. Secrets keep Pulumi's
secret envelope but carry an opaque marker instead of ciphertext (there is no secrets provider here,
and the value must never be written); a CLI that has to decrypt them will refuse rather than guess.
Resources are ordered so that parents, providers and dependencies come first, as the CLI's integrity
check requires.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
from importlib import metadata
from typing import Any

from gate.common.redact import Redactor
from gate.program.program import SECRET_SIG, SECRET_VALUE_SIG, UNKNOWN, CapturedResource, ProgramRun
from stacks.models import PROJECT

# Outputs the providers mark secret in their schema (the mocks return them in plain text).
SECRET_OUTPUTS = {"random:index/randomPassword:RandomPassword": ("result", "bcryptHash")}


def stack_urn(stack: str) -> str:
    """The URN of the stack resource, as the engine names it."""
    return f"urn:pulumi:{stack}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{stack}"


def _secret(value: Any) -> dict[str, Any]:
    return {SECRET_SIG: SECRET_VALUE_SIG, "value": value}


def _outputs(r: CapturedResource) -> dict[str, Any]:
    """Inputs (with their secret wrapping) over the mocks' answer; provider-secret outputs wrapped."""
    merged = {k: v for k, v in r.outputs.items() if v != UNKNOWN}
    merged.update({k: v for k, v in r.properties.items() if v != UNKNOWN})
    for key in (*r.additional_secret_outputs, *SECRET_OUTPUTS.get(r.type, ())):
        if key in merged and not (isinstance(merged[key], dict) and SECRET_SIG in merged[key]):
            merged[key] = _secret(merged[key])
    return merged


def dependency_order(resources: list[CapturedResource]) -> list[CapturedResource]:
    """Topological order (parent, provider, dependencies first); ties broken by URN for stable output."""
    by_urn = {r.urn: r for r in resources}
    needs: dict[str, set[str]] = {}
    for r in resources:
        before = {r.parent or "", *r.dependencies,
                  *(u for urns in r.property_dependencies.values() for u in urns)}
        if r.provider:
            before.add("::".join(r.provider.split("::")[:4]))
        needs[r.urn] = {u for u in before if u in by_urn and u != r.urn}
    dependants: dict[str, list[str]] = {}
    for urn, reqs in needs.items():
        for u in reqs:
            dependants.setdefault(u, []).append(urn)
    ready = [u for u, reqs in needs.items() if not reqs]
    heapq.heapify(ready)
    remaining = {u: len(reqs) for u, reqs in needs.items()}
    order: list[str] = []
    while ready:
        urn = heapq.heappop(ready)
        order.append(urn)
        for d in dependants.get(urn, ()):
            remaining[d] -= 1
            if remaining[d] == 0:
                heapq.heappush(ready, d)
    order += sorted(set(by_urn) - set(order))  # a cycle cannot come from a real program; keep everything
    return [by_urn[u] for u in order]


def build_stack_export(run: ProgramRun, redactor: Redactor, now: dt.datetime | None = None) -> dict[str, Any]:
    """The run shaped like ``pulumi stack export`` (secrets stay wrapped, plaintext redacted)."""
    version = "v" + metadata.version("pulumi")
    root = stack_urn(run.stack)
    resources: list[dict[str, Any]] = [{
        "urn": root, "custom": False, "type": "pulumi:pulumi:Stack",
        "outputs": redactor.envelope(run.outputs),
    }]
    for r in dependency_order(run.resources):
        entry: dict[str, Any] = {"urn": r.urn, "custom": r.custom}
        if r.custom and r.id:
            entry["id"] = redactor.text(r.id)
        entry["type"] = r.type
        entry["inputs"] = redactor.envelope(r.properties)
        entry["outputs"] = redactor.envelope(_outputs(r) if r.custom else {})
        entry["parent"] = r.parent or root
        if r.protect:
            entry["protect"] = True
        if r.retain_on_delete:
            entry["retainOnDelete"] = True
        if r.dependencies:
            entry["dependencies"] = list(r.dependencies)
        if r.provider:
            entry["provider"] = r.provider
        if r.property_dependencies:
            entry["propertyDependencies"] = {k: list(v) for k, v in r.property_dependencies.items()}
        if r.additional_secret_outputs:
            entry["additionalSecretOutputs"] = list(r.additional_secret_outputs)
        if r.ignore_changes:
            entry["ignoreChanges"] = list(r.ignore_changes)
        resources.append(entry)
    return {
        "version": 3,
        "deployment": {
            "manifest": {
                "time": (now or dt.datetime.now(dt.UTC)).isoformat(),
                "magic": hashlib.sha256(version.encode()).hexdigest(),  # the CLI's NewMagic: sha256(version)
                "version": version,
            },
            "resources": resources,
        },
    }
