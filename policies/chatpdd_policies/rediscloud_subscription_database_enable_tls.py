"""rediscloud-subscription-database-enable-tls: Redis Cloud databases accept TLS connections only."""

from pulumi_policy import ResourceValidationArgs, Severity

from chatpdd_policies._util import REDIS_DATABASE, Report, checklist_reference, require_value, resource_policy


def _validate(args: ResourceValidationArgs, report_violation: Report) -> None:
    if args.resource_type != REDIS_DATABASE:
        return
    # Absent = the provider default (false): a violation.
    require_value(args, report_violation, "enableTls", True, rule="Redis TLS",
                  problem="does not enable TLS", fix="set enable_tls=True")


POLICY = resource_policy(
    name="rediscloud-subscription-database-enable-tls",
    description="Redis Cloud databases must enable TLS.",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps="Set enable_tls=True on the subscription database and use a rediss:// REDIS_URL.",
    reference=checklist_reference("Security Validation", "Encryption", "Session data encryption verified"),
    tags=["rediscloud", "redis", "tls"],
)
