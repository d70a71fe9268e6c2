"""``ops verify``: the CloudWatch Synthetics canaries after a deployment ("API response times < 500ms", "Page load
times < 3 seconds"): each canary is RUNNING on the pinned runtime and its latest run PASSED recently.

Synthetics API: GetCanary (state, runtime, schedule) and GetCanaryRuns (newest first)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from ops.aws import error_code
from ops.verify.result import Result, expect
from stacks.checklist import CANARY_ALLOWED_RUNTIMES

_RATE = re.compile(r"^rate\((\d+) minutes?\)$")
# A run is recent when it completed within two schedule intervals (one run may be in progress).
STALE_AFTER_INTERVALS = 2


def _interval(canary: dict[str, Any]) -> timedelta | None:
    match = _RATE.match(str(canary.get("Schedule", {}).get("Expression", "")).strip())
    return timedelta(minutes=int(match.group(1))) if match else None


def check_canary(synthetics: Any, name: str, now: datetime) -> Result:
    """One row: the canary ``name`` runs, on an allowed runtime, and its latest run passed within two intervals."""
    try:
        canary = synthetics.get_canary(Name=name)["Canary"]
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return Result("canary", name, False, "not found")
        raise
    problems: list[str] = []
    state = canary.get("Status", {}).get("State")
    if state != "RUNNING":
        problems.append(f"state {state} (expected RUNNING)")
    if canary.get("RuntimeVersion") not in CANARY_ALLOWED_RUNTIMES:
        problems.append(f"runtime {canary.get('RuntimeVersion')} (expected one of {', '.join(CANARY_ALLOWED_RUNTIMES)})")
    runs = synthetics.get_canary_runs(Name=name, MaxResults=1).get("CanaryRuns", [])
    if not runs:
        problems.append("no run yet")
        return expect("canary", name, problems, "")
    latest = runs[0]
    status = latest.get("Status", {})
    if status.get("State") != "PASSED":
        reason = status.get("StateReason") or status.get("StateReasonCode") or "no reason given"
        problems.append(f"latest run {status.get('State')}: {reason}")
    completed = latest.get("Timeline", {}).get("Completed")
    interval = _interval(canary)
    if completed is None:
        problems.append("latest run has not completed")
    elif interval is not None and now - completed > STALE_AFTER_INTERVALS * interval:
        problems.append(f"latest run completed {completed:%Y-%m-%d %H:%M} UTC, more than {STALE_AFTER_INTERVALS} "
                        f"intervals ({interval}) ago")
    done = f" at {completed:%H:%M} UTC" if completed is not None else ""
    return expect("canary", name, problems, f"RUNNING on {canary.get('RuntimeVersion')}, latest run PASSED{done}")


def check_canaries(synthetics: Any, names: dict[str, str], now: datetime) -> list[Result]:
    """A row per canary of the stack outputs (``synthetics.canary_names``)."""
    return [check_canary(synthetics, name, now) for name in names.values()]
