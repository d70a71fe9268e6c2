"""The one list of rule-bearing paths: everything that decides a verdict rather than describes infrastructure.

Three readers, one list: ``.github/CODEOWNERS`` must give every entry an owner (tests/repo/test_codeowners.py),
the gate's ``--head`` mode takes these files from the trusted (base) checkout and reports their diff
(gate/review/rule_changes.py), and a pull request that changes one of them together with an :data:`INFRA_PATHS` file
is refused (land the rule change on its own first). docs/trust-boundary.md explains the split.

An entry ending in ``/`` is a folder (everything under it); any other entry is one file, or an ``fnmatch``
pattern on the whole path.
"""

from __future__ import annotations

import fnmatch

RULE_PATHS: tuple[str, ...] = (
    "policies/",  # the pack, its configs, the generated _checklist.py, the config guard, its lock
    "stacks/checklist.py",  # the checklist numbers (source of _checklist.py and of the guard's floors)
    "stacks/pack_defaults.py",  # writes the pack's defaults from the checklist
    "gate/",  # the gate's code, exemptions.yaml, checkov-skips.yaml, the checkov lock
    "Makefile",
    "requirements*.txt",
    "requirements*.in",
    "pyproject.toml",  # ruff, mypy and pytest settings
    ".pulumi-version",
    ".pre-commit-config.yaml",
    ".ci/",
    ".github/",  # the workflows, dependabot, CODEOWNERS itself
)

# What the head contributes in --head mode: the program and what it describes.
INFRA_PATHS: tuple[str, ...] = ("__main__.py", "components/", "stacks/", "Pulumi.yaml", "Pulumi.*.yaml")


def _matches(path: str, entries: tuple[str, ...]) -> bool:
    for entry in entries:
        if entry.endswith("/"):
            if path.startswith(entry):
                return True
        elif path == entry or fnmatch.fnmatchcase(path, entry):
            return True
    return False


def is_rule_path(path: str) -> bool:
    """Whether ``path`` (relative, ``/``-separated) decides verdicts."""
    return _matches(path, RULE_PATHS)


def is_infra_path(path: str) -> bool:
    """Whether ``path`` is the program or its configuration (and not a rule path)."""
    return not is_rule_path(path) and _matches(path, INFRA_PATHS)
