from chatpdd_policies.synthetics_canary_configure_runtime import DEFAULTS, POLICY

from tests.policies.fixtures_synthetics import API
from tests.policies.harness import UNKNOWN_STRING, run, with_props, without_props

NAME = "Synthetics canary 'synthetics-api'"


def test_compliant():
    assert run(POLICY, API).messages == []
    assert DEFAULTS["allowedRuntimes"] == ["syn-nodejs-puppeteer-9.1"]


def test_deprecated_runtime():
    assert run(POLICY, with_props(API, runtimeVersion="syn-nodejs-puppeteer-3.9")).messages == [
        f"{NAME} uses runtimeVersion 'syn-nodejs-puppeteer-3.9'; allowed: syn-nodejs-puppeteer-9.1. "
        "Fix: set runtime_version='syn-nodejs-puppeteer-9.1'."]


def test_missing_runtime():
    assert run(POLICY, without_props(API, "runtimeVersion")).messages == [
        f"{NAME} has no runtimeVersion; allowed: syn-nodejs-puppeteer-9.1. "
        "Fix: set runtime_version='syn-nodejs-puppeteer-9.1'."]


def test_unknown_runtime_fails_closed():
    assert run(POLICY, with_props(API, runtimeVersion=UNKNOWN_STRING)).messages == [
        f"{NAME}: runtimeVersion is unknown at preview, so the canary's runtime cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_config_may_allow_a_newer_runtime():
    newer = with_props(API, runtimeVersion="syn-nodejs-puppeteer-10.0")
    assert run(POLICY, newer, config={"allowedRuntimes": ["syn-nodejs-puppeteer-10.0"]}).messages == []


def test_other_types_are_ignored():
    other = with_props(API)
    other.type = "aws:s3/bucket:Bucket"
    assert run(POLICY, other).messages == []
