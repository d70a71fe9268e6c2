"""aws-kms-key-enable-rotation: symmetric KMS keys (``customerMasterKeySpec`` absent or
``SYMMETRIC_DEFAULT``) rotate their key material yearly (``enableKeyRotation: true``; absent = the
provider default, off). AWS rotates only symmetric encryption keys: other key specs are not applicable."""

from pulumi_policy import ResourceValidationArgs, Severity

from chatpdd_policies._util import (
    MISSING,
    UNKNOWN,
    Report,
    checklist_reference,
    label,
    lookup,
    resource_policy,
    unknown_message,
)

KMS_KEY = "aws:kms/key:Key"
SYMMETRIC = "SYMMETRIC_DEFAULT"


def _validate(args: ResourceValidationArgs, report_violation: Report) -> None:
    if args.resource_type != KMS_KEY:
        return
    spec = lookup(args.props, "customerMasterKeySpec")
    if spec is UNKNOWN:
        report_violation(unknown_message(label(args), "customerMasterKeySpec", "key rotation"))
        return
    if spec is not MISSING and spec != SYMMETRIC:
        args.not_applicable(f"{label(args)} is a {spec} key: AWS rotates only symmetric encryption keys")
    rotation = lookup(args.props, "enableKeyRotation")
    if rotation is UNKNOWN:
        report_violation(unknown_message(label(args), "enableKeyRotation", "key rotation"))
    elif rotation is not True:
        report_violation(f"{label(args)} does not rotate its key material. Fix: set enable_key_rotation=True.")


POLICY = resource_policy(
    name="aws-kms-key-enable-rotation",
    description="Symmetric customer-managed KMS keys must have automatic key rotation enabled.",
    validate=_validate,
    severity=Severity.MEDIUM,
    remediation_steps="Set enable_key_rotation=True on the aws.kms.Key (AWS then rotates the key material yearly; "
                      "old material stays available for decryption).",
    reference=checklist_reference("Security Validation", "Encryption", "Data at rest encryption verified"),
    tags=["aws", "kms", "encryption"],
)
