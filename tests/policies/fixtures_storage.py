"""A compliant production Storage resource set (docs/architecture.md "Storage"), as a real
``pulumi preview`` of components/storage.py sends it: bucket names are explicit (known), every
configuration names its bucket by that name, ARNs of in-stack resources (the KMS key, the primary) are
UNKNOWN and carried by ``property_dependencies``.

Tests flip ONE property of one of these resources (``harness.with_props``) and expect exactly one message.
"""

from __future__ import annotations

import json

from tests.policies.fixtures import PREFIX, PRIMARY, tags
from tests.policies.harness import UNKNOWN_STRING, resource

ACCOUNT = "111122223333"

STORAGE_KEY = resource("aws:kms/key:Key", f"{PREFIX}-storage-kms", {
    "description": f"{PREFIX} storage: backups and uploads buckets, AWS Backup vault", "enableKeyRotation": True,
    "deletionWindowInDays": 30, "policy": '{"Version": "2012-10-17"}', "tags": tags(Role="storage")}, protect=True)


def _bucket(role: str, **props):
    name = f"{PREFIX}-{role}-{ACCOUNT}"
    return resource("aws:s3/bucket:Bucket", f"{PREFIX}-{role}", {"bucket": name, "tags": tags(Role=role), **props},
                    protect=True)


def tls_policy(bucket_name: str) -> str:
    arn = f"arn:aws:s3:::{bucket_name}"
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [arn, f"{arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "DenyOutdatedTls", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [arn, f"{arn}/*"], "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}}}]})


def _bucket_settings(bucket):
    """The per-bucket configurations every bucket has (encryption, versioning, public access, policy)."""
    name, prefix = bucket.properties["bucket"], bucket.name
    return [
        resource("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                 f"{prefix}-encryption", {"bucket": name, "rules": [{
                     "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": UNKNOWN_STRING},
                     "bucketKeyEnabled": True, "blockedEncryptionTypes": ["SSE-C"]}]},
                 property_dependencies={"rules": [STORAGE_KEY.urn]}),
        resource("aws:s3/bucketVersioning:BucketVersioning", f"{prefix}-versioning", {
            "bucket": name, "versioningConfiguration": {"status": "Enabled"}}),
        resource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", f"{prefix}-public-access", {
            "bucket": name, "blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True,
            "restrictPublicBuckets": True}),
        resource("aws:s3/bucketPolicy:BucketPolicy", f"{prefix}-policy", {"bucket": name, "policy": tls_policy(name)}),
    ]


BACKUPS = _bucket("backups", objectLockEnabled=True)
BACKUPS_ENCRYPTION, BACKUPS_VERSIONING, BACKUPS_PUBLIC_ACCESS, BACKUPS_POLICY = _bucket_settings(BACKUPS)
BACKUPS_LIFECYCLE = resource("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                             f"{PREFIX}-backups-lifecycle", {"bucket": BACKUPS.properties["bucket"], "rules": [{
                                 "id": "expire-backups", "status": "Enabled", "filter": {},
                                 "expiration": {"days": 30}, "noncurrentVersionExpiration": {"noncurrentDays": 30},
                                 "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7}}]})
BACKUPS_OBJECT_LOCK = resource("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
                               f"{PREFIX}-backups-object-lock", {
                                   "bucket": BACKUPS.properties["bucket"], "objectLockEnabled": "Enabled",
                                   "rule": {"defaultRetention": {"mode": "GOVERNANCE", "days": 30}}})

UPLOADS = _bucket("uploads")
UPLOADS_ENCRYPTION, UPLOADS_VERSIONING, UPLOADS_PUBLIC_ACCESS, UPLOADS_POLICY = _bucket_settings(UPLOADS)
UPLOADS_LIFECYCLE = resource("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                             f"{PREFIX}-uploads-lifecycle", {"bucket": UPLOADS.properties["bucket"], "rules": [{
                                 "id": "expire-noncurrent-versions", "status": "Enabled", "filter": {},
                                 "noncurrentVersionExpiration": {"noncurrentDays": 30},
                                 "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7}}]})
UPLOADS_CORS = resource("aws:s3/bucketCorsConfiguration:BucketCorsConfiguration", f"{PREFIX}-uploads-cors", {
    "bucket": UPLOADS.properties["bucket"], "corsRules": [{
        "id": "app-origins", "allowedOrigins": ["https://app.chatpdd.com"],
        "allowedMethods": ["GET", "PUT", "POST", "HEAD"], "allowedHeaders": ["Content-Type"],
        "exposeHeaders": ["ETag"], "maxAgeSeconds": 3000}]})

VAULT = resource("aws:backup/vault:Vault", f"{PREFIX}-backup-vault", {
    "name": f"{PREFIX}-backup-vault", "kmsKeyArn": UNKNOWN_STRING, "tags": tags(Role="backup-vault")},
    protect=True, property_dependencies={"kmsKeyArn": [STORAGE_KEY.urn]})
PLAN = resource("aws:backup/plan:Plan", f"{PREFIX}-backup-plan", {
    "name": f"{PREFIX}-backup-plan", "tags": tags(Role="backup-plan"), "rules": [{
        "ruleName": "daily", "targetVaultName": f"{PREFIX}-backup-vault", "schedule": "cron(0 3 * * ? *)",
        "startWindow": 60, "completionWindow": 360, "lifecycle": {"deleteAfter": 30},
        "enableContinuousBackup": False}]},
    dependencies=[VAULT.urn])
BACKUP_ROLE = resource("aws:iam/role:Role", f"{PREFIX}-backup-role", {
    "name": f"{PREFIX}-backup-role", "assumeRolePolicy": '{"Version": "2012-10-17"}', "tags": tags(Role="backup")})
SELECTION = resource("aws:backup/selection:Selection", f"{PREFIX}-backup-selection", {
    "name": f"{PREFIX}-backup-selection", "planId": UNKNOWN_STRING, "iamRoleArn": UNKNOWN_STRING,
    "resources": [UNKNOWN_STRING]},
    property_dependencies={"planId": [PLAN.urn], "iamRoleArn": [BACKUP_ROLE.urn], "resources": [PRIMARY.urn]})

BUCKETS = [BACKUPS, BACKUPS_ENCRYPTION, BACKUPS_VERSIONING, BACKUPS_PUBLIC_ACCESS, BACKUPS_POLICY, BACKUPS_LIFECYCLE,
           BACKUPS_OBJECT_LOCK, UPLOADS, UPLOADS_ENCRYPTION, UPLOADS_VERSIONING, UPLOADS_PUBLIC_ACCESS, UPLOADS_POLICY,
           UPLOADS_LIFECYCLE, UPLOADS_CORS]
STORAGE = [STORAGE_KEY, *BUCKETS, VAULT, PLAN, BACKUP_ROLE, SELECTION]

# The access-logs bucket (Role=access-logs) encrypts with SSE-S3, the only default encryption S3 server access
# log delivery supports; the disaster-recovery replica of the backups bucket (Role=backups-dr) has its own key
# in its own region, and the backups bucket's lifecycle and object lock. Both are kept out of STORAGE (other
# policies' tests count its resources): use STORAGE_WITH_LOGS_AND_DR.
ACCESS_LOGS = _bucket("access-logs")
ACCESS_LOGS_ENCRYPTION, ACCESS_LOGS_VERSIONING, ACCESS_LOGS_PUBLIC_ACCESS, ACCESS_LOGS_POLICY = _bucket_settings(
    ACCESS_LOGS)
ACCESS_LOGS_ENCRYPTION.properties["rules"] = [
    {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}, "blockedEncryptionTypes": ["SSE-C"]}]
ACCESS_LOGS_ENCRYPTION.property_dependencies = {}

DR_KEY = resource("aws:kms/key:Key", f"{PREFIX}-storage-dr-kms", {
    "description": f"{PREFIX} storage: disaster-recovery replica of the backups bucket (us-west-2)",
    "enableKeyRotation": True, "deletionWindowInDays": 30, "policy": '{"Version": "2012-10-17"}',
    "tags": tags(Role="storage-dr")}, protect=True)
BACKUPS_DR = _bucket("backups-dr", objectLockEnabled=True)
BACKUPS_DR_ENCRYPTION, BACKUPS_DR_VERSIONING, BACKUPS_DR_PUBLIC_ACCESS, BACKUPS_DR_POLICY = _bucket_settings(BACKUPS_DR)
BACKUPS_DR_ENCRYPTION.property_dependencies = {"rules": [DR_KEY.urn]}
BACKUPS_DR_LIFECYCLE = resource(BACKUPS_LIFECYCLE.type, f"{PREFIX}-backups-dr-lifecycle", {
    **BACKUPS_LIFECYCLE.properties, "bucket": BACKUPS_DR.properties["bucket"]})
BACKUPS_DR_OBJECT_LOCK = resource(BACKUPS_OBJECT_LOCK.type, f"{PREFIX}-backups-dr-object-lock", {
    **BACKUPS_OBJECT_LOCK.properties, "bucket": BACKUPS_DR.properties["bucket"]})

STORAGE_WITH_LOGS_AND_DR = [
    *STORAGE, ACCESS_LOGS, ACCESS_LOGS_ENCRYPTION, ACCESS_LOGS_VERSIONING, ACCESS_LOGS_PUBLIC_ACCESS, ACCESS_LOGS_POLICY,
    DR_KEY, BACKUPS_DR, BACKUPS_DR_ENCRYPTION, BACKUPS_DR_VERSIONING, BACKUPS_DR_PUBLIC_ACCESS, BACKUPS_DR_POLICY,
    BACKUPS_DR_LIFECYCLE, BACKUPS_DR_OBJECT_LOCK]
