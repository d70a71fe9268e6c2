"""Errors are one clear line on stderr and exit 2, never a traceback: a bad outputs file (naming the
file and the key), missing credentials, throttling that outlasts the retries."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ops.aws import DEFAULT_MAX_ATTEMPTS, retry_settings
from tests.ops.account import sample_outputs_file
from tests.ops.conftest import FAKE_AWS_ENV, UNSET_AWS_ENV
from tests.ops.servers import throttling_endpoint

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("change", "value", "message"), [
    ("database.kms_key_arn", KeyError,
     "key 'database.kms_key_arn' is missing; expected the ARN of the database KMS key"),
    ("database.replica_identifiers", "chatpdd-production-db-replica-1",
     "key 'database.replica_identifiers' is \"chatpdd-production-db-replica-1\"; "
     "expected a list of replica RDS identifiers (may be empty)"),
    ("database", ["not", "an", "object"], "key 'database' is list; expected an object"),
    ("storage.kms_key_arn", "[secret]", "key 'storage.kms_key_arn' is a masked secret; expected the ARN of the "
     "storage KMS key (export it without marking it secret)"),
    ("storage.dr_region", KeyError,
     "key 'storage.dr_region' is missing; expected the disaster-recovery replica's AWS region"),
    ("storage.access_logs_bucket", "", "key 'storage.access_logs_bucket' is \"\"; expected the S3 access-logs bucket name"),
    ("monitoring.topic_arns.info", KeyError, "key 'monitoring.topic_arns.info' is missing; expected an SNS topic ARN"),
    ("monitoring.alarms", {"cpu-high": ["x"]}, "key 'monitoring.alarms.cpu-high' is not a checklist check; "
     "expected one of stacks.checklist.ALARM_CHECKS (app-health, "),
])
def test_bad_outputs_key_names_file_and_key(run_ops, tmp_path, change, value, message):
    path = sample_outputs_file(tmp_path, change, value)
    result = run_ops("verify", "--outputs", path)
    assert result.code == 2
    assert result.out == ""
    assert result.err.startswith(f"ops verify: error: {path}: {message}")
    assert result.err.count("\n") == 1


@pytest.mark.parametrize(("text", "message"), [
    (None, "cannot read the outputs file (No such file or directory); expected the JSON written by "
           "`pulumi stack output --json`"),
    ('{"database": {', "not valid JSON (line 1, column 15: Expecting property name enclosed in double quotes); "
                      "expected the JSON written by `pulumi stack output --json`"),
    ("[]", "top level is list; expected a JSON object of outputs"),
])
def test_unreadable_outputs_file(run_ops, tmp_path, text, message):
    path = tmp_path / "outputs.json"
    if text is not None:
        path.write_text(text)
    result = run_ops("snapshot", "--outputs", path, "--deployment-id", "1")
    assert result.code == 2
    assert result.err == f"ops snapshot: error: {path}: {message}\n"


def test_unreadable_ca_bundle(run_ops, tmp_path):
    missing = tmp_path / "missing.pem"
    result = run_ops("verify", "--outputs", sample_outputs_file(tmp_path), "--ca-bundle", missing)
    assert result.code == 2
    assert result.err.startswith(f"ops verify: error: --ca-bundle {missing}: cannot load it (")
    assert result.err.rstrip().endswith("expected a PEM file of CA certificates")


def run_module(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ops", *args], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=60, check=False)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return {**env, "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true", **extra}


def test_bad_outputs_from_the_real_entry_point(tmp_path):
    path = sample_outputs_file(tmp_path, "database.primary_identifier", KeyError)
    result = run_module(["snapshot", "--outputs", str(path), "--deployment-id", "1"], clean_env(**FAKE_AWS_ENV))
    assert result.returncode == 2
    assert result.stderr == (f"ops snapshot: error: {path}: key 'database.primary_identifier' is missing; "
                             "expected the primary's RDS identifier\n")


def test_missing_credentials(tmp_path):
    # no key in the environment, no shared files, no instance metadata: nothing to sign with
    path = sample_outputs_file(tmp_path)
    result = run_module(["snapshot", "--outputs", str(path), "--deployment-id", "1"],
                        clean_env(AWS_REGION="us-east-1", AWS_ENDPOINT_URL="http://127.0.0.1:9"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("ops snapshot: error: no AWS credentials found")
    assert result.stderr.count("\n") == 1


def test_throttling_after_retries_is_a_clear_error(run_ops, tmp_path, monkeypatch):
    with throttling_endpoint() as (url, requests):
        for name in UNSET_AWS_ENV:
            monkeypatch.delenv(name, raising=False)
        # standard mode backs off less than adaptive (the default): keeps the test short
        env = {**FAKE_AWS_ENV, "AWS_ENDPOINT_URL": url, "AWS_MAX_ATTEMPTS": "2", "AWS_RETRY_MODE": "standard"}
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        result = run_ops("snapshot", "--outputs", sample_outputs_file(tmp_path), "--deployment-id", "1")
    assert result.code == 2
    assert result.err == ("ops snapshot: error: AWS throttled CreateDBSnapshot (Throttling) on all 2 attempts "
                          "(standard retries); wait and re-run, or raise AWS_MAX_ATTEMPTS\n")
    assert len(requests) == 2 and all("Action=CreateDBSnapshot" in r for r in requests)


def test_retries_default_to_adaptive_mode(monkeypatch):
    monkeypatch.delenv("AWS_RETRY_MODE", raising=False)
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    assert retry_settings() == {"mode": "adaptive", "total_max_attempts": DEFAULT_MAX_ATTEMPTS}


# --- issue 9: every failure is one line and exit 2, never a traceback and never exit 1 -----------------

def assert_one_line(result: subprocess.CompletedProcess[str], start: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(start), result.stderr


@pytest.mark.parametrize(("content", "message"), [
    (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "is a binary file (NUL byte at offset 8; expected text)"),
    (b'{"region": "us-east-1\xff"}', "is not UTF-8 text (invalid byte at offset 21)"),
    (b"[" * 100_000 + b"]" * 100_000, "nested deeper than 32 levels; refused"),
    (b'{"database": {"primary_identifier": "a", "primary_identifier": "b"}}',
     'duplicate key "primary_identifier" (line 1 and line 1)'),
])
def test_hostile_outputs_files_are_one_line(tmp_path, content, message):
    path = tmp_path / "outputs.json"
    path.write_bytes(content)
    result = run_module(["snapshot", "--outputs", str(path), "--deployment-id", "1"], clean_env(**FAKE_AWS_ENV))
    assert_one_line(result, f"ops snapshot: error: {path}: {message}")


def test_an_outputs_file_that_is_a_folder_is_one_line(tmp_path):
    result = run_module(["verify", "--outputs", str(tmp_path)], clean_env(**FAKE_AWS_ENV))
    assert_one_line(result, f"ops verify: error: {tmp_path}: is a folder (expected a file)")


@pytest.mark.parametrize(("value", "message"), [
    ("lots", "AWS_MAX_ATTEMPTS='lots' is not a whole number from 1 to 50"),
    ("0", "AWS_MAX_ATTEMPTS='0' is not a whole number from 1 to 50"),
    ("100000", "AWS_MAX_ATTEMPTS='100000' is not a whole number from 1 to 50"),
])
def test_bad_aws_max_attempts_is_one_line(tmp_path, value, message):
    env = clean_env(**FAKE_AWS_ENV, AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_MAX_ATTEMPTS=value)
    result = run_module(["snapshot", "--outputs", str(sample_outputs_file(tmp_path)), "--deployment-id", "1"], env)
    assert_one_line(result, f"ops snapshot: error: {message}")


def test_missing_region_names_what_botocore_reads(tmp_path):
    env = clean_env(**{k: v for k, v in FAKE_AWS_ENV.items() if k != "AWS_DEFAULT_REGION"},
                    AWS_ENDPOINT_URL="http://127.0.0.1:9")
    assert env["AWS_REGION"] == "us-east-1" and "AWS_DEFAULT_REGION" not in env
    path = sample_outputs_file(tmp_path, "region", KeyError)
    result = run_module(["snapshot", "--outputs", str(path), "--deployment-id", "1"], env)
    assert_one_line(result, "ops snapshot: error: no AWS region: set 'region' in the outputs file or "
                            "AWS_DEFAULT_REGION; AWS_REGION is set, but botocore (which ops uses) does not read it")


@pytest.mark.parametrize(("args", "message"), [
    (["cleanup-snapshots", "--now", "next tuesday"], "argument --now: not an ISO 8601 timestamp: 'next tuesday'"),
    (["cleanup-snapshots", "--retention-days", "thirty"], "argument --retention-days: invalid int value: 'thirty'"),
    (["snapshot", "--deployment-id", "1", "--wait-seconds", "-5"],
     "argument --wait-seconds: '-5' is not a whole number from 1 to 86400"),
])
def test_malformed_arguments_are_one_line(tmp_path, args, message):
    result = run_module([*args, "--outputs", str(sample_outputs_file(tmp_path))], clean_env(**FAKE_AWS_ENV))
    assert_one_line(result, f"ops: error: {message} (see `python -m ops --help`)")
