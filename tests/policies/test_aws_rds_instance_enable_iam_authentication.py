from chatpdd_policies.aws_rds_instance_enable_iam_authentication import POLICY

from tests.policies.fixtures import PRIMARY, REPLICA
from tests.policies.harness import UNKNOWN_BOOL, run, with_props, without_props

MESSAGE = ("RDS instance 'chatpdd-production-db' does not enable IAM database authentication. "
           "Fix: set iam_database_authentication_enabled=True.")


def test_compliant_primary_and_replica():
    assert run(POLICY, PRIMARY).messages == []
    assert run(POLICY, REPLICA).messages == []


def test_off():
    assert run(POLICY, with_props(PRIMARY, iamDatabaseAuthenticationEnabled=False)).messages == [MESSAGE]


def test_missing_is_off():
    assert run(POLICY, without_props(PRIMARY, "iamDatabaseAuthenticationEnabled")).messages == [MESSAGE]


def test_unknown_fails_closed():
    assert run(POLICY, with_props(PRIMARY, iamDatabaseAuthenticationEnabled=UNKNOWN_BOOL)).messages == [
        "RDS instance 'chatpdd-production-db': iamDatabaseAuthenticationEnabled is unknown at preview, so IAM "
        "database authentication cannot be verified. Fix: set it from a literal or stack config."]
