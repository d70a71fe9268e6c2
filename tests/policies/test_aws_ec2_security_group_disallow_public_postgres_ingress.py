import pytest
from chatpdd_policies.aws_ec2_security_group_disallow_public_postgres_ingress import POLICY

from tests.policies.fixtures import DB_FROM_PROXY, DB_SG, PROXY_FROM_APP
from tests.policies.harness import UNKNOWN_NUMBER, UNKNOWN_STRING, resource, run, with_props, without_props

FIX = "Fix: allow PostgreSQL only from the configured CIDRs or the RDS Proxy's security group, never"
RULE_NAME = "Security group ingress rule 'chatpdd-production-proxy-from-app'"
TYPE_LABEL = "Default security group 'chatpdd-production-default-sg'"

INLINE = {"protocol": "tcp", "fromPort": 5432, "toPort": 5432, "cidrBlocks": ["10.20.0.0/16"]}
SG_INLINE = with_props(DB_SG, ingress=[INLINE])
SG_RULE = resource("aws:ec2/securityGroupRule:SecurityGroupRule", "chatpdd-production-db-rule", {
    "type": "ingress", "securityGroupId": UNKNOWN_STRING, "protocol": "tcp", "fromPort": 5432, "toPort": 5432,
    "cidrBlocks": ["10.20.0.0/16"]})


def test_compliant_baselines():
    for res in (DB_SG, SG_INLINE, SG_RULE, DB_FROM_PROXY, PROXY_FROM_APP):
        assert run(POLICY, res).messages == [], res.name


def test_ingress_rule_open_to_the_internet():
    assert run(POLICY, with_props(PROXY_FROM_APP, cidrIpv4="0.0.0.0/0")).messages == [
        f"{RULE_NAME} opens port 5432 to 0.0.0.0/0. {FIX} 0.0.0.0/0."]


def test_ingress_rule_ipv6():
    assert run(POLICY, with_props(without_props(PROXY_FROM_APP, "cidrIpv4"), cidrIpv6="::/0")).messages == [
        f"{RULE_NAME} opens port 5432 to ::/0. {FIX} ::/0."]


def test_ingress_rule_all_protocols():
    rule = with_props(without_props(PROXY_FROM_APP, "fromPort", "toPort"), ipProtocol="-1", cidrIpv4="0.0.0.0/0")
    assert run(POLICY, rule).messages == [f"{RULE_NAME} opens all traffic to 0.0.0.0/0. {FIX} 0.0.0.0/0."]


def test_ingress_rule_port_range_covering_5432():
    rule = with_props(PROXY_FROM_APP, fromPort=0, toPort=65535, cidrIpv4="0.0.0.0/0")
    assert run(POLICY, rule).messages == [f"{RULE_NAME} opens ports 0-65535 to 0.0.0.0/0. {FIX} 0.0.0.0/0."]


def test_public_https_is_not_this_policy():
    assert run(POLICY, with_props(PROXY_FROM_APP, fromPort=443, toPort=443, cidrIpv4="0.0.0.0/0")).messages == []
    assert run(POLICY, with_props(PROXY_FROM_APP, ipProtocol="udp", cidrIpv4="0.0.0.0/0")).messages == []


def test_ingress_rule_unknown_cidr_fails_closed():
    assert run(POLICY, with_props(PROXY_FROM_APP, cidrIpv4=UNKNOWN_STRING)).messages == [
        f"{RULE_NAME}: cidrIpv4 is unknown at preview, so the PostgreSQL exposure cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_ingress_rule_unknown_port_with_public_cidr_fails_closed():
    rule = with_props(PROXY_FROM_APP, fromPort=UNKNOWN_NUMBER, cidrIpv4="0.0.0.0/0")
    assert run(POLICY, rule).messages == [
        f"{RULE_NAME}: the protocol or port range is unknown at preview, so the PostgreSQL exposure cannot be "
        "verified. Fix: set it from a literal or stack config."]


def test_unknown_referenced_group_is_fine():
    assert run(POLICY, DB_FROM_PROXY).messages == []


@pytest.mark.parametrize("cidrs, ipv6", [(["0.0.0.0/0"], []), ([], ["::/0"]), (["10.0.0.0/8", "0.0.0.0/0"], [])])
def test_inline_ingress_open(cidrs, ipv6):
    sg = with_props(DB_SG, ingress=[{**INLINE, "cidrBlocks": cidrs, "ipv6CidrBlocks": ipv6}])
    public = (cidrs + ipv6)[-1]
    assert run(POLICY, sg).messages == [
        f"Security group 'chatpdd-production-db-sg' ingress[0] opens port 5432 to {public}. {FIX} {public}."]


def test_inline_unknown_ingress_fails_closed():
    assert run(POLICY, with_props(DB_SG, ingress=UNKNOWN_STRING)).messages == [
        "Security group 'chatpdd-production-db-sg': ingress is unknown at preview, so the PostgreSQL exposure "
        "cannot be verified. Fix: set it from a literal or stack config."]


def test_security_group_rule_open():
    assert run(POLICY, with_props(SG_RULE, cidrBlocks=["0.0.0.0/0"])).messages == [
        f"Security group rule 'chatpdd-production-db-rule' opens port 5432 to 0.0.0.0/0. {FIX} 0.0.0.0/0."]


def test_security_group_rule_egress_is_ignored():
    assert run(POLICY, with_props(SG_RULE, type="egress", cidrBlocks=["0.0.0.0/0"])).messages == []


def test_security_group_rule_all_protocols_ipv6():
    rule = with_props(SG_RULE, protocol="-1", fromPort=0, toPort=0, cidrBlocks=[], ipv6CidrBlocks=["::/0"])
    assert run(POLICY, rule).messages == [
        f"Security group rule 'chatpdd-production-db-rule' opens all traffic to ::/0. {FIX} ::/0."]


def test_default_security_group_inline_ingress():
    default_sg = resource("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "chatpdd-production-default-sg", {
        "vpcId": UNKNOWN_STRING,
        "ingress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}]})
    assert run(POLICY, default_sg).messages == [
        f"{TYPE_LABEL} ingress[0] opens all traffic to 0.0.0.0/0. {FIX} 0.0.0.0/0."]
    assert run(POLICY, with_props(default_sg, ingress=[])).messages == []
