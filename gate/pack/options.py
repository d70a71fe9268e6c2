"""Resource options the policy pack cannot see, judged by the gate against the classification table.

The Analyzer protocol carries protect, ignoreChanges, deleteBeforeReplace, aliases, customTimeouts,
additionalSecretOutputs, parent and the provider to the pack, which judges them
(stack-inputs-allow-only-classified). ``retainOnDelete``, ``import``, ``deletedWith``, ``replaceOnChanges``,
``replaceWith``, ``replacementTrigger``, ``hooks``, ``hideDiffs``, ``transforms``, ``pluginDownloadUrl``,
``version``, ``providers`` and ``dependsOn`` reach only the engine (and, under mocks, the gate's monitor),
so the gate judges them here, against the ``options:`` section of the same table
(``policies/chatpdd_policies/input_classes.yaml``): one source for the pack and the gate.

Only the value kinds apply (``default``: unset; ``equals``/``one_of``/``matches``); ``harmless``,
``reviewed`` and ``enforced`` rows pass (the change review and the pack judge those).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from gate.common.findings import Finding, PolicyMeta
from gate.program.program import CapturedResource
from stacks.safe_yaml import loads_yaml, read_text

TABLE = Path(__file__).resolve().parents[2] / "policies" / "chatpdd_policies" / "input_classes.yaml"
TABLE_DISPLAY = "policies/chatpdd_policies/input_classes.yaml"
OPTIONS_POLICY = "gate-resource-options"
OPTIONS_POLICY_META = PolicyMeta(
    name=OPTIONS_POLICY, source="gate", enforcement="mandatory", severity="high",
    description="Resource options the policy pack cannot see (retainOnDelete, import, deletedWith, "
                "replaceWith, hooks, pluginDownloadUrl, ...) must satisfy the options section of the "
                f"classification table ({TABLE_DISPLAY}).",
    remediation="Remove the option from the resource's ResourceOptions, or have it reviewed and change its "
                f"row under options: in {TABLE_DISPLAY}.")

# The pack judges these (the Analyzer protocol carries them).
PACK_OPTIONS = frozenset({"protect", "ignoreChanges", "deleteBeforeReplace", "aliases", "customTimeouts",
                          "additionalSecretOutputs", "parent", "provider"})


def option_rows(path: Path = TABLE) -> dict[str, Any]:
    """The table's ``options:`` section (option name -> row as written)."""
    # Only the options: section is parsed (it comes before types:, which is the pack's and is large).
    text = read_text(path, TABLE_DISPLAY)
    doc = loads_yaml(text.split("\ntypes:", 1)[0], TABLE_DISPLAY)
    rows = doc.get("options") if isinstance(doc, dict) else None
    if not isinstance(rows, dict):
        raise ValueError(f"{TABLE_DISPLAY}: no options: mapping")
    return rows


def gate_options(r: CapturedResource) -> dict[str, Any]:
    """The options of ``r`` the pack cannot see, by the table's names; only those that are set."""
    found = dict(r.other_options)
    if r.retain_on_delete:
        found["retainOnDelete"] = True
    if r.replace_on_changes:
        found["replaceOnChanges"] = list(r.replace_on_changes)
    return found


def _problem(row: Any, value: Any) -> str | None:
    if row == "default":
        return "is set, but the table requires it unset"
    if not isinstance(row, dict) or len(row) != 1:
        return f"has a malformed row {row!r}"
    ((kind, arg),) = row.items()
    if kind in ("harmless", "reviewed", "enforced", "harmless_paths_only"):
        return None
    if kind == "equals":
        return None if value == arg and type(value) is type(arg) else f"is {value!r}, but the table requires {arg!r}"
    if kind == "one_of":
        return None if value in arg else f"is {value!r}, but the table allows only {', '.join(map(repr, arg))}"
    if kind == "matches":
        return None if isinstance(value, str) and re.fullmatch(arg, value) else f"does not match {arg!r}"
    return f"has a row of kind {kind!r}, which options cannot use"


def option_messages(resource_type: str, name: str, options: dict[str, Any], rows: dict[str, Any]) -> list[str]:
    """The message of each option in ``options`` (those the pack cannot see) that is unclassified or breaks its
    row, by option name. One wording for the gate and for the real preview's summary (gate/review/preview_summary.py)."""
    messages = []
    for option, value in sorted(options.items()):
        if option in PACK_OPTIONS:
            continue
        problem = "is set, but the table has no row for it" if option not in rows else _problem(rows[option], value)
        if problem:
            messages.append(f"{resource_type} '{name}': resource option {option} {problem} (options.{option} in "
                            f"{TABLE_DISPLAY}). Fix: remove it from the resource's ResourceOptions.")
    return messages


def option_findings(resources: list[CapturedResource], rows: dict[str, Any] | None = None) -> list[Finding]:
    """One mandatory finding per option that is unclassified or breaks its row."""
    rows = option_rows() if rows is None else rows
    return [Finding(policy=OPTIONS_POLICY, source="gate", enforcement="mandatory", severity="high", message=message,
                    urn=r.urn, resource_name=r.name, resource_type=r.type, remediation=OPTIONS_POLICY_META.remediation)
            for r in resources for message in option_messages(r.type, r.name, gate_options(r), rows)]
