"""``--head DIR``: what a pull request changes in the rules (gate/review/trusted_paths.py), for the rule owners.

The trusted checkout (the one this gate runs from: the pull request's base) and the head checkout are
compared file by file. Rule files are described one by one: every bound loosened or tightened (the pack
configs' numbers and enforcement levels, the checklist constants), policies added, removed or changed,
exemptions and checkov skips added, removed or extended; any other rule file as added/removed/changed.
Infrastructure files (the program, its components and stack files) are only listed: a pull request that
changes both is refused (:func:`mixed_message`).
"""

from __future__ import annotations

import ast
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gate.review.trusted_paths import is_infra_path, is_rule_path

_PRUNE = {".git", "__pycache__", "gate-out", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".build", "node_modules"}
_LEVELS = {"disabled": 0, "advisory": 1, "mandatory": 2, "remediate": 2}
_MAX_BYTES = 2_000_000  # a rule file larger than this is reported as changed, not parsed


@dataclass
class RuleChange:
    """One rule file's change: ``change`` is added, removed or changed; ``details`` say how."""
    path: str
    change: str
    details: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """For report.json."""
        return {"path": self.path, "change": self.change, "details": self.details}


@dataclass
class TreeDiff:
    """The rule changes and the infrastructure files that differ between the trusted and the head tree."""
    rules: list[RuleChange]
    infra: list[str]


def _files(root: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _PRUNE and not d.startswith(".venv")
                         and not (Path(folder) / d).is_symlink())
        for name in names:
            path = Path(folder) / name
            if name.endswith(".pyc") or path.is_symlink():
                continue
            found[path.relative_to(root).as_posix()] = path
    return found


def _read(path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError:
        return b"\0unreadable"


def compare(trusted: Path, head: Path) -> TreeDiff:
    """Every rule and infrastructure file that differs between ``trusted`` and ``head``."""
    old, new = _files(trusted), _files(head)
    rules: list[RuleChange] = []
    infra: list[str] = []
    for rel in sorted(set(old) | set(new)):
        rule, inf = is_rule_path(rel), is_infra_path(rel)
        if not (rule or inf):
            continue
        before, after = _read(old.get(rel)), _read(new.get(rel))
        if before == after:
            continue
        if inf:
            infra.append(rel)
            continue
        change = "added" if before is None else "removed" if after is None else "changed"
        rules.append(RuleChange(rel, change, _details(rel, before, after)))
    return TreeDiff(rules, infra)


def mixed_message(diff: TreeDiff) -> str:
    """The one-line refusal of a pull request that changes rules and infrastructure together."""
    def some(paths: list[str]) -> str:
        return ", ".join(paths[:4]) + (f" and {len(paths) - 4} more" if len(paths) > 4 else "")

    return (f"this change touches rule files ({some([c.path for c in diff.rules])}) and infrastructure "
            f"({some(diff.infra)}): land the rule change on its own first (a rules-only pull request, reviewed by "
            f"the rule owners), then the infrastructure change under the new rules (docs/trust-boundary.md)")


# --- how each kind of rule file changed -------------------------------------------------------------

def _details(rel: str, before: bytes | None, after: bytes | None) -> list[str]:
    if before is None or after is None or max(len(before), len(after)) > _MAX_BYTES:
        return []
    try:
        old, new = before.decode("utf-8"), after.decode("utf-8")
        if rel.startswith("policies/config/") and rel.endswith(".json"):
            return _config_details(json.loads(old), json.loads(new))
        if rel in ("stacks/checklist.py", "policies/chatpdd_policies/_checklist.py"):
            return _constant_details(_constants(old), _constants(new))
        if rel == "gate/exemptions.yaml":
            return _waiver_details(yaml.safe_load(old), yaml.safe_load(new), "exemptions", ("policy", "resource",
                                                                                            "stack"))
        if rel == "gate/checkov-skips.yaml":
            return _waiver_details(yaml.safe_load(old), yaml.safe_load(new), "skips", ("check",))
        if rel.startswith("policies/chatpdd_policies/") and rel.endswith(".py"):
            return ["policy code changed: review its enforcement (an early return, a removed check)"]
    except (ValueError, SyntaxError, yaml.YAMLError, AttributeError, TypeError):
        return ["could not be parsed: review it by hand"]
    return []


def _direction(key: str, old: Any, new: Any) -> str:
    """Tightened / loosened for numbers whose name says which way is stricter; else changed."""
    name = key.rsplit(".", 1)[-1].lower()
    if isinstance(old, bool) or isinstance(new, bool) or not all(isinstance(v, int | float) for v in (old, new)):
        return "changed"
    if name.startswith("min") or "_min" in name:
        return "tightened" if new > old else "loosened"
    if name.startswith("max") or "_max" in name:
        return "tightened" if new < old else "loosened"
    return "changed"


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix: value}


def _config_details(old: Any, new: Any) -> list[str]:
    details = []
    for policy in sorted(set(old) | set(new)) if isinstance(old, dict) and isinstance(new, dict) else []:
        if policy not in new:
            details.append(f"{policy}: configuration removed (loosened: back to the pack's defaults)")
            continue
        if policy not in old:
            details.append(f"{policy}: configuration added")
            continue
        a, b = _flatten(old[policy]), _flatten(new[policy])
        for key in sorted(set(a) | set(b)):
            if a.get(key) == b.get(key):
                continue
            if key in ("enforcementLevel", "") and (a.get(key) in _LEVELS or b.get(key) in _LEVELS):
                was, now = _LEVELS.get(str(a.get(key)), 2), _LEVELS.get(str(b.get(key)), 2)
                way = "tightened" if now > was else "loosened" if now < was else "changed"
                details.append(f"{policy}: enforcement {a.get(key)} -> {b.get(key)} ({way})")
            else:
                details.append(f"{policy}.{key}: {json.dumps(a.get(key))} -> {json.dumps(b.get(key))} "
                               f"({_direction(key, a.get(key), b.get(key))})")
    return details


def _constants(source: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name):
            try:
                found[target.id] = ast.literal_eval(value)
            except ValueError:
                continue
    return found


def _constant_details(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    details = []
    for name in sorted(set(old) | set(new)):
        if old.get(name) == new.get(name):
            continue
        if name not in new:
            details.append(f"{name} removed")
        elif name not in old:
            details.append(f"{name} added: {new[name]!r}"[:200])
        else:
            details.append(f"{name}: {old[name]!r} -> {new[name]!r} ({_direction(name, old[name], new[name])})"[:300])
    return details


def _waiver_details(old: Any, new: Any, key: str, identity: tuple[str, ...]) -> list[str]:
    def entries(doc: Any) -> dict[tuple[str, ...], dict[str, Any]]:
        items = doc.get(key) if isinstance(doc, dict) else None
        extra = ("resources",) if "resource" not in identity else ()
        return {tuple(str(e.get(k, "")) for k in (*identity, *extra)): e for e in items or [] if isinstance(e, dict)}

    a, b = entries(old), entries(new)
    details = []
    for ident in sorted(set(a) | set(b)):
        label = " ".join(part for part in ident if part)
        if ident not in a:
            details.append(f"{key[:-1]} added: {label} (expires {b[ident].get('expires')}) (loosened)")
        elif ident not in b:
            details.append(f"{key[:-1]} removed: {label} (tightened)")
        elif a[ident] != b[ident]:
            was, now = str(a[ident].get("expires")), str(b[ident].get("expires"))
            way = "extended: loosened" if now > was else "shortened: tightened" if now < was else "changed"
            details.append(f"{key[:-1]} {label}: expires {was} -> {now} ({way})")
    if isinstance(old, dict) and isinstance(new, dict) and old.get("max_expiry_days") != new.get("max_expiry_days"):
        details.append(f"max_expiry_days: {old.get('max_expiry_days')} -> {new.get('max_expiry_days')} "
                       f"({_direction('max', old.get('max_expiry_days'), new.get('max_expiry_days'))})")
    return details
