"""aws-rds-instance-configure-backup-replication (stack): every RDS primary has at least ``minBackupReplications``
``aws:rds/instanceAutomatedBackupsReplication`` in this stack (``sourceDbInstanceArn`` -> the primary: a
property dependency, or its ARN), each encrypted with a customer-managed key (``kmsKeyId`` from an
``aws:kms/key:Key`` of this stack: the disaster-recovery region's key), keeping the copies at least
``minRetentionDays`` (``retentionPeriod``; absent is AWS's default of 7 days) and protected.

The checklist's disaster-recovery line ("test-disaster-recovery.ts") needs the database to survive the loss of
its region: the primary's automated backups replicated into storage.dr_region. Production requires one; staging's
pack config sets ``minBackupReplications: 0`` (its stack config turns the replication off)."""

from pulumi_policy import ReportViolation, Severity, StackValidationArgs

from chatpdd_policies._checklist import BACKUP_RETENTION_DAYS, MIN_BACKUP_REPLICATIONS
from chatpdd_policies._util import (
    MISSING,
    UNKNOWN,
    as_number,
    checklist_reference,
    config_value,
    depends_on,
    fmt,
    kms_key_problem,
    label,
    lookup,
    rds_primaries,
    resources_of_type,
    stack_policy,
    unknown_message,
)

REPLICATION = "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"
AWS_DEFAULT_RETENTION_DAYS = 7  # RDS API StartDBInstanceAutomatedBackupsReplication, BackupRetentionPeriod
DEFAULTS = {"minBackupReplications": MIN_BACKUP_REPLICATIONS, "minRetentionDays": BACKUP_RETENTION_DAYS}
STACK_CONFIG_KEYS = ("database.dr_backup_replication", "database.backup_retention_days")


def _source_of(replication, primary) -> object:
    """True / False, or UNKNOWN when the source ARN is unknown and not a dependency on any instance."""
    if depends_on(replication, "sourceDbInstanceArn", primary):
        return True
    source, identifier = lookup(replication.props, "sourceDbInstanceArn"), lookup(primary.props, "identifier")
    if source is UNKNOWN:
        return UNKNOWN
    return isinstance(source, str) and isinstance(identifier, str) and source.endswith(f":db:{identifier}")


def _problems(replication, min_days: float) -> list[str]:
    name, problems = label(replication), []
    key = kms_key_problem(replication, "kmsKeyId")
    if key:
        problems.append(f"{name} {key}. Fix: set kms_key_id to a customer-managed aws.kms.Key of the disaster-recovery "
                        f"region.")
    retention = lookup(replication.props, "retentionPeriod")
    if retention is UNKNOWN:
        problems.append(unknown_message(name, "retentionPeriod", "how long the replicated backups are kept"))
    else:
        days = AWS_DEFAULT_RETENTION_DAYS if retention is MISSING else as_number(retention)
        if days is None or days < min_days:
            problems.append(f"{name} keeps the replicated backups {fmt(days)} days; at least {fmt(min_days)} "
                            f"required. Fix: set retention_period={fmt(min_days)} (database.backup_retention_days).")
    if not replication.opts.protect:
        problems.append(f"{name} is not protected. Fix: register it with protect=True.")
    return problems


def _validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    minimum = config_value(args, "minBackupReplications", DEFAULTS["minBackupReplications"])
    min_days = config_value(args, "minRetentionDays", DEFAULTS["minRetentionDays"])
    replications = resources_of_type(args, REPLICATION)
    for primary in rds_primaries(args):
        verdicts = [(r, _source_of(r, primary)) for r in replications]
        mine = [r for r, ok in verdicts if ok is True]
        unsure = [r for r, ok in verdicts if ok is UNKNOWN]
        if len(mine) < minimum and unsure:
            report_violation(unknown_message(label(unsure[0]), "sourceDbInstanceArn",
                                             f"which instance's backups it replicates ({label(primary)})"),
                             unsure[0].urn)
        elif len(mine) < minimum:
            report_violation(f"{label(primary)} has {len(mine)} cross-region replication(s) of its automated backups; "
                             f"at least {fmt(minimum)} required. Fix: add an aws.rds.InstanceAutomatedBackupsReplication"
                             f" (source_db_instance_arn=<the primary's ARN>) with the disaster-recovery region's "
                             f"provider and key (database.dr_backup_replication: true).", primary.urn)
        for replication in mine:
            for message in _problems(replication, min_days):
                report_violation(message, replication.urn)


POLICY = stack_policy(
    name="aws-rds-instance-configure-backup-replication",
    description="RDS primaries must replicate their automated backups to another region, encrypted with a "
                "customer-managed key, kept minRetentionDays, protected.",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps="Add aws.rds.InstanceAutomatedBackupsReplication(source_db_instance_arn=<primary ARN>, "
                      "kms_key_id=<CMK in the DR region>, retention_period=<backup retention>) with the DR region's "
                      "provider and protect=True (components/database.py does, with database.dr_backup_replication).",
    reference=checklist_reference("Post-Deployment Tasks", "Backup and Recovery Validation",
                                  "pnpm tsx scripts/test-disaster-recovery.ts --environment=staging"),
    tags=["aws", "rds", "backup", "disaster-recovery"],
    config_schema={
        "minBackupReplications": {"type": "integer", "minimum": 0, "default": DEFAULTS["minBackupReplications"],
                                  "description": "Cross-region backup replications every primary must have "
                                                 "(0 = not required)."},
        "minRetentionDays": {"type": "integer", "minimum": 1, "default": DEFAULTS["minRetentionDays"],
                             "description": "Days the replicated backups must be kept."},
    },
)
