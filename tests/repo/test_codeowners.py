"""Issue 16: CI holds the line only if every rule-bearing path needs the rule owners' review. The list of
those paths lives in one place (gate/review/trusted_paths.py); .github/CODEOWNERS must cover each entry and every
tracked file under it, with GitHub's rule that the LAST matching line decides."""

from __future__ import annotations

import fnmatch
import subprocess
from pathlib import Path

from gate.review.trusted_paths import INFRA_PATHS, RULE_PATHS, is_infra_path, is_rule_path

REPO = Path(__file__).resolve().parents[2]


def _rules() -> list[tuple[str, list[str]]]:
    lines = (REPO / ".github" / "CODEOWNERS").read_text().splitlines()
    return [(parts[0], parts[1:]) for parts in (line.split() for line in lines)
            if parts and not parts[0].startswith("#")]


def _covers(pattern: str, path: str) -> bool:
    """GitHub's CODEOWNERS matching for the shapes used here: anchored (/x), folders (x/), * globs."""
    anchored = pattern.lstrip("/")
    if anchored.endswith("/"):
        return path.startswith(anchored)
    return fnmatch.fnmatchcase(path, anchored) or path.startswith(anchored + "/")


def owners(path: str) -> list[str]:
    found: list[str] = []
    for pattern, who in _rules():
        if _covers(pattern, path):
            found = who  # the last match wins
    return found


def test_every_rule_path_entry_has_an_owner_line():
    patterns = {pattern.lstrip("/") for pattern, who in _rules() if who}
    assert [entry for entry in RULE_PATHS if entry not in patterns] == []


def test_every_tracked_rule_file_and_github_has_an_owner():
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    rule_files = [p for p in tracked if is_rule_path(p)]
    assert "policies/chatpdd_policies/_checklist.py" in rule_files and "gate/exemptions.yaml" in rule_files
    assert ".github/workflows/pr.yml" in rule_files and "stacks/checklist.py" in rule_files
    assert [p for p in rule_files if not owners(p)] == []
    assert owners(".github/CODEOWNERS")


def test_the_program_is_infrastructure_and_the_rules_are_not():
    assert is_infra_path("__main__.py") and is_infra_path("components/database.py")
    assert is_infra_path("stacks/models.py") and is_infra_path("Pulumi.production.yaml")
    assert not is_infra_path("stacks/checklist.py") and is_rule_path("stacks/checklist.py")
    assert not is_infra_path("docs/gate.md") and not is_rule_path("docs/gate.md")
    assert is_rule_path("requirements-dev.txt") and is_rule_path("gate/exemptions.yaml")
    assert INFRA_PATHS[0] == "__main__.py"
