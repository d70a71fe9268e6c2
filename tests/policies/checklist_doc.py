"""Parsers for the checklist traceability (``docs/checklist.md``) and the checklist itself.

``docs/checklist.md`` holds one Markdown table row per checklist line::

    | Section | Subsection | Checklist line | Component | Policies | Test or reason |

``Policies`` lists policy names in backticks (or ``—``); ``Test or reason`` lists the test modules
(``tests/policies/test_<module>.py``) or says ``application-level: ...`` / ``operational: ...``.
A policy's ``framework.reference`` is ``"<Section> > <Subsection> > <Checklist line>"`` of a row
that lists it. ``|`` inside a cell is written ``\\|``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "checklist.md"
CHECKLIST = REPO / "docs" / "production-deployment-checklist.md"
COLUMNS = ["Section", "Subsection", "Checklist line", "Component", "Policies", "Test or reason"]
COMPONENTS = {"Network", "Database", "Storage", "Cache", "VercelApp", "Monitoring", "Synthetics", "—"}


@dataclass(frozen=True)
class Row:
    section: str
    subsection: str
    line: str
    component: str
    policies: tuple[str, ...]
    rationale: str

    @property
    def reference(self) -> str:
        return f"{self.section} > {self.subsection} > {self.line}"


def _cells(line: str) -> list[str]:
    body = line.strip()[1:-1]
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", body)]


def parse_doc(path: Path = DOC) -> list[Row]:
    rows, header_seen = [], False
    for line in path.read_text().splitlines():
        if not line.startswith("|"):
            continue
        cells = _cells(line)
        if cells == COLUMNS:
            header_seen = True
            continue
        if not header_seen or set("".join(cells)) <= set("-: "):
            continue
        if len(cells) != len(COLUMNS):
            raise ValueError(f"{path}: a row needs {len(COLUMNS)} cells: {line}")
        section, subsection, text, component, policies, rationale = cells
        rows.append(Row(section, subsection, text, component, tuple(re.findall(r"`([a-z0-9-]+)`", policies)),
                        rationale))
    return rows


def _clean(heading: str) -> str:
    text = re.sub(r"[^\w\s\-&()/:.,'+<>%]", "", heading.lstrip("#")).strip()
    return re.sub(r"^\d+\.\s+", "", text).strip()


def parse_checklist(path: Path = CHECKLIST) -> list[tuple[str, str, str]]:
    """(section, subsection, line) for every checklist item: ``- [ ]`` items, other list items,
    commands in code blocks (first line, without the trailing ``\\``) and code-block comments that
    are steps without a command of their own."""
    items: list[tuple[str, str, str]] = []
    section = h3 = h4 = ""
    lines = path.read_text().splitlines()
    i = 0
    while i < len(lines):
        raw = lines[i]
        if raw.startswith("```"):
            block = []
            i += 1
            while not lines[i].startswith("```"):
                block.append(lines[i])
                i += 1
            logical: list[str] = []
            continued = False
            for b in block:
                if continued:
                    continued = b.rstrip().endswith("\\")
                    continue
                if b.strip():
                    logical.append(b.strip().removesuffix("\\").strip())
                continued = b.rstrip().endswith("\\")
            for n, step in enumerate(logical):
                following = logical[n + 1] if n + 1 < len(logical) else "#"
                if not step.startswith("#") or following.startswith("#"):
                    items.append((section, h4 or h3, step))
        elif raw.startswith("## "):
            section, h3, h4 = _clean(raw), "", ""
        elif raw.startswith("### "):
            h3, h4 = _clean(raw), ""
        elif raw.startswith("#### "):
            h4 = _clean(raw)
        else:
            match = re.match(r"^\s*(?:- \[ \] |- |\d+\. )(.+)$", raw)
            if match and section:
                items.append((section, h4 or h3, match.group(1).strip()))
        i += 1
    return items
