"""The gate's vocabulary: a policy's metadata, one finding, where it points, and the verdict.

Every source of findings (the policy pack over gRPC, checkov, the exemptions file itself) is turned into
these few types once, so each report renders the same list and the reports cannot disagree.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal

Source = Literal["policy-pack", "checkov", "gate"]
Status = Literal["open", "exempted", "skipped"]

# Highest first: the order of the terminal and Markdown reports.
SEVERITIES = ("critical", "high", "medium", "low", "unspecified")
# GitHub code scanning reads a numeric `security-severity` from a SARIF rule's properties.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "unspecified": "5.0"}

EXPIRED_EXEMPTION_POLICY = "gate-exemption-expired"


@dataclass(frozen=True)
class PolicyMeta:
    """What a rule is and how to fix it: from the pack's GetAnalyzerInfo, checkov, or the gate."""

    name: str
    source: Source
    description: str
    enforcement: str  # "mandatory" | "advisory" | "disabled" (after the stack's pack config)
    severity: str  # one of SEVERITIES
    remediation: str = ""
    url: str | None = None
    tags: tuple[str, ...] = ()
    reference: str | None = None  # the checklist line (pack) or checkov guideline


@dataclass(frozen=True)
class Location:
    """A repository-relative file and a 1-based line: the stack file line for config-driven
    findings, else the component source that creates the resource."""

    path: str
    line: int = 1


@dataclass
class Finding:
    """One finding of any source (pack, checkov, the gate itself), as every report shows it."""
    policy: str
    source: Source
    enforcement: str  # "mandatory" | "advisory"
    severity: str
    message: str
    urn: str | None = None
    resource_name: str | None = None
    resource_type: str | None = None
    remediation: str = ""
    location: Location | None = None
    status: Status = "open"
    # Why it is not blocking: the exemption (reason, owner, expiry) or the checkov skip reason.
    waiver: dict[str, str] = field(default_factory=dict)
    fingerprint: str = ""

    @property
    def blocking(self) -> bool:
        """Whether this finding fails the gate: open and mandatory."""
        return self.status == "open" and self.enforcement == "mandatory"

    @property
    def resource_label(self) -> str:
        """The resource's name, else its URN, else ``(stack)``."""
        return self.resource_name or self.urn or "(stack)"


def assign_fingerprints(findings: list[Finding]) -> None:
    """A stable id per finding: policy + resource URN + an ordinal among identical pairs (ordered by
    message), so re-runs of an unchanged stack give the same ids and code scanning tracks alerts
    across commits even when a number inside a message changes."""
    seen: dict[tuple[str, str], int] = {}
    for f in sorted(findings, key=lambda f: (f.policy, f.urn or "", f.message)):
        key = (f.policy, f.urn or "")
        ordinal = seen.get(key, 0)
        seen[key] = ordinal + 1
        f.fingerprint = hashlib.sha256(f"{f.policy}\0{f.urn or ''}\0{ordinal}".encode()).hexdigest()[:32]


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Blocking first, then by severity, policy and resource: one order for every report."""
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(findings, key=lambda f: (not f.blocking, f.status != "open", rank.get(f.severity, len(rank)),
                                           f.policy, f.resource_label, f.message))
