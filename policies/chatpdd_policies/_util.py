"""Shared helpers for the chatpdd-guardrails policies.

The pack runs in its own process (see ``policies/__main__.py``) and may import only ``pulumi_policy``
(and the standard library) -- never ``stacks/`` or ``components/``.

Pattern for a policy module (one policy per file, the file named after the policy with ``_``)::

    from pulumi_policy import ResourceValidationArgs, Severity
    from chatpdd_policies._util import UNKNOWN, MISSING, Report, label, lookup, resource_policy, unknown_message

    RDS_INSTANCE = "aws:rds/instance:Instance"

    def _validate(args: ResourceValidationArgs, report_violation: Report) -> None:
        if args.resource_type != RDS_INSTANCE:
            return
        value = lookup(args.props, "publiclyAccessible")
        if value is UNKNOWN:
            report_violation(unknown_message(label(args), "publiclyAccessible", "private access"))
        elif value is True:
            report_violation(f"{label(args)} is publicly accessible. Fix: set publicly_accessible=False.")

    POLICY = resource_policy(
        name="aws-rds-instance-disallow-public-access", description="...", validate=_validate,
        severity=Severity.CRITICAL, remediation_steps="...", tags=["rds", "network"],
        reference=checklist_reference("Pre-Deployment Preparation", "Infrastructure Security",
                                      "Network security groups configured"))

Rules every policy follows:
- Read props ONLY through :func:`lookup` / :func:`lookup_list`: they never raise
  ``UnknownValueError`` (the SDK would turn it into an ADVISORY "can't run policy", even for a
  MANDATORY policy). ``UNKNOWN`` -> fail closed with :func:`unknown_message`; ``MISSING`` -> the
  provider default, decided deliberately per policy.
- References to resources created in the same program (KMS key ARNs, role ARNs, names) are unknown
  at a real preview: check them in a STACK policy through ``property_dependencies``
  (:func:`refers_to`, :func:`kms_key_problem`).
- Thresholds: a module with a config schema exports ``DEFAULTS = {"<key>": <constant>}`` -- its keys
  declare the pack-config keys it reads, each value a constant imported from ``_checklist`` (generated
  from stacks/checklist.py: never write a checklist number here) --, uses ``"default": DEFAULTS[key]``
  in the schema and ``config_value(args, key, DEFAULTS[key])`` in code (the SDK does not apply
  config-schema defaults; the CLI does). Prose that quotes a threshold uses the constant in an f-string.
  ``test_meta.py`` and ``test_checklist_sync.py`` check it.
- Stack config: a policy whose verdict a stack-config value decides declares the keys, most specific
  first: ``STACK_CONFIG_KEYS = ("database.backup_retention_days",)``. The gate points its findings at
  that line of ``Pulumi.<stack>.yaml`` (gate/common/locations.py reads the literal from the source).
- Messages: ``"<label> <what is wrong>. Fix: <what to set>."`` where label is :func:`label`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Callable, Optional, Protocol, Union, cast

from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import ResourceValidation, StackValidation
from pulumi_policy.proxy import UnknownValueError

from chatpdd_policies._threshold import Threshold, register

__all__ = [
    "MISSING", "UNKNOWN", "FRAMEWORK_NAME", "FRAMEWORK_VERSION", "TYPE_LABELS",
    "lookup", "lookup_list", "is_set", "fmt", "label", "unknown_message", "config_value",
    "checklist_reference", "resource_policy", "stack_policy", "resources_by_type", "resources_of_type",
    "depends_on", "refers_to", "referenced", "kms_key_problem", "require_one_of", "as_list", "document_statements",
    "report_document", "tag", "require_value", "Subject",
    "RDS_INSTANCE", "is_replica", "rds_primaries", "rds_replicas", "skip_replica",
    "RDS_PARAMETER_GROUP", "RDS_PROXY", "RDS_PROXY_TARGET", "RDS_PROXY_TARGET_GROUP", "REDIS_DATABASE",
    "pg_parameter", "as_number", "Report", "ResourceCheck", "StackCheck",
]


class Report(Protocol):
    """The SDK's ``report_violation`` callback as it is really called: the message, and for a stack policy
    the offending resource's URN (the SDK's own alias, ``ReportViolation``, makes the URN mandatory)."""

    def __call__(self, message: str, urn: Optional[str] = None) -> None: ...


ResourceCheck = Callable[[ResourceValidationArgs, Report], None]  # a resource policy's validate
StackCheck = Callable[[StackValidationArgs, Report], None]  # a stack policy's validate


class _Marker:
    """A singleton standing for a value that is absent (MISSING) or unknown at preview (UNKNOWN)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name

    def __bool__(self) -> bool:  # neither marker may pass for a truthy setting by accident
        return False


MISSING = _Marker("MISSING")
"""The key is absent or null: the provider default applies."""
UNKNOWN = _Marker("UNKNOWN")
"""The value is computed and not known at preview (a Pulumi unknown sentinel)."""

FRAMEWORK_NAME = "chatpdd-production-checklist"
FRAMEWORK_VERSION = "1.0"

Key = Union[str, int]
Subject = Union[ResourceValidationArgs, PolicyResource]
"""What a policy looks at: the args of a resource policy or a resource of a stack policy."""


def lookup(props: Any, *path: Key) -> Any:
    """Return ``props[path[0]][path[1]]...``, or ``MISSING`` / ``UNKNOWN``. Never raises.

    ``path`` items are dict keys (camelCase wire names) or list indexes. A null value counts as
    MISSING. A secret arrives unwrapped (the SDK deserializes secrets to their value): never put
    the value of a secret property into a message.
    """
    current = props
    try:
        for key in path:
            if isinstance(key, int):
                if isinstance(current, (str, bytes)) or not isinstance(current, Sequence):
                    return MISSING
                if not -len(current) <= key < len(current):
                    return MISSING
            elif not isinstance(current, Mapping) or key not in current:
                return MISSING
            current = current[key]
    except UnknownValueError:
        return UNKNOWN
    return MISSING if current is None else current


def lookup_list(props: Any, *path: Key) -> Any:
    """Like :func:`lookup` for a list: a plain ``list`` whose unknown elements are ``UNKNOWN``,
    or ``MISSING`` / ``UNKNOWN`` for the whole list. A non-list value counts as MISSING."""
    value = lookup(props, *path)
    if value is MISSING or value is UNKNOWN:
        return value
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        return MISSING
    return [lookup(value, i) for i in range(len(value))]


def is_set(value: Any) -> bool:
    """True for a known, present value (not MISSING/UNKNOWN, not an empty string/list)."""
    if value is MISSING or value is UNKNOWN:
        return False
    return not (isinstance(value, (str, list, Sequence)) and len(value) == 0)


def fmt(value: Any) -> str:
    """Format a number for a message: ``30.0`` (numbers arrive as floats) -> ``30``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


TYPE_LABELS: dict[str, str] = {
    "aws:rds/instance:Instance": "RDS instance",
    "aws:rds/parameterGroup:ParameterGroup": "RDS parameter group",
    "aws:rds/proxy:Proxy": "RDS proxy",
    "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup": "RDS proxy target group",
    "aws:rds/proxyTarget:ProxyTarget": "RDS proxy target",
    "aws:rds/proxyEndpoint:ProxyEndpoint": "RDS proxy endpoint",
    "aws:ec2/securityGroup:SecurityGroup": "Security group",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "Default security group",
    "aws:ec2/securityGroupRule:SecurityGroupRule": "Security group rule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "Security group ingress rule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "Security group egress rule",
    "aws:kms/key:Key": "KMS key",
    "aws:secretsmanager/secret:Secret": "Secret",
    "aws:s3/bucket:Bucket": "S3 bucket",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
        "S3 encryption configuration",
    "aws:s3/bucketVersioning:BucketVersioning": "S3 versioning",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "S3 public access block",
    "aws:s3/bucketPolicy:BucketPolicy": "S3 bucket policy",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "S3 lifecycle configuration",
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": "S3 object lock configuration",
    "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration": "S3 CORS configuration",
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": "S3 replication configuration",
    "aws:s3/bucketLogging:BucketLogging": "S3 bucket logging",
    "aws:cloudwatch/logGroup:LogGroup": "CloudWatch log group",
    "aws:ec2/flowLog:FlowLog": "VPC flow log",
    "aws:backup/vault:Vault": "Backup vault",
    "aws:backup/plan:Plan": "Backup plan",
    "aws:backup/selection:Selection": "Backup selection",
    "aws:sns/topic:Topic": "SNS topic",
    "aws:sns/topicSubscription:TopicSubscription": "SNS subscription",
    "aws:synthetics/canary:Canary": "Synthetics canary",
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": "RDS backup replication",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "CloudWatch alarm",
    "aws:route53/healthCheck:HealthCheck": "Route 53 health check",
    "rediscloud:index/subscription:Subscription": "Redis Cloud subscription",
    "random:index/randomPassword:RandomPassword": "Random password",
    "random:index/randomString:RandomString": "Random string",
    "aws:iam/role:Role": "IAM role",
    "aws:iam/rolePolicy:RolePolicy": "IAM role policy",
    "aws:iam/policy:Policy": "IAM policy",
    "aws:iam/userPolicy:UserPolicy": "IAM user policy",
    "aws:iam/groupPolicy:GroupPolicy": "IAM group policy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "IAM role policy attachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": "IAM user policy attachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": "IAM group policy attachment",
    "aws:iam/policyAttachment:PolicyAttachment": "IAM policy attachment",
    "rediscloud:index/subscriptionDatabase:SubscriptionDatabase": "Redis Cloud database",
    "vercel:index/project:Project": "Vercel project",
    "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable": "Vercel env var",
    "vercel:index/projectEnvironmentVariables:ProjectEnvironmentVariables": "Vercel env var set",
    "vercel:index/projectRoute:ProjectRoute": "Vercel route",
    "vercel:index/firewallConfig:FirewallConfig": "Vercel firewall",
}


def label(resource: Subject) -> str:
    """``"RDS instance 'chatpdd-production-db'"``: the kind (TYPE_LABELS, else the type token)
    and the Pulumi resource name (always known, unlike physical names)."""
    kind = TYPE_LABELS.get(resource.resource_type, resource.resource_type)
    return f"{kind} '{resource.name}'"


def unknown_message(subject: str, prop: str, rule: str) -> str:
    """The fail-closed message for a value that is unknown at preview."""
    return (f"{subject}: {prop} is unknown at preview, so {rule} cannot be verified. "
            f"Fix: set it from a literal or stack config.")


def require_value(subject: Subject, report_violation: Report, prop: str, expected: Any, *,
                  rule: str, problem: str, fix: str) -> None:
    """Report unless ``subject.props[prop] == expected`` (booleans compared by identity; MISSING
    counts as "not expected" -- pass over it yourself where the provider default is compliant).

    UNKNOWN -> ``unknown_message(label, prop, rule)``; otherwise ``"<label> <problem>. Fix: <fix>."``.
    The violation carries ``subject.urn`` (ignored by the SDK for resource policies)."""
    value = lookup(subject.props, prop)
    if value is UNKNOWN:
        report_violation(unknown_message(label(subject), prop, rule), subject.urn)
        return
    ok = value is expected if isinstance(expected, bool) else value == expected
    if not ok:
        report_violation(f"{label(subject)} {problem}. Fix: {fix}.", subject.urn)


def require_one_of(subject: Subject, report_violation: Report, prop: str, allowed: Sequence[Any], *,
                   rule: str, fix_arg: str, missing_problem: str, disallowed: Sequence[Any] = ()) -> None:
    """Report unless ``subject.props[prop]`` is one of ``allowed`` (and not in ``disallowed``).

    Messages: ``"<label> <missing_problem>; allowed: a, b. Fix: set <fix_arg>='a'."`` when absent or
    disallowed, ``"<label> uses <prop> '<value>'; allowed: ..."`` otherwise; UNKNOWN fails closed."""
    value = lookup(subject.props, prop)
    if value is UNKNOWN:
        report_violation(unknown_message(label(subject), prop, rule), subject.urn)
    elif value is MISSING or value in disallowed or value not in allowed:
        shown = missing_problem if value is MISSING or value in disallowed else f"uses {prop} '{value}'"
        first = allowed[0] if allowed else "<an allowed value>"
        report_violation(f"{label(subject)} {shown}; allowed: {', '.join(map(str, allowed))}. "
                         f"Fix: set {fix_arg}='{first}'.", subject.urn)


def config_value(args: Union[ResourceValidationArgs, StackValidationArgs], key: str, default: Any) -> Any:
    """The policy's config value ``key``, or ``default`` (the same constant as the schema default:
    the SDK does not apply schema defaults, the CLI does)."""
    config = args.get_config() or {}
    value = config.get(key)
    return default if value is None else value


def checklist_reference(section: str, subsection: str, line: str) -> str:
    """``framework.reference``: ``"<section> > <subsection> > <exact checklist line>"``.

    ``section`` is the checklist's ``##`` heading, ``subsection`` its nearest ``####`` heading (or
    the ``###`` heading where there is none), both without numbering or emoji; ``line`` is the item
    text, or for a command in a code block its first line without the trailing ``\\``. The rows of
    ``docs/checklist.md`` hold exactly these three columns (``test_meta.py`` checks)."""
    return f"{section} > {subsection} > {line}"


def _framework(reference: str) -> PolicyComplianceFramework:
    return PolicyComplianceFramework(name=FRAMEWORK_NAME, version=FRAMEWORK_VERSION, reference=reference)


def _schema(name: str, config_schema: Optional[dict[str, dict[str, Any]]],
            thresholds: tuple[Threshold, ...]) -> Optional[PolicyConfigSchema]:
    """The policy's config schema: its declared thresholds' properties, then the other (non-numeric) ones."""
    properties = {**register(name, thresholds), **(config_schema or {})}
    if len(properties) != len(thresholds) + len(config_schema or {}):
        raise ValueError(f"{name}: a config property is both a threshold and in config_schema")
    return PolicyConfigSchema(properties=properties) if properties else None


def resource_policy(*, name: str, description: str, validate: ResourceCheck, severity: Severity,
                    remediation_steps: str, reference: str, tags: list[str],
                    thresholds: tuple[Threshold, ...] = (),
                    config_schema: Optional[dict[str, dict[str, Any]]] = None,
                    enforcement_level: EnforcementLevel = EnforcementLevel.MANDATORY,
                    ) -> ResourceValidationPolicy:
    """A ResourceValidationPolicy with the metadata every chatpdd policy carries.

    ``thresholds`` are the policy's numeric config properties (:class:`Threshold`: schema, default and the
    direction the config guard allows, from one declaration); ``config_schema`` is the JSON-Schema
    ``properties`` of the others (lists, maps), each with a ``default`` read through :func:`config_value`."""
    return ResourceValidationPolicy(
        name=name, description=description, validate=cast(ResourceValidation, validate),
        enforcement_level=enforcement_level, config_schema=_schema(name, config_schema, thresholds),
        severity=severity, framework=_framework(reference), tags=tags, remediation_steps=remediation_steps)


def stack_policy(*, name: str, description: str, validate: StackCheck, severity: Severity,
                 remediation_steps: str, reference: str, tags: list[str],
                 thresholds: tuple[Threshold, ...] = (),
                 config_schema: Optional[dict[str, dict[str, Any]]] = None,
                 enforcement_level: EnforcementLevel = EnforcementLevel.MANDATORY,
                 ) -> StackValidationPolicy:
    """A StackValidationPolicy with the same metadata as :func:`resource_policy`. Pass the
    offending resource's ``urn`` to ``report_violation``."""
    return StackValidationPolicy(
        name=name, description=description, validate=cast(StackValidation, validate),
        enforcement_level=enforcement_level, config_schema=_schema(name, config_schema, thresholds),
        severity=severity, framework=_framework(reference), tags=tags, remediation_steps=remediation_steps)


# --- stack helpers -------------------------------------------------------------------------------

_BY_TYPE = "_chatpdd_resources_by_type"


def resources_by_type(args: StackValidationArgs) -> dict[str, list[PolicyResource]]:
    """The stack's resources grouped by type token (registration order kept), built once per policy
    call: ``args`` is a new object for every stack policy the SDK runs, so the index lives on it and
    goes away with it. Rebuilt if ``args.resources`` was replaced or changed length."""
    resources = args.resources
    cached = vars(args).get(_BY_TYPE)
    if cached is not None and cached[0] is resources and cached[1] == len(resources):
        found: dict[str, list[PolicyResource]] = cached[2]
        return found
    index: dict[str, list[PolicyResource]] = {}
    for r in resources:
        index.setdefault(r.resource_type, []).append(r)
    setattr(args, _BY_TYPE, (resources, len(resources), index))
    return index


def resources_of_type(args: StackValidationArgs, resource_type: str) -> list[PolicyResource]:
    """The stack's resources of one type token, in registration order (a new list each call; the
    lookup goes through :func:`resources_by_type`, so policies that ask per resource stay linear)."""
    return list(resources_by_type(args).get(resource_type, ()))


def depends_on(resource: PolicyResource, prop: str, target: PolicyResource) -> bool:
    """True if top-level property ``prop`` of ``resource`` was computed from ``target``."""
    return any(d.urn == target.urn for d in resource.property_dependencies.get(prop, []))


def refers_to(resource: PolicyResource, prop: str, target: PolicyResource, target_prop: str) -> bool:
    """True if ``resource.prop`` points at ``target``: through a property dependency (works while
    the value is unknown at preview) or a known value equal to ``target.target_prop``."""
    if depends_on(resource, prop, target):
        return True
    value, key = lookup(resource.props, prop), lookup(target.props, target_prop)
    return is_set(value) and is_set(key) and value == key


def referenced(args: StackValidationArgs, resource: PolicyResource, prop: str, target_type: str,
               target_prop: str) -> list[PolicyResource]:
    """The resources of ``target_type`` in the stack that ``resource.prop`` points at (see
    :func:`refers_to`), e.g. ``referenced(args, replica, "replicateSourceDb", RDS_INSTANCE, "identifier")``."""
    return [t for t in resources_of_type(args, target_type) if refers_to(resource, prop, t, target_prop)]


_AWS_MANAGED_ALIAS = "alias/aws/"


def kms_key_problem(resource: PolicyResource, *path: Key) -> Optional[str]:
    """None if the KMS key property at ``path`` is a customer-managed key, else what is wrong
    (a phrase to put after the resource label).

    Accepted: a dependency of the top-level property ``path[0]`` on an ``aws:kms/key:Key`` of this
    stack (the value is then unknown at a real preview), or a literal key/alias ARN that is not an
    AWS-managed ``alias/aws/...`` key."""
    prop = ".".join(str(p) for p in path)
    top = str(path[0])
    if any(d.resource_type == "aws:kms/key:Key" for d in resource.property_dependencies.get(top, [])):
        return None
    value = lookup(resource.props, *path)
    if value is MISSING or value == "":
        return f"has no {prop}, so the AWS-managed key is used"
    if value is UNKNOWN:
        return f"has {prop} unknown at preview and not taken from an aws:kms/key:Key in this stack"
    text = str(value)
    if _AWS_MANAGED_ALIAS in text:
        return f"uses the AWS-managed key '{text}' in {prop}"
    if not (text.startswith("arn:aws") and (":key/" in text or ":alias/" in text)):
        return f"has {prop} '{text}', which is not a customer-managed KMS key ARN"
    return None


def as_list(value: Any) -> list[Any]:
    """A JSON policy field that may be one value or a list (``Action``, ``Resource``, condition values) as a list."""
    return list(value) if isinstance(value, (list, tuple)) else [value]


def document_statements(document: Any) -> tuple[list[tuple[str, Mapping[str, Any]]], Optional[str]]:
    """An IAM-style policy document (a JSON string, or already parsed) as ``(where, statement)`` pairs of its
    object statements -- ``where`` is ``"statement <n>"``, plus ``" (<Sid>)"`` when it has one -- and None; or
    ``([], <phrase>)`` when it is no policy document (``"is not valid JSON"``, ``"is not a policy document"``)."""
    try:
        parsed = json.loads(document) if isinstance(document, str) else document
    except ValueError:
        return [], "is not valid JSON"
    if not isinstance(parsed, Mapping):
        return [], "is not a policy document"
    pairs = []
    for i, statement in enumerate(as_list(parsed.get("Statement", []))):
        if isinstance(statement, Mapping):
            sid = statement.get("Sid")
            pairs.append((f"statement {i}" + (f" ({sid})" if sid else ""), statement))
    return pairs, None


def report_document(resource: PolicyResource, prop: str, document: Any, *, rule: str, fix: str,
                    problems: Callable[[Any], list[str]], report_violation: Report) -> None:
    """Judge one policy document of ``resource``: unknown at preview fails closed (``rule`` says what cannot be
    verified), absent passes, otherwise each phrase of ``problems(document)`` is reported as
    ``"<label> <prop> <phrase>. <fix>"`` on the resource."""
    if document is UNKNOWN:
        report_violation(unknown_message(label(resource), prop, rule), resource.urn)
        return
    if document is MISSING:
        return
    for problem in problems(document):
        report_violation(f"{label(resource)} {prop} {problem}. {fix}", resource.urn)


def tag(props: Any, key: str) -> Any:
    """``props.tags[key]`` (or MISSING / UNKNOWN)."""
    return lookup(props, "tags", key)


# --- RDS helpers (database policies) -------------------------------------------------------------

RDS_INSTANCE = "aws:rds/instance:Instance"


def is_replica(props: Any) -> bool:
    """A read replica sets ``replicateSourceDb`` (an unknown value still means "set")."""
    return lookup(props, "replicateSourceDb") is not MISSING


def rds_primaries(args: StackValidationArgs) -> list[PolicyResource]:
    """RDS instances that are not read replicas."""
    return [r for r in resources_of_type(args, RDS_INSTANCE) if not is_replica(r.props)]


def rds_replicas(args: StackValidationArgs) -> list[PolicyResource]:
    """RDS read replicas (``replicateSourceDb`` set)."""
    return [r for r in resources_of_type(args, RDS_INSTANCE) if is_replica(r.props)]


def skip_replica(args: ResourceValidationArgs, why: str) -> None:
    """Mark the policy not applicable to a read replica (raises inside the SDK; no return)."""
    if is_replica(args.props):
        args.not_applicable(f"{label(args)} is a read replica: {why}")


RDS_PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"
RDS_PROXY = "aws:rds/proxy:Proxy"
RDS_PROXY_TARGET = "aws:rds/proxyTarget:ProxyTarget"
RDS_PROXY_TARGET_GROUP = "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup"
REDIS_DATABASE = "rediscloud:index/subscriptionDatabase:SubscriptionDatabase"


def pg_parameter(props: Any, name: str) -> Any:
    """The ``value`` of parameter ``name`` in a parameter group's ``parameters[]`` (a string on the
    wire), or MISSING, or UNKNOWN (the list, the entry's value, or an unnamed entry is unknown)."""
    entries = lookup_list(props, "parameters")
    if entries is MISSING or entries is UNKNOWN:
        return entries
    maybe_unknown = False
    for entry in entries:
        entry_name = lookup(entry, "name")
        if entry_name == name:
            return lookup(entry, "value")
        maybe_unknown = maybe_unknown or entry is UNKNOWN or entry_name is UNKNOWN
    return UNKNOWN if maybe_unknown else MISSING


def as_number(value: Any) -> Optional[float]:
    """A parameter value (``"100"``, ``100.0``) as a number; None for anything else
    (MISSING, UNKNOWN, formulas such as ``{DBInstanceClassMemory/9531392}``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None
