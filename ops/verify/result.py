"""One row of the verification table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    """One verify check: its name, whether it passed, and what was found."""
    check: str
    resource: str
    ok: bool
    detail: str


def expect(check: str, resource: str, problems: list[str], ok_detail: str) -> Result:
    """A row that passes when there are no problems, else fails listing them."""
    return Result(check, resource, not problems, "; ".join(problems) if problems else ok_detail)


def table(results: list[Result]) -> str:
    """The results as the aligned table ``verify`` prints."""
    headers = ("CHECK", "RESOURCE", "RESULT", "DETAIL")
    rows = [(r.check, r.resource, "PASS" if r.ok else "FAIL", r.detail) for r in results]
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(3)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True)) + "  " + row[3]
             for row in [headers, *rows]]
    failed = sum(not r.ok for r in results)
    lines.append(f"{len(results)} checks, {len(results) - failed} passed, {failed} failed")
    return "\n".join(lines)
