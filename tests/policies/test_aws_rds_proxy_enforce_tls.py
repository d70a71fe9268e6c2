from chatpdd_policies.aws_rds_proxy_enforce_tls import POLICY

from tests.policies.fixtures import PROXY
from tests.policies.harness import UNKNOWN_BOOL, run, with_props, without_props

MESSAGE = "RDS proxy 'chatpdd-production-db-proxy' does not require TLS. Fix: set require_tls=True."


def test_compliant():
    assert run(POLICY, PROXY).messages == []


def test_tls_off():
    assert run(POLICY, with_props(PROXY, requireTls=False)).messages == [MESSAGE]


def test_missing_is_off():
    assert run(POLICY, without_props(PROXY, "requireTls")).messages == [MESSAGE]


def test_unknown_fails_closed():
    assert run(POLICY, with_props(PROXY, requireTls=UNKNOWN_BOOL)).messages == [
        "RDS proxy 'chatpdd-production-db-proxy': requireTls is unknown at preview, so TLS enforcement cannot be "
        "verified. Fix: set it from a literal or stack config."]
