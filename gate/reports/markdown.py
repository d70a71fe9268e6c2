"""``report.md``: the PR comment, written to be read in ten seconds (anchors: Infracost's one-line headline,
Atlantis's and Pulumi Cloud's plan comments). Visible, in this order: the verdict line; waivers about to
expire; what this PR introduces -- new blocking findings (each with its file:line, one fix per rule), destructive
changes, rule changes, the cost line. Everything that did not change -- waivers in force, advisories, warnings,
every change, the run's facts -- sits in collapsed ``<details>`` sections, each listed once. A PASS with nothing
new is at most 10 visible lines; a FAIL shows its blockers within the first 15 (tests/gate/test_comment.py).
A hidden marker lets a CI bot update its previous comment instead of adding one."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from gate.common.findings import Finding, PolicyMeta
from gate.reports.common import plural, verdict, where
from gate.reports.cost import markdown as cost_markdown
from gate.review.change_review import CHANGE_POLICY
from gate.waivers.waivers import WARN_DAYS

if TYPE_CHECKING:
    from gate.result import GateResult

DESTRUCTIVE = ("delete", "move", "replace", "unprotect")
RENEW = 'docs/gate.md, "Renewing a waiver"'


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return (text or "").replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", "<br>")


def inline(text: str) -> str:
    """Text safe on one Markdown line (a list item): no line breaks."""
    return " ".join((text or "").split())


def details(summary: str, body: Iterable[str]) -> list[str]:
    """A collapsed section: GitHub renders the summary, the body opens on a click."""
    return ["", f"<details><summary>{summary}</summary>", "", *body, "", "</details>"]


def render(result: GateResult) -> str:
    """report.md: the verdict, then what this change introduces, then everything else collapsed."""
    icon = ":x:" if result.blocking else ":white_check_mark:"
    out = [f"<!-- chatpdd-gate:{result.stack} -->", f"### {icon} {verdict(result)}"]
    out += _expiring(result)
    out += _introduced(result)
    out += _hooks(result)
    out += _unchanged(result)
    out += ["", f"<sub>`python -m gate preview --stack {result.stack}` -- offline: the program under Pulumi mocks, "
                f"the policy pack over gRPC, checkov on the exported plan. Full data: report.json, report.sarif."
                f"</sub>", ""]
    return "\n".join(out)


def _expiring(result: GateResult) -> list[str]:
    if not result.expiring:
        return []
    soonest = ", ".join(f"`{w.rule}` {w.expires.isoformat()}" for w in result.expiring)
    return ["", f"> :warning: **{plural(len(result.expiring), 'waiver')} expire within {WARN_DAYS} days** "
                f"(a warning, not a block): {soonest}. Renew each in a reviewed PR, or fix it ({RENEW})."]


def _new(result: GateResult) -> set[str] | None:
    """Fingerprints of the findings this change introduces (None without --base: no baseline)."""
    return set(result.review.new_findings) if result.review is not None else None


def _introduced(result: GateResult) -> list[str]:
    """The visible part: the change line, new blocking findings, old ones still blocking, destructive changes."""
    new = _new(result)
    blocking = [f for f in result.blocking if f.policy != CHANGE_POLICY]
    out: list[str] = []
    if result.review is not None:
        review = result.review
        counts = review.changes.counts()
        order = ("delete", "move", "replace", "unprotect", "update", "rename", "create")
        summary = ", ".join(f"{counts[a]} {a}" for a in order if counts.get(a)) or "no resource changes"
        fresh_blocking = sum(1 for f in result.blocking if f.fingerprint in review.new_findings)
        out += ["", f"**This PR** (against `{cell(review.ref)}`, {review.commit[:12]}): "
                    f"{fresh_blocking} new blocking, {len(review.new_findings) - fresh_blocking} new waived or "
                    f"advisory, {len(review.fixed)} fixed; {summary}."]
    fresh = [f for f in blocking if new is None or f.fingerprint in new]
    old = [f for f in blocking if new is not None and f.fingerprint not in new]
    if fresh:
        title = "Blocking, new in this PR" if new is not None else "Blocking"
        out += ["", f"**:x: {title} ({len(fresh)})**", *_grouped(fresh, result.policies)]
    if old:
        out += ["", f"**:x: Blocking, already at the base ({len(old)})** -- they still block", *_grouped(old, result.policies)]
    out += _destructive(result)
    return out


def _grouped(findings: list[Finding], policies: dict[str, PolicyMeta]) -> list[str]:
    """One item per rule -- what it checks, its severity (when the source gives one) and its fix, once -- and
    under it one line per resource with the file:line to change and what is wrong there (the fix not repeated)."""
    by_policy: dict[str, list[Finding]] = {}
    for f in findings:
        by_policy.setdefault(f.policy, []).append(f)
    out = []
    for policy, group in by_policy.items():
        first = group[0]
        label = f" ({first.severity})" if first.severity != "unspecified" else ""
        meta = policies.get(policy)
        what = f" {inline(meta.description)}" if meta is not None and first.source == "checkov" else ""
        fix = first.remediation
        out.append(f"- **`{policy}`**{label}{what}" + (f" -- fix: {inline(fix)}" if fix else ""))
        for f in group:
            at = f" `{where(f)}`" if where(f) else ""
            out.append(f"  - `{inline(f.resource_label)}`{at}: {shown_message(f)}")
    return out


def shown_message(f: Finding) -> str:
    """What the comment says about one resource: the message without a fix its rule already gives (the pack's
    messages end with "Fix: ..."; checkov's repeat the check's name after the Terraform address)."""
    if f.source == "checkov":
        return f"`{inline(f.message.split(' fails ', 1)[0])}`"
    return inline(f.message.split(" Fix: ", 1)[0] if f.remediation else f.message)


def _destructive(result: GateResult) -> list[str]:
    if result.review is None:
        return []
    changes = [c for c in result.review.changes.changes if c.action in DESTRUCTIVE]
    if not changes:
        return []
    out = ["", f"**Destructive changes ({len(changes)})**", "", "| | Action | Resource | Why | Fix |",
           "|---|---|---|---|---|"]
    exempted = {f.urn for f in result.findings if f.policy == CHANGE_POLICY and f.status == "exempted"}
    for c in changes:
        mark = ":x:" if c.blocking and c.urn not in exempted else ":warning:"
        out.append(f"| {mark} | {c.action} | `{cell(c.name)}` `{cell(c.type)}` | {cell(c.reason)} | {cell(c.fix)} |")
    return out


def _hooks(result: GateResult) -> list[str]:
    """Rule changes (the rule files the PR changes, gate/review/rule_changes.py) and the cost estimate
    (gate/reports/cost.py: the headline, the resources whose cost changed; the breakdown collapsed)."""
    out: list[str] = []
    if result.rule_changes:
        out += ["", f"**Rule changes, for the rule owners ({len(result.rule_changes)} files)** -- judged by the base's "
                    f"rules; this PR's own rules must pass too (docs/trust-boundary.md)"]
        for change in result.rule_changes:
            out.append(f"- `{cell(change.path)}` {change.change}" + "".join(f"\n  - {inline(d)}" for d in change.details))
    cost = cost_markdown(result)  # the headline and the changed resources visible, the rest collapsed
    if cost:
        out += ["", *cost]
    return out


def _unchanged(result: GateResult) -> list[str]:
    """Everything that did not change, collapsed, each listed once."""
    out: list[str] = []
    new = _new(result)
    advisories = [f for f in result.findings if f.status == "open" and not f.blocking]
    if advisories:
        fresh = sum(1 for f in advisories if new is None or f.fingerprint in new)
        out += details(f"Advisories ({len(advisories)}, {fresh} new)", _grouped(advisories, result.policies))
    out += _waivers(result)
    if result.warnings:
        out += details(f"Warnings ({len(result.warnings)})", (f"- {inline(w)}" for w in result.warnings))
    if result.review is not None and result.review.changes.changes:
        changes = result.review.changes.changes
        out += details(f"All {len(changes)} resource changes",
                       ["| Action | Resource | Type | Changed inputs |", "|---|---|---|---|",
                        *(f"| {c.action} | `{cell(c.name)}` | `{cell(c.type)}` | {cell(', '.join(c.paths))} |"
                          for c in changes)])
    out += _run_facts(result)
    return out


def _waivers(result: GateResult) -> list[str]:
    """One row per waiver in force (exemption or checkov skip), with the resources whose findings it waives."""
    rows = []
    waived = [f for f in result.findings if f.status in ("exempted", "skipped")]
    outcome = result.exemption_outcome
    for i in result.exemptions.active(result.stack, result.today):
        e = result.exemptions.entries[i]
        covered = [f.resource_label for f in waived if f.waiver.get("where") == f"{result.exemptions_file}:"
                   f"{result.exemptions.lines[i]}"]
        rows.append(("exemption", e.policy, covered or [f"{e.resource} (matches nothing)"], e.owner, e.expires,
                     e.reason, outcome.applied.get(i, 0)))
    for s in result.checkov_skips if result.checkov.ran else []:
        if s.expires < result.today:
            continue
        covered = [f.resource_label for f in waived if f.policy == f"checkov:{s.check}"
                   and f.waiver.get("reason") == s.reason]
        rows.append(("checkov skip", s.check, covered or [f"{s.label()} (matches nothing)"], s.owner, s.expires,
                     s.reason, len(covered)))
    if not rows:
        return []
    body = ["| Kind | Rule | Waived on | Owner | Expires | Reason |", "|---|---|---|---|---|---|"]
    body += [f"| {kind} | `{cell(rule)}` | {cell(', '.join(f'`{r}`' for r in covered))} | {cell(owner)} | "
             f"{expires.isoformat()} ({(expires - result.today).days} days left) | {cell(reason)} |"
             for kind, rule, covered, owner, expires, reason, _ in rows]
    findings = sum(row[6] for row in rows)
    return details(f"Waivers in force ({len(rows)}, covering {plural(findings, 'finding')}; renewing one is a "
                   f"reviewed PR)", body)


def _run_facts(result: GateResult) -> list[str]:
    ck = result.checkov
    custom = sum(1 for r in result.resources if r.custom)
    body = [
        f"- Stack file `{result.stack_file}`: {len(result.resources)} resources ({custom} custom)",
        f"- Policy pack `{result.pack.name}` {result.pack.version} with `{result.pack_config_file}`",
        "- checkov: " + (f"{ck.resource_count} exported resources, {ck.passed} passed, {ck.failed} failed, "
                          f"{ck.skipped} skipped" if ck.ran else f"not run ({ck.reason or 'not asked'})"),
        f"- Exemptions file `{result.exemptions_file}` ({plural(len(result.exemptions.entries), 'entry')})",
        "", "| Type | Count |", "|---|---|",
        *(f"| `{cell(kind)}` | {n} |" for kind, n in sorted(result.resource_types.items())),
    ]
    return details(f"Run details: {len(result.resources)} resources, checkov "
                   + (f"{ck.passed} passed / {ck.skipped} skipped" if ck.ran else "not run"), body)
