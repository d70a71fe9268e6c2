"""Wording shared by the human-readable reports, so the terminal and the PR comment say the same thing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gate.common.findings import Finding

if TYPE_CHECKING:
    from gate.result import GateResult


def plural(n: int, word: str) -> str:
    """``n word`` with the word pluralised (``1 advisory``, ``2 advisories``)."""
    if n == 1:
        return f"1 {word}"
    return f"{n} {word[:-1]}ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else f"{n} {word}s"


def verdict(result: GateResult) -> str:
    """The one-line verdict: PASS or FAIL, the counts, the stack and the exit code."""
    blocking = len(result.blocking)
    advisories = result.count("open", "advisory")
    exempted = result.count("exempted")
    skipped = result.count("skipped")
    head = "FAIL" if blocking else "PASS"
    parts = [plural(blocking, "blocking violation"), plural(advisories, "advisory"),
             f"{exempted} exempted", f"{skipped} checkov skipped"]
    if result.warnings:
        parts.append(plural(len(result.warnings), "warning"))
    return f"{head}: {', '.join(parts)} (stack {result.stack}, exit code {result.exit_code})"


def waiver(f: Finding) -> str:
    """Why a finding does not block (its exemption or checkov skip), or an empty string."""
    if f.waiver.get("kind") == "exemption":
        return (f"exempted until {f.waiver['expires']} (owner {f.waiver['owner']}, {f.waiver['where']}): "
                f"{f.waiver['reason']}")
    if f.waiver.get("kind") == "checkov-skip":
        return (f"skipped until {f.waiver.get('expires', '?')} (owner {f.waiver.get('owner', '?')}, "
                f"gate/checkov-skips.yaml): {f.waiver['reason']}")
    return ""


def active_waivers(result: GateResult) -> list[tuple[str, str, str, str, str, str]]:
    """Every exemption and checkov skip in force for this run (not expired; exemptions of this stack or of
    every stack), whether or not it matched a finding: (kind, rule, resource(s), owner, expires, reason +
    what it covered). The terminal summary and the PR comment list them all -- a waiver is never silent."""
    rows = []
    outcome = result.exemption_outcome
    for i in result.exemptions.active(result.stack, result.today):
        e = result.exemptions.entries[i]
        covered = outcome.applied.get(i, 0)
        days = (e.expires - result.today).days
        rows.append(("exemption", e.policy, e.resource, e.owner, f"{e.expires.isoformat()} ({days} days left)",
                     f"{e.reason} [{plural(covered, 'finding')} exempted; {result.exemptions_file}:"
                     f"{result.exemptions.lines[i]}]"))
    skipped = [f for f in result.findings if f.status == "skipped"]
    for s in result.checkov_skips if result.checkov.ran else []:
        if s.expires < result.today:
            continue
        covered = sum(1 for f in skipped if f.policy == f"checkov:{s.check}" and f.waiver.get("reason") == s.reason)
        days = (s.expires - result.today).days
        rows.append(("checkov skip", s.check, s.label(), s.owner,
                     f"{s.expires.isoformat()} ({days} days left)", f"{s.reason} [{plural(covered, 'failure')} skipped]"))
    return rows


def where(f: Finding) -> str:
    """``path:line`` of a finding's location, or an empty string."""
    return f"{f.location.path}:{f.location.line}" if f.location else ""


def sections(result: GateResult) -> list[tuple[str, list[Finding]]]:
    """(title, findings) in report order: blocking, advisory, exempted, checkov skipped."""
    return [
        ("Blocking violations (mandatory)", [f for f in result.findings if f.blocking]),
        ("Advisories", [f for f in result.findings if f.status == "open" and not f.blocking]),
        ("Exempted", [f for f in result.findings if f.status == "exempted"]),
        ("Skipped checkov checks", [f for f in result.findings if f.status == "skipped"]),
    ]
