"""Storage: one customer-managed KMS key, the backups and uploads buckets, their server access logs, a
cross-region disaster-recovery replica of the backups bucket, and AWS Backup for the database.

Checklist lines served here: "Backup encryption verified" and "Data at rest encryption verified" (SSE-KMS
with a rotated CMK on both buckets and the backup vault), "File storage credentials configured" and
"File Sharing" (a private, TLS-only uploads bucket the app reaches through its OIDC role, CORS limited to
the app's origins, versioning for "File versioning working"), "cleanup-old-backups --retention-days=30"
(lifecycle expiry and the AWS Backup plan both keep `backup_retention_days`), "Verify disaster recovery
procedures" / "Backup and Recovery Validation" (every backup object is replicated to `storage.dr_region`,
where it keeps the same encryption, object lock and retention), and an audit trail of every request to both
buckets (S3 server access logs). The resource contract the policy pack checks is docs/architecture.md,
"Storage".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.base import (
    TYPE_PREFIX,
    StackContext,
    assume_role_policy,
    child,
    customer_managed_key,
    key_grant,
    stateful,
)
from stacks.checklist import (
    ABORT_MULTIPART_DAYS,
    CANARY_ARTIFACT_RETENTION_DAYS,
    REDIS_CLOUD_BACKUP_PRINCIPAL,
    ROLE_ACCESS_LOGS,
    ROLE_BACKUPS,
    ROLE_BACKUPS_DR,
    ROLE_CANARY_ARTIFACTS,
    ROLE_UPLOADS,
)
from stacks.models import StorageSettings

# Redis Cloud writes its remote backups from its own AWS account (REDIS_CLOUD_BACKUP_PRINCIPAL, in the
# checklist module: the pack allows that foreign principal and no other). Redis Cloud docs, "Back up a
# database" -> "AWS S3": the bucket policy must let it s3:PutObject/GetObject/DeleteObject on the backup
# objects, and an SSE-KMS bucket's key policy must let it use the key. We grant only the `redis/` prefix and
# only key use through S3.
REDIS_BACKUP_PREFIX = "redis"

# AWS Backup's service role: the AWS managed policies for backing up and restoring (AWS Backup developer
# guide, "Default service role for AWS Backup").
AWS_BACKUP_MANAGED_POLICIES = {
    "backup": "service-role/AWSBackupServiceRolePolicyForBackup",
    "restores": "service-role/AWSBackupServiceRolePolicyForRestores",
}

# An expired access log stays restorable (as a noncurrent version) this long, then its storage is freed.
NONCURRENT_LOG_DAYS = 30
# S3 server access log delivery (S3 User Guide, "Permissions for log delivery"): the service principal that
# writes the logs, and the prefix of each source bucket's logs in the access-logs bucket.
LOG_DELIVERY_PRINCIPAL = "logging.s3.amazonaws.com"
LOG_PREFIXES = {ROLE_BACKUPS: "backups/", ROLE_UPLOADS: "uploads/", ROLE_CANARY_ARTIFACTS: "canary-artifacts/"}
# Replicas are read only in a disaster: infrequent-access storage halves their cost (30-day minimum, which
# the backups' >= 30-day retention already meets).
REPLICA_STORAGE_CLASS = "STANDARD_IA"
# Browser uploads go straight to S3 with presigned URLs (checklist "File upload and sharing working").
CORS_METHODS = ["GET", "PUT", "POST", "HEAD"]
CORS_HEADERS = ["Content-Type", "Content-MD5", "Content-Disposition", "x-amz-*"]


@dataclass(frozen=True)
class StorageArgs:
    """What the Storage component needs: the stack, its storage settings, the app's origins, the databases to back
    up."""
    context: StackContext
    settings: StorageSettings
    cors_origins: list[str]
    database_arns: list[pulumi.Input[str]]
    # Providers.aws_dr: the provider of storage.dr_region, where the backups replica and its key live.
    dr_provider: pulumi.ProviderResource


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
    """The storage key, the backups/uploads/access-logs buckets, the DR replica and AWS Backup."""
    kms_key_arn: pulumi.Output[str]
    uploads_kms_key_arn: pulumi.Output[str]  # the app's OIDC role needs kms:Decrypt/GenerateDataKey on it
    uploads_kms_alias: str  # the same key's alias (without alias/), known at preview
    kms_alias: str  # the storage key's alias (without alias/), known at preview
    dr_kms_key_arn: pulumi.Output[str]
    backups_bucket: str  # explicit bucket names: known at preview
    uploads_bucket: str
    access_logs_bucket: str
    dr_bucket: str  # `<backups bucket>-dr`, in dr_region
    dr_region: str
    uploads_bucket_arn: str
    backup_vault_name: str
    backup_plan_id: pulumi.Output[str]
    redis_backup_path: str  # s3://<backups bucket>/redis
    canary_artifacts_bucket: str  # the Synthetics canaries' artifacts (components/synthetics.py)

    def __init__(self, name: str, args: StorageArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:Storage", name, None, opts)
        ctx, s = args.context, args.settings
        wildcard = [o for o in args.cors_origins if "*" in o]
        if wildcard or not args.cors_origins:
            # The config model already refuses these; a component built another way must not either.
            raise ValueError(f"uploads CORS needs explicit app origins, got {list(args.cors_origins)!r}")

        self.backups_bucket = s.backups_bucket_name
        self.uploads_bucket = s.uploads_bucket_name
        self.access_logs_bucket = s.access_logs_bucket_name
        self.dr_bucket = s.dr_bucket_name
        self.dr_region = s.dr_region
        self.canary_artifacts_bucket = s.canary_artifacts_bucket_name
        backups_arn = bucket_arn(ctx, self.backups_bucket)
        self.uploads_bucket_arn = bucket_arn(ctx, self.uploads_bucket)
        self.redis_backup_path = f"s3://{self.backups_bucket}/{REDIS_BACKUP_PREFIX}"
        self.backup_vault_name = ctx.name("backup-vault")

        key = self._key(name, ctx, backups_arn)
        self.kms_key_arn = key.arn
        # One key by design (brief); exposed separately so the app's IAM policy names its own dependency, by
        # ARN (an output) and by alias (a known string: the app's role policy grants on it, base.key_grant).
        self.uploads_kms_key_arn = key.arn
        self.uploads_kms_alias = ctx.name("storage")
        self.kms_alias = self.uploads_kms_alias  # the storage key's alias (the canaries' artifacts use it too)
        backups, backups_versioning = self._backups_bucket(name, ctx, s, key, backups_arn)
        uploads = self._uploads_bucket(name, ctx, s, key, args.cors_origins)
        canary_artifacts = self._canary_artifacts_bucket(name, ctx, s, key)

        # -- server access logs, and the disaster-recovery replica of the backups ----------------------
        self._access_logs(name, ctx, s, sources={ROLE_BACKUPS: backups, ROLE_UPLOADS: uploads,
                                                 ROLE_CANARY_ARTIFACTS: canary_artifacts})
        self.dr_kms_key_arn = self._disaster_recovery(name, ctx, s, key, args.dr_provider, backups_versioning)
        self.backup_plan_id = self._aws_backup(name, ctx, s, key, args.database_arns)

        self.register_outputs({
            "kms_key_arn": self.kms_key_arn,
            "uploads_kms_key_arn": self.uploads_kms_key_arn,
            "dr_kms_key_arn": self.dr_kms_key_arn,
            "backups_bucket": self.backups_bucket,
            "uploads_bucket": self.uploads_bucket,
            "access_logs_bucket": self.access_logs_bucket,
            "dr_bucket": self.dr_bucket,
            "dr_region": self.dr_region,
            "uploads_bucket_arn": self.uploads_bucket_arn,
            "backup_vault_name": self.backup_vault_name,
            "backup_plan_id": self.backup_plan_id,
            "redis_backup_path": self.redis_backup_path,
            "canary_artifacts_bucket": self.canary_artifacts_bucket,
        })

    def _key(self, name: str, ctx: StackContext, backups_arn: str) -> aws.kms.Key:
        """The storage key: backups and uploads buckets and the backup vault."""
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
        key = customer_managed_key(
            self, f"{name}-kms", ctx, alias=ctx.name("storage"), alias_resource_name=f"{name}-kms-alias",
            description=f"{ctx.prefix} storage: backups and uploads buckets, AWS Backup vault",
            role="storage", statements=(redis_key_statement,),
        )
        return key

    def _backups_bucket(self, name: str, ctx: StackContext, s: StorageSettings, key: aws.kms.Key,
                        backups_arn: str) -> tuple[aws.s3.Bucket, aws.s3.BucketVersioning]:
        """The object-locked backups bucket (Redis Cloud writes under ``redis/``) and its retention."""
        redis_statement = {
            "Sid": "RedisCloudBackupsAccess", "Effect": "Allow",
            "Principal": {"AWS": REDIS_CLOUD_BACKUP_PRINCIPAL},
            "Action": ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
            "Resource": f"{backups_arn}/{REDIS_BACKUP_PREFIX}/*",
        }
        backups, backups_versioning, _ = self._private_bucket(
            f"{name}-backups", ctx, self.backups_bucket, ROLE_BACKUPS, key, [redis_statement], object_lock=True)
        self._backup_retention(f"{name}-backups", self.backups_bucket, s, [backups, backups_versioning])
        return backups, backups_versioning

    def _uploads_bucket(self, name: str, ctx: StackContext, s: StorageSettings, key: aws.kms.Key,
                        cors_origins: list[str]) -> aws.s3.Bucket:
        """The uploads bucket (checklist "File Sharing"): noncurrent versions expire, CORS for the app only."""
        retention = s.backup_retention_days
        uploads, uploads_versioning, _ = self._private_bucket(
            f"{name}-uploads", ctx, self.uploads_bucket, ROLE_UPLOADS, key, [], object_lock=False)
        # Current uploads live as long as the app keeps them; an overwritten or deleted file stays
        # restorable for the backup retention window (checklist "File versioning working").
        self._lifecycle(f"{name}-uploads", self.uploads_bucket, "expire-noncurrent-versions",
                        [uploads, uploads_versioning], noncurrent_days=retention)
        # Checklist "File sharing permissions verified": only the app's own origins may use the bucket from
        # a browser; never "*".
        aws.s3.BucketCorsConfiguration(
            f"{name}-uploads-cors",
            bucket=self.uploads_bucket,
            cors_rules=[{
                "id": "app-origins",
                "allowed_origins": list(cors_origins),
                "allowed_methods": CORS_METHODS,
                "allowed_headers": CORS_HEADERS,
                "expose_headers": ["ETag"],
                "max_age_seconds": 3000,
            }],
            opts=child(self, depends_on=[uploads]),
        )
        return uploads

    def _canary_artifacts_bucket(self, name: str, ctx: StackContext, s: StorageSettings, key: aws.kms.Key,
                                 ) -> aws.s3.Bucket:
        """Where the Synthetics canaries write their screenshots, HAR files and logs (components/synthetics.py):
        the storage CMK, versioned, public access blocked, TLS only, access-logged, and expired after the
        checklist module's CANARY_ARTIFACT_RETENTION_DAYS (Synthetics keeps its run data 31 days by default).
        The bucket policy lets Synthetics nothing by itself: the canary role's identity policy grants its writes."""
        bucket, versioning, _ = self._private_bucket(f"{name}-canary-artifacts", ctx, self.canary_artifacts_bucket,
                                                     ROLE_CANARY_ARTIFACTS, key, [], object_lock=False)
        self._lifecycle(f"{name}-canary-artifacts", self.canary_artifacts_bucket, "expire-canary-artifacts",
                        [bucket, versioning], noncurrent_days=ABORT_MULTIPART_DAYS,
                        expiration_days=CANARY_ARTIFACT_RETENTION_DAYS)
        return bucket

    def _aws_backup(self, name: str, ctx: StackContext, s: StorageSettings, key: aws.kms.Key,
                    database_arns: list[pulumi.Input[str]]) -> pulumi.Output[str]:
        """A daily AWS Backup plan that copies the database into the encrypted vault; returns the plan id."""
        retention = s.backup_retention_days
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
        # AWS Backup developer guide, "Default service role for AWS Backup".
        role = self._service_role(f"{name}-backup-role", ctx, "backup-role", "backup.amazonaws.com", "backup",
                                  "AWS Backup service role for the chatpdd backup plan")
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
            resources=list(database_arns),
            opts=child(self, depends_on=attachments),
        )
        return plan.id

    def _service_role(self, name: str, ctx: StackContext, role_name: str, service: str, tag_role: str,
                      description: str) -> aws.iam.Role:
        """A role that one AWS service assumes for this stack. The trust policies in AWS Backup's and S3
        replication's guides have no aws:SourceAccount condition, and neither service documents sending it on
        AssumeRole: with the condition, backup or replication jobs could fail to assume the role and silently
        stop."""
        return aws.iam.Role(
            name,
            name=ctx.name(role_name),
            description=description,
            assume_role_policy=assume_role_policy(ctx, service, source_account_condition=False),
            tags=ctx.tags(role=tag_role),
            opts=child(self),
        )

    def _lifecycle(self, name: str, bucket_name: str, rule_id: str, depends: list[pulumi.Resource], *,
                   noncurrent_days: int, expiration_days: int | None = None,
                   provider: pulumi.ProviderResource | None = None) -> None:
        """One enabled lifecycle rule over the whole bucket: current objects expire after `expiration_days`
        (never when None), noncurrent versions after `noncurrent_days`, and incomplete multipart uploads --
        invisible, billed storage -- are aborted after ABORT_MULTIPART_DAYS."""
        rule: aws.s3.BucketLifecycleConfigurationRuleArgsDict = {"id": rule_id, "status": "Enabled", "filter": {}}
        if expiration_days is not None:
            rule["expiration"] = {"days": expiration_days}
        rule["noncurrent_version_expiration"] = {"noncurrent_days": noncurrent_days}
        rule["abort_incomplete_multipart_upload"] = {"days_after_initiation": ABORT_MULTIPART_DAYS}
        aws.s3.BucketLifecycleConfiguration(f"{name}-lifecycle", bucket=bucket_name, rules=[rule],
                                            opts=child(self, depends_on=depends, provider=provider))

    def _backup_retention(self, name: str, bucket_name: str, s: StorageSettings, depends: list[pulumi.Resource],
                          provider: pulumi.ProviderResource | None = None) -> None:
        """Lifecycle and object lock of a bucket that holds backups (the backups bucket and its replica)."""
        # Checklist "cleanup-old-backups --retention-days=30": backups expire after the retention window;
        # their noncurrent versions (kept by versioning/object lock) after the same again.
        retention = s.backup_retention_days
        self._lifecycle(name, bucket_name, "expire-backups", depends, noncurrent_days=retention,
                        expiration_days=retention, provider=provider)
        # Write-once backups: an attacker or a mistaken script cannot delete a backup inside the lock
        # window (GOVERNANCE lets a break-glass role with s3:BypassGovernanceRetention override).
        aws.s3.BucketObjectLockConfiguration(
            f"{name}-object-lock",
            bucket=bucket_name,
            object_lock_enabled="Enabled",
            rule={"default_retention": {"mode": s.object_lock_mode, "days": s.object_lock_days}},
            opts=child(self, depends_on=depends, provider=provider),
        )

    def _access_logs(self, name: str, ctx: StackContext, s: StorageSettings,
                     sources: dict[str, aws.s3.Bucket]) -> None:
        """The access-logs bucket and the S3 server access logging of the backups and uploads buckets into it
        (who read, wrote or deleted which backup or upload: the audit trail CloudTrail data events would
        otherwise have to give)."""
        arn = bucket_arn(ctx, self.access_logs_bucket)
        names = {ROLE_BACKUPS: self.backups_bucket, ROLE_UPLOADS: self.uploads_bucket,
                 ROLE_CANARY_ARTIFACTS: self.canary_artifacts_bucket}
        # S3 User Guide, "Permissions for log delivery": the logging service principal may put objects under
        # each source's prefix only, and only for that source bucket of this account (confused-deputy guard).
        delivery = [{
            "Sid": f"S3ServerAccessLogsFrom{role.title().replace('-', '')}", "Effect": "Allow",
            "Principal": {"Service": LOG_DELIVERY_PRINCIPAL},
            "Action": "s3:PutObject",
            "Resource": f"{arn}/{LOG_PREFIXES[role]}*",
            "Condition": {"ArnLike": {"aws:SourceArn": bucket_arn(ctx, names[role])},
                          "StringEquals": {"aws:SourceAccount": ctx.account_id}},
        } for role in sources]
        # SSE-S3, not the CMK: "Default server-side encryption with AWS KMS keys (SSE-KMS) is not supported" on
        # a log destination bucket, only SSE-S3 (S3 User Guide, "Enabling Amazon S3 server access logging").
        # The pack allows AES256 for Role=access-logs only (aws-s3-bucket-enable-sse-kms-cmk, sseS3AllowedRoles).
        # No object lock either: an object-locked bucket cannot be a log destination (same guide).
        logs, versioning, policy = self._private_bucket(
            f"{name}-access-logs", ctx, self.access_logs_bucket, ROLE_ACCESS_LOGS, None, delivery, object_lock=False)
        self._lifecycle(f"{name}-access-logs", self.access_logs_bucket, "expire-access-logs", [logs, versioning],
                        noncurrent_days=NONCURRENT_LOG_DAYS, expiration_days=s.access_log_retention_days)
        for role, source in sources.items():
            aws.s3.BucketLogging(
                f"{name}-{role}-logging",
                bucket=names[role],
                target_bucket=self.access_logs_bucket,
                target_prefix=LOG_PREFIXES[role],
                # Delivery starts only once the target's policy lets the logging service write.
                opts=child(self, depends_on=[source, logs, policy]),
            )

    def _disaster_recovery(self, name: str, ctx: StackContext, s: StorageSettings, key: aws.kms.Key,
                           dr_provider: pulumi.ProviderResource,
                           backups_versioning: aws.s3.BucketVersioning) -> pulumi.Output[str]:
        """Cross-region replication of the backups bucket into `<backups>-dr` in `dr_region` (checklist
        "Verify disaster recovery procedures"): a regional outage or loss of the region's data leaves every
        backup readable elsewhere. Returns the DR key's ARN."""
        dr = {"provider": dr_provider}
        # The replica's own key in its own region: S3 encrypts replicas with a key of the destination's region.
        dr_key = customer_managed_key(
            self, f"{name}-dr-kms", ctx, alias=ctx.name("storage-dr"), alias_resource_name=f"{name}-dr-kms-alias",
            description=f"{ctx.prefix} storage: disaster-recovery replica of the backups bucket ({s.dr_region})",
            role="storage-dr", provider=dr_provider,
        )
        # Same controls as the backups bucket it mirrors: SSE-KMS + Bucket Key, versioning (replication needs it
        # on both sides), public access blocked, TLS only, object lock (required on the destination for locked
        # source objects) and the same retention.
        replica, replica_versioning, _ = self._private_bucket(
            f"{name}-backups-dr", ctx, self.dr_bucket, ROLE_BACKUPS_DR, dr_key, [], object_lock=True, **dr)
        self._backup_retention(f"{name}-backups-dr", self.dr_bucket, s, [replica, replica_versioning], **dr)

        source, replica_arn = bucket_arn(ctx, self.backups_bucket), bucket_arn(ctx, self.dr_bucket)
        # S3 User Guide, "Setting up permissions for live replication".
        role = self._service_role(f"{name}-replication-role", ctx, "backups-replication", "s3.amazonaws.com",
                                  "backups-replication",
                                  "S3 replication of the chatpdd backups bucket to its disaster-recovery replica")
        # Least privilege, from "Setting up permissions for live replication" plus "Replicating encrypted
        # objects" and "Using Object Lock with S3 Replication". No s3:ReplicateDelete: delete markers are not
        # replicated, so a deletion in the source region never reaches the replica.
        permissions = aws.iam.RolePolicy(
            f"{name}-replication-policy",
            name="replicate-backups",
            role=role.name,
            # Known at preview (the keys by their aliases, key_grant): the pack judges it there.
            policy=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Sid": "ReadReplicationConfiguration", "Effect": "Allow",
                 "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"], "Resource": source},
                {"Sid": "ReadSourceVersions", "Effect": "Allow",
                 "Action": ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl",
                            "s3:GetObjectVersionTagging", "s3:GetObjectRetention", "s3:GetObjectLegalHold"],
                 "Resource": f"{source}/*"},
                {"Sid": "WriteReplicas", "Effect": "Allow",
                 "Action": ["s3:ReplicateObject", "s3:ReplicateTags"], "Resource": f"{replica_arn}/*"},
                # With an S3 Bucket Key the encryption context is the bucket ARN, without it the object's.
                {"Sid": "DecryptSourceViaS3", "Effect": "Allow", "Action": "kms:Decrypt",
                 **key_grant(ctx, ctx.name("storage"), condition={
                     "StringEquals": {"kms:ViaService": f"s3.{ctx.region}.amazonaws.com"},
                     "StringLike": {"kms:EncryptionContext:aws:s3:arn": [source, f"{source}/*"]}})},
                {"Sid": "EncryptReplicasViaS3", "Effect": "Allow", "Action": "kms:Encrypt",
                 **key_grant(ctx, ctx.name("storage-dr"), s.dr_region, condition={
                     "StringEquals": {"kms:ViaService": f"s3.{s.dr_region}.amazonaws.com"},
                     "StringLike": {"kms:EncryptionContext:aws:s3:arn": [replica_arn, f"{replica_arn}/*"]}})},
            ]}),
            opts=child(self),
        )
        # Object lock on the source: AWS asked for a support "token" only to enable replication on an EXISTING
        # object-locked bucket; both buckets here are created with object lock, so no `token` is set.
        aws.s3.BucketReplicationConfig(
            f"{name}-backups-replication",
            bucket=self.backups_bucket,
            role=role.arn,
            rules=[{
                "id": "disaster-recovery",
                "status": "Enabled",
                "filter": {},
                # A delete marker in the source region must not hide the replica (the DR copy is the point).
                "delete_marker_replication": {"status": "Disabled"},
                # SSE-KMS objects are replicated only when opted in (every object here is SSE-KMS).
                "source_selection_criteria": {"sse_kms_encrypted_objects": {"status": "Enabled"}},
                "destination": {
                    "bucket": replica_arn,
                    "storage_class": REPLICA_STORAGE_CLASS,
                    "encryption_configuration": {"replica_kms_key_id": dr_key.arn},
                },
            }],
            # S3 refuses a replication configuration until versioning is on at both ends.
            opts=child(self, depends_on=[backups_versioning, replica_versioning, permissions]),
        )
        return dr_key.arn

    def _private_bucket(self, name: str, ctx: StackContext, bucket_name: str, role: str, key: aws.kms.Key | None,
                        extra_statements: list[dict[str, Any]], object_lock: bool,
                        provider: pulumi.ProviderResource | None = None,
                        ) -> tuple[aws.s3.Bucket, aws.s3.BucketVersioning, aws.s3.BucketPolicy]:
        """A bucket with the settings every bucket here shares: SSE-KMS with `key` and an S3 Bucket Key (SSE-S3
        when `key` is None: the access-logs bucket), versioning, all four public-access blocks, ACLs disabled,
        a TLS-only bucket policy. `provider`: the region's provider when it is not the stack's."""
        arn = bucket_arn(ctx, bucket_name)
        bucket = aws.s3.Bucket(
            name,
            bucket=bucket_name,
            # Object lock can only be turned on when the bucket is created.
            object_lock_enabled=object_lock or None,
            tags=ctx.tags(role=role),
            opts=stateful(self, provider=provider),
        )
        depends = [bucket]
        if key is None:
            encryption: aws.s3.BucketServerSideEncryptionConfigurationRuleArgsDict = {
                "apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}
        else:
            encryption = {
                "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": key.arn},
                # Bucket Keys cut KMS requests (and cost) by ~99% for SSE-KMS buckets.
                "bucket_key_enabled": True,
            }
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket_name,
            # SSE-C would bypass the bucket's encryption choice (and the CMK's audit trail).
            rules=[{**encryption, "blocked_encryption_types": ["SSE-C"]}],
            opts=child(self, depends_on=depends, provider=provider),
        )
        versioning = aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=bucket_name,
            versioning_configuration={"status": "Enabled"},
            opts=child(self, depends_on=depends, provider=provider),
        )
        public_access = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket_name,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child(self, depends_on=depends, provider=provider),
        )
        # ACLs off: the bucket owner owns every object, including the ones Redis Cloud writes and the logs S3
        # delivers (log delivery then needs the bucket policy grant, not the log-delivery ACL).
        aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=bucket_name,
            rule={"object_ownership": "BucketOwnerEnforced"},
            opts=child(self, depends_on=depends, provider=provider),
        )
        policy = aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=bucket_name,
            policy=json.dumps({"Version": "2012-10-17",
                               "Statement": tls_only_statements(arn) + list(extra_statements)}),
            # The public-access block is in place before any policy is attached.
            opts=child(self, depends_on=[bucket, public_access], provider=provider),
        )
        return bucket, versioning, policy
