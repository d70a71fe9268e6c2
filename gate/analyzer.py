"""Analyzer gRPC client: drives the policy pack the way ``pulumi preview --policy-pack`` does.

Shared by ``tests/policies/test_protocol.py`` and the offline gate (``python -m gate preview``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional


@dataclass
class AnalyzerResource:
    """One resource as the engine sends it to the pack. ``properties`` are in wire form:
    what ``json_format.MessageToDict(RegisterResourceRequest.object)`` gives (secrets as
    ``{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": ...}``,
    unknowns as the sentinel strings of ``pulumi_policy.proxy``)."""

    urn: str
    type: str
    name: str
    properties: dict[str, Any] = field(default_factory=dict)
    parent: Optional[str] = None
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    protect: bool = False
    retain_on_delete: bool = False
    ignore_changes: list[str] = field(default_factory=list)
    additional_secret_outputs: list[str] = field(default_factory=list)
    provider: Optional[str] = None
