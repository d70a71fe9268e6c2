from chatpdd_policies.aws_s3_bucket_enable_sse_kms_cmk import POLICY

from tests.policies.fixtures_storage import (
    ACCESS_LOGS,
    ACCESS_LOGS_ENCRYPTION,
    BACKUPS,
    BACKUPS_ENCRYPTION,
    STORAGE,
    STORAGE_KEY,
    STORAGE_WITH_LOGS_AND_DR,
    UPLOADS,
    UPLOADS_ENCRYPTION,
)
from tests.policies.harness import UNKNOWN_ARRAY, UNKNOWN_STRING, replace, run, with_props

CONFIG = "S3 encryption configuration 'chatpdd-production-backups-encryption'"
FIX_KEY = "Fix: set kms_master_key_id to the storage aws.kms.Key ARN."
KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _rule(**changes):
    rule = {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": UNKNOWN_STRING},
            "bucketKeyEnabled": True}
    rule.update(changes)
    return rule


def _default(**changes):
    return {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": UNKNOWN_STRING, **changes}


def _no_key_dependency(res):
    res = with_props(res)
    res.property_dependencies = {}
    return res


def test_compliant_both_buckets():
    assert run(POLICY, STORAGE).messages == []


def test_literal_customer_managed_key():
    config = _no_key_dependency(with_props(BACKUPS_ENCRYPTION, rules=[_rule(
        applyServerSideEncryptionByDefault=_default(kmsMasterKeyId=KEY_ARN))]))
    assert run(POLICY, replace(STORAGE, config)).messages == []


def test_matched_by_dependency_on_the_bucket_while_its_name_is_unknown():
    config = with_props(BACKUPS_ENCRYPTION, bucket=UNKNOWN_STRING)
    config.property_dependencies["bucket"] = [BACKUPS.urn]
    assert run(POLICY, replace(STORAGE, config)).messages == []


def test_aes256():
    config = with_props(BACKUPS_ENCRYPTION, rules=[_rule(
        applyServerSideEncryptionByDefault={"sseAlgorithm": "AES256"})])
    assert run(POLICY, replace(STORAGE, config)).violations == [
        (f"{CONFIG} uses sseAlgorithm 'AES256'; aws:kms is required. Fix: set sse_algorithm='aws:kms' and "
         "kms_master_key_id to the storage aws.kms.Key ARN.", BACKUPS_ENCRYPTION.urn)]


def test_aws_managed_key():
    config = _no_key_dependency(with_props(BACKUPS_ENCRYPTION, rules=[_rule(
        applyServerSideEncryptionByDefault=_default(kmsMasterKeyId="alias/aws/s3"))]))
    assert run(POLICY, replace(STORAGE, config)).messages == [
        f"{CONFIG} uses the AWS-managed key 'alias/aws/s3' in "
        f"rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId. {FIX_KEY}"]


def test_no_key_is_the_aws_managed_key():
    config = _no_key_dependency(with_props(BACKUPS_ENCRYPTION, rules=[_rule(
        applyServerSideEncryptionByDefault={"sseAlgorithm": "aws:kms"})]))
    assert run(POLICY, replace(STORAGE, config)).messages == [
        f"{CONFIG} has no rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId, so the AWS-managed key is "
        f"used. {FIX_KEY}"]


def test_unknown_key_not_from_a_key_of_this_stack_fails_closed():
    assert run(POLICY, replace(STORAGE, _no_key_dependency(BACKUPS_ENCRYPTION))).messages == [
        f"{CONFIG} has rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId unknown at preview and not taken "
        f"from an aws:kms/key:Key in this stack. {FIX_KEY}"]


def test_key_must_be_in_the_stack_for_the_dependency():
    assert len(run(POLICY, [r for r in STORAGE if r.urn != STORAGE_KEY.urn]).messages) == 2  # both buckets


def test_bucket_key_disabled():
    config = with_props(BACKUPS_ENCRYPTION, rules=[_rule(bucketKeyEnabled=False)])
    assert run(POLICY, replace(STORAGE, config)).messages == [
        f"{CONFIG} does not enable the S3 Bucket Key. Fix: set bucket_key_enabled=True."]


def test_bucket_key_missing_is_off():
    rule = _rule()
    del rule["bucketKeyEnabled"]
    config = with_props(BACKUPS_ENCRYPTION, rules=[rule])
    assert run(POLICY, replace(STORAGE, config)).messages == [
        f"{CONFIG} does not enable the S3 Bucket Key. Fix: set bucket_key_enabled=True."]


def test_no_default_rule():
    config = with_props(BACKUPS_ENCRYPTION, rules=[{"bucketKeyEnabled": True}])
    assert run(POLICY, replace(STORAGE, config)).messages == [
        f"{CONFIG} has no default encryption rule. Fix: add an aws.s3.BucketServerSideEncryptionConfiguration "
        "with sse_algorithm='aws:kms', kms_master_key_id=<aws.kms.Key arn> and bucket_key_enabled=True."]


def test_missing_configuration():
    assert run(POLICY, [r for r in STORAGE if r.urn != UPLOADS_ENCRYPTION.urn]).violations == [
        ("S3 bucket 'chatpdd-production-uploads' has no server-side encryption configuration. Fix: add an "
         "aws.s3.BucketServerSideEncryptionConfiguration with sse_algorithm='aws:kms', kms_master_key_id="
         "<aws.kms.Key arn> and bucket_key_enabled=True.", UPLOADS.urn)]


def test_configuration_of_another_bucket_does_not_count():
    config = with_props(UPLOADS_ENCRYPTION, bucket="some-other-bucket")
    assert run(POLICY, replace(STORAGE, config)).messages == [
        "S3 bucket 'chatpdd-production-uploads' has no server-side encryption configuration. Fix: add an "
        "aws.s3.BucketServerSideEncryptionConfiguration with sse_algorithm='aws:kms', kms_master_key_id="
        "<aws.kms.Key arn> and bucket_key_enabled=True."]


def test_unknown_bucket_name_without_dependency_fails_closed():
    config = with_props(UPLOADS_ENCRYPTION, bucket=UNKNOWN_STRING)
    assert run(POLICY, replace(STORAGE, config)).messages == [
        "S3 encryption configuration 'chatpdd-production-uploads-encryption': bucket is unknown at preview, so the "
        "server-side encryption configuration of S3 bucket 'chatpdd-production-uploads' cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_unknown_algorithm_fails_closed():
    config = with_props(BACKUPS_ENCRYPTION, rules=[_rule(
        applyServerSideEncryptionByDefault=_default(sseAlgorithm=UNKNOWN_STRING))])
    assert run(POLICY, replace(STORAGE, config)).messages == [
        f"{CONFIG}: sseAlgorithm is unknown at preview, so SSE-KMS with a customer-managed key cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_unknown_rules_fail_closed():
    config = with_props(BACKUPS_ENCRYPTION, rules=UNKNOWN_ARRAY)
    assert run(POLICY, replace(STORAGE, config)).messages == [
        f"{CONFIG}: rules is unknown at preview, so SSE-KMS with a customer-managed key cannot be verified. "
        "Fix: set it from a literal or stack config."]


# -- the SSE-S3 exception for server access log buckets (sseS3AllowedRoles) ---------------------------------

AES256_RULES = [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}, "blockedEncryptionTypes": ["SSE-C"]}]


def test_access_logs_bucket_with_sse_s3_and_the_dr_replica_with_its_own_key_pass():
    assert run(POLICY, STORAGE_WITH_LOGS_AND_DR).messages == []


def test_uploads_bucket_with_sse_s3_still_fails():
    config = _no_key_dependency(with_props(UPLOADS_ENCRYPTION, rules=AES256_RULES))
    assert run(POLICY, replace(STORAGE_WITH_LOGS_AND_DR, config)).violations == [
        ("S3 encryption configuration 'chatpdd-production-uploads-encryption' uses sseAlgorithm 'AES256'; aws:kms is "
         "required. Fix: set sse_algorithm='aws:kms' and kms_master_key_id to the storage aws.kms.Key ARN.",
         UPLOADS_ENCRYPTION.urn)]


def test_access_logs_bucket_without_encryption_still_fails():
    resources = [r for r in STORAGE_WITH_LOGS_AND_DR if r.urn != ACCESS_LOGS_ENCRYPTION.urn]
    assert run(POLICY, resources).violations == [
        ("S3 bucket 'chatpdd-production-access-logs' has no server-side encryption configuration. Fix: add an "
         "aws.s3.BucketServerSideEncryptionConfiguration with sse_algorithm='aws:kms', kms_master_key_id="
         "<aws.kms.Key arn> and bucket_key_enabled=True.", ACCESS_LOGS.urn)]


def test_the_exception_is_only_for_the_configured_roles():
    assert run(POLICY, STORAGE_WITH_LOGS_AND_DR, {"sseS3AllowedRoles": []}).messages == [
        "S3 encryption configuration 'chatpdd-production-access-logs-encryption' uses sseAlgorithm 'AES256'; aws:kms "
        "is required. Fix: set sse_algorithm='aws:kms' and kms_master_key_id to the storage aws.kms.Key ARN."]


def test_the_exception_is_only_for_sse_s3():
    config = with_props(ACCESS_LOGS_ENCRYPTION, rules=[{"applyServerSideEncryptionByDefault": {
        "sseAlgorithm": "aws:kms:dsse"}}])
    assert run(POLICY, replace(STORAGE_WITH_LOGS_AND_DR, config)).messages == [
        "S3 encryption configuration 'chatpdd-production-access-logs-encryption' uses sseAlgorithm 'aws:kms:dsse'; "
        "aws:kms is required. Fix: set sse_algorithm='aws:kms' and kms_master_key_id to the storage aws.kms.Key ARN."]


def test_unknown_role_of_an_sse_s3_bucket_fails_closed():
    bucket = with_props(ACCESS_LOGS, tags={**ACCESS_LOGS.properties["tags"], "Role": UNKNOWN_STRING})
    assert run(POLICY, replace(STORAGE_WITH_LOGS_AND_DR, bucket)).violations == [
        ("S3 bucket 'chatpdd-production-access-logs': tags.Role is unknown at preview, so the SSE-S3 exception "
         "(sseS3AllowedRoles) cannot be verified. Fix: set it from a literal or stack config.",
         ACCESS_LOGS_ENCRYPTION.urn)]
