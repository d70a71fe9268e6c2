"""STUB -- replaced by the Storage component implementation (see docs/architecture.md)."""
from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.base import TYPE_PREFIX, StackContext
from stacks.models import StorageSettings


@dataclass(frozen=True)
class StorageArgs:
    context: StackContext
    settings: StorageSettings
    cors_origins: list[str]
    database_arns: list[pulumi.Input[str]]


class Storage(pulumi.ComponentResource):
    kms_key_arn: pulumi.Output[str]
    backups_bucket: str  # explicit bucket names: known at preview
    uploads_bucket: str
    uploads_bucket_arn: str
    backup_vault_name: str
    backup_plan_id: pulumi.Output[str]
    redis_backup_path: str  # s3://<backups bucket>/redis

    def __init__(self, name: str, args: StorageArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:Storage", name, None, opts)
        s = args.settings
        self.kms_key_arn = pulumi.Output.from_input("arn:aws:kms:stub")
        self.backups_bucket = s.backups_bucket_name
        self.uploads_bucket = s.uploads_bucket_name
        self.uploads_bucket_arn = f"arn:aws:s3:::{s.uploads_bucket_name}"
        self.backup_vault_name = args.context.name("backup-vault")
        self.backup_plan_id = pulumi.Output.from_input("stub-plan")
        self.redis_backup_path = f"s3://{s.backups_bucket_name}/redis"
        self.register_outputs({"backups_bucket": self.backups_bucket})
