import pytest
from chatpdd_policies.aws_s3_backups_bucket_enable_object_lock import POLICY

from tests.policies.fixtures_storage import (
    BACKUPS,
    BACKUPS_DR,
    BACKUPS_DR_OBJECT_LOCK,
    BACKUPS_OBJECT_LOCK,
    STORAGE,
    STORAGE_WITH_LOGS_AND_DR,
)
from tests.policies.harness import UNKNOWN_BOOL, UNKNOWN_NUMBER, replace, run, with_props, without_props

BUCKET = "S3 bucket 'chatpdd-production-backups'"
CONFIG = "S3 object lock configuration 'chatpdd-production-backups-object-lock'"


def _retention(**retention):
    return with_props(BACKUPS_OBJECT_LOCK, rule={"defaultRetention": retention})


def _messages(*changed):
    return run(POLICY, replace(STORAGE, *changed)).messages


def test_compliant():
    assert run(POLICY, STORAGE).messages == []


def test_years_and_compliance_mode():
    assert _messages(_retention(mode="COMPLIANCE", years=1)) == []


@pytest.mark.parametrize("days", [1, 29])
def test_a_lock_shorter_than_the_retention(days):
    """The hole: a one-day lock leaves 29 of the 30 retention days deletable."""
    assert _messages(_retention(mode="GOVERNANCE", days=days)) == [
        f"{CONFIG} locks backups for {days} days; the retention needs at least 30. "
        "Fix: set default_retention.days=30 or more."]


def test_a_longer_lock_passes_and_the_minimum_is_configurable():
    assert _messages(_retention(mode="GOVERNANCE", days=45)) == []
    assert run(POLICY, replace(STORAGE, _retention(mode="GOVERNANCE", days=45)),
               config={"minRetentionDays": 60}).messages[0].endswith(
        "locks backups for 45 days; the retention needs at least 60. Fix: set default_retention.days=60 or more.")


def test_bucket_without_object_lock():
    assert run(POLICY, replace(STORAGE, with_props(BACKUPS, objectLockEnabled=False))).violations == [
        (f"{BUCKET} is not created with object lock. Fix: set object_lock_enabled=True (possible only when the "
         "bucket is created).", BACKUPS.urn)]


def test_bucket_object_lock_missing():
    assert len(_messages(without_props(BACKUPS, "objectLockEnabled"))) == 1


def test_no_default_retention():
    assert run(POLICY, replace(STORAGE, without_props(BACKUPS_OBJECT_LOCK, "rule"))).violations == [
        (f"{CONFIG} has no default retention. Fix: set rule={{'default_retention': {{'mode': 'GOVERNANCE', "
         "'days': 30}}.", BACKUPS_OBJECT_LOCK.urn)]


def test_no_mode():
    assert _messages(_retention(days=30)) == [
        f"{CONFIG} has a default retention with no mode. Fix: set default_retention.mode to GOVERNANCE or COMPLIANCE."]


def test_bad_mode():
    assert _messages(_retention(mode="NONE", days=30)) == [
        f"{CONFIG} has a default retention with mode 'NONE'. "
        "Fix: set default_retention.mode to GOVERNANCE or COMPLIANCE."]


def test_no_period():
    assert _messages(_retention(mode="GOVERNANCE", days=0)) == [
        f"{CONFIG} has a default retention without a period. Fix: set default_retention.days (or years)."]


def test_config_lock_disabled():
    assert _messages(with_props(BACKUPS_OBJECT_LOCK, objectLockEnabled="Disabled")) == [
        f"{CONFIG} sets objectLockEnabled 'Disabled'. Fix: set object_lock_enabled='Enabled'."]


def test_config_lock_flag_missing_is_the_provider_default_enabled():
    assert _messages(without_props(BACKUPS_OBJECT_LOCK, "objectLockEnabled")) == []


def test_missing_configuration():
    assert run(POLICY, [r for r in STORAGE if r.urn != BACKUPS_OBJECT_LOCK.urn]).violations == [
        (f"{BUCKET} has no object lock configuration. Fix: add an aws.s3.BucketObjectLockConfiguration for it and "
         "set rule={'default_retention': {'mode': 'GOVERNANCE', 'days': 30}}.", BACKUPS.urn)]


def test_unknown_bucket_flag_fails_closed():
    assert _messages(with_props(BACKUPS, objectLockEnabled=UNKNOWN_BOOL)) == [
        f"{BUCKET}: objectLockEnabled is unknown at preview, so object lock cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_unknown_period_fails_closed():
    assert _messages(_retention(mode="GOVERNANCE", days=UNKNOWN_NUMBER)) == [
        f"{CONFIG}: rule.defaultRetention.days/years is unknown at preview, so object lock cannot be verified. "
        "Fix: set it from a literal or stack config."]


# -- the disaster-recovery replica (Role=backups-dr) holds the same backups: the same rules -----------------


def test_compliant_with_the_replica():
    assert run(POLICY, STORAGE_WITH_LOGS_AND_DR).messages == []


def test_replica_without_object_lock():
    bucket = with_props(BACKUPS_DR, objectLockEnabled=False)
    assert run(POLICY, replace(STORAGE_WITH_LOGS_AND_DR, bucket)).violations == [
        ("S3 bucket 'chatpdd-production-backups-dr' is not created with object lock. Fix: set object_lock_enabled=True "
         "(possible only when the bucket is created).", BACKUPS_DR.urn)]


def test_replica_without_object_lock_configuration():
    assert run(POLICY, [r for r in STORAGE_WITH_LOGS_AND_DR if r.urn != BACKUPS_DR_OBJECT_LOCK.urn]).violations == [
        ("S3 bucket 'chatpdd-production-backups-dr' has no object lock configuration. Fix: add an "
         "aws.s3.BucketObjectLockConfiguration for it and set rule={'default_retention': {'mode': 'GOVERNANCE', "
         "'days': 30}}.", BACKUPS_DR.urn)]
