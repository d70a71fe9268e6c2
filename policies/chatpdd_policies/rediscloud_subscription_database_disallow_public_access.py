"""rediscloud-subscription-database-disallow-public-access: Redis Cloud databases list the source
networks allowed to connect (``sourceIps``), and all of them together open no more of the public
internet than the bounds of ``_net.py`` (default: one /24 of IPv4, one /64 of IPv6) -- so
``0.0.0.0/1`` + ``128.0.0.0/1`` is as public as ``0.0.0.0/0``. Private and reserved ranges are free."""

from pulumi_policy import ResourceValidationArgs, Severity

from chatpdd_policies._checklist import MIN_PUBLIC_PREFIX_V4, MIN_PUBLIC_PREFIX_V6
from chatpdd_policies._net import public_prefix, public_space
from chatpdd_policies._threshold import defaults
from chatpdd_policies._util import (
    MISSING,
    REDIS_DATABASE,
    UNKNOWN,
    Report,
    checklist_reference,
    label,
    lookup_list,
    resource_policy,
    unknown_message,
)

STACK_CONFIG_KEYS = ("cache.source_ips",)

PREFIX_V4 = public_prefix(4, MIN_PUBLIC_PREFIX_V4)
PREFIX_V6 = public_prefix(6, MIN_PUBLIC_PREFIX_V6)
DEFAULTS = defaults(PREFIX_V4, PREFIX_V6)


def _validate(args: ResourceValidationArgs, report_violation: Report) -> None:
    if args.resource_type != REDIS_DATABASE:
        return
    ips = lookup_list(args.props, "sourceIps")
    if ips is UNKNOWN or UNKNOWN in (ips if isinstance(ips, list) else []):
        report_violation(unknown_message(label(args), "sourceIps", "the allowed source networks"))
    elif ips is MISSING or not ips:
        # Absent or empty = the provider default (0.0.0.0/0): a violation.
        report_violation(f"{label(args)} has no sourceIps, so it accepts connections from anywhere. "
                         f"Fix: set source_ips to the application's CIDRs.")
    else:
        space = public_space(ips)
        if space.invalid:
            report_violation(f"{label(args)} has sourceIps entry '{space.invalid[0]}', which is not a CIDR block. "
                             f"Fix: list the application's egress networks as CIDR blocks.")
        problem = space.problem(int(PREFIX_V4.value(args)), int(PREFIX_V6.value(args)))
        if problem:
            report_violation(f"{label(args)} allows connections from too much of the internet: sourceIps open {problem}. "
                             f"Fix: set source_ips to the application's egress CIDRs only.")


POLICY = resource_policy(
    name="rediscloud-subscription-database-disallow-public-access",
    description="Redis Cloud databases must restrict sourceIps to a few known networks (never the internet, "
                "whole or in pieces).",
    validate=_validate,
    severity=Severity.CRITICAL,
    remediation_steps="Set source_ips to the application's egress CIDRs (Vercel Secure Compute).",
    reference=checklist_reference("Pre-Deployment Preparation", "Infrastructure Security",
                                  "Network security groups configured"),
    tags=["rediscloud", "redis", "network", "security"],
    thresholds=(PREFIX_V4, PREFIX_V6),
)
