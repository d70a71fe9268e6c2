"""aws-ec2-security-group-disallow-public-postgres-ingress (stack): no security group lets too much of the
public internet reach PostgreSQL (5432), Redis (6379), all ports or all protocols.

"Too much" is judged per security group on the UNION of its ingress sources (``_net.py``): inline
``ingress[]`` of ``aws:ec2/securityGroup:SecurityGroup`` and
``aws:ec2/defaultSecurityGroup:DefaultSecurityGroup``, plus every
``aws:ec2/securityGroupRule:SecurityGroupRule`` (``type: ingress``) and
``aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule`` whose ``securityGroupId`` is taken from (or
equals the ``id`` of) that group -- so ``0.0.0.0/1`` in one rule and ``128.0.0.0/1`` in another is the
whole internet. A rule whose group is not a resource of this stack is judged alone. Bounds: one
/``minPublicPrefixV4`` of IPv4 and one /``minPublicPrefixV6`` of IPv6 (defaults /24, /64); private and
reserved ranges (the peered Vercel Secure Compute networks) do not count; IPv6 transition ranges (6to4,
NAT64, IPv4-mapped, Teredo) count as the IPv4 they carry (``_net.py``).

Egress is judged like ingress (issue 17), per group on the union of its egress destinations
(``egress[]``, ``SecurityGroupRule`` ``type: egress``, ``aws:vpc/securityGroupEgressRule``): a data port
open to the internet outbound lets data leave to any database. A managed prefix list (``prefixListId(s)``)
on a rule that reaches a data port blocks: its entries live outside the rule (an AWS-managed list such as
CloudFront's origin-facing one spans much of the internet) and the pack cannot count them.
"""

from typing import Any, Optional

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from chatpdd_policies._checklist import MIN_PUBLIC_PREFIX_V4, MIN_PUBLIC_PREFIX_V6
from chatpdd_policies._net import public_prefix, public_space
from chatpdd_policies._threshold import defaults
from chatpdd_policies._util import (
    MISSING,
    UNKNOWN,
    Report,
    as_number,
    checklist_reference,
    fmt,
    label,
    lookup,
    lookup_list,
    refers_to,
    resources_of_type,
    stack_policy,
    unknown_message,
)

STACK_CONFIG_KEYS = ("network.app_ingress_cidrs",)

PREFIX_V4 = public_prefix(4, MIN_PUBLIC_PREFIX_V4)
PREFIX_V6 = public_prefix(6, MIN_PUBLIC_PREFIX_V6)
DEFAULTS = defaults(PREFIX_V4, PREFIX_V6)
DATA_PORTS = (5432, 6379)  # PostgreSQL, Redis: the data stores the checklist's network rules protect
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
_PREFIX_LIST_PROPS = ("prefixListIds", "prefixListId")
_ALL = {"-1", "all"}
_TCP = {"tcp", "6"}
RULE = "the PostgreSQL exposure"
FIX = ("Fix: allow PostgreSQL and Redis only from the configured CIDRs or the RDS Proxy's security group, "
       "never the internet.")


def _reach(protocol: Any, from_port: Any, to_port: Any) -> object:
    """What the rule opens that matters here ("all traffic", "port 5432", "ports 0-65535"), None if
    nothing, UNKNOWN if that cannot be told at preview."""
    if protocol is UNKNOWN:
        return UNKNOWN
    proto = fmt(protocol).lower() if protocol is not MISSING else "tcp"
    if proto in _ALL:
        return "all traffic"
    if proto not in _TCP:
        return None
    if from_port is UNKNOWN or to_port is UNKNOWN:
        return UNKNOWN
    low = 0.0 if from_port is MISSING else as_number(from_port)
    high = 65535.0 if to_port is MISSING else as_number(to_port)
    if low is None or high is None:
        return UNKNOWN
    if any(low <= port <= high for port in DATA_PORTS):
        return f"port {fmt(low)}" if low == high else f"ports {fmt(low)}-{fmt(high)}"
    return None


class _Source:
    """One ingress source: what it reaches and the CIDR values it lists ((property, value) pairs)."""

    def __init__(self, subject: str, urn: str, reach: Any, cidrs: list[tuple[str, Any]]) -> None:
        self.subject, self.urn, self.reach = subject, urn, reach
        self.values: list[tuple[str, Any]] = []
        self.prefix_lists: list[Any] = []  # managed prefix list ids: entries the pack cannot see
        for prop, value in cidrs:
            found = [(prop, v) for v in value] if isinstance(value, list) else [] if value is MISSING else [(prop, value)]
            if prop in _PREFIX_LIST_PROPS:
                self.prefix_lists += [v for _, v in found]
            else:
                self.values += found


def _inline(group: PolicyResource, report_violation: Report, direction: str = "ingress") -> list[_Source]:
    rules = lookup_list(group.props, direction)
    if rules is UNKNOWN:
        report_violation(unknown_message(label(group), direction, RULE), group.urn)
        return []
    found = []
    for i, rule in enumerate([] if rules is MISSING else rules):
        subject = f"{label(group)} {direction}[{i}]"
        if rule is UNKNOWN:
            report_violation(unknown_message(subject, f"{direction}[{i}]", RULE), group.urn)
            continue
        reach = _reach(lookup(rule, "protocol"), lookup(rule, "fromPort"), lookup(rule, "toPort"))
        found.append(_Source(subject, group.urn, reach, [("cidrBlocks", lookup_list(rule, "cidrBlocks")),
                                                         ("ipv6CidrBlocks", lookup_list(rule, "ipv6CidrBlocks")),
                                                         ("prefixListIds", lookup_list(rule, "prefixListIds"))]))
    return found


def _rule_source(rule: PolicyResource, direction: str = "ingress") -> Optional[_Source]:
    props = rule.props
    if rule.resource_type == SECURITY_GROUP_RULE:
        kind = lookup(props, "type")
        if kind is not UNKNOWN and kind != direction:
            return None
        reach = _reach(lookup(props, "protocol"), lookup(props, "fromPort"), lookup(props, "toPort"))
        if kind is UNKNOWN and reach is not None:
            reach = UNKNOWN  # an unknown type may be this direction: fail closed below if the CIDR is public
        cidrs = [("cidrBlocks", lookup_list(props, "cidrBlocks")), ("ipv6CidrBlocks", lookup_list(props, "ipv6CidrBlocks")),
                 ("prefixListIds", lookup_list(props, "prefixListIds"))]
    else:
        reach = _reach(lookup(props, "ipProtocol"), lookup(props, "fromPort"), lookup(props, "toPort"))
        cidrs = [("cidrIpv4", lookup(props, "cidrIpv4")), ("cidrIpv6", lookup(props, "cidrIpv6")),
                 ("prefixListId", lookup(props, "prefixListId"))]
    return _Source(label(rule), rule.urn, reach, cidrs)


def _public(source: _Source) -> bool:
    space = public_space([v for _, v in source.values if v is not UNKNOWN])
    return bool(space.v4 or space.v6)


def _judge(sources: list[_Source], group: Optional[tuple[str, str]], bounds: tuple[int, int],
           report_violation: Report, direction: str = "ingress") -> None:
    """Report once for the union of ``sources`` (one security group: ``group`` = its subject and URN) that
    reach a data port. One source opening public space is named itself, several by their group."""
    relevant = [s for s in sources if s.reach is not None]
    for source in relevant:
        for prefix_list in source.prefix_lists:
            shown = "a prefix list unknown at preview" if prefix_list is UNKNOWN else f"prefix list {prefix_list}"
            report_violation(f"{source.subject} opens {source.reach if source.reach is not UNKNOWN else 'a port'} "
                             f"({direction}) to {shown}, whose entries are not in the rule, so how much of the "
                             f"internet it opens cannot be judged. {FIX}", source.urn)
    unknown = [(s, prop) for s in relevant for prop, v in s.values if v is UNKNOWN]
    if unknown:
        source, prop = unknown[0]
        report_violation(unknown_message(source.subject, prop, RULE), source.urn)
    known = [s for s in relevant if s.reach is not UNKNOWN]
    problem = public_space([v for s in known for _, v in s.values if v is not UNKNOWN]).problem(*bounds)
    if problem:
        contributing = [s for s in known if _public(s)]
        subject, urn = (contributing[0].subject, contributing[0].urn) if len(contributing) == 1 or group is None \
            else group
        reaches = list(dict.fromkeys(s.reach for s in contributing))
        outbound = " (egress: data can leave to any host there)" if direction == "egress" else ""
        report_violation(f"{subject} opens {', '.join(reaches)} to too much of the internet{outbound}: its CIDRs "
                         f"open {problem}. {FIX}", urn)
        return
    # Sources whose protocol or ports are unknown may reach a data port: if counting them would exceed the
    # bounds, fail closed on the first one that opens public space.
    doubtful = [s for s in relevant if s.reach is UNKNOWN and _public(s)]
    everything = [v for s in known + doubtful for _, v in s.values if v is not UNKNOWN]
    if doubtful and public_space(everything).problem(*bounds):
        report_violation(unknown_message(doubtful[0].subject, "the protocol or port range", RULE), doubtful[0].urn)


def _validate(args: StackValidationArgs, report_violation: Report) -> None:
    bounds = (int(PREFIX_V4.value(args)), int(PREFIX_V6.value(args)))
    groups = resources_of_type(args, SECURITY_GROUP) + resources_of_type(args, DEFAULT_SECURITY_GROUP)
    for direction, rule_type in (("ingress", INGRESS_RULE), ("egress", EGRESS_RULE)):
        members: dict[str, list[_Source]] = {g.urn: _inline(g, report_violation, direction) for g in groups}
        for rule in resources_of_type(args, SECURITY_GROUP_RULE) + resources_of_type(args, rule_type):
            source = _rule_source(rule, direction)
            if source is None:
                continue
            owner = next((g for g in groups if refers_to(rule, "securityGroupId", g, "id")), None)
            if owner is None:  # its group is not in this stack: judged alone
                _judge([source], None, bounds, report_violation, direction)
            else:
                members[owner.urn].append(source)
        for group in groups:
            _judge(members[group.urn], (f"{label(group)} with its {direction} rules", group.urn), bounds,
                   report_violation, direction)


POLICY = stack_policy(
    name="aws-ec2-security-group-disallow-public-postgres-ingress",
    description="Security groups must not open PostgreSQL (5432), Redis (6379) or all ports to the internet: the "
                "union of each group's ingress CIDRs stays within a few known networks.",
    validate=_validate,
    severity=Severity.CRITICAL,
    remediation_steps="Allow 5432 only from the configured application CIDRs (Vercel Secure Compute) or from "
                      "the RDS Proxy's security group (referenced_security_group_id).",
    reference=checklist_reference("Pre-Deployment Preparation", "Infrastructure Security",
                                  "Network security groups configured"),
    tags=["aws", "ec2", "network", "security"],
    thresholds=(PREFIX_V4, PREFIX_V6),
)
