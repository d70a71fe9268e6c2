"""Storage: one customer-managed KMS key, the backups and uploads buckets, and AWS Backup for the database.

Checklist lines served here: "Backup encryption verified" and "Data at rest encryption verified" (SSE-KMS
with a rotated CMK on both buckets and the backup vault), "File storage credentials configured" and
"File Sharing" (a private, TLS-only uploads bucket the app reaches through its OIDC role, CORS limited to
the app's origins, versioning for "File versioning working"), "cleanup-old-backups --retention-days=30"
(lifecycle expiry and the AWS Backup plan both keep `backup_retention_days`). The resource contract the
policy pack checks is docs/architecture.md, "Storage".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.base import TYPE_PREFIX, StackContext, assume_role_policy, child, kms_key_policy, stateful
from stacks.models import StorageSettings

# Redis Cloud writes its remote backups from its own AWS account. Redis Cloud docs, "Back up a database"
# -> "AWS S3" (redis.io/docs/latest/operate/rc/databases/back-up-data/): the bucket policy must let this
# principal s3:PutObject/GetObject/DeleteObject on the backup objects, and an SSE-KMS bucket's key policy
# must let it use the key. We grant only the `redis/` prefix and only key use through S3.
REDIS_CLOUD_BACKUP_PRINCIPAL = "arn:aws:iam::168085023892:root"
REDIS_BACKUP_PREFIX = "redis"

# AWS Backup's service role: the AWS managed policies for backing up and restoring (AWS Backup developer
# guide, "Default service role for AWS Backup").
AWS_BACKUP_MANAGED_POLICIES = {
    "backup": "service-role/AWSBackupServiceRolePolicyForBackup",
    "restores": "service-role/AWSBackupServiceRolePolicyForRestores",
}

# Incomplete multipart uploads are invisible, billed storage: abort them after a week.
ABORT_MULTIPART_DAYS = 7
# Browser uploads go straight to S3 with presigned URLs (checklist "File upload and sharing working").
CORS_METHODS = ["GET", "PUT", "POST", "HEAD"]
CORS_HEADERS = ["Content-Type", "Content-MD5", "Content-Disposition", "x-amz-*"]


@dataclass(frozen=True)
class StorageArgs:
    context: StackContext
    settings: StorageSettings
    cors_origins: list[str]
    database_arns: list[pulumi.Input[str]]


def bucket_arn(context: StackContext, bucket: str) -> str:
    """The ARN of a bucket from its (explicit) name: known at preview, unlike the bucket's `arn` output."""
    return f"arn:{context.partition}:s3:::{bucket}"


def tls_only_statements(arn: str) -> list[dict[str, Any]]:
    """Checklist "Data in transit encryption verified": refuse plain HTTP and TLS older than 1.2."""
    resources = [arn, f"{arn}/*"]
    return [
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": resources, "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "DenyOutdatedTls", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": resources, "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}}},
    ]


class Storage(pulumi.ComponentResource):
    kms_key_arn: pulumi.Output[str]
    uploads_kms_key_arn: pulumi.Output[str]  # the app's OIDC role needs kms:Decrypt/GenerateDataKey on it
    backups_bucket: str  # explicit bucket names: known at preview
    uploads_bucket: str
    uploads_bucket_arn: str
    backup_vault_name: str
    backup_plan_id: pulumi.Output[str]
    redis_backup_path: str  # s3://<backups bucket>/redis

    def __init__(self, name: str, args: StorageArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:Storage", name, None, opts)
        ctx, s = args.context, args.settings
        wildcard = [o for o in args.cors_origins if "*" in o]
        if wildcard or not args.cors_origins:
            # The config model already refuses these; a component built another way must not either.
            raise ValueError(f"uploads CORS needs explicit app origins, got {list(args.cors_origins)!r}")

        self.backups_bucket = s.backups_bucket_name
        self.uploads_bucket = s.uploads_bucket_name
        backups_arn = bucket_arn(ctx, self.backups_bucket)
        self.uploads_bucket_arn = bucket_arn(ctx, self.uploads_bucket)
        self.redis_backup_path = f"s3://{self.backups_bucket}/{REDIS_BACKUP_PREFIX}"
        self.backup_vault_name = ctx.name("backup-vault")

        # -- the key ---------------------------------------------------------------------------------
        # The account root administers the key and delegates use through IAM (the backup role's managed
        # policy, the app's OIDC role). Redis Cloud remote backups land in the SSE-KMS backups bucket (Redis
        # Cloud docs, "Back up to AWS S3": the key policy must allow its principal): narrowed to data-key
        # use via S3 in this region, for the backups bucket only.
        redis_key_statement = {
            "Sid": "RedisCloudBackupsViaS3", "Effect": "Allow",
            "Principal": {"AWS": REDIS_CLOUD_BACKUP_PRINCIPAL},
            "Action": ["kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt"], "Resource": "*",
            "Condition": {
                "StringEquals": {"kms:ViaService": f"s3.{ctx.region}.amazonaws.com"},
                # With an S3 Bucket Key the encryption context is the bucket ARN, without it the object's.
                "StringLike": {"kms:EncryptionContext:aws:s3:arn": [
                    backups_arn, f"{backups_arn}/{REDIS_BACKUP_PREFIX}/*"]},
            },
        }
        # Checklist "Backup encryption verified" / "Data at rest encryption verified": a customer-managed,
        # yearly-rotated key (not aws/s3) so access to backups and uploads is auditable and revocable.
        key = aws.kms.Key(
            f"{name}-kms",
            description=f"{ctx.prefix} storage: backups and uploads buckets, AWS Backup vault",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=kms_key_policy(ctx, redis_key_statement),
            tags=ctx.tags(role="storage"),
            opts=stateful(self),
        )
        aws.kms.Alias(f"{name}-kms-alias", name=f"alias/{ctx.name('storage')}", target_key_id=key.key_id,
                      opts=child(self))
        self.kms_key_arn = key.arn
        # One key by design (brief); exposed separately so the app's IAM policy names its own dependency.
        self.uploads_kms_key_arn = key.arn

        # -- backups bucket ----------------------------------------------------------------------------
        redis_statement = {
            "Sid": "RedisCloudBackupsAccess", "Effect": "Allow",
            "Principal": {"AWS": REDIS_CLOUD_BACKUP_PRINCIPAL},
            "Action": ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
            "Resource": f"{backups_arn}/{REDIS_BACKUP_PREFIX}/*",
        }
        backups, backups_versioning = self._private_bucket(
            f"{name}-backups", ctx, self.backups_bucket, "backups", key, [redis_statement], object_lock=True)
        retention = s.backup_retention_days
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-backups-lifecycle",
            bucket=self.backups_bucket,
            rules=[{
                # Checklist "cleanup-old-backups --retention-days=30": backups expire after the retention
                # window; their noncurrent versions (kept by versioning/object lock) after the same again.
                "id": "expire-backups",
                "status": "Enabled",
                "filter": {},
                "expiration": {"days": retention},
                "noncurrent_version_expiration": {"noncurrent_days": retention},
                "abort_incomplete_multipart_upload": {"days_after_initiation": ABORT_MULTIPART_DAYS},
            }],
            opts=child(self, depends_on=[backups, backups_versioning]),
        )
        # Write-once backups: an attacker or a mistaken script cannot delete a backup inside the lock
        # window (GOVERNANCE lets a break-glass role with s3:BypassGovernanceRetention override).
        aws.s3.BucketObjectLockConfiguration(
            f"{name}-backups-object-lock",
            bucket=self.backups_bucket,
            object_lock_enabled="Enabled",
            rule={"default_retention": {"mode": s.object_lock_mode, "days": s.object_lock_days}},
            opts=child(self, depends_on=[backups, backups_versioning]),
        )

        # -- uploads bucket ----------------------------------------------------------------------------
        uploads, uploads_versioning = self._private_bucket(
            f"{name}-uploads", ctx, self.uploads_bucket, "uploads", key, [], object_lock=False)
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-uploads-lifecycle",
            bucket=self.uploads_bucket,
            rules=[{
                # Current uploads live as long as the app keeps them; an overwritten or deleted file stays
                # restorable for the backup retention window (checklist "File versioning working").
                "id": "expire-noncurrent-versions",
                "status": "Enabled",
                "filter": {},
                "noncurrent_version_expiration": {"noncurrent_days": retention},
                "abort_incomplete_multipart_upload": {"days_after_initiation": ABORT_MULTIPART_DAYS},
            }],
            opts=child(self, depends_on=[uploads, uploads_versioning]),
        )
        # Checklist "File sharing permissions verified": only the app's own origins may use the bucket from
        # a browser; never "*".
        aws.s3.BucketCorsConfiguration(
            f"{name}-uploads-cors",
            bucket=self.uploads_bucket,
            cors_rules=[{
                "id": "app-origins",
                "allowed_origins": list(args.cors_origins),
                "allowed_methods": CORS_METHODS,
                "allowed_headers": CORS_HEADERS,
                "expose_headers": ["ETag"],
                "max_age_seconds": 3000,
            }],
            opts=child(self, depends_on=[uploads]),
        )

        # -- AWS Backup for the database ---------------------------------------------------------------
        vault = aws.backup.Vault(
            f"{name}-backup-vault",
            name=self.backup_vault_name,
            kms_key_arn=key.arn,
            tags=ctx.tags(role="backup-vault"),
            opts=stateful(self),
        )
        plan = aws.backup.Plan(
            f"{name}-backup-plan",
            name=ctx.name("backup-plan"),
            rules=[{
                "rule_name": "daily",
                "target_vault_name": self.backup_vault_name,
                "schedule": s.backup_schedule,
                "start_window": 60,
                "completion_window": 360,
                # Checklist "cleanup-old-backups --retention-days=30": recovery points kept that long.
                "lifecycle": {"delete_after": retention},
                # Point-in-time recovery already comes from RDS automated backups (Database component);
                # the plan adds daily, independently retained, vault-encrypted snapshots.
                "enable_continuous_backup": False,
                "recovery_point_tags": ctx.tags(role="backup-recovery-point"),
            }],
            tags=ctx.tags(role="backup-plan"),
            opts=child(self, depends_on=[vault]),
        )
        role = aws.iam.Role(
            f"{name}-backup-role",
            name=ctx.name("backup-role"),
            description="AWS Backup service role for the chatpdd backup plan",
            # The AWS Backup guide's service-role trust policy has no aws:SourceAccount condition, and AWS
            # Backup does not document sending it on AssumeRole: with the condition, backup jobs could fail
            # to assume the role and silently stop.
            assume_role_policy=assume_role_policy(ctx, "backup.amazonaws.com", source_account_condition=False),
            tags=ctx.tags(role="backup"),
            opts=child(self),
        )
        attachments = [
            aws.iam.RolePolicyAttachment(
                f"{name}-backup-role-{suffix}",
                role=role.name,
                policy_arn=f"arn:{ctx.partition}:iam::aws:policy/{policy}",
                opts=child(self),
            )
            for suffix, policy in AWS_BACKUP_MANAGED_POLICIES.items()
        ]
        aws.backup.Selection(
            f"{name}-backup-selection",
            name=ctx.name("backup-selection"),
            plan_id=plan.id,
            iam_role_arn=role.arn,
            resources=list(args.database_arns),
            opts=child(self, depends_on=attachments),
        )
        self.backup_plan_id = plan.id

        self.register_outputs({
            "kms_key_arn": self.kms_key_arn,
            "uploads_kms_key_arn": self.uploads_kms_key_arn,
            "backups_bucket": self.backups_bucket,
            "uploads_bucket": self.uploads_bucket,
            "uploads_bucket_arn": self.uploads_bucket_arn,
            "backup_vault_name": self.backup_vault_name,
            "backup_plan_id": self.backup_plan_id,
            "redis_backup_path": self.redis_backup_path,
        })

    def _private_bucket(self, name: str, ctx: StackContext, bucket_name: str, role: str, key: aws.kms.Key,
                        extra_statements: list[dict[str, Any]], object_lock: bool,
                        ) -> tuple[aws.s3.Bucket, aws.s3.BucketVersioning]:
        """A bucket with the settings every bucket here shares: SSE-KMS with the CMK and an S3 Bucket Key,
        versioning, all four public-access blocks, ACLs disabled, a TLS-only bucket policy."""
        arn = bucket_arn(ctx, bucket_name)
        bucket = aws.s3.Bucket(
            name,
            bucket=bucket_name,
            # Object lock can only be turned on when the bucket is created.
            object_lock_enabled=object_lock or None,
            tags=ctx.tags(role=role),
            opts=stateful(self),
        )
        depends = [bucket]
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket_name,
            rules=[{
                "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": key.arn},
                # Bucket Keys cut KMS requests (and cost) by ~99% for SSE-KMS buckets.
                "bucket_key_enabled": True,
                # SSE-C would bypass the CMK (and its audit trail).
                "blocked_encryption_types": ["SSE-C"],
            }],
            opts=child(self, depends_on=depends),
        )
        versioning = aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=bucket_name,
            versioning_configuration={"status": "Enabled"},
            opts=child(self, depends_on=depends),
        )
        public_access = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket_name,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child(self, depends_on=depends),
        )
        # ACLs off: the bucket owner owns every object, including the ones Redis Cloud writes.
        aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=bucket_name,
            rule={"object_ownership": "BucketOwnerEnforced"},
            opts=child(self, depends_on=depends),
        )
        aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=bucket_name,
            policy=json.dumps({"Version": "2012-10-17",
                               "Statement": tls_only_statements(arn) + list(extra_statements)}),
            # The public-access block is in place before any policy is attached.
            opts=child(self, depends_on=[bucket, public_access]),
        )
        return bucket, versioning
