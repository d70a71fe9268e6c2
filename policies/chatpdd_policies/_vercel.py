"""Vercel helpers for the app policies: environment variables, read by key.

The pulumiverse_vercel SDK wraps every ``ProjectEnvironmentVariable`` ``value`` as a secret; the
policy SDK unwraps secrets before a policy runs, so policies see the plain value. Never put an env
var's value into a message: report what is wrong with it, not what it is.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from pulumi_policy import ResourceValidationArgs, StackValidationArgs

from chatpdd_policies._util import MISSING, UNKNOWN, Report, label, lookup, resources_of_type, unknown_message

PROJECT = "vercel:index/project:Project"
ENV_VAR = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
ENV_VAR_SET = "vercel:index/projectEnvironmentVariables:ProjectEnvironmentVariables"
ROUTE = "vercel:index/projectRoute:ProjectRoute"
FIREWALL = "vercel:index/firewallConfig:FirewallConfig"


def env_setting(args: ResourceValidationArgs, keys: Collection[str], rule: str,
                report_violation: Report) -> tuple[str, Any] | None:
    """``(key, value)`` when ``args`` is a ``ProjectEnvironmentVariable`` whose ``key`` is one of
    ``keys``; None otherwise, or after failing closed: an unknown key (it might be one of ``keys``),
    an unknown value, or no readable value (a write-only ``valueWo`` cannot be checked)."""
    if args.resource_type != ENV_VAR:
        return None
    key = lookup(args.props, "key")
    if key is UNKNOWN:
        report_violation(unknown_message(label(args), "key", rule))
        return None
    if key not in keys:
        return None
    value = lookup(args.props, "value")
    if value is UNKNOWN:
        report_violation(unknown_message(label(args), "value", rule))
        return None
    if value is MISSING:
        report_violation(f"{label(args)} sets {key} without a readable value, so {rule} cannot be verified. "
                         f"Fix: set value (not value_wo).")
        return None
    return key, value


def project_subject(args: StackValidationArgs) -> tuple[str, str | None]:
    """The label and URN a stack-level Vercel violation names: the stack's (first) Vercel project, or the
    stack itself when the project is not a resource of it."""
    projects = resources_of_type(args, PROJECT)
    return (label(projects[0]), projects[0].urn) if projects else ("Stack", None)
