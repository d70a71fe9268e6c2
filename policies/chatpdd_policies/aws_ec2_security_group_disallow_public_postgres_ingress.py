"""aws-ec2-security-group-disallow-public-postgres-ingress: no security group or ingress rule opens
PostgreSQL (5432), all ports or all protocols to the whole internet (``0.0.0.0/0``, ``::/0``).

Covers inline ``ingress[]`` of ``aws:ec2/securityGroup:SecurityGroup`` and
``aws:ec2/defaultSecurityGroup:DefaultSecurityGroup``,
``aws:ec2/securityGroupRule:SecurityGroupRule`` (``type: ingress``) and
``aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule``.
"""

from typing import Any, Callable, Optional

from pulumi_policy import ReportViolation, ResourceValidationArgs, Severity

from chatpdd_policies._util import (
    MISSING,
    UNKNOWN,
    as_number,
    checklist_reference,
    fmt,
    is_public_cidr,
    label,
    lookup,
    lookup_list,
    resource_policy,
    unknown_message,
)

STACK_CONFIG_KEYS = ("network.app_ingress_cidrs",)

POSTGRES_PORT = 5432
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
_ALL = {"-1", "all"}
_TCP = {"tcp", "6"}
RULE = "the PostgreSQL exposure"


def _reach(protocol: Any, from_port: Any, to_port: Any) -> Optional[str]:
    """What the rule opens that matters here ("all traffic", "port 5432"), None if nothing, UNKNOWN
    if that cannot be told at preview."""
    if protocol is UNKNOWN:
        return UNKNOWN  # type: ignore[return-value]
    proto = fmt(protocol).lower() if protocol is not MISSING else "tcp"
    if proto in _ALL:
        return "all traffic"
    if proto not in _TCP:
        return None
    if from_port is UNKNOWN or to_port is UNKNOWN:
        return UNKNOWN  # type: ignore[return-value]
    low = 0.0 if from_port is MISSING else as_number(from_port)
    high = 65535.0 if to_port is MISSING else as_number(to_port)
    if low is None or high is None:
        return UNKNOWN  # type: ignore[return-value]
    if low <= POSTGRES_PORT <= high:
        return "port 5432" if (low, high) == (POSTGRES_PORT, POSTGRES_PORT) else f"ports {fmt(low)}-{fmt(high)}"
    return None


def _check(subject: str, reach: Any, cidrs: list[tuple[str, Any]], report: Callable[[str], None]) -> None:
    """``cidrs``: (property name, value) pairs; a value may be MISSING, UNKNOWN or a list."""
    if reach is None:
        return
    flat: list[tuple[str, Any]] = []
    for prop, value in cidrs:
        if isinstance(value, list):
            flat.extend((prop, v) for v in value)
        elif value is not MISSING:
            flat.append((prop, value))
    public = [v for _, v in flat if is_public_cidr(v)]
    unknown = [prop for prop, v in flat if v is UNKNOWN]
    if public and reach is not UNKNOWN:
        report(f"{subject} opens {reach} to {public[0]}. Fix: allow PostgreSQL only from the configured CIDRs "
               f"or the RDS Proxy's security group, never {public[0]}.")
    elif public or unknown:
        prop = "the protocol or port range" if public else unknown[0]
        report(unknown_message(subject, prop, RULE))


def _validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    props = args.props
    if args.resource_type in (SECURITY_GROUP, DEFAULT_SECURITY_GROUP):
        rules = lookup_list(props, "ingress")
        if rules is UNKNOWN:
            report_violation(unknown_message(label(args), "ingress", RULE))
            return
        for i, rule in enumerate([] if rules is MISSING else rules):
            subject = f"{label(args)} ingress[{i}]"
            if rule is UNKNOWN:
                report_violation(unknown_message(subject, f"ingress[{i}]", RULE))
                continue
            reach = _reach(lookup(rule, "protocol"), lookup(rule, "fromPort"), lookup(rule, "toPort"))
            _check(subject, reach, [("cidrBlocks", lookup_list(rule, "cidrBlocks")),
                                    ("ipv6CidrBlocks", lookup_list(rule, "ipv6CidrBlocks"))], report_violation)
    elif args.resource_type == SECURITY_GROUP_RULE:
        kind = lookup(props, "type")
        if kind == "egress":
            return
        reach = _reach(lookup(props, "protocol"), lookup(props, "fromPort"), lookup(props, "toPort"))
        if kind is UNKNOWN and reach is not None:
            reach = UNKNOWN  # an unknown type may be ingress: fail closed below if the CIDR is public
        _check(label(args), reach, [("cidrBlocks", lookup_list(props, "cidrBlocks")),
                                    ("ipv6CidrBlocks", lookup_list(props, "ipv6CidrBlocks"))], report_violation)
    elif args.resource_type == INGRESS_RULE:
        reach = _reach(lookup(props, "ipProtocol"), lookup(props, "fromPort"), lookup(props, "toPort"))
        _check(label(args), reach, [("cidrIpv4", lookup(props, "cidrIpv4")),
                                    ("cidrIpv6", lookup(props, "cidrIpv6"))], report_violation)


POLICY = resource_policy(
    name="aws-ec2-security-group-disallow-public-postgres-ingress",
    description="Security groups must not open PostgreSQL (5432) or all ports to 0.0.0.0/0 or ::/0.",
    validate=_validate,
    severity=Severity.CRITICAL,
    remediation_steps="Allow 5432 only from the configured application CIDRs (Vercel Secure Compute) or from "
                      "the RDS Proxy's security group (referenced_security_group_id).",
    reference=checklist_reference("Pre-Deployment Preparation", "Infrastructure Security",
                                  "Network security groups configured"),
    tags=["aws", "ec2", "network", "security"],
)
