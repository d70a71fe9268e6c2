"""Tighten-only policy config: the pack refuses, at Configure, a config that loosens the checklist.

Why in the pack: ``pulumi preview --policy-pack policies --policy-pack-config policies/config/<stack>.json``
reads the same file as the offline gate, so a pull request that lowers ``minRetentionDays`` to 1, sets a
policy to ``advisory`` or ``disabled``, sets ``"all"`` below ``mandatory`` or drops a required item from a
list would weaken the real CLI too. The engine sends the resolved config (schema defaults + the file) in
one ``Configure`` call and stops the preview when it fails (``configuring policy pack ...: <message>``);
the gate surfaces the same refusal as exit code 2.

The floors are the policies' own config-schema defaults (the checklist's numbers, one source): nothing is
written twice here. What "looser" means per property:

- a numeric threshold -- its declaration (``_threshold.Threshold``, written once in the policy) says
  which way: ``at-least`` may only be raised, ``at-most`` only lowered. The property's name means nothing;
- ``*allowed*`` lists (accepted values) -- only a subset of the default;
- any other list or list-valued map (``required*``, ``endpoints``, ``secretKeys``...) -- a superset
  (every default item stays, per key for a map);
- ``alarmChecks`` -- every default check stays, with the same comparison, a severity no lower, a limit
  no looser in its comparison's direction, and ``evaluationPeriods``/``datapointsToAlarm``/``period``
  no higher;
- anything else (``ttlSeconds``, a number given in ``config_schema`` instead of ``thresholds``) -- every
  default key keeps its default value: the guard cannot tell tighter from looser, so it fails closed.
  Declare a new number as a ``Threshold`` (or give it a rule here) and tightening it works.

Enforcement levels: every policy named in the config must stay ``mandatory`` (or ``remediate``, which
still reports as mandatory); ``"all"`` reaches the pack as that level on every policy.

Which stacks may loosen: the engine tells the pack its stack in ``ConfigureStack`` (sent when it boots
the pack, before ``Configure``) and in the pack process's environment (``PULUMI_STACK``). Loosening is
allowed only when every identity the pack was given names a stack in :data:`LOOSENING_ALLOWED_STACKS`
-- staging's documented overrides (no read replica, snapshot persistence). No identity at all, or any
other name, is treated as production: tighten-only. Adding a stack there is a reviewed change to the
pack's code, never something a config file can declare about itself.
"""

from __future__ import annotations

import functools
import os
from typing import Any, Callable, Mapping, Optional

from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import Policy
from pulumi_policy import policy as _sdk

from chatpdd_policies._threshold import Threshold, declared

LOOSENING_ALLOWED_STACKS = frozenset({"staging"})
MANDATORY_RANK = 2
LEVEL_RANK = {"disabled": 0, "advisory": 1, "mandatory": MANDATORY_RANK, "remediate": MANDATORY_RANK}
SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}
# alarmChecks fields that page later when raised (more periods, more datapoints, longer periods).
ALARM_AT_MOST = ("evaluationPeriods", "datapointsToAlarm", "period")


def _number(value: Any) -> Optional[float]:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, str) else str(value).replace("'", "")


def _same(a: Any, b: Any) -> bool:
    na, nb = _number(a), _number(b)
    return na == nb if na is not None and nb is not None else a == b


def _at_least(key: str, value: Any, floor: Any) -> list[str]:
    v, f = _number(value), _number(floor)
    if v is None or (f is not None and v < f):
        return [f"{key} = {_show(value)} is looser than the checklist's {_show(floor)} (expected >= {_show(floor)})"]
    return []


def _at_most(key: str, value: Any, ceiling: Any) -> list[str]:
    v, c = _number(value), _number(ceiling)
    if v is None or (c is not None and v > c):
        return [f"{key} = {_show(value)} is looser than the checklist's {_show(ceiling)} "
                f"(expected <= {_show(ceiling)})"]
    return []


def _subset(key: str, value: Any, default: Any) -> list[str]:
    if not isinstance(value, list):
        return [f"{key} = {_show(value)} is not a list (expected a subset of {_show(default)})"]
    extra = [v for v in value if v not in default]
    if extra:
        return [f"{key} adds {_show(extra)} to the accepted values (expected a subset of {_show(default)})"]
    return []


def _each_key(key: str, value: Any, default: dict[str, Any], check: Callable[[str, Any, Any], list[str]],
              expected: Callable[[Any], str]) -> list[str]:
    """``check`` on every key of ``default`` (a map): a dropped key is a loosening."""
    if not isinstance(value, dict):
        return [f"{key} = {_show(value)} is not an object (expected every key of {_show(default)})"]
    problems = []
    for sub, item in default.items():
        if sub not in value:
            problems.append(f"{key}.{sub} is dropped (expected {expected(item)})")
        else:
            problems += check(f"{key}.{sub}", value[sub], item)
    return problems


def _superset(key: str, value: Any, default: Any) -> list[str]:
    if isinstance(default, dict):
        return _each_key(key, value, default, _superset, lambda items: f"at least {_show(items)}")
    if not isinstance(value, list):
        return [f"{key} = {_show(value)} is not a list (expected at least {_show(default)})"]
    dropped = [d for d in default if d not in value]
    if dropped:
        return [f"{key} drops required {_show(dropped)} (expected at least {_show(default)})"]
    return []


def _unchanged(key: str, value: Any, default: Any) -> list[str]:
    if isinstance(default, dict) and isinstance(value, dict):
        return _each_key(key, value, default, _unchanged, _show)
    if not _same(value, default):
        return [f"{key} = {_show(value)} differs from the checklist's {_show(default)} (no rule tells tighter from "
                f"looser for it, so only the checklist's value is accepted)"]
    return []


def _alarm_checks(key: str, value: Any, default: Any) -> list[str]:
    if not isinstance(value, dict):
        return [f"{key} = {_show(value)} is not an object (expected every check of the checklist)"]
    problems = []
    for check, spec in default.items():
        where = f"{key}.{check}"
        given = value.get(check)
        if not isinstance(given, dict):
            problems.append(f"{where} is dropped (expected {_show(spec)})")
            continue
        for field, floor in spec.items():
            got, at = given.get(field), f"{where}.{field}"
            if field == "severity":
                if SEVERITY_RANK.get(str(got), -1) < SEVERITY_RANK.get(floor, 0):
                    problems.append(f"{at} = {_show(got)} is lower than the checklist's {_show(floor)}")
            elif field == "limit":
                rule = _at_most if spec.get("comparison") == "GreaterThanThreshold" else _at_least
                problems += rule(at, got, floor)
            elif field in ALARM_AT_MOST:
                problems += _at_most(at, got, floor)
            else:
                problems += _unchanged(at, got, floor)
    return problems


Rule = Callable[[str, Any, Any], list[str]]
EXPLICIT_RULES: dict[str, Rule] = {"alarmChecks": _alarm_checks}


def rule_for(prop: str, default: Any, threshold: Optional[Threshold] = None) -> Rule:
    """The rule of a config property: a threshold's declared direction, else from its default's shape."""
    if threshold is not None:
        return _at_least if threshold.direction == "at-least" else _at_most
    if prop in EXPLICIT_RULES:
        return EXPLICIT_RULES[prop]
    if "allowed" in prop.lower() and isinstance(default, list):
        return _subset
    if isinstance(default, list) or (isinstance(default, dict) and default
                                     and all(isinstance(v, list) for v in default.values())):
        return _superset
    return _unchanged


def defaults_of(policy: Policy) -> dict[str, Any]:
    schema = policy.config_schema
    properties = schema.properties if schema is not None else {}
    return {k: v["default"] for k, v in (properties or {}).items() if isinstance(v, dict) and "default" in v}


def loosenings(policies: list[Policy], config: Mapping[str, tuple[str, Mapping[str, Any]]]) -> list[str]:
    """Every way ``config`` (policy -> (enforcement level, properties)) is looser than the pack's defaults,
    one message each, keys named ``<policy>.<property>[.<sub key>]``."""
    by_name = {p.name: p for p in policies}
    lowered = sorted(name for name, (level, _) in config.items()
                     if name in by_name and LEVEL_RANK.get(level, -1) < MANDATORY_RANK)
    problems: list[str] = []
    if lowered and len(lowered) == len(by_name):
        levels = sorted({config[name][0] for name in lowered})
        problems.append(f"all: enforcement level {'/'.join(levels)} is lower than mandatory (every policy)")
    else:
        problems += [f"{name}: enforcement level {config[name][0]} is lower than mandatory" for name in lowered]
    for name, (_, props) in sorted(config.items()):
        policy = by_name.get(name)
        if policy is None:
            continue
        thresholds = declared(name)
        for prop, default in defaults_of(policy).items():
            if prop in props:
                problems += rule_for(prop, default, thresholds.get(prop))(f"{name}.{prop}", props[prop], default)
    return problems


def may_loosen(identities: list[str]) -> bool:
    """True only if the pack was told its stack and every name it was given is a non-production stack."""
    names = [n.rsplit("/", 1)[-1] for n in identities if n]
    return bool(names) and all(n in LOOSENING_ALLOWED_STACKS for n in names)


def refusal(identities: list[str], problems: list[str]) -> str:
    names = sorted({n.rsplit("/", 1)[-1] for n in identities if n})
    who = f"stack '{names[0]}'" if len(names) == 1 else (
        f"stacks {', '.join(repr(n) for n in names)}" if names else "a stack the engine did not name (treated as "
                                                                    "production)")
    return (f"the policy config of {who} may only tighten the checklist "
            f"({len(problems)} loosening{'s' if len(problems) != 1 else ''}): " + "; ".join(problems) +
            f". Only {', '.join(sorted(LOOSENING_ALLOWED_STACKS))} may loosen (policies/chatpdd_policies/"
            f"_config_guard.py).")


def _decode(request: Any) -> dict[str, tuple[str, dict[str, Any]]]:
    # The SDK module's json_format (the gate's launcher may wrap it; the original decodes the config).
    json_format = vars(_sdk)["json_format"]
    convert = getattr(json_format, "_chatpdd_original", json_format).MessageToDict
    return {name: (analyzer_pb2.EnforcementLevel.Name(value.enforcementLevel).lower(), convert(value.properties))
            for name, value in request.policyConfig.items()}


_installed = False


def install(policies: list[Policy]) -> None:
    """Wrap the SDK servicer's Configure and ConfigureStack with the guard. Idempotent."""
    global _installed
    if _installed:
        return
    # The SDK's private servicer class, patched in place (untyped on purpose: its methods are replaced), and
    # the grpc module the SDK imported (the pack imports only the SDK: tests/policies/test_meta.py).
    servicer: Any = _sdk._PolicyAnalyzerServicer
    invalid_argument = vars(_sdk)["grpc"].StatusCode.INVALID_ARGUMENT
    configure, configure_stack = servicer.Configure, servicer.ConfigureStack

    def identities(self: Any) -> list[str]:
        return [n for n in (getattr(self, "_chatpdd_stack", ""), os.environ.get("PULUMI_STACK", "")) if n]

    def problems(self: Any, config: dict[str, tuple[str, dict[str, Any]]]) -> list[str]:
        return [] if may_loosen(identities(self)) else loosenings(policies, config)

    @functools.wraps(configure)
    def guarded_configure(self: Any, request: Any, context: Any) -> Any:
        config = _decode(request)
        found = problems(self, config)
        if found:
            context.abort(invalid_argument, refusal(identities(self), found))
        self._chatpdd_config = config
        return configure(self, request, context)

    @functools.wraps(configure_stack)
    def guarded_configure_stack(self: Any, request: Any, context: Any) -> Any:
        self._chatpdd_stack = request.stack
        # A config accepted for another stack that loosens the checklist does not carry over to this one:
        # back to the pack's own defaults (mandatory, the checklist's numbers) until the next Configure.
        if problems(self, getattr(self, "_chatpdd_config", {})):
            configure(self, analyzer_pb2.ConfigureAnalyzerRequest(), context)
            self._chatpdd_config = {}
        return configure_stack(self, request, context)

    servicer.Configure = guarded_configure
    servicer.ConfigureStack = guarded_configure_stack
    _installed = True
