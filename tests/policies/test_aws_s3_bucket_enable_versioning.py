from chatpdd_policies.aws_s3_bucket_enable_versioning import POLICY

from tests.policies.fixtures_storage import (
    ACCESS_LOGS,
    ACCESS_LOGS_VERSIONING,
    BACKUPS_VERSIONING,
    STORAGE,
    STORAGE_WITH_LOGS_AND_DR,
    UPLOADS,
    UPLOADS_VERSIONING,
)
from tests.policies.harness import UNKNOWN_OBJECT, UNKNOWN_STRING, replace, run, with_props, without_props

CONFIG = "S3 versioning 'chatpdd-production-backups-versioning'"


def test_compliant():
    assert run(POLICY, STORAGE).messages == []


def test_suspended():
    config = with_props(BACKUPS_VERSIONING, versioningConfiguration={"status": "Suspended"})
    assert run(POLICY, replace(STORAGE, config)).violations == [
        (f"{CONFIG} has status 'Suspended'; versioning must be Enabled. "
         "Fix: set versioning_configuration={'status': 'Enabled'}.", BACKUPS_VERSIONING.urn)]


def test_no_status():
    config = without_props(BACKUPS_VERSIONING, "versioningConfiguration")
    assert run(POLICY, replace(STORAGE, config)).messages == [
        f"{CONFIG} has no status; versioning must be Enabled. Fix: set versioning_configuration={{'status': 'Enabled'}}."]


def test_missing_configuration():
    assert run(POLICY, [r for r in STORAGE if r.urn != UPLOADS_VERSIONING.urn]).violations == [
        ("S3 bucket 'chatpdd-production-uploads' has no versioning configuration. Fix: add an aws.s3.BucketVersioning "
         "for it and set versioning_configuration={'status': 'Enabled'}.", UPLOADS.urn)]


def test_unknown_status_fails_closed():
    config = with_props(BACKUPS_VERSIONING, versioningConfiguration={"status": UNKNOWN_STRING})
    assert run(POLICY, replace(STORAGE, config)).messages == [
        f"{CONFIG}: versioningConfiguration.status is unknown at preview, so versioning cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_unknown_configuration_object_fails_closed():
    config = with_props(BACKUPS_VERSIONING, versioningConfiguration=UNKNOWN_OBJECT)
    assert len(run(POLICY, replace(STORAGE, config)).messages) == 1


def test_the_access_logs_bucket_and_the_replica_are_checked_too():
    assert run(POLICY, STORAGE_WITH_LOGS_AND_DR).messages == []
    assert run(POLICY, [r for r in STORAGE_WITH_LOGS_AND_DR if r.urn != ACCESS_LOGS_VERSIONING.urn]).violations == [
        ("S3 bucket 'chatpdd-production-access-logs' has no versioning configuration. Fix: add an "
         "aws.s3.BucketVersioning for it and set versioning_configuration={'status': 'Enabled'}.", ACCESS_LOGS.urn)]
