"""rediscloud-subscription-database-configure-password: Redis Cloud databases have a password set by the
program. The value is a secret: it is never read into a message; a secret-wrapped or unknown value
(a generated password at preview) counts as set."""

from pulumi_policy import ResourceValidationArgs, Severity

from chatpdd_policies._util import MISSING, REDIS_DATABASE, Report, checklist_reference, label, lookup, resource_policy


def _validate(args: ResourceValidationArgs, report_violation: Report) -> None:
    if args.resource_type != REDIS_DATABASE:
        return
    # Absent = a password the provider generates and the program never sees: a violation.
    password = lookup(args.props, "password")
    if password is MISSING or password == "":
        report_violation(f"{label(args)} has no password. Fix: set password from a "
                         f"random.RandomPassword result (as a secret).")


POLICY = resource_policy(
    name="rediscloud-subscription-database-configure-password",
    description="Redis Cloud databases must have a password set.",
    validate=_validate,
    severity=Severity.CRITICAL,
    remediation_steps="Set password to a random.RandomPassword result, kept as a Pulumi secret.",
    reference=checklist_reference("Pre-Deployment Preparation", "Redis Configuration",
                                  "Production Redis URL configured and tested"),
    tags=["rediscloud", "redis", "authentication"],
)
