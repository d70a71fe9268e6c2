"""The repository stands alone: a clone with nothing beside it has everything the product, its tests and
its docs refer to (the checklist is docs/production-deployment-checklist.md, the SARIF schema is
tests/gate/schemas/). No tracked file may point outside the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# spelled in pieces so this file does not match itself
OUTSIDE = re.compile("|".join([r"\.\./" + "shared", "FIELD" + "-NOTES", r"/work" + "/", r"(?<![\w.])shared" + r"/schemas"]))


def _tracked() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [REPO / name for name in out.decode().split("\0") if name]


def test_no_tracked_file_points_outside_the_repository():
    hits = []
    for path in _tracked():
        try:
            text = path.read_text()
        except (UnicodeDecodeError, FileNotFoundError):
            continue
        hits += [f"{path.relative_to(REPO)}:{n}: {line.strip()}"
                 for n, line in enumerate(text.splitlines(), 1) if OUTSIDE.search(line)]
    assert hits == []


def test_relative_markdown_links_resolve_inside_the_repository():
    """Every relative link of a tracked Markdown file names a file of the repository."""
    broken = []
    for path in _tracked():
        if path.suffix != ".md" or not path.is_file():
            continue
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text()):
            if "://" in target or target.startswith("mailto:"):
                continue
            resolved = (path.parent / target).resolve()
            if REPO not in resolved.parents and resolved != REPO or not resolved.exists():
                broken.append(f"{path.relative_to(REPO)}: {target}")
    assert broken == []


def test_what_the_tests_read_is_committed():
    assert (REPO / "docs" / "production-deployment-checklist.md").is_file()
    assert (REPO / "tests" / "gate" / "schemas" / "sarif-schema-2.1.0.json").is_file()
