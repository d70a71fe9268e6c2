from chatpdd_policies.rediscloud_subscription_database_enable_persistence import POLICY

from tests.policies.fixtures import REDIS_DB
from tests.policies.harness import UNKNOWN_STRING, run, with_props, without_props

NAME = "Redis Cloud database 'chatpdd-production-redis-db'"
TAIL = "allowed: aof-every-1-second, aof-every-write. Fix: set data_persistence='aof-every-1-second'."


def test_compliant():
    assert run(POLICY, REDIS_DB).messages == []
    assert run(POLICY, with_props(REDIS_DB, dataPersistence="aof-every-write")).messages == []


def test_none():
    assert run(POLICY, with_props(REDIS_DB, dataPersistence="none")).messages == [f"{NAME} has no persistence; {TAIL}"]


def test_missing_is_none():
    assert run(POLICY, without_props(REDIS_DB, "dataPersistence")).messages == [f"{NAME} has no persistence; {TAIL}"]


def test_snapshot_is_not_enough_in_production():
    assert run(POLICY, with_props(REDIS_DB, dataPersistence="snapshot-every-1-hour")).messages == [
        f"{NAME} uses dataPersistence 'snapshot-every-1-hour'; {TAIL}"]


def test_staging_config_allows_snapshots_but_never_none():
    staging = {"allowedDataPersistence": ["aof-every-1-second", "aof-every-write", "snapshot-every-1-hour"]}
    assert run(POLICY, with_props(REDIS_DB, dataPersistence="snapshot-every-1-hour"), config=staging).messages == []
    assert len(run(POLICY, with_props(REDIS_DB, dataPersistence="none"),
                   config={"allowedDataPersistence": ["none"]}).messages) == 1


def test_unknown_fails_closed():
    assert run(POLICY, with_props(REDIS_DB, dataPersistence=UNKNOWN_STRING)).messages == [
        f"{NAME}: dataPersistence is unknown at preview, so Redis persistence cannot be verified. "
        "Fix: set it from a literal or stack config."]
