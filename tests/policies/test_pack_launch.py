"""The pack started exactly as the Pulumi CLI starts a local ``--policy-pack policies``.

Written from pulumi/pulumi's Go sources (file and line: docs/policy-pack-runtime.md), NOT from
``gate.pack.analyzer``, so the gate's own launcher is checked against it: the Python language host reads
``runtime.options`` of the committed ``PulumiPolicy.yaml``, resolves a relative ``virtualenv`` against
the pack directory, and runs ``<venv>/bin/python -u -m pulumi.policy <engine address> <absolute pack
dir>`` with the pack directory as working directory and the environment "activated venv, then the
engine's own" (Go's exec keeps the last value of a duplicated key). The CLI installs nothing for a
local pack: the virtualenv must exist before the preview (``make setup`` creates it)."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import grpc
import pytest
import yaml
from chatpdd_policies import ALL_POLICIES
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2_grpc

from gate.pack.analyzer import PackProcessError, PolicyPackProcess, pack_interpreter
from tests.policies.harness import POLICIES_DIR


def _runtime(pack_dir: Path) -> tuple[str, dict]:
    """``runtime`` as ``workspace.LoadPolicyPack`` reads it: a name, or ``{name, options}``."""
    runtime = yaml.safe_load((pack_dir / "PulumiPolicy.yaml").read_text())["runtime"]
    if isinstance(runtime, str):
        return runtime, {}
    return runtime["name"], runtime.get("options") or {}


def _launcher_python(pack_dir: Path) -> Path:
    """pip.go ``resolveVirtualEnvironmentPath`` + ``Command``: <pack dir>/<virtualenv>/bin/python."""
    _, options = _runtime(pack_dir)
    venv = Path(options["virtualenv"])
    return (venv if venv.is_absolute() else pack_dir.absolute() / venv) / "bin" / "python"


def _launcher_env(venv: Path) -> dict[str, str]:
    """toolchain.go ``ActivateVirtualEnv`` over the host's environment, then the engine's environment
    appended (main.go ``cmd.Env = append(cmd.Env, req.Env...)``): the later value of a key wins."""
    activated = {k: v for k, v in os.environ.items() if k.upper() not in ("PYTHONHOME", "VIRTUAL_ENV")}
    activated["PATH"] = f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    activated["VIRTUAL_ENV"] = str(venv)
    # what the host adds for a policy pack once the engine has configured the stack
    activated.update(PULUMI_PROJECT="chatpdd-infra", PULUMI_STACK="production", PULUMI_DRY_RUN="true",
                     PULUMI_CONFIG="{}")
    return {**activated, **os.environ}


def test_committed_policy_yaml_names_the_pack_interpreter():
    name, options = _runtime(POLICIES_DIR)
    assert name == "python"
    # pip pinned: with no toolchain the host searches upwards for uv.lock / poetry.lock and switches
    assert options == {"toolchain": "pip", "virtualenv": ".venv"}
    # the host's `-m pulumi.policy` branch is taken only when the pack has a __main__.py
    assert (POLICIES_DIR / "__main__.py").is_file()


def test_pack_starts_as_the_language_host_starts_it():
    python = _launcher_python(POLICIES_DIR)
    assert python.is_file(), f"{python} is missing: run `make setup`"
    with socket.socket() as engine:  # a real address for the engine argument, as the CLI passes its own
        engine.bind(("127.0.0.1", 0))
        engine.listen()
        address = f"127.0.0.1:{engine.getsockname()[1]}"
        proc = subprocess.Popen([str(python), "-u", "-m", "pulumi.policy", address, str(POLICIES_DIR.absolute())],
                                cwd=POLICIES_DIR, env=_launcher_env(python.parent.parent),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            port = proc.stdout.readline().decode().strip()  # the pack prints its port, then serves
            assert port.isdigit(), f"the pack printed {port!r}; stderr: {proc.stderr.read1().decode()}"
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                grpc.channel_ready_future(channel).result(timeout=30)
                info = analyzer_pb2_grpc.AnalyzerStub(channel).GetAnalyzerInfo(empty_pb2.Empty(), timeout=60)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            proc.stdout.close()
            proc.stderr.close()
    assert info.name == "chatpdd-guardrails"
    assert sorted(p.name for p in info.policies) == sorted(p.name for p in ALL_POLICIES)


def test_pack_interpreter_holds_only_the_pack_dependencies():
    """The pack's virtualenv is its own: the program's providers are not importable there, so a policy
    that imported them would fail under the CLI too."""
    python = _launcher_python(POLICIES_DIR)
    probe = subprocess.run([str(python), "-c", "import pulumi_policy, pulumi; import pulumi_aws"], cwd=POLICIES_DIR,
                           env=_launcher_env(python.parent.parent), capture_output=True, text=True)
    assert probe.returncode == 1
    assert "No module named 'pulumi_aws'" in probe.stderr


def test_gate_uses_the_same_interpreter():
    assert Path(pack_interpreter(POLICIES_DIR)) == _launcher_python(POLICIES_DIR)
    with PolicyPackProcess(POLICIES_DIR) as pack:
        assert Path(pack.python) == _launcher_python(POLICIES_DIR)
        assert pack.info().name == "chatpdd-guardrails"


def test_missing_pack_virtualenv_says_how_to_create_it(tmp_path):
    (tmp_path / "PulumiPolicy.yaml").write_text("runtime:\n  name: python\n  options:\n    virtualenv: venv\n")
    with pytest.raises(PackProcessError) as error:
        PolicyPackProcess(tmp_path).start()
    assert str(error.value) == (
        f"{tmp_path}/PulumiPolicy.yaml: runtime.options.virtualenv 'venv': {tmp_path}/venv/bin/python does not "
        "exist (run `make setup`, which creates it from the pack's hash-locked requirements)")


def test_no_virtualenv_means_python3_from_path(tmp_path, monkeypatch):
    """pip.go ``Command`` with no virtualenv: the first ``python3`` on PATH, or ``$PULUMI_PYTHON_CMD``."""
    (tmp_path / "PulumiPolicy.yaml").write_text("runtime: python\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("python3", "mypython"):
        (bin_dir / name).write_text("#!/bin/sh\n")
        (bin_dir / name).chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv("PULUMI_PYTHON_CMD", raising=False)
    assert pack_interpreter(tmp_path) == str(bin_dir / "python3")
    monkeypatch.setenv("PULUMI_PYTHON_CMD", "mypython")
    assert pack_interpreter(tmp_path) == str(bin_dir / "mypython")


def test_policy_yaml_without_a_runtime_is_refused(tmp_path):
    (tmp_path / "PulumiPolicy.yaml").write_text("- python\n")
    with pytest.raises(PackProcessError) as error:
        pack_interpreter(tmp_path)
    assert str(error.value) == (
        f"{tmp_path}/PulumiPolicy.yaml: expected a mapping with a `runtime` key (python, or name + options)")
