"""The engine's version pin (tests/engine/cli/go.mod) moves with the Python `pulumi` SDK pin.

Pulumi's compatibility rule: a CLI runs programs of its own and older SDKs of the same major version, but
an SDK newer than the CLI may use engine features the CLI lacks. So the CLI must be the same major and
no older (minor) than the SDK. Ours on top: at most MAX_MINOR_AHEAD minors ahead, so the engine the tests
prove things on stays the one the program is released against (the pin moves when the SDK moves).
These tests need no built engine.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import pytest

GO_MOD = Path(__file__).resolve().parent / "cli" / "go.mod"
MAX_MINOR_AHEAD = 5


def parse_version(text: str) -> tuple[int, int, int]:
    match = re.fullmatch(r"v?(\d+)\.(\d+)\.(\d+)", text.strip())
    if not match:
        raise ValueError(f"not a release version: {text!r}")
    major, minor, patch = (int(g) for g in match.groups())
    return major, minor, patch


def required(module: str) -> str:
    match = re.search(rf"^\s*(?:require\s+)?{re.escape(module)}\s+(v\S+)", GO_MOD.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, f"{GO_MOD}: no requirement on {module}"
    return match.group(1)


def drift_problem(cli: str, sdk: str) -> str | None:
    """Why CLI version `cli` must not run the program's `pulumi` SDK version `sdk`, or None."""
    (c_major, c_minor, _), (s_major, s_minor, _) = parse_version(cli), parse_version(sdk)
    if c_major != s_major:
        return f"CLI {cli} and SDK {sdk} differ in major version"
    if c_minor < s_minor:
        return f"CLI {cli} is older than SDK {sdk}: the SDK may need engine features the CLI lacks"
    if c_minor - s_minor > MAX_MINOR_AHEAD:
        return (f"CLI {cli} is {c_minor - s_minor} minor versions ahead of SDK {sdk} (at most {MAX_MINOR_AHEAD}): "
                f"move the pin in {GO_MOD.name} with the Python pins")
    return None


def test_cli_pin_matches_the_installed_python_sdk():
    cli = required("github.com/pulumi/pulumi/pkg/v3")
    assert drift_problem(cli, metadata.version("pulumi")) is None


def test_the_workflows_install_the_cli_the_engine_tests_build():
    """One CLI pin: .pulumi-version (what pulumi/actions installs in every workflow) is the version go.mod builds
    for the engine tests -- what the tests prove is what the workflows run."""
    pin = (GO_MOD.parents[3] / ".pulumi-version").read_text(encoding="utf-8").strip()
    assert "v" + pin == required("github.com/pulumi/pulumi/pkg/v3"), (
        f".pulumi-version says {pin}, {GO_MOD.name} builds {required('github.com/pulumi/pulumi/pkg/v3')}: move both")


def test_language_host_builds_against_the_cli_sdk():
    # Our language host and the CLI must share one sdk/v3 (the toolchain and policy proxy code).
    assert required("github.com/pulumi/pulumi/sdk/v3") == required("github.com/pulumi/pulumi/pkg/v3")


@pytest.mark.parametrize(("cli", "sdk", "problem"), [
    ("v3.274.1", "3.272.0", None),
    ("v3.272.0", "3.272.0", None),
    ("v3.277.0", "3.272.0", None),
    ("v3.278.0", "3.272.0", "6 minor versions ahead"),
    ("v3.271.9", "3.272.0", "older than SDK"),
    ("v4.0.0", "3.272.0", "differ in major version"),
])
def test_drift_rule(cli, sdk, problem):
    found = drift_problem(cli, sdk)
    assert (found is None) if problem is None else (problem in (found or ""))


def test_bad_version_is_named():
    with pytest.raises(ValueError, match="not a release version: '3.x'"):
        parse_version("3.x")
