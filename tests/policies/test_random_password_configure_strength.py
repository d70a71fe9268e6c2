import pytest
from chatpdd_policies.random_password_configure_strength import POLICY

from tests.policies.harness import UNKNOWN_BOOL, UNKNOWN_NUMBER, resource, run, with_props, without_props

JWT = resource("random:index/randomPassword:RandomPassword", "app-jwt-secret", {
    "length": 64, "special": False, "keepers": {"rotation": "1"}})
NAME = "Random password 'app-jwt-secret'"


def test_compliant():
    assert run(POLICY, JWT).messages == []
    # the database password: 40 characters with specials
    assert run(POLICY, with_props(JWT, length=40, special=True, overrideSpecial="-_.~")).messages == []


def test_stricter_neighbour_passes():
    assert run(POLICY, with_props(JWT, length=128)).messages == []


@pytest.mark.parametrize("length", [8, 16, 31])
def test_too_short(length):
    assert run(POLICY, with_props(JWT, length=length)).messages == [
        f"{NAME} generates {length} characters; at least 32 are required. Fix: set length=32 or more."]


def test_long_but_digits_only_is_too_weak():
    digits = with_props(JWT, length=36, lower=False, upper=False)
    assert run(POLICY, digits).messages == [
        f"{NAME} generates about 119 bits of entropy (36 characters from 10); at least 128 are required. "
        "Fix: raise length or allow more character classes."]


def test_one_repeated_special_is_no_alphabet():
    weak = with_props(JWT, length=64, lower=False, upper=False, numeric=False, special=True, overrideSpecial="!!!")
    assert run(POLICY, weak).messages == [
        f"{NAME} generates about 0 bits of entropy (64 characters from 1); at least 128 are required. "
        "Fix: raise length or allow more character classes."]


def test_deprecated_number_false_turns_digits_off():
    """36 from 10 specials alone is 119 bits; were the digits still on (20 characters), 155."""
    weak = with_props(JWT, length=36, lower=False, upper=False, number=False, special=True, overrideSpecial="!@#$%&*()-")
    assert run(POLICY, weak).messages == [
        f"{NAME} generates about 119 bits of entropy (36 characters from 10); at least 128 are required. "
        "Fix: raise length or allow more character classes."]


def test_random_string_is_checked_too():
    string = resource("random:index/randomString:RandomString", "token", {"length": 12})
    assert run(POLICY, string).messages == [
        "Random string 'token' generates 12 characters; at least 32 are required. "
        "Fix: set length=32 or more."]


def test_config_raises_the_bar():
    assert run(POLICY, with_props(JWT, length=40), config={"minLength": 48}).messages == [
        f"{NAME} generates 40 characters; at least 48 are required. Fix: set length=48 or more."]


def test_missing_length_is_refused():
    assert run(POLICY, without_props(JWT, "length")).messages == [
        f"{NAME} generates 0 characters; at least 32 are required. Fix: set length=32 or more."]


@pytest.mark.parametrize("prop, value", [("length", UNKNOWN_NUMBER), ("upper", UNKNOWN_BOOL)])
def test_unknown_fails_closed(prop, value):
    assert run(POLICY, with_props(JWT, {prop: value})).messages == [
        f"{NAME}: length or character set is unknown at preview, so the strength of the generated secret cannot "
        "be verified. Fix: set it from a literal or stack config."]
