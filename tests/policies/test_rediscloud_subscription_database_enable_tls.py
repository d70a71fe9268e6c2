from chatpdd_policies.rediscloud_subscription_database_enable_tls import POLICY

from tests.policies.fixtures import REDIS_DB
from tests.policies.harness import UNKNOWN_BOOL, run, with_props, without_props

MESSAGE = "Redis Cloud database 'chatpdd-production-redis-db' does not enable TLS. Fix: set enable_tls=True."


def test_compliant():
    assert run(POLICY, REDIS_DB).messages == []


def test_off():
    assert run(POLICY, with_props(REDIS_DB, enableTls=False)).messages == [MESSAGE]


def test_missing_is_off():
    assert run(POLICY, without_props(REDIS_DB, "enableTls")).messages == [MESSAGE]


def test_unknown_fails_closed():
    assert run(POLICY, with_props(REDIS_DB, enableTls=UNKNOWN_BOOL)).messages == [
        "Redis Cloud database 'chatpdd-production-redis-db': enableTls is unknown at preview, so Redis TLS "
        "cannot be verified. Fix: set it from a literal or stack config."]
