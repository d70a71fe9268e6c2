"""STUB -- replaced by the VercelApp component implementation (see docs/architecture.md)."""
from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.base import TYPE_PREFIX, StackContext
from stacks.checklist import HEALTH_ENDPOINTS
from stacks.models import AppSettings


@dataclass(frozen=True)
class VercelAppArgs:
    context: StackContext
    settings: AppSettings
    database_url: pulumi.Input[str]
    database_read_url: pulumi.Input[str]
    redis_url: pulumi.Input[str]
    uploads_bucket: str
    uploads_bucket_arn: str
    max_upload_size_mb: int


class VercelApp(pulumi.ComponentResource):
    project_id: pulumi.Output[str]
    base_url: str
    health_urls: list[str]

    def __init__(self, name: str, args: VercelAppArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:VercelApp", name, None, opts)
        self.project_id = pulumi.Output.from_input("prj_stub")
        self.base_url = f"https://{args.settings.domain}"
        self.health_urls = [self.base_url + p for p in HEALTH_ENDPOINTS]
        self.register_outputs({"base_url": self.base_url})
