"""Fixtures for the operations tool: moto in server mode, a compliant account, local HTTPS health
endpoints. Everything goes over real HTTP on 127.0.0.1; boto3 finds moto through AWS_ENDPOINT_URL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from ops.__main__ import main
from tests.ops.account import Account, build_account, build_primary_only
from tests.ops.servers import HealthServer, health_server, moto_server, reset_moto, self_signed_cert

FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}
UNSET_AWS_ENV = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_WEB_IDENTITY_TOKEN_FILE",
                 "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS")


@pytest.fixture(scope="package")
def moto_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto_server for the tests in this package, boto3 pointed at it, fake credentials; the
    environment is restored afterwards so nothing leaks into other test packages."""
    with moto_server(tmp_path_factory.mktemp("moto") / "moto.log") as url, pytest.MonkeyPatch.context() as mp:
        for name in UNSET_AWS_ENV:
            mp.delenv(name, raising=False)
        for name, value in {**FAKE_AWS_ENV, "AWS_ENDPOINT_URL": url}.items():
            mp.setenv(name, value)
        yield url


@pytest.fixture(scope="package")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="package")
def ca_bundle(tls_files: tuple[Path, Path]) -> str:
    return str(tls_files[0])


@pytest.fixture(scope="package")
def _health_server(tls_files: tuple[Path, Path]) -> Iterator[HealthServer]:
    with health_server(*tls_files) as server:
        yield server


@pytest.fixture
def health(_health_server: HealthServer) -> Iterator[HealthServer]:
    """The HTTPS health server, every endpoint 200 and fast unless the test says otherwise."""
    _health_server.behaviour.clear()
    yield _health_server
    _health_server.behaviour.clear()


class Accounts:
    """Hands out compliant accounts: a fresh one for a test that changes AWS state, and a shared
    one, built again only after a fresh one has been handed out, for tests that only read it."""

    def __init__(self, moto_url: str, health_base_url: str, shared_dir: Path) -> None:
        self._moto_url, self._health_base_url, self._shared_dir = moto_url, health_base_url, shared_dir
        self._shared: Account | None = None

    def fresh(self, directory: Path) -> Account:
        self._shared = None
        reset_moto(self._moto_url)
        return build_account(directory, self._health_base_url)

    def primary_only(self, directory: Path) -> Account:
        self._shared = None
        reset_moto(self._moto_url)
        return build_primary_only(directory)

    def shared(self) -> Account:
        if self._shared is None:
            reset_moto(self._moto_url)
            self._shared = build_account(self._shared_dir, self._health_base_url)
        return self._shared


@pytest.fixture(scope="package")
def accounts(moto_url: str, _health_server: HealthServer, tmp_path_factory: pytest.TempPathFactory) -> Accounts:
    return Accounts(moto_url, _health_server.base_url, tmp_path_factory.mktemp("shared-account"))


@pytest.fixture
def account(accounts: Accounts, health: HealthServer, tmp_path: Path) -> Account:
    """A fresh compliant account (moto reset first) that the test may change."""
    return accounts.fresh(tmp_path)


@pytest.fixture
def primary(accounts: Accounts, tmp_path: Path) -> Account:
    """A fresh account holding only the encrypted primary (snapshot, restore and cleanup tests)."""
    return accounts.primary_only(tmp_path)


@pytest.fixture
def compliant_account(accounts: Accounts, health: HealthServer) -> Account:
    """The shared compliant account: the test must not change AWS state (outputs copies are fine)."""
    return accounts.shared()


class Run(NamedTuple):
    code: int
    out: str
    err: str


@pytest.fixture
def run_ops(capsys: pytest.CaptureFixture[str]):
    """Run ``python -m ops`` in-process (fast); returns exit code, stdout, stderr."""

    def run(*argv: str | Path) -> Run:
        capsys.readouterr()
        code = main([str(a) for a in argv])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run
