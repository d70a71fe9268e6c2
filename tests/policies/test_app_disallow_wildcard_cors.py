from chatpdd_policies.app_disallow_wildcard_cors import POLICY

from tests.policies.fixtures_storage import UPLOADS, UPLOADS_CORS
from tests.policies.fixtures_vercel import ENV_VARS
from tests.policies.harness import UNKNOWN_ARRAY, UNKNOWN_STRING, run, secret, with_props

S3 = "S3 CORS configuration 'chatpdd-production-uploads-cors'"
VAR = ENV_VARS["CORS_ALLOWED_ORIGINS"]
ENV = "Vercel env var 'chatpdd-production-env-cors-allowed-origins'"
FIX = "Fix: list the app's https:// origins (app.cors_origins in the stack config)."


def _origins(*origins):
    return run(POLICY, with_props(UPLOADS_CORS, corsRules=[{"allowedOrigins": list(origins),
                                                              "allowedMethods": ["GET"]}])).messages


def _env(value):
    return run(POLICY, with_props(VAR, value=secret(value))).messages


def test_compliant():
    assert run(POLICY, UPLOADS_CORS).messages == []
    assert run(POLICY, VAR).messages == []
    assert _env("https://app.chatpdd.com, https://www.chatpdd.com") == []


def test_s3_wildcard():
    assert _origins("https://app.chatpdd.com", "*") == [f"{S3} allows a wildcard (*) origin: '*'. {FIX}"]


def test_s3_wildcard_subdomain():
    assert _origins("https://*.chatpdd.com") == [f"{S3} allows a wildcard (*) origin: 'https://*.chatpdd.com'. {FIX}"]


def test_s3_plain_http():
    assert _origins("http://app.chatpdd.com") == [
        f"{S3} allows a plain-HTTP (http://) origin: 'http://app.chatpdd.com'. {FIX}"]


def test_s3_unknown_origins_fail_closed():
    assert _origins(UNKNOWN_STRING) == [
        f"{S3}: corsRules[0].allowedOrigins is unknown at preview, so the CORS origins cannot be verified. "
        "Fix: set it from a literal or stack config."]
    assert run(POLICY, with_props(UPLOADS_CORS, corsRules=UNKNOWN_ARRAY)).messages == [
        f"{S3}: corsRules is unknown at preview, so the CORS origins cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_s3_no_rules_allow_nothing():
    assert run(POLICY, with_props(UPLOADS_CORS, corsRules=[])).messages == []


def test_env_wildcard():
    assert _env("*") == [f"{ENV} sets CORS_ALLOWED_ORIGINS with a wildcard (*) origin. {FIX}"]


def test_env_plain_http():
    assert _env("https://app.chatpdd.com,http://localhost:3000") == [
        f"{ENV} sets CORS_ALLOWED_ORIGINS with a plain-HTTP (http://) origin. {FIX}"]


def test_env_both_problems_once_each():
    assert len(_env("*,http://a.example,http://b.example")) == 2


def test_env_unknown_fails_closed():
    assert _env(UNKNOWN_STRING) == [
        f"{ENV}: value is unknown at preview, so the CORS origins cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_other_resources_are_ignored():
    assert run(POLICY, UPLOADS).messages == []
    assert run(POLICY, with_props(ENV_VARS["AWS_REGION"], value=secret("*"))).messages == []
