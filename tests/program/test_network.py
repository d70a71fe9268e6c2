"""Network: private subnets per AZ, no internet path, locked default security group, flow logs.

Assertions are on what the engine receives (wire properties, options, property dependencies) for the
committed stacks run as a whole program under mocks.
"""

from __future__ import annotations

import ipaddress
import json

import pytest

from components.network import LOG_RETENTION_DAYS, log_retention_days, subnet_cidrs
from gate.program.program import CapturedResource, ProgramRun

COMPONENT = "chatpdd:components:Network"
STACKS = ("production", "staging")


@pytest.fixture(params=STACKS)
def stack(request, program_runs, loaded_stacks):
    return program_runs[request.param], loaded_stacks[request.param].config


def component(run: ProgramRun) -> CapturedResource:
    return run.one(COMPONENT)


def children(run: ProgramRun) -> list[CapturedResource]:
    return [r for r in run.resources if f"{COMPONENT}$" in r.urn]


def of_type(run: ProgramRun, type_: str) -> list[CapturedResource]:
    return [r for r in children(run) if r.type == type_]


def depends(res: CapturedResource, prop: str, target: CapturedResource) -> bool:
    return target.urn in res.property_dependencies.get(prop, [])


def test_every_child_is_parented_to_the_component(stack):
    run, _ = stack
    network = component(run)
    kids = children(run)
    assert len(kids) >= 10
    assert {r.parent for r in kids} == {network.urn}


def test_vpc_has_dns_and_the_configured_cidr(stack):
    run, cfg = stack
    (vpc,) = of_type(run, "aws:ec2/vpc:Vpc")
    assert vpc.properties["cidrBlock"] == cfg.network.vpc_cidr
    assert vpc.properties["enableDnsSupport"] is True
    assert vpc.properties["enableDnsHostnames"] is True
    assert vpc.properties["tags"]["Stack"] == run.stack


def test_one_private_subnet_per_availability_zone(stack):
    run, cfg = stack
    (vpc,) = of_type(run, "aws:ec2/vpc:Vpc")
    subnets = of_type(run, "aws:ec2/subnet:Subnet")
    assert sorted(s.properties["availabilityZone"] for s in subnets) == sorted(cfg.network.availability_zones)
    vpc_net = ipaddress.ip_network(cfg.network.vpc_cidr)
    nets = [ipaddress.ip_network(s.properties["cidrBlock"]) for s in subnets]
    for s, net in zip(subnets, nets, strict=True):
        assert s.properties["mapPublicIpOnLaunch"] is False
        assert net.subnet_of(vpc_net)
        assert depends(s, "vpcId", vpc)
    assert not any(a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1:])


def test_nothing_routes_to_the_internet(stack):
    """No internet or NAT gateway anywhere in the program, and no default route."""
    run, _ = stack
    forbidden = {"aws:ec2/internetGateway:InternetGateway", "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway",
                 "aws:ec2/natGateway:NatGateway", "aws:ec2/internetGatewayAttachment:InternetGatewayAttachment"}
    assert not [r.name for r in run.resources if r.type in forbidden]
    for r in run.resources:
        if r.type == "aws:ec2/route:Route":
            assert r.properties.get("destinationCidrBlock") != "0.0.0.0/0"
            assert r.properties.get("destinationIpv6CidrBlock") != "::/0"
        if r.type == "aws:ec2/routeTable:RouteTable":
            for route in r.properties.get("routes", []):
                assert route.get("cidrBlock") != "0.0.0.0/0" and route.get("ipv6CidrBlock") != "::/0"


def test_each_subnet_has_its_own_route_table(stack):
    run, _ = stack
    subnets = of_type(run, "aws:ec2/subnet:Subnet")
    tables = of_type(run, "aws:ec2/routeTable:RouteTable")
    associations = of_type(run, "aws:ec2/routeTableAssociation:RouteTableAssociation")
    assert len(tables) == len(subnets) == len(associations)
    pairs = set()
    for a in associations:
        (subnet,) = [s for s in subnets if depends(a, "subnetId", s)]
        (table,) = [t for t in tables if depends(a, "routeTableId", t)]
        pairs.add((subnet.urn, table.urn))
    assert len({s for s, _ in pairs}) == len({t for _, t in pairs}) == len(subnets)


def test_default_security_group_has_no_rules(stack):
    """CIS 5.4 / checkov CKV2_AWS_12: the VPC's default security group allows nothing."""
    run, _ = stack
    (vpc,) = of_type(run, "aws:ec2/vpc:Vpc")
    (default_sg,) = of_type(run, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert depends(default_sg, "vpcId", vpc)
    # Explicitly empty (not just absent): the provider then revokes whatever rules AWS created.
    assert default_sg.properties["ingress"] == []
    assert default_sg.properties["egress"] == []


def test_flow_logs_capture_all_traffic_into_an_encrypted_retained_log_group(stack):
    """CIS 3.9 / checkov CKV2_AWS_11 (flow logs), CKV_AWS_158 (KMS), retention from config."""
    run, cfg = stack
    (vpc,) = of_type(run, "aws:ec2/vpc:Vpc")
    (flow,) = of_type(run, "aws:ec2/flowLog:FlowLog")
    (group,) = of_type(run, "aws:cloudwatch/logGroup:LogGroup")
    (key,) = of_type(run, "aws:kms/key:Key")
    (role,) = of_type(run, "aws:iam/role:Role")
    (policy,) = of_type(run, "aws:iam/rolePolicy:RolePolicy")

    assert flow.properties["trafficType"] == "ALL"
    assert flow.properties["logDestinationType"] == "cloud-watch-logs"
    assert depends(flow, "vpcId", vpc)
    assert depends(flow, "logDestination", group)
    assert depends(flow, "iamRoleArn", role)
    assert policy.urn in flow.dependencies  # the role can write before the flow log starts

    retention = group.properties["retentionInDays"]
    assert retention >= cfg.network.flow_log_retention_days and retention in LOG_RETENTION_DAYS
    assert depends(group, "kmsKeyId", key)
    assert key.properties["enableKeyRotation"] is True
    assert key.protect is True

    trust = json.loads(role.properties["assumeRolePolicy"])["Statement"]
    assert [s["Principal"]["Service"] for s in trust] == ["vpc-flow-logs.amazonaws.com"]
    statements = json.loads(policy.properties["policy"])["Statement"]
    writes = [s for s in statements if "logs:PutLogEvents" in s["Action"]]
    assert writes and all(group.properties["name"] in res for s in writes for res in s["Resource"])

    key_policy = json.loads(key.properties["policy"])["Statement"]
    logs_use = [s for s in key_policy if s["Principal"].get("Service", "").startswith("logs.")]
    assert logs_use and all(group.properties["name"] in json.dumps(s["Condition"]) for s in logs_use)


def test_database_is_placed_in_the_network_subnets(production_run):
    """The Database component's subnet group and proxy use exactly these private subnets."""
    subnets = of_type(production_run, "aws:ec2/subnet:Subnet")
    for type_ in ("aws:rds/subnetGroup:SubnetGroup", "aws:rds/proxy:Proxy"):
        (res,) = production_run.by_type(type_)
        prop = "subnetIds" if "subnetGroup" in type_ else "vpcSubnetIds"
        assert set(res.property_dependencies[prop]) == {s.urn for s in subnets}


@pytest.mark.parametrize("asked, kept", [(30, 30), (45, 60), (365, 365), (366, 400), (5000, 3653)])
def test_log_retention_rounds_up_to_a_value_cloudwatch_accepts(asked, kept):
    assert log_retention_days(asked) == kept


def test_subnet_cidrs_are_carved_from_the_vpc():
    assert subnet_cidrs("10.40.0.0/16", 3) == ["10.40.0.0/20", "10.40.16.0/20", "10.40.32.0/20"]
    with pytest.raises(ValueError, match="too small"):
        subnet_cidrs("10.40.0.0/26", 2)
    with pytest.raises(ValueError, match="IPv4"):
        subnet_cidrs("fd00::/56", 2)
