from chatpdd_policies.aws_rds_instance_configure_backup_replication import DEFAULTS, POLICY

from tests.policies.fixtures import DATABASE, PRIMARY
from tests.policies.fixtures_synthetics import DR_KEY, REPLICATION
from tests.policies.harness import UNKNOWN_NUMBER, UNKNOWN_STRING, replace, run, with_props, without_props

STACK = [*DATABASE, DR_KEY, REPLICATION]
NAME = "RDS backup replication 'database-backups-replication'"
PRIMARY_NAME = "RDS instance 'chatpdd-production-db'"


def test_compliant():
    assert run(POLICY, STACK).messages == []
    assert DEFAULTS == {"minBackupReplications": 1, "minRetentionDays": 30}


def test_no_replication():
    assert run(POLICY, DATABASE).violations == [
        (f"{PRIMARY_NAME} has 0 cross-region replication(s) of its automated backups; at least 1 required. Fix: add an "
         "aws.rds.InstanceAutomatedBackupsReplication (source_db_instance_arn=<the primary's ARN>) with the "
         "disaster-recovery region's provider and key (database.dr_backup_replication: true).", PRIMARY.urn)]


def test_staging_config_may_skip_it():
    assert run(POLICY, DATABASE, config={"minBackupReplications": 0}).messages == []


def test_replication_of_another_instance_does_not_count():
    other = with_props(REPLICATION, sourceDbInstanceArn="arn:aws:rds:us-east-1:111122223333:db:someone-else")
    assert len(run(POLICY, replace(STACK, other)).messages) == 1


def test_a_dependency_on_the_primary_counts():
    dep = with_props(REPLICATION, sourceDbInstanceArn=UNKNOWN_STRING)
    dep.property_dependencies = {**dep.property_dependencies, "sourceDbInstanceArn": [PRIMARY.urn]}
    assert run(POLICY, replace(STACK, dep)).messages == []


def test_unknown_source_fails_closed():
    assert run(POLICY, replace(STACK, with_props(REPLICATION, sourceDbInstanceArn=UNKNOWN_STRING))).violations == [
        (f"{NAME}: sourceDbInstanceArn is unknown at preview, so which instance's backups it replicates "
         f"({PRIMARY_NAME}) cannot be verified. Fix: set it from a literal or stack config.", REPLICATION.urn)]


def test_short_retention():
    assert run(POLICY, replace(STACK, with_props(REPLICATION, retentionPeriod=7))).violations == [
        (f"{NAME} keeps the replicated backups 7 days; at least 30 required. Fix: set retention_period=30 "
         "(database.backup_retention_days).", REPLICATION.urn)]


def test_absent_retention_is_the_aws_default_of_7_days():
    assert run(POLICY, replace(STACK, without_props(REPLICATION, "retentionPeriod"))).messages == [
        f"{NAME} keeps the replicated backups 7 days; at least 30 required. Fix: set retention_period=30 "
        "(database.backup_retention_days)."]


def test_unknown_retention_fails_closed():
    assert run(POLICY, replace(STACK, with_props(REPLICATION, retentionPeriod=UNKNOWN_NUMBER))).messages == [
        f"{NAME}: retentionPeriod is unknown at preview, so how long the replicated backups are kept cannot be "
        "verified. Fix: set it from a literal or stack config."]


def test_aws_managed_key():
    literal = with_props(REPLICATION, kmsKeyId="alias/aws/rds")
    literal.property_dependencies = {}
    assert run(POLICY, replace(STACK, literal)).messages == [
        f"{NAME} uses the AWS-managed key 'alias/aws/rds' in kmsKeyId. Fix: set kms_key_id to a customer-managed "
        "aws.kms.Key of the disaster-recovery region."]


def test_unprotected():
    loose = with_props(REPLICATION)
    loose.protect = False
    assert run(POLICY, replace(STACK, loose)).messages == [
        f"{NAME} is not protected. Fix: register it with protect=True."]
