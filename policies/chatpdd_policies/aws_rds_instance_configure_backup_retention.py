"""aws-rds-instance-configure-backup-retention: RDS primaries keep automated backups for at least
``minRetentionDays`` (checklist: ``BACKUP_RETENTION_DAYS``). Read replicas take no automated backups: not applicable."""

from pulumi_policy import ResourceValidationArgs, Severity

from chatpdd_policies._checklist import BACKUP_RETENTION_DAYS
from chatpdd_policies._threshold import Threshold, defaults
from chatpdd_policies._util import (
    MISSING,
    RDS_INSTANCE,
    UNKNOWN,
    Report,
    checklist_reference,
    fmt,
    label,
    lookup,
    resource_policy,
    skip_replica,
    unknown_message,
)

# RDS keeps automated backups for 35 days at most (RDS User Guide, "Backup retention period").
RETENTION = Threshold("minRetentionDays", BACKUP_RETENTION_DAYS, "at-least", "days",
                      "Minimum automated backup retention in days.", minimum=1, maximum=35)
DEFAULTS = defaults(RETENTION)
STACK_CONFIG_KEYS = ("database.backup_retention_days",)


def _validate(args: ResourceValidationArgs, report_violation: Report) -> None:
    if args.resource_type != RDS_INSTANCE:
        return
    skip_replica(args, "replicas take no automated backups; the primary's retention applies")
    minimum = RETENTION.value(args)
    days = lookup(args.props, "backupRetentionPeriod")
    if days is UNKNOWN:
        report_violation(unknown_message(label(args), "backupRetentionPeriod", "the backup retention"))
    elif days is MISSING or not isinstance(days, (int, float)) or not RETENTION.holds(days, minimum):
        # Absent = the provider default (1 day at most): a violation.
        shown = ("does not set backupRetentionPeriod" if days is MISSING
                 else f"keeps automated backups for {RETENTION.show(days)}")
        report_violation(f"{label(args)} {shown}; {RETENTION.bound(minimum)} "
                         f"are required. Fix: set backup_retention_period={fmt(minimum)} or more.")


POLICY = resource_policy(
    name="aws-rds-instance-configure-backup-retention",
    description="RDS primaries must keep automated backups for at least the configured number of days.",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps=f"Set backup_retention_period to at least {RETENTION.named()} on the primary.",
    reference=checklist_reference("Post-Deployment Tasks", "Backup and Recovery Validation",
                                  "pnpm tsx scripts/cleanup-old-backups.ts --retention-days=30"),
    tags=["aws", "rds", "backup"],
    thresholds=(RETENTION,),
)
