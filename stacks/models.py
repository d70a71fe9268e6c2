"""Typed stack configuration: one frozen root model validates the whole ``Pulumi.<stack>.yaml``.

Every default lives here. Every bound that comes from the production checklist cites it through
``stacks.checklist``. Secrets are typed :data:`Secret`: in the stack file they must be ``secure:``
values (``pulumi config set --secret``); at run time they are ``SecretStr`` so they never print.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from stacks import checklist, netspace

PROJECT = "chatpdd-infra"

# In the stack file a secret is an object ``{secure: <ciphertext>}``; the JSON Schema says so, and
# the loaders turn it into a SecretStr (decrypted by the CLI, an opaque placeholder offline).
SECURE_VALUE_SCHEMA = {
    "type": "object",
    "description": "A Pulumi secret: set it with `pulumi config set --secret --path <key> <value>`.",
    "properties": {"secure": {"type": "string", "minLength": 1}},
    "required": ["secure"],
    "additionalProperties": False,
}
Secret = Annotated[SecretStr, WithJsonSchema(SECURE_VALUE_SCHEMA)]

Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,40}[a-z0-9]$")]
BucketName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
Hostname = Annotated[str, StringConstraints(max_length=253, pattern=r"^([a-z0-9-]{1,63}\.)+[a-z]{2,63}$")]
Origin = Annotated[str, StringConstraints(pattern=r"^https://([a-z0-9-]{1,63}\.)+[a-z]{2,63}(:[0-9]{1,5})?$")]
# ASCII only: SNS and SMTP take these addresses, and a look-alike Unicode letter or an emoji is a typo at
# best and a spoofed recipient at worst.
Email = Annotated[str, StringConstraints(max_length=254,
                                         pattern=r"^[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+\.)+[A-Za-z]{2,63}$")]
AvailabilityZone = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-[0-9][a-z]$")]
# A CSP host source the config may inject into connect-src: a secure scheme and a full host name -- no `*`,
# no bare scheme, no `'keyword'`, and no `;`/`,`/space that would start another directive or policy (the
# pack's CSP evaluator, policies/chatpdd_policies/_csp.py, refuses the same in the header).
CspConnectSource = Annotated[str, StringConstraints(
    pattern=r"^(https|wss)://([a-z0-9-]{1,63}\.)+[a-z]{2,63}(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$")]


# Bounds on every list and map of the config (issue 21): far above what a real stack holds (the committed stacks
# have 1-3 entries), far below what makes validation, the program and the reports slow (ten thousand CORS
# origins). A bound is a refusal with one line, visible in the JSON Schema (maxItems / maxProperties).
MAX_ACCOUNTS = 10
MAX_NETWORKS = 50  # CIDR allow-lists (ingress, Redis source IPs)
MAX_ORIGINS = 20  # CORS origins, extra CSP connect-src hosts
MAX_EMAILS = 20  # per alert severity
MAX_SECRETS = 50  # external API keys


class Model(BaseModel):
    """Base for every config section: immutable, and unknown keys are errors, not ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


def _private_cidr(value: str) -> str:
    net = ipaddress.ip_network(value, strict=True)
    if net.prefixlen == 0:
        raise ValueError("the whole internet (0.0.0.0/0 or ::/0) is never an allowed network")
    return str(net)


Cidr = Annotated[str, AfterValidator(_private_cidr), Field(description="A CIDR block other than 0.0.0.0/0 or ::/0.")]


def _few_public_networks(value: list[str]) -> list[str]:
    """The union, not each entry: 0.0.0.0/1 + 128.0.0.0/1 is the internet without a /0 (stacks/netspace.py,
    the rule the pack judges with too); bounds: checklist.MIN_PUBLIC_PREFIX_V4/_V6."""
    total = netspace.public_addresses(value)
    limits = {4: checklist.MIN_PUBLIC_PREFIX_V4, 6: checklist.MIN_PUBLIC_PREFIX_V6}
    over = [f"{total[v]} public IPv{v} addresses, more than one /{limits[v]}"
            for v in (4, 6) if total[v] > 2 ** ((32 if v == 4 else 128) - limits[v])]
    if over:
        raise ValueError(f"together these networks open {' and '.join(over)} of the internet (private ranges do "
                         "not count); list only the app's egress networks")
    return value


Allowlist = Annotated[list[Cidr], AfterValidator(_few_public_networks)]


class AwsSettings(Model):
    """The explicit AWS provider (no default providers: see ``pulumi:disable-default-providers``)."""

    region: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$")] = "us-east-1"
    allowed_account_ids: list[Annotated[str, StringConstraints(pattern=r"^[0-9]{12}$")]] = Field(
        min_length=1, max_length=MAX_ACCOUNTS, description="Accounts this stack may touch; the provider refuses any other."
    )


class NetworkSettings(Model):
    vpc_cidr: Cidr = "10.40.0.0/16"
    availability_zones: list[AvailabilityZone] = Field(min_length=2, max_length=6)
    app_ingress_cidrs: Allowlist = Field(
        min_length=1, max_length=MAX_NETWORKS,
        description=(
            "Networks allowed to reach PostgreSQL through the RDS Proxy: the app's declared egress path "
            "(Vercel Secure Compute peering CIDRs or fixed egress IPs). Never 0.0.0.0/0."
        ),
    )
    flow_log_retention_days: int = Field(default=365, ge=30)


class DatabaseSettings(Model):
    instance_class: Annotated[str, StringConstraints(pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$")] = "db.r6g.large"
    replica_instance_class: Annotated[str, StringConstraints(pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$")] | None = None
    # Major version only: with auto minor upgrades on, a pinned "16.4" would read as a downgrade once
    # AWS patches the instance (the provider compares the configured prefix with the running version).
    engine_version: Annotated[str, StringConstraints(pattern=r"^1[4-7]$")] = "16"
    database_name: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")] = "chatpdd"
    master_username: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,15}$")] = "chatpdd_admin"
    allocated_storage_gb: int = Field(default=100, ge=20, le=65536)
    max_allocated_storage_gb: int = Field(default=500, ge=20, le=65536)
    # Checklist "cleanup-old-backups.ts --retention-days=30": automated backups kept >= 30 days.
    backup_retention_days: int = Field(default=checklist.BACKUP_RETENTION_DAYS, ge=checklist.BACKUP_RETENTION_DAYS, le=35)
    read_replicas: int = Field(default=1, ge=0, le=5, description="Checklist: read replicas configured (if applicable).")
    # Set explicitly (not left to the instance-class formula) so the proxy pool size is known at preview.
    max_connections: int = Field(default=400, ge=100, le=5000)
    # Checklist "connection pool size optimized (recommended: 50+ connections)".
    proxy_max_connections_percent: int = Field(default=50, ge=1, le=100)
    proxy_max_idle_connections_percent: int = Field(default=25, ge=0, le=100)
    proxy_idle_client_timeout_seconds: int = Field(default=1800, ge=60, le=28800)
    proxy_connection_borrow_timeout_seconds: int = Field(
        default=120, ge=1, le=3600,
        description="Seconds a client waits for a pooled connection before the RDS Proxy refuses it (AWS default 120).",
    )
    # Checklist "Database query time < 100ms" -> log every statement slower than this.
    slow_query_ms: int = Field(default=checklist.SLOW_QUERY_MS, ge=0, le=checklist.SLOW_QUERY_MS)
    performance_insights_retention_days: Literal[7, 731] = checklist.MIN_PERFORMANCE_INSIGHTS_RETENTION_DAYS
    monitoring_interval_seconds: Literal[1, 5, 10, 15, 30, 60] = 60
    restore_snapshot_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9:-]{0,254}$")] | None = Field(
        default=None,
        description="Restore the primary from this snapshot (the checklist's restore path). Replaces the instance.",
    )
    credentials_rotation: int = Field(default=1, ge=1, description="Bump to generate a new proxy password.")
    # Checklist "test-disaster-recovery.ts": the primary's automated backups (snapshots and transaction logs) are
    # replicated into storage.dr_region, so a point-in-time restore survives the loss of the stack's region.
    # Production must (pack: aws-rds-instance-configure-backup-replication); staging may turn it off.
    dr_backup_replication: bool = Field(default=True, description="Replicate the primary's automated backups to "
                                                                   "storage.dr_region.")

    @model_validator(mode="after")
    def _pool_and_storage(self) -> DatabaseSettings:
        pool = self.max_connections * self.proxy_max_connections_percent // 100
        if pool < checklist.MIN_POOL_CONNECTIONS:
            raise ValueError(
                f"the RDS Proxy pool is max_connections x proxy_max_connections_percent / 100 = {pool} "
                f"connections; the checklist asks for at least {checklist.MIN_POOL_CONNECTIONS}"
            )
        if self.max_allocated_storage_gb < self.allocated_storage_gb:
            raise ValueError("max_allocated_storage_gb must be >= allocated_storage_gb")
        if self.proxy_max_idle_connections_percent > self.proxy_max_connections_percent:
            raise ValueError("database.proxy_max_idle_connections_percent must not exceed "
                             "proxy_max_connections_percent (RDS Proxy refuses it)")
        return self

    @property
    def pool_connections(self) -> int:
        """Connections the app's pool gets through the proxy: ``max_connections x percent / 100``."""
        return self.max_connections * self.proxy_max_connections_percent // 100


RedisPersistence = Literal[
    "aof-every-1-second",
    "aof-every-write",
    "snapshot-every-1-hour",
    "snapshot-every-6-hours",
    "snapshot-every-12-hours",
]


class RedisAlertThresholds(Model):
    dataset_size_percent: int = Field(default=80, ge=1, le=95)
    latency_ms: int = Field(default=5, ge=1, le=100)
    connections_limit: int = Field(default=5000, ge=100)
    throughput_ops: int = Field(default=25000, ge=100)


# Redis Cloud needs a /24 for the subscription's deployment network (SDK: "The total number of bits must
# be 24").
REDIS_DEPLOYMENT_CIDR_PREFIX = 24


class CacheSettings(Model):
    """Redis Cloud (Pro) subscription and database. Checklist: persistence, memory, alerts."""

    payment_method_id: Annotated[str, StringConstraints(pattern=r"^[0-9]+$")]
    cloud_region: str = "us-east-1"
    deployment_cidr: Cidr = "10.41.0.0/24"
    memory_limit_gb: float = Field(default=2.0, ge=0.1, le=500)
    persistence: RedisPersistence = "aof-every-1-second"
    eviction_policy: Literal[
        "volatile-lru", "volatile-lfu", "volatile-ttl", "volatile-random", "allkeys-lru", "allkeys-lfu", "noeviction"
    ] = "volatile-lru"
    source_ips: Allowlist = Field(
        min_length=1, max_length=MAX_NETWORKS,
        description="Who may reach the database's public TLS endpoint: the app's fixed egress IPs. Never 0.0.0.0/0.",
    )
    backup_interval: Literal["every-1-hours", "every-2-hours", "every-4-hours", "every-6-hours", "every-12-hours", "every-24-hours"] = "every-6-hours"
    alerts: RedisAlertThresholds = RedisAlertThresholds()
    api_key: Secret
    secret_key: Secret
    password_rotation: int = Field(default=1, ge=1, description="Bump to generate a new Redis password.")

    @field_validator("deployment_cidr")
    @classmethod
    def _deployment_cidr_size(cls, value: str) -> str:
        if ipaddress.ip_network(value).prefixlen != REDIS_DEPLOYMENT_CIDR_PREFIX:
            raise ValueError(f"cache.deployment_cidr must be a /{REDIS_DEPLOYMENT_CIDR_PREFIX} (Redis Cloud), "
                             f"got {value}")
        return value


# The pattern of AwsSettings.region, for regions named elsewhere in the config.
Region = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$")]
DR_BUCKET_SUFFIX = "-dr"  # the disaster-recovery replica of the backups bucket is `<backups_bucket_name>-dr`


class StorageSettings(Model):
    backups_bucket_name: BucketName
    uploads_bucket_name: BucketName
    access_logs_bucket_name: BucketName = Field(
        description=(
            "Target of the S3 server access logs of the backups and uploads buckets (same account and region; "
            "encrypted with SSE-S3, the only default encryption log delivery supports)."
        ),
    )
    access_log_retention_days: int = Field(default=365, ge=90, description="Days an S3 server access log is kept.")
    canary_artifacts_bucket_name: BucketName = Field(
        description=(
            "Artifacts of the CloudWatch Synthetics canaries (screenshots, HAR files, logs): SSE-KMS, versioned, "
            "access-logged, expired after the checklist module's CANARY_ARTIFACT_RETENTION_DAYS."
        ),
    )
    dr_region: Region = Field(
        default="us-west-2",
        description=(
            "Region of the disaster-recovery replica of the backups bucket (`<backups_bucket_name>-dr`); "
            "must differ from aws.region."
        ),
    )
    # Checklist "cleanup-old-backups.ts --retention-days=30".
    backup_retention_days: int = Field(default=checklist.BACKUP_RETENTION_DAYS, ge=checklist.BACKUP_RETENTION_DAYS)
    object_lock_mode: Literal["GOVERNANCE", "COMPLIANCE"] = "GOVERNANCE"
    # A lock shorter than the retention leaves the rest of the retention deletable (checklist: 30 days).
    object_lock_days: int = Field(default=checklist.BACKUP_RETENTION_DAYS, ge=checklist.BACKUP_RETENTION_DAYS)
    max_upload_size_mb: int = Field(default=50, ge=1, le=5000, description="Checklist: file size limits enforced.")
    backup_schedule: str = Field(default="cron(0 3 * * ? *)", pattern=r"^cron\(.+\)$")

    @model_validator(mode="after")
    def _lock_within_retention(self) -> StorageSettings:
        if self.object_lock_days > self.backup_retention_days:
            raise ValueError("object_lock_days must not exceed backup_retention_days (locked objects cannot expire)")
        return self

    @model_validator(mode="after")
    def _bucket_names(self) -> StorageSettings:
        if len(self.dr_bucket_name) > 63:
            raise ValueError(f"backups_bucket_name must leave room for the '{DR_BUCKET_SUFFIX}' suffix of its "
                             f"disaster-recovery replica (S3 bucket names have at most 63 characters)")
        names = [self.backups_bucket_name, self.uploads_bucket_name, self.access_logs_bucket_name, self.dr_bucket_name,
                 self.canary_artifacts_bucket_name]
        if len(set(names)) != len(names):
            raise ValueError("backups_bucket_name, uploads_bucket_name, access_logs_bucket_name, "
                             "canary_artifacts_bucket_name and the replica "
                             f"<backups_bucket_name>{DR_BUCKET_SUFFIX} must be five different buckets")
        return self

    @property
    def dr_bucket_name(self) -> str:
        """The DR replica of the backups bucket: ``<backups bucket>-dr``."""
        return self.backups_bucket_name + DR_BUCKET_SUFFIX


class CacheTtls(Model):
    """Checklist "Caching Strategy": sessions 2 h, project 30 min, team members 10 min, workspace 1 h."""

    session_seconds: int = Field(default=checklist.CACHE_TTL_SECONDS["CACHE_TTL_SESSION_SECONDS"], ge=60)
    project_seconds: int = Field(default=checklist.CACHE_TTL_SECONDS["CACHE_TTL_PROJECT_SECONDS"], ge=60)
    team_members_seconds: int = Field(default=checklist.CACHE_TTL_SECONDS["CACHE_TTL_TEAM_MEMBERS_SECONDS"], ge=60)
    workspace_seconds: int = Field(default=checklist.CACHE_TTL_SECONDS["CACHE_TTL_WORKSPACE_SECONDS"], ge=60)


class RateLimit(Model):
    """Checklist "Rate limiting enabled and configured" / "API rate limiting configured"."""

    requests: int = Field(default=100, ge=1, le=checklist.API_RATE_LIMIT_MAX_PER_MINUTE)
    window_seconds: int = Field(default=60, ge=10, le=3600)

    @model_validator(mode="after")
    def _within_ceiling(self) -> RateLimit:
        per_minute = self.requests * 60 / self.window_seconds
        if per_minute > checklist.API_RATE_LIMIT_MAX_PER_MINUTE:
            raise ValueError(f"{self.requests} requests per {self.window_seconds} s is {per_minute:g} a minute; the "
                             f"ceiling is {checklist.API_RATE_LIMIT_MAX_PER_MINUTE} a minute per client")
        return self


class FeatureFlags(Model):
    """Flipping one and running ``pulumi up`` is the checklist's partial rollback."""

    collaboration: bool = True
    real_time: bool = True
    websockets: bool = True


class Smtp(Model):
    host: Hostname
    port: Literal[465, 587, 2465, 2587] = 587
    username: str = Field(min_length=1)
    password: Secret
    from_address: Email


class AppSettings(Model):
    """The Next.js app on Vercel: env vars, headers, firewall."""

    domain: Hostname
    vercel_team_id: Annotated[str, StringConstraints(pattern=r"^team_[A-Za-z0-9]+$")]
    vercel_project_name: Name = "chatpdd"
    vercel_api_token: Secret
    git_repository: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")] | None = None
    # Checklist "Session timeout configured appropriately (8-24 hours)".
    session_timeout_hours: int = Field(
        default=12, ge=checklist.SESSION_TIMEOUT_MIN_HOURS, le=checklist.SESSION_TIMEOUT_MAX_HOURS
    )
    cache_ttls: CacheTtls = CacheTtls()
    rate_limit: RateLimit = RateLimit()
    feature_flags: FeatureFlags = FeatureFlags()
    cors_origins: list[Origin] = Field(min_length=1, max_length=MAX_ORIGINS)
    extra_csp_connect_src: list[CspConnectSource] = Field(
        default_factory=list, max_length=MAX_ORIGINS,
        description="Extra hosts the browser may connect to (CSP connect-src): https:// or wss:// with a full host name.",
    )
    smtp: Smtp
    error_tracking_dsn: Secret
    external_api_keys: dict[Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{1,63}$")], Secret] = Field(
        default_factory=dict, max_length=MAX_SECRETS
    )
    # Bump to generate new JWT and session secrets (checklist "JWT and authentication secrets rotated").
    auth_secrets_rotation: int = Field(default=1, ge=1)
    hsts_max_age_seconds: int = Field(default=63072000, ge=checklist.MIN_HSTS_MAX_AGE_SECONDS)



class AlertSubscriptions(Model):
    critical: list[Email] = Field(min_length=1, max_length=MAX_EMAILS)
    warning: list[Email] = Field(min_length=1, max_length=MAX_EMAILS)
    info: list[Email] = Field(default_factory=list, max_length=MAX_EMAILS)


class MonitoringSettings(Model):
    """Checklist "Alert Configuration". Thresholds may be stricter than the checklist, never looser."""

    alert_emails: AlertSubscriptions
    health_check_interval_seconds: Literal[10, 30] = 30
    health_check_failure_threshold: int = Field(
        default=3, ge=1, le=10,
        description="Consecutive failures before a health check is unhealthy; x health_check_interval_seconds "
                    f"at most {checklist.HEALTH_CHECK_MAX_SECONDS_TO_UNHEALTHY} s.")
    replica_lag_seconds: int = Field(default=int(checklist.ALARM_CHECKS["replica-lag-warning"].limit), ge=1,
                                     le=int(checklist.ALARM_CHECKS["replica-lag-warning"].limit))
    thresholds: dict[str, float] = Field(
        default_factory=dict, max_length=len(checklist.ALARM_CHECKS),
        description="Per-check overrides (check id -> threshold), stricter than the checklist only.",
    )
    log_retention_days: int = Field(default=90, ge=30)
    # "Alerts that reach people": besides the e-mails, the critical and warning topics notify a chat channel and
    # the critical one a pager, each through an HTTPS subscription. The URLs carry their integration's token:
    # secrets (`pulumi config set --secret`). The endpoint must confirm the SNS subscription itself (chat and
    # paging integrations that accept SNS do: Slack via AWS Chatbot's webhook, PagerDuty, Opsgenie).
    chat_webhook_url: Secret = Field(description="HTTPS endpoint of the team's chat channel integration (critical "
                                                 "and warning alerts); a secret.")
    pager_webhook_url: Secret | None = Field(default=None, description="HTTPS endpoint of the on-call pager "
                                                                       "(critical alerts); a secret.")
    # Synthetic monitoring ("API response times < 500ms", "Page load times < 3 seconds"): how often the canaries
    # run. The pack requires at most stacks.checklist.CANARY_MAX_INTERVAL_MINUTES (staging's pack config allows
    # more).
    canary_interval_minutes: int = Field(default=checklist.CANARY_MAX_INTERVAL_MINUTES, ge=1, le=60,
                                         description="Minutes between two runs of each canary.")

    @model_validator(mode="after")
    def _health_checks_fail_fast(self) -> MonitoringSettings:
        seconds = self.health_check_failure_threshold * self.health_check_interval_seconds
        if seconds > checklist.HEALTH_CHECK_MAX_SECONDS_TO_UNHEALTHY:
            raise ValueError(f"health_check_failure_threshold x health_check_interval_seconds = {seconds} s before a "
                             f"failing endpoint counts as down; at most {checklist.HEALTH_CHECK_MAX_SECONDS_TO_UNHEALTHY} s")
        return self

    @field_validator("thresholds")
    @classmethod
    def _not_looser(cls, v: dict[str, float]) -> dict[str, float]:
        for check_id, value in v.items():
            check = checklist.ALARM_CHECKS.get(check_id)
            if check is None:
                raise ValueError(f"unknown check id {check_id!r}; known: {', '.join(sorted(checklist.ALARM_CHECKS))}")
            looser = value > check.limit if check.comparison == "GreaterThanThreshold" else value < check.limit
            if looser:
                raise ValueError(f"{check_id} = {value} is looser than the checklist's {check.limit} ({check.checklist})")
        return v

    def threshold(self, check_id: str) -> float:
        """The threshold of ``check_id`` for this stack: the override, else the checklist's."""
        return self.thresholds.get(check_id, checklist.ALARM_CHECKS[check_id].limit)


class BucketUsage(Model):
    """What one bucket holds and serves in a month (the cost estimate's assumptions, docs/cost.md)."""

    stored_gb: float = Field(ge=0, description="GB stored on average (current and noncurrent versions).")
    written_gb_per_month: float = Field(ge=0, description="GB written a month (what replication copies).")
    put_requests_per_month: int = Field(ge=0, description="PUT/COPY/POST/LIST requests a month.")
    get_requests_per_month: int = Field(ge=0, description="GET/SELECT requests a month.")


def _bucket_usage(what: str, **usage: float) -> Any:
    """A bucket role's default usage, stated in its description (a given section needs all four keys)."""
    default = BucketUsage(**usage)  # type: ignore[arg-type]
    return Field(default=default, description=f"{what} Default: " + ", ".join(
        f"{key} {value:.12g}" for key, value in default.model_dump().items()) + ".")


class StorageUsage(Model):
    """Per bucket role. The DR replica holds what the backups bucket holds (in the replication's storage class)."""

    backups: BucketUsage = _bucket_usage("The backups bucket (Role=backups) and its DR replica.", stored_gb=300,
                                         written_gb_per_month=300, put_requests_per_month=50_000,
                                         get_requests_per_month=5_000)
    uploads: BucketUsage = _bucket_usage("The uploads bucket (Role=uploads).", stored_gb=100, written_gb_per_month=10,
                                         put_requests_per_month=200_000, get_requests_per_month=2_000_000)
    # S3 does not bill the PUTs of server access log delivery: only what the logs occupy.
    access_logs: BucketUsage = _bucket_usage("The access-logs bucket (log delivery PUTs are not billed).",
                                             stored_gb=20, written_gb_per_month=2, put_requests_per_month=0,
                                             get_requests_per_month=1_000)
    other: BucketUsage = _bucket_usage("Any bucket whose Role tag has no entry above.", stored_gb=10,
                                       written_gb_per_month=1, put_requests_per_month=10_000,
                                       get_requests_per_month=10_000)


class DatabaseUsage(Model):
    backup_storage_factor: float = Field(
        default=1.5, ge=0, le=50,
        description="Automated backup storage as a multiple of the primary's allocated storage (RDS bills the "
                    "part above 1x: backups up to the provisioned size are free).")
    logs_gb_per_instance_month: float = Field(
        default=5, ge=0, description="CloudWatch Logs ingested a month per instance (exported PostgreSQL logs and "
                                     "Enhanced Monitoring).")
    backup_replication_gb_per_month: float = Field(
        default=100, ge=0, description="Backup data copied a month to the DR region when automated backups are "
                                       "replicated there (snapshot increments and transaction logs).")


class UsageSettings(Model):
    """Usage assumptions of the monthly cost estimate (gate/cost/cost.py, docs/cost.md); defaults apply per key.

    Every usage-driven price takes its quantity from here, never from a silent zero."""

    storage: StorageUsage = StorageUsage()
    database: DatabaseUsage = DatabaseUsage()
    flow_logs_gb_per_month: float = Field(default=20, ge=0, description="VPC flow log volume into CloudWatch Logs.")
    other_logs_gb_per_month: float = Field(default=1, ge=0,
                                           description="Ingested a month by any other log group the program creates.")
    alarm_notifications_per_month: int = Field(default=300, ge=0,
                                               description="Messages published per alert topic a month.")
    kms_requests_per_key_month: int = Field(default=100_000, ge=0, description="KMS API requests per key a month.")
    secrets_api_calls_per_month: int = Field(default=10_000, ge=0, description="Secrets Manager calls per secret.")
    backup_vault_factor: float = Field(
        default=1.5, ge=0, le=50,
        description="AWS Backup recovery points as a multiple of the protected database's allocated storage "
                    "(one full snapshot plus the daily increments kept).")


class Budget(Model):
    """The monthly cost budget: over either key is a blocking gate-cost-budget finding (docs/cost.md).

    ``monthly_usd`` caps the estimate; with ``--base``, ``max_increase_percent`` caps one pull request's increase."""

    monthly_usd: float = Field(gt=0, le=10_000_000, description="Ceiling of the monthly cost estimate, USD.")
    max_increase_percent: float = Field(default=10, gt=0, le=1000,
                                        description="Largest increase of the estimate one pull request may make.")


class StackConfig(Model):
    """The whole ``chatpdd-infra:*`` namespace of one stack file."""

    # An AWS tag value on every resource: the characters AWS accepts in tags, ASCII only.
    owner: Annotated[str, StringConstraints(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9 _.:/=+@-]+$")]
    data_classification: Literal["confidential", "internal", "public"] = "confidential"
    aws: AwsSettings
    network: NetworkSettings
    database: DatabaseSettings = DatabaseSettings()
    cache: CacheSettings
    storage: StorageSettings
    app: AppSettings
    monitoring: MonitoringSettings
    usage: UsageSettings = UsageSettings()
    budget: Budget | None = Field(default=None, description="No budget: the estimate is reported, nothing blocks.")

    @model_validator(mode="after")
    def _dr_region_is_another_region(self) -> StackConfig:
        # Checklist "Verify disaster recovery procedures": a replica in the same region would share its outage.
        if self.storage.dr_region == self.aws.region:
            # Reported at the key that must change (a plain ValueError here would point at the whole config).
            raise ValidationError.from_exception_data(type(self).__name__, [InitErrorDetails(
                type=PydanticCustomError(
                    "value_error", "must differ from aws.region ({region}): the disaster-recovery replica of the "
                    "backups must survive an outage of the stack's region", {"region": self.aws.region}),
                loc=("storage", "dr_region"), input=self.storage.dr_region)])
        return self
