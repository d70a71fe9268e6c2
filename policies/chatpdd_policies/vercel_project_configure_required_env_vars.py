"""vercel-project-configure-required-env-vars (stack): every key of ``requiredKeys`` (default: the
required production keys of docs/architecture.md) is a ``vercel:index/projectEnvironmentVariable``
whose ``targets`` include ``production``. Whether its value is right is for the value policies
(session timeout, cache TTLs, CORS, secrets); a key set only through a bulk
``ProjectEnvironmentVariables`` does not count (its values are not kept secret)."""

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from chatpdd_policies._checklist import REQUIRED_ENV_KEYS
from chatpdd_policies._util import (
    UNKNOWN,
    Report,
    checklist_reference,
    config_value,
    label,
    lookup,
    lookup_list,
    resources_of_type,
    stack_policy,
    unknown_message,
)
from chatpdd_policies._vercel import ENV_VAR, project_subject

DEFAULTS = {"requiredKeys": REQUIRED_ENV_KEYS}
PRODUCTION = "production"


def _validate(args: StackValidationArgs, report_violation: Report) -> None:
    subject, subject_urn = project_subject(args)
    by_key: dict[str, list[PolicyResource]] = {}
    unknown_keys = []
    for var in resources_of_type(args, ENV_VAR):
        key = lookup(var.props, "key")
        if key is UNKNOWN:
            unknown_keys.append(var)
        elif isinstance(key, str):
            by_key.setdefault(key, []).append(var)
    for key in config_value(args, "requiredKeys", DEFAULTS["requiredKeys"]):
        found = by_key.get(key, [])
        targets = [lookup_list(var.props, "targets") for var in found]
        if any(isinstance(t, list) and PRODUCTION in t for t in targets):
            continue
        unsure = [var for var, t in zip(found, targets, strict=True) if t is UNKNOWN or (isinstance(t, list) and UNKNOWN in t)]
        rule = f"the production env var {key}"
        if unsure:
            report_violation(unknown_message(label(unsure[0]), "targets", rule), unsure[0].urn)
        elif found:
            report_violation(f"{label(found[0])} sets {key} but not for production. "
                             f"Fix: add '{PRODUCTION}' to its targets.", found[0].urn)
        elif unknown_keys:
            report_violation(unknown_message(label(unknown_keys[0]), "key", rule), unknown_keys[0].urn)
        else:
            report_violation(f"{subject} has no production env var {key}. Fix: add a "
                             f"vercel.ProjectEnvironmentVariable with key='{key}' and '{PRODUCTION}' in targets.",
                             subject_urn)


POLICY = stack_policy(
    name="vercel-project-configure-required-env-vars",
    description="Every required production env var must be managed as a Vercel project env var targeting "
                "production.",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps="Add the missing key to the VercelApp component's env vars (a "
                      "vercel.ProjectEnvironmentVariable with 'production' in targets), fed from stack config.",
    reference=checklist_reference("Pre-Deployment Preparation", "Environment Variables",
                                  "All production environment variables set in Vercel dashboard"),
    tags=["vercel", "configuration"],
    config_schema={"requiredKeys": {"type": "array", "items": {"type": "string"}, "default": DEFAULTS["requiredKeys"],
                                    "description": "Env var keys the production deployment needs."}},
)
