"""Shared fixtures: the committed stacks, loaded and run under Pulumi mocks once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gate.program.box import unavailable
from gate.program.program import ProgramRun, run_program
from stacks.loader import LoadedStack, load_stack_file

REPO_ROOT = Path(__file__).resolve().parent.parent
STACKS = ("production", "staging")

# Under CI=true the gate refuses to run a program without its box (gate/program/box.py: root, util-linux). A test job
# that runs unprivileged still tests everything else; the box's own tests (tests/gate/test_trust_boundary.py)
# skip there and run where the suite runs as root (the gate job's sudo, this machine).
if unavailable() is not None:
    os.environ.pop("CI", None)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def loaded_stacks() -> dict[str, LoadedStack]:
    return {s: load_stack_file(REPO_ROOT / f"Pulumi.{s}.yaml") for s in STACKS}


@pytest.fixture(scope="session")
def program_runs(loaded_stacks) -> dict[str, ProgramRun]:
    """`__main__.py` run under mocks for each committed stack (preview mode, like `pulumi preview`)."""
    return {s: run_program(loaded) for s, loaded in loaded_stacks.items()}


@pytest.fixture(scope="session")
def production_run(program_runs) -> ProgramRun:
    return program_runs["production"]


@pytest.fixture(scope="session")
def staging_run(program_runs) -> ProgramRun:
    return program_runs["staging"]
