"""Where a finding points in the repository: the line to change.

A finding whose value comes from the stack config (a retention, a replica count, an allowed network)
points at that key's line in ``Pulumi.<stack>.yaml`` (``LoadedStack.key_lines``); the policy declares the
keys (``STACK_CONFIG_KEYS`` in its module, see :func:`stack_config_keys`). Any other finding points at
the component source that creates the resource -- its ``chatpdd:components:<Class>`` ancestor, found by
scanning ``components/*.py`` for ``class <Class>`` (nothing is imported), at the line that constructs
the resource's Pulumi class when it can be found.
"""

from __future__ import annotations

import ast
import re
from functools import cached_property
from pathlib import Path

from gate.common.findings import Finding, Location
from gate.program.program import CapturedResource
from stacks.loader import NAMESPACE, LoadedStack

COMPONENT_PREFIX = "chatpdd:components:"

DECLARATION = "STACK_CONFIG_KEYS"


def stack_config_keys(policies_dir: Path) -> dict[str, tuple[str, ...]]:
    """Policy name -> the stack-config keys that decide its verdict, most specific first, as each policy
    module of ``policies_dir/chatpdd_policies`` declares them (``STACK_CONFIG_KEYS = ("database.x", ...)``,
    a literal tuple of strings). Read from the source, like the components below: the gate does not import
    the pack (it runs in its own process). A module is named after its policy (``-`` -> ``_``)."""
    found: dict[str, tuple[str, ...]] = {}
    for path in sorted((policies_dir / "chatpdd_policies").glob("[!_]*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8"), str(path)).body:
            if (isinstance(node, ast.Assign) and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name) and node.targets[0].id == DECLARATION):
                keys = ast.literal_eval(node.value)
                if not (isinstance(keys, tuple) and all(isinstance(k, str) for k in keys)):
                    raise ValueError(f"{path}: {DECLARATION} must be a tuple of strings")
                found[path.stem.replace("_", "-")] = keys
    return found


def display_path(path: Path, repo_root: Path) -> str:
    """Repository-relative (what code scanning and PR comments link to), else absolute."""
    try:
        return Path(path).resolve().relative_to(repo_root.resolve()).as_posix()
    except ValueError:
        return Path(path).resolve().as_posix()


class Locator:
    """Finds where in the repository a finding is fixed: the stack file's key or the component's source line."""
    def __init__(self, repo_root: Path, loaded: LoadedStack, resources: list[CapturedResource]):
        self.repo_root = repo_root
        self.loaded = loaded
        self.stack_file = display_path(loaded.path, repo_root)
        self._by_urn = {r.urn: r for r in resources}
        self._component_of: dict[str, str | None] = {}
        self._lines: dict[tuple[str, str], int] = {}

    @cached_property
    def _config_keys(self) -> dict[str, tuple[str, ...]]:
        return stack_config_keys(self.repo_root / "policies")

    @cached_property
    def _components(self) -> dict[str, tuple[str, list[str], int]]:
        """Class name -> (file, its lines, line of ``class <Name>``), from components/*.py."""
        found: dict[str, tuple[str, list[str], int]] = {}
        for path in sorted((self.repo_root / "components").glob("*.py")):
            lines = path.read_text(encoding="utf-8").splitlines()
            for number, line in enumerate(lines, 1):
                match = re.match(r"class\s+(\w+)\s*[(:]", line)
                if match:
                    found.setdefault(match.group(1), (display_path(path, self.repo_root), lines, number))
        return found

    def component(self, urn: str | None) -> str | None:
        """The class name of the nearest ``chatpdd:components:*`` ancestor (the resource itself included)."""
        if urn is None:
            return None
        if urn not in self._component_of:
            resource = self._by_urn.get(urn)
            kind = resource.type if resource else urn.split("::")[2].rsplit("$", 1)[-1] if urn.count("::") >= 3 else ""
            if resource is None and urn.count("::") >= 3:  # gone from the program (--base deletes): its type chain
                kind = next((k for k in reversed(urn.split("::")[2].split("$")) if k.startswith(COMPONENT_PREFIX)),
                            kind)
            if kind.startswith(COMPONENT_PREFIX):
                self._component_of[urn] = kind[len(COMPONENT_PREFIX):]
            else:
                self._component_of[urn] = self.component(resource.parent) if resource and resource.parent else None
        return self._component_of[urn]

    def _config_location(self, policy: str) -> Location | None:
        for key in self._config_keys.get(policy, ()):
            path = NAMESPACE + key
            while path:
                if path in self.loaded.key_lines:
                    return Location(self.stack_file, self.loaded.key_lines[path])
                path = path.rsplit(".", 1)[0] if "." in path else ""
        return None

    def _construct_line(self, cls: str, resource_type: str | None) -> int:
        file, lines, class_line = self._components[cls]
        if not resource_type or ":" not in resource_type:
            return class_line
        key = (cls, resource_type)
        if key not in self._lines:
            package, middle, pyclass = (resource_type.split(":") + ["", ""])[:3]
            module = middle.split("/")[0]
            module = package if module == "index" else module  # rediscloud.SubscriptionDatabase(
            patterns = [rf"\b{re.escape(module)}\.{re.escape(pyclass)}\(" if module else None,
                        rf"\b{re.escape(pyclass)}\("]
            line = class_line
            for pattern in filter(None, patterns):
                regex = re.compile(pattern)
                hit = next((n for n, text in enumerate(lines, 1) if n > class_line and regex.search(text)), None)
                if hit:
                    line = hit
                    break
            self._lines[key] = line
        return self._lines[key]

    def locate(self, finding: Finding) -> Location:
        """The file and line a reader should open to fix ``finding``."""
        config = self._config_location(finding.policy)
        if config:
            return config
        cls = self.component(finding.urn)
        if cls and cls in self._components:
            resource = self._by_urn.get(finding.urn or "")
            return Location(self._components[cls][0],
                            self._construct_line(cls, resource.type if resource else finding.resource_type))
        return Location("__main__.py", 1)
