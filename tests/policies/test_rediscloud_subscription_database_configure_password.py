from chatpdd_policies.rediscloud_subscription_database_configure_password import POLICY

from tests.policies.fixtures import REDIS_DB
from tests.policies.harness import UNKNOWN_STRING, run, secret, with_props, without_props

MESSAGE = ("Redis Cloud database 'chatpdd-production-redis-db' has no password. "
           "Fix: set password from a random.RandomPassword result (as a secret).")


def test_compliant_unknown_secret_at_preview():
    assert run(POLICY, REDIS_DB).messages == []


def test_known_secret_and_bare_unknown_count_as_set():
    assert run(POLICY, with_props(REDIS_DB, password=secret("s3cr3t-value"))).messages == []
    assert run(POLICY, with_props(REDIS_DB, password=UNKNOWN_STRING)).messages == []


def test_missing():
    assert run(POLICY, without_props(REDIS_DB, "password")).messages == [MESSAGE]


def test_empty_secret_and_the_value_is_never_printed():
    assert run(POLICY, with_props(REDIS_DB, password=secret(""))).messages == [MESSAGE]
    for message in run(POLICY, with_props(REDIS_DB, password=secret("s3cr3t-value"))).messages:
        assert "s3cr3t-value" not in message
