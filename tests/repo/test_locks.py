"""Every environment installs from a hash-locked file produced by `make lock` (uv pip compile
--generate-hashes) from the ranges kept as input (*.in). These tests keep the locks honest without the
network: every input requirement is pinned in its lock at a version inside its range, every pin carries
hashes, the program's and the pack's locks agree with the dev lock the tests run, and nothing installs
from anything but a lock with --require-hashes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[2]
# input -> lock, one per environment: program (.venv for `pulumi up`), pack (policies/.venv), dev/test
# tools (.venv), checkov (.venv-checkov)
LOCKS = {
    "requirements.in": "requirements.txt",
    "policies/requirements.in": "policies/requirements.txt",
    "requirements-dev.in": "requirements-dev.txt",
    "gate/requirements-checkov.in": "gate/requirements-checkov.txt",
}


def _logical_lines(path: Path) -> list[str]:
    text = re.sub(r"\\\n", " ", path.read_text())
    return [line.split(" #")[0].strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _inputs(path: Path) -> list[Requirement]:
    """The requirements of an input file, following -r includes (-c constraints are not requirements)."""
    out: list[Requirement] = []
    for line in _logical_lines(path):
        if line.startswith("-r "):
            out += _inputs(REPO / line[3:].strip())
        elif not line.startswith("-"):
            out.append(Requirement(line))
    return out


def _pins(path: Path) -> dict[str, list[tuple[Version, list[str]]]]:
    """name -> [(pinned version, hashes)] (a universal lock may pin one name per marker)."""
    pins: dict[str, list[tuple[Version, list[str]]]] = {}
    for line in _logical_lines(path):
        parts = line.split()
        hashes = [p.removeprefix("--hash=") for p in parts if p.startswith("--hash=")]
        req = Requirement(" ".join(p for p in parts if not p.startswith("--hash=")))
        (spec,) = req.specifier  # exactly one ==
        assert spec.operator == "==", f"{path.name}: {line[:80]} is not pinned"
        pins.setdefault(canonicalize_name(req.name), []).append((Version(spec.version), hashes))
    return pins


@pytest.mark.parametrize(("source", "lock"), LOCKS.items())
def test_every_input_is_pinned_in_range_with_hashes(source, lock):
    pins = _pins(REPO / lock)
    for req in _inputs(REPO / source):
        name = canonicalize_name(req.name)
        assert name in pins, f"{lock} does not pin {req.name} ({source}): run `make lock`"
        for version, _ in pins[name]:
            assert req.specifier.contains(version, prereleases=True), f"{lock}: {name}=={version} outside {req}"
            assert not version.is_prerelease, f"{lock}: {name}=={version} is a pre-release"
    for name, entries in pins.items():
        for version, hashes in entries:
            assert hashes and all(h.startswith("sha256:") and len(h) == 71 for h in hashes), f"{lock}: {name}=={version}"


@pytest.mark.parametrize("lock", ["requirements.txt", "policies/requirements.txt"])
def test_program_and_pack_locks_agree_with_the_dev_lock(lock):
    dev = _pins(REPO / "requirements-dev.txt")
    for name, entries in _pins(REPO / lock).items():
        assert [v for v, _ in entries] == [v for v, _ in dev[name]], f"{lock} and requirements-dev.txt differ on {name}"


@pytest.mark.parametrize("lock", LOCKS.values())
def test_locks_say_how_they_were_made(lock):
    assert "make lock" in (REPO / lock).read_text().splitlines()[1]


def test_make_setup_installs_only_from_the_locks_with_hashes():
    makefile = (REPO / "Makefile").read_text()
    assert "PIP_LOCKED := -m pip install --quiet --require-hashes -r" in makefile
    installs = [line for line in makefile.splitlines() if "pip install" in line or "$(PIP_LOCKED)" in line]
    assert installs[1:] and all(re.search(r"\$\(PIP_LOCKED\) \S+\.txt$", line) for line in installs[1:]), installs
    assert {re.search(r"(\S+\.txt)$", line).group(1) for line in installs[1:]} == {
        "requirements-dev.txt", "policies/requirements.txt", "gate/requirements-checkov.txt"}
