from chatpdd_policies.aws_rds_instance_configure_read_replicas import POLICY

from tests.policies.fixtures import ALL, PRIMARY, REPLICA
from tests.policies.harness import UNKNOWN_STRING, replace, run, with_props

MESSAGE = ("RDS instance 'chatpdd-production-db' has 0 read replica(s); at least 1 required. Fix: add aws.rds.Instance "
           "replicas with replicate_source_db set to the primary's identifier.")
WITHOUT_REPLICA = [r for r in ALL if r.urn != REPLICA.urn]


def test_compliant():
    assert run(POLICY, ALL).messages == []


def test_no_replica():
    assert run(POLICY, WITHOUT_REPLICA).violations == [(MESSAGE, PRIMARY.urn)]


def test_replica_of_another_database_does_not_count():
    replica = with_props(REPLICA, replicateSourceDb="another-db")
    replica.property_dependencies = {}
    assert run(POLICY, replace(ALL, replica)).messages == [MESSAGE]


def test_unknown_source_counts_through_its_dependency_only():
    assert run(POLICY, replace(ALL, with_props(REPLICA, replicateSourceDb=UNKNOWN_STRING))).messages == []
    replica = with_props(REPLICA, replicateSourceDb=UNKNOWN_STRING)
    replica.property_dependencies = {}
    assert run(POLICY, replace(ALL, replica)).messages == [MESSAGE]


def test_staging_config_zero_replicas():
    assert run(POLICY, WITHOUT_REPLICA, config={"minReadReplicas": 0}).messages == []


def test_config_two_replicas():
    assert run(POLICY, ALL, config={"minReadReplicas": 2}).messages == [
        "RDS instance 'chatpdd-production-db' has 1 read replica(s); at least 2 required. Fix: add aws.rds.Instance "
        "replicas with replicate_source_db set to the primary's identifier."]
