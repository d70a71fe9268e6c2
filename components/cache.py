"""Cache: the Redis Cloud (Pro) subscription and its one database.

Checklist "Redis Configuration": memory (`memory_limit_gb`, eviction policy), persistence (`persistence`,
AOF in production), cluster/HA (replication on, the subscription spread over multiple availability
zones), monitoring alerts (dataset size, latency, connections, throughput), and "Redis connectivity"
(TLS-only, source-IP allowlist, a generated password in a `rediss://` URL). Remote backups go to the
Storage component's backups bucket. The resource contract is docs/architecture.md, "Cache".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pulumi
import pulumi_random as random
import pulumi_rediscloud as rediscloud

from components.base import TYPE_PREFIX, StackContext, child, stateful
from stacks.models import CacheSettings

# Provisioned throughput: the "throughput-higher-than" alert (config) fires at 80% of what we buy, so
# there is headroom to react before Redis Cloud throttles. Redis Cloud sizes throughput in 1,000s of ops/s.
THROUGHPUT_ALERT_SHARE = 0.8
THROUGHPUT_STEP_OPS = 1000


@dataclass(frozen=True)
class CacheArgs:
    """What the Cache component needs: the stack, its cache settings and where remote backups go."""
    context: StackContext
    settings: CacheSettings
    backup_path: str


def provisioned_throughput_ops(settings: CacheSettings) -> int:
    """Ops/s to provision so the configured throughput alert sits at THROUGHPUT_ALERT_SHARE of capacity."""
    wanted = settings.alerts.throughput_ops / THROUGHPUT_ALERT_SHARE
    return int(math.ceil(wanted / THROUGHPUT_STEP_OPS) * THROUGHPUT_STEP_OPS)


class Cache(pulumi.ComponentResource):
    """Redis Cloud: a multi-AZ subscription and one replicated, TLS-only database with alerts and backups."""
    subscription_id: pulumi.Output[str]
    database_id: pulumi.Output[str]
    endpoint: pulumi.Output[str]  # host:port (public endpoint, TLS)
    private_endpoint: pulumi.Output[str]  # host:port, reachable only through a peering/PrivateLink path
    url: pulumi.Output[str]  # secret: rediss://default:<password>@<endpoint>

    def __init__(self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:Cache", name, None, opts)
        ctx, s = args.context, args.settings
        throughput = provisioned_throughput_ops(s)

        subscription = self._subscription(name, ctx, s, throughput)
        secret_password = self._password(name, s)
        database = self._database(name, ctx, s, throughput, subscription, secret_password, args.backup_path)

        self.subscription_id = subscription.id
        self.database_id = database.db_id.apply(lambda db_id: str(db_id))
        self.endpoint = database.public_endpoint
        self.private_endpoint = database.private_endpoint
        self.url = pulumi.Output.secret(pulumi.Output.all(secret_password, database.public_endpoint).apply(
            lambda parts: f"rediss://default:{parts[0]}@{parts[1]}"))

        self.register_outputs({
            "subscription_id": self.subscription_id,
            "database_id": self.database_id,
            "endpoint": self.endpoint,
            "private_endpoint": self.private_endpoint,
            "url": self.url,
        })

    def _subscription(self, name: str, ctx: StackContext, s: CacheSettings,
                      throughput: int) -> rediscloud.Subscription:
        """The multi-AZ Redis Cloud subscription, sized by its creation plan."""
        subscription = rediscloud.Subscription(
            f"{name}-subscription",
            name=ctx.name("redis"),
            payment_method="credit-card",
            payment_method_id=s.payment_method_id,
            memory_storage="ram",
            cloud_provider={
                "provider": "AWS",
                "regions": [{
                    "region": s.cloud_region,
                    "networking_deployment_cidr": s.deployment_cidr,
                    # Checklist "Redis cluster setup (if high availability required)": primary and replica
                    # shards in different availability zones, so one zone's outage is a failover, not data loss.
                    "multiple_availability_zones": True,
                }],
            },
            # Redis Cloud sizes the subscription's cluster from this plan when it is created.
            creation_plan={
                "memory_limit_in_gb": s.memory_limit_gb,
                "quantity": 1,
                "replication": True,
                "throughput_measurement_by": "operations-per-second",
                "throughput_measurement_value": throughput,
                "support_oss_cluster_api": False,
            },
            opts=stateful(self),
        )
        return subscription

    def _password(self, name: str, s: CacheSettings) -> pulumi.Output[str]:
        """The generated database password, a Pulumi secret; it rotates with ``cache.password_rotation``."""
        # Alphanumeric only: the password goes verbatim into the REDIS_URL userinfo. Bump
        # `password_rotation` in config to rotate (checklist "authentication secrets rotated").
        password = random.RandomPassword(
            f"{name}-password",
            length=40,
            special=False,
            min_lower=4,
            min_upper=4,
            min_numeric=4,
            keepers={"rotation": str(s.password_rotation)},
            opts=child(self, additional_secret_outputs=["result"]),
        )
        secret_password: pulumi.Output[str] = pulumi.Output.secret(password.result)
        return secret_password

    def _database(self, name: str, ctx: StackContext, s: CacheSettings, throughput: int,
                  subscription: rediscloud.Subscription, secret_password: pulumi.Output[str],
                  backup_path: str) -> rediscloud.SubscriptionDatabase:
        """The replicated, TLS-only database with persistence, alerts and remote backups."""
        database = rediscloud.SubscriptionDatabase(
            f"{name}-database",
            subscription_id=subscription.id,
            name=ctx.name("cache"),
            protocol="redis",
            # Checklist "Redis memory configuration optimized": the memory limit, and an eviction policy
            # (volatile-lru by default) that under memory pressure drops least-recently-used keys that carry a
            # TTL -- every cache entry has one (checklist "Caching Strategy") -- instead of failing writes.
            memory_limit_in_gb=s.memory_limit_gb,
            data_eviction=s.eviction_policy,
            # Checklist "Redis persistence settings configured".
            data_persistence=s.persistence,
            replication=True,
            # Checklist "Data in transit encryption verified" / "Session data encryption verified".
            enable_tls=True,
            password=secret_password,
            # Only the app's declared egress networks may connect (never 0.0.0.0/0; the model refuses it).
            source_ips=list(s.source_ips),
            throughput_measurement_by="operations-per-second",
            throughput_measurement_value=throughput,
            support_oss_cluster_api=False,
            # Checklist "Redis monitoring alerts configured": Redis Cloud emails the account's alert
            # recipients when a threshold is crossed.
            alerts=[
                {"name": "dataset-size", "value": s.alerts.dataset_size_percent},
                {"name": "latency", "value": s.alerts.latency_ms},
                {"name": "connections-limit", "value": s.alerts.connections_limit},
                {"name": "throughput-higher-than", "value": s.alerts.throughput_ops},
            ],
            # Off-site RDB backups into the SSE-KMS, object-locked backups bucket (Storage component).
            remote_backup={
                "interval": s.backup_interval,
                "storage_type": "aws-s3",
                "storage_path": backup_path,
            },
            opts=stateful(self),
        )
        return database
