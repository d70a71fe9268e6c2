"""The terminal summary: what a developer reads after ``make gate`` -- resources by type, violations by
severity (each with policy, resource, message, fix and the line to change) and the verdict last.
Markers: ``x`` blocks, ``!`` advisory, ``-`` exempted or skipped (with the reason)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gate.common.findings import SEVERITIES, Finding
from gate.reports.common import active_waivers, plural, sections, verdict, waiver, where
from gate.reports.cost import terminal as cost_terminal
from gate.waivers.waivers import WARN_DAYS

if TYPE_CHECKING:
    from gate.result import GateResult


_BRIEF_LIMIT = 20


def _brief(text: str, width: int = 110) -> str:
    first = " ".join(text.split())
    return first if len(first) <= width else first[: width - 3] + "..."


def render(result: GateResult, verbose: bool = False) -> str:
    """The terminal summary; non-blocking findings one line each unless ``verbose``."""
    lines = [f"Offline policy gate -- stack {result.stack} ({result.stack_file})", ""]
    types = result.resource_types
    custom = sum(1 for r in result.resources if r.custom)
    lines.append(f"Resources: {len(result.resources)} ({custom} custom, {len(result.resources) - custom} "
                 f"components and providers)")
    width = max((len(t) for t in types), default=0)
    for kind, n in sorted(types.items()):
        lines.append(f"  {kind:<{width}}  {n:>4}")
    pack_policies = sum(1 for p in result.policies.values() if p.source == "policy-pack")
    lines.append("")
    lines.append(f"Policy pack {result.pack.name} {result.pack.version}: {plural(pack_policies, 'policy')} "
                 f"(config {result.pack_config_file}), Analyze x{len(result.resources)} + AnalyzeStack")
    ck = result.checkov
    if ck.ran:
        lines.append(f"checkov: {ck.resource_count} exported resources scanned, {ck.passed} passed, "
                     f"{ck.failed} failed, {ck.skipped} skipped ({ck.seconds:.1f} s)")
    else:
        lines.append(f"checkov: not run ({ck.reason})")
    lines += cost_terminal(result)

    if result.review is not None:
        review = result.review
        counts = review.changes.counts()
        lines += ["", f"Changes against {review.ref} ({review.commit[:12]}): "
                  + (", ".join(f"{n} {action}" for action, n in sorted(counts.items())) or "none")
                  + f"; findings new in this change: {len(review.new_findings)}, fixed: {len(review.fixed)}"]
        for c in review.changes.changes:
            if c.action in ("delete", "move", "replace", "unprotect"):
                lines.append(f"  {'x' if c.blocking else '!'} {c.action} {c.type} {c.name}: {_brief(c.reason)}")
    lines += _rule_changes(result)
    for title, findings in sections(result):
        if not findings:
            continue
        lines += ["", f"{title} ({len(findings)})"]
        lines += _detailed(findings) if title.startswith("Blocking") or verbose else _one_line_each(findings)
    waivers = active_waivers(result)
    if waivers:
        lines += ["", f"Active exemptions and checkov skips ({len(waivers)})"]
        for kind, rule, resource, owner, expires, reason in waivers:
            lines.append(f"  - {kind} {rule} -- {resource}: owner {owner}, expires {expires}")
            lines.append(f"      {_brief(reason, 200)}")
    if result.warnings:
        lines += ["", f"Warnings ({len(result.warnings)})"]
        lines += [f"  ! {w}" for w in result.warnings]
    lines += expiry_warnings(result)
    lines += ["", verdict(result)]
    return "\n".join(lines) + "\n"


def expiry_warnings(result: GateResult) -> list[str]:
    """Waivers about to expire, just above the verdict (a warning: nothing blocks until they expire)."""
    if not result.expiring:
        return []
    lines = ["", f"WARNING: {plural(len(result.expiring), 'waiver')} expire within {WARN_DAYS} days -- renew each "
             f"in a reviewed PR or fix the finding (docs/gate.md, \"Renewing a waiver\")"]
    return lines + [f"  ! {w.sentence(result.today)}" for w in result.expiring]


def _rule_changes(result: GateResult) -> list[str]:
    """--head: the rule files the head changes, each with how (docs/trust-boundary.md)."""
    if not result.rule_changes:
        return []
    lines = ["", f"Rule changes, for the rule owners ({len(result.rule_changes)} files; judged by the base's rules)"]
    for change in result.rule_changes:
        lines.append(f"  * {change.path} {change.change}")
        lines += [f"      {_brief(d, 200)}" for d in change.details]
    return lines


def _detailed(findings: list[Finding]) -> list[str]:
    """Findings grouped by severity, each with its message, fix, waiver and location."""
    lines = []
    for severity in SEVERITIES:
        group = [f for f in findings if f.severity == severity]
        if not group:
            continue
        lines.append(f"  {severity.upper()}")
        for f in group:
            marker = "x" if f.blocking else "!" if f.status == "open" else "-"
            lines.append(f"    {marker} {f.policy} -- {f.resource_label}")
            lines.append(f"      {f.message}")
            if f.remediation:
                lines.append(f"      fix: {f.remediation}")
            if f.status != "open":
                lines.append(f"      {waiver(f)}")
            lines.append(f"      at {where(f)}")
    return lines


def _one_line_each(findings: list[Finding]) -> list[str]:
    """What does not block gets one line each; --verbose (or report.md) has the full text."""
    lines = []
    for f in findings[:_BRIEF_LIMIT]:
        marker = "!" if f.status == "open" else "-"
        lines.append(f"  {marker} {f.policy} -- {f.resource_label}: {_brief(waiver(f) if f.status != 'open' else f.message)}")
    if len(findings) > _BRIEF_LIMIT:
        lines.append(f"  ... {len(findings) - _BRIEF_LIMIT} more: see report.md / report.json")
    return lines
