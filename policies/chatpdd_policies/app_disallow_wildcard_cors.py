"""app-disallow-wildcard-cors: the app's CORS origins are explicit HTTPS origins, never ``*`` (or a
``*`` pattern) and never ``http://``:

- S3 CORS configurations: every ``corsRules[].allowedOrigins`` entry;
- the ``CORS_ALLOWED_ORIGINS`` Vercel env var: its comma- or space-separated origins (the value is a
  Pulumi secret on the wire, so messages do not repeat it)."""

import re

from pulumi_policy import ResourceValidationArgs, Severity

from chatpdd_policies._util import (
    MISSING,
    UNKNOWN,
    Report,
    checklist_reference,
    label,
    lookup_list,
    resource_policy,
    unknown_message,
)
from chatpdd_policies._vercel import env_setting

S3_CORS = "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration"
ENV_KEY = "CORS_ALLOWED_ORIGINS"
RULE = "the CORS origins"


def _problem(origin: str) -> str:
    if "*" in origin:
        return "a wildcard (*) origin"
    if origin.lower().startswith("http://"):
        return "a plain-HTTP (http://) origin"
    return ""


def _s3(args: ResourceValidationArgs, report_violation: Report) -> None:
    rules = lookup_list(args.props, "corsRules")
    if rules is UNKNOWN:
        report_violation(unknown_message(label(args), "corsRules", RULE))
        return
    for index, rule in enumerate([] if rules is MISSING else rules):
        origins = lookup_list(rule, "allowedOrigins")
        if origins is UNKNOWN or UNKNOWN in ([] if origins is MISSING else origins):
            report_violation(unknown_message(label(args), f"corsRules[{index}].allowedOrigins", RULE))
            continue
        for origin in [] if origins is MISSING else origins:
            problem = _problem(str(origin))
            if problem:
                report_violation(f"{label(args)} allows {problem}: '{origin}'. Fix: list the app's https:// origins "
                                 f"(app.cors_origins in the stack config).")


def _validate(args: ResourceValidationArgs, report_violation: Report) -> None:
    if args.resource_type == S3_CORS:
        _s3(args, report_violation)
        return
    setting = env_setting(args, {ENV_KEY}, RULE, report_violation)
    if setting is None:
        return
    origins = [o for o in re.split(r"[,\s]+", str(setting[1])) if o]
    for problem in dict.fromkeys(p for p in map(_problem, origins) if p):
        report_violation(f"{label(args)} sets {ENV_KEY} with {problem}. Fix: list the app's https:// origins "
                         f"(app.cors_origins in the stack config).")


POLICY = resource_policy(
    name="app-disallow-wildcard-cors",
    description="CORS origins (S3 CORS rules and the app's CORS_ALLOWED_ORIGINS) must be explicit https:// origins.",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps="Set app.cors_origins in Pulumi.<stack>.yaml to the app's https:// origins; the program "
                      "writes them to the uploads bucket's CORS rules and to CORS_ALLOWED_ORIGINS.",
    reference=checklist_reference("Pre-Deployment Preparation", "API Security", "CORS configuration reviewed"),
    tags=["vercel", "aws", "s3", "cors", "security"],
)
