"""Wildcard principals and '*'-on-'*' grants in IAM, trust, KMS key and bucket policies -- what checkov's
CKV_AWS_1/33/60/62/63/70 catch, caught by the pack itself (so `pulumi preview --policy-pack` blocks them)."""

import json

import pytest
from chatpdd_policies.aws_iam_policy_disallow_wildcard_grants import FIX, POLICY

from tests.policies.fixtures_storage import BACKUPS_POLICY
from tests.policies.harness import UNKNOWN_STRING, resource, run, with_props

ACCOUNT_ROOT = "arn:aws:iam::111122223333:root"


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


ROLE = resource("aws:iam/role:Role", "database-monitoring", {
    "name": "chatpdd-production-rds-monitoring",
    "assumeRolePolicy": doc({"Effect": "Allow", "Principal": {"Service": "monitoring.rds.amazonaws.com"},
                             "Action": "sts:AssumeRole",
                             "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}})})
ROLE_POLICY = resource("aws:iam/rolePolicy:RolePolicy", "app-metrics-role-policy", {
    "role": "r", "policy": doc({"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*",
                                "Condition": {"StringEquals": {"cloudwatch:namespace": "ChatPDD/App"}}})})
KEY = resource("aws:kms/key:Key", "storage-kms", {
    "enableKeyRotation": True,
    "policy": doc({"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": ACCOUNT_ROOT}, "Action": "kms:*",
                   "Resource": "*"},
                  {"Sid": "Logs", "Effect": "Allow", "Principal": {"Service": "logs.amazonaws.com"},
                   "Action": ["kms:Encrypt*", "kms:Decrypt*"], "Resource": "*",
                   "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:*"}}})})
STACK = [ROLE, ROLE_POLICY, KEY, BACKUPS_POLICY]


def _with_doc(res, *statements, prop="policy"):
    return with_props(res, {prop: doc(*statements)})


def test_compliant():
    assert run(POLICY, STACK).messages == []


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": [ACCOUNT_ROOT, "*"]}])
def test_wildcard_principal_in_a_key_policy(principal):
    key = _with_doc(KEY, {"Sid": "Everyone", "Effect": "Allow", "Principal": principal, "Action": "kms:Decrypt",
                          "Resource": "*"})
    outcome = run(POLICY, [key])
    assert outcome.messages == [
        "KMS key 'storage-kms' policy statement 0 (Everyone) allows any principal ('*') without a condition that "
        f"restricts the caller. {FIX}"]
    assert outcome.urns == [KEY.urn]


def test_wildcard_principal_in_a_trust_policy():
    role = _with_doc(ROLE, {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
                     prop="assumeRolePolicy")
    assert run(POLICY, [role]).messages == [
        "IAM role 'database-monitoring' assumeRolePolicy statement 0 allows any principal ('*') without a condition "
        f"that restricts the caller. {FIX}"]


def test_wildcard_principal_in_a_bucket_policy():
    public = _with_doc(BACKUPS_POLICY, {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
                                        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"})
    assert run(POLICY, [public]).messages == [
        f"S3 bucket policy '{BACKUPS_POLICY.name}' policy statement 0 (PublicRead) allows any principal ('*') without "
        f"a condition that restricts the caller. {FIX}"]


@pytest.mark.parametrize("condition", [
    {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
    {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::chatpdd-production-backups"}},
    {"StringEquals": {"kms:CallerAccount": "111122223333"}},
])
def test_wildcard_principal_with_a_restricting_condition_passes(condition):
    key = _with_doc(KEY, {"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
                          "Condition": condition})
    assert run(POLICY, [key]).messages == []


@pytest.mark.parametrize("condition", [
    {"StringEqualsIfExists": {"aws:SourceAccount": "111122223333"}},   # absent key = no restriction
    {"StringLike": {"aws:PrincipalArn": "*"}},                          # restricts nothing
    {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},  # any caller through S3
])
def test_conditions_that_do_not_restrict_the_caller(condition):
    key = _with_doc(KEY, {"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
                          "Condition": condition})
    assert len(run(POLICY, [key]).messages) == 1


@pytest.mark.parametrize("action", ["*", "*:*", ["s3:GetObject", "*"]])
def test_every_action_on_every_resource(action):
    admin = _with_doc(ROLE_POLICY, {"Sid": "Admin", "Effect": "Allow", "Action": action, "Resource": "*"})
    assert run(POLICY, [admin]).messages == [
        f"IAM role policy 'app-metrics-role-policy' policy statement 0 (Admin) allows every action ('*') on every "
        f"resource ('*'). {FIX}"]


def test_not_action_on_every_resource():
    almost_admin = _with_doc(ROLE_POLICY, {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert run(POLICY, [almost_admin]).messages == [
        "IAM role policy 'app-metrics-role-policy' policy statement 0 allows every action but its NotAction list on "
        f"every resource ('*'). {FIX}"]


def test_managed_policy_and_inline_role_policies():
    managed = resource("aws:iam/policy:Policy", "admin", {"policy": doc({"Effect": "Allow", "Action": "*",
                                                                          "Resource": "*"})})
    inline = with_props(ROLE, inlinePolicies=[{"name": "x", "policy": doc({"Effect": "Allow", "Action": "*",
                                                                           "Resource": "*"})}])
    assert run(POLICY, [managed, inline]).messages == [
        f"IAM policy 'admin' policy statement 0 allows every action ('*') on every resource ('*'). {FIX}",
        "IAM role 'database-monitoring' inlinePolicies[0].policy statement 0 allows every action ('*') on every "
        f"resource ('*'). {FIX}"]


def test_deny_with_a_wildcard_is_fine():
    assert run(POLICY, [BACKUPS_POLICY]).messages == []  # TLS-only: Deny, Principal '*', Action 's3:*'


def test_not_json():
    assert run(POLICY, [with_props(ROLE_POLICY, policy="{not json")]).messages == [
        f"IAM role policy 'app-metrics-role-policy' policy is not valid JSON. {FIX}"]


def test_unknown_document_fails_closed_even_when_computed_from_this_stack():
    """Issue 17: a `*`-on-`*` statement beside a computed key ARN made the whole document unknown at a real
    preview, and the old exception for documents computed from this stack let it pass there."""
    unknown = with_props(ROLE_POLICY, policy=UNKNOWN_STRING)
    message = ("IAM role policy 'app-metrics-role-policy': policy is unknown at preview, so the grants of the policy "
               "document cannot be verified. Fix: set it from a literal or stack config.")
    assert run(POLICY, [unknown]).messages == [message]
    computed = with_props(unknown)
    computed.property_dependencies = {"policy": [KEY.urn]}
    assert run(POLICY, [KEY, computed]).messages == [message]


@pytest.mark.parametrize("policy", ["AdministratorAccess", "PowerUserAccess", "IAMFullAccess"])
def test_attaching_an_aws_managed_admin_policy(policy):
    attachment = resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "admin-attachment", {
        "role": "r", "policyArn": f"arn:aws:iam::aws:policy/{policy}"})
    assert run(POLICY, [*STACK, attachment]).messages == [
        f"IAM role policy attachment 'admin-attachment' attaches the AWS-managed policy "
        f"{policy}, which allows every action on every resource. {FIX}"]
    role = with_props(ROLE, managedPolicyArns=[f"arn:aws:iam::aws:policy/{policy}"])
    assert run(POLICY, [role]).messages == [
        f"IAM role 'database-monitoring' attaches the AWS-managed policy {policy}, which allows every action on every "
        f"resource. {FIX}"]


def test_narrow_managed_policies_pass():
    attachment = resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "monitoring-attachment", {
        "role": "r", "policyArn": "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"})
    assert run(POLICY, [*STACK, attachment]).messages == []
