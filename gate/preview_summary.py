"""``python -m gate preview-summary <file>``: the real ``pulumi preview`` of a same-repository PR as a Markdown
section that joins the gate's sticky comment (resource changes by action, policy violations, a link to the job).

It reads what the CLI writes with ``--json``: the streamed engine events (``PULUMI_ENABLE_STREAMING_JSON_PREVIEW=
true``, one JSON event a line -- the only JSON form that carries policy violations: the one-document digest of
plain ``--json`` drops policy events, pkg/backend/display/json.go) or that digest (changes only). Field names are
the CLI's own (sdk/go/common/apitype/events.go: ``resourcePreEvent.metadata.op/urn``, ``policyEvent``,
``summaryEvent.resourceChanges``, ``diagnosticEvent``). Unreadable input is exit 2 with one line.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    for event in events:
        if (pre := event.get("resourcePreEvent")) and (meta := pre.get("metadata") or {}).get("op") in SHOWN_OPS:
            summary.steps.append((meta["op"], meta.get("urn", "")))
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


def main(path: Path, stack: str, job_url: str | None) -> str:
    """Read ``path`` and render its section (PreviewSummaryError on bad input)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise PreviewSummaryError(f"cannot read it ({exc.strerror or exc})") from None
    return render(summarize(text), stack, job_url)
