"""STUB -- replaced by the Database component implementation (see docs/architecture.md)."""
from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.base import TYPE_PREFIX, StackContext
from stacks.models import DatabaseSettings


@dataclass(frozen=True)
class DatabaseArgs:
    context: StackContext
    settings: DatabaseSettings
    vpc_id: pulumi.Input[str]
    subnet_ids: list[pulumi.Input[str]]
    availability_zones: list[str]
    app_ingress_cidrs: list[str]


class Database(pulumi.ComponentResource):
    primary_identifier: str  # set explicitly from the stack name: known at preview
    primary_arn: pulumi.Output[str]
    replica_identifiers: list[str]
    proxy_name: str
    proxy_endpoint: pulumi.Output[str]
    proxy_read_only_endpoint: pulumi.Output[str]
    kms_key_arn: pulumi.Output[str]
    url: pulumi.Output[str]  # secret: postgresql://user:password@<proxy>:5432/<db>?sslmode=require
    read_url: pulumi.Output[str]  # secret: the same through the read-only proxy endpoint

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:Database", name, None, opts)
        ctx = args.context
        self.primary_identifier = ctx.name("db")
        self.primary_arn = pulumi.Output.from_input(f"arn:aws:rds:{ctx.region}:{ctx.account_id}:db:{self.primary_identifier}")
        self.replica_identifiers = [ctx.name(f"db-replica-{i + 1}") for i in range(args.settings.read_replicas)]
        self.proxy_name = ctx.name("db-proxy")
        self.proxy_endpoint = pulumi.Output.from_input("stub.proxy")
        self.proxy_read_only_endpoint = pulumi.Output.from_input("stub-ro.proxy")
        self.kms_key_arn = pulumi.Output.from_input("arn:aws:kms:stub")
        self.url = pulumi.Output.secret("postgresql://stub")
        self.read_url = pulumi.Output.secret("postgresql://stub-ro")
        self.register_outputs({"primary_identifier": self.primary_identifier})
