"""aws-rds-instance-enable-storage-encryption (stack): RDS primaries encrypt their storage with a
customer-managed KMS key (``storageEncrypted`` and ``kmsKeyId`` -> an ``aws:kms/key:Key`` of this stack
or a literal customer-managed key ARN). A read replica inherits its source's encryption: it complies
when its source is an encrypted primary of this stack."""

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from chatpdd_policies._util import (
    MISSING,
    UNKNOWN,
    Report,
    checklist_reference,
    kms_key_problem,
    label,
    lookup,
    rds_primaries,
    rds_replicas,
    refers_to,
    stack_policy,
    unknown_message,
)

FIX_KEY = "Fix: set kms_key_id to the database's customer-managed aws.kms.Key ARN."


def _primary_problems(primary: PolicyResource) -> list[str]:
    encrypted = lookup(primary.props, "storageEncrypted")
    if encrypted is UNKNOWN:
        return [unknown_message(label(primary), "storageEncrypted", "encryption at rest")]
    if encrypted is not True:
        # Absent = the provider default (not encrypted): a violation.
        return [f"{label(primary)} does not encrypt its storage. Fix: set storage_encrypted=True and kms_key_id "
                f"to the database's customer-managed aws.kms.Key ARN."]
    problem = kms_key_problem(primary, "kmsKeyId")
    return [f"{label(primary)} {problem}. {FIX_KEY}"] if problem else []


def _validate(args: StackValidationArgs, report_violation: Report) -> None:
    compliant = {}
    for primary in rds_primaries(args):
        problems = _primary_problems(primary)
        compliant[primary.urn] = not problems
        for message in problems:
            report_violation(message, primary.urn)
    primaries = rds_primaries(args)
    for replica in rds_replicas(args):
        sources = [p for p in primaries if refers_to(replica, "replicateSourceDb", p, "identifier")]
        if not sources:
            source = lookup(replica.props, "replicateSourceDb")
            shown = "an unknown source" if source in (UNKNOWN, MISSING) else f"'{source}'"
            report_violation(f"{label(replica)} replicates {shown}, which is not a primary of this stack, so its "
                             f"encryption cannot be verified. Fix: set replicate_source_db to the primary's "
                             f"identifier.", replica.urn)
        elif not compliant[sources[0].urn]:
            report_violation(f"{label(replica)} inherits the encryption of {label(sources[0])}, which is not "
                             f"encrypted with a customer-managed KMS key. Fix: encrypt the primary.", replica.urn)


POLICY = stack_policy(
    name="aws-rds-instance-enable-storage-encryption",
    description="RDS instances must encrypt storage with a customer-managed KMS key.",
    validate=_validate,
    severity=Severity.CRITICAL,
    remediation_steps="Set storage_encrypted=True and kms_key_id=<aws.kms.Key arn> on the primary; replicas "
                      "inherit it through replicate_source_db.",
    reference=checklist_reference("Pre-Deployment Preparation", "Infrastructure Security",
                                  "Database encryption at rest enabled"),
    tags=["aws", "rds", "encryption", "kms"],
)
