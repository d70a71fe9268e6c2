from chatpdd_policies.aws_s3_backups_bucket_configure_retention import POLICY

from tests.policies.fixtures import tags
from tests.policies.fixtures_storage import (
    BACKUPS,
    BACKUPS_DR,
    BACKUPS_DR_LIFECYCLE,
    BACKUPS_LIFECYCLE,
    STORAGE,
    STORAGE_WITH_LOGS_AND_DR,
    UPLOADS_LIFECYCLE,
)
from tests.policies.harness import UNKNOWN_ARRAY, UNKNOWN_NUMBER, UNKNOWN_STRING, replace, run, with_props

CONFIG = "S3 lifecycle configuration 'chatpdd-production-backups-lifecycle'"


def _rule(**changes):
    rule = {"id": "expire-backups", "status": "Enabled", "filter": {}, "expiration": {"days": 30},
            "noncurrentVersionExpiration": {"noncurrentDays": 30},
            "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7}}
    rule.update(changes)
    return {k: v for k, v in rule.items() if v is not None}


def _messages(*rules, config=None):
    return run(POLICY, replace(STORAGE, with_props(BACKUPS_LIFECYCLE, rules=list(rules))), config=config).messages


def test_compliant():
    assert run(POLICY, STORAGE).messages == []


def test_expiry_too_short():
    outcome = run(POLICY, replace(STORAGE, with_props(BACKUPS_LIFECYCLE, rules=[_rule(expiration={"days": 7})])))
    assert outcome.violations == [
        (f"{CONFIG} rule 'expire-backups' deletes backups after 7 days (expiration.days); at least 30 days are "
         "required. Fix: set expiration={'days': 30} or more.", BACKUPS_LIFECYCLE.urn)]


def test_noncurrent_expiry_too_short():
    assert _messages(_rule(noncurrentVersionExpiration={"noncurrentDays": 1})) == [
        f"{CONFIG} rule 'expire-backups' deletes backups after 1 days (noncurrentVersionExpiration.noncurrentDays); "
        "at least 30 days are required. Fix: set noncurrent_version_expiration={'noncurrent_days': 30} or more."]


def test_boundary_29_fails_30_passes():
    assert len(_messages(_rule(expiration={"days": 29}))) == 1
    assert _messages(_rule(expiration={"days": 30})) == []


def test_a_second_short_rule_still_deletes_early():
    assert len(_messages(_rule(), _rule(id="tmp", expiration={"days": 3}, noncurrentVersionExpiration=None))) == 1


def test_disabled_rules_do_not_count():
    assert _messages(_rule(status="Disabled")) == [
        f"{CONFIG} has no enabled lifecycle rule. Fix: add a rule with status='Enabled', expiration={{'days': 30}} "
        "and abort_incomplete_multipart_upload."]


def test_no_expiry_means_no_retention_policy():
    assert _messages(_rule(expiration=None, noncurrentVersionExpiration=None)) == [
        f"{CONFIG} has no enabled rule that expires backups, so old backups are never cleaned up. "
        "Fix: set expiration={'days': 30} (or noncurrent_version_expiration) on a rule."]


def test_only_noncurrent_expiry_is_a_retention_policy():
    assert _messages(_rule(expiration=None)) == []


def test_no_multipart_abort():
    assert _messages(_rule(abortIncompleteMultipartUpload=None)) == [
        f"{CONFIG} has no enabled rule that aborts incomplete multipart uploads. "
        "Fix: set abort_incomplete_multipart_upload={'days_after_initiation': 7} on a rule."]


def test_multipart_uploads_aborted_too_late():
    """A rule that lets incomplete multipart uploads linger past ABORT_MULTIPART_DAYS (7): billed, invisible
    parts of half-written backups. Boundary: 7 passes, 8 fails; a stack may only tighten it."""
    assert _messages(_rule(abortIncompleteMultipartUpload={"daysAfterInitiation": 8})) == [
        f"{CONFIG} rule 'expire-backups' aborts incomplete multipart uploads after 8 days "
        "(abortIncompleteMultipartUpload.daysAfterInitiation); at most 7 days are allowed. "
        "Fix: set abort_incomplete_multipart_upload={'days_after_initiation': 7}."]
    assert _messages(_rule(abortIncompleteMultipartUpload={"daysAfterInitiation": 7})) == []
    assert _messages(_rule(), config={"maxAbortMultipartDays": 3}) == [
        f"{CONFIG} rule 'expire-backups' aborts incomplete multipart uploads after 7 days "
        "(abortIncompleteMultipartUpload.daysAfterInitiation); at most 3 days are allowed. "
        "Fix: set abort_incomplete_multipart_upload={'days_after_initiation': 3}."]


def test_unknown_multipart_abort_fails_closed():
    assert _messages(_rule(abortIncompleteMultipartUpload={"daysAfterInitiation": UNKNOWN_NUMBER})) == [
        f"{CONFIG}: rules[0].abortIncompleteMultipartUpload.daysAfterInitiation is unknown at preview, so the "
        "multipart-upload cleanup cannot be verified. Fix: set it from a literal or stack config."]


def test_config_threshold():
    assert _messages(_rule(), config={"minRetentionDays": 35}) == [
        f"{CONFIG} rule 'expire-backups' deletes backups after 30 days (expiration.days); at least 35 days are "
        "required. Fix: set expiration={'days': 35} or more.",
        f"{CONFIG} rule 'expire-backups' deletes backups after 30 days (noncurrentVersionExpiration.noncurrentDays); "
        "at least 35 days are required. Fix: set noncurrent_version_expiration={'noncurrent_days': 35} or more."]


def test_only_the_backups_bucket_is_checked():
    uploads = with_props(UPLOADS_LIFECYCLE, rules=[_rule(expiration={"days": 1})])
    assert run(POLICY, replace(STORAGE, uploads)).messages == []


def test_missing_lifecycle_configuration():
    assert run(POLICY, [r for r in STORAGE if r.urn != BACKUPS_LIFECYCLE.urn]).violations == [
        ("S3 bucket 'chatpdd-production-backups' has no lifecycle configuration. Fix: add an "
         "aws.s3.BucketLifecycleConfiguration with an enabled rule that expires backups after 30 days and aborts "
         "incomplete multipart uploads.", BACKUPS.urn)]


def test_no_bucket_tagged_backups():
    bucket = with_props(BACKUPS, tags=tags(Role="archive"))
    assert run(POLICY, replace(STORAGE, bucket)).violations == [
        ("Stack has no S3 bucket tagged Role=backups, so the backups retention cannot be verified. "
         "Fix: tag the backups bucket Role=backups.", None)]


def test_unknown_role_tag_fails_closed():
    bucket = with_props(BACKUPS, tags=tags(Role=UNKNOWN_STRING))
    assert run(POLICY, replace(STORAGE, bucket)).messages == [
        "S3 bucket 'chatpdd-production-backups': tags.Role is unknown at preview, so the backups retention cannot "
        "be verified. Fix: set it from a literal or stack config."]


def test_unknown_days_fail_closed():
    assert _messages(_rule(expiration={"days": UNKNOWN_NUMBER})) == [
        f"{CONFIG}: rules[0].expiration.days is unknown at preview, so the backups retention cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_unknown_rules_fail_closed():
    config = with_props(BACKUPS_LIFECYCLE, rules=UNKNOWN_ARRAY)
    assert run(POLICY, replace(STORAGE, config)).messages == [
        f"{CONFIG}: rules is unknown at preview, so the backups retention cannot be verified. "
        "Fix: set it from a literal or stack config."]


# -- the disaster-recovery replica (Role=backups-dr) holds the same backups: the same rules -----------------


def test_compliant_with_the_replica():
    assert run(POLICY, STORAGE_WITH_LOGS_AND_DR).messages == []


def test_replica_without_lifecycle_configuration():
    assert run(POLICY, [r for r in STORAGE_WITH_LOGS_AND_DR if r.urn != BACKUPS_DR_LIFECYCLE.urn]).violations == [
        ("S3 bucket 'chatpdd-production-backups-dr' has no lifecycle configuration. Fix: add an "
         "aws.s3.BucketLifecycleConfiguration with an enabled rule that expires backups after 30 days and aborts "
         "incomplete multipart uploads.", BACKUPS_DR.urn)]


def test_replica_expiring_early():
    config = with_props(BACKUPS_DR_LIFECYCLE, rules=[_rule(expiration={"days": 7})])
    assert run(POLICY, replace(STORAGE_WITH_LOGS_AND_DR, config)).violations == [
        ("S3 lifecycle configuration 'chatpdd-production-backups-dr-lifecycle' rule 'expire-backups' deletes backups "
         "after 7 days (expiration.days); at least 30 days are required. Fix: set expiration={'days': 30} or more.",
         BACKUPS_DR_LIFECYCLE.urn)]


def test_a_replica_alone_is_not_the_backups_bucket():
    bucket = with_props(BACKUPS, tags=tags(Role="archive"))
    assert run(POLICY, replace(STORAGE_WITH_LOGS_AND_DR, bucket)).violations == [
        ("Stack has no S3 bucket tagged Role=backups, so the backups retention cannot be verified. "
         "Fix: tag the backups bucket Role=backups.", None)]
