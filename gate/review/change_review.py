"""``--base <git-ref>``: run the program as it is at ``<ref>`` too, and review the change between the two.

The base is a clean checkout of ``<ref>`` (``git worktree add --detach`` in a temporary folder, removed
afterwards whatever happens) of the repository that holds the program. Its program, ``components/``,
``stacks/`` and stack file run in their own process (gate.program.program.ProgramProcess) in parallel with the
head's, under THIS gate's mocks and code: the gate and its mocks are the judge, the program is what is
judged, so both sides are measured with the same ruler (a PR that changes the mocks is reviewed with its
own mocks on both sides). The pack (the head's, with the head's stack config) then analyses the base
resources too, so the verdict delta -- findings new in this change -- compares like with like.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from gate.common.findings import Finding, PolicyMeta
from gate.program.children import dying_with_parent
from gate.program.program import CapturedResource
from gate.review.changes import Change, ChangeSet, diff

CHANGE_POLICY = "gate-destructive-change"
CHANGE_POLICY_META = PolicyMeta(
    name=CHANGE_POLICY, source="gate", enforcement="mandatory", severity="critical",
    description="A change that deletes or replaces a stateful resource (the pack's statefulTypes), or removes "
                "protect from one, destroys data: it blocks unless an alias keeps the resource or a reviewed "
                "exemption covers the planned migration (python -m gate preview --base <ref>).",
    remediation="Add aliases=[...] for a rename or move; keep the inputs that force a replacement; keep "
                "protect=True. For a deliberate migration, add an exemption for gate-destructive-change with "
                "owner, reason and expiry.")
PROTECT_POLICY = "stack-protect-stateful-resources"


class BaseRefError(Exception):
    """``--base`` cannot be checked out. ``str()`` is the one-line message."""


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    # a killed gate leaves no `git worktree add` running
    return subprocess.run(dying_with_parent(["git", *args]), cwd=cwd, capture_output=True, text=True, timeout=120,
                          check=False)


@dataclass
class BaseCheckout:
    """A clean checkout of the base commit beside the head repository, and how head paths map into it."""

    ref: str
    commit: str
    toplevel: Path  # the repository the program lives in
    worktree: Path  # the clean checkout of ``commit``

    def counterpart(self, path: Path) -> Path:
        """``path`` (inside the head repository) as it is in the base checkout."""
        try:
            return self.worktree / Path(path).resolve().relative_to(self.toplevel)
        except ValueError:
            raise BaseRefError(f"--base: {path} is outside the git repository {self.toplevel}, so it has no "
                               f"version at {self.ref}") from None


@contextmanager
def base_checkout(ref: str, inside: Path) -> Iterator[BaseCheckout]:
    """A detached worktree of ``ref`` of the repository containing ``inside``; always removed."""
    top = _git(["rev-parse", "--show-toplevel"], Path(inside))
    if top.returncode != 0:
        raise BaseRefError(f"--base {ref}: {inside} is not inside a git repository")
    toplevel = Path(top.stdout.strip()).resolve()
    found = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], toplevel)
    if found.returncode != 0 or not found.stdout.strip():
        raise BaseRefError(f"--base {ref}: no such commit in {toplevel} (fetch it first, e.g. "
                           f"`git fetch origin {ref}`, with enough history: actions/checkout fetch-depth: 0)")
    commit = found.stdout.strip()
    holder = Path(tempfile.mkdtemp(prefix=HOLDER_PREFIX))
    worktree = holder / "base"
    try:
        # Whose checkout this is: a run killed before its `finally` leaves it, and the next run sweeps it.
        (holder / STALE_MARKER).write_text(json.dumps({"pid": os.getpid(), "started": _start_time(os.getpid()),
                                                       "repository": str(toplevel)}), encoding="utf-8")
        # --no-checkout, then the checkout as a child of the gate's own: `worktree add` would run it as a
        # grandchild, which a SIGKILL of the gate leaves running (only direct children die with it).
        added = _git(["worktree", "add", "--detach", "--no-checkout", "--quiet", str(worktree), commit], toplevel)
        if added.returncode == 0:
            added = _git(["reset", "--hard", "--no-recurse-submodules", "--quiet"], worktree)
        if added.returncode != 0:
            raise BaseRefError(f"--base {ref}: git worktree add failed: {' '.join(added.stderr.split())[:300]}")
        yield BaseCheckout(ref=ref, commit=commit, toplevel=toplevel, worktree=worktree)
    finally:
        _git(["worktree", "remove", "--force", str(worktree)], toplevel)
        shutil.rmtree(holder, ignore_errors=True)
        _git(["worktree", "prune"], toplevel)


HOLDER_PREFIX = "gate-base-"
STALE_MARKER = ".chatpdd-gate-base"  # {"pid", "started", "repository"} of the run that made the checkout


def _start_time(pid: int) -> str:
    """The process's start time (clock ticks since boot, /proc/<pid>/stat field 22): a pid reused by another
    process does not keep a dead run's checkout alive. Empty where /proc is absent (the pid alone decides)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _alive(pid: int, started: str) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not started or _start_time(pid) in ("", started)


def sweep_stale_checkouts() -> list[str]:
    """Remove the base checkouts of ``--base`` runs that were killed (SIGKILL, a power cut: no ``finally``
    ran): the temporary folder and its git worktree registration. Found by the marker each run writes in its
    folder; a folder whose run is still alive is left alone. Returns one notice per checkout removed."""
    notices = []
    for marker in sorted(Path(tempfile.gettempdir()).glob(f"{HOLDER_PREFIX}*/{STALE_MARKER}")):
        try:
            owner = json.loads(marker.read_text(encoding="utf-8"))
            pid, started, repository = int(owner["pid"]), str(owner["started"]), Path(owner["repository"])
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not ours to judge
        if pid == os.getpid() or _alive(pid, started):
            continue
        holder = marker.parent
        if repository.is_dir():
            _git(["worktree", "remove", "--force", str(holder / "base")], repository)
            _git(["worktree", "prune"], repository)
        shutil.rmtree(holder, ignore_errors=True)
        notices.append(f"removed the --base checkout {holder} (and its git worktree registration in "
                       f"{repository}) left by a killed gate run (pid {pid})")
    return notices


@dataclass
class ReviewResult:
    """The review against ``--base``: the changes, and the verdict delta of the head's findings."""

    ref: str
    commit: str
    changes: ChangeSet
    base_resources: int
    new_findings: list[str] = field(default_factory=list)  # fingerprints of head findings not at the base
    fixed: list[dict[str, str]] = field(default_factory=list)  # base findings gone in the head (policy, urn)
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)
    base_run: list[CapturedResource] = field(default_factory=list, repr=False)  # the base's resources (the cost delta)

    def as_dict(self) -> dict[str, object]:
        """The JSON report's ``change_review`` section: counts by action and the verdict delta."""
        return {"ref": self.ref, "commit": self.commit, "base_resources": self.base_resources,
                "counts": dict(sorted(self.changes.counts().items())),
                "delta": {"new": len(self.new_findings), "fixed": len(self.fixed), "unchanged": self.unchanged,
                          "new_fingerprints": self.new_findings, "fixed_findings": self.fixed}}


def stateful_types(resolved: dict[str, tuple[str, dict[str, object]]]) -> set[str]:
    """The pack's own list (its statefulTypes, as this stack's pack config resolves it): one source."""
    config = resolved.get(PROTECT_POLICY, ("", {}))[1]
    types = config.get("statefulTypes", [])
    return {str(t) for t in types} if isinstance(types, list) else set()


def change_findings(changes: list[Change]) -> list[Finding]:
    """One mandatory finding per blocking change, so exemptions, SARIF, JUnit and the verdict treat it like
    any other rule. A delete is reported on the base URN (the resource that goes)."""
    return [Finding(policy=CHANGE_POLICY, source="gate", enforcement="mandatory", severity="critical",
                    message=f"{c.action} of {c.type} '{c.name}': {c.reason}.", urn=c.urn, resource_name=c.name,
                    resource_type=c.type, remediation=c.fix or CHANGE_POLICY_META.remediation)
            for c in changes if c.blocking]


def verdict_delta(head: list[Finding], base: list[tuple[str, str]], head_to_base: dict[str, str],
                  ) -> tuple[list[str], list[dict[str, str]], int]:
    """Head findings new in this change (fingerprints), base findings the change fixes, and how many are
    unchanged. A finding is (policy, resource), the head's resource mapped to its base URN (renames)."""
    remaining = Counter(base)
    new: list[str] = []
    unchanged = 0
    for f in head:
        if f.policy == CHANGE_POLICY:
            new.append(f.fingerprint)
            continue
        key = (f.policy, head_to_base.get(f.urn or "", f.urn or ""))
        if remaining[key] > 0:
            remaining[key] -= 1
            unchanged += 1
        else:
            new.append(f.fingerprint)
    fixed = [{"policy": policy, "urn": urn} for (policy, urn), n in sorted(remaining.items()) for _ in range(n)]
    return new, fixed, unchanged


def review(ref: str, commit: str, base: list[CapturedResource], head: list[CapturedResource],
           stateful: set[str]) -> ReviewResult:
    """The change from the base's resources to the head's; the verdict delta is filled in by the caller."""
    return ReviewResult(ref=ref, commit=commit, changes=diff(base, head, stateful), base_resources=len(base),
                        base_run=base)
