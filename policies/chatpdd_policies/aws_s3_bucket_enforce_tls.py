"""aws-s3-bucket-enforce-tls (stack): every S3 bucket has a bucket policy (``bucket`` = the bucket's name,
or taken from the bucket) with a statement that denies every principal every S3 action on the bucket's
objects when ``aws:SecureTransport`` is false, and one that denies them when ``s3:TlsVersion`` is below
``minTlsVersion`` (default 1.2: TLS 1.0 and 1.1 are deprecated by RFC 8996) -- ``NumericLessThan`` with a
version of at least that number.

The policy document is a JSON string. When it is built from values unknown at preview (e.g. the bucket's
``arn`` output) the whole string is unknown: fail closed -- build it from the bucket's known name."""

import json
from collections.abc import Mapping
from typing import Any

from pulumi_policy import Severity, StackValidationArgs

from chatpdd_policies._checklist import MIN_TLS_VERSION
from chatpdd_policies._s3 import BUCKET, BUCKET_POLICY, bucket_config
from chatpdd_policies._threshold import Threshold, defaults
from chatpdd_policies._util import (
    MISSING,
    UNKNOWN,
    Report,
    checklist_reference,
    label,
    lookup,
    resources_of_type,
    stack_policy,
)

TLS = Threshold("minTlsVersion", MIN_TLS_VERSION, "at-least", "",
                "TLS versions below this must be denied by every bucket policy.", minimum=MIN_TLS_VERSION)
DEFAULTS = defaults(TLS)
FIX_VERSION = ("add a statement {Effect: Deny, Principal: '*', Action: 's3:*', Resource: [<bucket arn>, "
               f"'<bucket arn>/*'], Condition: {{NumericLessThan: {{'s3:TlsVersion': '{MIN_TLS_VERSION}'}}}}}}")
FIX = ("add a statement {Effect: Deny, Principal: '*', Action: 's3:*', Resource: [<bucket arn>, "
       "'<bucket arn>/*'], Condition: {Bool: {'aws:SecureTransport': 'false'}}}")


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _ci_get(mapping: Any, key: str) -> Any:
    """``mapping[key]`` with a case-insensitive key (IAM condition operators and keys are), else None."""
    if not isinstance(mapping, Mapping):
        return None
    return next((v for k, v in mapping.items() if str(k).lower() == key.lower()), None)


def _denies_everyone_everything(statement: Any) -> bool:
    """A Deny of every principal, every S3 action, on the bucket's objects."""
    if not isinstance(statement, Mapping) or statement.get("Effect") != "Deny":
        return False
    principal = statement.get("Principal")
    if not (principal == "*" or (isinstance(principal, Mapping) and "*" in _as_list(principal.get("AWS")))):
        return False
    if not {"s3:*", "*"} & set(_as_list(statement.get("Action"))):
        return False
    return any(r == "*" or str(r).endswith("/*") for r in _as_list(statement.get("Resource")))


def _denies_insecure_transport(statement: Any) -> bool:
    if not _denies_everyone_everything(statement):
        return False
    secure = _ci_get(_ci_get(statement.get("Condition"), "Bool"), "aws:SecureTransport")
    return any(str(v).lower() == "false" for v in _as_list(secure))


def _denied_below(statement: Any) -> float:
    """The TLS version below which ``statement`` denies everything (0 if it does not)."""
    if not _denies_everyone_everything(statement):
        return 0.0
    versions = _ci_get(_ci_get(statement.get("Condition"), "NumericLessThan"), "s3:TlsVersion")
    found = []
    for value in _as_list(versions):
        try:
            found.append(float(str(value)))
        except ValueError:
            continue
    return max(found, default=0.0)


def _problem(policy: Any, min_version: float = DEFAULTS["minTlsVersion"]) -> str:
    """What is wrong with the policy document (a phrase after the label), or ""."""
    if policy is MISSING:
        return "has no policy document"
    try:
        policy = json.loads(policy) if isinstance(policy, str) else None
    except ValueError:
        policy = None
    if policy is None:
        return "has a policy document that is not a valid JSON string"
    statements = _as_list(policy.get("Statement")) if isinstance(policy, Mapping) else []
    if not any(_denies_insecure_transport(s) for s in statements):
        return "does not deny requests without TLS (aws:SecureTransport = false)"
    floor = max((_denied_below(s) for s in statements), default=0.0)
    if floor < min_version:
        shown = f"only below TLS {floor:g}" if floor else "no TLS version"
        return f"denies {shown}; TLS below {min_version:g} must be denied (NumericLessThan s3:TlsVersion {min_version:g})"
    return ""


def _validate(args: StackValidationArgs, report_violation: Report) -> None:
    for bucket in resources_of_type(args, BUCKET):
        config = bucket_config(args, bucket, BUCKET_POLICY, report_violation, what="bucket policy",
                               fix=f"add an aws.s3.BucketPolicy for it and {FIX}")
        if config is None:
            continue
        policy = lookup(config.props, "policy")
        if policy is UNKNOWN:
            report_violation(f"{label(config)}: the policy document is unknown at preview, so TLS-only access "
                             f"cannot be verified. Fix: build the policy JSON from known values (the bucket's "
                             f"name, not its arn output).", config.urn)
            continue
        problem = _problem(policy, float(TLS.value(args)))
        if problem:
            fix = FIX_VERSION if problem.startswith("denies ") else FIX
            report_violation(f"{label(config)} {problem}. Fix: {fix}.", config.urn)


POLICY = stack_policy(
    name="aws-s3-bucket-enforce-tls",
    description=f"S3 bucket policies must deny any request made without TLS or with TLS older than {MIN_TLS_VERSION}.",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps="Attach an aws.s3.BucketPolicy with a Deny statement for Principal '*', Action 's3:*' on "
                      "the bucket and its objects, conditioned on Bool aws:SecureTransport = false.",
    reference=checklist_reference("Security Validation", "Encryption", "Data in transit encryption verified"),
    tags=["aws", "s3", "encryption", "tls"],
    thresholds=(TLS,),
)
