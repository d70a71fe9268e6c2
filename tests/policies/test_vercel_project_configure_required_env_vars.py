import pytest
from chatpdd_policies.vercel_project_configure_required_env_vars import DEFAULTS, POLICY

from tests.policies.fixtures_vercel import ENV_VARS, PROJECT, VERCEL
from tests.policies.harness import UNKNOWN_ARRAY, UNKNOWN_STRING, replace, run, with_props

PROJECT_LABEL = "Vercel project 'chatpdd-production-project'"


def _without(key):
    return [r for r in VERCEL if r.urn != ENV_VARS[key].urn]


def test_compliant():
    assert run(POLICY, VERCEL).messages == []


def test_defaults_are_the_architecture_list():
    assert set(DEFAULTS["requiredKeys"]) == set(ENV_VARS) - {"OPENAI_API_KEY"}


@pytest.mark.parametrize("key", DEFAULTS["requiredKeys"])
def test_each_missing_key(key):
    assert run(POLICY, _without(key)).violations == [
        (f"{PROJECT_LABEL} has no production env var {key}. Fix: add a vercel.ProjectEnvironmentVariable with "
         f"key='{key}' and 'production' in targets.", PROJECT.urn)]


def test_preview_only():
    var = with_props(ENV_VARS["SMTP_HOST"], targets=["preview"])
    assert run(POLICY, replace(VERCEL, var)).violations == [
        ("Vercel env var 'chatpdd-production-env-smtp-host' sets SMTP_HOST but not for production. "
         "Fix: add 'production' to its targets.", var.urn)]


def test_no_targets_is_not_production():
    var = with_props(ENV_VARS["SMTP_HOST"])
    del var.properties["targets"]
    assert len(run(POLICY, replace(VERCEL, var)).messages) == 1


def test_config_adds_a_key():
    config = {"requiredKeys": [*DEFAULTS["requiredKeys"], "OPENAI_API_KEY"]}
    assert run(POLICY, VERCEL, config=config).messages == []
    assert len(run(POLICY, _without("OPENAI_API_KEY"), config=config).messages) == 1


def test_no_project_resource_names_the_stack():
    stack = [r for r in _without("REDIS_URL") if r.urn != PROJECT.urn]
    assert run(POLICY, stack).violations == [
        ("Stack has no production env var REDIS_URL. Fix: add a vercel.ProjectEnvironmentVariable with "
         "key='REDIS_URL' and 'production' in targets.", None)]


def test_unknown_targets_fail_closed():
    var = with_props(ENV_VARS["AWS_REGION"], targets=UNKNOWN_ARRAY)
    assert run(POLICY, replace(VERCEL, var)).messages == [
        "Vercel env var 'chatpdd-production-env-aws-region': targets is unknown at preview, so the production env "
        "var AWS_REGION cannot be verified. Fix: set it from a literal or stack config."]


def test_unknown_key_fails_closed_for_a_missing_key():
    var = with_props(ENV_VARS["AWS_REGION"], key=UNKNOWN_STRING)
    assert run(POLICY, replace(VERCEL, var)).messages == [
        "Vercel env var 'chatpdd-production-env-aws-region': key is unknown at preview, so the production env var "
        "AWS_REGION cannot be verified. Fix: set it from a literal or stack config."]
