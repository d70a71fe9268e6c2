"""aws-s3-backups-bucket-configure-retention (stack): the backups bucket (tag ``Role=backups``) and its
disaster-recovery replica (``Role=backups-dr``) each have a lifecycle configuration whose enabled rules

- expire backups (``expiration.days`` or ``noncurrentVersionExpiration.noncurrentDays``) -- the
  checklist's retention policy -- and never before ``minRetentionDays`` (checklist: ``BACKUP_RETENTION_DAYS``);
- abort incomplete multipart uploads (``abortIncompleteMultipartUpload.daysAfterInitiation``), and within
  ``maxAbortMultipartDays`` (checklist: ``ABORT_MULTIPART_DAYS``): a half-written backup is no backup, and
  its parts are invisible, billed storage until they are aborted.

Every expiry of every enabled rule counts: one short-lived rule deletes backups early whatever the
others say."""

from dataclasses import dataclass
from typing import Any, Callable, Optional

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from chatpdd_policies._checklist import ABORT_MULTIPART_DAYS, BACKUP_RETENTION_DAYS
from chatpdd_policies._s3 import LIFECYCLE, backups_buckets, bucket_config
from chatpdd_policies._threshold import Number, Threshold, defaults
from chatpdd_policies._util import (
    MISSING,
    UNKNOWN,
    Report,
    as_number,
    checklist_reference,
    fmt,
    label,
    lookup,
    lookup_list,
    stack_policy,
    unknown_message,
)

RETENTION = Threshold("minRetentionDays", BACKUP_RETENTION_DAYS, "at-least", "days",
                      "Fewest days any lifecycle rule may keep a backup.", minimum=1)
ABORT_DAYS = Threshold("maxAbortMultipartDays", ABORT_MULTIPART_DAYS, "at-most", "days",
                       "Most days an incomplete multipart upload may stay before a lifecycle rule aborts it.",
                       minimum=1)
DEFAULTS = defaults(RETENTION, ABORT_DAYS)
STACK_CONFIG_KEYS = ("storage.backup_retention_days",)

RULE = "the backups retention"
EXPIRIES = (
    (("expiration", "days"), "expiration.days", "expiration={'days': N}"),
    (("noncurrentVersionExpiration", "noncurrentDays"), "noncurrentVersionExpiration.noncurrentDays",
     "noncurrent_version_expiration={'noncurrent_days': N}"),
)
ABORT = "abortIncompleteMultipartUpload.daysAfterInitiation"


@dataclass(frozen=True)
class _Limits:
    """The stack's values of the two thresholds."""
    min_retention: Number
    max_abort: Number


def _rule_name(rule: Any, index: int) -> str:
    rule_id = lookup(rule, "id")
    return f"rule '{rule_id}'" if isinstance(rule_id, str) else f"rule {index}"


def _enabled_rules(config: PolicyResource, report: Callable[[str], None]) -> Optional[list[tuple[int, Any]]]:
    """(index, rule) of each enabled lifecycle rule; None when the rules are unknown (reported)."""
    rules = lookup_list(config.props, "rules")
    if rules is UNKNOWN:
        report(unknown_message(label(config), "rules", RULE))
        return None
    enabled = []
    for index, rule in enumerate([] if rules is MISSING else rules):
        status = lookup(rule, "status")
        if status is UNKNOWN:
            report(unknown_message(label(config), f"rules[{index}].status", RULE))
        elif status == "Enabled":
            enabled.append((index, rule))
    return enabled


def _within(threshold: Threshold, value: Any, limit: Number) -> bool:
    """Whether ``value`` is a number that meets ``limit`` in the threshold's direction."""
    number = as_number(value)
    return number is not None and threshold.holds(number, limit)


def _expiries(config: PolicyResource, index: int, rule: Any, minimum: Number,
              report: Callable[[str], None]) -> bool:
    """Report each expiry of one rule that deletes backups too early; whether the rule expires anything."""
    expires = False
    for path, prop, arg in EXPIRIES:
        days = lookup(rule, *path)
        if days is MISSING:
            continue
        expires = True
        if days is UNKNOWN:
            report(unknown_message(label(config), f"rules[{index}].{prop}", RULE))
        elif not _within(RETENTION, days, minimum):
            report(f"{label(config)} {_rule_name(rule, index)} deletes backups after {fmt(days)} days "
                   f"({prop}); at least {fmt(minimum)} days are required. "
                   f"Fix: set {arg.replace('N', fmt(minimum))} or more.")
    return expires


def _aborts(config: PolicyResource, index: int, rule: Any, maximum: Number, report: Callable[[str], None]) -> bool:
    """Report a rule that aborts incomplete multipart uploads too late; whether the rule aborts them at all."""
    days = lookup(rule, *ABORT.split("."))
    if days is UNKNOWN:
        report(unknown_message(label(config), f"rules[{index}].{ABORT}", "the multipart-upload cleanup"))
    elif days is not MISSING and not _within(ABORT_DAYS, days, maximum):
        report(f"{label(config)} {_rule_name(rule, index)} aborts incomplete multipart uploads after "
               f"{fmt(days)} days ({ABORT}); {ABORT_DAYS.bound(maximum)} are allowed. "
               f"Fix: set abort_incomplete_multipart_upload={{'days_after_initiation': {fmt(maximum)}}}.")
    return days is not MISSING


def _check(config: PolicyResource, limits: _Limits, report_violation: Report) -> None:
    def report(message: str) -> None:
        report_violation(message, config.urn)

    enabled = _enabled_rules(config, report)
    if enabled is None:
        return
    minimum = limits.min_retention
    if not enabled:
        report(f"{label(config)} has no enabled lifecycle rule. Fix: add a rule with status='Enabled', "
               f"expiration={{'days': {fmt(minimum)}}} and abort_incomplete_multipart_upload.")
        return
    expires = [_expiries(config, index, rule, minimum, report) for index, rule in enabled]
    aborts = [_aborts(config, index, rule, limits.max_abort, report) for index, rule in enabled]
    if not any(expires):
        report(f"{label(config)} has no enabled rule that expires backups, so old backups are never cleaned up. "
               f"Fix: set expiration={{'days': {fmt(minimum)}}} (or noncurrent_version_expiration) on a rule.")
    if not any(aborts):
        report(f"{label(config)} has no enabled rule that aborts incomplete multipart uploads. "
               f"Fix: set abort_incomplete_multipart_upload={{'days_after_initiation': {fmt(limits.max_abort)}}} "
               f"on a rule.")


def _validate(args: StackValidationArgs, report_violation: Report) -> None:
    limits = _Limits(RETENTION.value(args), ABORT_DAYS.value(args))
    for bucket in backups_buckets(args, report_violation, RULE):
        config = bucket_config(args, bucket, LIFECYCLE, report_violation, what="lifecycle configuration",
                               fix=f"add an aws.s3.BucketLifecycleConfiguration with an enabled rule that expires "
                                   f"backups after {fmt(limits.min_retention)} days and aborts incomplete "
                                   f"multipart uploads")
        if config is not None:
            _check(config, limits, report_violation)


POLICY = stack_policy(
    name="aws-s3-backups-bucket-configure-retention",
    description="The backups bucket and its replica must expire backups no sooner than minRetentionDays and "
                "abort incomplete multipart uploads.",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps="Add an aws.s3.BucketLifecycleConfiguration for each bucket tagged Role=backups or "
                      "Role=backups-dr with an enabled rule: expiration.days (and/or "
                      f"noncurrent_version_expiration.noncurrent_days) of at least minRetentionDays ({BACKUP_RETENTION_DAYS}) and "
                      "abort_incomplete_multipart_upload.days_after_initiation.",
    reference=checklist_reference("Post-Deployment Tasks", "Backup and Recovery Validation",
                                  "pnpm tsx scripts/cleanup-old-backups.ts --retention-days=30"),
    tags=["aws", "s3", "backup", "cost"],
    thresholds=(RETENTION, ABORT_DAYS),
)
