"""The chatpdd-guardrails policies: one module per policy, named after it (``-`` -> ``_``), exporting
``POLICY``. ``ALL_POLICIES`` collects every such module of this package (modules starting with ``_``
are helpers), so adding a policy is adding a file: no list to edit."""

from __future__ import annotations

import importlib
import pkgutil

from pulumi_policy import Policy


def _collect() -> list[Policy]:
    policies = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        policy = getattr(module, "POLICY", None)
        if not isinstance(policy, Policy):
            raise TypeError(f"{module.__name__} must export POLICY (a pulumi_policy Policy)")
        policies.append(policy)
    return policies


ALL_POLICIES: list[Policy] = _collect()
