"""The PR comment reads in ten seconds: the verdict first, then what the PR introduces, everything unchanged
collapsed. Lines are counted as a reader sees them: outside ``<details>`` (a collapsed section shows its summary
line only), blank lines and the hidden marker not counted. Rendered with a GitHub-flavoured Markdown parser
(markdown-it-py: CommonMark + tables, raw HTML kept) to check that the collapsed sections really close."""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt

from tests.gate.conftest import GateRun

PASS_LIMIT, FAIL_BLOCKERS_WITHIN = 10, 15


def visible_lines(markdown: str) -> list[str]:
    """The lines a reader sees before opening anything: outside <details> (its <summary> counts as one line)."""
    shown, depth = [], 0
    for line in markdown.splitlines():
        stripped = line.strip()
        opens, closes = stripped.count("<details>"), stripped.count("</details>")
        if opens and depth == 0:
            shown.append(re.sub(r"</?(details|summary)>", "", stripped))
        elif depth == 0 and stripped and not stripped.startswith("<!--") and not closes:
            shown.append(stripped)
        depth += opens - closes
        assert depth >= 0, "a </details> without its <details>"
    assert depth == 0, "a <details> left open swallows the rest of the comment"
    return shown


def html(markdown: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(markdown)


def test_the_counter_counts_what_a_reader_sees():
    text = "<!-- marker -->\n### PASS\n\n<details><summary>Waivers (2)</summary>\n\n| a |\n|---|\n| b |\n\n" \
           "</details>\n<sub>footer</sub>\n"
    assert visible_lines(text) == ["### PASS", "Waivers (2)", "<sub>footer</sub>"]


@pytest.mark.parametrize("fixture", ["production_gate", "staging_gate", "checkov_gate"])
def test_a_pass_with_nothing_new_is_at_most_ten_visible_lines(request, fixture):
    run: GateRun = request.getfixturevalue(fixture)
    assert run.code == 0
    comment = run.text("report.md")
    shown = visible_lines(comment)
    assert len(shown) <= PASS_LIMIT, "\n".join(shown)
    assert shown[0].startswith("### :white_check_mark: PASS")
    rendered = html(comment)
    assert rendered.count("<details>") == rendered.count("</details>") == comment.count("<details>")
    assert "<table>" in rendered or "<details>" not in comment  # the collapsed tables render as tables


def test_a_fail_shows_every_blocker_within_fifteen_lines_with_file_line_and_one_fix(misconfigured_gate):
    report = misconfigured_gate.report()
    comment = misconfigured_gate.text("report.md")
    shown = visible_lines(comment)
    assert shown[0].startswith("### :x: FAIL")
    head = "\n".join(shown[:FAIL_BLOCKERS_WITHIN])
    blocking = [f for f in report["findings"] if f["blocking"]]
    assert blocking
    for f in blocking:
        where = f"{f['location']['path']}:{f['location']['line']}"
        assert f"`{f['resource_name']}` `{where}`: {' '.join(f['message'].split(' Fix: ')[0].split())[:50]}" in head
        assert comment.count(f"**`{f['policy']}`**") == 1, "one item (one fix) per rule"


@pytest.mark.parametrize("fixture", ["production_gate", "misconfigured_gate", "exemptions_gate", "checkov_gate"])
def test_every_finding_is_listed_once(request, fixture):
    """Open findings under their rule with their resource; waived ones in the row of the waiver that covers them."""
    run: GateRun = request.getfixturevalue(fixture)
    comment = run.text("report.md")
    for f in run.report()["findings"]:
        label = f["resource_name"] or f["urn"] or "(stack)"
        if f["status"] == "open":
            assert f"  - `{label}`" in comment and f"**`{f['policy']}`**" in comment, f
        else:
            rule = f["policy"].removeprefix("checkov:")
            rows = [line for line in comment.splitlines() if line.startswith("| ") and f"| `{rule}` |" in line
                    and f"`{label}`" in line]
            assert rows, f
    assert "unspecified" not in comment, "a severity the source does not give is left out"


def test_checkov_severities_are_left_out_when_checkov_gives_none(checkov_gate):
    checkov = [f for f in checkov_gate.report()["findings"] if f["source"] == "checkov"]
    assert checkov and {f["severity"] for f in checkov} == {"unspecified"}  # offline checkov has no severities
    assert "unspecified" not in checkov_gate.text("report.md")
