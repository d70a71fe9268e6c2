from chatpdd_policies.rediscloud_subscription_database_enable_replication import POLICY

from tests.policies.fixtures import REDIS_DB
from tests.policies.harness import UNKNOWN_BOOL, run, with_props, without_props

MESSAGE = ("Redis Cloud database 'chatpdd-production-redis-db' does not enable replication. "
           "Fix: set replication=True.")


def test_compliant():
    assert run(POLICY, REDIS_DB).messages == []


def test_off():
    assert run(POLICY, with_props(REDIS_DB, replication=False)).messages == [MESSAGE]


def test_missing_is_rejected():
    assert run(POLICY, without_props(REDIS_DB, "replication")).messages == [MESSAGE]


def test_unknown_fails_closed():
    assert run(POLICY, with_props(REDIS_DB, replication=UNKNOWN_BOOL)).messages == [
        "Redis Cloud database 'chatpdd-production-redis-db': replication is unknown at preview, so Redis "
        "replication cannot be verified. Fix: set it from a literal or stack config."]
