"""STUB -- replaced by the Cache component implementation (see docs/architecture.md)."""
from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.base import TYPE_PREFIX, StackContext
from stacks.models import CacheSettings


@dataclass(frozen=True)
class CacheArgs:
    context: StackContext
    settings: CacheSettings
    backup_path: str


class Cache(pulumi.ComponentResource):
    subscription_id: pulumi.Output[str]
    database_id: pulumi.Output[str]
    endpoint: pulumi.Output[str]  # host:port (public endpoint, TLS)
    url: pulumi.Output[str]  # secret: rediss://default:<password>@<endpoint>

    def __init__(self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:Cache", name, None, opts)
        self.subscription_id = pulumi.Output.from_input("stub")
        self.database_id = pulumi.Output.from_input("stub")
        self.endpoint = pulumi.Output.from_input("stub:1")
        self.url = pulumi.Output.secret("rediss://stub")
        self.register_outputs({"endpoint": self.endpoint})
