"""`ops verify`: a compliant account passes; each drift fails on the right row with the right message."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from stacks.checklist import ALARM_CHECKS, HEALTH_RESPONSE_MS
from tests.ops.account import BUCKETS, PRIMARY, Account, alarm_name, create_primary


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
                  "alarm", "route53-health-check", "health-coverage", "health-endpoint"):
        assert check in checks
    assert "pool 180 connections (90% of max_connections 200)" in result.out
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
