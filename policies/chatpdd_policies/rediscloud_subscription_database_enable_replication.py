"""rediscloud-subscription-database-enable-replication: Redis Cloud databases run with a replica
(``replication: true``) for high availability."""

from pulumi_policy import ResourceValidationArgs, Severity

from chatpdd_policies._util import REDIS_DATABASE, Report, checklist_reference, require_value, resource_policy


def _validate(args: ResourceValidationArgs, report_violation: Report) -> None:
    if args.resource_type != REDIS_DATABASE:
        return
    # Absent is rejected: high availability is not left to a provider default.
    require_value(args, report_violation, "replication", True, rule="Redis replication",
                  problem="does not enable replication", fix="set replication=True")


POLICY = resource_policy(
    name="rediscloud-subscription-database-enable-replication",
    description="Redis Cloud databases must enable replication.",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps="Set replication=True on the subscription database.",
    reference=checklist_reference("Pre-Deployment Preparation", "Redis Configuration",
                                  "Redis cluster setup (if high availability required)"),
    tags=["rediscloud", "redis", "availability"],
)
