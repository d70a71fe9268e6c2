"""The production deployment checklist's numbers, the lists the policy pack enforces and the role tags,
in one place: the only file where a checklist threshold is written.

Every number is quoted from the checklist, ``docs/production-deployment-checklist.md`` (the line is in the
comment above it). The stack-config models use them as defaults and bounds, the components as settings,
role tags and alarm thresholds, the operations tool (`ops verify`) as the live-account expectation.

The policy pack cannot import this module (it runs in its own process and virtualenv), so
``python -m stacks.pack_defaults`` (``make schema``) writes every public constant below into the pack as
``policies/chatpdd_policies/_checklist.py``; policies take their defaults from there, and a test fails when
that generated module is stale. Only plain data here (numbers, strings, tuples, dicts, :class:`AlarmCheck`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

# Role tags (`Role=<role>`): the components set them, the policies select resources by them.
ROLE_RDS_PRIMARY = "rds-primary"
ROLE_RDS_REPLICA = "rds-replica"
ROLE_RDS_PROXY = "rds-proxy"
ROLE_BACKUPS = "backups"
# the cross-region replica of the backups bucket ("Backup restoration tested", disaster recovery)
ROLE_BACKUPS_DR = "backups-dr"
ROLE_UPLOADS = "uploads"
ROLE_ACCESS_LOGS = "access-logs"
# "Data at rest encryption verified": S3 server access logs can be delivered only to an SSE-S3 bucket,
# the one exception to SSE-KMS.
SSE_S3_ALLOWED_ROLES = (ROLE_ACCESS_LOGS,)

# "Role-based permissions enforced", "Backup encryption verified": the principals outside the stack's own AWS
# accounts that a key, bucket or trust policy may name -- each one reviewed, nothing else (the pack's
# aws-iam-policy-restrict-foreign-principals; a stack's own accounts are its pack config's stackAccountIds).
# Redis Cloud writes its remote backups from its own AWS account (Redis Cloud docs, "Back up a database" ->
# "AWS S3", redis.io/docs/latest/operate/rc/databases/back-up-data/): the backups bucket and its key grant it.
REDIS_CLOUD_BACKUP_PRINCIPAL = "arn:aws:iam::168085023892:root"
ALLOWED_FOREIGN_PRINCIPALS = (REDIS_CLOUD_BACKUP_PRINCIPAL,)
# The stack's own accounts have no checklist default: each stack's pack config names them (policies/config/<stack>.json),
# so a stack without one admits no account at all (fail closed).
STACK_ACCOUNT_IDS: tuple[str, ...] = ()

# "verify-backup.ts --backup-id" (house rule, not a checklist number): a half-written backup is no backup and
# an incomplete multipart upload is invisible, billed storage -- every bucket lifecycle rule aborts them
# within a week of their start (S3 AbortIncompleteMultipartUpload.DaysAfterInitiation); the pack holds the
# backups buckets to it (aws-s3-backups-bucket-configure-retention, maxAbortMultipartDays).
ABORT_MULTIPART_DAYS = 7
# "Database connection pool size optimized (recommended: 50+ connections)"
MIN_POOL_CONNECTIONS = 50
# "Database query time < 100ms" -> slow-query log threshold (log_min_duration_statement)
SLOW_QUERY_MS = 100
# "Session timeout configured appropriately (8-24 hours)"
SESSION_TIMEOUT_MIN_HOURS = 8
SESSION_TIMEOUT_MAX_HOURS = 24
# "Redis caching configured for: User sessions (TTL: 2 hours), Project data (TTL: 30 minutes),
#  Team members (TTL: 10 minutes), Workspace data (TTL: 1 hour)" -- seconds
CACHE_TTL_SECONDS = {
    "CACHE_TTL_SESSION_SECONDS": 2 * 3600,
    "CACHE_TTL_PROJECT_SECONDS": 30 * 60,
    "CACHE_TTL_TEAM_MEMBERS_SECONDS": 10 * 60,
    "CACHE_TTL_WORKSPACE_SECONDS": 3600,
}
# "cleanup-old-backups.ts --retention-days=30" and "Backup encryption verified"
BACKUP_RETENTION_DAYS = 30
# "Query performance analyzed", "Database query performance": Performance Insights keeps at least a week of
# query history -- the post-deployment "Generate performance baseline" is compared against the week after
# a deployment, not only the last hour (a week is also the shortest retention RDS offers, free of charge)
MIN_PERFORMANCE_INSIGHTS_RETENTION_DAYS: Final = 7  # Final: the model's Literal[7, 731] field takes it as Literal[7]
# "Read replicas configured (if applicable)": production needs one (staging's pack config allows 0)
MIN_READ_REPLICAS = 1
# "SSL/TLS certificates verified" -> the RDS certificate authorities that are current (not rds-ca-2019)
RDS_CA_CERT_IDENTIFIERS = ("rds-ca-rsa2048-g1", "rds-ca-rsa4096-g1", "rds-ca-ecc384-g1")
# "Redis persistence settings configured": append-only file persistence in production
REDIS_PERSISTENCE = ("aof-every-1-second", "aof-every-write")
# "Security headers configured in Vercel" -> HSTS max-age of at least one year (the preload list's minimum)
MIN_HSTS_MAX_AGE_SECONDS = 31536000
# "Security headers configured in Vercel" -> Permissions-Policy denies (`feature=()`) the device features the app
# does not use and an injected script would want most: camera, microphone and location (MDN Observatory's
# recommendation; the app's header denies more)
PERMISSIONS_POLICY_DENIED = ("camera", "microphone", "geolocation")
# "API rate limiting configured" (and "Input validation and sanitization verified"): the Vercel firewall's
# OWASP managed rule sets
OWASP_RULESETS = ("xss", "sqli", "rce", "lfi", "rfi")
# "All production environment variables set in Vercel dashboard"
REQUIRED_ENV_KEYS = (
    "DATABASE_URL", "DATABASE_READ_URL", "REDIS_URL", "JWT_SECRET", "SESSION_SECRET", "SESSION_TIMEOUT_HOURS",
    "CACHE_TTL_SESSION_SECONDS", "CACHE_TTL_PROJECT_SECONDS", "CACHE_TTL_TEAM_MEMBERS_SECONDS",
    "CACHE_TTL_WORKSPACE_SECONDS", "NEXT_PUBLIC_ENABLE_COLLABORATION", "ENABLE_REAL_TIME", "ENABLE_WEBSOCKETS",
    "SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD", "SMTP_FROM", "S3_UPLOADS_BUCKET", "AWS_REGION",
    "AWS_ROLE_ARN", "MAX_UPLOAD_SIZE_MB", "RATE_LIMIT_REQUESTS", "RATE_LIMIT_WINDOW_SECONDS", "SENTRY_DSN",
    "CORS_ALLOWED_ORIGINS",
)
# "API keys for external services configured", "JWT and authentication secrets rotated": the secret-bearing
# keys, by name and by pattern (sensitive and a Pulumi secret)
SECRET_ENV_KEYS = ("DATABASE_URL", "DATABASE_READ_URL", "REDIS_URL", "JWT_SECRET", "SESSION_SECRET",
                   "SMTP_PASSWORD", "SENTRY_DSN")
SECRET_ENV_KEY_PATTERNS = (r"(^|_)(SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIALS|DSN)(_|$)",
                           r"^(DATABASE|REDIS)(_[A-Z0-9]+)*_URL$")
# "pnpm tsx scripts/create-backup.ts" (state is never lost to a `pulumi up`): the resource types that hold
# state and must be protected
STATEFUL_TYPES = (
    "aws:kms/key:Key",
    "aws:rds/instance:Instance",
    "aws:s3/bucket:Bucket",
    "rediscloud:index/subscriptionDatabase:SubscriptionDatabase",
    "rediscloud:index/subscription:Subscription",
    "aws:backup/vault:Vault",
    "vercel:index/project:Project",
    # the cross-region copies of the primary's automated backups (disaster recovery)
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
)
# "API response times < 500ms" (post-deployment verification of the health endpoints)
HEALTH_RESPONSE_MS = 500
# "Health Check Endpoints"
HEALTH_ENDPOINTS = (
    "/api/health",
    "/api/collaboration/health",
    "/api/database/health",
    "/api/redis/health",
)

Severity = Literal["critical", "warning", "info"]
Comparison = Literal["GreaterThanThreshold", "LessThanThreshold"]


@dataclass(frozen=True)
class AlarmCheck:
    """One alarm the checklist asks for. ``limit`` is the loosest threshold the checklist allows."""

    check_id: str
    severity: Severity
    comparison: Comparison
    limit: float
    unit: str
    checklist: str


# "Alert Configuration" -> Critical / Warning alerts. Every CloudWatch alarm the program creates
# carries the tags ``Check=<check_id>`` and ``Severity=<severity>``; the policy pack and `ops verify`
# find alarms by those tags. For GreaterThanThreshold checks the alarm threshold must be <= limit;
# for LessThanThreshold checks (health status) it must be >= limit.
ALARM_CHECKS: dict[str, AlarmCheck] = {
    c.check_id: c
    for c in (
        AlarmCheck("app-health", "critical", "LessThanThreshold", 1, "None",
                   "Application down (health check fails)"),
        AlarmCheck("database-connectivity", "critical", "LessThanThreshold", 1, "None",
                   "Database connectivity lost"),
        AlarmCheck("collaboration-health", "critical", "LessThanThreshold", 1, "None",
                   "/api/collaboration/health - Collaboration features health"),
        AlarmCheck("redis-connectivity", "critical", "LessThanThreshold", 1, "None",
                   "/api/redis/health - Redis connectivity"),
        AlarmCheck("error-rate-critical", "critical", "GreaterThanThreshold", 5, "Percent",
                   "Error rate > 5%"),
        AlarmCheck("response-time-critical", "critical", "GreaterThanThreshold", 5000, "Milliseconds",
                   "Response time > 5 seconds"),
        AlarmCheck("memory-critical", "critical", "GreaterThanThreshold", 90, "Percent",
                   "Memory usage > 90%"),
        AlarmCheck("error-rate-warning", "warning", "GreaterThanThreshold", 1, "Percent",
                   "Error rate > 1%"),
        AlarmCheck("response-time-warning", "warning", "GreaterThanThreshold", 2000, "Milliseconds",
                   "Response time > 2 seconds"),
        AlarmCheck("websocket-drops-warning", "warning", "GreaterThanThreshold", 10, "Percent",
                   "WebSocket connection drops > 10%"),
        AlarmCheck("db-pool-warning", "warning", "GreaterThanThreshold", 80, "Percent",
                   "Database connection pool > 80%"),
        AlarmCheck("db-connections-warning", "warning", "GreaterThanThreshold", 80, "Percent",
                   "Connection pool utilization (database side)"),
        AlarmCheck("disk-warning", "warning", "GreaterThanThreshold", 85, "Percent",
                   "Disk space > 85%"),
        AlarmCheck("replica-lag-warning", "warning", "GreaterThanThreshold", 30, "Seconds",
                   "Replication lag (if applicable)"),
    )
}

# Which checks each monitored resource must have (policy `monitoring-configure-required-alarms`).
REQUIRED_CHECKS_BY_ROLE: dict[str, tuple[str, ...]] = {
    ROLE_RDS_PRIMARY: ("disk-warning", "db-connections-warning"),
    ROLE_RDS_REPLICA: ("disk-warning", "replica-lag-warning"),
    ROLE_RDS_PROXY: ("db-pool-warning",),
    # application metrics (namespace ChatPDD/App, see docs/metrics-contract.md) and health checks
    "stack": (
        "app-health", "database-connectivity", "collaboration-health", "redis-connectivity",
        "error-rate-critical", "response-time-critical", "memory-critical",
        "error-rate-warning", "response-time-warning", "websocket-drops-warning",
    ),
}

# Redis Cloud alerts required on every database ("Redis monitoring alerts configured").
REDIS_REQUIRED_ALERTS = ("dataset-size", "latency")

# "Network security groups configured" (and the Redis allowlist, the app ingress): allowlists name the app's
# declared egress networks, never the internet -- whole or in pieces. All entries of one allowlist together
# may open at most as many PUBLIC addresses as one /24 of IPv4 and one /64 of IPv6 (private and reserved
# ranges are free). Rule and reasons: stacks/netspace.py, policies/chatpdd_policies/_net.py, docs/gate-rules.md.
MIN_PUBLIC_PREFIX_V4 = 24
MIN_PUBLIC_PREFIX_V6 = 64
# "JWT and authentication secrets rotated": a generated secret (JWT/session secrets, database and Redis
# passwords) has at least 32 characters and 128 bits of entropy (length x log2 of its alphabet).
GENERATED_SECRET_MIN_LENGTH = 32
GENERATED_SECRET_MIN_ENTROPY_BITS = 128
# "Data in transit encryption verified": bucket policies deny TLS below 1.2 (RFC 8996 deprecates 1.0/1.1).
MIN_TLS_VERSION = 1.2
# "Rate limiting enabled and configured" / "API rate limiting configured": the edge limit of /api per client
# is at most 600 requests a minute (10/s sustained: well above what one interactive client sends, far below
# what credential stuffing or scraping needs), with no window holding more than that at once; and it must
# match every API route -- these paths stand for them (the health endpoints, /api itself, deep and odd paths).
API_RATE_LIMIT_MAX_PER_MINUTE = 600
API_PROBE_PATHS = ("/api", "/api/", *HEALTH_ENDPOINTS, "/api/auth/session", "/api/teams/t1/members/m1",
                   "/api/workspaces/w1/files/upload", "/api/v2/x-y_z.json")

# "Alert Configuration": an alarm is only as strict as its timing and statistic. Critical alerts ("Immediate
# Response") fire within 5 minutes and after at most 3 breaching datapoints; warnings ("Monitor Closely") within
# 15 minutes and 5 datapoints. The window is evaluation_periods x period. Each check's statistic is fixed by what
# it measures (a percentile may only go higher for response time). Health and connectivity checks treat missing
# data as breaching: a health check that stops reporting is no evidence of health.
ALARM_MAX_DATAPOINTS: dict[str, int] = {"critical": 3, "warning": 5}
ALARM_MAX_WINDOW_SECONDS: dict[str, int] = {"critical": 300, "warning": 900}
ALARM_STATISTICS: dict[str, tuple[str, ...]] = {
    "app-health": ("Minimum",), "database-connectivity": ("Minimum",), "collaboration-health": ("Minimum",),
    "redis-connectivity": ("Minimum",), "error-rate-critical": ("Sum",), "response-time-critical": ("p95", "Maximum"),
    "memory-critical": ("Maximum",), "error-rate-warning": ("Sum",), "response-time-warning": ("p95", "Maximum"),
    "websocket-drops-warning": ("Sum",), "db-pool-warning": ("Sum",), "db-connections-warning": ("Maximum",),
    "disk-warning": ("Minimum",), "replica-lag-warning": ("Maximum",),
}
MISSING_DATA_BREACHING_CHECKS = ("app-health", "database-connectivity", "collaboration-health", "redis-connectivity")

# Per check, the loosest timing and the statistics the checklist allows (the pack's `alarmTiming`).
ALARM_TIMING: dict[str, dict[str, object]] = {
    c.check_id: {"maxDatapoints": ALARM_MAX_DATAPOINTS[c.severity],
                 "maxWindowSeconds": ALARM_MAX_WINDOW_SECONDS[c.severity],
                 "statistics": list(ALARM_STATISTICS[c.check_id]),
                 "missingDataBreaching": c.check_id in MISSING_DATA_BREACHING_CHECKS}
    for c in ALARM_CHECKS.values()}
# "Application down (health check fails)": a Route 53 health check turns unhealthy within 90 s of the first
# failure (failure_threshold x request_interval: 3 x 30 s, Route 53's defaults), before its alarm's window.
HEALTH_CHECK_MAX_SECONDS_TO_UNHEALTHY = 90

# -- Synthetic monitoring ("Page load times < 3 seconds", "API response times < 500ms", "Average response time <
# 500ms", "WebSocket connections stable"): CloudWatch Synthetics canaries measure them continuously.
# The API canary calls every health endpoint of the checklist plus the troubleshooting guide's WebSocket one.
WEBSOCKET_HEALTH_ENDPOINT = "/api/websocket/health"
CANARY_API_ENDPOINTS = (*HEALTH_ENDPOINTS, WEBSOCKET_HEALTH_ENDPOINT)
# The browser canary loads the app's home page.
CANARY_PAGE_PATH = "/"
# "Page load times < 3 seconds"
PAGE_LOAD_MS = 3000
# A canary runs at least every 5 minutes (staging's pack config may allow less often).
CANARY_MAX_INTERVAL_MINUTES = 5
# The Synthetics runtime every canary uses: pinned, and one of the runtimes the pack allows (none deprecated;
# CloudWatch User Guide, "Synthetics runtime versions"). Raise both together when AWS deprecates it.
CANARY_RUNTIME_VERSION = "syn-nodejs-puppeteer-9.1"
CANARY_ALLOWED_RUNTIMES = (CANARY_RUNTIME_VERSION,)
# Canary artifacts (screenshots, HAR files, logs) kept as long as Synthetics keeps the run data (31 days, its
# default), then expired by the artifacts bucket's lifecycle.
CANARY_ARTIFACT_RETENTION_DAYS = 31
ROLE_CANARY_ARTIFACTS = "canary-artifacts"
# Canary alarms (tags Check=<id>, Severity=<severity>; CloudWatchSynthetics metrics, dimension CanaryName, per
# step also StepName). Success below 100 % in a run is critical ("Application down"); a step slower than the
# checklist's number is a warning. Missing data is breaching: a canary that stops running measures nothing.
CANARY_CHECKS: dict[str, AlarmCheck] = {
    c.check_id: c
    for c in (
        AlarmCheck("canary-success", "critical", "LessThanThreshold", 100, "Percent",
                   "All health checks passing"),
        AlarmCheck("canary-api-duration", "warning", "GreaterThanThreshold", HEALTH_RESPONSE_MS, "Milliseconds",
                   "API response times < 500ms"),
        AlarmCheck("canary-page-duration", "warning", "GreaterThanThreshold", PAGE_LOAD_MS, "Milliseconds",
                   "Page load times < 3 seconds"),
    )
}

# -- Database disaster recovery ("pnpm tsx scripts/test-disaster-recovery.ts"): the primary's automated backups
# are replicated into storage.dr_region (production needs one replication; staging's pack config allows 0).
MIN_BACKUP_REPLICATIONS = 1

# -- Alerts that reach people ("notify team", critical "Immediate Response"): every alarm's topic has a
# subscription; the critical and warning topics reach a chat channel (https), the critical one also e-mail (the
# pager, another https subscription, is on top where a stack has one).
REQUIRED_SUBSCRIPTION_PROTOCOLS = {"critical": ["https", "email"], "warning": ["https"]}
# "Info Alerts (Track Trends)": the info tier's metrics (docs/metrics-contract.md), on the dashboard, no alarm.
INFO_METRICS = ("DailyActiveUsers", "TeamsCreated", "FilesShared", "FileSharingBytes", "FeatureUsed")
