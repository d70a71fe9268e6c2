import pytest
from chatpdd_policies.rediscloud_subscription_database_disallow_public_access import POLICY

from tests.policies.fixtures import REDIS_DB
from tests.policies.harness import UNKNOWN_STRING, run, with_props, without_props

NAME = "Redis Cloud database 'chatpdd-production-redis-db'"
NO_IPS = (f"{NAME} has no sourceIps, so it accepts connections from anywhere. "
          "Fix: set source_ips to the application's CIDRs.")


def test_compliant():
    assert run(POLICY, REDIS_DB).messages == []


@pytest.mark.parametrize("cidr", ["0.0.0.0/0", "::/0"])
def test_public(cidr):
    assert run(POLICY, with_props(REDIS_DB, sourceIps=["10.20.0.0/16", cidr])).messages == [
        f"{NAME} allows connections from {cidr}. Fix: set source_ips to the application's CIDRs only."]


def test_missing_and_empty_mean_everyone():
    assert run(POLICY, without_props(REDIS_DB, "sourceIps")).messages == [NO_IPS]
    assert run(POLICY, with_props(REDIS_DB, sourceIps=[])).messages == [NO_IPS]


@pytest.mark.parametrize("ips", [UNKNOWN_STRING, ["10.20.0.0/16", UNKNOWN_STRING]])
def test_unknown_fails_closed(ips):
    assert run(POLICY, with_props(REDIS_DB, sourceIps=ips)).messages == [
        f"{NAME}: sourceIps is unknown at preview, so the allowed source networks cannot be verified. "
        "Fix: set it from a literal or stack config."]
