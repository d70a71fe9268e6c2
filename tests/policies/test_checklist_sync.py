"""The pack's config defaults are the checklist's numbers (stacks/checklist.py). The pack cannot
import stacks/, so it carries copies; this test keeps them equal -- in the policy module's
DEFAULTS, in its config schema and in policies/config/production.json.

Add a row per threshold: (policy name, config key, the value from stacks.checklist).
"""

from __future__ import annotations

import importlib
import json

import pytest
from chatpdd_policies import ALL_POLICIES

from stacks import checklist
from tests.policies.harness import POLICIES_DIR

ROWS = [
    ("aws-rds-proxy-configure-connection-pool", "minPoolConnections", checklist.MIN_POOL_CONNECTIONS),
    ("aws-rds-parameter-group-configure-slow-query-log", "maxSlowQueryMs", checklist.SLOW_QUERY_MS),
    ("aws-rds-instance-configure-backup-retention", "minRetentionDays", checklist.BACKUP_RETENTION_DAYS),
    ("rediscloud-subscription-database-configure-alerts", "requiredAlerts", list(checklist.REDIS_REQUIRED_ALERTS)),
    ("aws-s3-backups-bucket-configure-retention", "minRetentionDays", checklist.BACKUP_RETENTION_DAYS),
    ("aws-backup-plan-configure-database-coverage", "minDeleteAfterDays", checklist.BACKUP_RETENTION_DAYS),
    ("vercel-env-var-configure-session-timeout", "minHours", checklist.SESSION_TIMEOUT_MIN_HOURS),
    ("vercel-env-var-configure-session-timeout", "maxHours", checklist.SESSION_TIMEOUT_MAX_HOURS),
    ("vercel-env-var-configure-cache-ttls", "ttlSeconds", checklist.CACHE_TTL_SECONDS),
    ("rediscloud-subscription-database-disallow-public-access", "minPublicPrefixV4", checklist.MIN_PUBLIC_PREFIX_V4),
    ("rediscloud-subscription-database-disallow-public-access", "minPublicPrefixV6", checklist.MIN_PUBLIC_PREFIX_V6),
    ("aws-ec2-security-group-disallow-public-postgres-ingress", "minPublicPrefixV4", checklist.MIN_PUBLIC_PREFIX_V4),
    ("aws-ec2-security-group-disallow-public-postgres-ingress", "minPublicPrefixV6", checklist.MIN_PUBLIC_PREFIX_V6),
    ("random-password-configure-strength", "minLength", checklist.GENERATED_SECRET_MIN_LENGTH),
    ("random-password-configure-strength", "minEntropyBits", checklist.GENERATED_SECRET_MIN_ENTROPY_BITS),
    ("aws-s3-bucket-enforce-tls", "minTlsVersion", checklist.MIN_TLS_VERSION),
    ("vercel-firewall-configure-api-rate-limit", "maxRequestsPerMinute", checklist.API_RATE_LIMIT_MAX_PER_MINUTE),
    ("vercel-firewall-configure-api-rate-limit", "apiPaths", list(checklist.API_PROBE_PATHS)),
    ("aws-s3-backups-bucket-enable-object-lock", "minRetentionDays", checklist.BACKUP_RETENTION_DAYS),
    ("monitoring-configure-required-alarms", "alarmTiming", checklist.alarm_timing()),
    ("monitoring-configure-health-checks", "maxSecondsToUnhealthy", checklist.HEALTH_CHECK_MAX_SECONDS_TO_UNHEALTHY),
    ("monitoring-configure-health-checks", "endpoints", list(checklist.HEALTH_ENDPOINTS)),
    ("monitoring-configure-required-alarms", "requiredChecksByRole",
     {role: list(checks) for role, checks in checklist.REQUIRED_CHECKS_BY_ROLE.items()}),
    ("monitoring-configure-required-alarms", "alarmChecks",
     {c.check_id: {"severity": c.severity, "comparison": c.comparison, "limit": c.limit}
      for c in checklist.ALARM_CHECKS.values()}),
]
PRODUCTION = json.loads((POLICIES_DIR / "config" / "production.json").read_text())
BY_NAME = {p.name: p for p in ALL_POLICIES}


@pytest.mark.parametrize("policy, key, expected", ROWS, ids=[f"{p}.{k}" for p, k, _ in ROWS])
def test_pack_default_equals_checklist(policy, key, expected):
    module = importlib.import_module(f"chatpdd_policies.{policy.replace('-', '_')}")
    assert module.DEFAULTS[key] == expected
    assert BY_NAME[policy].config_schema.properties[key]["default"] == expected
    if key in PRODUCTION.get(policy, {}):
        assert PRODUCTION[policy][key] == expected, "policies/config/production.json"


def test_production_config_is_all_mandatory():
    assert PRODUCTION["all"] == "mandatory"
