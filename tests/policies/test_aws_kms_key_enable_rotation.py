from chatpdd_policies.aws_kms_key_enable_rotation import POLICY

from tests.policies.fixtures import DB_KEY, PRIMARY
from tests.policies.fixtures_storage import STORAGE_KEY
from tests.policies.harness import UNKNOWN_BOOL, UNKNOWN_STRING, run, with_props, without_props

KEY = "KMS key 'chatpdd-production-db-key'"


def test_compliant_keys():
    assert run(POLICY, DB_KEY).messages == []
    assert run(POLICY, STORAGE_KEY).messages == []
    assert run(POLICY, with_props(DB_KEY, customerMasterKeySpec="SYMMETRIC_DEFAULT")).messages == []


def test_rotation_off():
    assert run(POLICY, with_props(DB_KEY, enableKeyRotation=False)).messages == [
        f"{KEY} does not rotate its key material. Fix: set enable_key_rotation=True."]


def test_missing_is_the_provider_default_off():
    assert run(POLICY, without_props(DB_KEY, "enableKeyRotation")).messages == [
        f"{KEY} does not rotate its key material. Fix: set enable_key_rotation=True."]


def test_unknown_fails_closed():
    assert run(POLICY, with_props(DB_KEY, enableKeyRotation=UNKNOWN_BOOL)).messages == [
        f"{KEY}: enableKeyRotation is unknown at preview, so key rotation cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_unknown_key_spec_fails_closed():
    assert run(POLICY, with_props(DB_KEY, customerMasterKeySpec=UNKNOWN_STRING)).messages == [
        f"{KEY}: customerMasterKeySpec is unknown at preview, so key rotation cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_asymmetric_key_is_not_applicable():
    outcome = run(POLICY, with_props(DB_KEY, customerMasterKeySpec="RSA_2048", enableKeyRotation=False))
    assert outcome.messages == []
    assert outcome.not_applicable == f"{KEY} is a RSA_2048 key: AWS rotates only symmetric encryption keys"


def test_other_types_are_ignored():
    assert run(POLICY, with_props(PRIMARY, enableKeyRotation=False)).messages == []
