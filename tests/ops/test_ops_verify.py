"""`ops verify`: a compliant account passes; each drift fails on the right row with the right message."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from stacks.checklist import ALARM_CHECKS, HEALTH_RESPONSE_MS
from tests.ops.account import (
    ACCESS_LOGS_BUCKET,
    BUCKETS,
    DR_BUCKET,
    DR_REGION,
    PRIMARY,
    Account,
    alarm_name,
    create_primary,
)


def rows(out: str) -> list[tuple[str, ...]]:
    """The table's rows as (check, resource, result, detail)."""
    return [tuple(re.split(r"\s{2,}", line, maxsplit=3)) for line in out.splitlines()[1:-1]]


def failed_rows(out: str) -> list[tuple[str, ...]]:
    return [row for row in rows(out) if row[2] == "FAIL"]


def verify(run_ops, account: Account, ca_bundle: str, *extra: str):
    return run_ops("verify", "--outputs", account.outputs_path, "--ca-bundle", ca_bundle, *extra)


def test_compliant_account_passes(run_ops, compliant_account, ca_bundle):
    result = verify(run_ops, compliant_account, ca_bundle)
    assert result.code == 0, result.out + result.err
    assert failed_rows(result.out) == []
    checks = {row[0] for row in rows(result.out)}
    for check in ("rds-primary-encryption", "rds-primary-multi-az", "rds-primary-backup-retention",
                  "rds-primary-deletion-protection", "rds-replica", "rds-proxy-tls", "rds-proxy-pool",
                  "s3-encryption", "s3-versioning", "s3-public-access-block", "backup-vault-encryption",
                  "backup-plan-retention", "sns-topic-encryption", "sns-topic-subscriptions", "alarm-coverage",
                  "alarm", "route53-health-check", "health-coverage", "health-endpoint", "s3-access-logging",
                  "s3-dr-region", "s3-replication"):
        assert check in checks
    assert "pool 180 connections (90% of max_connections 200)" in result.out
    storage_rows = {(check, resource): detail for check, resource, _, detail in rows(result.out)}
    assert storage_rows[("s3-encryption", ACCESS_LOGS_BUCKET)] == "AES256 (SSE-S3: log delivery refuses SSE-KMS)"
    assert storage_rows[("s3-access-logging", BUCKETS[1])] == f"into {ACCESS_LOGS_BUCKET}/uploads/"
    assert storage_rows[("s3-encryption", DR_BUCKET)] == f"aws:kms with a customer-managed key in {DR_REGION}"
    assert {(check, DR_BUCKET) in storage_rows for check in ("s3-versioning", "s3-public-access-block")} == {True}
    assert storage_rows[("s3-replication", BUCKETS[0])] == f"Enabled rule to {DR_BUCKET}"
    assert result.out.strip().endswith("0 failed")


@pytest.mark.parametrize(("behaviour", "message"), [
    ((500, 0.0), "HTTP 500 in"),
    ((200, (HEALTH_RESPONSE_MS + 200) / 1000), f"no answer within {HEALTH_RESPONSE_MS} ms"),
])
def test_unhealthy_endpoint_fails(run_ops, compliant_account, ca_bundle, health, behaviour, message):
    health.behaviour["/api/redis/health"] = behaviour
    result = verify(run_ops, compliant_account, ca_bundle)
    assert result.code == 1
    [(check, resource, _, detail)] = failed_rows(result.out)
    assert (check, resource) == ("health-endpoint", f"{health.base_url}/api/redis/health")
    assert message in detail


def test_health_endpoints_need_a_trusted_certificate(run_ops, compliant_account):
    # without --ca-bundle the system CAs apply, and they do not trust the test's self-signed certificate
    result = run_ops("verify", "--outputs", compliant_account.outputs_path)
    assert result.code == 1
    failed = failed_rows(result.out)
    assert len(failed) == 4 and all("CERTIFICATE_VERIFY_FAILED" in row[3] for row in failed)


def test_missing_health_url_is_reported(run_ops, compliant_account, ca_bundle):
    urls = compliant_account.outputs["app"]["health_urls"][:-1]
    outputs = compliant_account.outputs_with("app.health_urls", urls)
    result = run_ops("verify", "--outputs", outputs, "--ca-bundle", ca_bundle)
    assert result.code == 1
    assert failed_rows(result.out) == [("health-coverage", "app.health_urls", "FAIL", "no URL for /api/redis/health")]


def test_dr_replica_in_another_region_than_declared_fails(run_ops, compliant_account, ca_bundle):
    """moto answers S3 calls for any bucket whatever the client's region, so the region is checked from
    the bucket's location (and the replica key's ARN), not from which client could reach it."""
    outputs = compliant_account.outputs_with("storage.dr_region", "eu-west-1")
    result = run_ops("verify", "--outputs", outputs, "--ca-bundle", ca_bundle)
    assert result.code == 1
    [encryption, region] = failed_rows(result.out)
    assert encryption[:3] == ("s3-encryption", DR_BUCKET, "FAIL")
    assert encryption[3].startswith(f"SSE-KMS key arn:aws:kms:{DR_REGION}:") and encryption[3].endswith(
        " is not in eu-west-1")
    assert region == ("s3-dr-region", DR_BUCKET, "FAIL", f"bucket is in {DR_REGION}, expected eu-west-1")


def test_budget_cannot_be_looser_than_the_checklist(run_ops, compliant_account, ca_bundle):
    result = verify(run_ops, compliant_account, ca_bundle, "--timeout-ms", str(HEALTH_RESPONSE_MS + 1))
    assert result.code == 2
    assert "looser than the checklist's 500 ms" in result.err


def rds() -> Any:
    return boto3.client("rds")


def substitute_unencrypted_primary(account: Account) -> None:
    """Encryption cannot be switched off in place: someone replaced the primary with a new instance."""
    rds().modify_db_instance(DBInstanceIdentifier=PRIMARY, DeletionProtection=False, ApplyImmediately=True)
    rds().delete_db_instance(DBInstanceIdentifier=PRIMARY, SkipFinalSnapshot=True)
    create_primary(rds(), encrypted_with=None)


def lower_retention(account: Account) -> None:
    rds().modify_db_instance(DBInstanceIdentifier=PRIMARY, BackupRetentionPeriod=7, ApplyImmediately=True)


def delete_alarm(account: Account) -> None:
    boto3.client("cloudwatch").delete_alarms(AlarmNames=[alarm_name("response-time-warning")])


def loosen_alarm(account: Account) -> None:
    check = ALARM_CHECKS["memory-critical"]
    boto3.client("cloudwatch").put_metric_alarm(
        AlarmName=alarm_name("memory-critical"), Namespace="ChatPDD/App", MetricName="memory-critical",
        Statistic="Average", Period=60, EvaluationPeriods=3, Threshold=95, ComparisonOperator=check.comparison,
        ActionsEnabled=True, AlarmActions=[account.outputs["monitoring"]["topic_arns"]["critical"]])


def make_bucket_public(account: Account) -> None:
    boto3.client("s3").delete_public_access_block(Bucket=BUCKETS[0])


def unencrypt_topic(account: Account) -> None:
    boto3.client("sns").set_topic_attributes(TopicArn=account.outputs["monitoring"]["topic_arns"]["critical"],
                                             AttributeName="KmsMasterKeyId", AttributeValue="")


def stop_uploads_logging(account: Account) -> None:
    boto3.client("s3").put_bucket_logging(Bucket=BUCKETS[1], BucketLoggingStatus={})


def delete_replication(account: Account) -> None:
    boto3.client("s3").delete_bucket_replication(Bucket=BUCKETS[0])


CRITICAL_TOPIC = "arn:aws:sns:us-east-1:123456789012:chatpdd-production-critical"
DRIFTS: dict[str, tuple[Callable[[Account], None], tuple[str, str, str, str]]] = {
    # drift: (mutation, the failing row it adds)
    "encryption-off": (substitute_unencrypted_primary,
                       ("rds-primary-encryption", PRIMARY, "FAIL", "storage not encrypted")),
    "retention-lowered": (lower_retention, ("rds-primary-backup-retention", PRIMARY, "FAIL",
                                            "backup retention 7 days < 30 (checklist)")),
    "alarm-deleted": (delete_alarm, ("alarm", alarm_name("response-time-warning"), "FAIL",
                                     "alarm not found (response-time-warning)")),
    "alarm-loosened": (loosen_alarm, ("alarm", alarm_name("memory-critical"), "FAIL",
                                      "threshold 95 looser than checklist limit 90 Percent (Memory usage > 90%)")),
    "bucket-public": (make_bucket_public, ("s3-public-access-block", BUCKETS[0], "FAIL",
                                           "public access not blocked: BlockPublicAcls, IgnorePublicAcls, "
                                           "BlockPublicPolicy, RestrictPublicBuckets off")),
    "topic-unencrypted": (unencrypt_topic, ("sns-topic-encryption", CRITICAL_TOPIC, "FAIL",
                                            "critical topic is not KMS-encrypted")),
    "uploads-logging-off": (stop_uploads_logging, ("s3-access-logging", BUCKETS[1], "FAIL",
                                                   f"server access logging is off, expected it into {ACCESS_LOGS_BUCKET}")),
    "replication-deleted": (delete_replication, ("s3-replication", BUCKETS[0], "FAIL",
                                                 f"no replication configuration, expected an Enabled rule to {DR_BUCKET}")),
}


def test_each_drift_fails_on_exactly_its_check(run_ops, account, ca_bundle, subtests):
    """The drifts touch different resources, so they share one account (built once: moto's EC2 start
    makes a fresh build the slow part) and are applied one after another; after each, verify must
    exit 1 and fail exactly one more row: the drifted check, with its message."""
    failing: list[tuple[str, ...]] = []
    for drift, (mutate, expected_row) in DRIFTS.items():
        with subtests.test(drift=drift):
            mutate(account)
            result = verify(run_ops, account, ca_bundle)
            assert result.code == 1
            now_failing = failed_rows(result.out)
            assert [row for row in now_failing if row not in failing] == [expected_row]
            assert result.out.strip().endswith(f"{len(now_failing)} failed")
            failing = now_failing
    assert len(failing) == len(DRIFTS)
