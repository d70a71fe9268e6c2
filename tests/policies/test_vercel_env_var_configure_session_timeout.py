from chatpdd_policies.vercel_env_var_configure_session_timeout import POLICY

from tests.policies.fixtures_vercel import ENV_VARS
from tests.policies.harness import UNKNOWN_STRING, run, secret, with_props, without_props

VAR = ENV_VARS["SESSION_TIMEOUT_HOURS"]
NAME = "Vercel env var 'chatpdd-production-env-session-timeout-hours'"
FIX = "Fix: set app.session_timeout_hours in the stack config to 8-24."


def _value(value):
    return run(POLICY, with_props(VAR, value=secret(value))).messages


def test_compliant():
    assert run(POLICY, VAR).messages == []


def test_bounds_are_inclusive():
    assert _value("8") == [] and _value("24") == []


def test_too_long():
    assert _value("48") == [f"{NAME} sets SESSION_TIMEOUT_HOURS outside 8-24 hours. {FIX}"]


def test_too_short():
    assert _value("7") == [f"{NAME} sets SESSION_TIMEOUT_HOURS outside 8-24 hours. {FIX}"]


def test_not_a_number():
    assert _value("12h") == [f"{NAME} sets SESSION_TIMEOUT_HOURS to a value that is not a number of hours. {FIX}"]


def test_config_bounds():
    assert run(POLICY, VAR, config={"minHours": 1, "maxHours": 8}).messages == [
        f"{NAME} sets SESSION_TIMEOUT_HOURS outside 1-8 hours. Fix: set app.session_timeout_hours in the stack "
        "config to 1-8."]


def test_write_only_value_cannot_be_checked():
    assert run(POLICY, without_props(VAR, "value")).messages == [
        f"{NAME} sets SESSION_TIMEOUT_HOURS without a readable value, so the session timeout cannot be verified. "
        "Fix: set value (not value_wo)."]


def test_unknown_value_fails_closed():
    assert _value(UNKNOWN_STRING) == [
        f"{NAME}: value is unknown at preview, so the session timeout cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_unknown_key_fails_closed():
    assert run(POLICY, with_props(VAR, key=UNKNOWN_STRING)).messages == [
        f"{NAME}: key is unknown at preview, so the session timeout cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_other_keys_are_ignored():
    assert run(POLICY, with_props(ENV_VARS["SMTP_PORT"], value=secret("587"))).messages == []
