"""aws-s3-backups-bucket-enable-object-lock (stack): the backups bucket (tag ``Role=backups``) and its
disaster-recovery replica (``Role=backups-dr``) are created with ``objectLockEnabled`` and each has an
object lock configuration with a default retention (a mode, GOVERNANCE or COMPLIANCE, and a period in days
or years) of at least ``minRetentionDays`` (the checklist's 30-day retention; a year counts 365 days): a backup
cannot be deleted or overwritten inside the lock window, by mistake or by an attacker -- and a one-day lock
would leave the other 29 days of the retention deletable."""

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from chatpdd_policies._checklist import BACKUP_RETENTION_DAYS
from chatpdd_policies._s3 import OBJECT_LOCK, backups_buckets, bucket_config
from chatpdd_policies._threshold import Threshold, defaults
from chatpdd_policies._util import (
    MISSING,
    UNKNOWN,
    Report,
    as_number,
    checklist_reference,
    fmt,
    label,
    lookup,
    stack_policy,
    unknown_message,
)

STACK_CONFIG_KEYS = ("storage.object_lock_days", "storage.object_lock_mode")

RETENTION = Threshold("minRetentionDays", BACKUP_RETENTION_DAYS, "at-least", "days",
                      "Shortest default object-lock retention, in days.", minimum=1)
DEFAULTS = defaults(RETENTION)
RULE = "object lock"
MODES = ("GOVERNANCE", "COMPLIANCE")
FIX_RETENTION = f"set rule={{'default_retention': {{'mode': 'GOVERNANCE', 'days': {BACKUP_RETENTION_DAYS}}}}}"


def _retention_problems(config: PolicyResource, min_days: float) -> list[str]:
    enabled = lookup(config.props, "objectLockEnabled")
    if enabled is UNKNOWN:
        return [unknown_message(label(config), "objectLockEnabled", RULE)]
    if enabled is not MISSING and enabled != "Enabled":  # absent = the provider default, "Enabled"
        return [f"{label(config)} sets objectLockEnabled '{enabled}'. Fix: set object_lock_enabled='Enabled'."]
    retention = lookup(config.props, "rule", "defaultRetention")
    if retention is UNKNOWN:
        return [unknown_message(label(config), "rule.defaultRetention", RULE)]
    if retention is MISSING:
        return [f"{label(config)} has no default retention. Fix: {FIX_RETENTION}."]
    problems = []
    mode = lookup(retention, "mode")
    if mode is UNKNOWN:
        problems.append(unknown_message(label(config), "rule.defaultRetention.mode", RULE))
    elif mode not in MODES:
        shown = "no mode" if mode is MISSING else f"mode '{mode}'"
        problems.append(f"{label(config)} has a default retention with {shown}. "
                        f"Fix: set default_retention.mode to GOVERNANCE or COMPLIANCE.")
    period = [lookup(retention, p) for p in ("days", "years")]
    if UNKNOWN in period:
        problems.append(unknown_message(label(config), "rule.defaultRetention.days/years", RULE))
    elif not any((as_number(p) or 0) > 0 for p in period):
        problems.append(f"{label(config)} has a default retention without a period. "
                        f"Fix: set default_retention.days (or years).")
    else:
        days = (as_number(period[0]) or 0) + (as_number(period[1]) or 0) * 365
        if days < min_days:
            problems.append(f"{label(config)} locks backups for {fmt(days)} days; the retention needs at least "
                            f"{fmt(min_days)}. Fix: set default_retention.days={fmt(min_days)} or more.")
    return problems


def _validate(args: StackValidationArgs, report_violation: Report) -> None:
    min_days = RETENTION.value(args)
    for bucket in backups_buckets(args, report_violation, RULE):
        enabled = lookup(bucket.props, "objectLockEnabled")
        if enabled is UNKNOWN:
            report_violation(unknown_message(label(bucket), "objectLockEnabled", RULE), bucket.urn)
        elif enabled is not True:
            report_violation(f"{label(bucket)} is not created with object lock. Fix: set object_lock_enabled=True "
                             f"(possible only when the bucket is created).", bucket.urn)
        config = bucket_config(args, bucket, OBJECT_LOCK, report_violation, what="object lock configuration",
                               fix=f"add an aws.s3.BucketObjectLockConfiguration for it and {FIX_RETENTION}")
        if config is not None:
            for message in _retention_problems(config, min_days):
                report_violation(message, config.urn)


POLICY = stack_policy(
    name="aws-s3-backups-bucket-enable-object-lock",
    description="The backups bucket and its replica must be created with object lock and have a default "
                "retention at least as long as the backup retention.",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps="Create each bucket tagged Role=backups or Role=backups-dr with object_lock_enabled=True "
                      "and add an aws.s3.BucketObjectLockConfiguration with rule.default_retention (mode "
                      "GOVERNANCE or COMPLIANCE, days).",
    reference=checklist_reference("Post-Deployment Tasks", "Backup and Recovery Validation",
                                  "pnpm tsx scripts/cleanup-old-backups.ts --retention-days=30"),
    tags=["aws", "s3", "backup", "security"],
    thresholds=(RETENTION,),
)
