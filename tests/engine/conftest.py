"""Engine tests: the real Pulumi CLI (``make engine``) against a local file backend and fake providers.

Every test marked ``engine`` needs the built CLI. Without it the test is skipped with the reason, except
in CI (``CI=true``), where a missing engine is a failure: CI must really run these tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.engine.harness import EngineProject, engine_missing, policy_args


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = engine_missing()
    if reason is None:
        return
    for item in items:
        if item.get_closest_marker("engine") is None:
            continue
        if os.environ.get("CI") == "true":
            item.add_marker(pytest.mark.usefixtures("_engine_required_in_ci"))
        else:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def _engine_required_in_ci() -> None:
    # Session scope: set up before the (session) project fixtures, so CI fails with this message.
    pytest.fail(f"CI=true but {engine_missing()}; .ci/run runs `make engine` before the tests")


@pytest.fixture(scope="session")
def engine_project(tmp_path_factory: pytest.TempPathFactory) -> EngineProject:
    """One project copy with both committed stacks initialised (secrets re-set), shared by the tests
    that only preview (previews write no state)."""
    project = EngineProject(Path(tmp_path_factory.mktemp("engine")))
    for stack in ("production", "staging"):
        project.init_stack(stack)
    return project


@pytest.fixture(scope="session")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> EngineProject:
    """A project whose production stack went through `pulumi up` with the pack enforced (fake providers), and
    whose staging stack is initialised (secrets re-set) for the promotion's staging job to deploy first."""
    project = EngineProject(Path(tmp_path_factory.mktemp("engine-up")))
    for stack in ("production", "staging"):
        project.init_stack(stack)
    project.run("up", "--yes", "--stack", "production", "--non-interactive", *policy_args(project, "production"))
    return project
