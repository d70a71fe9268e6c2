"""A compliant production VercelApp resource set (docs/architecture.md "Vercel"), as a real
``pulumi preview`` of components/vercel_app.py sends it: the project id is UNKNOWN (property
dependency); every env var value is secret-wrapped (the SDK wraps ``value`` and registers
``additionalSecretOutputs: [value, valueWo]``); values computed from other resources (database URLs,
generated secrets, the role ARN) are UNKNOWN.

Tests flip ONE property of one of these resources (``harness.with_props``) and expect exactly one message.
"""

from __future__ import annotations

from tests.policies.fixtures import PREFIX
from tests.policies.harness import UNKNOWN_STRING, resource, secret

PRODUCTION = ["production"]
PRODUCTION_AND_PREVIEW = ["production", "preview"]
ENV_VAR_TYPE = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"

PROJECT = resource("vercel:index/project:Project", f"{PREFIX}-project", {
    "name": "chatpdd", "framework": "nextjs", "gitRepository": {"type": "github", "repo": "chatpdd/chatpdd"},
    "oidcTokenConfig": {"issuerMode": "team"}, "gitForkProtection": True}, protect=True)


def env_var(key: str, value, *, sensitive: bool, targets: list[str]):
    return resource(ENV_VAR_TYPE, f"{PREFIX}-env-{key.lower().replace('_', '-')}", {
        "projectId": UNKNOWN_STRING, "key": key, "value": secret(value), "sensitive": sensitive,
        "targets": targets}, additional_secret_outputs=["value", "valueWo"],
        property_dependencies={"projectId": [PROJECT.urn]})


# (key, value, sensitive, targets): what components/vercel_app.py registers for production.
_ENV = [
    ("DATABASE_URL", UNKNOWN_STRING, True, PRODUCTION),
    ("DATABASE_READ_URL", UNKNOWN_STRING, True, PRODUCTION),
    ("REDIS_URL", UNKNOWN_STRING, True, PRODUCTION),
    ("JWT_SECRET", UNKNOWN_STRING, True, PRODUCTION),
    ("SESSION_SECRET", UNKNOWN_STRING, True, PRODUCTION),
    ("SMTP_PASSWORD", "smtp-password-placeholder", True, PRODUCTION),
    ("SENTRY_DSN", "https://publickey@o1.ingest.sentry.io/1", True, PRODUCTION),
    ("OPENAI_API_KEY", "sk-placeholder", True, PRODUCTION),
    ("SESSION_TIMEOUT_HOURS", "12", False, PRODUCTION_AND_PREVIEW),
    ("CACHE_TTL_SESSION_SECONDS", "7200", False, PRODUCTION_AND_PREVIEW),
    ("CACHE_TTL_PROJECT_SECONDS", "1800", False, PRODUCTION_AND_PREVIEW),
    ("CACHE_TTL_TEAM_MEMBERS_SECONDS", "600", False, PRODUCTION_AND_PREVIEW),
    ("CACHE_TTL_WORKSPACE_SECONDS", "3600", False, PRODUCTION_AND_PREVIEW),
    ("RATE_LIMIT_REQUESTS", "100", False, PRODUCTION_AND_PREVIEW),
    ("RATE_LIMIT_WINDOW_SECONDS", "60", False, PRODUCTION_AND_PREVIEW),
    ("NEXT_PUBLIC_ENABLE_COLLABORATION", "true", False, PRODUCTION_AND_PREVIEW),
    ("ENABLE_REAL_TIME", "true", False, PRODUCTION_AND_PREVIEW),
    ("ENABLE_WEBSOCKETS", "true", False, PRODUCTION_AND_PREVIEW),
    ("SMTP_HOST", "smtp.postmarkapp.com", False, PRODUCTION),
    ("SMTP_PORT", "587", False, PRODUCTION),
    ("SMTP_USER", "chatpdd-production", False, PRODUCTION),
    ("SMTP_FROM", "no-reply@chatpdd.com", False, PRODUCTION),
    ("S3_UPLOADS_BUCKET", f"{PREFIX}-uploads-111122223333", False, PRODUCTION),
    ("AWS_REGION", "us-east-1", False, PRODUCTION_AND_PREVIEW),
    ("AWS_ROLE_ARN", UNKNOWN_STRING, False, PRODUCTION),
    ("MAX_UPLOAD_SIZE_MB", "50", False, PRODUCTION_AND_PREVIEW),
    ("CORS_ALLOWED_ORIGINS", "https://app.chatpdd.com", False, PRODUCTION_AND_PREVIEW),
]
ENV_VARS = {key: env_var(key, value, sensitive=sensitive, targets=targets) for key, value, sensitive, targets in _ENV}

HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
        "connect-src 'self' https://app.chatpdd.com wss://app.chatpdd.com; frame-ancestors 'none'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; upgrade-insecure-requests"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), geolocation=(), microphone=(), payment=()",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
ROUTE = resource("vercel:index/projectRoute:ProjectRoute", f"{PREFIX}-security-headers", {
    "projectId": UNKNOWN_STRING, "name": "security-headers", "enabled": True, "position": {"placement": "start"},
    "route": {"src": "/(.*)", "headers": HEADERS}},
    property_dependencies={"projectId": [PROJECT.urn]})

OWASP = {**{r: {"action": "deny", "active": True} for r in ("xss", "sqli", "rce", "lfi", "rfi")},
         **{r: {"action": "log", "active": True} for r in ("gen", "ma", "sd", "sf", "php", "java")}}
RATE_LIMIT_RULE = {
    "name": "rate-limit-api", "active": True,
    "conditionGroups": [{"conditions": [{"type": "path", "op": "pre", "value": "/api"}]}],
    "action": {"action": "rate_limit", "rateLimit": {
        "limit": 100, "window": 60, "keys": ["ip"], "algo": "fixed_window", "action": "rate_limit"}}}
FIREWALL = resource("vercel:index/firewallConfig:FirewallConfig", f"{PREFIX}-firewall", {
    "projectId": UNKNOWN_STRING, "enabled": True, "rules": {"rules": [RATE_LIMIT_RULE]},
    "managedRulesets": {"owasp": OWASP}},
    property_dependencies={"projectId": [PROJECT.urn]})

VERCEL = [PROJECT, *ENV_VARS.values(), ROUTE, FIREWALL]
