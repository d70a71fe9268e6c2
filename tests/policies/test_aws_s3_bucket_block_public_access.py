import pytest
from chatpdd_policies.aws_s3_bucket_block_public_access import POLICY

from tests.policies.fixtures_storage import (
    ACCESS_LOGS_PUBLIC_ACCESS,
    BACKUPS,
    BACKUPS_PUBLIC_ACCESS,
    STORAGE,
    STORAGE_WITH_LOGS_AND_DR,
)
from tests.policies.harness import UNKNOWN_BOOL, replace, run, with_props, without_props

CONFIG = "S3 public access block 'chatpdd-production-backups-public-access'"
FLAGS = [("blockPublicAcls", "block_public_acls"), ("blockPublicPolicy", "block_public_policy"),
         ("ignorePublicAcls", "ignore_public_acls"), ("restrictPublicBuckets", "restrict_public_buckets")]


def test_compliant():
    assert run(POLICY, STORAGE).messages == []


@pytest.mark.parametrize("prop,arg", FLAGS)
def test_each_flag_false(prop, arg):
    config = with_props(BACKUPS_PUBLIC_ACCESS, {prop: False})
    assert run(POLICY, replace(STORAGE, config)).violations == [
        (f"{CONFIG} does not enable {prop}. Fix: set {arg}=True.", BACKUPS_PUBLIC_ACCESS.urn)]


@pytest.mark.parametrize("prop,arg", FLAGS)
def test_each_flag_missing_is_the_provider_default_false(prop, arg):
    config = without_props(BACKUPS_PUBLIC_ACCESS, prop)
    assert run(POLICY, replace(STORAGE, config)).messages == [f"{CONFIG} does not enable {prop}. Fix: set {arg}=True."]


def test_unknown_flag_fails_closed():
    config = with_props(BACKUPS_PUBLIC_ACCESS, blockPublicPolicy=UNKNOWN_BOOL)
    assert run(POLICY, replace(STORAGE, config)).messages == [
        f"{CONFIG}: blockPublicPolicy is unknown at preview, so the public access block cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_missing_configuration():
    assert run(POLICY, [r for r in STORAGE if r.urn != BACKUPS_PUBLIC_ACCESS.urn]).violations == [
        ("S3 bucket 'chatpdd-production-backups' has no public access block. Fix: add an "
         "aws.s3.BucketPublicAccessBlock for it with all four flags True.", BACKUPS.urn)]


def test_the_access_logs_bucket_and_the_replica_are_checked_too():
    assert run(POLICY, STORAGE_WITH_LOGS_AND_DR).messages == []
    config = with_props(ACCESS_LOGS_PUBLIC_ACCESS, restrictPublicBuckets=False)
    assert run(POLICY, replace(STORAGE_WITH_LOGS_AND_DR, config)).violations == [
        ("S3 public access block 'chatpdd-production-access-logs-public-access' does not enable restrictPublicBuckets. "
         "Fix: set restrict_public_buckets=True.", ACCESS_LOGS_PUBLIC_ACCESS.urn)]
