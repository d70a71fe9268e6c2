from chatpdd_policies.aws_rds_instance_disallow_public_access import POLICY

from tests.policies.fixtures import PARAMETER_GROUP, PRIMARY, REPLICA
from tests.policies.harness import UNKNOWN_BOOL, run, with_props, without_props


def test_compliant_primary_and_replica():
    assert run(POLICY, PRIMARY).messages == []
    assert run(POLICY, REPLICA).messages == []


def test_public_primary():
    assert run(POLICY, with_props(PRIMARY, publiclyAccessible=True)).messages == [
        "RDS instance 'chatpdd-production-db' is publicly accessible. Fix: set publicly_accessible=False."]


def test_public_replica():
    assert run(POLICY, with_props(REPLICA, publiclyAccessible=True)).messages == [
        "RDS instance 'chatpdd-production-db-replica-1' is publicly accessible. "
        "Fix: set publicly_accessible=False."]


def test_missing_is_the_private_provider_default():
    assert run(POLICY, without_props(PRIMARY, "publiclyAccessible")).messages == []


def test_unknown_fails_closed():
    assert run(POLICY, with_props(PRIMARY, publiclyAccessible=UNKNOWN_BOOL)).messages == [
        "RDS instance 'chatpdd-production-db': publiclyAccessible is unknown at preview, so private access "
        "cannot be verified. Fix: set it from a literal or stack config."]


def test_other_types_are_ignored():
    assert run(POLICY, with_props(PARAMETER_GROUP, publiclyAccessible=True)).messages == []
