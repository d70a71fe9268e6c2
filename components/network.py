"""Network: the private VPC the database tier lives in.

One private subnet per configured availability zone, no internet gateway and no NAT: nothing in this
VPC is reachable from, or reaches, the internet. The app (Vercel functions) reaches PostgreSQL through
a declared path only -- Vercel Secure Compute peered into this VPC, whose networks are
`network.app_ingress_cidrs` and the only sources the Database component's security groups admit
(checklist "Network security groups configured"). The default security group is emptied and every
flow is logged (CIS AWS Foundations 5.4 / checkov CKV2_AWS_12, CIS 3.9 / checkov CKV2_AWS_11).
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.base import (
    TYPE_PREFIX,
    StackContext,
    assume_role_policy,
    child,
    customer_managed_key,
)
from stacks.models import NetworkSettings

# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy, "retentionInDays").
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                      2922, 3288, 3653)
# Each AZ subnet is 1/16 of the VPC (a /20 of a /16): room for six AZs and for tiers added later
# (VPC endpoints, a peering landing subnet) without renumbering. AWS's smallest subnet is a /28.
SUBNET_BITS = 4
SMALLEST_SUBNET_PREFIX = 28


def log_retention_days(days: int) -> int:
    """The smallest retention CloudWatch Logs accepts that keeps logs at least `days` days."""
    for allowed in LOG_RETENTION_DAYS:
        if allowed >= days:
            return allowed
    return LOG_RETENTION_DAYS[-1]


def subnet_cidrs(vpc_cidr: str, count: int) -> list[str]:
    """`count` consecutive subnets of `vpc_cidr`, each 2**SUBNET_BITS times smaller."""
    vpc = ipaddress.ip_network(vpc_cidr)
    if vpc.version != 4:
        raise ValueError(f"network.vpc_cidr {vpc_cidr} must be IPv4 (a VPC's primary CIDR block is IPv4)")
    new_prefix = vpc.prefixlen + SUBNET_BITS
    if new_prefix > SMALLEST_SUBNET_PREFIX:
        raise ValueError(f"network.vpc_cidr {vpc_cidr} is too small: per-AZ subnets would be /{new_prefix}, "
                         f"AWS allows /{SMALLEST_SUBNET_PREFIX} at the smallest")
    return [str(net) for net, _ in zip(vpc.subnets(new_prefix=new_prefix), range(count), strict=False)]


@dataclass(frozen=True)
class NetworkArgs:
    """What the Network component needs: the stack and its network settings."""
    context: StackContext
    settings: NetworkSettings


class Network(pulumi.ComponentResource):
    """A private VPC for the database tier: private subnets, a closed default security group, flow logs."""
    vpc_id: pulumi.Output[str]
    subnet_ids: list[pulumi.Output[str]]
    subnet_cidrs: list[str]
    flow_log_group_name: str

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:Network", name, None, opts)
        ctx, s = args.context, args.settings

        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=s.vpc_cidr,
            # RDS and RDS Proxy endpoints are DNS names that resolve to private addresses: both flags are
            # required for them to resolve inside the VPC and across the Vercel peering.
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags=ctx.tags(role="vpc", Name=ctx.name("vpc")),
            opts=child(self),
        )

        # Lock the default security group down: anything launched without an explicit group would
        # otherwise talk freely to everything else in it (CIS 5.4, checkov CKV2_AWS_12). Empty rule
        # lists make the provider revoke whatever AWS created.
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg",
            vpc_id=vpc.id,
            ingress=[],
            egress=[],
            tags=ctx.tags(role="default-sg-locked", Name=ctx.name("default-sg")),
            opts=child(self),
        )

        # Private subnets only: map_public_ip_on_launch off and no internet gateway route anywhere.
        self.subnet_cidrs = subnet_cidrs(s.vpc_cidr, len(s.availability_zones))
        subnets: list[aws.ec2.Subnet] = []
        for az, cidr in zip(s.availability_zones, self.subnet_cidrs, strict=True):
            subnet = aws.ec2.Subnet(
                f"{name}-private-{az}",
                vpc_id=vpc.id,
                cidr_block=cidr,
                availability_zone=az,
                map_public_ip_on_launch=False,
                tags=ctx.tags(role="private-subnet", Name=ctx.name(f"private-{az}"), Tier="private"),
                opts=child(self),
            )
            # A route table per subnet, holding only the implicit local route. Its own table (not the
            # VPC's main one) means the peering route to app_ingress_cidrs, added when Vercel Secure
            # Compute's peering connection is accepted, is an explicit per-subnet change.
            table = aws.ec2.RouteTable(
                f"{name}-private-{az}",
                vpc_id=vpc.id,
                tags=ctx.tags(role="private-route-table", Name=ctx.name(f"private-{az}")),
                opts=child(self),
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{az}", subnet_id=subnet.id, route_table_id=table.id, opts=child(self),
            )
            subnets.append(subnet)

        self.flow_log_group_name = self._flow_logs(name, ctx, s, vpc)

        self.vpc_id = vpc.id
        self.subnet_ids = [subnet.id for subnet in subnets]
        self.register_outputs({
            "vpc_id": self.vpc_id,
            "subnet_ids": self.subnet_ids,
            "flow_log_group_name": self.flow_log_group_name,
        })

    def _flow_logs(self, name: str, ctx: StackContext, s: NetworkSettings, vpc: aws.ec2.Vpc) -> str:
        """VPC flow logs of ALL traffic (accepted and rejected) to an encrypted CloudWatch log group
        (CIS 3.9 / checkov CKV2_AWS_11): the record of who talked to the database tier. Returns the log
        group's name."""
        group_name = f"/aws/vpc/{ctx.name('flow-logs')}"
        log_group_arn = f"arn:{ctx.partition}:logs:{ctx.region}:{ctx.account_id}:log-group:{group_name}"

        # Flow logs name the peers of the database: the stack's data classification applies, so they
        # are encrypted with a customer-managed key (checkov CKV_AWS_158). CloudWatch Logs may use the
        # key only for this log group (encryption-context condition, CloudWatch Logs User Guide,
        # "Encrypt log data in CloudWatch Logs using AWS KMS").
        key = customer_managed_key(
            self, f"{name}-flow-logs-key", ctx, alias=ctx.name("flow-logs"),
            alias_resource_name=f"{name}-flow-logs-key", description=f"{ctx.prefix} VPC flow logs",
            role="flow-logs-kms",
            statements=({
                "Sid": "CloudWatchLogsUsesTheKeyForTheFlowLogGroup",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{ctx.region}.amazonaws.com"},
                "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                           "kms:Describe*"],
                "Resource": "*",
                "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": log_group_arn}},
            },),
        )

        log_group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            name=group_name,
            retention_in_days=log_retention_days(s.flow_log_retention_days),
            kms_key_id=key.arn,
            tags=ctx.tags(role="flow-logs"),
            opts=child(self),
        )

        # The role VPC Flow Logs assumes to write into that one log group (VPC User Guide, "IAM role
        # for publishing flow logs to CloudWatch Logs"), for this account only.
        role = aws.iam.Role(
            f"{name}-flow-logs",
            name=ctx.name("vpc-flow-logs"),
            assume_role_policy=assume_role_policy(ctx, "vpc-flow-logs.amazonaws.com"),
            tags=ctx.tags(role="flow-logs"),
            opts=child(self),
        )
        policy = aws.iam.RolePolicy(
            f"{name}-flow-logs",
            role=role.id,
            policy=json.dumps({
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                        "Resource": [log_group_arn, f"{log_group_arn}:*"],
                    },
                    {
                        # DescribeLogGroups cannot be scoped to one group (Service Authorization Reference).
                        "Effect": "Allow",
                        "Action": "logs:DescribeLogGroups",
                        "Resource": f"arn:{ctx.partition}:logs:{ctx.region}:{ctx.account_id}:log-group:*",
                    },
                ],
            }),
            opts=child(self),
        )

        aws.ec2.FlowLog(
            f"{name}-flow-log",
            vpc_id=vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=log_group.arn,
            iam_role_arn=role.arn,
            # One-minute aggregation (default 10): an incident timeline is precise to the minute.
            max_aggregation_interval=60,
            tags=ctx.tags(role="flow-logs", Name=ctx.name("flow-log")),
            opts=child(self, depends_on=[policy]),
        )
        return group_name
