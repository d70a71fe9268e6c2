"""The union of a security group's ingress sources (inline and rule resources) is judged against the
public-space bounds: /0 literals, /1 pairs split over two rules, IPv6, all protocols, port ranges
covering 5432 or 6379; private ranges and a few /32s pass."""

import pytest
from chatpdd_policies.aws_ec2_security_group_disallow_public_postgres_ingress import POLICY

from tests.policies.fixtures import DB_FROM_PROXY, DB_SG, PROXY_FROM_APP, PROXY_SG
from tests.policies.harness import UNKNOWN_NUMBER, UNKNOWN_STRING, resource, run, with_props, without_props

FIX = ("Fix: allow PostgreSQL and Redis only from the configured CIDRs or the RDS Proxy's security group, "
       "never the internet.")
RULE_NAME = "Security group ingress rule 'chatpdd-production-proxy-from-app'"
WHOLE_V4 = "3702258432 public IPv4 addresses (more than one /24)"
# ::/0 also holds the IPv6 forms of every IPv4 address (IPv4-mapped, NAT64, 6to4, Teredo): judged as that IPv4.
WHOLE_V6 = f"{WHOLE_V4} and about 2^127 addresses of public IPv6 space (more than one /64)"

INLINE = {"protocol": "tcp", "fromPort": 5432, "toPort": 5432, "cidrBlocks": ["10.20.0.0/16"]}
SG_INLINE = with_props(DB_SG, ingress=[INLINE])
SG_RULE = resource("aws:ec2/securityGroupRule:SecurityGroupRule", "chatpdd-production-db-rule", {
    "type": "ingress", "securityGroupId": UNKNOWN_STRING, "protocol": "tcp", "fromPort": 5432, "toPort": 5432,
    "cidrBlocks": ["10.20.0.0/16"]})
STACK = [DB_SG, PROXY_SG, DB_FROM_PROXY, PROXY_FROM_APP]


def _open(subject: str, reach: str, sizes: str, widest: str) -> str:
    return f"{subject} opens {reach} to too much of the internet: its CIDRs open {sizes}; widest entry {widest}. {FIX}"


def second_app_rule(cidr: str, **props) -> object:
    return resource(PROXY_FROM_APP.type, "chatpdd-production-proxy-from-app-1",
                    {**PROXY_FROM_APP.properties, "cidrIpv4": cidr, **props},
                    property_dependencies={"securityGroupId": [PROXY_SG.urn]})


def test_compliant_baselines():
    assert run(POLICY, STACK).messages == []
    for res in (SG_INLINE, SG_RULE):
        assert run(POLICY, [res]).messages == [], res.name


def test_ingress_rule_open_to_the_internet():
    outcome = run(POLICY, [*STACK[:3], with_props(PROXY_FROM_APP, cidrIpv4="0.0.0.0/0")])
    assert outcome.messages == [_open(RULE_NAME, "port 5432", WHOLE_V4, "0.0.0.0/0")]
    assert outcome.urns == [PROXY_FROM_APP.urn]


def test_two_halves_of_the_internet_in_two_rules_are_the_internet():
    """The hole this rule closes: 0.0.0.0/1 + 128.0.0.0/1 has no /0 and opens everything."""
    halves = [with_props(PROXY_FROM_APP, cidrIpv4="0.0.0.0/1"), second_app_rule("128.0.0.0/1")]
    outcome = run(POLICY, [*STACK[:3], *halves])
    assert outcome.messages == [_open("Security group 'chatpdd-production-db-proxy-sg' with its ingress rules",
                                      "port 5432", WHOLE_V4, "0.0.0.0/1")]
    assert outcome.urns == [PROXY_SG.urn]


def test_many_small_public_rules_add_up():
    rules = [second_app_rule(f"198.{i}.0.0/24") for i in (1, 2)]
    rules[1] = resource(PROXY_FROM_APP.type, "chatpdd-production-proxy-from-app-2",
                        {**PROXY_FROM_APP.properties, "cidrIpv4": "198.2.0.0/24"},
                        property_dependencies={"securityGroupId": [PROXY_SG.urn]})
    assert run(POLICY, [*STACK, *rules]).messages == [_open(
        "Security group 'chatpdd-production-db-proxy-sg' with its ingress rules", "port 5432",
        "512 public IPv4 addresses (more than one /24)", "198.1.0.0/24")]


def test_new_slash_32s_and_private_networks_pass():
    extra = [second_app_rule("192.0.2.77/32"), second_app_rule("8.8.4.4/32"), second_app_rule("172.16.0.0/12")]
    for rule in extra:
        assert run(POLICY, [*STACK, rule]).messages == [], rule.properties["cidrIpv4"]


def test_a_wider_bound_from_config_is_respected():
    """The bound is the pack config's: a stricter /32 refuses a /31 the default /24 accepts."""
    rule = second_app_rule("8.8.4.4/31")
    assert run(POLICY, [*STACK, rule]).messages == []
    assert run(POLICY, [*STACK, rule], config={"minPublicPrefixV4": 32}).messages == [_open(
        "Security group ingress rule 'chatpdd-production-proxy-from-app-1'", "port 5432",
        "2 public IPv4 addresses (more than one /32)", "8.8.4.4/31")]


def test_ingress_rule_ipv6():
    rule = with_props(without_props(PROXY_FROM_APP, "cidrIpv4"), cidrIpv6="::/1")
    assert run(POLICY, [rule]).messages == [_open(RULE_NAME, "port 5432",
                                                  f"{WHOLE_V4} and about 2^126 addresses of public IPv6 space "
                                                  "(more than one /64)",
                                                  "::/1")]


def test_ingress_rule_all_protocols():
    rule = with_props(without_props(PROXY_FROM_APP, "fromPort", "toPort"), ipProtocol="-1", cidrIpv4="0.0.0.0/0")
    assert run(POLICY, [rule]).messages == [_open(RULE_NAME, "all traffic", WHOLE_V4, "0.0.0.0/0")]


@pytest.mark.parametrize("low, high, reach", [(0, 65535, "ports 0-65535"), (6379, 6379, "port 6379"),
                                              (6000, 7000, "ports 6000-7000")])
def test_ingress_rule_port_range_covering_a_data_port(low, high, reach):
    rule = with_props(PROXY_FROM_APP, fromPort=low, toPort=high, cidrIpv4="0.0.0.0/0")
    assert run(POLICY, [rule]).messages == [_open(RULE_NAME, reach, WHOLE_V4, "0.0.0.0/0")]


def test_public_https_is_not_this_policy():
    assert run(POLICY, [with_props(PROXY_FROM_APP, fromPort=443, toPort=443, cidrIpv4="0.0.0.0/0")]).messages == []
    assert run(POLICY, [with_props(PROXY_FROM_APP, ipProtocol="udp", cidrIpv4="0.0.0.0/0")]).messages == []


def test_ingress_rule_unknown_cidr_fails_closed():
    assert run(POLICY, [with_props(PROXY_FROM_APP, cidrIpv4=UNKNOWN_STRING)]).messages == [
        f"{RULE_NAME}: cidrIpv4 is unknown at preview, so the PostgreSQL exposure cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_ingress_rule_unknown_port_with_public_cidr_fails_closed():
    rule = with_props(PROXY_FROM_APP, fromPort=UNKNOWN_NUMBER, cidrIpv4="0.0.0.0/0")
    assert run(POLICY, [rule]).messages == [
        f"{RULE_NAME}: the protocol or port range is unknown at preview, so the PostgreSQL exposure cannot be "
        "verified. Fix: set it from a literal or stack config."]


def test_unknown_referenced_group_is_fine():
    assert run(POLICY, [DB_FROM_PROXY]).messages == []


@pytest.mark.parametrize("cidrs, ipv6, widest, sizes", [
    (["0.0.0.0/0"], [], "0.0.0.0/0", WHOLE_V4), ([], ["::/0"], "::/0", WHOLE_V6),
    (["10.0.0.0/8", "0.0.0.0/0"], [], "0.0.0.0/0", WHOLE_V4)])
def test_inline_ingress_open(cidrs, ipv6, widest, sizes):
    sg = with_props(DB_SG, ingress=[{**INLINE, "cidrBlocks": cidrs, "ipv6CidrBlocks": ipv6}])
    assert run(POLICY, [sg]).messages == [_open("Security group 'chatpdd-production-db-sg' ingress[0]", "port 5432",
                                                sizes, widest)]


def test_inline_halves_over_two_entries():
    sg = with_props(DB_SG, ingress=[{**INLINE, "cidrBlocks": ["0.0.0.0/1"]},
                                    {**INLINE, "protocol": "-1", "cidrBlocks": ["128.0.0.0/1"]}])
    assert run(POLICY, [sg]).messages == [_open("Security group 'chatpdd-production-db-sg' with its ingress rules",
                                                "port 5432, all traffic", WHOLE_V4, "0.0.0.0/1")]


def test_inline_unknown_ingress_fails_closed():
    assert run(POLICY, [with_props(DB_SG, ingress=UNKNOWN_STRING)]).messages == [
        "Security group 'chatpdd-production-db-sg': ingress is unknown at preview, so the PostgreSQL exposure "
        "cannot be verified. Fix: set it from a literal or stack config."]


def test_security_group_rule_open():
    assert run(POLICY, [with_props(SG_RULE, cidrBlocks=["0.0.0.0/0"])]).messages == [
        _open("Security group rule 'chatpdd-production-db-rule'", "port 5432", WHOLE_V4, "0.0.0.0/0")]


def test_security_group_rule_egress_is_judged_like_ingress():
    """Issue 17: 5432 open outbound to the internet lets data leave to any database."""
    assert run(POLICY, [with_props(SG_RULE, type="egress", cidrBlocks=["0.0.0.0/0"])]).messages == [
        f"Security group rule 'chatpdd-production-db-rule' opens port 5432 to too much of the internet (egress: data "
        f"can leave to any host there): its CIDRs open {WHOLE_V4}; widest entry 0.0.0.0/0. {FIX}"]
    assert run(POLICY, [with_props(SG_RULE, type="egress", cidrBlocks=["10.0.0.0/8"])]).messages == []


def test_egress_rule_resource_is_judged_like_ingress():
    egress = resource("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "proxy-to-anywhere", {
        "securityGroupId": "sg-1", "ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432, "cidrIpv4": "0.0.0.0/1"})
    assert run(POLICY, [egress]).messages == [
        f"Security group egress rule 'proxy-to-anywhere' opens port 5432 to too much of the internet (egress: data "
        f"can leave to any host there): its CIDRs open 2092957696 public IPv4 addresses (more than one /24); widest "
        f"entry 0.0.0.0/1. {FIX}"]


@pytest.mark.parametrize(("cidr", "carried"), [
    ("2002::/16", "6to4"), ("64:ff9b::/96", "NAT64"), ("64:ff9b:1::/48", "local-use NAT64"),
    ("::ffff:0:0/95", "IPv4-mapped with a prefix shorter than /96"), ("2001::/32", "Teredo"),
    ("2001:0:4136:e378::/64", "one Teredo server's clients")])
def test_ipv6_transition_ranges_count_as_the_ipv4_they_carry(cidr, carried):
    rule = with_props(without_props(PROXY_FROM_APP, "cidrIpv4"), cidrIpv6=cidr)
    (message,) = run(POLICY, [rule]).messages
    assert message.startswith(f"{RULE_NAME} opens port 5432 to too much of the internet: its CIDRs open {WHOLE_V4}")


@pytest.mark.parametrize("cidr", ["2002:cb00:7100::/40", "64:ff9b::cb00:7100/120", "2001:db8::/64"])
def test_ipv6_transition_forms_of_a_small_network_pass(cidr):
    """6to4 and NAT64 forms of 203.0.113.0/24 (documentation space: not public) and a plain IPv6 /64."""
    rule = with_props(without_props(PROXY_FROM_APP, "cidrIpv4"), cidrIpv6=cidr)
    assert run(POLICY, [rule]).messages == []


def test_managed_prefix_list_reaching_postgres_blocks():
    rule = with_props(without_props(PROXY_FROM_APP, "cidrIpv4"), prefixListId="pl-3b927c52")
    assert run(POLICY, [rule]).messages == [
        f"{RULE_NAME} opens port 5432 (ingress) to prefix list pl-3b927c52, whose entries are not in the rule, so "
        f"how much of the internet it opens cannot be judged. {FIX}"]


def test_security_group_rule_all_protocols_ipv6():
    rule = with_props(SG_RULE, protocol="-1", fromPort=0, toPort=0, cidrBlocks=[], ipv6CidrBlocks=["::/0"])
    assert run(POLICY, [rule]).messages == [
        _open("Security group rule 'chatpdd-production-db-rule'", "all traffic", WHOLE_V6, "::/0")]


def test_default_security_group_inline_ingress():
    default_sg = resource("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "chatpdd-production-default-sg", {
        "vpcId": UNKNOWN_STRING,
        "ingress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}]})
    assert run(POLICY, [default_sg]).messages == [
        _open("Default security group 'chatpdd-production-default-sg' ingress[0]", "all traffic", WHOLE_V4,
              "0.0.0.0/0")]
    assert run(POLICY, [with_props(default_sg, ingress=[])]).messages == []


def test_unknown_ports_that_would_tip_the_union_fail_closed():
    """A /24 on 5432 and a /25 on unknown ports: together over the /24 bound if the second reaches 5432."""
    known = with_props(PROXY_FROM_APP, cidrIpv4="8.8.8.0/24")
    doubtful = second_app_rule("8.8.9.0/25", fromPort=UNKNOWN_NUMBER)
    assert run(POLICY, [*STACK[:3], known, doubtful]).messages == [
        "Security group ingress rule 'chatpdd-production-proxy-from-app-1': the protocol or port range is unknown at "
        "preview, so the PostgreSQL exposure cannot be verified. Fix: set it from a literal or stack config."]
    assert run(POLICY, [*STACK[:3], known]).messages == []
