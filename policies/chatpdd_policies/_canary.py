"""Helpers of the Synthetics canary policies: what a canary calls and how often (components/synthetics.py).

The contract with the canary scripts (docs/architecture.md, "Synthetics"): the API canary's
``runConfig.environmentVariables.STEPS`` is a JSON list of ``{"step", "path"}`` -- one step per endpoint, whose
``Duration`` (dimensions ``CanaryName``, ``StepName``) the alarms read --; the browser canary's ``PAGE_URL`` is
the page it loads and ``STEP`` its step."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Optional
from urllib.parse import urlsplit

from chatpdd_policies._util import MISSING, UNKNOWN, lookup

CANARY = "aws:synthetics/canary:Canary"
_RATE = re.compile(r"^rate\((\d+) minutes?\)$")


def steps(canary: Any) -> Any:
    """The canary's ``[(step, path, kind)]``: API steps (kind ``api``) from STEPS, the page (kind ``page``) from
    PAGE_URL/STEP; UNKNOWN if either is
    unknown at preview; [] when it declares none (or not as the contract says)."""
    env = lookup(canary.props, "runConfig", "environmentVariables")
    if env is UNKNOWN:
        return UNKNOWN
    if env is MISSING or not isinstance(env, Mapping):
        return []
    found: list[tuple[str, str, str]] = []
    raw = lookup(env, "STEPS")
    if raw is UNKNOWN:
        return UNKNOWN
    if isinstance(raw, str):
        try:
            listed = json.loads(raw)
        except ValueError:
            listed = []
        found += [(str(s.get("step")), str(s.get("path")), "api") for s in listed if isinstance(s, dict)] \
            if isinstance(listed, list) else []
    page, step = lookup(env, "PAGE_URL"), lookup(env, "STEP")
    if UNKNOWN in (page, step):
        return UNKNOWN
    if isinstance(page, str) and isinstance(step, str):
        found.append((step, urlsplit(page).path or "/", "page"))
    return found


def interval_minutes(canary: Any) -> Any:
    """Minutes between runs from ``schedule.expression`` (``rate(N minute[s])``); UNKNOWN, MISSING, or None for
    an expression that is not a rate (a cron cannot be read as one interval)."""
    expression = lookup(canary.props, "schedule", "expression")
    if expression is UNKNOWN or expression is MISSING:
        return expression
    match = _RATE.match(str(expression).strip())
    return int(match.group(1)) if match else None


def canary_name(canary: Any) -> Optional[str]:
    """The canary's physical name (explicit in this program), None when unknown or absent."""
    name = lookup(canary.props, "name")
    return name if isinstance(name, str) else None
