from chatpdd_policies.rediscloud_subscription_database_configure_alerts import POLICY

from tests.policies.fixtures import REDIS_DB
from tests.policies.harness import UNKNOWN_STRING, run, with_props, without_props

NAME = "Redis Cloud database 'chatpdd-production-redis-db'"


def test_compliant():
    assert run(POLICY, REDIS_DB).messages == []


def test_latency_alert_missing():
    assert run(POLICY, with_props(REDIS_DB, alerts=[{"name": "dataset-size", "value": 80}])).messages == [
        f"{NAME} lacks the alerts latency. Fix: add alerts=[{{name, value}}] for latency."]


def test_missing_alerts():
    assert run(POLICY, without_props(REDIS_DB, "alerts")).messages == [
        f"{NAME} lacks the alerts dataset-size, latency. Fix: add alerts=[{{name, value}}] for dataset-size, latency."]


def test_unknown_list_fails_closed():
    assert run(POLICY, with_props(REDIS_DB, alerts=UNKNOWN_STRING)).messages == [
        f"{NAME}: alerts is unknown at preview, so the Redis alerts cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_unknown_name_fails_closed_only_when_something_is_missing():
    alerts = [{"name": "dataset-size", "value": 80}, {"name": UNKNOWN_STRING, "value": 5}]
    assert run(POLICY, with_props(REDIS_DB, alerts=alerts)).messages == [
        f"{NAME}: alerts[].name is unknown at preview, so the Redis alerts cannot be verified. "
        "Fix: set it from a literal or stack config."]
    assert run(POLICY, with_props(REDIS_DB, alerts=REDIS_DB.properties["alerts"] + alerts[1:])).messages == []


def test_config_adds_an_alert():
    assert run(POLICY, REDIS_DB, config={"requiredAlerts": ["dataset-size", "latency", "connections-limit"]}
               ).messages == [f"{NAME} lacks the alerts connections-limit. "
                              "Fix: add alerts=[{name, value}] for connections-limit."]
