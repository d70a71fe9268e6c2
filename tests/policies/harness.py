"""Run one policy in-process, exactly as the pack's gRPC servicer would, and collect what it reports.

Resources are :class:`gate.pack.analyzer.AnalyzerResource` (the same objects ``test_protocol.py`` sends
over gRPC), properties in wire form (camelCase keys; :func:`secret` for secrets; the ``UNKNOWN_*``
sentinels for values unknown at preview). Like the servicer, the harness round-trips properties and
config through ``google.protobuf.Struct`` (ints become floats), deserializes them with
``pulumi_policy.deserialize`` (secrets are unwrapped) and wraps them with
``pulumi_policy.proxy.unknown_checking_proxy`` (reading an unknown raises ``UnknownValueError``).
The config is passed as given: the SDK applies no schema defaults, so ``config=None`` exercises the
policy's in-code defaults.

A policy that lets ``UnknownValueError`` escape fails the test (the real servicer would turn it into
an ADVISORY "can't run policy" even for a mandatory policy).

Typical test::

    from tests.policies.harness import resource, run, with_props, without_props, UNKNOWN_BOOL
    from chatpdd_policies.aws_rds_instance_disallow_public_access import POLICY

    PRIMARY = resource("aws:rds/instance:Instance", "chatpdd-production-db", {...compliant...})

    def test_compliant():
        assert run(POLICY, PRIMARY).messages == []

    def test_public():
        assert run(POLICY, with_props(PRIMARY, publiclyAccessible=True)).messages == [
            "RDS instance 'chatpdd-production-db' is publicly accessible. Fix: ..."]

    def test_unknown_fails_closed():
        assert len(run(POLICY, with_props(PRIMARY, publiclyAccessible=UNKNOWN_BOOL)).messages) == 1

``run(policy, resource)`` for a resource policy, ``run(policy, [resources...])`` for a stack policy
(``Outcome.urns`` then tells which resource each violation names). ``Outcome.not_applicable`` is
the reason given to ``args.not_applicable(...)`` (None if the policy did not call it).
"""

from __future__ import annotations

import asyncio
import copy
import sys
from dataclasses import dataclass, field
from inspect import isawaitable
from pathlib import Path
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi_policy import (
    Policy,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import SPECIAL_SECRET_SIG, SPECIAL_SIG_KEY, deserialize_properties
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import (
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
    unknown_checking_proxy,
)

REPO = Path(__file__).resolve().parents[2]
POLICIES_DIR = REPO / "policies"
if str(POLICIES_DIR) not in sys.path:  # the pack's own import root (the CLI runs it from there)
    sys.path.insert(0, str(POLICIES_DIR))

from gate.pack.analyzer import AnalyzerResource  # noqa: E402  (after the sys.path set-up)

STACK = "production"
PROJECT = "chatpdd-infra"

UNKNOWN_STRING = UNKNOWN_STRING_VALUE  # == pulumi.runtime.rpc.UNKNOWN
UNKNOWN_BOOL = UNKNOWN_BOOLEAN_VALUE
UNKNOWN_NUMBER = UNKNOWN_NUMBER_VALUE
UNKNOWN_ARRAY = UNKNOWN_ARRAY_VALUE
UNKNOWN_OBJECT = UNKNOWN_OBJECT_VALUE


def urn(resource_type: str, name: str, stack: str = STACK) -> str:
    """The URN the engine gives a top-level resource of this type and name."""
    return f"urn:pulumi:{stack}::{PROJECT}::{resource_type}::{name}"


def secret(value: Any) -> dict[str, Any]:
    """A secret value in wire form."""
    return {SPECIAL_SIG_KEY: SPECIAL_SECRET_SIG, "value": value}


def resource(resource_type: str, name: str, properties: dict[str, Any], **options: Any) -> AnalyzerResource:
    """An AnalyzerResource with its URN computed; ``options`` are the other AnalyzerResource fields
    (``property_dependencies={"kmsKeyId": [KEY.urn]}``, ``protect=True``, ``parent=...``)."""
    return AnalyzerResource(urn=urn(resource_type, name), type=resource_type, name=name,
                            properties=copy.deepcopy(properties), **options)


def with_props(res: AnalyzerResource, changes: dict[str, Any] | None = None, **kw: Any) -> AnalyzerResource:
    """A copy of ``res`` with top-level properties replaced (``changes`` for keys that are not
    Python identifiers, e.g. nested dicts you rebuilt)."""
    new = copy.deepcopy(res)
    new.properties.update(changes or {})
    new.properties.update(kw)
    return new


def without_props(res: AnalyzerResource, *keys: str) -> AnalyzerResource:
    """A copy of ``res`` without the given top-level properties (the "missing" case)."""
    new = copy.deepcopy(res)
    for key in keys:
        new.properties.pop(key, None)
    return new


def replace(resources: list[AnalyzerResource], *new: AnalyzerResource) -> list[AnalyzerResource]:
    """``resources`` with each resource of the same URN as one of ``new`` swapped for it."""
    by_urn = {r.urn: r for r in new}
    return [by_urn.get(r.urn, r) for r in resources]


@dataclass
class Outcome:
    """What one policy run reported."""

    violations: list[tuple[str, str | None]] = field(default_factory=list)
    not_applicable: str | None = None

    @property
    def messages(self) -> list[str]:
        return [message for message, _ in self.violations]

    @property
    def urns(self) -> list[str | None]:
        return [u for _, u in self.violations]


def _wire(obj: dict[str, Any]) -> dict[str, Any]:
    """Round-trip through a protobuf Struct, as the gRPC transport does."""
    return json_format.MessageToDict(json_format.ParseDict(obj, struct_pb2.Struct()))


def _props(properties: dict[str, Any]) -> Any:
    return unknown_checking_proxy(deserialize_properties(_wire(properties)))


def _opts(res: AnalyzerResource) -> PolicyResourceOptions:
    """The options as the servicer builds them from AnalyzerResourceOptions."""
    create, update, delete = res.custom_timeouts or (0, 0, 0)
    return PolicyResourceOptions(res.protect, list(res.ignore_changes), res.delete_before_replace, list(res.aliases),
                                 PolicyCustomTimeouts(create, update, delete), list(res.additional_secret_outputs),
                                 res.parent)


def _policy_resources(resources: list[AnalyzerResource]) -> list[PolicyResource]:
    built = {r.urn: PolicyResource(r.type, _props(r.properties), r.urn, r.name, _opts(r), None, None, [], {})
             for r in resources}
    for r in resources:
        target = built[r.urn]
        target.parent = built.get(r.parent) if r.parent else None
        target.dependencies = [built[d] for d in r.dependencies if d in built]
        target.property_dependencies = {k: [built[d] for d in v if d in built]
                                        for k, v in r.property_dependencies.items()}
    return [built[r.urn] for r in resources]


def run(policy: Policy, target: AnalyzerResource | list[AnalyzerResource],
        config: dict[str, Any] | None = None) -> Outcome:
    """Run ``policy`` on one resource (resource policy) or on a list (stack policy)."""
    outcome = Outcome()
    cfg = _wire(config) if config else None

    def report_violation(message: str, urn_: str | None = None) -> None:
        outcome.violations.append((message, urn_))

    if isinstance(policy, ResourceValidationPolicy):
        assert isinstance(target, AnalyzerResource), "a resource policy runs on one resource"
        args: Any = ResourceValidationArgs(target.type, _props(target.properties), target.urn, target.name,
                                           _opts(target), None, cfg, {})
    elif isinstance(policy, StackValidationPolicy):
        assert isinstance(target, list), "a stack policy runs on a list of resources"
        args = StackValidationArgs(_policy_resources(target), cfg, {})
    else:
        raise TypeError(f"not a policy: {policy!r}")
    try:
        result = policy.validate(args, report_violation)
        if isawaitable(result):
            asyncio.run(result)  # type: ignore[arg-type]
    except UnknownValueError as e:
        raise AssertionError(f"policy '{policy.name}' let UnknownValueError escape ({e.message}); the "
                             f"servicer would report an ADVISORY \"can't run policy\" instead of failing") from e
    except _NotApplicableError as e:
        outcome.not_applicable = e.reason or ""
    return outcome
