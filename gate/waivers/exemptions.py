"""Checked-in exemptions: a reviewed, owned, expiring "yes, we know" for one policy on ONE resource.

An exempted finding stays in every report (as exempted) but does not block. An exemption past its
expiry date is itself a mandatory violation -- exemptions are loans, not gifts -- and the findings it
covered block again. An exemption that matches nothing is a warning: it is dead weight or a typo.

The file is part of the gate's attack surface, so its entries are bounded (docs/gate.md, "Exemptions"):
``resource`` is one concrete resource -- its URN or its Pulumi name, no glob -- and a name that several
resources of the stack share is refused (give the URN); ``owner`` and ``reason`` are required; ``expires``
is at most ``max_expiry_days`` (default and ceiling :data:`MAX_EXPIRY_DAYS`, 90) after the date the gate
checks it (``--today``, which cannot precede the newest commit: gate.common.today). A bad entry is exit code 2.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from gate.common.findings import EXPIRED_EXEMPTION_POLICY, Finding, Location
from stacks.safe_yaml import HardenedLoader, InputFileError, load_yaml

CHECKOV_PREFIX = "checkov:"
MAX_EXPIRY_DAYS = 90  # the ceiling: a file may set a lower max_expiry_days, never a higher one
GLOB_CHARACTERS = "*?["
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _concrete(value: str) -> str:
    if any(c in value for c in GLOB_CHARACTERS):
        raise ValueError(f"'{value}' is a glob; name one resource (its URN or its Pulumi name), without "
                         f"{', '.join(GLOB_CHARACTERS)}")
    return value


Concrete = Annotated[Text, AfterValidator(_concrete)]
ExpiryDays = Annotated[int, Field(ge=1, le=MAX_EXPIRY_DAYS)]


def expiry_problem(expires: dt.date, today: dt.date, max_days: int) -> str | None:
    """Why ``expires`` is too far away, or None: a waiver is granted for at most ``max_days`` from ``today``."""
    latest = today + dt.timedelta(days=max_days)
    if expires > latest:
        return (f"{expires.isoformat()} is more than {max_days} days after {today.isoformat()} (at most "
                f"{latest.isoformat()}; renew it after a new review instead)")
    return None


class ExemptionsError(Exception):
    """The exemptions file is unreadable or invalid. ``str()`` is the complete, user-facing message."""


class Exemption(BaseModel):
    """One entry of gate/exemptions.yaml: which finding, why, who owns it and until when."""
    model_config = ConfigDict(frozen=True, extra="forbid")

    policy: Text  # a pack policy name, or checkov:<check id>
    resource: Concrete  # one resource: its URN, or its Pulumi name (no glob)
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10)]
    owner: Text
    expires: dt.date
    stack: Text | None = None  # only this stack; None = every stack

    def covers(self, finding: Finding, stack: str) -> bool:
        """Whether this exemption applies to ``finding`` on ``stack``."""
        if finding.policy != self.policy or (self.stack is not None and self.stack != stack):
            return False
        return self.names(finding.urn, finding.resource_name)

    def names(self, urn: str | None, name: str | None) -> bool:
        """Whether this entry names the resource with that URN or Pulumi name."""
        return (urn or "") == self.resource if self.resource.startswith("urn:") else (name or "") == self.resource

    def applies_to(self, stack: str) -> bool:
        """Whether this entry applies to ``stack`` (no stack: every stack)."""
        return self.stack is None or self.stack == stack


class ExemptionsFile(BaseModel):
    """The whole gate/exemptions.yaml."""
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_expiry_days: ExpiryDays = MAX_EXPIRY_DAYS  # lower it to shorten every loan; never above 90
    exemptions: list[Exemption]


@dataclass(frozen=True)
class LoadedExemptions:
    """The validated exemptions, with the file and line of each entry for the reports."""
    path: Path
    display: str  # the path as reports show it
    entries: tuple[Exemption, ...]
    lines: tuple[int, ...]  # 1-based line of each entry
    max_expiry_days: int = MAX_EXPIRY_DAYS

    def active(self, stack: str, today: dt.date) -> list[int]:
        """Indexes of the entries in force for ``stack`` on ``today`` (not expired)."""
        return [i for i, e in enumerate(self.entries) if e.applies_to(stack) and e.expires >= today]


@dataclass
class ExemptionOutcome:
    """The findings after exemptions, and which entries applied, expired or matched nothing."""
    findings: list[Finding]  # the input findings (statuses updated) + one per expired exemption
    warnings: list[str] = field(default_factory=list)
    applied: dict[int, int] = field(default_factory=dict)  # entry index -> findings it exempted
    expired: list[int] = field(default_factory=list)
    unmatched: list[int] = field(default_factory=list)


class _Loader(HardenedLoader):
    """YAML without implicit timestamps: ``expires: 2027-13-01`` reaches the model as text and gets a
    field-level error, instead of PyYAML's bare ValueError."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
DateTextLoader = _Loader  # the checkov skip list's expiry dates get the same field-level errors


def _entry_lines(text: str) -> list[int]:
    root = yaml.compose(text)
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if key.value == "exemptions" and isinstance(value, yaml.SequenceNode):
                return [item.start_mark.line + 1 for item in value.value]
    return []


def load_exemptions(path: Path, display: str, known_policies: set[str] | None) -> LoadedExemptions:
    """Read and validate the file; every problem at once, each with entry number and field. ``known_policies``
    None: the policy names are not checked (``python -m gate waivers`` lists the file without the pack)."""
    try:  # bounded, no duplicate keys, aliases only within a small expansion (stacks/safe_yaml.py)
        document, text = load_yaml(Path(path), display, aliases=True, loader=_Loader)
    except InputFileError as exc:
        raise ExemptionsError(f"Cannot use the exemptions file {display}: {exc.problem}.") from None
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
            + "; ".join(problems) + ". Each entry needs policy, resource (one resource: a URN or a Pulumi name, "
            "no glob), reason (a sentence), owner and expires (YYYY-MM-DD); stack is optional.") from None
    unknown = [f"exemptions[{i}].policy: unknown policy '{e.policy}'" for i, e in enumerate(parsed.exemptions)
               if known_policies is not None and not e.policy.startswith(CHECKOV_PREFIX)
               and e.policy not in known_policies]
    if unknown:
        raise ExemptionsError(f"Invalid exemptions file {display}: " + "; ".join(unknown) +
                              f". Use a policy name of the pack ({', '.join(sorted(known_policies or ())[:3])}, ...) "
                              f"or checkov:<check id>.")
    lines = _entry_lines(text)
    lines += [1] * (len(parsed.exemptions) - len(lines))
    return LoadedExemptions(path=Path(path), display=display, entries=tuple(parsed.exemptions), lines=tuple(lines),
                            max_expiry_days=parsed.max_expiry_days)


def check_exemptions(exemptions: LoadedExemptions, *, stack: str, today: dt.date,
                     resources: list[tuple[str, str]]) -> None:
    """The bounds that need the check date and the stack's resources ((urn, name) pairs): each entry expires
    at most ``max_expiry_days`` after ``today`` and names at most one resource of the stack. Every problem
    at once; raises ExemptionsError."""
    problems = []
    for i, entry in enumerate(exemptions.entries):
        where = f"exemptions[{i}] (line {exemptions.lines[i]})"
        too_far = expiry_problem(entry.expires, today, exemptions.max_expiry_days)
        if too_far:
            problems.append(f"{where}.expires: {too_far}")
        if entry.applies_to(stack):
            named = sorted(urn for urn, name in resources if entry.names(urn, name))
            if len(named) > 1:
                problems.append(f"{where}.resource: '{entry.resource}' names {len(named)} resources of stack "
                                f"'{stack}' ({', '.join(named)}); give the URN of the one to exempt")
    if problems:
        raise ExemptionsError(f"Invalid exemptions file {exemptions.display} ({len(problems)} problem"
                              f"{'s' if len(problems) != 1 else ''}): " + "; ".join(problems) + ".")


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
        elif i not in matched and entry.applies_to(stack):
            if entry.policy.startswith(CHECKOV_PREFIX) and not checkov_ran:
                continue  # it could not have matched: checkov did not run
            outcome.unmatched.append(i)
            outcome.warnings.append(
                f"Exemption at {exemptions.display}:{exemptions.lines[i]} ({entry.policy} on '{entry.resource}') "
                f"matches no finding in stack '{stack}': remove it, or fix its policy/resource pattern.")
    return outcome
