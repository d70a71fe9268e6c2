"""Waivers that never surprise: every exemption and checkov skip with its expiry, and those expiring soon.

The gate warns (never blocks) when a waiver expires within :data:`WARN_DAYS` days of the check date, in the
terminal and at the top of the PR comment; ``python -m gate waivers --within 14 --json`` lists them without
running the program (the scheduled .github/workflows/waivers.yml turns that list into one issue). Renewing a
waiver is a reviewed pull request (docs/gate.md, "Renewing a waiver").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path

from gate.common.locations import display_path
from gate.export.checkov import CheckovSkip, load_skips
from gate.waivers.exemptions import LoadedExemptions, load_exemptions

WARN_DAYS = 14


@dataclass(frozen=True)
class Waiver:
    """One exemption or checkov skip: what it waives, whose it is and when it expires."""
    kind: str  # "exemption" | "checkov skip"
    rule: str  # a policy name, or a checkov id
    target: str  # the resource(s) it names or selects
    owner: str
    expires: dt.date
    where: str  # file:line

    def days_left(self, today: dt.date) -> int:
        """Days from ``today`` to the expiry (negative: expired)."""
        return (self.expires - today).days

    def as_dict(self, today: dt.date) -> dict[str, object]:
        """The JSON form (``python -m gate waivers --json``)."""
        return {**asdict(self), "expires": self.expires.isoformat(), "days_left": self.days_left(today)}

    def sentence(self, today: dt.date) -> str:
        """One line: which waiver, and when it expires."""
        days = self.days_left(today)
        when = f"expired on {self.expires.isoformat()}" if days < 0 else (
            f"expires on {self.expires.isoformat()} ({'today' if days == 0 else f'in {days} days'})")
        return f"{self.kind} {self.rule} on {self.target} (owner {self.owner}, {self.where}) {when}"


def _skip_lines(path: Path, count: int) -> list[int]:
    lines = [i for i, line in enumerate(path.read_text().splitlines(), 1) if line.lstrip().startswith("- check:")]
    return lines + [1] * (count - len(lines))


def all_waivers(exemptions: LoadedExemptions, skips: list[CheckovSkip], skips_path: Path, skips_display: str,
                stack: str | None = None) -> list[Waiver]:
    """Every exemption (of ``stack``, or of any stack when None) and every checkov skip, soonest expiry first."""
    found = [Waiver("exemption", e.policy, e.resource + (f" (stack {e.stack})" if e.stack else ""), e.owner,
                    e.expires, f"{exemptions.display}:{exemptions.lines[i]}")
             for i, e in enumerate(exemptions.entries) if stack is None or e.applies_to(stack)]
    lines = _skip_lines(skips_path, len(skips)) if skips else []
    found += [Waiver("checkov skip", s.check, s.label(), s.owner, s.expires, f"{skips_display}:{lines[i]}")
              for i, s in enumerate(skips)]
    return sorted(found, key=lambda w: (w.expires, w.kind, w.rule, w.target))


def expiring(waivers: list[Waiver], today: dt.date, within: int = WARN_DAYS) -> list[Waiver]:
    """The waivers still in force that expire within ``within`` days of ``today`` (expired ones block instead)."""
    return [w for w in waivers if 0 <= w.days_left(today) <= within]


def load_all(repo_root: Path, today: dt.date, exemptions_path: Path | None = None,
             skips_path: Path | None = None) -> list[Waiver]:
    """Read and validate both waiver files (ExemptionsError / CheckovError on bad input), without the program."""
    exemptions_path = exemptions_path or repo_root / "gate" / "exemptions.yaml"
    skips_path = skips_path or repo_root / "gate" / "checkov-skips.yaml"
    exemptions = load_exemptions(exemptions_path, display_path(exemptions_path, repo_root), None)
    skips_display = display_path(skips_path, repo_root)
    skips = load_skips(skips_path, skips_display, today)
    return all_waivers(exemptions, skips, skips_path, skips_display)

