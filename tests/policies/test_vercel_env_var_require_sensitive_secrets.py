import pytest
from chatpdd_policies.vercel_env_var_require_sensitive_secrets import POLICY

from tests.policies.fixtures_vercel import ENV_VARS, PROJECT, env_var
from tests.policies.harness import UNKNOWN_ARRAY, UNKNOWN_BOOL, UNKNOWN_STRING, resource, run, with_props

SECRETS = ["DATABASE_URL", "DATABASE_READ_URL", "REDIS_URL", "JWT_SECRET", "SESSION_SECRET", "SMTP_PASSWORD",
           "SENTRY_DSN", "OPENAI_API_KEY"]
NOT_SECRETS = [k for k in ENV_VARS if k not in SECRETS]


def _name(key):
    return f"Vercel env var 'chatpdd-production-env-{key.lower().replace('_', '-')}'"


@pytest.mark.parametrize("key", list(ENV_VARS))
def test_compliant(key):
    assert run(POLICY, ENV_VARS[key]).messages == []


@pytest.mark.parametrize("key", SECRETS)
def test_secret_not_sensitive(key):
    assert run(POLICY, with_props(ENV_VARS[key], sensitive=False)).messages == [
        f"{_name(key)} holds the secret {key} but is not sensitive. Fix: set sensitive=True."]


@pytest.mark.parametrize("key", NOT_SECRETS)
def test_settings_may_be_readable(key):
    assert run(POLICY, with_props(ENV_VARS[key], sensitive=False)).messages == []


@pytest.mark.parametrize("key", ["GITHUB_TOKEN", "STRIPE_SECRET_KEY", "ANALYTICS_DB_PASSWORD", "REDIS_CACHE_URL",
                                 "DATABASE_DIRECT_URL", "NEXT_PUBLIC_MAPS_API_KEY", "AWS_CREDENTIALS"])
def test_keys_named_like_secrets_are_secrets(key):
    assert len(run(POLICY, env_var(key, "x", sensitive=False, targets=["production"])).messages) == 1


@pytest.mark.parametrize("key", ["SESSION_TIMEOUT_HOURS", "TOKENIZER_MODEL", "CACHE_TTL_SESSION_SECONDS",
                                 "PUBLIC_URL", "MAX_TOKENS"])
def test_keys_not_named_like_secrets(key):
    assert run(POLICY, env_var(key, "x", sensitive=False, targets=["production"])).messages == []


def test_config_secret_keys():
    var = env_var("INTERNAL_SIGNING_SALT", "x", sensitive=False, targets=["production"])
    assert run(POLICY, var).messages == []
    assert len(run(POLICY, var, config={"secretKeys": ["INTERNAL_SIGNING_SALT"]}).messages) == 1


def test_value_not_registered_as_secret():
    var = with_props(ENV_VARS["JWT_SECRET"])
    var.additional_secret_outputs = []
    assert run(POLICY, var).messages == [
        f"{_name('JWT_SECRET')} holds the secret JWT_SECRET but its value is not registered as a Pulumi secret. "
        "Fix: create it with vercel.ProjectEnvironmentVariable and value=pulumi.Output.secret(...)."]


def test_unknown_sensitive_fails_closed():
    assert run(POLICY, with_props(ENV_VARS["REDIS_URL"], sensitive=UNKNOWN_BOOL)).messages == [
        f"{_name('REDIS_URL')}: sensitive is unknown at preview, so secret handling cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_unknown_key_fails_closed():
    assert run(POLICY, with_props(ENV_VARS["SMTP_HOST"], key=UNKNOWN_STRING)).messages == [
        f"{_name('SMTP_HOST')}: key is unknown at preview, so secret handling cannot be verified. "
        "Fix: set it from a literal or stack config."]


BULK = resource("vercel:index/projectEnvironmentVariables:ProjectEnvironmentVariables", "chatpdd-production-env", {
    "projectId": UNKNOWN_STRING, "variables": [
        {"key": "AWS_REGION", "value": "us-east-1", "targets": ["production"], "sensitive": False},
        {"key": "JWT_SECRET", "value": "x", "targets": ["production"], "sensitive": True}]},
    property_dependencies={"projectId": [PROJECT.urn]})


def test_bulk_set_cannot_hold_secrets():
    assert run(POLICY, BULK).messages == [
        "Vercel env var set 'chatpdd-production-env' holds the secret JWT_SECRET, but a bulk env var set does not "
        "keep values secret. Fix: declare JWT_SECRET as a vercel.ProjectEnvironmentVariable with sensitive=True."]


def test_bulk_set_with_settings_only():
    assert run(POLICY, with_props(BULK, variables=BULK.properties["variables"][:1])).messages == []


def test_bulk_set_unknown_variables_fail_closed():
    assert run(POLICY, with_props(BULK, variables=UNKNOWN_ARRAY)).messages == [
        "Vercel env var set 'chatpdd-production-env': variables is unknown at preview, so secret handling cannot be "
        "verified. Fix: set it from a literal or stack config."]


def test_other_types_are_ignored():
    assert run(POLICY, PROJECT).messages == []


@pytest.mark.parametrize("targets, reached", [(["production", "preview"], "preview"),
                                              (["development"], "development"),
                                              (["production", "preview", "development"], "preview, development")])
@pytest.mark.parametrize("key", ["JWT_SECRET", "DATABASE_URL", "OPENAI_API_KEY"])
def test_secret_reaching_preview_or_development(key, targets, reached):
    assert run(POLICY, with_props(ENV_VARS[key], targets=targets)).messages == [
        f"{_name(key)} holds the secret {key} but also reaches {reached}, where unreviewed branch code runs. "
        "Fix: set targets=['production'] (and no custom environments)."]


def test_secret_in_a_custom_environment():
    assert run(POLICY, with_props(ENV_VARS["JWT_SECRET"], customEnvironmentIds=["env_staging"])).messages == [
        f"{_name('JWT_SECRET')} holds the secret JWT_SECRET but also reaches custom environment env_staging, where "
        "unreviewed branch code runs. Fix: set targets=['production'] (and no custom environments)."]


def test_secret_without_targets():
    assert run(POLICY, with_props(ENV_VARS["JWT_SECRET"], targets=[])).messages == [
        f"{_name('JWT_SECRET')} holds the secret JWT_SECRET but targets no environment explicitly. "
        "Fix: set targets=['production']."]


def test_unknown_targets_fail_closed():
    assert run(POLICY, with_props(ENV_VARS["JWT_SECRET"], targets=UNKNOWN_ARRAY)).messages == [
        f"{_name('JWT_SECRET')}: targets is unknown at preview, so secret handling cannot be verified. "
        "Fix: set it from a literal or stack config."]


@pytest.mark.parametrize("key", NOT_SECRETS)
def test_settings_may_reach_preview(key):
    assert run(POLICY, with_props(ENV_VARS[key], targets=["production", "preview"])).messages == []
