"""VercelApp: env vars, secrets, security headers, firewall, OIDC role (docs/architecture.md, "Vercel").

The committed stacks run whole under mocks (session fixtures); edge cases build the component alone
with a modified config (`gate.program.program.run_function`) and stand-in upstream values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pulumi
import pytest
from pydantic import SecretStr

from components.base import StackContext
from components.providers import Providers
from components.vercel_app import VercelApp, VercelAppArgs
from gate.program.program import CapturedResource, ProgramRun, is_secret
from stacks import checklist
from stacks.loader import LoadedStack
from tests.program.component_run import pack_violations
from tests.program.component_run import run_component as run_alone

COMPONENT = "chatpdd:components:VercelApp"
ENV_VAR = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
# docs/architecture.md, "Vercel": the production keys and which of them carry secrets -- the lists the pack
# enforces (stacks/checklist.py).
REQUIRED_KEYS = set(checklist.REQUIRED_ENV_KEYS)
SECRET_KEYS = set(checklist.SECRET_ENV_KEYS)
# Stand-ins for the upstream components' secret outputs in the component-level runs.
DB_PASSWORD = "db-password-sentinel-7f3a"
REDIS_PASSWORD = "redis-password-sentinel-91bc"
# What secret values read as under mocks (stacks/loader.py, gate/program/mocks.py) plus the stand-ins above.
SECRET_MARKERS = ("offline-secret-", "offline-generated-", DB_PASSWORD, REDIS_PASSWORD)


# -- helpers ------------------------------------------------------------------------------------------
def component_resources(run: ProgramRun) -> tuple[CapturedResource, list[CapturedResource]]:
    component = run.one(COMPONENT)
    return component, [r for r in run.resources if r.parent == component.urn]


def env_vars(run: ProgramRun) -> dict[str, CapturedResource]:
    found: dict[str, CapturedResource] = {}
    for r in run.by_type(ENV_VAR):
        key = r.inputs["key"]
        assert key not in found, f"{key} registered twice"
        found[key] = r
    return found


def env_values(run: ProgramRun) -> dict[str, str]:
    return {key: r.inputs["value"] for key, r in env_vars(run).items()}


def plaintext_strings(value: Any) -> Iterator[str]:
    """Every string of a wire-form value that is NOT inside a secret wrapper."""
    if is_secret(value):
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from plaintext_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from plaintext_strings(v)


def route_headers(run: ProgramRun) -> dict[str, str]:
    route = run.one("vercel:index/projectRoute:ProjectRoute").inputs["route"]
    assert route["src"] == "/(.*)", "security headers must apply to every path"
    return route["headers"]


def csp_directives(csp: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in filter(None, (p.strip() for p in csp.split(";"))):
        name, *values = part.split()
        directives[name] = values
    return directives


def run_component(loaded: LoadedStack, **app_updates: Any) -> ProgramRun:
    """VercelApp alone, with `app_updates` applied to the stack's `app` settings."""
    config = loaded.config.model_copy(update={"app": loaded.config.app.model_copy(update=app_updates)})

    def build(context: StackContext, providers: Providers, opts: pulumi.ResourceOptions) -> None:
        VercelApp("app", VercelAppArgs(
            context=context,
            settings=config.app,
            database_url=pulumi.Output.secret(f"postgresql://app:{DB_PASSWORD}@proxy:5432/chatpdd?sslmode=require"),
            database_read_url=pulumi.Output.secret(f"postgresql://app:{DB_PASSWORD}@proxy-ro:5432/chatpdd"),
            redis_url=pulumi.Output.secret(f"rediss://default:{REDIS_PASSWORD}@redis:6379"),
            uploads_bucket=config.storage.uploads_bucket_name,
            uploads_bucket_arn=f"arn:aws:s3:::{config.storage.uploads_bucket_name}",
            max_upload_size_mb=config.storage.max_upload_size_mb,
            uploads_kms_alias="chatpdd-production-storage",
        ), opts)

    return run_alone(loaded, config, build)


@pytest.fixture(scope="module")
def component_run(loaded_stacks) -> ProgramRun:
    return run_component(loaded_stacks["production"])


# -- environment variables ------------------------------------------------------------------------------
@pytest.mark.parametrize("stack", ["production", "staging"])
def test_every_required_key_is_set_for_production(program_runs, loaded_stacks, stack):
    config = loaded_stacks[stack].config
    variables = env_vars(program_runs[stack])
    expected = REQUIRED_KEYS | set(config.app.external_api_keys)
    assert expected <= set(variables), f"missing: {sorted(expected - set(variables))}"
    for key in expected:
        assert "production" in variables[key].inputs["targets"], key
        assert variables[key].inputs["value"] not in (None, ""), key


def test_external_api_keys_are_set(production_run, loaded_stacks):
    keys = set(loaded_stacks["production"].config.app.external_api_keys)
    assert keys == {"OPENAI_API_KEY"}  # the committed production stack configures one
    assert keys <= set(env_vars(production_run))


def test_secret_bearing_vars_are_sensitive_secret_and_production_only(production_run, loaded_stacks):
    secret_keys = SECRET_KEYS | set(loaded_stacks["production"].config.app.external_api_keys)
    for key, r in env_vars(production_run).items():
        if key in secret_keys:
            assert r.inputs["sensitive"] is True, key
            assert is_secret(r.properties["value"]), key
            # Preview deployments run unreviewed branch code: no production credentials there.
            assert r.inputs["targets"] == ["production"], key
        else:
            assert r.inputs["sensitive"] is False, f"{key} is a setting, readable in the dashboard"


def test_no_secret_value_in_plaintext_anywhere_in_the_app(component_run):
    component, children = component_resources(component_run)
    leaked = [(r.name, s) for r in [component, *children] for s in plaintext_strings(r.properties)
              if any(marker in s for marker in SECRET_MARKERS)]
    assert leaked == []
    # ...and the stand-ins did reach the env vars, wrapped (the scan above is not vacuous).
    values = env_values(component_run)
    assert DB_PASSWORD in values["DATABASE_URL"] and REDIS_PASSWORD in values["REDIS_URL"]


def test_no_secret_value_in_plaintext_in_the_whole_program(production_run):
    leaked = [(r.name, s) for r in production_run.resources for s in plaintext_strings(r.properties)
              if "offline-secret-" in s or "offline-generated-" in s]
    assert leaked == []


def test_auth_secrets_are_generated_long_and_tied_to_the_rotation_counter(component_run, loaded_stacks):
    component, children = component_resources(component_run)
    passwords = {r.name: r for r in children if r.type == "random:index/randomPassword:RandomPassword"}
    assert set(passwords) == {"app-jwt-secret", "app-session-secret"}
    rotation = str(loaded_stacks["production"].config.app.auth_secrets_rotation)
    for r in passwords.values():
        assert r.inputs["length"] >= 48
        assert r.inputs["keepers"] == {"rotation": rotation}
        assert "result" in r.additional_secret_outputs
    values = env_values(component_run)
    assert values["JWT_SECRET"].startswith("offline-generated-")
    assert values["JWT_SECRET"] != values["SESSION_SECRET"]


def test_bumping_the_rotation_counter_changes_the_keepers(loaded_stacks):
    run = run_component(loaded_stacks["production"], auth_secrets_rotation=7)
    for name in ("app-jwt-secret", "app-session-secret"):
        assert run.one("random:index/randomPassword:RandomPassword", name).inputs["keepers"] == {"rotation": "7"}


def test_session_timeout_and_cache_ttls(production_run, loaded_stacks):
    values = env_values(production_run)
    hours = int(values["SESSION_TIMEOUT_HOURS"])
    assert checklist.SESSION_TIMEOUT_MIN_HOURS <= hours <= checklist.SESSION_TIMEOUT_MAX_HOURS
    assert hours == loaded_stacks["production"].config.app.session_timeout_hours
    # Production sets no TTL overrides: the checklist's numbers (2 h, 30 min, 10 min, 1 h).
    for key, seconds in checklist.CACHE_TTL_SECONDS.items():
        assert values[key] == str(seconds), key


def test_cache_ttls_follow_the_config(loaded_stacks):
    ttls = loaded_stacks["production"].config.app.cache_ttls.model_copy(update={"project_seconds": 900})
    assert env_values(run_component(loaded_stacks["production"], cache_ttls=ttls))["CACHE_TTL_PROJECT_SECONDS"] == "900"


def test_limits_and_region(production_run, loaded_stacks):
    config = loaded_stacks["production"].config
    values = env_values(production_run)
    assert values["RATE_LIMIT_REQUESTS"] == str(config.app.rate_limit.requests)
    assert values["RATE_LIMIT_WINDOW_SECONDS"] == str(config.app.rate_limit.window_seconds)
    assert values["MAX_UPLOAD_SIZE_MB"] == str(config.storage.max_upload_size_mb)
    assert values["S3_UPLOADS_BUCKET"] == config.storage.uploads_bucket_name
    assert values["AWS_REGION"] == config.aws.region
    assert values["SMTP_HOST"] == config.app.smtp.host and values["SMTP_PORT"] == str(config.app.smtp.port)


def test_feature_flags_on_in_production(production_run):
    values = env_values(production_run)
    for key in ("NEXT_PUBLIC_ENABLE_COLLABORATION", "ENABLE_REAL_TIME", "ENABLE_WEBSOCKETS"):
        assert values[key] == "true", key


def test_partial_rollback_flips_one_flag(loaded_stacks):
    """Checklist "Partial Rollback": set the flag false in config, `pulumi up`, redeploy."""
    flags = loaded_stacks["production"].config.app.feature_flags.model_copy(update={"websockets": False})
    values = env_values(run_component(loaded_stacks["production"], feature_flags=flags))
    assert values["ENABLE_WEBSOCKETS"] == "false"
    assert values["ENABLE_REAL_TIME"] == "true" and values["NEXT_PUBLIC_ENABLE_COLLABORATION"] == "true"


def test_cors_origins_are_explicit(production_run, loaded_stacks):
    origins = env_values(production_run)["CORS_ALLOWED_ORIGINS"].split(",")
    assert origins == loaded_stacks["production"].config.app.cors_origins
    for origin in origins:
        assert "*" not in origin and re.fullmatch(r"https://[a-z0-9.-]+(:[0-9]+)?", origin), origin


def test_no_static_aws_credentials(production_run):
    assert not {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} & set(env_vars(production_run))


# -- security headers --------------------------------------------------------------------------------------
def test_security_headers_on_every_response(production_run):
    headers = route_headers(production_run)
    hsts = headers["Strict-Transport-Security"]
    max_age = int(re.search(r"max-age=(\d+)", hsts).group(1))
    assert max_age >= 31536000 and "includeSubDomains" in hsts
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    permissions = headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment"):
        assert f"{feature}=()" in permissions, feature


def test_content_security_policy_is_strict(production_run, loaded_stacks):
    config = loaded_stacks["production"].config
    csp = csp_directives(route_headers(production_run)["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    for directive, values in csp.items():
        assert "*" not in values and "'unsafe-eval'" not in values, directive
        if directive != "style-src":
            assert "'unsafe-inline'" not in values, directive
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"] and csp["form-action"] == ["'self'"]
    assert "upgrade-insecure-requests" in csp
    domain, bucket, region = config.app.domain, config.storage.uploads_bucket_name, config.aws.region
    assert {"'self'", f"https://{domain}", f"wss://{domain}"} <= set(csp["connect-src"])
    assert f"https://{bucket}.s3.{region}.amazonaws.com" in csp["img-src"]


def test_csp_allows_the_error_tracking_host_but_not_its_key(loaded_stacks):
    dsn = SecretStr("https://publickey0123@o42.ingest.sentry.io/7")
    run = run_component(loaded_stacks["production"], error_tracking_dsn=dsn,
                        extra_csp_connect_src=["https://api.openai.com"])
    connect = csp_directives(route_headers(run)["Content-Security-Policy"])["connect-src"]
    assert "https://o42.ingest.sentry.io" in connect and "https://api.openai.com" in connect
    component, children = component_resources(run)
    assert not [s for r in [component, *children] for s in plaintext_strings(r.properties) if "publickey0123" in s]
    assert env_values(run)["SENTRY_DSN"] == dsn.get_secret_value()


def test_hsts_follows_the_config(loaded_stacks):
    run = run_component(loaded_stacks["production"], hsts_max_age_seconds=31536000)
    assert route_headers(run)["Strict-Transport-Security"].startswith("max-age=31536000;")


# -- firewall ----------------------------------------------------------------------------------------------
def test_firewall_rate_limits_the_api(production_run, loaded_stacks):
    limits = loaded_stacks["production"].config.app.rate_limit
    firewall = production_run.one("vercel:index/firewallConfig:FirewallConfig").inputs
    assert firewall["enabled"] is True
    rate_rules = [rule for rule in firewall["rules"]["rules"] if rule["action"]["action"] == "rate_limit"]
    assert len(rate_rules) == 1
    rule = rate_rules[0]
    assert rule["active"] is True
    assert {"type": "path", "op": "pre", "value": "/api"} in [c for g in rule["conditionGroups"]
                                                             for c in g["conditions"]]
    rate = rule["action"]["rateLimit"]
    assert (rate["limit"], rate["window"]) == (limits.requests, limits.window_seconds)
    assert rate["keys"] == ["ip"] and rate["algo"] == "fixed_window"
    assert rate["action"] in ("deny", "rate_limit")


def test_firewall_owasp_rulesets_active(production_run):
    owasp = production_run.one("vercel:index/firewallConfig:FirewallConfig").inputs["managedRulesets"]["owasp"]
    for ruleset in ("xss", "sqli", "rce", "lfi", "rfi"):
        assert owasp[ruleset] == {"active": True, "action": "deny"}, ruleset
    for ruleset, setting in owasp.items():
        assert setting["active"] is True and setting["action"] in ("deny", "log"), ruleset


# -- OIDC role for the uploads bucket ------------------------------------------------------------------------
def test_s3_access_through_a_pinned_oidc_role(component_run, loaded_stacks):
    config = loaded_stacks["production"].config
    team, project = config.app.vercel_team_id, config.app.vercel_project_name
    oidc = component_run.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert oidc.inputs["url"] == f"https://oidc.vercel.com/{team}"
    assert oidc.inputs["clientIdLists"] == [f"https://vercel.com/{team}"]

    role = component_run.one("aws:iam/role:Role")
    # The trust policy is built from known strings (known at a real preview, so the pack can judge it); the role
    # still waits for the provider.
    assert oidc.urn in role.dependencies and not role.property_dependencies.get("assumeRolePolicy")
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Effect"] == "Allow" and statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    account = config.aws.allowed_account_ids[0]
    assert statement["Principal"]["Federated"] == f"arn:aws:iam::{account}:oidc-provider/oidc.vercel.com/{team}"
    assert statement["Condition"] == {"StringEquals": {
        f"oidc.vercel.com/{team}:aud": f"https://vercel.com/{team}",
        f"oidc.vercel.com/{team}:sub": f"owner:{team}:project:{project}:environment:production",
    }}

    policies = component_run.by_type("aws:iam/rolePolicy:RolePolicy")
    assert all(role.urn in p.property_dependencies["role"] for p in policies)
    statements = [s for p in policies for s in json.loads(p.inputs["policy"])["Statement"]]
    assert all(s["Effect"] == "Allow" for s in statements)
    bucket = config.storage.uploads_bucket_name
    assert {(tuple(sorted(s["Action"])) if isinstance(s["Action"], list) else s["Action"], s["Resource"])
            for s in statements} == {
        (("s3:DeleteObject", "s3:GetObject", "s3:PutObject"), f"arn:aws:s3:::{bucket}/*"),
        (("kms:Decrypt", "kms:GenerateDataKey"), "arn:aws:kms:us-east-1:111122223333:key/*"),
        ("cloudwatch:PutMetricData", "*"),
    }
    (key,) = [s for s in statements if s["Resource"].endswith(":key/*")]
    assert key["Condition"]["ForAnyValue:StringEquals"] == {"kms:ResourceAliases": "alias/chatpdd-production-storage"}
    (metrics,) = [s for s in statements if s["Action"] == "cloudwatch:PutMetricData"]
    assert metrics["Condition"] == {"StringEquals": {"cloudwatch:namespace": "ChatPDD/App"}}
    assert env_values(component_run)["AWS_ROLE_ARN"].endswith(":role/chatpdd-production-app-uploads")


def test_project_settings(production_run, loaded_stacks):
    app = loaded_stacks["production"].config.app
    project = production_run.one("vercel:index/project:Project")
    assert project.inputs["name"] == app.vercel_project_name and project.inputs["framework"] == "nextjs"
    assert project.inputs["oidcTokenConfig"] == {"issuerMode": "team"}
    assert project.inputs["gitRepository"] == {"type": "github", "repo": app.git_repository}
    # Previews get the non-secret settings: they sit behind a Vercel login, and forks must be authorized.
    assert project.inputs["vercelAuthentication"] == {"deploymentType": "standard_protection_new"}
    assert project.inputs["gitForkProtection"] is True
    assert project.protect is True


# -- component shape --------------------------------------------------------------------------------------
@pytest.mark.parametrize("stack", ["production", "staging"])
def test_every_resource_is_a_direct_child_of_the_component(program_runs, stack):
    run = program_runs[stack]
    component, children = component_resources(run)
    vercel_types = [r for r in run.resources if r.type.startswith(("vercel:index/", "random:"))
                    and r.name.startswith("app-")]
    assert vercel_types and all(r.parent == component.urn for r in vercel_types)
    assert {r.type for r in children} >= {
        "vercel:index/project:Project", ENV_VAR, "vercel:index/projectRoute:ProjectRoute",
        "vercel:index/firewallConfig:FirewallConfig", "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
        "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy", "random:index/randomPassword:RandomPassword",
    }
    assert [r.name for r in children if r.protect] == ["app-project"]
    for r in children:
        if r.type.startswith("aws:") and r.type != "aws:iam/rolePolicy:RolePolicy":
            assert r.inputs["tags"]["Stack"] == stack and r.inputs["tags"]["Role"] == "app", r.name


def test_outputs(production_run, loaded_stacks):
    domain = loaded_stacks["production"].config.app.domain
    app = production_run.outputs["app"]
    assert app["base_url"] == f"https://{domain}"
    assert app["health_urls"] == [f"https://{domain}{p}" for p in checklist.HEALTH_ENDPOINTS]
    assert app["project_id"].startswith("prj_")


# -- the policy pack ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("stack", ["production", "staging"])
def test_the_policy_pack_finds_nothing_in_the_component(program_runs, stack):
    assert pack_violations(program_runs[stack], COMPONENT) == {}
