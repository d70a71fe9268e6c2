from chatpdd_policies.aws_rds_instance_enable_multi_az import POLICY

from tests.policies.fixtures import PRIMARY, REPLICA
from tests.policies.harness import UNKNOWN_BOOL, run, with_props, without_props

MESSAGE = "RDS instance 'chatpdd-production-db' is not Multi-AZ. Fix: set multi_az=True."


def test_compliant_primary():
    assert run(POLICY, PRIMARY).messages == []


def test_single_az_primary():
    assert run(POLICY, with_props(PRIMARY, multiAz=False)).messages == [MESSAGE]


def test_missing_is_single_az():
    assert run(POLICY, without_props(PRIMARY, "multiAz")).messages == [MESSAGE]


def test_unknown_fails_closed():
    assert run(POLICY, with_props(PRIMARY, multiAz=UNKNOWN_BOOL)).messages == [
        "RDS instance 'chatpdd-production-db': multiAz is unknown at preview, so Multi-AZ cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_replica_is_not_applicable():
    outcome = run(POLICY, REPLICA)
    assert outcome.messages == []
    assert outcome.not_applicable.startswith("RDS instance 'chatpdd-production-db-replica-1' is a read replica")
