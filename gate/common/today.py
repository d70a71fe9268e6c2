"""The date the gate checks exemptions and checkov skips against (``--today``) cannot precede the newest
commit of the repository: moving the date back would un-expire an exemption or a skip (and stretch the
90-day bound on new ones). The floor is the committer date of ``HEAD`` (``git log -1 --format=%cI``), in the
committer's own time zone. Without git, or outside a checkout, the floor is unknown and the gate fails closed
for every stack (exit 2): the verdict would rest on a date nobody can check. Tests and the benchmark run the
gate from the repository checkout, so they have a floor.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path


class TodayError(Exception):
    """``--today`` (or the clock) is before the newest commit, or the commit date is unknown. User-facing."""


def newest_commit(repo_root: Path) -> tuple[dt.date, str]:
    """(committer date, short hash) of HEAD; raises TodayError when git cannot tell."""
    try:
        done = subprocess.run(["git", "-C", str(repo_root), "log", "-1", "--format=%cI %h"], capture_output=True,
                              text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TodayError(f"cannot read the newest commit date of {repo_root} (git: {exc}); the gate checks "
                         f"exemption and skip dates against it, so it runs only in a git checkout") from None
    fields = done.stdout.split()
    if done.returncode != 0 or len(fields) != 2:
        why = " ".join(done.stderr.split())[:200] or "no commit"
        raise TodayError(f"cannot read the newest commit date of {repo_root} ({why}); the gate checks exemption "
                         f"and skip dates against it, so it runs only in a git checkout with at least one commit")
    try:
        return dt.datetime.fromisoformat(fields[0]).date(), fields[1]
    except ValueError:
        raise TodayError(f"git printed {fields[0]!r} as the newest commit date of {repo_root}") from None


def check_today(today: dt.date, repo_root: Path, *, explicit: bool) -> None:
    """TodayError if ``today`` is earlier than the newest commit's date (nobody un-expires a waiver)."""
    floor, commit = newest_commit(repo_root)
    if today < floor:
        what = f"--today {today.isoformat()}" if explicit else f"the system date ({today.isoformat()})"
        raise TodayError(f"{what} is before the newest commit ({commit}, {floor.isoformat()}): exemptions and "
                         f"checkov skips cannot be checked against an earlier date. Use --today "
                         f"{floor.isoformat()} or later, or omit it")
