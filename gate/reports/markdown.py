"""``report.md``: the PR comment. Same findings as ``report.json``, one table row each, grouped the way
the terminal groups them; a hidden marker lets a CI bot update its previous comment instead of adding one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gate.reports.common import active_waivers, plural, sections, verdict, waiver, where
from gate.reports.cost import markdown as cost_markdown

if TYPE_CHECKING:
    from gate.result import GateResult


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return (text or "").replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", "<br>")


def render(result: GateResult) -> str:
    """report.md: the verdict and findings as a pull-request comment."""
    icon = ":x:" if result.blocking else ":white_check_mark:"
    out = [f"<!-- chatpdd-gate:{result.stack} -->",
           f"## {icon} Offline policy gate: `{result.stack}`", "",
           f"**{verdict(result)}**", ""]
    out += cost_markdown(result)
    ck = result.checkov
    custom = sum(1 for r in result.resources if r.custom)
    out += [
        f"- Stack file: `{result.stack_file}`; resources: {len(result.resources)} ({custom} custom)",
        f"- Policy pack: `{result.pack.name}` {result.pack.version} with `{result.pack_config_file}`",
        "- checkov: " + (f"{ck.resource_count} exported resources, {ck.passed} passed, {ck.failed} failed, "
                          f"{ck.skipped} skipped" if ck.ran else f"not run ({ck.reason})"),
        f"- Exemptions: `{result.exemptions_file}` ({plural(len(result.exemptions.entries), 'entry')})",
    ]
    if result.review is not None:
        out += change_summary(result)
    if result.rule_changes:
        out += ["", f"### Rule changes, for the rule owners ({len(result.rule_changes)} files)", "",
                "Judged by the base's rules; this pull request's own rules must pass too (docs/trust-boundary.md).", ""]
        for change in result.rule_changes:
            out.append(f"- `{cell(change.path)}` {change.change}" + "".join(f"\n  - {cell(d)}" for d in change.details))
    for title, findings in sections(result):
        if not findings:
            continue
        out += ["", f"### {title} ({len(findings)})", "",
                "| Severity | Policy | Resource | Finding | Fix | Where |",
                "|---|---|---|---|---|---|"]
        for f in findings:
            fix = f.remediation if f.status == "open" else f"{waiver(f)}"
            out.append(f"| {f.severity} | `{cell(f.policy)}` | `{cell(f.resource_label)}` | {cell(f.message)} | "
                       f"{cell(fix)} | `{cell(where(f))}` |")
    waivers = active_waivers(result)
    if waivers:
        out += ["", f"### Active exemptions and checkov skips ({len(waivers)})", "",
                "| Kind | Rule | Resource | Owner | Expires | Reason |", "|---|---|---|---|---|---|"]
        out += [f"| {kind} | `{cell(rule)}` | `{cell(resource)}` | {cell(owner)} | {cell(expires)} | {cell(reason)} |"
                for kind, rule, resource, owner, expires, reason in waivers]
    if result.warnings:
        out += ["", f"### Warnings ({len(result.warnings)})", ""]
        out += [f"- {cell(w)}" for w in result.warnings]
    out += ["", "<details><summary>Resources by type</summary>", "", "| Type | Count |", "|---|---|"]
    out += [f"| `{cell(kind)}` | {n} |" for kind, n in sorted(result.resource_types.items())]
    out += ["", "</details>", "",
            f"<sub>`python -m gate preview --stack {result.stack}` (offline: Pulumi mocks, the policy pack over "
            f"gRPC, checkov on the exported plan). Files: report.sarif, junit.xml, report.json, stack-export.json."
            f"</sub>", ""]
    return "\n".join(out)


def change_summary(result: GateResult) -> list[str]:
    """--base: counts by action, the destructive changes first, then every change in a collapsed table."""
    review = result.review
    assert review is not None
    changes = review.changes.changes
    counts = review.changes.counts()
    order = ("delete", "move", "replace", "unprotect", "update", "rename", "create")
    summary = ", ".join(f"{counts[a]} {a}" for a in order if counts.get(a)) or "no changes"
    out = ["", f"### Changes against `{cell(review.ref)}` ({review.commit[:12]})", "", f"{summary}.", "",
           f"Findings new in this change: **{len(review.new_findings)}**; fixed by it: {len(review.fixed)}; "
           f"already present at the base: {review.unchanged}."]
    destructive = [c for c in changes if c.action in ("delete", "move", "replace", "unprotect")]
    if destructive:
        out += ["", "| | Action | Resource | Why | Fix |", "|---|---|---|---|---|"]
        for c in destructive:
            mark = ":x:" if c.blocking else ":warning:"
            out.append(f"| {mark} | {c.action} | `{cell(c.name)}` `{cell(c.type)}` | {cell(c.reason)} | "
                       f"{cell(c.fix)} |")
    if changes:
        out += ["", f"<details><summary>All {len(changes)} changes</summary>", "",
                "| Action | Resource | Type | Changed inputs |", "|---|---|---|---|"]
        out += [f"| {c.action} | `{cell(c.name)}` | `{cell(c.type)}` | {cell(', '.join(c.paths))} |" for c in changes]
        out += ["", "</details>"]
    return out
