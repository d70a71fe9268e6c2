"""aws-iam-policy-restrict-foreign-principals (stack): every AWS principal that an ``Allow`` statement of a
resource-based policy of this stack names -- a KMS key policy, an S3 bucket policy, a role's trust policy, an
SNS topic, secret, vault or queue policy -- belongs to one of the stack's own accounts (``stackAccountIds``,
set per stack in ``policies/config/<stack>.json``) or is in ``allowedForeignPrincipals``, a reviewed list
(default: Redis Cloud's backup principal, which writes the Redis backups into the backups bucket).

Why an allow-list of accounts, not a deny-list: a grant to another account reads or decrypts backups as
surely as a grant to ``*``, and the wildcard rule (aws-iam-policy-disallow-wildcard-grants) only sees ``*``
(issue 17, "Grants"). Conditions do not make a foreign principal safe: they narrow what it may do, not who.

- The stack's accounts come from the pack config, a rule file the code owners review -- not from the
  providers' ``allowedAccountIds``, which the stack file (the pull request's side) sets.
- An account principal is a 12-digit account ID or an ARN with one (``arn:aws:iam::<id>:root``, a role, a
  user, an STS session); an ``allowedForeignPrincipals`` entry that is an account (its ID or root ARN) allows
  that account, any other entry exactly that ARN.
- ``Allow`` with ``NotPrincipal`` grants everyone but those named: blocked. A ``CanonicalUser`` principal
  cannot be attributed to an account: blocked. ``Service`` and ``Federated`` principals are judged by the
  wildcard and OIDC-trust rules; ``*`` by the wildcard rule.
- A document unknown at preview fails closed (as every document rule of the pack does)."""

import re
from collections.abc import Mapping
from typing import Any

from pulumi_policy import Severity, StackValidationArgs

from chatpdd_policies._checklist import ALLOWED_FOREIGN_PRINCIPALS, STACK_ACCOUNT_IDS
from chatpdd_policies._util import (
    Report,
    as_list,
    checklist_reference,
    config_value,
    document_statements,
    lookup,
    report_document,
    resources_by_type,
    stack_policy,
)

DEFAULTS = {"stackAccountIds": STACK_ACCOUNT_IDS, "allowedForeignPrincipals": ALLOWED_FOREIGN_PRINCIPALS}

# The resource-based policies: documents whose statements name principals (identity policies name none).
DOCUMENTS = {
    "aws:kms/key:Key": "policy",
    "aws:kms/keyPolicy:KeyPolicy": "policy",
    "aws:s3/bucket:Bucket": "policy",
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
    "aws:iam/role:Role": "assumeRolePolicy",
    "aws:sns/topic:Topic": "policy",
    "aws:sns/topicPolicy:TopicPolicy": "policy",
    "aws:secretsmanager/secret:Secret": "policy",
    "aws:secretsmanager/secretPolicy:SecretPolicy": "policy",
    "aws:backup/vaultPolicy:VaultPolicy": "policy",
    "aws:sqs/queuePolicy:QueuePolicy": "policy",
}
ACCOUNT_ID = re.compile(r"^[0-9]{12}$")
# arn:<partition>:iam::<account>:<resource> or arn:<partition>:sts::<account>:<resource>
ACCOUNT_ARN = re.compile(r"^arn:aws[a-z-]*:(?:iam|sts)::([0-9]{12}):(.+)$")
RULE = "the principals of the policy document"
FIX = ("Fix: grant only the stack's own accounts (stackAccountIds), or add the principal with a reason to "
       "allowedForeignPrincipals (ALLOWED_FOREIGN_PRINCIPALS in stacks/checklist.py) after review.")


def account_of(principal: str) -> str | None:
    """The account a principal belongs to (``123456789012`` or an IAM/STS ARN), else None."""
    if ACCOUNT_ID.match(principal):
        return principal
    match = ACCOUNT_ARN.match(principal)
    return match.group(1) if match else None


class Trust:
    """Who may be named: the stack's accounts, allowed foreign accounts, and allowed foreign ARNs."""

    def __init__(self, stack_accounts: list[Any], allowed: list[Any]) -> None:
        self.accounts = {str(a) for a in stack_accounts}
        self.arns: set[str] = set()
        for entry in (str(e) for e in allowed):
            account = account_of(entry)
            whole_account = account is not None and (entry == account or entry.endswith(":root"))
            if whole_account and account is not None:
                self.accounts.add(account)
            else:
                self.arns.add(entry)

    def admits(self, principal: str) -> bool:
        """Whether ``principal`` (an account ID or ARN) may be granted."""
        return principal in self.arns or account_of(principal) in self.accounts


def _principal_problems(statement: Mapping[str, Any], trust: Trust) -> list[str]:
    if "NotPrincipal" in statement:
        return ["allows every principal but those in NotPrincipal"]
    principal = statement.get("Principal")
    if not isinstance(principal, Mapping):
        return []  # "*" (or nothing): the wildcard rule's
    problems = []
    for value in as_list(principal.get("AWS", [])):
        name = str(value)
        if name == "*" or trust.admits(name):
            continue
        if account_of(name) is None:
            problems.append(f"names the AWS principal '{name}', which is no account ID or ARN of one")
        else:
            problems.append(f"grants the AWS principal '{name}' of account {account_of(name)}, which is neither "
                            f"one of the stack's accounts nor an allowed foreign principal")
    if principal.get("CanonicalUser") is not None:
        problems.append("names a CanonicalUser principal, which cannot be checked against the stack's accounts")
    return problems


def _document_problems(document: Any, trust: Trust) -> list[str]:
    statements, _ = document_statements(document)  # no policy document at all: the wildcard rule reports it
    return [f"{where} {p}" for where, statement in statements if statement.get("Effect") == "Allow"
            for p in _principal_problems(statement, trust)]


def _validate(args: StackValidationArgs, report_violation: Report) -> None:
    trust = Trust(config_value(args, "stackAccountIds", DEFAULTS["stackAccountIds"]),
                  config_value(args, "allowedForeignPrincipals", DEFAULTS["allowedForeignPrincipals"]))
    index = resources_by_type(args)
    for resource_type, prop in DOCUMENTS.items():
        for resource in index.get(resource_type, ()):
            report_document(resource, prop, lookup(resource.props, prop), rule=RULE, fix=FIX,
                            problems=lambda document: _document_problems(document, trust),
                            report_violation=report_violation)


POLICY = stack_policy(
    name="aws-iam-policy-restrict-foreign-principals",
    description="Key, bucket, trust and other resource policies may grant only the stack's own AWS accounts "
                "(stackAccountIds) and the reviewed foreign principals (allowedForeignPrincipals).",
    validate=_validate,
    severity=Severity.CRITICAL,
    remediation_steps="Remove the statement or principal that grants another AWS account; if the grant is needed "
                      "(a vendor that writes into a bucket), add its principal with the vendor's documentation to "
                      "ALLOWED_FOREIGN_PRINCIPALS in stacks/checklist.py and run make schema, so the rule owners "
                      "review it.",
    reference=checklist_reference("Security Validation", "Authorization", "Role-based permissions enforced"),
    tags=["aws", "iam", "kms", "s3", "security"],
    config_schema={
        "stackAccountIds": {
            "type": "array", "items": {"type": "string", "pattern": "^[0-9]{12}$"},
            "default": DEFAULTS["stackAccountIds"],
            "description": "The stack's own AWS account IDs (the accounts its providers deploy into), set per stack "
                           "in policies/config/<stack>.json: principals of these accounts may be granted."},
        "allowedForeignPrincipals": {
            "type": "array", "items": {"type": "string"}, "default": DEFAULTS["allowedForeignPrincipals"],
            "description": "Reviewed principals of other accounts that resource policies may grant (an account "
                           "ID or root ARN allows the account; another ARN only itself). Default: Redis Cloud's "
                           "backup principal (Redis Cloud docs, \"Back up a database\" -> \"AWS S3\")."},
    },
)
