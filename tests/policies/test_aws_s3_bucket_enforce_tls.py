import json

from chatpdd_policies.aws_s3_bucket_enforce_tls import POLICY

from tests.policies.fixtures_storage import (
    ACCESS_LOGS_POLICY,
    BACKUPS,
    BACKUPS_POLICY,
    STORAGE,
    STORAGE_WITH_LOGS_AND_DR,
)
from tests.policies.harness import UNKNOWN_STRING, replace, run, with_props, without_props

CONFIG = "S3 bucket policy 'chatpdd-production-backups-policy'"
ARN = "arn:aws:s3:::chatpdd-production-backups-111122223333"
FIX = ("Fix: add a statement {Effect: Deny, Principal: '*', Action: 's3:*', Resource: [<bucket arn>, "
       "'<bucket arn>/*'], Condition: {Bool: {'aws:SecureTransport': 'false'}}}.")
NO_TLS = f"{CONFIG} does not deny requests without TLS (aws:SecureTransport = false). {FIX}"


OLD_TLS = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [ARN, f"{ARN}/*"],
           "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}}}
FIX_VERSION = ("Fix: add a statement {Effect: Deny, Principal: '*', Action: 's3:*', Resource: [<bucket arn>, "
               "'<bucket arn>/*'], Condition: {NumericLessThan: {'s3:TlsVersion': '1.2'}}}.")


def _policy(old_tls=OLD_TLS, **changes):
    statement = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [ARN, f"{ARN}/*"],
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    statement.update(changes)
    statements = [statement] + ([old_tls] if old_tls else [])
    return with_props(BACKUPS_POLICY, policy=json.dumps({"Version": "2012-10-17", "Statement": statements}))


def _messages(config):
    return run(POLICY, replace(STORAGE, config)).messages


def test_compliant():
    assert run(POLICY, STORAGE).messages == []


def test_single_statement_object_and_variants():
    assert _messages(_policy()) == []
    assert _messages(_policy(Principal={"AWS": "*"}, Action=["s3:*"], Resource="*")) == []
    assert _messages(_policy(Condition={"bool": {"aws:securetransport": False}})) == []


def test_tls_versions_below_1_2_must_be_denied():
    assert _messages(_policy(old_tls=None)) == [
        f"{CONFIG} denies no TLS version; TLS below 1.2 must be denied (NumericLessThan s3:TlsVersion 1.2). "
        f"{FIX_VERSION}"]
    weak = {**OLD_TLS, "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.0"}}}
    assert _messages(_policy(old_tls=weak)) == [
        f"{CONFIG} denies only below TLS 1; TLS below 1.2 must be denied (NumericLessThan s3:TlsVersion 1.2). "
        f"{FIX_VERSION}"]
    allow = {**OLD_TLS, "Effect": "Allow"}
    assert len(_messages(_policy(old_tls=allow))) == 1


def test_a_stricter_tls_floor_passes():
    strict = {**OLD_TLS, "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.3"}}}
    assert _messages(_policy(old_tls=strict)) == []
    raised = run(POLICY, replace(STORAGE, _policy()), config={"minTlsVersion": 1.3}).messages
    assert raised and all("denies only below TLS 1.2; TLS below 1.3 must be denied" in m for m in raised)


def test_allow_instead_of_deny():
    assert run(POLICY, replace(STORAGE, _policy(Effect="Allow"))).violations == [(NO_TLS, BACKUPS_POLICY.urn)]


def test_secure_transport_true():
    assert _messages(_policy(Condition={"Bool": {"aws:SecureTransport": "true"}})) == [NO_TLS]


def test_not_every_principal():
    assert _messages(_policy(Principal={"AWS": "arn:aws:iam::111122223333:root"})) == [NO_TLS]


def test_not_every_action():
    assert _messages(_policy(Action="s3:GetObject")) == [NO_TLS]


def test_bucket_only_not_its_objects():
    assert _messages(_policy(Resource=ARN)) == [NO_TLS]


def test_no_tls_statement():
    config = with_props(BACKUPS_POLICY, policy=json.dumps({"Version": "2012-10-17", "Statement": []}))
    assert _messages(config) == [NO_TLS]


def test_not_json():
    assert _messages(with_props(BACKUPS_POLICY, policy="{not json")) == [
        f"{CONFIG} has a policy document that is not a valid JSON string. {FIX}"]


def test_no_document():
    assert _messages(without_props(BACKUPS_POLICY, "policy")) == [f"{CONFIG} has no policy document. {FIX}"]


def test_missing_bucket_policy():
    assert run(POLICY, [r for r in STORAGE if r.urn != BACKUPS_POLICY.urn]).violations == [
        ("S3 bucket 'chatpdd-production-backups' has no bucket policy. Fix: add an aws.s3.BucketPolicy for it and "
         + FIX[len("Fix: "):], BACKUPS.urn)]


def test_unknown_document_fails_closed():
    assert _messages(with_props(BACKUPS_POLICY, policy=UNKNOWN_STRING)) == [
        f"{CONFIG}: the policy document is unknown at preview, so TLS-only access cannot be verified. Fix: build "
        "the policy JSON from known values (the bucket's name, not its arn output)."]


def test_the_access_logs_bucket_and_the_replica_are_checked_too():
    assert run(POLICY, STORAGE_WITH_LOGS_AND_DR).messages == []
    delivery_only = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
         "Resource": "arn:aws:s3:::chatpdd-production-access-logs-111122223333/backups/*"}]})
    config = with_props(ACCESS_LOGS_POLICY, policy=delivery_only)
    assert run(POLICY, replace(STORAGE_WITH_LOGS_AND_DR, config)).violations == [
        ("S3 bucket policy 'chatpdd-production-access-logs-policy' does not deny requests without TLS "
         f"(aws:SecureTransport = false). {FIX}", ACCESS_LOGS_POLICY.urn)]
