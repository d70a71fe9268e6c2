import json

import pytest
from chatpdd_policies.aws_iam_role_restrict_oidc_trust import POLICY

from tests.policies.fixtures_vercel import PROJECT
from tests.policies.harness import UNKNOWN_STRING, resource, run, with_props

TEAM, ISSUER = "team_chatpdd", "oidc.vercel.com/team_chatpdd"
PROVIDER = resource("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "app-vercel-oidc", {
    "url": f"https://{ISSUER}", "clientIdLists": [f"https://vercel.com/{TEAM}"]})
SUB = f"owner:{TEAM}:project:chatpdd:environment:production"
CONDITION = {"StringEquals": {f"{ISSUER}:aud": f"https://vercel.com/{TEAM}", f"{ISSUER}:sub": SUB}}


def trust(condition=None, **statement) -> str:
    body = {"Effect": "Allow", "Principal": {"Federated": f"arn:aws:iam::111122223333:oidc-provider/{ISSUER}"},
            "Action": "sts:AssumeRoleWithWebIdentity", "Condition": CONDITION if condition is None else condition,
            **statement}
    return json.dumps({"Version": "2012-10-17", "Statement": [body]})


ROLE = resource("aws:iam/role:Role", "app-uploads-role", {"name": "chatpdd-production-app-uploads",
                                                          "assumeRolePolicy": trust()}, dependencies=[PROVIDER.urn])
NAME = "IAM role 'app-uploads-role'"
FIX = ("Fix: add Condition StringEquals with <issuer>:aud = the audience and <issuer>:sub = "
       "owner:<team>:project:<project>:environment:production.")


def _run(role):
    return run(POLICY, [PROJECT, PROVIDER, role]).messages


def _msg(problem):
    return f"{NAME} trust policy statement 0 {problem}. {FIX}"


def test_compliant():
    assert _run(ROLE) == []
    assert PROJECT.properties["name"] == "chatpdd"


def test_service_roles_are_not_this_policy():
    service = with_props(ROLE, assumeRolePolicy=json.dumps({"Statement": [
        {"Effect": "Allow", "Principal": {"Service": "rds.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    assert _run(service) == []


@pytest.mark.parametrize("claim", ["aud", "sub"])
def test_claim_not_pinned(claim):
    condition = {"StringEquals": {k: v for k, v in CONDITION["StringEquals"].items() if not k.endswith(claim)}}
    assert _run(with_props(ROLE, assumeRolePolicy=trust(condition))) == [
        _msg(f"does not pin {ISSUER}:{claim} with StringEquals")]


def test_no_condition_at_all():
    assert _run(with_props(ROLE, assumeRolePolicy=trust({}))) == [
        _msg(f"does not pin {ISSUER}:aud with StringEquals"), _msg(f"does not pin {ISSUER}:sub with StringEquals")]


def test_string_like_wildcard_sub_lets_every_project_in():
    condition = {"StringEquals": {f"{ISSUER}:aud": f"https://vercel.com/{TEAM}"},
                 "StringLike": {f"{ISSUER}:sub": f"owner:{TEAM}:project:*:environment:*"}}
    assert _run(with_props(ROLE, assumeRolePolicy=trust(condition))) == [
        _msg(f"does not pin {ISSUER}:sub with StringEquals")]


@pytest.mark.parametrize("sub, problem", [
    (f"owner:{TEAM}:project:chatpdd:environment:preview",
     f"pins {ISSUER}:sub to 'owner:{TEAM}:project:chatpdd:environment:preview', not "
     f"owner:{TEAM}:project:<project>:environment:production"),
    ("owner:team_other:project:chatpdd:environment:production",
     f"pins {ISSUER}:sub to 'owner:team_other:project:chatpdd:environment:production', not "
     f"owner:{TEAM}:project:<project>:environment:production"),
    (f"owner:{TEAM}:project:sandbox:environment:production",
     f"pins {ISSUER}:sub to project 'sandbox', which is not this stack's Vercel project (chatpdd)"),
])
def test_sub_pinned_to_the_wrong_team_project_or_environment(sub, problem):
    condition = {"StringEquals": {**CONDITION["StringEquals"], f"{ISSUER}:sub": sub}}
    assert _run(with_props(ROLE, assumeRolePolicy=trust(condition))) == [_msg(problem)]


def test_audience_of_another_team():
    condition = {"StringEquals": {**CONDITION["StringEquals"], f"{ISSUER}:aud": "https://vercel.com/team_other"}}
    assert _run(with_props(ROLE, assumeRolePolicy=trust(condition))) == [
        _msg(f"pins {ISSUER}:aud to another value than 'https://vercel.com/{TEAM}'")]


def test_unknown_trust_built_from_the_provider_fails_closed():
    role = with_props(ROLE, assumeRolePolicy=UNKNOWN_STRING)
    role.property_dependencies = {"assumeRolePolicy": [PROVIDER.urn]}
    assert _run(role) == [
        f"{NAME}: assumeRolePolicy is unknown at preview, so who may assume the role cannot be verified. Fix: set it "
        "from a literal or stack config. Build the provider ARN from the account id and the issuer "
        "(arn:aws:iam::<account>:oidc-provider/<issuer>)."]
