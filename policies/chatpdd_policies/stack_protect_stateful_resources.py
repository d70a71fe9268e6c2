"""stack-protect-stateful-resources (stack): every resource of a stateful type (``statefulTypes``:
KMS keys, RDS instances, S3 buckets, the Redis Cloud subscription and database, the backup vault, the
Vercel project) is registered with ``protect=True`` (``opts.protect``), so neither ``pulumi destroy``
nor a replacing change can delete its data: the engine refuses until protection is lifted on purpose."""

from pulumi_policy import Severity, StackValidationArgs

from chatpdd_policies._checklist import STATEFUL_TYPES
from chatpdd_policies._util import Report, checklist_reference, config_value, label, stack_policy

DEFAULTS = {"statefulTypes": STATEFUL_TYPES}


def _validate(args: StackValidationArgs, report_violation: Report) -> None:
    stateful = set(config_value(args, "statefulTypes", DEFAULTS["statefulTypes"]))
    for resource in args.resources:
        if resource.resource_type in stateful and not resource.opts.protect:
            report_violation(f"{label(resource)} holds state but is not protected, so a destroy or a replacement "
                             f"would delete it. Fix: register it with protect=True in its ResourceOptions.",
                             resource.urn)


POLICY = stack_policy(
    name="stack-protect-stateful-resources",
    description="Stateful resources (keys, databases, buckets, Redis, backup vault, Vercel project) must be "
                "registered with protect=True.",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps="Create the resource with opts=pulumi.ResourceOptions(protect=True) (components/base.py "
                      "stateful()); to delete it on purpose, lift protection in a reviewed change first.",
    reference=checklist_reference("Deployment Execution", "Pre-Deployment Database Backup",
                                  "pnpm tsx scripts/create-backup.ts"),
    tags=["pulumi", "resilience", "backup"],
    config_schema={"statefulTypes": {"type": "array", "items": {"type": "string"}, "default": DEFAULTS["statefulTypes"],
                                     "description": "Type tokens whose resources must be protected."}},
)
