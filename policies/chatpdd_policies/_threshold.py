"""A policy's numeric threshold, declared once: ``Threshold(key, default, direction, unit, description)``.

Everything else is derived from the declaration, never written again:

- the pack config schema's property (type, default, bounds, description) -- :meth:`Threshold.schema`,
  merged into the policy's ``config_schema`` by ``resource_policy``/``stack_policy`` (``thresholds=``);
- the policy module's ``DEFAULTS`` -- :func:`defaults`;
- which way a stack's pack config may move it -- :attr:`Threshold.direction`, which the config guard
  (``_config_guard.py``) reads from :func:`declared` (no naming convention: a ``min``/``max`` prefix means
  nothing to the guard);
- the value the policy compares with -- :meth:`Threshold.value` (the stack's config, or the default: the SDK
  does not apply schema defaults, the CLI does);
- every number in the policy's description, messages and fixes -- :meth:`Threshold.show` /
  :meth:`Threshold.bound` (``tests/policies/test_thresholds.py`` refuses a digit in a policy string that does
  not come from a declaration, with an allow-list for AWS and protocol facts).

``default`` is a constant of the generated ``_checklist.py`` (the checklist's number, written once in
``stacks/checklist.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Union

from pulumi_policy import ResourceValidationArgs, StackValidationArgs

Number = Union[int, float]
# at-least: the default is a floor, a stack's pack config may only raise it (retention days, pool size);
# at-most: a ceiling, it may only be lowered (slow-query threshold, rate limit, check interval).
Direction = Literal["at-least", "at-most"]

_DECLARED: dict[str, dict[str, Threshold]] = {}


def _fmt(value: Number) -> str:
    """``30.0`` (numbers arrive as floats) -> ``30``."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


@dataclass(frozen=True)
class Threshold:
    """One numeric pack-config property of a policy and how it may be tightened."""

    key: str  # the pack-config property, e.g. "minRetentionDays"
    default: Number  # the checklist constant (from chatpdd_policies._checklist)
    direction: Direction
    unit: str  # "days", "ms", "connections", ...; "" for a bare number (a TLS version)
    description: str  # the schema's description (no digits: the number is the default)
    minimum: Number | None = None  # JSON-schema bounds: what the service accepts at all, not the checklist
    maximum: Number | None = None
    exclusive_minimum: Number | None = None
    kind: Literal["integer", "number"] | None = None  # the schema type; None: from the default's type

    def schema(self) -> dict[str, Any]:
        """The config-schema property: type, bounds, default and description."""
        prop: dict[str, Any] = {"type": self.kind or ("integer" if isinstance(self.default, int) else "number")}
        for name, bound in (("minimum", self.minimum), ("maximum", self.maximum),
                            ("exclusiveMinimum", self.exclusive_minimum)):
            if bound is not None:
                prop[name] = bound
        return {**prop, "default": self.default, "description": self.description}

    def value(self, args: ResourceValidationArgs | StackValidationArgs) -> Number:
        """The stack's configured value, or the default."""
        configured = (args.get_config() or {}).get(self.key)
        value: Number = self.default if configured is None else configured
        return value

    def show(self, value: Number | None = None) -> str:
        """``value`` (the default when None) with its unit: ``30 days``."""
        shown = _fmt(self.default if value is None else value)
        return f"{shown} {self.unit}" if self.unit else shown

    def bound(self, value: Number | None = None) -> str:
        """The requirement in words: ``at least 30 days`` / ``at most 100 ms``."""
        return f"{self.direction.replace('-', ' ')} {self.show(value)}"

    def holds(self, actual: Number, limit: Number | None = None) -> bool:
        """Whether ``actual`` meets ``limit`` (the default when None) in the declared direction."""
        bound = self.default if limit is None else limit
        return actual >= bound if self.direction == "at-least" else actual <= bound

    def named(self) -> str:
        """The property and its default, for remediation text: ``minRetentionDays (30)``."""
        return f"{self.key} ({_fmt(self.default)})"


def defaults(*thresholds: Threshold, **others: Any) -> dict[str, Any]:
    """A policy's ``DEFAULTS``: every threshold's default, then the non-numeric properties (lists, maps)."""
    return {**{t.key: t.default for t in thresholds}, **others}


def register(policy_name: str, thresholds: tuple[Threshold, ...]) -> dict[str, dict[str, Any]]:
    """Record ``policy_name``'s declarations for the config guard; their config-schema properties."""
    keys = [t.key for t in thresholds]
    if len(set(keys)) != len(keys):
        raise ValueError(f"{policy_name}: a threshold is declared twice ({keys})")
    _DECLARED[policy_name] = {t.key: t for t in thresholds}
    return {t.key: t.schema() for t in thresholds}


def declared(policy_name: str) -> dict[str, Threshold]:
    """The thresholds ``policy_name`` declared, by pack-config key."""
    return _DECLARED.get(policy_name, {})
