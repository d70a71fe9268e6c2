"""aws-sns-topic-enable-encryption (stack): every SNS topic encrypts messages at rest with a
customer-managed KMS key (``kmsMasterKeyId`` taken from an ``aws:kms/key:Key`` of this stack, or a
literal key/alias ARN that is not ``alias/aws/sns`` or another AWS-managed key).

A stack policy, not a resource policy: the program passes the key's ``arn`` output, which is unknown at
a real preview; only the property dependency (visible to stack policies) shows it is a key of this
stack. A resource policy would have to fail closed on every correctly built topic. A bare alias name
(``alias/...``) is not accepted: use the key's ARN."""

from pulumi_policy import Severity, StackValidationArgs

from chatpdd_policies._util import Report, checklist_reference, kms_key_problem, label, resources_of_type, stack_policy

TOPIC = "aws:sns/topic:Topic"


def _validate(args: StackValidationArgs, report_violation: Report) -> None:
    for topic in resources_of_type(args, TOPIC):
        problem = kms_key_problem(topic, "kmsMasterKeyId")
        if problem:
            report_violation(f"{label(topic)} {problem}. Fix: set kms_master_key_id to the alerts aws.kms.Key ARN "
                             f"(its key policy must let cloudwatch.amazonaws.com use it).", topic.urn)


POLICY = stack_policy(
    name="aws-sns-topic-enable-encryption",
    description="SNS topics must be encrypted with a customer-managed KMS key.",
    validate=_validate,
    severity=Severity.MEDIUM,
    remediation_steps="Set kms_master_key_id=<aws.kms.Key arn> on the aws.sns.Topic; the key policy must allow "
                      "cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey* or alarms cannot publish.",
    reference=checklist_reference("Security Validation", "Encryption", "Data at rest encryption verified"),
    tags=["aws", "sns", "encryption", "kms"],
)
