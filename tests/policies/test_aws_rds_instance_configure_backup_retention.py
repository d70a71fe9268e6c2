from chatpdd_policies.aws_rds_instance_configure_backup_retention import POLICY

from tests.policies.fixtures import PRIMARY, REPLICA
from tests.policies.harness import UNKNOWN_NUMBER, run, with_props, without_props


def test_compliant_primary():
    assert run(POLICY, PRIMARY).messages == []


def test_seven_days_is_too_short():
    assert run(POLICY, with_props(PRIMARY, backupRetentionPeriod=7)).messages == [
        "RDS instance 'chatpdd-production-db' keeps automated backups for 7 days; at least 30 days are required. "
        "Fix: set backup_retention_period=30 or more."]


def test_boundary_29_fails_30_passes():
    assert len(run(POLICY, with_props(PRIMARY, backupRetentionPeriod=29)).messages) == 1
    assert run(POLICY, with_props(PRIMARY, backupRetentionPeriod=30)).messages == []


def test_missing():
    assert run(POLICY, without_props(PRIMARY, "backupRetentionPeriod")).messages == [
        "RDS instance 'chatpdd-production-db' does not set backupRetentionPeriod; at least 30 days are required. "
        "Fix: set backup_retention_period=30 or more."]


def test_unknown_fails_closed():
    assert run(POLICY, with_props(PRIMARY, backupRetentionPeriod=UNKNOWN_NUMBER)).messages == [
        "RDS instance 'chatpdd-production-db': backupRetentionPeriod is unknown at preview, so the backup retention "
        "cannot be verified. Fix: set it from a literal or stack config."]


def test_config_threshold():
    assert run(POLICY, with_props(PRIMARY, backupRetentionPeriod=30), config={"minRetentionDays": 35}).messages == [
        "RDS instance 'chatpdd-production-db' keeps automated backups for 30 days; at least 35 days are required. "
        "Fix: set backup_retention_period=35 or more."]


def test_replica_is_not_applicable():
    assert run(POLICY, REPLICA).not_applicable is not None
