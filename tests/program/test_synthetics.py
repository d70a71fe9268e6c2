"""Synthetics: the API and browser canaries, their code package, execution role and alarms (committed stacks)."""

from __future__ import annotations

import base64
import io
import json
import zipfile

import pytest

from components.synthetics import SCRIPTS, script_zip, step_name
from gate.program.program import CapturedResource, ProgramRun
from stacks.checklist import (
    CANARY_API_ENDPOINTS,
    CANARY_ARTIFACT_RETENTION_DAYS,
    CANARY_CHECKS,
    CANARY_RUNTIME_VERSION,
    HEALTH_ENDPOINTS,
    HEALTH_RESPONSE_MS,
    PAGE_LOAD_MS,
)
from tests.program.component_run import pack_violations

COMPONENT = "chatpdd:components:Synthetics"
CANARY = "aws:synthetics/canary:Canary"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2"
STACKS = ("production", "staging")


@pytest.fixture(params=STACKS)
def stack(request, program_runs, loaded_stacks):
    return program_runs[request.param], loaded_stacks[request.param].config


def canaries(run: ProgramRun) -> dict[str, CapturedResource]:
    return {c.inputs["tags"]["Canary"]: c for c in run.by_type(CANARY)}


def canary_alarms(run: ProgramRun) -> list[CapturedResource]:
    parent = run.one(COMPONENT).urn
    return [a for a in run.by_type(ALARM) if a.parent == parent]


def test_the_api_canary_calls_every_health_endpoint_and_the_websocket_one(stack):
    run, config = stack
    api = canaries(run)["api"]
    env = api.inputs["runConfig"]["environmentVariables"]
    assert env["BASE_URL"] == f"https://{config.app.domain}"
    paths = [s["path"] for s in json.loads(env["STEPS"])]
    assert paths == list(CANARY_API_ENDPOINTS) and set(HEALTH_ENDPOINTS) < set(paths)
    assert "/api/websocket/health" in paths
    home = canaries(run)["home"]
    assert home.inputs["runConfig"]["environmentVariables"]["PAGE_URL"] == f"https://{config.app.domain}/"


def test_canaries_run_at_the_configured_interval_with_the_pinned_runtime(stack):
    run, config = stack
    minutes = config.monitoring.canary_interval_minutes
    assert minutes == (5 if run.stack == "production" else 15)
    for canary in canaries(run).values():
        assert canary.inputs["schedule"] == {"expression": f"rate({minutes} minutes)"}
        assert canary.inputs["runtimeVersion"] == CANARY_RUNTIME_VERSION
        assert canary.inputs["startCanary"] is True
        assert canary.inputs["successRetentionPeriod"] == CANARY_ARTIFACT_RETENTION_DAYS
        assert canary.provider.split("::")[-2] == "aws"  # the stack's region


def test_artifacts_are_encrypted_with_the_storage_key_under_each_canarys_prefix(stack):
    run, config = stack
    bucket = config.storage.canary_artifacts_bucket_name
    key = next(r for r in run.by_type("aws:kms/key:Key") if r.name == "storage-kms")
    for canary in canaries(run).values():
        assert canary.inputs["artifactS3Location"] == f"s3://{bucket}/canaries/{canary.inputs['name']}/"
        assert canary.inputs["artifactConfig"]["s3Encryption"]["encryptionMode"] == "SSE_KMS"
        assert key.urn in canary.property_dependencies["artifactConfig"]


def test_the_code_package_is_the_committed_script_zipped_deterministically(stack):
    run, _ = stack
    objects = {o.name: o for o in run.by_type(OBJECT)}
    for role, script in (("api", "api_health"), ("home", "home_page")):
        obj = objects[f"synthetics-{role}-script"]
        package = base64.b64decode(obj.inputs["contentBase64"])
        assert package == script_zip(script)  # same script, same bytes
        with zipfile.ZipFile(io.BytesIO(package)) as archive:
            (info,) = archive.infolist()
            assert info.filename == f"nodejs/node_modules/{script}.js" and info.date_time == (1980, 1, 1, 0, 0, 0)
            assert archive.read(info) == (SCRIPTS / f"{script}.js").read_bytes()
        canary = canaries(run)[role]
        assert canary.inputs["handler"] == f"{script}.handler"
        assert obj.urn in canary.property_dependencies["s3Version"]
        assert obj.inputs["serverSideEncryption"] == "aws:kms"


def test_the_canary_role_is_least_privilege(stack):
    run, config = stack
    parent = run.one(COMPONENT).urn
    (policy,) = [p for p in run.by_type("aws:iam/rolePolicy:RolePolicy") if p.parent == parent]
    assert not policy.property_dependencies.get("policy"), "known at preview"
    statements = {s["Sid"]: s for s in json.loads(policy.properties["policy"])["Statement"]}
    bucket = f"arn:aws:s3:::{config.storage.canary_artifacts_bucket_name}"
    names = [c.inputs["name"] for c in canaries(run).values()]
    assert statements["WriteArtifacts"]["Action"] == "s3:PutObject"
    assert sorted(statements["WriteArtifacts"]["Resource"]) == sorted(f"{bucket}/canaries/{n}/*" for n in names)
    assert statements["PublishCanaryMetrics"]["Condition"] == {
        "StringEquals": {"cloudwatch:namespace": "CloudWatchSynthetics"}}
    assert all(":log-group:/aws/lambda/cwsyn-" in r for r in statements["WriteCanaryLogs"]["Resource"])
    assert all(s["Resource"] != "*" for sid, s in statements.items() if sid != "PublishCanaryMetrics")


def test_alarms_watch_success_and_every_steps_duration_against_the_checklist(stack):
    run, config = stack
    names = {c.inputs["tags"]["Canary"]: c.inputs["name"] for c in run.by_type(CANARY)}
    alarms = canary_alarms(run)
    period = config.monitoring.canary_interval_minutes * 60
    success = {a.inputs["dimensions"]["CanaryName"] for a in alarms if a.inputs["tags"]["Check"] == "canary-success"}
    assert success == set(names.values())
    steps = {(a.inputs["dimensions"]["StepName"], a.inputs["threshold"]) for a in alarms
             if a.inputs["metricName"] == "Duration"}
    assert steps == {(step_name(p), HEALTH_RESPONSE_MS) for p in CANARY_API_ENDPOINTS} | {("home-page", PAGE_LOAD_MS)}
    for alarm in alarms:
        check = CANARY_CHECKS[alarm.inputs["tags"]["Check"]]
        assert alarm.inputs["tags"]["Severity"] == check.severity
        assert alarm.inputs["namespace"] == "CloudWatchSynthetics" and alarm.inputs["period"] == period
        assert alarm.inputs["treatMissingData"] == "breaching"
        assert alarm.inputs["alarmActions"] == [run.outputs["monitoring"]["topic_arns"][check.severity]]
        # Within the checklist's window (5 min critical, 15 min warning), or one run when the canary runs less often.
        window = 300 if check.severity == "critical" else 900
        assert alarm.inputs["evaluationPeriods"] * period <= max(window, period)
    assert len(alarms) == 2 + len(CANARY_API_ENDPOINTS) + 1


def test_step_names():
    assert step_name("/api/redis/health") == "api-redis-health"
    assert step_name("/") == "root"


def test_the_policy_pack_finds_nothing(stack):
    run, _ = stack
    assert pack_violations(run, COMPONENT) == {}
