"""synthetics-canary-configure-runtime (resource): every CloudWatch Synthetics canary pins ``runtimeVersion`` to
one of ``allowedRuntimes`` -- the runtime stacks/checklist.py pins, none deprecated (CloudWatch User Guide,
"Synthetics runtime versions": a deprecated runtime stops getting fixes and, later, canaries on it can no
longer be created or updated). Absent or unknown at preview is a violation."""

from pulumi_policy import ReportViolation, ResourceValidationArgs, Severity

from chatpdd_policies._canary import CANARY
from chatpdd_policies._checklist import CANARY_ALLOWED_RUNTIMES
from chatpdd_policies._util import checklist_reference, config_value, require_one_of, resource_policy

DEFAULTS = {"allowedRuntimes": CANARY_ALLOWED_RUNTIMES}


def _validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != CANARY:
        return
    require_one_of(args, report_violation, "runtimeVersion",
                   config_value(args, "allowedRuntimes", DEFAULTS["allowedRuntimes"]),
                   rule="the canary's runtime", fix_arg="runtime_version",
                   missing_problem="has no runtimeVersion")


POLICY = resource_policy(
    name="synthetics-canary-configure-runtime",
    description="Synthetics canaries must pin a runtime version the pack allows (none deprecated).",
    validate=_validate,
    severity=Severity.MEDIUM,
    remediation_steps="Set runtime_version to stacks/checklist.py CANARY_RUNTIME_VERSION; when AWS deprecates it, "
                      "raise CANARY_RUNTIME_VERSION and CANARY_ALLOWED_RUNTIMES together and regenerate the pack's "
                      "defaults (make schema).",
    reference=checklist_reference("Deployment Execution", "Performance Verification", "API response times < 500ms"),
    tags=["aws", "synthetics", "monitoring", "maintenance"],
    config_schema={"allowedRuntimes": {"type": "array", "items": {"type": "string"},
                                       "default": DEFAULTS["allowedRuntimes"],
                                       "description": "Synthetics runtime versions a canary may use."}},
)
