from chatpdd_policies.aws_rds_instance_enable_storage_encryption import POLICY

from tests.policies.fixtures import ALL, DB_KEY, PRIMARY, REPLICA
from tests.policies.harness import UNKNOWN_BOOL, UNKNOWN_STRING, replace, run, with_props, without_props

NAME = "RDS instance 'chatpdd-production-db'"
FIX_KEY = "Fix: set kms_key_id to the database's customer-managed aws.kms.Key ARN."


def _no_key_dependency(res):
    res = with_props(res)
    res.property_dependencies = {k: v for k, v in res.property_dependencies.items() if k != "kmsKeyId"}
    return res


def test_compliant_stack_unknown_key_from_an_in_stack_key():
    assert run(POLICY, ALL).messages == []


def test_literal_customer_managed_key_arn():
    primary = _no_key_dependency(with_props(
        PRIMARY, kmsKeyId="arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"))
    assert run(POLICY, replace(ALL, primary)).messages == []


def test_not_encrypted_flags_the_primary_and_its_replica():
    outcome = run(POLICY, replace(ALL, with_props(PRIMARY, storageEncrypted=False)))
    assert outcome.violations == [
        (f"{NAME} does not encrypt its storage. Fix: set storage_encrypted=True and kms_key_id to the database's "
         "customer-managed aws.kms.Key ARN.", PRIMARY.urn),
        ("RDS instance 'chatpdd-production-db-replica-1' inherits the encryption of RDS instance "
         "'chatpdd-production-db', which is not encrypted with a customer-managed KMS key. Fix: encrypt the primary.",
         REPLICA.urn)]


def test_missing_storage_encrypted_is_unencrypted():
    outcome = run(POLICY, replace(ALL, without_props(PRIMARY, "storageEncrypted")))
    assert outcome.messages[0].startswith(f"{NAME} does not encrypt its storage.")


def test_unknown_storage_encrypted_fails_closed():
    assert run(POLICY, replace(ALL, with_props(PRIMARY, storageEncrypted=UNKNOWN_BOOL))).messages[0] == (
        f"{NAME}: storageEncrypted is unknown at preview, so encryption at rest cannot be verified. "
        "Fix: set it from a literal or stack config.")


def test_aws_managed_key():
    primary = _no_key_dependency(with_props(PRIMARY, kmsKeyId="arn:aws:kms:us-east-1:123456789012:alias/aws/rds"))
    assert run(POLICY, replace(ALL, primary)).violations[0] == (
        f"{NAME} uses the AWS-managed key 'arn:aws:kms:us-east-1:123456789012:alias/aws/rds' in kmsKeyId. {FIX_KEY}",
        PRIMARY.urn)


def test_missing_key():
    primary = _no_key_dependency(without_props(PRIMARY, "kmsKeyId"))
    assert run(POLICY, replace(ALL, primary)).messages[0] == (
        f"{NAME} has no kmsKeyId, so the AWS-managed key is used. {FIX_KEY}")


def test_unknown_key_not_from_this_stack_fails_closed():
    primary = _no_key_dependency(PRIMARY)
    assert run(POLICY, replace(ALL, primary)).messages[0] == (
        f"{NAME} has kmsKeyId unknown at preview and not taken from an aws:kms/key:Key in this stack. {FIX_KEY}")


def test_dependency_on_a_non_kms_resource_does_not_count():
    primary = with_props(PRIMARY)
    primary.property_dependencies["kmsKeyId"] = [REPLICA.urn]
    assert len(run(POLICY, replace(ALL, primary)).messages) == 2  # primary and its replica


def test_replica_of_an_external_source():
    replica = with_props(REPLICA, replicateSourceDb="some-other-db")
    replica.property_dependencies = {}
    assert run(POLICY, replace(ALL, replica)).violations == [
        ("RDS instance 'chatpdd-production-db-replica-1' replicates 'some-other-db', which is not a primary of this "
         "stack, so its encryption cannot be verified. Fix: set replicate_source_db to the primary's identifier.",
         REPLICA.urn)]


def test_replica_with_unknown_source_and_dependency_on_the_primary_complies():
    replica = with_props(REPLICA, replicateSourceDb=UNKNOWN_STRING)
    assert run(POLICY, replace(ALL, replica)).messages == []


def test_key_in_the_stack_is_required_for_the_dependency():
    assert run(POLICY, [r for r in ALL if r.urn != DB_KEY.urn]).messages[0] == (
        f"{NAME} has kmsKeyId unknown at preview and not taken from an aws:kms/key:Key in this stack. {FIX_KEY}")
