from chatpdd_policies.synthetics_canary_enable_artifact_encryption import DEFAULTS, POLICY

from tests.policies.fixtures_synthetics import API, ARTIFACTS, BUCKET, CANARY_KEY, LIFECYCLE, LOGGING, SYNTHETICS
from tests.policies.harness import UNKNOWN_STRING, replace, run, with_props

NAME = "Synthetics canary 'synthetics-api'"
FIX_KEY = ("Fix: set artifact_config={'s3_encryption': {'encryption_mode': 'SSE_KMS', 'kms_key_arn': "
           "<a customer-managed aws.kms.Key ARN>}}.")


def without(*resources):
    urns = {r.urn for r in resources}
    return [r for r in SYNTHETICS if r.urn not in urns]


def _literal_key(res, key):
    res = with_props(res, artifactConfig={"s3Encryption": {"encryptionMode": "SSE_KMS", "kmsKeyArn": key}})
    res.property_dependencies = {}
    return res


def test_compliant():
    assert run(POLICY, SYNTHETICS).messages == []
    assert DEFAULTS["minRetentionDays"] == 31


def test_sse_s3_artifacts():
    plain = with_props(API, artifactConfig={"s3Encryption": {"encryptionMode": "SSE_S3"}})
    assert run(POLICY, replace(SYNTHETICS, plain)).violations == [
        (f"{NAME} writes its artifacts with encryption mode SSE_S3. {FIX_KEY}", API.urn)]


def test_no_artifact_config_is_sse_s3():
    assert run(POLICY, replace(SYNTHETICS, with_props(API, artifactConfig=None))).messages == [
        f"{NAME} writes its artifacts with no encryption mode (SSE-S3). {FIX_KEY}"]


def test_aws_managed_key():
    assert run(POLICY, replace(SYNTHETICS, _literal_key(API, "alias/aws/s3"))).messages == [
        f"{NAME} uses the AWS-managed key 'alias/aws/s3' in artifactConfig.s3Encryption.kmsKeyArn. {FIX_KEY}"]


def test_unknown_key_not_from_this_stack_fails_closed():
    assert run(POLICY, replace(SYNTHETICS, _literal_key(API, UNKNOWN_STRING))).messages == [
        f"{NAME} has artifactConfig.s3Encryption.kmsKeyArn unknown at preview and not taken from an aws:kms/key:Key "
        f"in this stack. {FIX_KEY}"]


def test_unknown_mode_fails_closed():
    unknown = with_props(API, artifactConfig={"s3Encryption": {"encryptionMode": UNKNOWN_STRING}})
    assert run(POLICY, replace(SYNTHETICS, unknown)).messages == [
        f"{NAME}: artifactConfig.s3Encryption.encryptionMode is unknown at preview, so the encryption of its "
        "artifacts cannot be verified. Fix: set it from a literal or stack config."]


def test_artifacts_elsewhere():
    other = with_props(API, artifactS3Location="s3://somebody-elses-bucket/x/")
    assert run(POLICY, replace(SYNTHETICS, other)).messages == [
        f"{NAME} writes its artifacts to 'somebody-elses-bucket', which is not a bucket of this stack tagged "
        "Role=canary-artifacts. Fix: point artifact_s3_location at the Storage component's canary-artifacts bucket."]


def test_unknown_location_fails_closed():
    assert run(POLICY, replace(SYNTHETICS, with_props(API, artifactS3Location=UNKNOWN_STRING))).messages == [
        f"{NAME}: artifactS3Location is unknown at preview, so where its artifacts go cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_bucket_not_access_logged():
    assert len(run(POLICY, without(LOGGING)).messages) == 2  # both canaries
    assert run(POLICY, without(LOGGING)).messages[0] == (
        f"{NAME}: its artifacts bucket '{ARTIFACTS}' has no server access logging. Fix: add an aws.s3.BucketLogging "
        "into the access-logs bucket.")


def test_artifacts_never_expire_or_too_soon():
    assert run(POLICY, without(LIFECYCLE)).messages[0] == (
        f"{NAME}: its artifacts bucket '{ARTIFACTS}' never expires them; keep them 31 days, then expire them. "
        "Fix: an enabled lifecycle rule with expiration.days = 31.")
    short = with_props(LIFECYCLE, rules=[{**LIFECYCLE.properties["rules"][0], "expiration": {"days": 3}}])
    assert run(POLICY, replace(SYNTHETICS, short)).messages[0] == (
        f"{NAME}: its artifacts bucket '{ARTIFACTS}' expires them after 3 days; keep them 31 days, then expire them. "
        "Fix: an enabled lifecycle rule with expiration.days = 31.")


def test_unknown_lifecycle_fails_closed():
    unknown = with_props(LIFECYCLE, rules=[{**LIFECYCLE.properties["rules"][0], "status": UNKNOWN_STRING}])
    assert run(POLICY, replace(SYNTHETICS, unknown)).messages[0] == (
        f"{NAME}: the lifecycle rules of '{ARTIFACTS}' is unknown at preview, so how long artifacts are kept cannot "
        "be verified. Fix: set it from a literal or stack config.")


def test_bucket_must_carry_the_role_tag():
    untagged = with_props(BUCKET, tags={"Role": "uploads"})
    assert len(run(POLICY, replace(SYNTHETICS, untagged)).messages) == 2
    assert CANARY_KEY.urn in API.property_dependencies["artifactConfig"]


def _by_reference(config):
    """``config`` with its bucket taken from the artifacts bucket's output: unknown at a real preview."""
    config = with_props(config, bucket=UNKNOWN_STRING)
    config.property_dependencies = {"bucket": [BUCKET.urn]}
    return config


def test_configurations_that_take_the_bucket_by_reference_count():
    """At a real preview a configuration's bucket taken from the bucket resource is unknown; the property dependency
    still names the artifacts bucket (as _s3.bucket_config matches for the aws-s3-* policies)."""
    assert run(POLICY, replace(SYNTHETICS, _by_reference(LOGGING), _by_reference(LIFECYCLE))).messages == []


def test_a_configuration_for_an_unknown_bucket_fails_closed_with_the_reason():
    """A logging configuration whose bucket is unknown and taken from no bucket of the stack may be the artifacts
    bucket's: fail closed, and say so (not 'has no server access logging')."""
    unknown = with_props(LOGGING, bucket=UNKNOWN_STRING)
    unknown.property_dependencies = {}
    assert run(POLICY, replace(SYNTHETICS, unknown)).messages[0] == (
        f"{NAME}: the bucket of an access logging configuration (for '{ARTIFACTS}') is unknown at preview, so the "
        "access logging of its artifacts cannot be verified. Fix: set it from a literal or stack config.")
