"""Checked-in exemptions: a reviewed, owned, expiring "yes, we know" for one policy on some resources.

An exempted finding stays in every report (as exempted) but does not block. An exemption past its
expiry date is itself a mandatory violation -- exemptions are loans, not gifts -- and the findings it
covered block again. An exemption that matches nothing is a warning: it is dead weight or a typo.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from gate.findings import EXPIRED_EXEMPTION_POLICY, Finding, Location

CHECKOV_PREFIX = "checkov:"
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class ExemptionsError(Exception):
    """The exemptions file is unreadable or invalid. ``str()`` is the complete, user-facing message."""


class Exemption(BaseModel):
    """One entry of gate/exemptions.yaml: which finding, why, who owns it and until when."""
    model_config = ConfigDict(frozen=True, extra="forbid")

    policy: Text  # a pack policy name, or checkov:<check id>
    resource: Text  # a URN (glob allowed), or a glob on the Pulumi resource name
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10)]
    owner: Text
    expires: dt.date
    stack: Text | None = None  # only this stack; None = every stack

    def covers(self, finding: Finding, stack: str) -> bool:
        """Whether this exemption applies to ``finding`` on ``stack``."""
        if finding.policy != self.policy or (self.stack is not None and self.stack != stack):
            return False
        if self.resource.startswith("urn:"):
            return fnmatch.fnmatchcase(finding.urn or "", self.resource)
        return fnmatch.fnmatchcase(finding.resource_name or "", self.resource)


class ExemptionsFile(BaseModel):
    """The whole gate/exemptions.yaml."""
    model_config = ConfigDict(frozen=True, extra="forbid")

    exemptions: list[Exemption]


@dataclass(frozen=True)
class LoadedExemptions:
    """The validated exemptions, with the file and line of each entry for the reports."""
    path: Path
    display: str  # the path as reports show it
    entries: tuple[Exemption, ...]
    lines: tuple[int, ...]  # 1-based line of each entry


@dataclass
class ExemptionOutcome:
    """The findings after exemptions, and which entries applied, expired or matched nothing."""
    findings: list[Finding]  # the input findings (statuses updated) + one per expired exemption
    warnings: list[str] = field(default_factory=list)
    applied: dict[int, int] = field(default_factory=dict)  # entry index -> findings it exempted
    expired: list[int] = field(default_factory=list)
    unmatched: list[int] = field(default_factory=list)


class _Loader(yaml.SafeLoader):
    """YAML without implicit timestamps: ``expires: 2027-13-01`` reaches the model as text and gets a
    field-level error, instead of PyYAML's bare ValueError."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _entry_lines(text: str) -> list[int]:
    root = yaml.compose(text)
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if key.value == "exemptions" and isinstance(value, yaml.SequenceNode):
                return [item.start_mark.line + 1 for item in value.value]
    return []


def load_exemptions(path: Path, display: str, known_policies: set[str]) -> LoadedExemptions:
    """Read and validate the file; every problem at once, each with entry number and field."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ExemptionsError(f"Cannot read the exemptions file {display}: {exc.strerror}.") from None
    try:
        document = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ExemptionsError(f"The exemptions file {display} is not valid YAML{where} "
                              f"({getattr(exc, 'problem', exc)}).") from None
    try:
        parsed = ExemptionsFile.model_validate(document if document is not None else {})
    except ValidationError as err:
        problems = []
        for e in err.errors(include_url=False):
            loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e["loc"]).lstrip(".") or "(top level)"
            problems.append(f"{loc}: {'missing' if e['type'] == 'missing' else e['msg']}")
        raise ExemptionsError(
            f"Invalid exemptions file {display} ({len(problems)} problem{'s' if len(problems) != 1 else ''}): "
            + "; ".join(problems) + ". Each entry needs policy, resource (a URN or a name glob), reason "
            "(a sentence), owner and expires (YYYY-MM-DD); stack is optional.") from None
    unknown = [f"exemptions[{i}].policy: unknown policy '{e.policy}'" for i, e in enumerate(parsed.exemptions)
               if not e.policy.startswith(CHECKOV_PREFIX) and e.policy not in known_policies]
    if unknown:
        raise ExemptionsError(f"Invalid exemptions file {display}: " + "; ".join(unknown) +
                              f". Use a policy name of the pack ({', '.join(sorted(known_policies)[:3])}, ...) "
                              f"or checkov:<check id>.")
    lines = _entry_lines(text)
    lines += [1] * (len(parsed.exemptions) - len(lines))
    return LoadedExemptions(path=Path(path), display=display, entries=tuple(parsed.exemptions), lines=tuple(lines))


def apply_exemptions(findings: list[Finding], exemptions: LoadedExemptions, *, stack: str, today: dt.date,
                     checkov_ran: bool) -> ExemptionOutcome:
    """Mark exempted findings, add one blocking finding per expired exemption, warn about unmatched ones."""
    outcome = ExemptionOutcome(findings=list(findings))
    # Index by policy: each finding is compared only with the exemptions of its own policy.
    by_policy: dict[str, list[int]] = {}
    for i, e in enumerate(exemptions.entries):
        by_policy.setdefault(e.policy, []).append(i)
    expired = {i for i, e in enumerate(exemptions.entries) if e.expires < today}
    matched: set[int] = set()
    for finding in findings:
        for i in by_policy.get(finding.policy, ()):
            entry = exemptions.entries[i]
            if not entry.covers(finding, stack):
                continue
            matched.add(i)
            if i in expired or finding.status != "open":
                continue
            finding.status = "exempted"
            finding.waiver = {"kind": "exemption", "reason": entry.reason, "owner": entry.owner,
                              "expires": entry.expires.isoformat(),
                              "where": f"{exemptions.display}:{exemptions.lines[i]}"}
            outcome.applied[i] = outcome.applied.get(i, 0) + 1
    for i, entry in enumerate(exemptions.entries):
        where = Location(exemptions.display, exemptions.lines[i])
        if i in expired:
            outcome.expired.append(i)
            outcome.findings.append(Finding(
                policy=EXPIRED_EXEMPTION_POLICY, source="gate", enforcement="mandatory", severity="high",
                message=(f"Exemption for {entry.policy} on '{entry.resource}' (owner {entry.owner}) expired on "
                         f"{entry.expires.isoformat()}; the findings it covered block again."),
                remediation=(f"Fix the finding, or renew the exemption with a new reason and expiry date in "
                             f"{exemptions.display} (line {exemptions.lines[i]}) after review."),
                location=where))
        elif i not in matched and (entry.stack in (None, stack)):
            if entry.policy.startswith(CHECKOV_PREFIX) and not checkov_ran:
                continue  # it could not have matched: checkov did not run
            outcome.unmatched.append(i)
            outcome.warnings.append(
                f"Exemption at {exemptions.display}:{exemptions.lines[i]} ({entry.policy} on '{entry.resource}') "
                f"matches no finding in stack '{stack}': remove it, or fix its policy/resource pattern.")
    return outcome
