"""Run the real Pulumi CLI (built by ``make engine``) hermetically, and the offline gate beside it.

Everything a run touches lives in one temporary folder: a copy of the project (``Pulumi.yaml``,
``__main__.py`` or a variant of it, ``components/``, ``stacks/``), a file state backend, PULUMI_HOME, and
a passphrase secrets provider. Providers are the fake ones on PATH (tests/engine/fake_providers), plugin
downloads and update checks are off: nothing leaves the machine.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
ENGINE_BIN = REPO_ROOT / ".build" / "engine" / "bin"
FAKE_PROVIDERS_BIN = Path(__file__).resolve().parent / "fake_providers" / "bin"
PYTHON_BIN = Path(sys.executable).parent  # the virtualenv running the tests: program and fake providers
PACK_VENV = REPO_ROOT / "policies" / ".venv"  # the pack's interpreter (policies/PulumiPolicy.yaml, `make setup`)
ENGINE_FILES = ("pulumi", "pulumi-language-python", "pulumi-language-python-exec")
PROJECT_FILES = ("Pulumi.yaml", "__main__.py")
PROJECT_DIRS = ("components", "stacks", "policies")
PASSPHRASE = "engine-tests-only"  # protects the throwaway test state, nothing else
PROJECT = "chatpdd-infra"


def engine_missing() -> str | None:
    """Why the engine tests cannot run here, or None."""
    missing = [name for name in ENGINE_FILES if not (ENGINE_BIN / name).exists()]
    if missing:
        return f"the Pulumi engine is not built ({', '.join(missing)} missing in {ENGINE_BIN}): run `make engine`"
    if not (PACK_VENV / "bin" / "python").exists():
        return f"the policy pack's virtualenv is missing ({PACK_VENV / 'bin' / 'python'}): run `make setup`"
    return None


def secure_paths(config: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(config key, dotted path) of every ``secure:`` value, e.g. ('chatpdd-infra:app', 'smtp.password')."""
    def walk(value: Any, path: list[str]) -> Iterator[list[str]]:
        if isinstance(value, dict):
            if set(value) == {"secure"}:
                yield path
                return
            for k, v in value.items():
                yield from walk(v, [*path, str(k)])
    for key, value in config.items():
        for path in walk(value, []):
            yield key, ".".join(path)


def without_secrets(config: dict[str, Any]) -> dict[str, Any]:
    """The stack config minus its ``secure:`` leaves (re-set through the CLI under our secrets provider)."""
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if not (isinstance(v, dict) and set(v) == {"secure"})}
        return value
    return {k: strip(v) for k, v in config.items()}


@dataclass
class CliResult:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class EngineEvents:
    """What the engine reported in its event log (``--event-log``)."""

    resources: dict[str, dict[str, Any]] = field(default_factory=dict)  # urn -> step metadata (preview/update)
    policy: list[dict[str, Any]] = field(default_factory=list)  # policyEvent payloads
    diagnostics: list[dict[str, Any]] = field(default_factory=list)
    analyzed: list[dict[str, Any]] = field(default_factory=list)  # policyAnalyzeSummaryEvent: the pack ran

    @classmethod
    def read(cls, path: Path) -> EngineEvents:
        events = cls()
        text = path.read_text(encoding="utf-8")
        for line in text.splitlines():
            if not line.strip():
                continue
            event = json.loads(line)
            if "resourcePreEvent" in event:
                meta = event["resourcePreEvent"]["metadata"]
                events.resources[meta["urn"]] = meta
            elif "policyEvent" in event:
                events.policy.append(event["policyEvent"])
            elif "policyAnalyzeSummaryEvent" in event:
                events.analyzed.append(event["policyAnalyzeSummaryEvent"])
            elif "diagnosticEvent" in event:
                events.diagnostics.append(event["diagnosticEvent"])
        # The real preview as the workflow judges it: the engine's policy events, plus what `python -m gate
        # preview-summary` finds in the same events (the resource options the pack cannot see).
        from gate.pack.options import OPTIONS_POLICY
        from gate.review.preview_summary import summarize
        events.policy += [v for v in summarize(text).violations if v["policyName"] == OPTIONS_POLICY]
        return events

    def mandatory(self) -> set[tuple[str, str]]:
        """(policy, resource URN) of every mandatory violation; a stack policy has resource ''. By URN, not by
        name: two resources of one name (a child of each of two components) are two verdicts (issue 17)."""
        return {(p["policyName"], p.get("resourceUrn", "")) for p in self.policy
                if p.get("enforcementLevel") == "mandatory"}

    def violations(self) -> Counter[tuple[str, str, str]]:
        """Every policy event as (policy, resource URN, message without the policy description the engine
        prefixes), with multiplicity: a policy may report several problems on one resource."""
        return Counter((p["policyName"], p.get("resourceUrn", ""), p["message"].split("\n", 1)[-1].strip())
                       for p in self.policy)

    def cant_run(self) -> set[tuple[str, str]]:
        return {(p["policyName"], p.get("resourceUrn", "")) for p in self.policy
                if p.get("message", "").lstrip().startswith("can't run policy")
                or "\ncan't run policy" in p.get("message", "")}


def policy_args(project: EngineProject, stack: str) -> list[str]:
    """The pack and its stack config, as the workflows pass them."""
    return ["--policy-pack", str(project.project / "policies"),
            "--policy-pack-config", str(project.project / "policies" / "config" / f"{stack}.json")]


class EngineProject:
    """A throwaway copy of the project wired to the built CLI, a file backend and the fake providers."""

    def __init__(self, root: Path, main_source: str | None = None) -> None:
        reason = engine_missing()
        if reason:  # one clear line instead of a FileNotFoundError from subprocess
            raise RuntimeError(reason)
        self.root = root
        self.project = root / "project"
        self.state = root / "state"
        self.home = root / "pulumi-home"
        for d in (self.project, self.state, self.home):
            d.mkdir(parents=True, exist_ok=True)
        for name in PROJECT_FILES:
            shutil.copy2(REPO_ROOT / name, self.project / name)
        for name in PROJECT_DIRS:
            shutil.copytree(REPO_ROOT / name, self.project / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".venv"))
        # Pulumi.yaml names `.venv` (runtime.options.virtualenv): the language host resolves it relative to
        # the project, so the copy points at the virtualenv that runs these tests.
        (self.project / ".venv").symlink_to(PYTHON_BIN.parent, target_is_directory=True)
        # policies/PulumiPolicy.yaml names `.venv` too, resolved relative to the pack: the pack runs with
        # policies/.venv (`make setup`), linked rather than copied (it is ~90 MB).
        (self.project / "policies" / ".venv").symlink_to(PACK_VENV, target_is_directory=True)
        if main_source is not None:
            (self.project / "__main__.py").write_text(main_source, encoding="utf-8")
        self.env = self._env()
        self.run("login", f"file://{self.state}")

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "AWS_", "VERCEL_", "REDISCLOUD_"))}
        env.update({
            # The CLI and its language host first, then the fake providers (ambient plugins), then the
            # tests' Python for anything that looks python3 up on PATH. The fake providers run with
            # CHATPDD_ENGINE_PYTHON; the program and the pack run `<their virtualenv>/bin/python` (`.venv`
            # of Pulumi.yaml, `.venv` of policies/PulumiPolicy.yaml = policies/.venv), not PATH's.
            "PATH": os.pathsep.join([str(ENGINE_BIN), str(FAKE_PROVIDERS_BIN), str(PYTHON_BIN), env.get("PATH", "")]),
            "CHATPDD_ENGINE_PYTHON": str(PYTHON_BIN / "python"),
            "PULUMI_HOME": str(self.home),
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DEBUG_COMMANDS": "true",  # exposes --event-log, the machine-readable engine events
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_SELF_MANAGED_STATE_NO_LEGACY_WARNING": "true",
            "PULUMI_DIY_BACKEND_NO_LEGACY_WARNING": "true",
            "PULUMI_SUPPRESS_COPILOT_LINK": "true",
            "PULUMI_COPILOT": "false",
            "NO_COLOR": "1",
        })
        return env

    def run(self, *args: str, check: bool = True, timeout: float = 900) -> CliResult:
        cmd = [str(ENGINE_BIN / "pulumi"), *args]
        proc = subprocess.run(cmd, cwd=self.project, env=self.env, capture_output=True, text=True, timeout=timeout,
                              check=False)
        result = CliResult(list(args), proc.returncode, proc.stdout, proc.stderr)
        if check and proc.returncode != 0:
            raise AssertionError(f"pulumi {' '.join(args)} exited {proc.returncode}:\n{result.output[-4000:]}")
        return result

    def shell(self, command: str, extra_env: dict[str, str], check: bool = True, timeout: float = 900) -> CliResult:
        """Run a workflow's shell line as written (bash, in the project copy, with the CLI on PATH)."""
        proc = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=self.project,
                              env={**self.env, **extra_env}, capture_output=True, text=True, timeout=timeout,
                              check=False)
        result = CliResult([command], proc.returncode, proc.stdout, proc.stderr)
        if check and proc.returncode != 0:
            raise AssertionError(f"`{command}` exited {proc.returncode}:\n{result.output[-4000:]}")
        return result

    def init_stack(self, stack: str, stack_file: Path | None = None) -> None:
        """Create `stack` from a stack file (default: the committed one), its ``secure:`` values re-set with
        ``pulumi config set --secret --path`` under the passphrase provider."""
        source = stack_file or REPO_ROOT / f"Pulumi.{stack}.yaml"
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
        config = data.get("config", {})
        target = self.project / f"Pulumi.{stack}.yaml"
        target.write_text(yaml.safe_dump({"config": without_secrets(config)}, sort_keys=False), encoding="utf-8")
        self.run("stack", "init", stack, "--secrets-provider", "passphrase")
        for key, path in secure_paths(config):
            # Test values only: what matters is that the engine decrypts and types them (never shown: the
            # CLI masks secrets, and the tests assert the value never appears in its output).
            value = f"engine-test-{path.replace('.', '-')}"
            self.run("config", "set", "--stack", stack, "--secret", "--path", f"{key}.{path}", value)

    def preview(self, stack: str, *extra: str, events: Path | None = None) -> tuple[CliResult, EngineEvents]:
        log = events or self.root / f"preview-{stack}.events.json"
        log.unlink(missing_ok=True)
        result = self.run("preview", "--stack", stack, "--non-interactive", *policy_args(self, stack),
                          "--event-log", str(log), *extra, check=False)
        return result, EngineEvents.read(log)


def _judged_on_both_sides(finding: dict[str, Any]) -> bool:
    """The pack's findings, and the gate's judgement of the options the pack cannot see (which the real preview
    makes through `gate preview-summary`, see EngineEvents.read); not checkov's or the change review's."""
    return finding["source"] == "policy-pack" or finding["policy"] == "gate-resource-options"


@dataclass
class GateRun:
    returncode: int
    output: str
    report: dict[str, Any]
    export: dict[str, Any]

    def mandatory(self) -> set[tuple[str, str]]:
        """(policy, resource URN) of the pack's mandatory findings, exempted or not, as the pack reported
        them: the gate's own upgrade of "can't run policy" to mandatory is left out (the CLI reports it as
        advisory, on purpose: gate/pipeline.py pack_findings)."""
        out = set()
        for f in self.report["findings"]:
            if not _judged_on_both_sides(f) or f["enforcement"] != "mandatory":
                continue
            if f["message"].startswith("can't run policy"):
                continue
            out.add((f["policy"], f.get("urn") or ""))
        return out

    def violations(self) -> Counter[tuple[str, str, str]]:
        """The pack's findings as (policy, resource URN, message), exempted or not, with multiplicity."""
        return Counter((f["policy"], f.get("urn") or "", f["message"]) for f in self.report["findings"]
                       if _judged_on_both_sides(f))

    def cant_run(self) -> set[tuple[str, str]]:
        return {(f["policy"], f.get("urn") or "") for f in self.report["findings"]
                if f["source"] == "policy-pack" and f["message"].startswith("can't run policy")}


def run_gate(stack: str, stack_file: Path, program: Path, out: Path) -> GateRun:
    """``python -m gate preview`` as CI and a developer run it, on a stack file and program of the test's."""
    proc = subprocess.run(
        [sys.executable, "-m", "gate", "preview", "--stack", stack, "--stack-file", str(stack_file),
         "--program", str(program), "--no-checkov", "--out", str(out)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=900, check=False)
    if proc.returncode not in (0, 1):
        raise AssertionError(f"gate exited {proc.returncode}:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return GateRun(proc.returncode, proc.stdout + proc.stderr,
                   json.loads((out / "report.json").read_text(encoding="utf-8")),
                   json.loads((out / "stack-export.json").read_text(encoding="utf-8")))
