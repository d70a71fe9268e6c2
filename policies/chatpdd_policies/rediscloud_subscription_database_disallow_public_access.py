"""rediscloud-subscription-database-disallow-public-access: Redis Cloud databases list the source
networks allowed to connect (``sourceIps``), none of them the whole internet."""

from pulumi_policy import ReportViolation, ResourceValidationArgs, Severity

from chatpdd_policies._util import (
    MISSING,
    REDIS_DATABASE,
    UNKNOWN,
    checklist_reference,
    is_public_cidr,
    label,
    lookup_list,
    resource_policy,
    unknown_message,
)

STACK_CONFIG_KEYS = ("cache.source_ips",)


def _validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
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
        public = [ip for ip in ips if is_public_cidr(ip)]
        if public:
            report_violation(f"{label(args)} allows connections from {public[0]}. "
                             f"Fix: set source_ips to the application's CIDRs only.")


POLICY = resource_policy(
    name="rediscloud-subscription-database-disallow-public-access",
    description="Redis Cloud databases must restrict sourceIps and never allow 0.0.0.0/0 or ::/0.",
    validate=_validate,
    severity=Severity.CRITICAL,
    remediation_steps="Set source_ips to the application's egress CIDRs (Vercel Secure Compute).",
    reference=checklist_reference("Pre-Deployment Preparation", "Infrastructure Security",
                                  "Network security groups configured"),
    tags=["rediscloud", "redis", "network", "security"],
)
