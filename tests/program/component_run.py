"""Run one component alone under mocks with a (modified) stack config: the edge-case tests' program."""

from __future__ import annotations

import dataclasses
import importlib
import json
from collections.abc import Callable

import pulumi
from pulumi_policy import ResourceValidationPolicy

from components.base import StackContext
from components.providers import Providers, create_providers
from gate.pack.analyzer import AnalyzerResource
from gate.program.program import ProgramRun, run_function
from stacks.loader import LoadedStack
from stacks.models import StackConfig
from tests.policies.harness import POLICIES_DIR
from tests.policies.harness import run as run_policy

Build = Callable[[StackContext, Providers, pulumi.ResourceOptions], None]


def run_component(loaded: LoadedStack, config: StackConfig, build: Build) -> ProgramRun:
    """`build(context, providers, opts)` registers the component, as __main__.py would with `config`."""

    def program() -> None:
        context = StackContext(stack=loaded.name, owner=config.owner, data_classification=config.data_classification,
                               account_id=config.aws.allowed_account_ids[0], region=config.aws.region)
        providers = create_providers(config)
        build(context, providers, pulumi.ResourceOptions(providers=providers.all))

    return run_function(dataclasses.replace(loaded, config=config), program)


def pack_violations(run: ProgramRun, component: str) -> dict[str, list[str]]:
    """Every policy of the pack, with the stack's pack config, over the whole run (stack policies relate
    resources across components): the messages that name a resource of `component` (a type token)."""
    # The pack's own import root (policies/) is on sys.path once the harness is imported.
    all_policies = importlib.import_module("chatpdd_policies").ALL_POLICIES
    pack_config = json.loads((POLICIES_DIR / "config" / f"{run.stack}.json").read_text())
    mine = {r.urn for r in run.resources if f"{component}$" in r.urn}
    resources = [AnalyzerResource(urn=r.urn, type=r.type, name=r.name, properties=r.properties, parent=r.parent,
                                  dependencies=r.dependencies, property_dependencies=r.property_dependencies,
                                  protect=r.protect, additional_secret_outputs=r.additional_secret_outputs)
                 for r in run.resources]
    violations: dict[str, list[str]] = {}
    for policy in all_policies:
        entry = pack_config.get(policy.name)
        config = {k: v for k, v in entry.items() if k != "enforcementLevel"} if isinstance(entry, dict) else None
        if isinstance(policy, ResourceValidationPolicy):
            found = [m for r in resources if r.urn in mine for m in run_policy(policy, r, config or None).messages]
        else:
            found = [m for m, urn in run_policy(policy, resources, config or None).violations if urn in mine]
        if found:
            violations[policy.name] = found
    return violations
