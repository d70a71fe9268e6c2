"""The Next.js app on Vercel: project, environment variables, security headers, firewall, S3 access by OIDC.

Checklist lines this component carries (docs/production-deployment-checklist.md):
- "All production environment variables set in Vercel dashboard", "JWT and authentication secrets
  rotated", "API keys for external services configured", "File storage credentials configured",
  "Email/SMTP configuration tested", "Monitoring and error tracking tokens configured";
- "Session timeout configured appropriately (8-24 hours)", "Caching strategy implemented" (the TTLs);
- "Security headers configured in Vercel", "CORS configuration reviewed";
- "Rate limiting enabled and configured" / "API rate limiting configured", "SQL injection prevention
  tested" / "XSS protection verified" (the WAF's managed OWASP rules are the edge half of those);
- "Partial Rollback (Feature-Specific)": the three feature flags are env vars owned here.

Resource contract: docs/architecture.md, "Vercel". Every secret-bearing value is a Pulumi secret
*before* it reaches the provider (the SDK also wraps `value`, but we do not rely on that).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlparse

import pulumi
import pulumi_aws as aws
import pulumi_random as random
import pulumiverse_vercel as vercel

from components.base import TYPE_PREFIX, StackContext, child, key_grant, stateful
from stacks.checklist import HEALTH_ENDPOINTS
from stacks.models import AppSettings

# Vercel environments. Production data credentials never go to `preview`: a preview deployment runs
# unreviewed branch code, and anyone who can push a branch could read them from it.
PRODUCTION = ("production",)
PRODUCTION_AND_PREVIEW = ("production", "preview")

# Vercel's OIDC issuer and audience for the "team" issuer mode (https://vercel.com/docs/oidc/aws):
# iss = https://oidc.vercel.com/<team slug>, aud = https://vercel.com/<team slug>,
# sub = owner:<team slug>:project:<project name>:environment:<environment>.
VERCEL_OIDC_HOST = "oidc.vercel.com"
# Where the app publishes its own metrics and under which `Service` dimension (docs/metrics-contract.md);
# the Monitoring component's alarms read exactly these.
APP_METRICS_NAMESPACE = "ChatPDD/App"
APP_METRICS_SERVICE = "chatpdd"
_HOST = re.compile(r"([a-z0-9-]{1,63}\.)+[a-z]{2,63}")


@dataclass(frozen=True)
class VercelAppArgs:
    """What the VercelApp component needs: the stack, its app settings and the values its env vars carry."""
    context: StackContext
    settings: AppSettings
    database_url: pulumi.Input[str]
    database_read_url: pulumi.Input[str]
    redis_url: pulumi.Input[str]
    uploads_bucket: str
    uploads_bucket_arn: str
    max_upload_size_mb: int
    # The alias (without alias/) of the KMS key that encrypts the uploads bucket (SSE-KMS): the app role needs
    # GenerateDataKey/Decrypt on it, granted by alias so that the role policy is known at preview.
    uploads_kms_alias: str


@dataclass(frozen=True)
class EnvVar:
    """One Vercel environment variable. `sensitive` ones are write-only in Vercel and secret in Pulumi."""

    key: str
    value: pulumi.Input[str]
    sensitive: bool
    targets: tuple[str, ...]


def error_tracking_origin(dsn: str) -> str | None:
    """`https://<host>` of the error-tracking DSN (`https://<public key>@<host>/<project>`), or None.

    Only the host goes into the CSP header; the DSN's key part stays inside the secret.
    """
    parsed = urlparse(dsn)
    # Only a plain host name reaches the header: a DSN host such as `*.example.com` would put a wildcard into
    # connect-src (the pack refuses that CSP; the config value is secret, so the model cannot see it first).
    if parsed.scheme != "https" or not parsed.hostname or not _HOST.fullmatch(parsed.hostname):
        return None
    return f"https://{parsed.hostname}"


def content_security_policy(settings: AppSettings, uploads_origin: str) -> str:
    """The app's CSP (checklist "Security headers configured in Vercel", "XSS protection verified")."""
    connect = ["'self'", f"https://{settings.domain}", f"wss://{settings.domain}",
               # Browser uploads go straight to S3 with presigned URLs (the bucket's CORS allows the app's origins).
               uploads_origin]
    sentry = error_tracking_origin(settings.error_tracking_dsn.get_secret_value())
    if sentry:
        connect.append(sentry)
    connect += [src for src in settings.extra_csp_connect_src if src not in connect]
    directives = {
        "default-src": ["'self'"],
        # No 'unsafe-inline' / 'unsafe-eval': an injected <script> or eval() payload does not run.
        # (Next.js inline bootstrap scripts then need nonces from middleware, or must be external files.)
        "script-src": ["'self'"],
        # 'unsafe-inline' for styles only: React `style={...}` props and next/font emit inline styles.
        # Inline CSS cannot run script; what CSS could leak (URLs in selectors) is fenced by img-src,
        # font-src and connect-src below, which name only our own hosts.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", uploads_origin],
        "font-src": ["'self'"],
        "connect-src": connect,
        "worker-src": ["'self'", "blob:"],
        "manifest-src": ["'self'"],
        "frame-ancestors": ["'none'"],  # clickjacking: the app is never framed (with X-Frame-Options DENY)
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
    parts = [f"{name} {' '.join(values)}" for name, values in directives.items()]
    return "; ".join(parts + ["upgrade-insecure-requests"])


def security_headers(settings: AppSettings, uploads_origin: str) -> dict[str, str]:
    """Response headers on every path (checklist "Security headers configured in Vercel")."""
    return {
        # HTTPS only, for this host and every subdomain; eligible for the browsers' preload list.
        "Strict-Transport-Security": f"max-age={settings.hsts_max_age_seconds}; includeSubDomains; preload",
        "Content-Security-Policy": content_security_policy(settings, uploads_origin),
        "X-Frame-Options": "DENY",  # for browsers without CSP frame-ancestors
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        # The app uses none of these device APIs: deny them to the page and to any embedded content.
        "Permissions-Policy": ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
                               "microphone=(), payment=(), usb=(), browsing-topics=()"),
        # Our responses are not embeddable by other origins, and our windows do not share a browsing
        # context group with cross-origin openers (Spectre-class leaks, window.opener tampering).
        "Cross-Origin-Resource-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }


class VercelApp(pulumi.ComponentResource):
    """The Vercel project: env vars, security headers, firewall, and its OIDC role for the uploads bucket."""
    project_id: pulumi.Output[str]
    base_url: str
    health_urls: list[str]
    role_arn: pulumi.Output[str]  # the role the app's functions assume through Vercel OIDC

    def __init__(self, name: str, args: VercelAppArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:VercelApp", name, None, opts)
        ctx, s = args.context, args.settings

        project = vercel.Project(
            f"{name}-project",
            name=s.vercel_project_name,
            framework="nextjs",
            git_repository={"type": "github", "repo": s.git_repository} if s.git_repository else None,
            # Functions get an OIDC token whose issuer is the team's (https://oidc.vercel.com/<team>): the
            # AWS role below trusts that issuer only. In provider 5.x OIDC tokens are always issued; the
            # issuer mode is the setting.
            oidc_token_config={"issuer_mode": "team"},
            # Pull requests from forks must be authorized before they deploy with this project's env vars.
            git_fork_protection=True,
            # Preview deployments (non-secret settings only, see PRODUCTION_AND_PREVIEW) need a Vercel login.
            vercel_authentication={"deployment_type": "standard_protection_new"},
            opts=stateful(self),
        )

        role = self._s3_role(name, args)
        uploads_origin = f"https://{args.uploads_bucket}.s3.{ctx.region}.amazonaws.com"

        for var in self._env_vars(name, args, role.arn):
            vercel.ProjectEnvironmentVariable(
                f"{name}-env-{var.key.lower().replace('_', '-')}",
                project_id=project.id,
                key=var.key,
                value=pulumi.Output.secret(var.value) if var.sensitive else var.value,
                sensitive=var.sensitive,
                targets=list(var.targets),
                opts=child(self),
            )

        # Project routing rules apply to live traffic without a redeploy (unlike vercel.json headers).
        vercel.ProjectRoute(
            f"{name}-security-headers",
            project_id=project.id,
            name="security-headers",
            description="Security headers on every response (checklist: Security headers configured in Vercel)",
            enabled=True,
            position={"placement": "start"},
            route={"src": "/(.*)", "headers": security_headers(s, uploads_origin)},
            opts=child(self),
        )

        vercel.FirewallConfig(
            f"{name}-firewall",
            project_id=project.id,
            enabled=True,
            rules={"rules": [{
                "name": "rate-limit-api",
                "description": "Checklist: API rate limiting configured",
                "active": True,
                "condition_groups": [{"conditions": [{"type": "path", "op": "pre", "value": "/api"}]}],
                "action": {
                    "action": "rate_limit",
                    "rate_limit": {
                        "limit": s.rate_limit.requests,
                        "window": s.rate_limit.window_seconds,
                        "keys": ["ip"],
                        "algo": "fixed_window",
                        # "rate_limit" answers 429 Too Many Requests (clients back off and retry);
                        # "deny" would answer 403, which API clients read as a permanent refusal.
                        "action": "rate_limit",
                    },
                },
            }]},
            managed_rulesets={"owasp": owasp_rulesets()},
            opts=child(self),
        )

        self.project_id = project.id
        self.role_arn = role.arn
        self.base_url = f"https://{s.domain}"
        self.health_urls = [self.base_url + path for path in HEALTH_ENDPOINTS]
        self.register_outputs({"project_id": self.project_id, "base_url": self.base_url,
                               "health_urls": self.health_urls, "role_arn": self.role_arn})

    def _s3_role(self, name: str, args: VercelAppArgs) -> aws.iam.Role:
        """Checklist "File storage credentials configured": short-lived credentials through Vercel OIDC,
        no static AWS keys anywhere. Only production deployments of this project can assume the role."""
        ctx, s = args.context, args.settings
        # The issuer path is the team *slug*; the config carries the team id, used here as the slug.
        # If the team's slug differs from its id, this (and `sub`) must use the slug instead.
        team = s.vercel_team_id
        issuer = f"{VERCEL_OIDC_HOST}/{team}"
        audience = f"https://vercel.com/{team}"
        oidc = aws.iam.OpenIdConnectProvider(
            f"{name}-vercel-oidc",
            url=f"https://{issuer}",
            client_id_lists=[audience],
            # No thumbprint_lists: IAM then fetches and pins the issuer's CA itself.
            tags=ctx.tags(role="app"),
            opts=child(self),
        )
        # The provider's ARN is built from known strings (IAM names OIDC providers by their issuer), not taken from
        # `oidc.arn`: an output would make the whole trust policy unknown at preview, and the pack could not see
        # that it pins the team, the project and the production environment (aws-iam-role-restrict-oidc-trust).
        provider_arn = f"arn:{ctx.partition}:iam::{ctx.account_id}:oidc-provider/{issuer}"
        trust = json.dumps({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {
                    f"{issuer}:aud": audience,
                    f"{issuer}:sub": f"owner:{team}:project:{s.vercel_project_name}:environment:production",
                }},
            }],
        })
        role = aws.iam.Role(
            f"{name}-uploads-role",
            name=ctx.name("app-uploads"),
            description="Assumed by the ChatPDD app's production functions (Vercel OIDC): uploads and app metrics",
            assume_role_policy=trust,
            max_session_duration=3600,
            tags=ctx.tags(role="app"),
            opts=child(self, depends_on=[oidc]),
        )
        policy = json.dumps({
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "UploadObjects",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                    "Resource": f"{args.uploads_bucket_arn}/*",
                },
                {
                    # SSE-KMS: data key to write, Decrypt to read, only through S3; the key by alias (issue 17).
                    "Sid": "UploadsKey",
                    "Effect": "Allow",
                    "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                    **key_grant(ctx, args.uploads_kms_alias,
                                condition={"StringEquals": {"kms:ViaService": f"s3.{ctx.region}.amazonaws.com"}}),
                },
            ],
        })
        aws.iam.RolePolicy(f"{name}-uploads-role-policy", role=role.id, policy=policy, opts=child(self))
        # Vercel's logs never reach CloudWatch, so the app publishes its metrics (docs/metrics-contract.md)
        # with PutMetricData. That action has no resource ARN; the namespace condition is its only fence.
        aws.iam.RolePolicy(
            f"{name}-metrics-role-policy",
            role=role.id,
            policy=json.dumps({
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "PublishAppMetrics",
                    "Effect": "Allow",
                    "Action": "cloudwatch:PutMetricData",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"cloudwatch:namespace": APP_METRICS_NAMESPACE}},
                }],
            }),
            opts=child(self),
        )
        return role

    def _env_vars(self, name: str, args: VercelAppArgs, role_arn: pulumi.Input[str]) -> list[EnvVar]:
        ctx, s = args.context, args.settings

        def generated_secret(suffix: str) -> pulumi.Output[str]:
            # Checklist "JWT and authentication secrets rotated": bump `auth_secrets_rotation` to replace
            # both (every session and token is invalidated: users sign in again). 64 alphanumerics ~ 380 bits.
            return random.RandomPassword(
                f"{name}-{suffix}",
                length=64,
                special=False,
                keepers={"rotation": str(s.auth_secrets_rotation)},
                opts=child(self, additional_secret_outputs=["result"]),
            ).result

        def secret(key: str, value: pulumi.Input[str]) -> EnvVar:
            return EnvVar(key, value, sensitive=True, targets=PRODUCTION)

        def setting(key: str, value: object, targets: tuple[str, ...] = PRODUCTION_AND_PREVIEW) -> EnvVar:
            return EnvVar(key, value if isinstance(value, pulumi.Output) else str(value), sensitive=False,
                          targets=targets)

        def flag(enabled: bool) -> str:
            return "true" if enabled else "false"

        ttl = s.cache_ttls
        flags = s.feature_flags
        return [
            # Production data credentials and generated/auth secrets: sensitive, production only.
            secret("DATABASE_URL", args.database_url),
            secret("DATABASE_READ_URL", args.database_read_url),
            secret("REDIS_URL", args.redis_url),
            secret("JWT_SECRET", generated_secret("jwt-secret")),
            secret("SESSION_SECRET", generated_secret("session-secret")),
            secret("SMTP_PASSWORD", s.smtp.password.get_secret_value()),
            secret("SENTRY_DSN", s.error_tracking_dsn.get_secret_value()),
            *(secret(key, value.get_secret_value()) for key, value in sorted(s.external_api_keys.items())),
            # Checklist "Session timeout configured appropriately (8-24 hours)" (bounded by the config model).
            setting("SESSION_TIMEOUT_HOURS", s.session_timeout_hours),
            # Checklist "Caching Strategy": sessions 2 h, project 30 min, team members 10 min, workspace 1 h.
            setting("CACHE_TTL_SESSION_SECONDS", ttl.session_seconds),
            setting("CACHE_TTL_PROJECT_SECONDS", ttl.project_seconds),
            setting("CACHE_TTL_TEAM_MEMBERS_SECONDS", ttl.team_members_seconds),
            setting("CACHE_TTL_WORKSPACE_SECONDS", ttl.workspace_seconds),
            # The app's own limiter (per user/session); the firewall below limits per IP at the edge.
            setting("RATE_LIMIT_REQUESTS", s.rate_limit.requests),
            setting("RATE_LIMIT_WINDOW_SECONDS", s.rate_limit.window_seconds),
            # Checklist "Partial Rollback": flip a flag in Pulumi.<stack>.yaml and `pulumi up`. Env var changes
            # reach running code on the next deployment (redeploy, as the checklist's step 2 does);
            # NEXT_PUBLIC_* is inlined into the browser bundle at build time, so it needs the rebuild too.
            setting("NEXT_PUBLIC_ENABLE_COLLABORATION", flag(flags.collaboration)),
            setting("ENABLE_REAL_TIME", flag(flags.real_time)),
            setting("ENABLE_WEBSOCKETS", flag(flags.websockets)),
            # Production's mailbox: previews must not send mail as production.
            setting("SMTP_HOST", s.smtp.host, PRODUCTION),
            setting("SMTP_PORT", s.smtp.port, PRODUCTION),
            setting("SMTP_USER", s.smtp.username, PRODUCTION),
            setting("SMTP_FROM", s.smtp.from_address, PRODUCTION),
            # File storage: the role trusts production tokens only, so previews get neither bucket nor role.
            setting("S3_UPLOADS_BUCKET", args.uploads_bucket, PRODUCTION),
            setting("AWS_REGION", ctx.region),
            setting("AWS_ROLE_ARN", role_arn, PRODUCTION),
            setting("MAX_UPLOAD_SIZE_MB", args.max_upload_size_mb),  # checklist "File size limits enforced"
            # Checklist "CORS configuration reviewed": explicit https origins (the config model refuses `*`).
            setting("CORS_ALLOWED_ORIGINS", ",".join(s.cors_origins)),
            # docs/metrics-contract.md: where and under which dimensions the alarms expect the app's metrics.
            # Production only: preview traffic must not move production's alarms.
            setting("METRICS_NAMESPACE", APP_METRICS_NAMESPACE, PRODUCTION),
            setting("METRICS_ENVIRONMENT", ctx.stack, PRODUCTION),
            setting("METRICS_SERVICE", APP_METRICS_SERVICE, PRODUCTION),
        ]


def owasp_rulesets() -> vercel.FirewallConfigManagedRulesetsOwaspArgsDict:
    """Vercel WAF managed OWASP rules (checklist "SQL injection prevention tested", "XSS protection verified").

    `deny` for the injection families no legitimate request carries (SQLi, XSS, RCE, local/remote file
    inclusion). `log` for the broad or noisy families: generic attacks and multipart rules (file uploads
    are multipart and trip them), scanner detection, session fixation, and PHP/Java payloads (this is a
    Node app: they cannot hurt it). Review the firewall log and promote them to `deny` once quiet.
    """
    deny = ("xss", "sqli", "rce", "lfi", "rfi")
    log = ("gen", "ma", "sd", "sf", "php", "java")
    # One key per ruleset, built from the two families: the TypedDict's keys are these names.
    return cast("vercel.FirewallConfigManagedRulesetsOwaspArgsDict",
                {**{r: {"action": "deny", "active": True} for r in deny},
                 **{r: {"action": "log", "active": True} for r in log}})
