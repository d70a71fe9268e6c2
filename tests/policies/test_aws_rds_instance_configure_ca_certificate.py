from chatpdd_policies.aws_rds_instance_configure_ca_certificate import POLICY

from tests.policies.fixtures import PRIMARY, REPLICA
from tests.policies.harness import UNKNOWN_STRING, run, with_props, without_props

ALLOWED = "rds-ca-rsa2048-g1, rds-ca-rsa4096-g1, rds-ca-ecc384-g1"


def test_compliant_primary_and_replica():
    assert run(POLICY, PRIMARY).messages == []
    assert run(POLICY, REPLICA).messages == []


def test_retired_ca():
    assert run(POLICY, with_props(PRIMARY, caCertIdentifier="rds-ca-2019")).messages == [
        f"RDS instance 'chatpdd-production-db' uses caCertIdentifier 'rds-ca-2019'; allowed: {ALLOWED}. "
        "Fix: set ca_cert_identifier='rds-ca-rsa2048-g1'."]


def test_missing():
    assert run(POLICY, without_props(PRIMARY, "caCertIdentifier")).messages == [
        f"RDS instance 'chatpdd-production-db' does not set caCertIdentifier; allowed: {ALLOWED}. "
        "Fix: set ca_cert_identifier='rds-ca-rsa2048-g1'."]


def test_unknown_fails_closed():
    assert run(POLICY, with_props(PRIMARY, caCertIdentifier=UNKNOWN_STRING)).messages == [
        "RDS instance 'chatpdd-production-db': caCertIdentifier is unknown at preview, so the server certificate "
        "authority cannot be verified. Fix: set it from a literal or stack config."]


def test_config_narrows_the_list():
    assert run(POLICY, PRIMARY, config={"allowedCaCertIdentifiers": ["rds-ca-ecc384-g1"]}).messages == [
        "RDS instance 'chatpdd-production-db' uses caCertIdentifier 'rds-ca-rsa2048-g1'; allowed: rds-ca-ecc384-g1. "
        "Fix: set ca_cert_identifier='rds-ca-ecc384-g1'."]
