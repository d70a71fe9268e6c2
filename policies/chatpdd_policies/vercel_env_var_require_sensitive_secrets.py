"""vercel-env-var-require-sensitive-secrets: env vars that carry a secret are ``sensitive: true``
(write-only in Vercel: nobody reads them back from the dashboard or the API) and their value is a Pulumi
secret.

Which keys carry a secret: ``secretKeys`` (default: the secret-bearing keys of docs/architecture.md)
plus every key matching one of ``secretKeyPatterns``: a ``_``-separated word SECRET, PASSWORD,
PASSWD, TOKEN, API_KEY, PRIVATE_KEY, CREDENTIALS or DSN anywhere in the key (so every
``external_api_keys`` entry such as ``OPENAI_API_KEY`` is covered), and ``DATABASE_*URL`` /
``REDIS_*URL`` (connection strings embed the password). ``NEXT_PUBLIC_*`` keys are not exempt: a key
named like a secret must not be inlined into the browser bundle either.

Where the value goes: a secret targets ``production`` only -- never ``preview`` or ``development`` (preview
builds run unreviewed branch code, which could print it) and no custom environment
(``customEnvironmentIds``). Absent ``targets`` is refused (the provider requires it; no default is safe).

Secrecy of the value: the policy SDK unwraps secrets before a policy runs, so whether ``value``
arrived secret-wrapped is not visible here. What is visible is the resource option
``additionalSecretOutputs``: ``vercel.ProjectEnvironmentVariable`` always registers
``[value, valueWo]`` (and wraps ``value`` with ``Output.secret``), so the policy requires ``value``
in it. The bulk ``vercel.ProjectEnvironmentVariables`` does neither: a secret-bearing key in one is a
violation."""

import re

from pulumi_policy import ResourceValidationArgs, Severity

from chatpdd_policies._checklist import SECRET_ENV_KEY_PATTERNS, SECRET_ENV_KEYS
from chatpdd_policies._util import (
    MISSING,
    UNKNOWN,
    Report,
    checklist_reference,
    config_value,
    label,
    lookup,
    lookup_list,
    resource_policy,
    unknown_message,
)
from chatpdd_policies._vercel import ENV_VAR, ENV_VAR_SET

DEFAULTS = {"secretKeys": SECRET_ENV_KEYS, "secretKeyPatterns": SECRET_ENV_KEY_PATTERNS}
RULE = "secret handling"
SECRET_TARGETS = ("production",)  # the only Vercel environment that runs reviewed code only


def _is_secret(args: ResourceValidationArgs, key: str) -> bool:
    if key in config_value(args, "secretKeys", DEFAULTS["secretKeys"]):
        return True
    return any(re.search(p, key) for p in config_value(args, "secretKeyPatterns", DEFAULTS["secretKeyPatterns"]))


def _env_var(args: ResourceValidationArgs, report_violation: Report) -> None:
    key = lookup(args.props, "key")
    if key is UNKNOWN:
        report_violation(unknown_message(label(args), "key", RULE))
        return
    if not isinstance(key, str) or not _is_secret(args, key):
        return
    sensitive = lookup(args.props, "sensitive")
    if sensitive is UNKNOWN:
        report_violation(unknown_message(label(args), "sensitive", RULE))
    elif sensitive is not True:
        report_violation(f"{label(args)} holds the secret {key} but is not sensitive. Fix: set sensitive=True.")
    _targets(args, key, report_violation)
    if "value" not in args.opts.additional_secret_outputs:
        report_violation(f"{label(args)} holds the secret {key} but its value is not registered as a Pulumi secret. "
                         f"Fix: create it with vercel.ProjectEnvironmentVariable and value=pulumi.Output.secret(...).")


def _targets(args: ResourceValidationArgs, key: str, report_violation: Report) -> None:
    targets = lookup_list(args.props, "targets")
    custom = lookup_list(args.props, "customEnvironmentIds")
    if targets is UNKNOWN or UNKNOWN in (targets if isinstance(targets, list) else []):
        report_violation(unknown_message(label(args), "targets", RULE))
        return
    if custom is UNKNOWN:
        report_violation(unknown_message(label(args), "customEnvironmentIds", RULE))
        return
    listed = [] if targets is MISSING else [str(t) for t in targets]
    others = [t for t in listed if t not in SECRET_TARGETS] + [f"custom environment {c}" for c in
                                                              ([] if custom is MISSING else custom)]
    if others:
        report_violation(f"{label(args)} holds the secret {key} but also reaches {', '.join(others)}, where unreviewed "
                         f"branch code runs. Fix: set targets=['production'] (and no custom environments).")
    elif not listed:
        report_violation(f"{label(args)} holds the secret {key} but targets no environment explicitly. "
                         f"Fix: set targets=['production'].")


def _env_var_set(args: ResourceValidationArgs, report_violation: Report) -> None:
    variables = lookup_list(args.props, "variables")
    if variables is UNKNOWN:
        report_violation(unknown_message(label(args), "variables", RULE))
        return
    for index, variable in enumerate([] if variables is MISSING else variables):
        key = lookup(variable, "key")
        if key is UNKNOWN:
            report_violation(unknown_message(label(args), f"variables[{index}].key", RULE))
        elif isinstance(key, str) and _is_secret(args, key):
            report_violation(f"{label(args)} holds the secret {key}, but a bulk env var set does not keep values "
                             f"secret. Fix: declare {key} as a vercel.ProjectEnvironmentVariable with sensitive=True.")


def _validate(args: ResourceValidationArgs, report_violation: Report) -> None:
    if args.resource_type == ENV_VAR:
        _env_var(args, report_violation)
    elif args.resource_type == ENV_VAR_SET:
        _env_var_set(args, report_violation)


POLICY = resource_policy(
    name="vercel-env-var-require-sensitive-secrets",
    description="Vercel env vars that carry secrets must be sensitive and hold Pulumi secrets.",
    validate=_validate,
    severity=Severity.CRITICAL,
    remediation_steps="Declare each secret as a vercel.ProjectEnvironmentVariable with sensitive=True and "
                      "value=pulumi.Output.secret(<value from a secure: stack config value or a generated "
                      "secret>); never in a bulk ProjectEnvironmentVariables.",
    reference=checklist_reference("Pre-Deployment Preparation", "Environment Variables",
                                  "API keys for external services configured"),
    tags=["vercel", "secrets", "security"],
    config_schema={
        "secretKeys": {"type": "array", "items": {"type": "string"}, "default": DEFAULTS["secretKeys"],
                       "description": "Env var keys that always carry a secret."},
        "secretKeyPatterns": {"type": "array", "items": {"type": "string"}, "default": DEFAULTS["secretKeyPatterns"],
                              "description": "Regular expressions (re.search) for keys that carry a secret."},
    },
)
