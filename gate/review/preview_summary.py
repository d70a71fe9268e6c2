"""``python -m gate preview-summary <file>``: the real ``pulumi preview`` of a same-repository PR as a Markdown
section that joins the gate's sticky comment (resource changes by action, policy violations, a link to the job).

It reads what the CLI writes with ``--json``: the streamed engine events (``PULUMI_ENABLE_STREAMING_JSON_PREVIEW=
true``, one JSON event a line -- the only JSON form that carries policy violations: the one-document digest of
plain ``--json`` drops policy events, pkg/backend/display/json.go) or that digest (changes only). Field names are
the CLI's own (sdk/go/common/apitype/events.go: ``resourcePreEvent.metadata.op/urn``, ``policyEvent``,
``summaryEvent.resourceChanges``, ``diagnosticEvent``). Unreadable input is exit 2 with one line.

The real preview as strict as the gate: resource options the Analyzer protocol does not carry to the pack never
block a real preview by themselves, but the engine's step events carry some of them (``metadata.new.
retainOnDelete`` and ``.hideDiffs``, and ``op: import``; apitype.StepEventStateMetadata). They are judged here
against the ``options:`` rows of the classification table with the gate's own words (gate/pack/options.py, policy
``gate-resource-options``): a step that breaks one is a mandatory violation of the summary, and the command exits
1 (the workflow fails the preview on it). ``deletedWith``, ``replaceWith``, ``hooks`` and the rest appear in no
event: only the offline gate sees those (docs/gate-rules.md).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gate.pack.options import OPTIONS_POLICY, option_messages, option_rows

ORDER = ("delete", "replace", "create-replacement", "delete-replaced", "update", "create", "import", "same")
SHOWN_OPS = {"create", "update", "delete", "replace", "create-replacement", "delete-replaced", "import"}


class PreviewSummaryError(Exception):
    """The file is not a ``pulumi preview --json`` output. User-facing."""


@dataclass
class PreviewSummary:
    """What the real preview would do, and what the policy pack said about it."""
    changes: Counter[str] = field(default_factory=Counter)  # op -> count
    steps: list[tuple[str, str]] = field(default_factory=list)  # (op, urn), unchanged resources left out
    violations: list[dict[str, str]] = field(default_factory=list)  # policyEvent fields
    errors: list[str] = field(default_factory=list)  # error diagnostics (a failed preview says why)
    option_violations: int = 0  # of violations: the options the pack cannot see, judged here (gate-resource-options)


def _events(text: str) -> list[dict[str, Any]]:
    stripped = text.strip()
    if not stripped:
        raise PreviewSummaryError("it is empty (did `pulumi preview --json` run?)")
    try:
        whole = json.loads(stripped)
        return [whole] if isinstance(whole, dict) else []
    except json.JSONDecodeError:
        pass
    events = []
    for number, line in enumerate(stripped.splitlines(), 1):
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            raise PreviewSummaryError(f"line {number} is not JSON (expected `pulumi preview --json` output)") from None
        if isinstance(event, dict):
            events.append(event)
    return events


def summarize(text: str) -> PreviewSummary:
    """The summary of a digest or of a stream of engine events."""
    summary = PreviewSummary()
    events = _events(text)
    if len(events) == 1 and ("steps" in events[0] or "changeSummary" in events[0]):  # the digest
        digest = events[0]
        summary.changes.update({k: int(v) for k, v in (digest.get("changeSummary") or {}).items()})
        summary.steps = [(s.get("op", ""), s.get("urn", "")) for s in digest.get("steps") or []
                         if s.get("op") in SHOWN_OPS]
        summary.errors = [d.get("message", "").strip() for d in digest.get("diagnostics") or []
                          if d.get("severity") == "error"]
        return summary
    rows = option_rows()
    for event in events:
        if pre := event.get("resourcePreEvent"):
            meta = pre.get("metadata") or {}
            if meta.get("op") in SHOWN_OPS:
                summary.steps.append((meta["op"], meta.get("urn", "")))
            _judge_options(meta, rows, summary)
        elif policy := event.get("policyEvent"):
            summary.violations.append({k: str(policy.get(k, "")) for k in
                                       ("policyName", "enforcementLevel", "resourceUrn", "message")})
        elif (diag := event.get("diagnosticEvent")) and diag.get("severity") == "error":
            summary.errors.append(str(diag.get("message", "")).strip())
        elif done := event.get("summaryEvent"):
            summary.changes.update({k: int(v) for k, v in (done.get("resourceChanges") or {}).items()})
    if not summary.changes and not summary.steps and not summary.violations and not summary.errors:
        raise PreviewSummaryError("it holds no preview events or digest (expected `pulumi preview --json` output)")
    return summary


def step_options(meta: dict[str, Any]) -> dict[str, Any]:
    """The options a step event shows that the pack cannot see, by the table's names (only those set)."""
    new = meta.get("new") or {}
    found: dict[str, Any] = {}
    if new.get("retainOnDelete"):
        found["retainOnDelete"] = True
    if new.get("hideDiffs"):
        found["hideDiffs"] = list(new["hideDiffs"])
    if str(meta.get("op", "")).startswith("import"):  # import, import-replacement
        found["import"] = str(new.get("id") or "")
    return found


def _judge_options(meta: dict[str, Any], rows: dict[str, Any], summary: PreviewSummary) -> None:
    urn = str(meta.get("urn", ""))
    for message in option_messages(str(meta.get("type", "")), _name(urn), step_options(meta), rows):
        summary.violations.append({"policyName": OPTIONS_POLICY, "enforcementLevel": "mandatory",
                                   "resourceUrn": urn, "message": message})
        summary.option_violations += 1


def _name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1] or urn


def render(summary: PreviewSummary, stack: str, job_url: str | None) -> str:
    """The Markdown section: one visible line (plus one per mandatory violation), the rest collapsed."""
    counts = ", ".join(f"{summary.changes[op]} {op}" for op in ORDER if summary.changes.get(op) and op != "same")
    counts = counts or "no changes"
    if summary.changes.get("same"):
        counts += f" ({summary.changes['same']} unchanged)"
    mandatory = [v for v in summary.violations if v["enforcementLevel"] == "mandatory"]
    icon = ":x:" if mandatory or summary.errors else ":white_check_mark:"
    job = f" ([job]({job_url}))" if job_url else ""
    out = ["", f"#### {icon} Real `pulumi preview` of `{stack}`{job}: {counts}; "
               f"{len(mandatory)} mandatory and {len(summary.violations) - len(mandatory)} advisory policy "
               f"violations"]
    out += [f"- :x: `{v['policyName']}` on `{_name(v['resourceUrn'])}`: {' '.join(v['message'].split())[:300]}"
            for v in mandatory]
    out += [f"- :x: {' '.join(e.split())[:300]}" for e in summary.errors[:3]]
    if summary.steps:
        out += ["", f"<details><summary>The {len(summary.steps)} planned operations</summary>", "",
                "| Operation | Resource |", "|---|---|"]
        out += [f"| {op} | `{urn}` |" for op, urn in summary.steps]
        out += ["", "</details>"]
    advisory = [v for v in summary.violations if v["enforcementLevel"] != "mandatory"]
    if advisory:
        out += ["", f"<details><summary>Advisory policy violations ({len(advisory)})</summary>", ""]
        out += [f"- `{v['policyName']}` on `{_name(v['resourceUrn'])}`: {' '.join(v['message'].split())[:300]}"
                for v in advisory]
        out += ["", "</details>"]
    return "\n".join(out) + "\n"


def main(path: Path, stack: str, job_url: str | None) -> tuple[str, bool]:
    """Read ``path`` and render its section (PreviewSummaryError on bad input); and whether a step breaks the
    options table (the engine cannot block that by itself: the caller exits 1)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise PreviewSummaryError(f"cannot read it ({exc.strerror or exc})") from None
    summary = summarize(text)
    return render(summary, stack, job_url), summary.option_violations > 0
