"""Storage component: KMS keys, backups, uploads, access-logs and DR-replica buckets, replication, AWS Backup -- as
the engine and the pack see them."""

from __future__ import annotations

import json

import pulumi
import pytest

from components.storage import LOG_DELIVERY_PRINCIPAL, REDIS_CLOUD_BACKUP_PRINCIPAL, Storage, StorageArgs
from gate.program.program import CapturedResource, ProgramRun
from stacks import checklist
from tests.program.component_run import pack_violations, run_component

COMPONENT = "chatpdd:components:Storage"
KEY = "aws:kms/key:Key"
BUCKET = "aws:s3/bucket:Bucket"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
OBJECT_LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
CORS = "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
VAULT = "aws:backup/vault:Vault"
PLAN = "aws:backup/plan:Plan"
SELECTION = "aws:backup/selection:Selection"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
ALIAS = "aws:kms/alias:Alias"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
STACKS = ("production", "staging")
ROLES = ("backups", "uploads", "access-logs", "backups-dr")


@pytest.fixture(params=STACKS)
def stack(request, program_runs, loaded_stacks):
    return program_runs[request.param], loaded_stacks[request.param].config


def children(run: ProgramRun) -> list[CapturedResource]:
    component = run.one(COMPONENT)
    return [r for r in run.resources if r.parent == component.urn]


def of(run: ProgramRun, type_: str, bucket: str | None = None) -> list[CapturedResource]:
    found = [r for r in children(run) if r.type == type_]
    return [r for r in found if bucket is None or r.inputs.get("bucket") == bucket]


def only(run: ProgramRun, type_: str, bucket: str | None = None) -> CapturedResource:
    found = of(run, type_, bucket)
    assert len(found) == 1, f"expected one {type_} for {bucket}, found {[r.name for r in found]}"
    return found[0]


def named(run: ProgramRun, type_: str, name: str) -> CapturedResource:
    (found,) = [r for r in of(run, type_) if r.name == name]
    return found


def key_of(run: ProgramRun) -> CapturedResource:
    return named(run, KEY, "storage-kms")


def dr_key_of(run: ProgramRun) -> CapturedResource:
    return named(run, KEY, "storage-dr-kms")


def bucket_names(config) -> dict[str, str]:
    s = config.storage
    return {"backups": s.backups_bucket_name, "uploads": s.uploads_bucket_name,
            "access-logs": s.access_logs_bucket_name, "backups-dr": f"{s.backups_bucket_name}-dr",
            "canary-artifacts": s.canary_artifacts_bucket_name}


def is_dr(resource: CapturedResource) -> bool:
    return "aws-dr" in (resource.provider or "")


def policy_doc(run: ProgramRun, bucket: str) -> dict:
    return json.loads(only(run, POLICY, bucket).inputs["policy"])


# -- buckets -----------------------------------------------------------------------------------------------


def test_buckets_have_explicit_names_role_tags_and_protection(stack):
    run, config = stack
    names = bucket_names(config)
    assert sorted(b.inputs["bucket"] for b in of(run, BUCKET)) == sorted(names.values())
    for role, name in names.items():
        bucket = only(run, BUCKET, name)
        assert bucket.inputs["tags"]["Role"] == role
        assert bucket.inputs["tags"]["Stack"] == run.stack
        assert bucket.inputs["tags"]["DataClassification"] == config.data_classification
        assert bucket.protect, f"{name} must be protected"
    # Backups and their replica are write-once; an object-locked bucket cannot receive access logs.
    for role in ("backups", "backups-dr"):
        assert only(run, BUCKET, names[role]).inputs["objectLockEnabled"] is True
    for role in ("uploads", "access-logs"):
        assert not only(run, BUCKET, names[role]).inputs.get("objectLockEnabled")


@pytest.mark.parametrize("role", ["backups", "uploads"])
def test_bucket_encrypted_with_the_storage_cmk_and_bucket_key(stack, role):
    run, config = stack
    sse = only(run, SSE, bucket_names(config)[role])
    (rule,) = sse.inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms"
    assert rule["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"] == only(run, VAULT).inputs["kmsKeyArn"]
    assert rule["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"].startswith("arn:aws:kms:")
    assert rule["bucketKeyEnabled"] is True
    assert "SSE-C" in rule["blockedEncryptionTypes"]
    # The policies see the key through the property dependency, not the ARN string.
    assert sse.property_dependencies["rules"] == [key_of(run).urn]


# Settings every bucket carries, as the engine receives them.
PER_BUCKET = {
    VERSIONING: {"versioningConfiguration": {"status": "Enabled"}},
    PAB: {"blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True, "restrictPublicBuckets": True},
    OWNERSHIP: {"rule": {"objectOwnership": "BucketOwnerEnforced"}},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("type_", list(PER_BUCKET))
def test_bucket_versioned_private_and_owner_enforced(stack, role, type_):
    run, config = stack
    inputs = only(run, type_, bucket_names(config)[role]).inputs
    assert {k: inputs.get(k) for k in PER_BUCKET[type_]} == PER_BUCKET[type_]


@pytest.mark.parametrize("role", ROLES)
def test_bucket_policy_denies_plain_http_and_comes_after_the_public_access_block(stack, role):
    run, config = stack
    name = bucket_names(config)[role]
    doc = policy_doc(run, name)
    arn = f"arn:aws:s3:::{name}"
    deny = [s for s in doc["Statement"] if s["Effect"] == "Deny"
            and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"]
    assert len(deny) == 1
    assert deny[0]["Principal"] == "*" and deny[0]["Action"] == "s3:*"
    assert sorted(deny[0]["Resource"]) == [arn, f"{arn}/*"]
    tls = [s for s in doc["Statement"] if "s3:TlsVersion" in s.get("Condition", {}).get("NumericLessThan", {})]
    assert tls and tls[0]["Effect"] == "Deny"
    # Nothing is ever allowed to everyone.
    assert not [s for s in doc["Statement"] if s["Effect"] == "Allow" and s["Principal"] in ("*", {"AWS": "*"})]
    if role == "backups-dr":
        assert not [s for s in doc["Statement"] if s["Effect"] == "Allow"], "replicas arrive through replication only"
    policy = only(run, POLICY, name)
    assert only(run, PAB, name).urn in policy.dependencies


def test_backups_bucket_grants_redis_cloud_only_its_prefix(stack):
    run, config = stack
    name = config.storage.backups_bucket_name
    allows = [s for s in policy_doc(run, name)["Statement"] if s["Effect"] == "Allow"]
    assert len(allows) == 1
    (redis,) = allows
    assert redis["Principal"] == {"AWS": REDIS_CLOUD_BACKUP_PRINCIPAL}
    assert sorted(redis["Action"]) == ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    assert redis["Resource"] == f"arn:aws:s3:::{name}/redis/*"
    uploads = policy_doc(run, config.storage.uploads_bucket_name)["Statement"]
    assert not [s for s in uploads if s["Effect"] == "Allow"], "the uploads bucket grants no one through its policy"


def test_backups_lifecycle_keeps_the_retention_window(stack):
    run, config = stack
    retention = config.storage.backup_retention_days
    assert retention >= checklist.BACKUP_RETENTION_DAYS
    (rule,) = only(run, LIFECYCLE, config.storage.backups_bucket_name).inputs["rules"]
    assert rule["status"] == "Enabled"
    assert rule["expiration"]["days"] == retention
    assert rule["noncurrentVersionExpiration"]["noncurrentDays"] == retention
    assert rule["abortIncompleteMultipartUpload"]["daysAfterInitiation"] == 7


def test_uploads_lifecycle_expires_only_old_versions(stack):
    run, config = stack
    (rule,) = only(run, LIFECYCLE, config.storage.uploads_bucket_name).inputs["rules"]
    assert rule["status"] == "Enabled"
    assert "expiration" not in rule, "current uploads must never expire"
    assert rule["noncurrentVersionExpiration"]["noncurrentDays"] == config.storage.backup_retention_days
    assert rule["abortIncompleteMultipartUpload"]["daysAfterInitiation"] == 7


def test_backups_object_lock_default_retention(stack):
    run, config = stack
    lock = only(run, OBJECT_LOCK, config.storage.backups_bucket_name)
    assert lock.inputs["objectLockEnabled"] == "Enabled"
    assert lock.inputs["rule"]["defaultRetention"] == {"mode": config.storage.object_lock_mode,
                                                       "days": config.storage.object_lock_days}
    assert not of(run, OBJECT_LOCK, config.storage.uploads_bucket_name)
    assert not of(run, OBJECT_LOCK, config.storage.access_logs_bucket_name)


def test_uploads_cors_limited_to_app_origins(stack):
    run, config = stack
    assert not of(run, CORS, config.storage.backups_bucket_name)
    (rule,) = only(run, CORS, config.storage.uploads_bucket_name).inputs["corsRules"]
    assert rule["allowedOrigins"] == list(config.app.cors_origins)
    assert not [o for o in rule["allowedOrigins"] if "*" in o]
    assert sorted(rule["allowedMethods"]) == ["GET", "HEAD", "POST", "PUT"]


# -- server access logs ----------------------------------------------------------------------------------


def test_access_logs_bucket_uses_sse_s3_the_only_encryption_log_delivery_supports(stack):
    run, config = stack
    sse = only(run, SSE, config.storage.access_logs_bucket_name)
    (rule,) = sse.inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    assert "SSE-C" in rule["blockedEncryptionTypes"]
    assert not sse.property_dependencies.get("rules"), "no KMS key: log delivery cannot write SSE-KMS"


def test_access_logs_bucket_lets_only_log_delivery_write_each_sources_prefix(stack):
    run, config = stack
    s = config.storage
    logs_arn = f"arn:aws:s3:::{s.access_logs_bucket_name}"
    allows = [st for st in policy_doc(run, s.access_logs_bucket_name)["Statement"] if st["Effect"] == "Allow"]
    granted = {}
    for st in allows:
        assert st["Principal"] == {"Service": LOG_DELIVERY_PRINCIPAL} == {"Service": "logging.s3.amazonaws.com"}
        assert st["Action"] == "s3:PutObject"
        # AWS "Permissions for log delivery": the confused-deputy guard names the source bucket and account.
        assert st["Condition"]["StringEquals"] == {"aws:SourceAccount": config.aws.allowed_account_ids[0]}
        granted[st["Condition"]["ArnLike"]["aws:SourceArn"]] = st["Resource"]
    assert granted == {f"arn:aws:s3:::{s.backups_bucket_name}": f"{logs_arn}/backups/*",
                       f"arn:aws:s3:::{s.uploads_bucket_name}": f"{logs_arn}/uploads/*",
                       f"arn:aws:s3:::{s.canary_artifacts_bucket_name}": f"{logs_arn}/canary-artifacts/*"}
    assert [st["Sid"] for st in allows] == ["S3ServerAccessLogsFromBackups", "S3ServerAccessLogsFromUploads",
                                            "S3ServerAccessLogsFromCanaryArtifacts"]


def test_access_logs_expire_after_the_configured_retention(stack):
    run, config = stack
    retention = config.storage.access_log_retention_days
    assert retention >= 90
    (rule,) = only(run, LIFECYCLE, config.storage.access_logs_bucket_name).inputs["rules"]
    assert rule["status"] == "Enabled"
    assert rule["expiration"]["days"] == retention
    assert rule["noncurrentVersionExpiration"]["noncurrentDays"] > 0
    assert rule["abortIncompleteMultipartUpload"]["daysAfterInitiation"] == 7


def test_backups_and_uploads_log_every_request_into_the_access_logs_bucket(stack):
    run, config = stack
    s = config.storage
    logs_policy = only(run, POLICY, s.access_logs_bucket_name)
    logging = {r.inputs["bucket"]: r for r in of(run, LOGGING)}
    # Not the logs bucket itself (its own deliveries would be logged: a loop), not the replica (other region).
    assert sorted(logging) == sorted([s.backups_bucket_name, s.uploads_bucket_name, s.canary_artifacts_bucket_name])
    for source, prefix in ((s.backups_bucket_name, "backups/"), (s.uploads_bucket_name, "uploads/"),
                           (s.canary_artifacts_bucket_name, "canary-artifacts/")):
        inputs = logging[source].inputs
        assert inputs["targetBucket"] == s.access_logs_bucket_name and inputs["targetPrefix"] == prefix
        assert logs_policy.urn in logging[source].dependencies, "delivery is allowed before logging starts"
        assert not is_dr(logging[source])


# -- disaster-recovery replica of the backups bucket --------------------------------------------------------


def test_dr_resources_use_the_dr_provider_and_the_rest_the_stacks(stack):
    run, config = stack
    dr_bucket = bucket_names(config)["backups-dr"]
    dr = {r.name for r in children(run) if is_dr(r)}
    expected = {"storage-dr-kms", "storage-dr-kms-alias"} | {
        r.name for r in children(run) if r.inputs.get("bucket") == dr_bucket}
    assert dr == expected
    assert len(expected) == 2 + 8, "key, alias, bucket + encryption/versioning/PAB/ownership/policy/lifecycle/lock"
    provider = next(r for r in run.resources if r.type == "pulumi:providers:aws" and r.name == "aws-dr")
    assert provider.inputs["region"] == config.storage.dr_region != config.aws.region
    # Provider inputs travel JSON-encoded.
    assert json.loads(provider.inputs["allowedAccountIds"]) == list(config.aws.allowed_account_ids)


def test_dr_key_rotated_protected_and_administered_by_the_account(stack):
    run, config = stack
    key = dr_key_of(run)
    assert key.protect and key.inputs["enableKeyRotation"] is True and key.inputs["deletionWindowInDays"] == 30
    (root,) = json.loads(key.inputs["policy"])["Statement"]
    assert root["Principal"] == {"AWS": f"arn:aws:iam::{config.aws.allowed_account_ids[0]}:root"}
    assert named(run, ALIAS, "storage-dr-kms-alias").property_dependencies["targetKeyId"] == [key.urn]


def test_dr_bucket_encrypted_with_the_dr_key_and_bucket_key(stack):
    run, config = stack
    sse = only(run, SSE, bucket_names(config)["backups-dr"])
    (rule,) = sse.inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms"
    assert sse.property_dependencies["rules"] == [dr_key_of(run).urn]
    assert rule["bucketKeyEnabled"] is True
    assert "SSE-C" in rule["blockedEncryptionTypes"]


def test_dr_bucket_keeps_the_backups_retention_and_object_lock(stack):
    run, config = stack
    s, dr_bucket = config.storage, bucket_names(config)["backups-dr"]
    (rule,) = only(run, LIFECYCLE, dr_bucket).inputs["rules"]
    assert rule["status"] == "Enabled"
    assert rule["expiration"]["days"] == rule["noncurrentVersionExpiration"]["noncurrentDays"] == s.backup_retention_days
    lock = only(run, OBJECT_LOCK, dr_bucket)
    assert lock.inputs["rule"]["defaultRetention"] == {"mode": s.object_lock_mode, "days": s.object_lock_days}


def replication_policy(run: ProgramRun) -> dict[str, dict]:
    policy = named(run, ROLE_POLICY, "storage-replication-policy")
    return {st["Sid"]: st for st in json.loads(policy.inputs["policy"])["Statement"]}


def test_replication_role_trusts_s3_with_least_privilege(stack):
    run, config = stack
    s = config.storage
    role = named(run, ROLE, "storage-replication-role")
    (trust,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"Service": "s3.amazonaws.com"} and trust["Action"] == "sts:AssumeRole"
    policy = named(run, ROLE_POLICY, "storage-replication-policy")
    assert policy.inputs["role"] == role.inputs["name"]
    source, replica = f"arn:aws:s3:::{s.backups_bucket_name}", f"arn:aws:s3:::{s.backups_bucket_name}-dr"
    statements = replication_policy(run)
    assert all(st["Effect"] == "Allow" for st in statements.values())
    got = {sid: (sorted(st["Action"]) if isinstance(st["Action"], list) else [st["Action"]], st["Resource"])
           for sid, st in statements.items() if "kms:" not in str(st["Action"])}
    assert got == {
        "ReadReplicationConfiguration": (["s3:GetReplicationConfiguration", "s3:ListBucket"], source),
        "ReadSourceVersions": (sorted(["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl",
                                       "s3:GetObjectVersionTagging", "s3:GetObjectRetention",
                                       "s3:GetObjectLegalHold"]), f"{source}/*"),
        # No s3:ReplicateDelete: deletions never reach the replica.
        "WriteReplicas": (["s3:ReplicateObject", "s3:ReplicateTags"], f"{replica}/*"),
    }


def test_replication_role_may_decrypt_with_the_source_key_and_encrypt_with_the_dr_key_only_via_s3(stack):
    run, config = stack
    s = config.storage
    source, replica = f"arn:aws:s3:::{s.backups_bucket_name}", f"arn:aws:s3:::{s.backups_bucket_name}-dr"
    statements = replication_policy(run)
    decrypt, encrypt = statements["DecryptSourceViaS3"], statements["EncryptReplicasViaS3"]
    assert decrypt["Action"] == "kms:Decrypt" and encrypt["Action"] == "kms:Encrypt"
    # Each key by its alias (known at preview, issue 17): the account's keys of its region, one alias.
    region_of = {decrypt["Resource"]: config.aws.region, encrypt["Resource"]: s.dr_region}
    assert region_of == {f"arn:aws:kms:{config.aws.region}:{config.aws.allowed_account_ids[0]}:key/*": config.aws.region,
                         f"arn:aws:kms:{s.dr_region}:{config.aws.allowed_account_ids[0]}:key/*": s.dr_region}
    aliases = {a.inputs["name"]: a for a in run.by_type("aws:kms/alias:Alias")}
    for statement, key in ((decrypt, key_of(run)), (encrypt, dr_key_of(run))):
        alias = statement["Condition"]["ForAnyValue:StringEquals"]["kms:ResourceAliases"]
        assert aliases[alias].property_dependencies["targetKeyId"] == [key.urn]
    assert decrypt["Condition"]["StringEquals"] == {"kms:ViaService": f"s3.{config.aws.region}.amazonaws.com"}
    assert encrypt["Condition"]["StringEquals"] == {"kms:ViaService": f"s3.{s.dr_region}.amazonaws.com"}
    assert decrypt["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"] == [source, f"{source}/*"]
    assert encrypt["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"] == [replica, f"{replica}/*"]
    policy = named(run, ROLE_POLICY, "storage-replication-policy")
    assert not policy.property_dependencies.get("policy")  # no computed part: judged at a real preview


def test_backups_bucket_replicates_to_the_dr_bucket(stack):
    run, config = stack
    s = config.storage
    replication = only(run, REPLICATION)
    assert replication.inputs["bucket"] == s.backups_bucket_name and not is_dr(replication)
    assert replication.property_dependencies["role"] == [named(run, ROLE, "storage-replication-role").urn]
    assert "token" not in replication.inputs, "both buckets are created with object lock: no support token"
    (rule,) = replication.inputs["rules"]
    assert rule["status"] == "Enabled"
    assert rule["filter"] == {}
    assert rule["deleteMarkerReplication"] == {"status": "Disabled"}
    assert rule["sourceSelectionCriteria"] == {"sseKmsEncryptedObjects": {"status": "Enabled"}}
    destination = rule["destination"]
    assert destination["bucket"] == f"arn:aws:s3:::{s.backups_bucket_name}-dr"
    assert destination["storageClass"] == "STANDARD_IA"
    assert destination["encryptionConfiguration"]["replicaKmsKeyId"] == dr_key_of(run).outputs["arn"]
    assert replication.property_dependencies["rules"] == [dr_key_of(run).urn]
    # S3 refuses replication until versioning is on at both ends.
    for bucket in (s.backups_bucket_name, f"{s.backups_bucket_name}-dr"):
        assert only(run, VERSIONING, bucket).urn in replication.dependencies


# -- key -----------------------------------------------------------------------------------------------


def test_kms_key_rotated_protected_and_narrow(stack):
    run, config = stack
    key = key_of(run)
    assert key.protect
    assert key.inputs["enableKeyRotation"] is True
    assert key.inputs["deletionWindowInDays"] == 30
    assert not is_dr(key)
    statements = json.loads(key.inputs["policy"])["Statement"]
    assert len(statements) == 2, "account root + the Redis Cloud backup grant, nothing else"
    root, redis = statements
    assert root["Principal"] == {"AWS": f"arn:aws:iam::{config.aws.allowed_account_ids[0]}:root"}
    assert root["Action"] == "kms:*" and root["Effect"] == "Allow"
    assert redis["Principal"] == {"AWS": REDIS_CLOUD_BACKUP_PRINCIPAL}
    assert sorted(redis["Action"]) == ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    assert redis["Condition"]["StringEquals"] == {"kms:ViaService": f"s3.{config.aws.region}.amazonaws.com"}
    backups = f"arn:aws:s3:::{config.storage.backups_bucket_name}"
    assert redis["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"] == [backups, f"{backups}/redis/*"]


# -- AWS Backup ----------------------------------------------------------------------------------------


def test_backup_vault_encrypted_and_protected(stack):
    run, _ = stack
    vault = only(run, VAULT)
    assert vault.protect
    assert vault.inputs["name"] == f"chatpdd-{run.stack}-backup-vault"
    assert vault.inputs["kmsKeyArn"].startswith("arn:aws:kms:")
    assert vault.property_dependencies["kmsKeyArn"] == [key_of(run).urn]


def test_backup_plan_daily_and_retained(stack):
    run, config = stack
    plan = only(run, PLAN)
    (rule,) = plan.inputs["rules"]
    assert rule["lifecycle"]["deleteAfter"] >= checklist.BACKUP_RETENTION_DAYS
    assert rule["lifecycle"]["deleteAfter"] == config.storage.backup_retention_days
    assert rule["schedule"] == config.storage.backup_schedule
    assert rule["targetVaultName"] == only(run, VAULT).inputs["name"]
    assert rule["enableContinuousBackup"] is False
    assert only(run, VAULT).urn in plan.dependencies


def test_backup_selection_covers_the_database_with_a_backup_role(stack):
    run, config = stack
    selection = only(run, SELECTION)
    assert selection.inputs["resources"], "the selection must cover the primary"
    prefix = f"arn:aws:rds:{config.aws.region}:{config.aws.allowed_account_ids[0]}:db:"
    assert all(arn.startswith(prefix) for arn in selection.inputs["resources"])
    assert selection.property_dependencies["planId"] == [only(run, PLAN).urn]
    role = named(run, ROLE, "storage-backup-role")
    assert selection.property_dependencies["iamRoleArn"] == [role.urn]
    (trust,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"Service": "backup.amazonaws.com"} and trust["Action"] == "sts:AssumeRole"
    attached = sorted(a.inputs["policyArn"].rsplit("/", 1)[1] for a in of(run, ATTACHMENT))
    assert attached == ["AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"]
    assert all(a.inputs["role"] == role.inputs["name"] for a in of(run, ATTACHMENT))


# -- tree, protection, outputs ---------------------------------------------------------------------------


def test_every_storage_resource_is_a_child_of_the_component(stack):
    run, _ = stack
    component = run.one(COMPONENT)
    named = [r for r in run.resources if r.name.startswith("storage-")]
    assert named and all(r.parent == component.urn for r in named)
    assert sorted({r.type for r in children(run)}) == sorted({
        KEY, ALIAS, BUCKET, SSE, VERSIONING, PAB, POLICY, LIFECYCLE, OBJECT_LOCK, CORS, OWNERSHIP, LOGGING,
        REPLICATION, VAULT, PLAN, SELECTION, ROLE, ROLE_POLICY, ATTACHMENT})
    protected = sorted(r.type for r in children(run) if r.protect)
    assert protected == sorted([KEY, KEY, BUCKET, BUCKET, BUCKET, BUCKET, BUCKET, VAULT])


def test_canary_artifacts_bucket_is_encrypted_versioned_private_and_expires(stack):
    run, config = stack
    name = config.storage.canary_artifacts_bucket_name
    sse = only(run, SSE, name)
    (rule,) = sse.inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms" and rule["bucketKeyEnabled"]
    assert key_of(run).urn in sse.property_dependencies["rules"]
    assert only(run, VERSIONING, name).inputs["versioningConfiguration"] == {"status": "Enabled"}
    assert all(only(run, PAB, name).inputs[k] for k in ("blockPublicAcls", "blockPublicPolicy",
                                                         "ignorePublicAcls", "restrictPublicBuckets"))
    (lifecycle,) = only(run, LIFECYCLE, name).inputs["rules"]
    assert lifecycle["status"] == "Enabled"
    assert lifecycle["expiration"]["days"] == checklist.CANARY_ARTIFACT_RETENTION_DAYS
    assert not of(run, OBJECT_LOCK, name)


def test_stack_outputs_name_the_storage(stack):
    run, config = stack
    out = run.outputs["storage"]
    assert out["backups_bucket"] == config.storage.backups_bucket_name
    assert out["uploads_bucket"] == config.storage.uploads_bucket_name
    assert out["backup_vault_name"] == only(run, VAULT).inputs["name"]
    assert out["kms_key_arn"] == only(run, VAULT).inputs["kmsKeyArn"]


def test_the_policy_pack_finds_nothing_in_the_component(stack):
    run, _ = stack
    assert pack_violations(run, COMPONENT) == {}


# -- edge cases: the component alone, with modified config -----------------------------------------------


def run_storage(loaded, storage=None, cors_origins=None, database_arns=None, exports=()) -> ProgramRun:
    config = loaded.config if storage is None else loaded.config.model_copy(update={"storage": storage})

    def build(context, providers, opts) -> None:
        component = Storage("storage", StorageArgs(
            context=context, settings=config.storage,
            cors_origins=cors_origins if cors_origins is not None else list(config.app.cors_origins),
            database_arns=database_arns if database_arns is not None else ["arn:aws:rds:us-east-1:1:db:x"],
            dr_provider=providers.aws_dr,
        ), opts)
        for attr in exports:
            pulumi.export(attr, getattr(component, attr))

    return run_component(loaded, config, build)


def test_longer_retention_flows_to_lifecycle_plan_and_lock(loaded_stacks):
    loaded = loaded_stacks["production"]
    settings = loaded.config.storage.model_copy(update={"backup_retention_days": 45, "object_lock_days": 40,
                                                        "object_lock_mode": "COMPLIANCE"})
    run = run_storage(loaded, storage=settings)
    (rule,) = only(run, LIFECYCLE, settings.backups_bucket_name).inputs["rules"]
    assert rule["expiration"]["days"] == 45 and rule["noncurrentVersionExpiration"]["noncurrentDays"] == 45
    assert only(run, PLAN).inputs["rules"][0]["lifecycle"]["deleteAfter"] == 45
    for bucket in (settings.backups_bucket_name, f"{settings.backups_bucket_name}-dr"):
        assert only(run, OBJECT_LOCK, bucket).inputs["rule"]["defaultRetention"] == {"mode": "COMPLIANCE", "days": 40}
        (rule,) = only(run, LIFECYCLE, bucket).inputs["rules"]
        assert rule["expiration"]["days"] == 45


def test_another_dr_region_moves_the_replica_and_its_key_there(loaded_stacks):
    loaded = loaded_stacks["production"]
    settings = loaded.config.storage.model_copy(update={"dr_region": "eu-west-1"})
    run = run_storage(loaded, storage=settings)
    provider = next(r for r in run.resources if r.type == "pulumi:providers:aws" and r.name == "aws-dr")
    assert provider.inputs["region"] == "eu-west-1"
    assert is_dr(dr_key_of(run)) and is_dr(only(run, BUCKET, f"{settings.backups_bucket_name}-dr"))
    encrypt = replication_policy(run)["EncryptReplicasViaS3"]
    assert encrypt["Condition"]["StringEquals"] == {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}


def test_selection_covers_exactly_the_given_database_arns(loaded_stacks):
    arns = ["arn:aws:rds:us-east-1:111122223333:db:primary-a", "arn:aws:rds:us-east-1:111122223333:db:primary-b"]
    run = run_storage(loaded_stacks["production"], database_arns=arns)
    assert only(run, SELECTION).inputs["resources"] == arns


def test_every_app_origin_and_only_those_in_cors(loaded_stacks):
    origins = ["https://app.chatpdd.com", "https://www.chatpdd.com"]
    run = run_storage(loaded_stacks["production"], cors_origins=origins)
    assert only(run, CORS).inputs["corsRules"][0]["allowedOrigins"] == origins


@pytest.mark.parametrize("origins", [["*"], ["https://*.chatpdd.com"], []])
def test_wildcard_or_missing_cors_origin_is_refused(loaded_stacks, origins):
    with pytest.raises(ValueError, match="explicit app origins"):
        run_storage(loaded_stacks["production"], cors_origins=origins)


def test_component_attributes_known_at_preview(loaded_stacks):
    loaded = loaded_stacks["staging"]
    run = run_storage(loaded, exports=["backups_bucket", "uploads_bucket", "uploads_bucket_arn", "redis_backup_path",
                                       "backup_vault_name", "kms_key_arn", "uploads_kms_key_arn",
                                       "access_logs_bucket", "dr_bucket", "dr_region"])
    s = loaded.config.storage
    assert run.outputs["backups_bucket"] == s.backups_bucket_name
    assert run.outputs["access_logs_bucket"] == s.access_logs_bucket_name
    assert run.outputs["dr_bucket"] == f"{s.backups_bucket_name}-dr"
    assert run.outputs["dr_region"] == s.dr_region
    assert run.outputs["uploads_bucket_arn"] == f"arn:aws:s3:::{s.uploads_bucket_name}"
    assert run.outputs["redis_backup_path"] == f"s3://{s.backups_bucket_name}/redis"
    assert run.outputs["backup_vault_name"] == "chatpdd-staging-backup-vault"
    assert run.outputs["uploads_kms_key_arn"] == run.outputs["kms_key_arn"] == only(run, VAULT).inputs["kmsKeyArn"]

