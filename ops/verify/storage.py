"""S3 buckets and AWS Backup against the checklist ("Backup encryption verified", retention)."""

from __future__ import annotations

from collections.abc import Callable

from botocore.exceptions import ClientError

from ops.aws import Client, Record, error_code, same_kms_key
from ops.outputs import Storage
from ops.verify.result import Result, expect
from stacks.checklist import BACKUP_RETENTION_DAYS

PUBLIC_ACCESS_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def s3_config(call: Callable[..., Record], bucket: str, key: str, absent: set[str]) -> Record | None:
    """A bucket sub-configuration, or None when S3 says it is not set."""
    try:
        config: Record | None = call(Bucket=bucket).get(key)
        return config
    except ClientError as exc:
        if error_code(exc) in absent:
            return None
        raise


def default_encryption(s3: Client, bucket: str) -> Record:
    """The bucket's default encryption (``ApplyServerSideEncryptionByDefault``), {} when not set."""
    sse = s3_config(s3.get_bucket_encryption, bucket, "ServerSideEncryptionConfiguration",
                    {"ServerSideEncryptionConfigurationNotFoundError"})
    default: Record = ((sse or {}).get("Rules") or [{}])[0].get("ApplyServerSideEncryptionByDefault", {})
    return default


def kms_with(kms_key_arn: str) -> tuple[Callable[[Record], list[str]], str]:
    """SSE-KMS with exactly this key (the backups and uploads buckets)."""
    def problems(default: Record) -> list[str]:
        if default.get("SSEAlgorithm") != "aws:kms":
            return [f"default encryption is {default.get('SSEAlgorithm') or 'not set'}, expected aws:kms"]
        if not same_kms_key(default.get("KMSMasterKeyID"), kms_key_arn):
            return [f"SSE-KMS key is {default.get('KMSMasterKeyID') or 'the AWS-managed key'}, expected {kms_key_arn}"]
        return []
    return problems, "aws:kms with the storage key"


def kms_in(region: str) -> tuple[Callable[[Record], list[str]], str]:
    """SSE-KMS with a customer-managed key of ``region`` (the DR replica: its key is its own and not
    exported, and S3 can only use a key of the bucket's region)."""
    def problems(default: Record) -> list[str]:
        if default.get("SSEAlgorithm") != "aws:kms":
            return [f"default encryption is {default.get('SSEAlgorithm') or 'not set'}, expected aws:kms"]
        key = default.get("KMSMasterKeyID") or ""
        if not key:
            return ["SSE-KMS key is the AWS-managed key, expected a customer-managed key"]
        if key.startswith("arn:") and key.split(":")[3] != region:
            return [f"SSE-KMS key {key} is not in {region}"]
        return []
    return problems, f"aws:kms with a customer-managed key in {region}"


def sse_s3() -> tuple[Callable[[Record], list[str]], str]:
    """SSE-S3 (AES256) for the access-logs bucket: S3 server access log delivery refuses a target whose
    default encryption is SSE-KMS, so AES256 is the only encryption it can have (S3 User Guide,
    "Enabling Amazon S3 server access logging"); aws:kms there would silently stop the audit trail."""
    def problems(default: Record) -> list[str]:
        algorithm = default.get("SSEAlgorithm")
        if algorithm == "AES256":
            return []
        return [f"default encryption is {algorithm or 'not set'}, expected AES256 (log delivery refuses SSE-KMS)"]
    return problems, "AES256 (SSE-S3: log delivery refuses SSE-KMS)"


def check_bucket(s3: Client, bucket: str,
                 encryption: tuple[Callable[[Record], list[str]], str]) -> list[Result]:
    """One bucket is encrypted as expected, versioned and private."""
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as exc:
        if error_code(exc) in {"404", "NoSuchBucket", "NotFound"}:
            return [Result("s3-bucket", bucket, False, "bucket not found")]
        raise
    encryption_problems, encryption_ok = encryption
    status = s3.get_bucket_versioning(Bucket=bucket).get("Status")
    block = s3_config(s3.get_public_access_block, bucket, "PublicAccessBlockConfiguration",
                      {"NoSuchPublicAccessBlockConfiguration"}) or {}
    open_flags = [f for f in PUBLIC_ACCESS_FLAGS if not block.get(f)]
    return [
        expect("s3-encryption", bucket, encryption_problems(default_encryption(s3, bucket)), encryption_ok),
        expect("s3-versioning", bucket, [] if status == "Enabled" else [f"versioning is {status or 'off'}"],
               "Enabled"),
        expect("s3-public-access-block", bucket,
               [f"public access not blocked: {', '.join(open_flags)} off"] if open_flags else [],
               "all four flags on"),
    ]


def check_access_logging(s3: Client, bucket: str, target: str) -> Result:
    """Server access logging of ``bucket`` is on and delivers into the access-logs bucket."""
    logging = s3.get_bucket_logging(Bucket=bucket).get("LoggingEnabled")
    if not logging:
        problems = [f"server access logging is off, expected it into {target}"]
    elif logging.get("TargetBucket") != target:
        problems = [f"access logs go to {logging.get('TargetBucket')}, expected {target}"]
    else:
        problems = []
    detail = f"into {target}/{(logging or {}).get('TargetPrefix', '')}"
    return expect("s3-access-logging", bucket, problems, detail)


def check_dr_location(s3: Client, bucket: str, region: str) -> Result:
    """The replica really is in another region (us-east-1 reports an empty LocationConstraint)."""
    location = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint") or "us-east-1"
    return expect("s3-dr-region", bucket, [] if location == region else [f"bucket is in {location}, expected {region}"],
                  region)


def bucket_of(arn: str) -> str:
    """The bucket name of an S3 bucket ARN (any partition); '' for anything else."""
    return arn.split(":::", 1)[1] if arn.startswith("arn:") and ":s3:::" in arn else ""


def check_replication(s3: Client, bucket: str, dr_bucket: str) -> Result:
    """The backups bucket replicates to the DR bucket through at least one Enabled rule."""
    config = s3_config(s3.get_bucket_replication, bucket, "ReplicationConfiguration",
                       {"ReplicationConfigurationNotFoundError"})
    if config is None:
        problems = [f"no replication configuration, expected an Enabled rule to {dr_bucket}"]
    else:
        rules = [r for r in config.get("Rules", []) if bucket_of((r.get("Destination") or {}).get("Bucket", ""))
                 == dr_bucket]
        if not rules:
            problems = [f"no replication rule to {dr_bucket}"]
        elif not any(r.get("Status") == "Enabled" for r in rules):
            problems = [f"replication rule to {dr_bucket} is {rules[0].get('Status')}, expected Enabled"]
        else:
            problems = []
    return expect("s3-replication", bucket, problems, f"Enabled rule to {dr_bucket}")


def check_backup(backup: Client, storage: Storage) -> list[Result]:
    """The backup vault exists and the plan keeps backups for the checklist's retention."""
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


def check_storage(s3: Client, backup: Client, storage: Storage, dr_s3: Client) -> list[Result]:
    """``dr_s3`` is an S3 client in ``storage.dr_region``, where the replica lives."""
    results = []
    for bucket in (storage.backups_bucket, storage.uploads_bucket):
        results += check_bucket(s3, bucket, kms_with(storage.kms_key_arn))
    results += check_backup(backup, storage)
    results += check_bucket(s3, storage.access_logs_bucket, sse_s3())
    results += [check_access_logging(s3, bucket, storage.access_logs_bucket)
                for bucket in (storage.backups_bucket, storage.uploads_bucket)]
    dr = check_bucket(dr_s3, storage.dr_bucket, kms_in(storage.dr_region))
    if dr[0].check != "s3-bucket":  # the bucket exists
        dr.append(check_dr_location(dr_s3, storage.dr_bucket, storage.dr_region))
    return [*results, *dr, check_replication(s3, storage.backups_bucket, storage.dr_bucket)]
