"""aws-iam-policy-disallow-wildcard-grants (stack): no IAM policy, trust policy, KMS key policy or S3 bucket policy
of this stack has an ``Allow`` statement that

- grants any principal (``"*"``, ``{"AWS": "*"}``, a ``*`` in any principal list) without a condition that
  restricts the caller -- ``aws:SourceArn``, ``aws:SourceAccount``, ``aws:SourceOwner``,
  ``aws:PrincipalAccount``, ``aws:PrincipalOrgID``, ``aws:PrincipalArn``, ``aws:SourceVpc(e)``,
  ``aws:SourceIp`` or ``kms:CallerAccount``, with an operator that is not ``...IfExists``/``Null`` and no
  ``*`` in its values (checkov CKV_AWS_33 for keys, CKV_AWS_70 for buckets, CKV_AWS_60 for trust policies);
- grants every action on every resource (``Action`` ``*`` or ``*:*`` -- or ``NotAction`` -- with
  ``Resource`` ``*``; checkov CKV_AWS_1/62/63 for IAM, CKV_AWS_109/111 for what ``kms:*``-style grants may not do
  is left to checkov).

- attaches an AWS-managed policy that is itself a wildcard grant (``AdministratorAccess``, ``PowerUserAccess``,
  ``IAMFullAccess`` -- ``*`` or ``iam:*`` on ``*``) through ``aws:iam/rolePolicyAttachment``,
  ``userPolicyAttachment``, ``groupPolicyAttachment``, ``policyAttachment`` (``policyArn``) or a role's
  ``managedPolicyArns``: the same grant without a ``*`` in this stack's text.

Documents: ``policy`` of ``aws:iam/rolePolicy``, ``aws:iam/policy``, ``aws:iam/userPolicy``,
``aws:iam/groupPolicy``, ``aws:kms/key``, ``aws:s3/bucketPolicy``; ``assumeRolePolicy`` and
``inlinePolicies[].policy`` of ``aws:iam/role``. ``Deny`` statements may name ``*`` (the TLS-only bucket
statements do). A document unknown at preview fails closed, whatever it is computed from: a document with one
unknown part (a key's ARN) is unknown as a whole, so a ``*``-on-``*`` statement beside it would pass a real
preview unseen (issue 17). The program writes its documents from known strings (a key by its alias,
``kms:ResourceAliases``; a secret by its name pattern), so the pack judges them at a real preview too."""

from collections.abc import Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from chatpdd_policies._util import (
    UNKNOWN,
    Report,
    as_list,
    checklist_reference,
    document_statements,
    label,
    lookup,
    lookup_list,
    report_document,
    resources_by_type,
    stack_policy,
    unknown_message,
)

DOCUMENTS = {
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/policy:Policy": "policy",
    "aws:iam/userPolicy:UserPolicy": "policy",
    "aws:iam/groupPolicy:GroupPolicy": "policy",
    "aws:kms/key:Key": "policy",
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
    "aws:iam/role:Role": "assumeRolePolicy",
}
ROLE = "aws:iam/role:Role"
ATTACHMENTS = ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:iam/userPolicyAttachment:UserPolicyAttachment",
               "aws:iam/groupPolicyAttachment:GroupPolicyAttachment", "aws:iam/policyAttachment:PolicyAttachment")
# AWS-managed policies that grant '*' (or all of IAM, i.e. any permission) on '*'.
WILDCARD_MANAGED_POLICIES = ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess")
RESTRICTING_KEYS = frozenset(k.lower() for k in (
    "aws:SourceArn", "aws:SourceAccount", "aws:SourceOwner", "aws:PrincipalAccount", "aws:PrincipalOrgID",
    "aws:PrincipalArn", "aws:SourceVpc", "aws:SourceVpce", "aws:SourceIp", "kms:CallerAccount"))
RULE = "the grants of the policy document"
FIX = ("Fix: name the principals (account root, role ARN or service) and actions the statement needs, or add a "
       "condition on aws:SourceArn/aws:SourceAccount/aws:PrincipalOrgID.")


def _wildcard_principal(principal: Any) -> bool:
    if principal == "*":
        return True
    return isinstance(principal, Mapping) and any("*" in as_list(v) for v in principal.values())


def _restricted(condition: Any) -> bool:
    if not isinstance(condition, Mapping):
        return False
    for operator, entries in condition.items():
        op = str(operator).lower()
        if op.endswith("ifexists") or op == "null" or not isinstance(entries, Mapping):
            continue
        for key, values in entries.items():
            if str(key).lower() in RESTRICTING_KEYS and values not in (None, [], "") and \
                    not any("*" in str(v) for v in as_list(values)):
                return True
    return False


def _statement_problems(statement: Any) -> list[str]:
    if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
        return []
    problems = []
    if _wildcard_principal(statement.get("Principal")) and not _restricted(statement.get("Condition")):
        problems.append("allows any principal ('*') without a condition that restricts the caller")
    resources = as_list(statement.get("Resource", []))
    if "*" in resources:
        if {"*", "*:*"} & {str(a) for a in as_list(statement.get("Action", []))}:
            problems.append("allows every action ('*') on every resource ('*')")
        elif "NotAction" in statement:
            problems.append("allows every action but its NotAction list on every resource ('*')")
    return problems


def _document_problems(document: Any) -> list[str]:
    """Phrases "statement <n> (<Sid>) <problem>"; a document that is no policy is one phrase."""
    statements, not_a_policy = document_statements(document)
    if not_a_policy:
        return [not_a_policy]
    return [f"{where} {p}" for where, statement in statements for p in _statement_problems(statement)]


def _check(resource: PolicyResource, prop: str, document: Any, report_violation: Report) -> None:
    report_document(resource, prop, document, rule=RULE, fix=FIX, problems=_document_problems,
                    report_violation=report_violation)


def _managed(resource: PolicyResource, prop: str, arn: Any, report_violation: Report) -> None:
    if arn is UNKNOWN:
        if not resource.property_dependencies.get(prop.split("[", 1)[0]):
            report_violation(unknown_message(label(resource), prop, RULE), resource.urn)
        return
    name = str(arn).rsplit("/", 1)[-1]
    if ":iam::aws:policy/" in str(arn) and name in WILDCARD_MANAGED_POLICIES:
        report_violation(f"{label(resource)} attaches the AWS-managed policy {name}, which allows every action on "
                         f"every resource. {FIX}", resource.urn)


def _validate(args: StackValidationArgs, report_violation: Report) -> None:
    index = resources_by_type(args)
    for resource_type in ATTACHMENTS:
        for resource in index.get(resource_type, ()):
            _managed(resource, "policyArn", lookup(resource.props, "policyArn"), report_violation)
    for role in index.get(ROLE, ()):
        arns = lookup_list(role.props, "managedPolicyArns")
        if arns is UNKNOWN:
            _managed(role, "managedPolicyArns", UNKNOWN, report_violation)
        for i, arn in enumerate(arns if isinstance(arns, list) else []):
            _managed(role, f"managedPolicyArns[{i}]", arn, report_violation)
    for resource_type, prop in DOCUMENTS.items():
        for resource in index.get(resource_type, ()):
            _check(resource, prop, lookup(resource.props, prop), report_violation)
            if resource_type == ROLE:
                inline = lookup_list(resource.props, "inlinePolicies")
                if inline is UNKNOWN:
                    _check(resource, "inlinePolicies", UNKNOWN, report_violation)
                for i, entry in enumerate(inline if isinstance(inline, list) else []):
                    _check(resource, f"inlinePolicies[{i}].policy", lookup(entry, "policy"), report_violation)


POLICY = stack_policy(
    name="aws-iam-policy-disallow-wildcard-grants",
    description="IAM, trust, KMS key and S3 bucket policies must not allow any principal without a restricting "
                "condition, nor every action on every resource.",
    validate=_validate,
    severity=Severity.CRITICAL,
    remediation_steps="Name the principal (account root, role ARN, AWS service) in each Allow statement, or restrict "
                      "a '*' principal with aws:SourceArn / aws:SourceAccount / aws:PrincipalOrgID; list the actions "
                      "and resources the statement needs instead of '*'.",
    reference=checklist_reference("Security Validation", "Authorization", "Role-based permissions enforced"),
    tags=["aws", "iam", "kms", "s3", "security"],
)
