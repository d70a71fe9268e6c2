from chatpdd_policies.aws_rds_instance_enable_deletion_protection import POLICY

from tests.policies.fixtures import PRIMARY, REPLICA
from tests.policies.harness import UNKNOWN_BOOL, run, with_props, without_props

MESSAGE = "RDS instance 'chatpdd-production-db' has deletion protection off. Fix: set deletion_protection=True."


def test_compliant_primary_and_replica():
    assert run(POLICY, PRIMARY).messages == []
    assert run(POLICY, REPLICA).messages == []


def test_off():
    assert run(POLICY, with_props(PRIMARY, deletionProtection=False)).messages == [MESSAGE]


def test_missing_is_off():
    assert run(POLICY, without_props(PRIMARY, "deletionProtection")).messages == [MESSAGE]


def test_replica_too():
    assert run(POLICY, with_props(REPLICA, deletionProtection=False)).messages == [
        "RDS instance 'chatpdd-production-db-replica-1' has deletion protection off. "
        "Fix: set deletion_protection=True."]


def test_unknown_fails_closed():
    assert run(POLICY, with_props(PRIMARY, deletionProtection=UNKNOWN_BOOL)).messages == [
        "RDS instance 'chatpdd-production-db': deletionProtection is unknown at preview, so deletion protection "
        "cannot be verified. Fix: set it from a literal or stack config."]
