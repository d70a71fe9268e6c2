"""STUB -- replaced by the Network component implementation (see docs/architecture.md)."""
from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.base import TYPE_PREFIX, StackContext
from stacks.models import NetworkSettings


@dataclass(frozen=True)
class NetworkArgs:
    context: StackContext
    settings: NetworkSettings


class Network(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    subnet_ids: list[pulumi.Output[str]]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:Network", name, None, opts)
        self.vpc_id = pulumi.Output.from_input("vpc-stub")
        self.subnet_ids = [pulumi.Output.from_input(f"subnet-stub-{i}") for i, _ in enumerate(args.settings.availability_zones)]
        self.register_outputs({"vpc_id": self.vpc_id})
