"""S3 buckets and AWS Backup against the checklist ("Backup encryption verified", retention)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from ops.aws import error_code, same_kms_key
from ops.outputs import Storage
from ops.verify.result import Result, expect
from stacks.checklist import BACKUP_RETENTION_DAYS

PUBLIC_ACCESS_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def s3_config(call: Any, bucket: str, key: str, absent: set[str]) -> dict[str, Any] | None:
    """A bucket sub-configuration, or None when S3 says it is not set."""
    try:
        return call(Bucket=bucket).get(key)
    except ClientError as exc:
        if error_code(exc) in absent:
            return None
        raise


def check_bucket(s3: Any, bucket: str, kms_key_arn: str) -> list[Result]:
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as exc:
        if error_code(exc) in {"404", "NoSuchBucket", "NotFound"}:
            return [Result("s3-bucket", bucket, False, "bucket not found")]
        raise
    sse = s3_config(s3.get_bucket_encryption, bucket, "ServerSideEncryptionConfiguration",
                    {"ServerSideEncryptionConfigurationNotFoundError"})
    default = ((sse or {}).get("Rules") or [{}])[0].get("ApplyServerSideEncryptionByDefault", {})
    if default.get("SSEAlgorithm") != "aws:kms":
        encryption = [f"default encryption is {default.get('SSEAlgorithm') or 'not set'}, expected aws:kms"]
    elif not same_kms_key(default.get("KMSMasterKeyID"), kms_key_arn):
        encryption = [f"SSE-KMS key is {default.get('KMSMasterKeyID') or 'the AWS-managed key'}, "
                      f"expected {kms_key_arn}"]
    else:
        encryption = []
    status = s3.get_bucket_versioning(Bucket=bucket).get("Status")
    block = s3_config(s3.get_public_access_block, bucket, "PublicAccessBlockConfiguration",
                      {"NoSuchPublicAccessBlockConfiguration"}) or {}
    open_flags = [f for f in PUBLIC_ACCESS_FLAGS if not block.get(f)]
    return [
        expect("s3-encryption", bucket, encryption, "aws:kms with the storage key"),
        expect("s3-versioning", bucket, [] if status == "Enabled" else [f"versioning is {status or 'off'}"],
               "Enabled"),
        expect("s3-public-access-block", bucket,
               [f"public access not blocked: {', '.join(open_flags)} off"] if open_flags else [],
               "all four flags on"),
    ]


def check_backup(backup: Any, storage: Storage) -> list[Result]:
    try:
        vault = backup.describe_backup_vault(BackupVaultName=storage.backup_vault_name)
        vault_problems = ([] if same_kms_key(vault.get("EncryptionKeyArn"), storage.kms_key_arn)
                          else [f"encrypted with {vault.get('EncryptionKeyArn')}, expected {storage.kms_key_arn}"])
    except ClientError as exc:
        if error_code(exc) not in {"ResourceNotFoundException", "AccessDeniedException"}:
            raise
        vault_problems = ["vault not found"]
    results = [expect("backup-vault-encryption", storage.backup_vault_name, vault_problems, "storage key")]
    try:
        rules = backup.get_backup_plan(BackupPlanId=storage.backup_plan_id)["BackupPlan"]["Rules"]
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        return [*results, Result("backup-plan-retention", storage.backup_plan_id, False, "plan not found")]
    problems = []
    for rule in rules:
        days = (rule.get("Lifecycle") or {}).get("DeleteAfterDays")
        if days is None:
            problems.append(f"rule {rule['RuleName']} has no Lifecycle.DeleteAfterDays")
        elif days < BACKUP_RETENTION_DAYS:
            problems.append(f"rule {rule['RuleName']} keeps backups {days} days < {BACKUP_RETENTION_DAYS} (checklist)")
    retention = ", ".join(f"{r['RuleName']}={(r.get('Lifecycle') or {}).get('DeleteAfterDays')}d" for r in rules)
    if not rules:
        problems.append("plan has no rules")
    return [*results, expect("backup-plan-retention", storage.backup_plan_id, problems, retention)]


def check_storage(s3: Any, backup: Any, storage: Storage) -> list[Result]:
    results = []
    for bucket in (storage.backups_bucket, storage.uploads_bucket):
        results += check_bucket(s3, bucket, storage.kms_key_arn)
    return results + check_backup(backup, storage)
