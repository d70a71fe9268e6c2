"""aws-rds-proxy-enforce-tls: every RDS Proxy requires TLS from its clients."""

from pulumi_policy import ResourceValidationArgs, Severity

from chatpdd_policies._util import RDS_PROXY, Report, checklist_reference, require_value, resource_policy


def _validate(args: ResourceValidationArgs, report_violation: Report) -> None:
    if args.resource_type != RDS_PROXY:
        return
    # Absent = the provider default (false): a violation.
    require_value(args, report_violation, "requireTls", True, rule="TLS enforcement",
                  problem="does not require TLS", fix="set require_tls=True")


POLICY = resource_policy(
    name="aws-rds-proxy-enforce-tls",
    description="RDS Proxies must require TLS.",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps="Set require_tls=True on the RDS Proxy.",
    reference=checklist_reference("Security Validation", "Encryption", "Data in transit encryption verified"),
    tags=["aws", "rds", "tls"],
)
