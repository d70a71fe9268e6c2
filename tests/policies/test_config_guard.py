"""The pack's tighten-only config guard (policies/chatpdd_policies/_config_guard.py): for production (and for
a stack the engine did not name) a policy config that loosens the checklist is refused at Configure, over
gRPC, exactly as the CLI's ``--policy-pack-config`` would be; tightening passes; staging keeps its documented
overrides. The rules themselves are exercised in-process on the real policies' defaults."""

from __future__ import annotations

import json
import os

import pytest
from chatpdd_policies import ALL_POLICIES
from chatpdd_policies._config_guard import loosenings, may_loosen, rule_for
from chatpdd_policies._threshold import Threshold, declared

from gate.pack.analyzer import PackConfigError, PolicyPackProcess
from tests.policies.harness import POLICIES_DIR

PRODUCTION = json.loads((POLICIES_DIR / "config" / "production.json").read_text())
STAGING = json.loads((POLICIES_DIR / "config" / "staging.json").read_text())
RETENTION = "aws-rds-instance-configure-backup-retention"
ALARMS = "monitoring-configure-required-alarms"
ALERTS = "rediscloud-subscription-database-configure-alerts"
PERSISTENCE = "rediscloud-subscription-database-enable-persistence"
TAIL = ". Only staging may loosen (policies/chatpdd_policies/_config_guard.py)."
PREFIX = "prod.json: the policy pack refused it at Configure: the policy config of stack 'production' may only tighten the checklist"
DEFAULT_ALARMS = next(p for p in ALL_POLICIES if p.name == ALARMS).config_schema.properties["alarmChecks"]["default"]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PULUMI_STACK"}
    return {**env, **extra}


@pytest.fixture(scope="module")
def pack():
    with PolicyPackProcess(POLICIES_DIR, env=_env()) as running:
        yield running


def _configure(pack: PolicyPackProcess, stack: str | None, config: dict) -> None:
    if stack is not None:
        pack.configure_stack(stack, "chatpdd-infra")
    pack.configure(config, source="prod.json")


def _alarms(**changes: dict) -> dict:
    checks = json.loads(json.dumps(DEFAULT_ALARMS))
    for check, spec in changes.items():
        checks[check.replace("_", "-")] = {**checks[check.replace("_", "-")], **spec}
    return {**PRODUCTION, ALARMS: {"alarmChecks": checks}}


# --- over gRPC: the pack refuses, naming the key ----------------------------------------------------

@pytest.mark.parametrize("config, problems", [
    ({**PRODUCTION, RETENTION: {"minRetentionDays": 7}},
     "(1 loosening): aws-rds-instance-configure-backup-retention.minRetentionDays = 7 is looser than the "
     "checklist's 30 (expected >= 30)"),
    ({**PRODUCTION, RETENTION: "advisory"},
     "(1 loosening): aws-rds-instance-configure-backup-retention: enforcement level advisory is lower than mandatory"),
    ({**PRODUCTION, "aws-rds-instance-disallow-public-access": {"enforcementLevel": "disabled"}},
     "(1 loosening): aws-rds-instance-disallow-public-access: enforcement level disabled is lower than mandatory"),
    ({**PRODUCTION, "all": "advisory"},
     "(1 loosening): all: enforcement level advisory is lower than mandatory (every policy)"),
    ({**PRODUCTION, ALERTS: {"requiredAlerts": ["latency"]}},
     "(1 loosening): rediscloud-subscription-database-configure-alerts.requiredAlerts drops required "
     "[dataset-size] (expected at least [dataset-size, latency])"),
    ({**PRODUCTION, PERSISTENCE: {"allowedDataPersistence": ["aof-every-1-second", "snapshot-every-1-hour"]}},
     "(1 loosening): rediscloud-subscription-database-enable-persistence.allowedDataPersistence adds "
     "[snapshot-every-1-hour] to the accepted values (expected a subset of [aof-every-1-second, aof-every-write])"),
    (_alarms(error_rate_critical={"limit": 10}),
     "(1 loosening): monitoring-configure-required-alarms.alarmChecks.error-rate-critical.limit = 10 is looser "
     "than the checklist's 5 (expected <= 5)"),
    ({**PRODUCTION, "vercel-env-var-configure-cache-ttls": {"ttlSeconds": {"CACHE_TTL_SESSION_SECONDS": 7200}}},
     "(3 loosenings): vercel-env-var-configure-cache-ttls.ttlSeconds.CACHE_TTL_PROJECT_SECONDS is dropped "
     "(expected 1800); vercel-env-var-configure-cache-ttls.ttlSeconds.CACHE_TTL_TEAM_MEMBERS_SECONDS is dropped "
     "(expected 600); vercel-env-var-configure-cache-ttls.ttlSeconds.CACHE_TTL_WORKSPACE_SECONDS is dropped "
     "(expected 3600)"),
])
def test_production_config_that_loosens_is_refused_at_configure(pack, config, problems):
    with pytest.raises(PackConfigError) as error:
        _configure(pack, "production", config)
    assert str(error.value) == f"{PREFIX} {problems}{TAIL}"


def test_staging_config_is_refused_for_production(pack):
    with pytest.raises(PackConfigError) as error:
        _configure(pack, "production", STAGING)
    assert str(error.value) == (
        f"{PREFIX} (4 loosenings): aws-rds-instance-configure-backup-replication.minBackupReplications = 0 is looser "
        "than the checklist's 1 (expected >= 1); aws-rds-instance-configure-read-replicas.minReadReplicas = 0 is "
        "looser than the checklist's 1 (expected >= 1); rediscloud-subscription-database-enable-persistence."
        "allowedDataPersistence adds [snapshot-every-1-hour, snapshot-every-6-hours, snapshot-every-12-hours] to the "
        "accepted values (expected a subset of [aof-every-1-second, aof-every-write]); "
        "synthetics-canary-configure-coverage.maxIntervalMinutes = 15 is looser than the checklist's 5 "
        f"(expected <= 5){TAIL}")


@pytest.mark.parametrize("config", [
    PRODUCTION,
    {**PRODUCTION, RETENTION: {"minRetentionDays": 35}},  # a tighter threshold
    {**PRODUCTION, ALERTS: {"requiredAlerts": ["dataset-size", "latency", "connections-limit"]}},  # more required
    {**PRODUCTION, PERSISTENCE: {"allowedDataPersistence": ["aof-every-write"]}},  # fewer accepted
    {**PRODUCTION, "vercel-env-var-configure-session-timeout": {"minHours": 9, "maxHours": 12}},  # narrower band
    _alarms(error_rate_critical={"limit": 3}, app_health={"limit": 2}, disk_warning={"severity": "critical"}),
    {**PRODUCTION, "all": "mandatory"},
])
def test_tightening_or_unchanged_config_is_accepted_for_production(pack, config):
    _configure(pack, "production", config)


def test_staging_keeps_its_documented_overrides(pack):
    _configure(pack, "staging", STAGING)
    _configure(pack, "staging", {**STAGING, RETENTION: "advisory"})


def test_a_stack_the_engine_did_not_name_is_treated_as_production():
    with PolicyPackProcess(POLICIES_DIR, env=_env()) as fresh:
        with pytest.raises(PackConfigError) as error:
            fresh.configure(STAGING, source="staging.json")
    assert str(error.value).startswith(
        "staging.json: the policy pack refused it at Configure: the policy config of a stack the engine did not "
        "name (treated as production) may only tighten the checklist (4 loosenings)")


def test_pulumi_stack_environment_overrules_a_configure_stack_claiming_staging():
    """The engine also names the stack in the pack process's environment: both must say non-production."""
    with PolicyPackProcess(POLICIES_DIR, env=_env(PULUMI_STACK="production")) as fresh:
        with pytest.raises(PackConfigError) as error:
            _configure(fresh, "staging", STAGING)
        assert "the policy config of stacks 'production', 'staging' may only tighten" in str(error.value)


def test_switching_to_production_drops_an_accepted_staging_config(pack):
    """A loosened config accepted for staging does not carry over when the stack becomes production: the pack
    falls back to its own defaults (here: one replica required again)."""
    from tests.policies import fixtures as f

    _configure(pack, "staging", STAGING)
    pack.configure_stack("production", "chatpdd-infra")
    result = pack.analyze_stack([r for r in f.ALL if r.urn != f.REPLICA.urn])
    assert "aws-rds-instance-configure-read-replicas" in [d.policy_name for d in result.mandatory]


# --- the rules, in-process on the policies' own defaults ---------------------------------------------

def test_every_config_property_has_a_rule_that_accepts_its_own_default():
    for policy in ALL_POLICIES:
        schema = policy.config_schema
        for prop, spec in (schema.properties if schema else {}).items():
            assert "default" in spec, f"{policy.name}.{prop} has no default: the guard has no floor for it"
            rule = rule_for(prop, spec["default"], declared(policy.name).get(prop))
            assert rule(f"{policy.name}.{prop}", spec["default"], spec["default"]) == []


def test_every_numeric_property_is_a_declared_threshold():
    """A number in a policy's config is a Threshold (its direction declared), so the guard can tell tighter
    from looser; the alarm maps keep their own rule."""
    for policy in ALL_POLICIES:
        schema = policy.config_schema
        for prop, spec in (schema.properties if schema else {}).items():
            if spec.get("type") in ("integer", "number"):
                assert prop in declared(policy.name), f"{policy.name}.{prop} is a number without a Threshold"


FLOOR = Threshold("minThing", 30, "at-least", "days", "A floor.")
CEILING = Threshold("maxThing", 100, "at-most", "ms", "A ceiling.")


@pytest.mark.parametrize("prop, value, default, expected", [
    ("allowedThings", ["a", "c"], ["a", "b"], ["p.allowedThings adds [c] to the accepted values (expected a subset "
                                              "of [a, b])"]),
    ("requiredByRole", {"r": ["x"]}, {"r": ["x", "y"], "s": ["z"]},
     ["p.requiredByRole.r drops required [y] (expected at least [x, y])",
      "p.requiredByRole.s is dropped (expected at least [z])"]),
    ("newBound", 5, 4, ["p.newBound = 5 differs from the checklist's 4 (no rule tells tighter from looser for it, "
                        "so only the checklist's value is accepted)"]),
])
def test_rules(prop, value, default, expected):
    assert rule_for(prop, default)(f"p.{prop}", value, default) == expected


@pytest.mark.parametrize("threshold, value, expected", [
    (FLOOR, 29, ["p.minThing = 29 is looser than the checklist's 30 (expected >= 30)"]),
    (FLOOR, "30", ["p.minThing = '30' is looser than the checklist's 30 (expected >= 30)"]),
    (FLOOR, 31, []),
    (CEILING, 101, ["p.maxThing = 101 is looser than the checklist's 100 (expected <= 100)"]),
    (CEILING, 99, []),
])
def test_a_threshold_moves_only_in_its_declared_direction(threshold, value, expected):
    rule = rule_for(threshold.key, threshold.default, threshold)
    assert rule(f"p.{threshold.key}", value, threshold.default) == expected


def test_the_direction_comes_from_the_declaration_not_the_name():
    """A property named min... declared at-most is a ceiling; an undeclared min... number is held at its
    default (fail closed): the name convention is gone."""
    misnamed = Threshold("minThing", 100, "at-most", "ms", "A ceiling despite its name.")
    assert rule_for("minThing", 100, misnamed)("p.minThing", 101, 100) == [
        "p.minThing = 101 is looser than the checklist's 100 (expected <= 100)"]
    assert rule_for("minThing", 30)("p.minThing", 31, 30) == [
        "p.minThing = 31 differs from the checklist's 30 (no rule tells tighter from looser for it, so only the "
        "checklist's value is accepted)"]


def test_alarm_fields_that_change_when_an_alarm_fires():
    spec = {"severity": "critical", "comparison": "LessThanThreshold", "limit": 1, "evaluationPeriods": 2,
            "statistic": "Minimum"}
    loose = {"severity": "critical", "comparison": "GreaterThanThreshold", "limit": 0, "evaluationPeriods": 5,
             "statistic": "Average"}
    assert rule_for("alarmChecks", {"c": spec})("a", {"c": loose}, {"c": spec}) == [
        "a.c.comparison = 'GreaterThanThreshold' differs from the checklist's 'LessThanThreshold' (no rule tells "
        "tighter from looser for it, so only the checklist's value is accepted)",
        "a.c.limit = 0 is looser than the checklist's 1 (expected >= 1)",
        "a.c.evaluationPeriods = 5 is looser than the checklist's 2 (expected <= 2)",
        "a.c.statistic = 'Average' differs from the checklist's 'Minimum' (no rule tells tighter from looser for "
        "it, so only the checklist's value is accepted)"]


def test_committed_production_config_does_not_loosen():
    config = {name: ("mandatory", value if isinstance(value, dict) else {})
              for name, value in PRODUCTION.items() if name != "all"}
    assert loosenings(ALL_POLICIES, config) == []


@pytest.mark.parametrize("identities, allowed", [
    ([], False), (["production"], False), (["staging"], True), (["org/chatpdd-infra/staging"], True),
    (["staging", "production"], False), (["prod-staging"], False)])
def test_only_named_non_production_stacks_may_loosen(identities, allowed):
    assert may_loosen(identities) is allowed
