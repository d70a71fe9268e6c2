"""Synthetic monitoring: CloudWatch Synthetics canaries measure the checklist's latency numbers continuously.

Checklist lines carried here (docs/production-deployment-checklist.md): "API response times < 500ms" and
"Page load times < 3 seconds" (post-deployment verification), "Average response time < 500ms", "WebSocket
connections stable" and "All health checks passing" (success criteria). An API canary calls every health
endpoint of stacks/checklist.py ``CANARY_API_ENDPOINTS`` (the four of "Health Check Endpoints" and the
troubleshooting guide's ``/api/websocket/health``), one step per endpoint; a browser canary loads the home page.
Both run every ``monitoring.canary_interval_minutes`` from the stack's region.

Alarms (tags ``Check=<id>``, ``Severity=<severity>``; ``stacks.checklist.CANARY_CHECKS``): each canary's
``SuccessPercent`` (critical) and each step's ``Duration`` against 500 ms per API call and 3 s for the page
(warning), missing data breaching -- a canary that stops running measures nothing.

The scripts are code in this repository (components/canaries/*.js); the program zips each one deterministically
(fixed timestamps and permissions: the same script gives the same bytes, so an unchanged script is no change)
and uploads it as an S3 object of the artifacts bucket, whose version the canary pins. No network while the
program runs. Artifacts go to the Storage component's ``Role=canary-artifacts`` bucket (SSE-KMS with the
storage CMK, versioned, public access blocked, access-logged, expired after CANARY_ARTIFACT_RETENTION_DAYS).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.base import TYPE_PREFIX, StackContext, assume_role_policy, child, key_grant
from stacks.checklist import (
    CANARY_API_ENDPOINTS,
    CANARY_ARTIFACT_RETENTION_DAYS,
    CANARY_CHECKS,
    CANARY_PAGE_PATH,
    CANARY_RUNTIME_VERSION,
    HEALTH_RESPONSE_MS,
    PAGE_LOAD_MS,
)
from stacks.models import MonitoringSettings

SCRIPTS = Path(__file__).resolve().parent / "canaries"
# CloudWatch User Guide, "Writing a Node.js canary script": a Node.js runtime loads the handler from
# nodejs/node_modules/<file>.js inside the zip; the handler is "<file>.handler".
NODE_MODULES = "nodejs/node_modules"
SYNTHETICS_NAMESPACE = "CloudWatchSynthetics"
# A fixed timestamp (the zip format's earliest) and mode: the archive's bytes depend on the script alone.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
ZIP_MODE = 0o644 << 16
PAGE_STEP = "home-page"
# The canary's own run limit: room for five endpoints at their timeout, or a page at its, plus start-up.
RUN_TIMEOUT_SECONDS = 60


def step_name(path: str) -> str:
    """The Synthetics step (and the alarms' StepName dimension) of an endpoint: ``/api/redis/health`` ->
    ``api-redis-health``."""
    return "-".join(part for part in path.strip("/").replace("_", "-").split("/") if part) or "root"


def script_zip(script: str) -> bytes:
    """The deployment package of ``components/canaries/<script>.js``: one file, deflated, with fixed metadata."""
    source = (SCRIPTS / f"{script}.js").read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(f"{NODE_MODULES}/{script}.js", date_time=ZIP_DATE)
        info.external_attr = ZIP_MODE
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, source)
    return buffer.getvalue()


def schedule(minutes: int) -> str:
    """A Synthetics rate expression (``rate(1 minute)`` is singular)."""
    return f"rate({minutes} minute{'s' if minutes != 1 else ''})"


@dataclass(frozen=True)
class SyntheticsArgs:
    """What the Synthetics component needs: the stack, its monitoring settings, the app, where artifacts go and
    which topics the alarms notify."""
    context: StackContext
    settings: MonitoringSettings
    app_domain: str
    artifacts_bucket: str  # Storage.canary_artifacts_bucket (explicit name)
    artifacts_kms_key_arn: pulumi.Input[str]  # Storage.kms_key_arn: the bucket's CMK
    artifacts_kms_alias: str  # Storage.kms_alias: the same key's alias, known at preview (the role policy's grant)
    topic_arns: dict[str, pulumi.Output[str]]  # Monitoring.topic_arns: severity -> topic ARN


@dataclass(frozen=True)
class _Canary:
    role: str  # "api" or "home"
    script: str
    steps: list[tuple[str, str]]  # (step name, path)
    check: str  # the duration check id of CANARY_CHECKS
    limit_ms: int
    environment: dict[str, str]


class Synthetics(pulumi.ComponentResource):
    """The API and browser canaries, their execution role and their alarms."""
    canary_names: dict[str, str]  # "api" | "home" -> canary name (explicit: known at preview)
    alarms: dict[str, list[str]]  # check id (CANARY_CHECKS) -> alarm names

    def __init__(self, name: str, args: SyntheticsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:Synthetics", name, None, opts)
        self._name, self._args = name, args
        ctx, s = args.context, args.settings
        self.alarms = {}
        base_url = f"https://{args.app_domain}"
        api_steps = [(step_name(path), path) for path in CANARY_API_ENDPOINTS]
        canaries = [
            _Canary("api", "api_health", api_steps, "canary-api-duration", HEALTH_RESPONSE_MS, {
                "BASE_URL": base_url,
                "STEPS": json.dumps([{"step": step, "path": path} for step, path in api_steps]),
                # A request that takes longer than the checklist's budget is reported slow, not failed: the
                # duration alarm (warning) says "slow", the success alarm (critical) "down".
                "TIMEOUT_MS": str(10 * HEALTH_RESPONSE_MS),
            }),
            _Canary("home", "home_page", [(PAGE_STEP, CANARY_PAGE_PATH)], "canary-page-duration", PAGE_LOAD_MS, {
                "PAGE_URL": base_url + CANARY_PAGE_PATH,
                "STEP": PAGE_STEP,
                "TIMEOUT_MS": str(10 * PAGE_LOAD_MS),
            }),
        ]
        self.canary_names = {c.role: ctx.name(f"{c.role}-canary") for c in canaries}
        role = self._role(list(self.canary_names.values()))
        for canary in canaries:
            self._canary(canary, role, s.canary_interval_minutes)
        self.register_outputs({"canary_names": self.canary_names, "alarms": self.alarms})

    def _prefix(self, canary_name: str) -> str:
        """The key prefix of one canary's artifacts (its role may write there only)."""
        return f"canaries/{canary_name}/"

    # -- execution role ------------------------------------------------------------------------------
    def _role(self, canary_names: list[str]) -> aws.iam.Role:
        """The canaries' execution role, least privilege (CloudWatch User Guide, "Required roles and permissions
        for canaries"): write objects under each canary's artifact prefix only, encrypt them with the bucket's
        key through S3, publish metrics in the CloudWatchSynthetics namespace only, and log to the canaries' own
        Lambda log groups (`/aws/lambda/cwsyn-<canary name>-*`). No s3:ListAllMyBuckets: the canaries are given
        their bucket."""
        ctx, a = self._args.context, self._args
        bucket_arn = f"arn:{ctx.partition}:s3:::{a.artifacts_bucket}"
        role = aws.iam.Role(
            f"{self._name}-canary-role",
            name=ctx.name("canary"),
            description="CloudWatch Synthetics canaries of the chatpdd health endpoints and home page",
            assume_role_policy=assume_role_policy(ctx, "lambda.amazonaws.com"),
            tags=ctx.tags(role="canary"),
            opts=child(self),
        )
        log_groups = [f"arn:{ctx.partition}:logs:{ctx.region}:{ctx.account_id}:log-group:/aws/lambda/cwsyn-{n}-*"
                      for n in canary_names]
        aws.iam.RolePolicy(
            f"{self._name}-canary-policy",
            name="canary",
            role=role.name,
            # Known at preview (the key by its alias, base.key_grant): the pack judges it at a real preview.
            policy=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Sid": "WriteArtifacts", "Effect": "Allow", "Action": "s3:PutObject",
                 "Resource": [f"{bucket_arn}/{self._prefix(n)}*" for n in canary_names]},
                {"Sid": "LocateArtifactsBucket", "Effect": "Allow", "Action": "s3:GetBucketLocation",
                 "Resource": bucket_arn},
                {"Sid": "EncryptArtifactsViaS3", "Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                 **key_grant(ctx, a.artifacts_kms_alias,
                             condition={"StringEquals": {"kms:ViaService": f"s3.{ctx.region}.amazonaws.com"}})},
                # PutMetricData has no resource ARN: the namespace condition is its only fence.
                {"Sid": "PublishCanaryMetrics", "Effect": "Allow", "Action": "cloudwatch:PutMetricData",
                 "Resource": "*", "Condition": {"StringEquals": {"cloudwatch:namespace": SYNTHETICS_NAMESPACE}}},
                {"Sid": "WriteCanaryLogs", "Effect": "Allow",
                 "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                 "Resource": log_groups + [f"{g}:log-stream:*" for g in log_groups]},
            ]}),
            opts=child(self),
        )
        return role

    # -- canaries ------------------------------------------------------------------------------------
    def _canary(self, c: _Canary, role: aws.iam.Role, interval_minutes: int) -> None:
        ctx, a = self._args.context, self._args
        canary_name = self.canary_names[c.role]
        package = script_zip(c.script)
        digest = hashlib.sha256(package).hexdigest()[:16]
        code = aws.s3.BucketObjectv2(
            f"{self._name}-{c.role}-script",
            bucket=a.artifacts_bucket,
            key=f"scripts/{canary_name}/{c.script}-{digest}.zip",
            content_base64=base64.b64encode(package).decode("ascii"),
            content_type="application/zip",
            server_side_encryption="aws:kms",
            kms_key_id=a.artifacts_kms_key_arn,
            bucket_key_enabled=True,
            tags=ctx.tags(role="canary"),
            opts=child(self),
        )
        aws.synthetics.Canary(
            f"{self._name}-{c.role}",
            name=canary_name,
            runtime_version=CANARY_RUNTIME_VERSION,  # pinned; the pack allows only non-deprecated runtimes
            handler=f"{c.script}.handler",
            s3_bucket=a.artifacts_bucket,
            s3_key=code.key,
            s3_version=code.version_id,  # a new script is a new object version, and an update of the canary
            execution_role_arn=role.arn,
            artifact_s3_location=f"s3://{a.artifacts_bucket}/{self._prefix(canary_name)}",
            artifact_config={"s3_encryption": {"encryption_mode": "SSE_KMS", "kms_key_arn": a.artifacts_kms_key_arn}},
            schedule={"expression": schedule(interval_minutes)},
            run_config={"timeout_in_seconds": RUN_TIMEOUT_SECONDS, "environment_variables": c.environment},
            success_retention_period=CANARY_ARTIFACT_RETENTION_DAYS,
            failure_retention_period=CANARY_ARTIFACT_RETENTION_DAYS,
            start_canary=True,
            delete_lambda=True,  # a removed canary leaves no Lambda function or layer behind
            tags=ctx.tags(role="canary", Canary=c.role),
            opts=child(self, depends_on=[code]),
        )
        period = interval_minutes * 60
        self._alarm("canary-success", canary_name, {"CanaryName": canary_name}, "SuccessPercent", "Minimum",
                    period, f"share of successful runs of {canary_name} ({', '.join(p for _, p in c.steps)})")
        for step, path in c.steps:
            self._alarm(c.check, f"{canary_name}-{step}", {"CanaryName": canary_name, "StepName": step}, "Duration",
                        "Maximum", period, f"duration of GET https://{a.app_domain}{path} in ms (limit {c.limit_ms})")

    def _alarm(self, check_id: str, monitored: str, dimensions: dict[str, str], metric_name: str, statistic: str,
               period: int, description: str) -> None:
        """One alarm on a canary metric. Critical alarms page on the first failed run (one period: a canary
        period is at least a minute); warnings on three slow runs in a row within 15 minutes when the canary runs
        every 5 (one run when it runs less often). Missing data is breaching: a canary that stops running
        (stopped, its Lambda failing to start, deleted) is no evidence of health."""
        ctx, a = self._args.context, self._args
        check = CANARY_CHECKS[check_id]
        periods = 1 if check.severity == "critical" else max(1, min(3, 900 // period))
        topic = a.topic_arns[check.severity]
        alarm_name = ctx.name(f"{monitored.removeprefix(ctx.prefix + '-')}-{check_id}")
        aws.cloudwatch.MetricAlarm(
            f"{self._name}-{monitored.removeprefix(ctx.prefix + '-')}-{check_id}",
            name=alarm_name,
            alarm_description=f"Checklist \"{check.checklist}\" ({check.severity}): {description}",
            namespace=SYNTHETICS_NAMESPACE,
            metric_name=metric_name,
            dimensions=dimensions,
            statistic=statistic,
            period=period,
            evaluation_periods=periods,
            datapoints_to_alarm=periods,
            comparison_operator=check.comparison,
            threshold=check.limit,
            treat_missing_data="breaching",
            actions_enabled=True,
            alarm_actions=[topic],
            ok_actions=[topic],
            tags=ctx.tags(role="monitoring", Check=check_id, Severity=check.severity),
            opts=child(self),
        )
        self.alarms.setdefault(check_id, []).append(alarm_name)
