"""STUB -- replaced by the Monitoring component implementation (see docs/architecture.md)."""
from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.base import TYPE_PREFIX, StackContext
from stacks.models import DatabaseSettings, MonitoringSettings


@dataclass(frozen=True)
class MonitoringArgs:
    context: StackContext
    settings: MonitoringSettings
    database: DatabaseSettings
    primary_identifier: str
    replica_identifiers: list[str]
    proxy_name: str
    app_domain: str
    us_east_1_provider: aws.Provider


class Monitoring(pulumi.ComponentResource):
    topic_arns: dict[str, pulumi.Output[str]]  # severity -> topic ARN
    alarms: dict[str, list[str]]  # check id (stacks.checklist.ALARM_CHECKS) -> alarm names
    health_check_ids: dict[str, pulumi.Output[str]]  # endpoint path -> Route 53 health check id
    dashboard_name: str

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:Monitoring", name, None, opts)
        self.topic_arns = {}
        self.alarms = {}
        self.health_check_ids = {}
        self.dashboard_name = args.context.name("overview")
        self.register_outputs({"dashboard_name": self.dashboard_name})
