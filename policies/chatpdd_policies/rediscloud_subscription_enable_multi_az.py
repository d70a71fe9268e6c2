"""rediscloud-subscription-enable-multi-az: a Redis Cloud subscription places its shards in several availability
zones in every region it uses (``cloudProvider.regions[].multipleAvailabilityZones: true``; absent = the
provider default, one zone) and plans replicated databases (``creationPlan.replication``, when a creation plan
is given). Replication inside one zone (``rediscloud-subscription-database-enable-replication``) does not
survive that zone's outage: the checklist's "Redis cluster setup (if high availability required)" needs both.
The setting is fixed when the subscription is created."""

from pulumi_policy import ResourceValidationArgs, Severity

from chatpdd_policies._util import (
    MISSING,
    UNKNOWN,
    Report,
    checklist_reference,
    label,
    lookup,
    lookup_list,
    resource_policy,
    unknown_message,
)

SUBSCRIPTION = "rediscloud:index/subscription:Subscription"
RULE = "multi-AZ placement"
FIX = "Fix: set cloud_provider.regions[].multiple_availability_zones=True (only when the subscription is created)."


def _validate(args: ResourceValidationArgs, report_violation: Report) -> None:
    if args.resource_type != SUBSCRIPTION:
        return
    regions = lookup_list(args.props, "cloudProvider", "regions")
    if regions is UNKNOWN:
        report_violation(unknown_message(label(args), "cloudProvider.regions", RULE))
        return
    if regions is MISSING or not regions:
        report_violation(f"{label(args)} names no cloud region, so its placement is the provider default (one "
                         f"availability zone). {FIX}")
    for i, region in enumerate([] if regions is MISSING else regions):
        multi = lookup(region, "multipleAvailabilityZones")
        if region is UNKNOWN or multi is UNKNOWN:
            report_violation(unknown_message(label(args), f"cloudProvider.regions[{i}].multipleAvailabilityZones",
                                             RULE))
        elif multi is not True:
            name = lookup(region, "region")
            shown = f" {name}" if isinstance(name, str) else ""
            report_violation(f"{label(args)} runs in one availability zone of region{shown} "
                             f"(cloudProvider.regions[{i}]). {FIX}")
    replication = lookup(args.props, "creationPlan", "replication")
    if replication is UNKNOWN:
        report_violation(unknown_message(label(args), "creationPlan.replication", RULE))
    elif replication is False:
        report_violation(f"{label(args)} plans databases without replication. Fix: set creation_plan.replication=True.")


POLICY = resource_policy(
    name="rediscloud-subscription-enable-multi-az",
    description="Redis Cloud subscriptions must spread shards over multiple availability zones and plan replication.",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps="Create the subscription with cloud_provider.regions[].multiple_availability_zones=True and "
                      "creation_plan.replication=True (see components/cache.py).",
    reference=checklist_reference("Pre-Deployment Preparation", "Redis Configuration",
                                  "Redis cluster setup (if high availability required)"),
    tags=["rediscloud", "redis", "availability"],
)
