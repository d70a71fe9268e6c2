"""What one gate run found: the result type the pipeline builds and every report renders.

It lives apart from :mod:`gate.pipeline` so that the reports depend on the result, not on the pipeline that
produces it (the pipeline imports the reports to write them).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from gate.common.findings import Finding, PolicyMeta
from gate.common.redact import Redactor
from gate.cost.cost import CostEstimate
from gate.export.checkov import CheckovSkip
from gate.pack.analyzer import PackInfo
from gate.program.program import CapturedResource
from gate.review.change_review import ReviewResult
from gate.review.rule_changes import RuleChange
from gate.waivers.exemptions import ExemptionOutcome, LoadedExemptions
from gate.waivers.waivers import Waiver


@dataclass
class CheckovSummary:
    """Whether checkov ran, on how many resources, its counts and per-check outcome."""
    ran: bool
    reason: str = ""  # why it did not run
    resource_count: int = 0
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    command: list[str] = field(default_factory=list)
    checks: dict[str, str] = field(default_factory=dict)


@dataclass
class GateResult:
    """Everything one gate run found, as the reports render it."""
    stack: str
    stack_file: str
    pack_config_file: str
    exemptions_file: str
    pack: PackInfo
    policies: dict[str, PolicyMeta]  # every rule a finding can name: pack, checkov, gate
    resources: list[CapturedResource]
    findings: list[Finding]
    warnings: list[str]
    not_applicable: dict[str, int]  # policy -> resources it declared itself not applicable to
    exemptions: LoadedExemptions
    exemption_outcome: ExemptionOutcome
    checkov: CheckovSummary
    exported_count: int
    timings: dict[str, float]
    today: dt.date
    redactor: Redactor = field(repr=False)
    files: list[Path] = field(default_factory=list)
    cost: CostEstimate | None = None  # the monthly cost estimate (gate/cost/cost.py); with --base its delta
    checkov_skips: list[CheckovSkip] = field(default_factory=list)  # the skip list as loaded (reports list it)
    review: ReviewResult | None = None  # --base only: what the change does (gate/review/change_review.py)
    expiring: list[Waiver] = field(default_factory=list)  # waivers in force expiring within 14 days (gate/waivers/waivers.py)
    # --head only: the rule files the head changes (gate/review/rule_changes.py); [] when it changes none
    rule_changes: list[RuleChange] | None = None

    @property
    def blocking(self) -> list[Finding]:
        """The findings that fail the gate."""
        return [f for f in self.findings if f.blocking]

    @property
    def exit_code(self) -> int:
        """1 if any finding blocks, else 0 (bad input never gets this far: it exits 2)."""
        return 1 if self.blocking else 0

    @property
    def resource_types(self) -> Counter[str]:
        """How many resources of each type the program registered."""
        return Counter(r.type for r in self.resources)

    def count(self, status: str, enforcement: str | None = None) -> int:
        """How many findings have ``status`` (and ``enforcement``, if given)."""
        return sum(1 for f in self.findings if f.status == status and (enforcement is None or f.enforcement == enforcement))
