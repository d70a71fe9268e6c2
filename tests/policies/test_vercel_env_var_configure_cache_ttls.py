import pytest
from chatpdd_policies.vercel_env_var_configure_cache_ttls import POLICY

from tests.policies.fixtures_vercel import ENV_VARS
from tests.policies.harness import UNKNOWN_STRING, run, secret, with_props

TTLS = {"CACHE_TTL_SESSION_SECONDS": 7200, "CACHE_TTL_PROJECT_SECONDS": 1800,
        "CACHE_TTL_TEAM_MEMBERS_SECONDS": 600, "CACHE_TTL_WORKSPACE_SECONDS": 3600}


def _name(key):
    return f"Vercel env var 'chatpdd-production-env-{key.lower().replace('_', '-')}'"


@pytest.mark.parametrize("key", TTLS)
def test_compliant(key):
    assert run(POLICY, ENV_VARS[key]).messages == []


@pytest.mark.parametrize("key,expected", TTLS.items())
def test_other_value(key, expected):
    assert run(POLICY, with_props(ENV_VARS[key], value=secret(str(expected * 2)))).messages == [
        f"{_name(key)} sets {key} to a value other than {expected} seconds. "
        f"Fix: set it to {expected} (app.cache_ttls in the stack config)."]


def test_not_a_number():
    assert run(POLICY, with_props(ENV_VARS["CACHE_TTL_SESSION_SECONDS"], value=secret("2h"))).messages == [
        f"{_name('CACHE_TTL_SESSION_SECONDS')} sets CACHE_TTL_SESSION_SECONDS to a value other than 7200 seconds. "
        "Fix: set it to 7200 (app.cache_ttls in the stack config)."]


def test_config_overrides_a_ttl():
    config = {"ttlSeconds": {**TTLS, "CACHE_TTL_SESSION_SECONDS": 3600}}
    assert len(run(POLICY, ENV_VARS["CACHE_TTL_SESSION_SECONDS"], config=config).messages) == 1
    var = with_props(ENV_VARS["CACHE_TTL_SESSION_SECONDS"], value=secret("3600"))
    assert run(POLICY, var, config=config).messages == []


def test_missing_ttl_vars_are_the_required_env_vars_policy():
    assert run(POLICY, ENV_VARS["SESSION_TIMEOUT_HOURS"]).messages == []


def test_unknown_value_fails_closed():
    assert run(POLICY, with_props(ENV_VARS["CACHE_TTL_PROJECT_SECONDS"], value=secret(UNKNOWN_STRING))).messages == [
        f"{_name('CACHE_TTL_PROJECT_SECONDS')}: value is unknown at preview, so the cache TTL cannot be verified. "
        "Fix: set it from a literal or stack config."]
