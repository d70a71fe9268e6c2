"""aws-rds-instance-configure-ca-certificate: every RDS instance names a current CA
(``caCertIdentifier`` in ``allowedCaCertIdentifiers``)."""

from pulumi_policy import ResourceValidationArgs, Severity

from chatpdd_policies._checklist import RDS_CA_CERT_IDENTIFIERS
from chatpdd_policies._util import (
    RDS_INSTANCE,
    Report,
    checklist_reference,
    config_value,
    require_one_of,
    resource_policy,
)

DEFAULTS = {"allowedCaCertIdentifiers": RDS_CA_CERT_IDENTIFIERS}


def _validate(args: ResourceValidationArgs, report_violation: Report) -> None:
    if args.resource_type != RDS_INSTANCE:
        return
    allowed = list(config_value(args, "allowedCaCertIdentifiers", DEFAULTS["allowedCaCertIdentifiers"]))
    # Absent = whatever AWS defaults to in that region and year: pin it explicitly.
    require_one_of(args, report_violation, "caCertIdentifier", allowed, rule="the server certificate authority",
                   fix_arg="ca_cert_identifier", missing_problem="does not set caCertIdentifier")


POLICY = resource_policy(
    name="aws-rds-instance-configure-ca-certificate",
    description="RDS instances must use a current certificate authority for TLS.",
    validate=_validate,
    severity=Severity.MEDIUM,
    remediation_steps="Set ca_cert_identifier to one of allowedCaCertIdentifiers (rds-ca-rsa2048-g1).",
    reference=checklist_reference("Pre-Deployment Preparation", "Infrastructure Security",
                                  "SSL/TLS certificates verified"),
    tags=["aws", "rds", "tls"],
    config_schema={"allowedCaCertIdentifiers": {"type": "array", "items": {"type": "string"}, "minItems": 1,
                                                "default": DEFAULTS["allowedCaCertIdentifiers"],
                                                "description": "RDS CA identifiers that are accepted."}},
)
