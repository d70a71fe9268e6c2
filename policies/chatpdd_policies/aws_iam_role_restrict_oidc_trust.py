"""aws-iam-role-restrict-oidc-trust (stack): a role that web-identity (OIDC) tokens may assume -- an ``Allow``
statement of its ``assumeRolePolicy`` with a ``Federated`` principal or ``sts:AssumeRoleWithWebIdentity`` --
pins who presents the token: a ``StringEquals`` condition on ``<issuer>:aud`` and on ``<issuer>:sub``, with
no wildcard (``StringLike`` with ``*`` lets every project or branch of the issuer in).

For Vercel's team issuer (``oidc.vercel.com/<team>``) the values are pinned to the team, one project and the
production environment: ``aud`` = ``https://vercel.com/<team>`` and ``sub`` =
``owner:<team>:project:<project>:environment:production`` where ``<project>`` is the ``name`` of a
``vercel:index/project:Project`` of this stack (when the stack has one with a known name). Preview and
development deployments run unreviewed branch code: their tokens must not get production's credentials.

The trust policy is a JSON string; built from an unknown ARN (the provider's ``arn`` output) it is unknown at
preview and fails closed -- build the provider ARN from the account id and the issuer instead."""

import json
import re
from collections.abc import Mapping
from typing import Any

from pulumi_policy import Severity, StackValidationArgs

from chatpdd_policies._util import (
    UNKNOWN,
    Report,
    as_list,
    checklist_reference,
    label,
    lookup,
    resources_of_type,
    stack_policy,
    unknown_message,
)
from chatpdd_policies._vercel import PROJECT

ROLE = "aws:iam/role:Role"
OIDC_PROVIDER = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
WEB_IDENTITY = "sts:assumerolewithwebidentity"
VERCEL_ISSUER = "oidc.vercel.com/"
VERCEL_ENVIRONMENT = "production"
RULE = "who may assume the role"


def _string_equals(condition: Any) -> dict[str, list[str]]:
    """Lower-cased condition key -> values of the StringEquals operator (operators are case-insensitive)."""
    found: dict[str, list[str]] = {}
    for operator, entries in (condition.items() if isinstance(condition, Mapping) else []):
        if str(operator).lower() == "stringequals" and isinstance(entries, Mapping):
            for key, values in entries.items():
                found[str(key).lower()] = [str(v) for v in as_list(values)]
    return found


def _issuer(statement: Mapping[str, Any]) -> str:
    federated = statement.get("Principal", {}).get("Federated") if isinstance(statement.get("Principal"), Mapping) \
        else None
    for arn in as_list(federated):
        if isinstance(arn, str) and ":oidc-provider/" in arn:
            return arn.split(":oidc-provider/", 1)[1]
    return str(federated) if federated else "the identity provider"


def _vercel_problems(issuer: str, pinned: dict[str, list[str]], projects: list[str]) -> list[str]:
    team = issuer[len(VERCEL_ISSUER):]
    problems = []
    audience = f"https://vercel.com/{team}"
    if any(v != audience for v in pinned.get(f"{issuer}:aud".lower(), [])):
        problems.append(f"pins {issuer}:aud to another value than '{audience}'")
    shape = re.compile(rf"^owner:{re.escape(team)}:project:([A-Za-z0-9._-]+):environment:{VERCEL_ENVIRONMENT}$")
    for sub in pinned.get(f"{issuer}:sub".lower(), []):
        match = shape.match(sub)
        if not match:
            problems.append(f"pins {issuer}:sub to '{sub}', not owner:{team}:project:<project>:environment:"
                            f"{VERCEL_ENVIRONMENT}")
        elif projects and match.group(1) not in projects:
            problems.append(f"pins {issuer}:sub to project '{match.group(1)}', which is not this stack's Vercel "
                            f"project ({', '.join(projects)})")
    return problems


def _statement_problems(statement: Any, projects: list[str]) -> list[str]:
    if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
        return []
    principal = statement.get("Principal")
    actions = {str(a).lower() for a in as_list(statement.get("Action", []))}
    if not (WEB_IDENTITY in actions or (isinstance(principal, Mapping) and "Federated" in principal)):
        return []
    issuer = _issuer(statement)
    pinned = _string_equals(statement.get("Condition"))
    problems = []
    for claim in ("aud", "sub"):
        values = pinned.get(f"{issuer}:{claim}".lower())
        if not values or any("*" in v or "?" in v for v in values):
            problems.append(f"does not pin {issuer}:{claim} with StringEquals")
    if issuer.startswith(VERCEL_ISSUER):
        problems += _vercel_problems(issuer, pinned, projects)
    return problems


def _validate(args: StackValidationArgs, report_violation: Report) -> None:
    projects = [n for n in (lookup(p.props, "name") for p in resources_of_type(args, PROJECT)) if isinstance(n, str)]
    for role in resources_of_type(args, ROLE):
        trust = lookup(role.props, "assumeRolePolicy")
        if trust is UNKNOWN:
            if any(d.resource_type == OIDC_PROVIDER for d in role.property_dependencies.get("assumeRolePolicy", [])):
                report_violation(unknown_message(label(role), "assumeRolePolicy", RULE) + " Build the provider ARN "
                                 "from the account id and the issuer (arn:aws:iam::<account>:oidc-provider/<issuer>).",
                                 role.urn)
            continue
        try:
            document = json.loads(trust) if isinstance(trust, str) else trust
        except ValueError:
            continue  # not JSON: aws-iam-policy-disallow-wildcard-grants reports it
        statements = as_list(document.get("Statement", [])) if isinstance(document, Mapping) else []
        for i, statement in enumerate(statements):
            for problem in _statement_problems(statement, projects):
                report_violation(f"{label(role)} trust policy statement {i} {problem}. Fix: add Condition "
                                 f"StringEquals with <issuer>:aud = the audience and <issuer>:sub = "
                                 f"owner:<team>:project:<project>:environment:production.", role.urn)


POLICY = stack_policy(
    name="aws-iam-role-restrict-oidc-trust",
    description="Roles assumed with OIDC tokens must pin the token's audience and subject (Vercel: team, project and "
                "the production environment).",
    validate=_validate,
    severity=Severity.CRITICAL,
    remediation_steps="In the role's trust policy, add Condition StringEquals {'<issuer>:aud': "
                      "'https://vercel.com/<team>', '<issuer>:sub': "
                      "'owner:<team>:project:<project>:environment:production'}; see components/vercel_app.py.",
    reference=checklist_reference("Pre-Deployment Preparation", "Environment Variables",
                                  "File storage credentials configured (AWS S3/Azure/GCP)"),
    tags=["aws", "iam", "oidc", "vercel", "security"],
)
