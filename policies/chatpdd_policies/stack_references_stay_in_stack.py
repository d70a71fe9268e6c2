"""stack-references-stay-in-stack (stack): an input that names another resource -- where logs are delivered, which
key encrypts, which role acts, which topic a subscription listens to -- names a resource of THIS stack: it is taken
from one (a property dependency, which holds while the value is unknown at preview) or equals its identifying
input (a bucket's name, a subnet group's name) or output (an ARN the gate's mocks resolve).

Why a rule: the classification table (input_classes.yaml) had these inputs as "harmless: a reference to another
resource of this stack", a reason no policy checked. Pointed outside the stack, the same inputs deliver the VPC's
flow logs or the buckets' access logs to another account, encrypt logs and secrets under a key this stack does not
control, or hand a role's permissions to a role nobody reviewed -- one edit, no other policy reading it (issue 17,
"allow what was reviewed"). Absent inputs pass: their table rows judge absence.
"""

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from chatpdd_policies._s3 import BUCKET
from chatpdd_policies._util import (
    MISSING,
    UNKNOWN,
    Report,
    checklist_reference,
    label,
    lookup,
    referenced,
    resources_by_type,
    stack_policy,
)

KEY, ROLE = "aws:kms/key:Key", "aws:iam/role:Role"
# (type, top-level input) -> (the type it must name, the target's properties it may equal)
REFERENCES: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("aws:s3/bucketLogging:BucketLogging", "targetBucket"): (BUCKET, ("bucket",)),
    ("aws:ec2/flowLog:FlowLog", "logDestination"): ("aws:cloudwatch/logGroup:LogGroup", ("arn",)),
    ("aws:ec2/flowLog:FlowLog", "iamRoleArn"): (ROLE, ("arn",)),
    ("aws:cloudwatch/logGroup:LogGroup", "kmsKeyId"): (KEY, ("arn", "keyId")),
    ("aws:secretsmanager/secret:Secret", "kmsKeyId"): (KEY, ("arn", "keyId")),
    ("aws:s3/bucketObjectv2:BucketObjectv2", "kmsKeyId"): (KEY, ("arn", "keyId")),
    ("aws:kms/alias:Alias", "targetKeyId"): (KEY, ("arn", "keyId")),
    ("aws:sns/topicSubscription:TopicSubscription", "topic"): ("aws:sns/topic:Topic", ("arn",)),
    ("aws:iam/rolePolicy:RolePolicy", "role"): (ROLE, ("name", "id")),
    ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "role"): (ROLE, ("name", "id")),
    ("aws:rds/proxy:Proxy", "roleArn"): (ROLE, ("arn",)),
    ("aws:synthetics/canary:Canary", "executionRoleArn"): (ROLE, ("arn",)),
    ("aws:synthetics/canary:Canary", "s3Bucket"): (BUCKET, ("bucket",)),
    ("aws:backup/selection:Selection", "iamRoleArn"): (ROLE, ("arn",)),
    ("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "role"): (ROLE, ("arn",)),
    ("aws:rds/instance:Instance", "dbSubnetGroupName"): ("aws:rds/subnetGroup:SubnetGroup", ("name",)),
}
FIX = "Fix: take it from the stack's own resource (pass its output, e.g. key.arn), not a literal from elsewhere."


def _problem(args: StackValidationArgs, resource: PolicyResource, prop: str) -> str | None:
    target_type, target_props = REFERENCES[(resource.resource_type, prop)]
    value = lookup(resource.props, prop)
    if value is MISSING:
        return None
    if any(referenced(args, resource, prop, target_type, p) for p in target_props):
        return None
    kind = target_type.rsplit(":", 1)[-1]
    if value is UNKNOWN:
        return (f"{label(resource)}: {prop} is unknown at preview and taken from no {kind} ({target_type}) of this "
                f"stack, so where it points cannot be verified. {FIX}")
    return f"{label(resource)} {prop} names no {kind} ({target_type}) of this stack. {FIX}"


def _validate(args: StackValidationArgs, report_violation: Report) -> None:
    index = resources_by_type(args)
    for (resource_type, prop) in REFERENCES:
        for resource in index.get(resource_type, ()):
            problem = _problem(args, resource, prop)
            if problem:
                report_violation(problem, resource.urn)


POLICY = stack_policy(
    name="stack-references-stay-in-stack",
    description="Inputs that name another resource (log destinations, KMS keys, roles, topics, subnet groups) name a "
                "resource of this stack.",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps="Pass the output of the stack's own resource (bucket name, key ARN, role ARN, topic ARN) to the "
                      "input instead of a literal that points outside the stack.",
    reference=checklist_reference("Security Validation", "Authorization", "Role-based permissions enforced"),
    tags=["default-deny", "iam", "kms", "logging", "security"],
)
