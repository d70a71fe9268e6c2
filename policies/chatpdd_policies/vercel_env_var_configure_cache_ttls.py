"""vercel-env-var-configure-cache-ttls: the app's Redis cache TTL env vars have the checklist's values
("Caching Strategy": sessions, project data, team members, workspace data; ``CACHE_TTL_SECONDS``), in
seconds, unless ``ttlSeconds`` in the pack config says otherwise. Whether every TTL env var exists is
``vercel-project-configure-required-env-vars``."""

from pulumi_policy import ResourceValidationArgs, Severity

from chatpdd_policies._checklist import CACHE_TTL_SECONDS
from chatpdd_policies._util import Report, as_number, checklist_reference, config_value, fmt, label, resource_policy
from chatpdd_policies._vercel import env_setting

DEFAULTS = {"ttlSeconds": CACHE_TTL_SECONDS}


def _validate(args: ResourceValidationArgs, report_violation: Report) -> None:
    ttls = dict(config_value(args, "ttlSeconds", DEFAULTS["ttlSeconds"]))
    setting = env_setting(args, ttls, "the cache TTL", report_violation)
    if setting is None:
        return
    key, value = setting
    expected = ttls[key]
    if as_number(value) != expected:
        report_violation(f"{label(args)} sets {key} to a value other than {fmt(expected)} seconds. "
                         f"Fix: set it to {fmt(expected)} (app.cache_ttls in the stack config).")


POLICY = resource_policy(
    name="vercel-env-var-configure-cache-ttls",
    description="The app's Redis cache TTL env vars must equal the checklist's TTLs (or ttlSeconds in the pack "
                "config).",
    validate=_validate,
    severity=Severity.LOW,
    remediation_steps=f"Set app.cache_ttls in Pulumi.<stack>.yaml to the checklist values (session "
                      f"{CACHE_TTL_SECONDS['CACHE_TTL_SESSION_SECONDS']}, project "
                      f"{CACHE_TTL_SECONDS['CACHE_TTL_PROJECT_SECONDS']}, team members "
                      f"{CACHE_TTL_SECONDS['CACHE_TTL_TEAM_MEMBERS_SECONDS']}, workspace "
                      f"{CACHE_TTL_SECONDS['CACHE_TTL_WORKSPACE_SECONDS']} seconds), or change ttlSeconds in the "
                      "pack config "
                      "after a reviewed decision.",
    reference=checklist_reference("Pre-Deployment Preparation", "Caching Strategy", "Redis caching configured for:"),
    tags=["vercel", "redis", "performance"],
    config_schema={"ttlSeconds": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1},
                                  "default": DEFAULTS["ttlSeconds"],
                                  "description": "Env var key -> its required TTL in seconds."}},
)
