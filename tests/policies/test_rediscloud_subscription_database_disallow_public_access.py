import pytest
from chatpdd_policies.rediscloud_subscription_database_disallow_public_access import POLICY

from tests.policies.fixtures import REDIS_DB
from tests.policies.harness import UNKNOWN_STRING, run, with_props, without_props

NAME = "Redis Cloud database 'chatpdd-production-redis-db'"
NO_IPS = (f"{NAME} has no sourceIps, so it accepts connections from anywhere. "
          "Fix: set source_ips to the application's CIDRs.")


def test_compliant():
    assert run(POLICY, REDIS_DB).messages == []


FIX = "Fix: set source_ips to the application's egress CIDRs only."
WHOLE_V4 = "3702258432 public IPv4 addresses (more than one /24)"


@pytest.mark.parametrize("ips, sizes, widest", [
    (["10.20.0.0/16", "0.0.0.0/0"], WHOLE_V4, "0.0.0.0/0"),
    # ::/0 holds the IPv6 forms of every IPv4 address too (mapped, NAT64, 6to4, Teredo): judged as that IPv4
    (["10.20.0.0/16", "::/0"], f"{WHOLE_V4} and about 2^127 addresses of public IPv6 space (more than one /64)",
     "::/0"),
    (["2002::/16"], WHOLE_V4, "2002::/16"),  # 6to4: every IPv4 host (issue 17)
    # no /0 anywhere, still the whole internet: the union is judged, not one literal
    (["0.0.0.0/1", "128.0.0.0/1"], WHOLE_V4, "0.0.0.0/1"),
    (["8.8.0.0/24", "8.8.1.0/32"], "257 public IPv4 addresses (more than one /24)", "8.8.0.0/24"),
    (["2600:1f18::/48"], "the size of a /48 of public IPv6 space (more than one /64)", "2600:1f18::/48"),
    (["::ffff:0.0.0.0/96"], WHOLE_V4, "::ffff:0.0.0.0/96"),
])
def test_public(ips, sizes, widest):
    assert run(POLICY, with_props(REDIS_DB, sourceIps=ips)).messages == [
        f"{NAME} allows connections from too much of the internet: sourceIps open {sizes}; widest entry {widest}. "
        f"{FIX}"]


@pytest.mark.parametrize("ips", [["203.0.113.10/32", "203.0.113.11/32", "8.8.8.8/32"], ["10.0.0.0/8"],
                                 ["8.8.8.0/24"], ["2600:1f18::/64", "fd00::/8"]])
def test_a_few_known_networks_pass(ips):
    assert run(POLICY, with_props(REDIS_DB, sourceIps=ips)).messages == []


def test_stricter_bound_from_config():
    assert run(POLICY, with_props(REDIS_DB, sourceIps=["8.8.8.0/30"]), config={"minPublicPrefixV4": 32}).messages == [
        f"{NAME} allows connections from too much of the internet: sourceIps open 4 public IPv4 addresses "
        f"(more than one /32); widest entry 8.8.8.0/30. {FIX}"]


def test_not_a_cidr():
    assert run(POLICY, with_props(REDIS_DB, sourceIps=["10.0.0.0/8", "everyone"])).messages == [
        f"{NAME} has sourceIps entry 'everyone', which is not a CIDR block. "
        "Fix: list the application's egress networks as CIDR blocks."]


def test_missing_and_empty_mean_everyone():
    assert run(POLICY, without_props(REDIS_DB, "sourceIps")).messages == [NO_IPS]
    assert run(POLICY, with_props(REDIS_DB, sourceIps=[])).messages == [NO_IPS]


@pytest.mark.parametrize("ips", [UNKNOWN_STRING, ["10.20.0.0/16", UNKNOWN_STRING]])
def test_unknown_fails_closed(ips):
    assert run(POLICY, with_props(REDIS_DB, sourceIps=ips)).messages == [
        f"{NAME}: sourceIps is unknown at preview, so the allowed source networks cannot be verified. "
        "Fix: set it from a literal or stack config."]
