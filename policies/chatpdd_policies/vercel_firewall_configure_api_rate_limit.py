"""vercel-firewall-configure-api-rate-limit (stack): the Vercel firewall (``vercel:index/firewallConfig``,
``enabled`` absent = the provider default, on) has

- an active custom rule (``rules.rules[]`` with ``active: true``) whose ``action.action`` is
  ``rate_limit`` with a ``rateLimit`` (``limit`` and ``window`` > 0, and an over-limit ``action`` that
  blocks: ``rate_limit`` (429), ``deny`` or ``challenge``, not ``log``) and a condition group with a
  ``path`` condition (``pre``/``eq``/``re``, not negated) on a value starting with ``/api``;
- the OWASP managed rulesets of ``requiredOwaspRulesets`` active with ``action: deny``
  (``managedRulesets.owasp.<name>``). The other families may log while they are tuned.

Wire names: the SDK's snake_case (``condition_groups``, ``rate_limit``, ``managed_rulesets``) is camelCase
here (``conditionGroups``, ``rateLimit``, ``managedRulesets``)."""

from pulumi_policy import ReportViolation, Severity, StackValidationArgs

from chatpdd_policies._checklist import OWASP_RULESETS
from chatpdd_policies._util import (
    MISSING,
    UNKNOWN,
    as_number,
    checklist_reference,
    config_value,
    label,
    lookup,
    lookup_list,
    resources_of_type,
    stack_policy,
    unknown_message,
)
from chatpdd_policies._vercel import FIREWALL, project_subject

DEFAULTS = {"requiredOwaspRulesets": OWASP_RULESETS}
BLOCKING = ("rate_limit", "deny", "challenge")
PATH_OPS = ("pre", "eq", "re")
RULE = "the API rate limit"
FIX_RULE = ("Fix: add to rules.rules an active rule with condition_groups=[{'conditions': [{'type': 'path', "
            "'op': 'pre', 'value': '/api'}]}] and action={'action': 'rate_limit', 'rate_limit': {'limit': ..., "
            "'window': ..., 'keys': ['ip'], 'algo': 'fixed_window', 'action': 'rate_limit'}}.")


def _matches_api(condition) -> object:
    kind, op, value, neg = (lookup(condition, k) for k in ("type", "op", "value", "neg"))
    if UNKNOWN in (kind, op, value, neg):
        return UNKNOWN
    return (kind == "path" and op in PATH_OPS and neg is not True and isinstance(value, str)
            and value.removeprefix("^").startswith("/api"))


def _limits_api(rule) -> object:
    """True / False, or UNKNOWN when a value that decides it is unknown at preview."""
    limit = lookup(rule, "action", "rateLimit")
    head = [lookup(rule, "active"), lookup(rule, "action", "action"), limit]
    if UNKNOWN in head:
        return UNKNOWN
    if head[0] is not True or head[1] != "rate_limit" or limit is MISSING:
        return False
    settings = [lookup(limit, k) for k in ("limit", "window", "action")]
    if UNKNOWN in settings:
        return UNKNOWN
    if not all((as_number(n) or 0) > 0 for n in settings[:2]) or settings[2] not in BLOCKING:
        return False
    groups = lookup_list(rule, "conditionGroups")
    if groups is UNKNOWN:
        return UNKNOWN
    results = []
    for group in [] if groups is MISSING else groups:
        conditions = lookup_list(group, "conditions")
        results += [UNKNOWN] if conditions is UNKNOWN else [
            _matches_api(c) for c in ([] if conditions is MISSING else conditions)]
    return True if True in results else (UNKNOWN if UNKNOWN in results else False)


def _rate_limit_problem(firewall) -> str:
    rules = lookup_list(firewall.props, "rules", "rules")
    if rules is UNKNOWN:
        return unknown_message(label(firewall), "rules.rules", RULE)
    results = [_limits_api(rule) for rule in ([] if rules is MISSING else rules)]
    if True in results:
        return ""
    if UNKNOWN in results:
        return unknown_message(label(firewall), f"a value of rules.rules[{results.index(UNKNOWN)}]", RULE)
    return f"{label(firewall)} has no active rule that rate-limits paths under /api. {FIX_RULE}"


def _owasp_problem(firewall, required: list[str]) -> str:
    weak = []
    for name in required:
        entry = [lookup(firewall.props, "managedRulesets", "owasp", name, k) for k in ("active", "action")]
        if UNKNOWN in entry:
            return unknown_message(label(firewall), f"managedRulesets.owasp.{name}", "the OWASP managed rules")
        if entry[0] is not True or entry[1] != "deny":
            weak.append(name)
    if not weak:
        return ""
    return (f"{label(firewall)} does not block with the OWASP managed rulesets {', '.join(weak)}. "
            f"Fix: set managed_rulesets.owasp.<name>={{'active': True, 'action': 'deny'}} for each.")


def _validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    firewalls = resources_of_type(args, FIREWALL)
    if not firewalls:
        subject, subject_urn = project_subject(args)
        report_violation(f"{subject} has no Vercel firewall configuration. Fix: add a vercel.FirewallConfig with "
                         f"a rate_limit rule for /api and the OWASP managed rulesets.", subject_urn)
        return
    required = list(config_value(args, "requiredOwaspRulesets", DEFAULTS["requiredOwaspRulesets"]))
    for firewall in firewalls:
        enabled = lookup(firewall.props, "enabled")
        problems = [unknown_message(label(firewall), "enabled", RULE)] if enabled is UNKNOWN else (
            [f"{label(firewall)} is disabled. Fix: set enabled=True."] if enabled is False else [])
        problems += [_rate_limit_problem(firewall), _owasp_problem(firewall, required)]
        for message in filter(None, problems):
            report_violation(message, firewall.urn)


POLICY = stack_policy(
    name="vercel-firewall-configure-api-rate-limit",
    description="The Vercel firewall must rate-limit /api and block with the OWASP managed rulesets.",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps="Add a vercel.FirewallConfig (enabled) with an active rate_limit rule whose condition is "
                      "path pre /api and whose rate_limit.action blocks, and managed_rulesets.owasp entries "
                      "{'active': True, 'action': 'deny'} for the required rulesets.",
    reference=checklist_reference("Pre-Deployment Preparation", "API Security", "API rate limiting configured"),
    tags=["vercel", "firewall", "rate-limit", "security"],
    config_schema={"requiredOwaspRulesets": {"type": "array", "items": {"type": "string"},
                                             "default": DEFAULTS["requiredOwaspRulesets"],
                                             "description": "OWASP managed rulesets that must be active and deny."}},
)
