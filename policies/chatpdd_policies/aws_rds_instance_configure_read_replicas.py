"""aws-rds-instance-configure-read-replicas (stack): every RDS primary has at least ``minReadReplicas``
read replicas in this stack (``replicateSourceDb`` -> the primary).

The checklist says "Read replicas configured (if applicable)". For ChatPDD production it applies (the
app reads through the proxy's READ_ONLY endpoint, and the replica-lag alarm exists), so the policy
stays MANDATORY and the "if applicable" lives in the config: production requires 1, staging sets
``minReadReplicas: 0``."""

from pulumi_policy import Severity, StackValidationArgs

from chatpdd_policies._checklist import MIN_READ_REPLICAS
from chatpdd_policies._threshold import Threshold, defaults
from chatpdd_policies._util import (
    RDS_INSTANCE,
    Report,
    checklist_reference,
    fmt,
    label,
    rds_primaries,
    rds_replicas,
    referenced,
    stack_policy,
)

REPLICAS = Threshold("minReadReplicas", MIN_READ_REPLICAS, "at-least", "read replicas",
                     "Read replicas every primary must have (0 = not applicable).", minimum=0)
DEFAULTS = defaults(REPLICAS)
STACK_CONFIG_KEYS = ("database.read_replicas",)


def _validate(args: StackValidationArgs, report_violation: Report) -> None:
    minimum = REPLICAS.value(args)
    replicas = rds_replicas(args)
    for primary in rds_primaries(args):
        count = sum(1 for r in replicas
                    if primary in referenced(args, r, "replicateSourceDb", RDS_INSTANCE, "identifier"))
        if count < minimum:
            report_violation(f"{label(primary)} has {count} read replica(s); at least {fmt(minimum)} required. "
                             f"Fix: add aws.rds.Instance replicas with replicate_source_db set to the primary's "
                             f"identifier.", primary.urn)


POLICY = stack_policy(
    name="aws-rds-instance-configure-read-replicas",
    description="RDS primaries must have at least minReadReplicas read replicas.",
    validate=_validate,
    severity=Severity.MEDIUM,
    remediation_steps="Add read replicas (aws.rds.Instance with replicate_source_db=<primary identifier>), "
                      "each in its own availability zone.",
    reference=checklist_reference("Pre-Deployment Preparation", "Database Configuration",
                                  "Read replicas configured (if applicable)"),
    tags=["aws", "rds", "availability", "performance"],
    thresholds=(REPLICAS,),
)
