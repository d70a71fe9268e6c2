"""``report.json``: everything, machine-readable -- the other reports are views of this."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gate.result import GateResult

SCHEMA = "chatpdd-gate-report/1"


def build(result: GateResult) -> dict[str, Any]:
    """report.json: the verdict, every finding and the run's facts, as data."""
    outcome = result.exemption_outcome
    entries = []
    for i, e in enumerate(result.exemptions.entries):
        status = ("expired" if i in outcome.expired else "unmatched" if i in outcome.unmatched
                  else "applied" if outcome.applied.get(i) else "not-applicable-here")
        entries.append({**e.model_dump(mode="json"), "line": result.exemptions.lines[i], "status": status,
                        "exempted_findings": outcome.applied.get(i, 0)})
    findings = []
    for f in result.findings:
        item = asdict(f)
        item["blocking"] = f.blocking
        item["location"] = asdict(f.location) if f.location else None
        findings.append(item)
    return {
        "schema": SCHEMA,
        "stack": result.stack,
        "verdict": "fail" if result.blocking else "pass",
        "exit_code": result.exit_code,
        "date": result.today.isoformat(),
        "stack_file": result.stack_file,
        "summary": {
            "resources": len(result.resources),
            "blocking": len(result.blocking),
            "advisory": result.count("open", "advisory"),
            "exempted": result.count("exempted"),
            "skipped": result.count("skipped"),
            "warnings": len(result.warnings),
        },
        "resources": {
            "total": len(result.resources),
            "custom": sum(1 for r in result.resources if r.custom),
            "by_type": dict(sorted(result.resource_types.items())),
            "exported_to_checkov": result.exported_count,
        },
        # the monthly cost estimate (gate/cost/cost.py, docs/cost.md); with --base its delta
        "cost": result.cost.as_dict() if result.cost else None,
        "pack": {"name": result.pack.name, "version": result.pack.version, "config_file": result.pack_config_file},
        "policies": [asdict(p) for p in sorted(result.policies.values(), key=lambda p: p.name)],
        "not_applicable": dict(sorted(result.not_applicable.items())),
        "findings": findings,
        "exemptions": {"file": result.exemptions_file, "entries": entries},
        "warnings": result.warnings,
        # waivers in force that expire within 14 days (gate/waivers/waivers.py): a warning, never a block
        "expiring_waivers": [w.as_dict(result.today) for w in result.expiring],
        "checkov": asdict(result.checkov),
        "timings_seconds": {k: round(v, 3) for k, v in result.timings.items()},
        # --base only (null without it): what the change does, by URN, and the findings it introduces.
        "changes": [c.as_dict() for c in result.review.changes.changes] if result.review else None,
        "change_review": result.review.as_dict() if result.review else None,
        # --head only (null without it): the rule files the head changes, for the rule owners
        "rule_changes": [c.as_dict() for c in result.rule_changes] if result.rule_changes is not None else None,
    }
