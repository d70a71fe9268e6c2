"""Grants to another AWS account in key, bucket and trust policies (issue 17, "Grants"): the wildcard rule sees
only '*', so a named foreign account passed; this rule admits the stack's accounts (pack config) and the
reviewed foreign principals (stacks/checklist.py) and nothing else."""

import json

import pytest
from chatpdd_policies._checklist import REDIS_CLOUD_BACKUP_PRINCIPAL
from chatpdd_policies.aws_iam_policy_restrict_foreign_principals import FIX, POLICY

from tests.policies.harness import POLICIES_DIR, REPO, UNKNOWN_STRING, resource, run, with_props, without_props

OWN = "111122223333"
FOREIGN = "999988887777"
CONFIG = {"stackAccountIds": [OWN]}


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


ROOT_ADMIN = {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OWN}:root"},
              "Action": "kms:*", "Resource": "*"}
REDIS = {"Sid": "RedisCloudBackupsViaS3", "Effect": "Allow", "Principal": {"AWS": REDIS_CLOUD_BACKUP_PRINCIPAL},
         "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": "*"}
KEY = resource("aws:kms/key:Key", "storage-kms", {"policy": doc(ROOT_ADMIN, REDIS)})
BUCKET_POLICY = resource("aws:s3/bucketPolicy:BucketPolicy", "storage-backups-policy", {
    "bucket": "chatpdd-production-backups", "policy": doc(
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "RedisCloudBackupsAccess", "Effect": "Allow", "Principal": {"AWS": REDIS_CLOUD_BACKUP_PRINCIPAL},
         "Action": "s3:PutObject", "Resource": "arn:aws:s3:::chatpdd-production-backups/redis/*"})})
ROLE = resource("aws:iam/role:Role", "database-monitoring", {"assumeRolePolicy": doc(
    {"Effect": "Allow", "Principal": {"Service": "monitoring.rds.amazonaws.com"}, "Action": "sts:AssumeRole"})})
STACK = [KEY, BUCKET_POLICY, ROLE]


def _grant(res, principal, prop="policy", **extra):
    return with_props(res, {prop: doc(ROOT_ADMIN, {"Sid": "Extra", "Effect": "Allow", "Principal": principal,
                                                   "Action": "kms:Decrypt", "Resource": "*", **extra})})


def test_compliant():
    assert run(POLICY, STACK, CONFIG).messages == []


@pytest.mark.parametrize("principal", [f"arn:aws:iam::{FOREIGN}:root", FOREIGN, f"arn:aws:iam::{FOREIGN}:role/x",
                                       f"arn:aws:sts::{FOREIGN}:assumed-role/x/session"])
def test_a_foreign_account_in_a_key_policy_blocks(principal):
    outcome = run(POLICY, [_grant(KEY, {"AWS": [f"arn:aws:iam::{OWN}:root", principal]})], CONFIG)
    assert outcome.messages == [
        f"KMS key 'storage-kms' policy statement 1 (Extra) grants the AWS principal '{principal}' of account "
        f"{FOREIGN}, which is neither one of the stack's accounts nor an allowed foreign principal. {FIX}"]
    assert outcome.urns == [KEY.urn]


def test_a_condition_does_not_make_a_foreign_account_safe():
    key = _grant(KEY, {"AWS": FOREIGN}, Condition={"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}})
    assert len(run(POLICY, [key], CONFIG).messages) == 1


def test_a_foreign_account_in_a_bucket_and_a_trust_policy_blocks():
    bucket = with_props(BUCKET_POLICY, policy=doc({"Effect": "Allow", "Principal": {"AWS": FOREIGN},
                                                   "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}))
    role = with_props(ROLE, assumeRolePolicy=doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{FOREIGN}:root"},
                                                  "Action": "sts:AssumeRole"}))
    assert run(POLICY, [bucket, role], CONFIG).messages == [
        f"S3 bucket policy 'storage-backups-policy' policy statement 0 grants the AWS principal '{FOREIGN}' of account "
        f"{FOREIGN}, which is neither one of the stack's accounts nor an allowed foreign principal. {FIX}",
        f"IAM role 'database-monitoring' assumeRolePolicy statement 0 grants the AWS principal "
        f"'arn:aws:iam::{FOREIGN}:root' of account {FOREIGN}, which is neither one of the stack's accounts nor an "
        f"allowed foreign principal. {FIX}"]


def test_not_principal_canonical_user_and_unattributable_principals_block():
    not_principal = with_props(KEY, policy=doc({"Sid": "AllBut", "Effect": "Allow", "NotPrincipal": {"AWS": OWN},
                                                "Action": "kms:Decrypt", "Resource": "*"}))
    canonical = with_props(BUCKET_POLICY, policy=doc({"Effect": "Allow", "Principal": {"CanonicalUser": "79a59df9"},
                                                      "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}))
    unique_id = with_props(ROLE, assumeRolePolicy=doc({"Effect": "Allow", "Principal": {"AWS": "AROAEXAMPLEID"},
                                                       "Action": "sts:AssumeRole"}))
    assert run(POLICY, [not_principal, canonical, unique_id], CONFIG).messages == [
        f"KMS key 'storage-kms' policy statement 0 (AllBut) allows every principal but those in NotPrincipal. {FIX}",
        "S3 bucket policy 'storage-backups-policy' policy statement 0 names a CanonicalUser principal, which cannot be "
        f"checked against the stack's accounts. {FIX}",
        "IAM role 'database-monitoring' assumeRolePolicy statement 0 names the AWS principal 'AROAEXAMPLEID', which "
        f"is no account ID or ARN of one. {FIX}"]


def test_without_the_stack_accounts_in_the_config_the_own_account_is_foreign_too():
    """The missing case: no stackAccountIds (a stack without its pack config) admits no account of its own."""
    assert run(POLICY, STACK).messages == [
        f"KMS key 'storage-kms' policy statement 0 (Root) grants the AWS principal 'arn:aws:iam::{OWN}:root' of account "
        f"{OWN}, which is neither one of the stack's accounts nor an allowed foreign principal. {FIX}"]


def test_an_unknown_document_fails_closed_and_a_missing_one_passes():
    outcome = run(POLICY, [with_props(KEY, policy=UNKNOWN_STRING), without_props(BUCKET_POLICY, "policy")], CONFIG)
    assert outcome.messages == [
        "KMS key 'storage-kms': policy is unknown at preview, so the principals of the policy document cannot be "
        "verified. Fix: set it from a literal or stack config."]


def test_deny_statements_and_other_principal_kinds_pass():
    key = with_props(KEY, policy=doc(ROOT_ADMIN, {"Effect": "Deny", "Principal": {"AWS": FOREIGN}, "Action": "kms:*",
                                                  "Resource": "*"},
                                     {"Effect": "Allow", "Principal": {"Service": "logs.amazonaws.com"},
                                      "Action": "kms:Encrypt", "Resource": "*"}))
    assert run(POLICY, [key], CONFIG).messages == []


def test_an_allowed_foreign_arn_admits_itself_and_not_its_account():
    allowed = f"arn:aws:iam::{FOREIGN}:role/vendor-writer"
    config = {**CONFIG, "allowedForeignPrincipals": [allowed]}
    assert run(POLICY, [_grant(KEY, {"AWS": allowed})], config).messages == []
    assert len(run(POLICY, [_grant(KEY, {"AWS": f"arn:aws:iam::{FOREIGN}:role/other"})], config).messages) == 1
    # the config replaces the default list: Redis Cloud is no longer admitted
    assert run(POLICY, [KEY], config).messages[0].startswith(
        f"KMS key 'storage-kms' policy statement 1 (RedisCloudBackupsViaS3) grants the AWS principal "
        f"'{REDIS_CLOUD_BACKUP_PRINCIPAL}'")


def test_the_pack_configs_name_the_accounts_the_stack_files_deploy_into():
    """stackAccountIds of each policies/config/<stack>.json covers aws.allowed_account_ids of its stack file."""
    import yaml

    for config_file in sorted((POLICIES_DIR / "config").glob("*.json")):
        stack = config_file.stem
        pack = json.loads(config_file.read_text())[POLICY.name]["stackAccountIds"]
        stack_file = yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())
        accounts = stack_file["config"]["chatpdd-infra:aws"]["allowed_account_ids"]
        assert accounts and set(accounts) <= set(pack), (stack, accounts, pack)
