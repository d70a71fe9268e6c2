"""vercel-firewall-configure-api-rate-limit (stack): the Vercel firewall (``vercel:index/firewallConfig``,
``enabled`` absent = the provider default, on) has

- an active custom rule (``rules.rules[]`` with ``active: true``) whose ``action.action`` is
  ``rate_limit`` with a ``rateLimit`` (``limit`` and ``window`` > 0, and an over-limit ``action`` that
  blocks: ``rate_limit`` (429), ``deny`` or ``challenge``, not ``log``) that
  - covers EVERY API route: one of its condition groups (groups are ORed, a group's conditions ANDed) holds
    only ``path`` conditions and matches each path of ``apiPaths`` (``/api``, ``/api/``, the health endpoints,
    deep and odd paths) as Vercel evaluates them (``pre``, ``eq``, ``neq``, ``suf``, ``sub``, ``re``, ``inc``,
    ``ninc``, ``neg``) -- a rule on ``/api/v0-unused`` or ``eq /api`` limits nothing anyone calls, and a
    condition on another request attribute (method, header, host) leaves the other requests unlimited;
  - allows at most ``maxRequestsPerMinute`` per client (``limit * 60 / window``), and no burst above that
    (``limit`` <= ``maxRequestsPerMinute``: a 3,600-request hourly window is 60 a minute on average but
    lets a script fire all of them at once);
- the OWASP managed rulesets of ``requiredOwaspRulesets`` active with ``action: deny``
  (``managedRulesets.owasp.<name>``). The other families may log while they are tuned.

Wire names: the SDK's snake_case (``condition_groups``, ``rate_limit``, ``managed_rulesets``) is camelCase
here (``conditionGroups``, ``rateLimit``, ``managedRulesets``)."""

import re
from typing import Any

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from chatpdd_policies._checklist import API_PROBE_PATHS, API_RATE_LIMIT_MAX_PER_MINUTE, OWASP_RULESETS
from chatpdd_policies._threshold import Threshold, defaults
from chatpdd_policies._util import (
    MISSING,
    UNKNOWN,
    Report,
    as_number,
    checklist_reference,
    config_value,
    fmt,
    label,
    lookup,
    lookup_list,
    resources_of_type,
    stack_policy,
    unknown_message,
)
from chatpdd_policies._vercel import FIREWALL, project_subject

RATE = Threshold("maxRequestsPerMinute", API_RATE_LIMIT_MAX_PER_MINUTE, "at-most", "requests per minute",
                 "Ceiling of the /api rate limit per client: limit x 60 / window, and the limit itself, at most "
                 "this.", exclusive_minimum=0, kind="number")
DEFAULTS = defaults(RATE, requiredOwaspRulesets=OWASP_RULESETS, apiPaths=API_PROBE_PATHS)
BLOCKING = ("rate_limit", "deny", "challenge")
PATH_OPS = ("pre", "eq", "re")
RULE = "the API rate limit"
FIX_RULE = ("Fix: add to rules.rules an active rule with condition_groups=[{'conditions': [{'type': 'path', "
            "'op': 'pre', 'value': '/api'}]}] and action={'action': 'rate_limit', 'rate_limit': {'limit': ..., "
            "'window': ..., 'keys': ['ip'], 'algo': 'fixed_window', 'action': 'rate_limit'}} within the ceiling.")


def _path_match(op: str, value: Any, values: Any, path: str) -> bool:
    """Vercel's comparison of the request path with a condition's value(s); unknown ops match nothing."""
    listed = [str(v) for v in values] if isinstance(values, list) else []
    if op == "re":
        try:
            return re.search(str(value), path) is not None
        except re.error:
            return False
    matches: dict[str, bool] = {
        "eq": path == value, "neq": path != value, "pre": isinstance(value, str) and path.startswith(value),
        "suf": isinstance(value, str) and path.endswith(value), "sub": isinstance(value, str) and value in path,
        "inc": path in listed, "ninc": path not in listed}
    return matches.get(op, False)


def _group_covers(group: Any, paths: list[str]) -> object:
    """True if every condition of the group is a path condition matching every path; UNKNOWN if undecidable."""
    conditions = lookup_list(group, "conditions")
    if conditions is UNKNOWN:
        return UNKNOWN
    if conditions is MISSING or not conditions:
        return False
    for condition in conditions:
        fields = [lookup(condition, k) for k in ("type", "op", "value", "values", "neg")]
        if condition is UNKNOWN or UNKNOWN in fields or UNKNOWN in (fields[3] if isinstance(fields[3], list) else []):
            return UNKNOWN
        kind, op, value, values, neg = fields
        if kind != "path":
            return False  # another attribute (method, host, header ...) leaves the other requests unlimited
        if not all(_path_match(op, value, values, p) != (neg is True) for p in paths):
            return False
    return True


def _limits_api(rule: Any, paths: list[str], ceiling: float) -> object:
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
    count, window = (as_number(n) or 0 for n in settings[:2])
    if count <= 0 or window <= 0 or settings[2] not in BLOCKING:
        return False
    if count * 60 / window > ceiling or count > ceiling:
        return False
    groups = lookup_list(rule, "conditionGroups")
    if groups is UNKNOWN:
        return UNKNOWN
    results = [_group_covers(group, paths) for group in ([] if groups is MISSING else groups)]
    return True if True in results else (UNKNOWN if UNKNOWN in results else False)


def _rate_limit_problem(firewall: PolicyResource, paths: list[str], ceiling: float) -> str:
    rules = lookup_list(firewall.props, "rules", "rules")
    if rules is UNKNOWN:
        return unknown_message(label(firewall), "rules.rules", RULE)
    results = [_limits_api(rule, paths, ceiling) for rule in ([] if rules is MISSING else rules)]
    if True in results:
        return ""
    if UNKNOWN in results:
        return unknown_message(label(firewall), f"a value of rules.rules[{results.index(UNKNOWN)}]", RULE)
    return (f"{label(firewall)} has no active rule that rate-limits every path under /api to at most {fmt(ceiling)} "
            f"requests a minute per client. {FIX_RULE}")


def _owasp_problem(firewall: PolicyResource, required: list[str]) -> str:
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


def _validate(args: StackValidationArgs, report_violation: Report) -> None:
    firewalls = resources_of_type(args, FIREWALL)
    if not firewalls:
        subject, subject_urn = project_subject(args)
        report_violation(f"{subject} has no Vercel firewall configuration. Fix: add a vercel.FirewallConfig with "
                         f"a rate_limit rule for /api and the OWASP managed rulesets.", subject_urn)
        return
    required = list(config_value(args, "requiredOwaspRulesets", DEFAULTS["requiredOwaspRulesets"]))
    paths = [str(p) for p in config_value(args, "apiPaths", DEFAULTS["apiPaths"])]
    ceiling = float(RATE.value(args))
    for firewall in firewalls:
        enabled = lookup(firewall.props, "enabled")
        problems = [unknown_message(label(firewall), "enabled", RULE)] if enabled is UNKNOWN else (
            [f"{label(firewall)} is disabled. Fix: set enabled=True."] if enabled is False else [])
        problems += [_rate_limit_problem(firewall, paths, ceiling), _owasp_problem(firewall, required)]
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
    thresholds=(RATE,),
    config_schema={"requiredOwaspRulesets": {"type": "array", "items": {"type": "string"},
                                             "default": DEFAULTS["requiredOwaspRulesets"],
                                             "description": "OWASP managed rulesets that must be active and deny."},
                   "apiPaths": {"type": "array", "items": {"type": "string", "pattern": "^/api"}, "minItems": 1,
                                "default": DEFAULTS["apiPaths"],
                                "description": "API paths the rate-limit rule must match, every one of them."}},
)
