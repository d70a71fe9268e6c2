"""aws-rds-instance-enable-final-snapshot: deleting an RDS primary takes a final snapshot
(``skipFinalSnapshot`` false and a ``finalSnapshotIdentifier``). Replicas: not applicable."""

from pulumi_policy import ResourceValidationArgs, Severity

from chatpdd_policies._util import (
    MISSING,
    RDS_INSTANCE,
    UNKNOWN,
    Report,
    checklist_reference,
    label,
    lookup,
    resource_policy,
    skip_replica,
    unknown_message,
)


def _validate(args: ResourceValidationArgs, report_violation: Report) -> None:
    if args.resource_type != RDS_INSTANCE:
        return
    skip_replica(args, "replicas hold no data of their own to snapshot")
    skip = lookup(args.props, "skipFinalSnapshot")
    # Absent = the provider default (false, i.e. a snapshot is taken): compliant.
    if skip is UNKNOWN:
        report_violation(unknown_message(label(args), "skipFinalSnapshot", "the final snapshot"))
    elif skip is True:
        report_violation(f"{label(args)} skips the final snapshot on deletion. Fix: set skip_final_snapshot=False "
                         f"and a final_snapshot_identifier.")
    elif lookup(args.props, "finalSnapshotIdentifier") in (MISSING, ""):
        # An unknown identifier is still set; an absent one makes the delete fail without a snapshot.
        report_violation(f"{label(args)} has no finalSnapshotIdentifier, so no final snapshot can be taken. "
                         f"Fix: set final_snapshot_identifier.")


POLICY = resource_policy(
    name="aws-rds-instance-enable-final-snapshot",
    description="Deleting an RDS primary must leave a final snapshot.",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps="Set skip_final_snapshot=False and final_snapshot_identifier on the primary.",
    reference=checklist_reference("Deployment Execution", "Pre-Deployment Database Backup",
                                  "pnpm tsx scripts/create-backup.ts"),
    tags=["aws", "rds", "backup"],
)
