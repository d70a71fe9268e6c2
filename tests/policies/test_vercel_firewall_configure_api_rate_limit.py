import copy

from chatpdd_policies.vercel_firewall_configure_api_rate_limit import POLICY

from tests.policies.fixtures_vercel import FIREWALL, OWASP, PROJECT, RATE_LIMIT_RULE, VERCEL
from tests.policies.harness import UNKNOWN_ARRAY, UNKNOWN_BOOL, UNKNOWN_STRING, replace, run, with_props

NAME = "Vercel firewall 'chatpdd-production-firewall'"
NO_RULE = (f"{NAME} has no active rule that rate-limits every path under /api to at most 600 requests a minute per "
           "client. Fix: add to rules.rules an active rule "
           "with condition_groups=[{'conditions': [{'type': 'path', 'op': 'pre', 'value': '/api'}]}] and action="
           "{'action': 'rate_limit', 'rate_limit': {'limit': ..., 'window': ..., 'keys': ['ip'], 'algo': "
           "'fixed_window', 'action': 'rate_limit'}} within the ceiling.")


def _rule(**changes):
    rule = copy.deepcopy(RATE_LIMIT_RULE)
    for path, value in changes.items():
        target = rule
        *parents, last = path.split("__")
        for p in parents:
            target = target[int(p)] if p.isdigit() else target[p]
        target[last] = value
    return rule


def _messages(*rules, **props):
    firewall = with_props(FIREWALL, {"rules": {"rules": list(rules)}, **props})
    return run(POLICY, replace(VERCEL, firewall)).messages


def test_compliant():
    assert run(POLICY, VERCEL).messages == []


def test_enabled_missing_is_the_provider_default_on():
    firewall = with_props(FIREWALL)
    del firewall.properties["enabled"]
    assert run(POLICY, replace(VERCEL, firewall)).messages == []


def test_disabled():
    assert run(POLICY, replace(VERCEL, with_props(FIREWALL, enabled=False))).violations == [
        (f"{NAME} is disabled. Fix: set enabled=True.", FIREWALL.urn)]


def test_inactive_rule():
    assert _messages(_rule(active=False)) == [NO_RULE]


def test_active_missing_is_not_active():
    rule = _rule()
    del rule["active"]
    assert _messages(rule) == [NO_RULE]


def test_deny_action_is_not_a_rate_limit():
    assert _messages(_rule(action={"action": "deny"})) == [NO_RULE]


def test_rate_limit_that_only_logs():
    assert _messages(_rule(action__rateLimit__action="log")) == [NO_RULE]


def test_rate_limit_answers_deny_or_challenge():
    assert _messages(_rule(action__rateLimit__action="deny")) == []
    assert _messages(_rule(action__rateLimit__action="challenge")) == []


def test_zero_limit():
    assert _messages(_rule(action__rateLimit__limit=0)) == [NO_RULE]


def test_rule_for_other_paths():
    assert _messages(_rule(conditionGroups=[{"conditions": [{"type": "path", "op": "pre", "value": "/app"}]}])) == [
        NO_RULE]


def test_negated_api_condition():
    assert _messages(_rule(conditionGroups=[{"conditions": [
        {"type": "path", "op": "pre", "value": "/api", "neg": True}]}])) == [NO_RULE]


def test_regex_api_condition():
    assert _messages(_rule(conditionGroups=[{"conditions": [{"type": "path", "op": "re", "value": "^/api(/.*)?$"}]}])
                     ) == []
    # /api itself is an API route the regex misses
    assert _messages(_rule(conditionGroups=[{"conditions": [{"type": "path", "op": "re", "value": "^/api/.+"}]}])
                     ) == [NO_RULE]


def _paths(*conditions, groups=None):
    return _rule(conditionGroups=groups if groups is not None else [{"conditions": list(conditions)}])


def test_a_path_nobody_calls_covers_no_api_route():
    """The hole: a rate limit on /api/v0-unused (or eq /api) exists, yet no real API route is limited."""
    assert _messages(_paths({"type": "path", "op": "pre", "value": "/api/v0-unused"})) == [NO_RULE]
    assert _messages(_paths({"type": "path", "op": "eq", "value": "/api"})) == [NO_RULE]
    assert _messages(_paths({"type": "path", "op": "pre", "value": "/api/health"})) == [NO_RULE]
    assert _messages(_paths({"type": "path", "op": "inc", "values": ["/api", "/api/health"]})) == [NO_RULE]


def test_a_condition_on_another_attribute_leaves_requests_unlimited():
    assert _messages(_paths({"type": "path", "op": "pre", "value": "/api"},
                            {"type": "method", "op": "eq", "value": "POST"})) == [NO_RULE]


def test_an_or_of_groups_may_cover():
    groups = [{"conditions": [{"type": "method", "op": "eq", "value": "POST"}]},
              {"conditions": [{"type": "path", "op": "pre", "value": "/api"}]}]
    assert _messages(_paths(groups=groups)) == []


def test_an_exclusion_of_a_real_route_does_not_cover():
    assert _messages(_paths({"type": "path", "op": "pre", "value": "/api"},
                            {"type": "path", "op": "neq", "value": "/api/auth/session"})) == [NO_RULE]


def test_broader_paths_still_cover():
    assert _messages(_paths({"type": "path", "op": "pre", "value": "/"})) == []


def test_limit_above_the_ceiling():
    assert _messages(_rule(action__rateLimit__limit=1000)) == [NO_RULE]
    # 3,600 an hour is 60 a minute on average, but a burst of 3,600: above the ceiling
    assert _messages(_rule(action__rateLimit__limit=3600, action__rateLimit__window=3600)) == [NO_RULE]


def test_a_tighter_limit_passes():
    assert _messages(_rule(action__rateLimit__limit=20)) == []
    assert _messages(_rule(action__rateLimit__limit=600, action__rateLimit__window=60)) == []


def test_ceiling_from_config():
    assert run(POLICY, VERCEL, config={"maxRequestsPerMinute": 50}).messages == [
        NO_RULE.replace("at most 600 requests", "at most 50 requests")]


def test_no_rules():
    assert _messages() == [NO_RULE]


def test_owasp_ruleset_logging_only():
    owasp = {**OWASP, "sqli": {"action": "log", "active": True}}
    assert _messages(RATE_LIMIT_RULE, managedRulesets={"owasp": owasp}) == [
        f"{NAME} does not block with the OWASP managed rulesets sqli. "
        "Fix: set managed_rulesets.owasp.<name>={'active': True, 'action': 'deny'} for each."]


def test_owasp_missing():
    assert _messages(RATE_LIMIT_RULE, managedRulesets={}) == [
        f"{NAME} does not block with the OWASP managed rulesets xss, sqli, rce, lfi, rfi. "
        "Fix: set managed_rulesets.owasp.<name>={'active': True, 'action': 'deny'} for each."]


def test_owasp_config():
    config = {"requiredOwaspRulesets": ["xss", "gen"]}
    assert run(POLICY, VERCEL, config=config).messages == [
        f"{NAME} does not block with the OWASP managed rulesets gen. "
        "Fix: set managed_rulesets.owasp.<name>={'active': True, 'action': 'deny'} for each."]


def test_missing_firewall():
    assert run(POLICY, [r for r in VERCEL if r.urn != FIREWALL.urn]).violations == [
        ("Vercel project 'chatpdd-production-project' has no Vercel firewall configuration. Fix: add a "
         "vercel.FirewallConfig with a rate_limit rule for /api and the OWASP managed rulesets.", PROJECT.urn)]


def test_unknown_rules_fail_closed():
    firewall = with_props(FIREWALL, rules={"rules": UNKNOWN_ARRAY})
    assert run(POLICY, replace(VERCEL, firewall)).messages == [
        f"{NAME}: rules.rules is unknown at preview, so the API rate limit cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_unknown_path_value_fails_closed():
    assert _messages(_rule(conditionGroups=[{"conditions": [{"type": "path", "op": "pre", "value": UNKNOWN_STRING}]}])
                     ) == [f"{NAME}: a value of rules.rules[0] is unknown at preview, so the API rate limit cannot be verified. "
                           "Fix: set it from a literal or stack config."]


def test_unknown_owasp_fails_closed():
    owasp = {**OWASP, "xss": {"action": "deny", "active": UNKNOWN_BOOL}}
    assert _messages(RATE_LIMIT_RULE, managedRulesets={"owasp": owasp}) == [
        f"{NAME}: managedRulesets.owasp.xss is unknown at preview, so the OWASP managed rules cannot be verified. "
        "Fix: set it from a literal or stack config."]
