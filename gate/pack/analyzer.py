"""Analyzer gRPC client: drives the policy pack the way ``pulumi preview --policy-pack`` does.

Shared by ``tests/policies/test_protocol.py`` and the offline gate (``python -m gate preview``)::

    with PolicyPackProcess(Path("policies")) as pack:
        info = pack.info()
        pack.configure(json.loads(Path("policies/config/production.json").read_text()),
                       source="policies/config/production.json")
        result = pack.analyze_stack(resources)      # list[AnalyzerResource]
        blocking = result.mandatory                 # diagnostics with enforcement_level "mandatory"

The pack runs as its own process, started as the CLI starts it (``<pack virtualenv>/bin/python -u -m
pulumi.policy 127.0.0.1:0 <pack dir>`` with the pack directory as working directory, the virtualenv named
in ``PulumiPolicy.yaml``: ``pack_interpreter``; by default through the gate's launcher, gate/pack/pack_memo.py,
which runs exactly that after installing a conversion memo) and WITHOUT the repository
root on PYTHONPATH, so a pack that imports program packages fails here as it would under the CLI.
``configure`` does what the CLI does with ``--policy-pack-config`` (schema defaults, "all",
per-policy levels, JSON-Schema validation) and is stricter: unknown policies and properties are
errors.
"""

from __future__ import annotations

import os
import re
import selectors
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import grpc
import jsonschema
import yaml
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as pb
from pulumi.runtime.proto import analyzer_pb2_grpc as pb_grpc

from gate.program.children import dying_with_parent, stop_process_group

ENFORCEMENT_LEVELS = ("advisory", "mandatory", "remediate", "disabled")
_MAX_MESSAGE = 400 * 1024 * 1024
# The offline gate starts the pack through this script (a file path: the pack process must not have the
# repository root on its import path).
PACK_LAUNCHER = Path(__file__).resolve().parent / "pack_memo.py"


class PackConfigError(Exception):
    """The policy-pack config file is invalid (the message names the file, policy and property)."""


class PackProcessError(RuntimeError):
    """The pack process failed to start or died. ``str()`` is one line (for a crash: the policy file, line
    and error); ``detail`` keeps the pack's whole stderr (its traceback) for ``--debug``."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


def crash_summary(stderr: str, pack_dir: Path) -> str:
    """One line out of a Python traceback on the pack's stderr: the deepest frame inside the pack (the
    policy file that failed, relative to the pack's parent) and the exception line."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    if not lines:
        return "no output on stderr"
    error = next((line.strip() for line in reversed(lines) if not line.startswith((" ", "\t"))), lines[-1].strip())
    where = ""
    root = str(pack_dir.resolve())
    for line in lines:
        match = re.match(r'\s*File "([^"]+)", line (\d+)', line)
        if match and match.group(1).startswith(root):
            where = f"{os.path.relpath(match.group(1), pack_dir.parent)}:{match.group(2)}: "
    return f"{where}{error[:300]}"


@dataclass
class AnalyzerResource:
    """One resource as the engine sends it to the pack. ``properties`` are in wire form:
    what ``json_format.MessageToDict(RegisterResourceRequest.object)`` gives (secrets as
    ``{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": ...}``,
    unknowns as the sentinel strings of ``pulumi_policy.proxy``). ``provider`` is a provider
    reference (``<provider urn>::<id>``) or a provider URN, ``provider_properties`` that provider's inputs
    (the engine sends them with every resource). ``retain_on_delete`` is kept for the gate's reports; the
    Analyzer protocol has no field for it (gate/pack/options.py judges it). ``aliases`` are alias URNs and
    ``custom_timeouts`` (create, update, delete) seconds, as the engine sends them."""

    urn: str
    type: str
    name: str
    properties: dict[str, Any] = field(default_factory=dict)
    parent: str | None = None
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    protect: bool = False
    retain_on_delete: bool = False
    ignore_changes: list[str] = field(default_factory=list)
    additional_secret_outputs: list[str] = field(default_factory=list)
    provider: str | None = None
    delete_before_replace: bool | None = None  # None: not set (deleteBeforeReplaceDefined false)
    aliases: list[str] = field(default_factory=list)
    custom_timeouts: tuple[float, float, float] | None = None
    provider_properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class PolicyInfo:
    """One policy as the pack describes it in GetAnalyzerInfo."""
    name: str
    description: str
    enforcement_level: str
    severity: str
    remediation_steps: str
    framework_reference: str
    config_schema: dict[str, Any]  # {"type": "object", "properties": {...}[, "required": [...]]} or {}


@dataclass
class PackInfo:
    """The pack's name, version, description and policies."""
    name: str
    version: str
    description: str
    policies: list[PolicyInfo]

    def policy(self, name: str) -> PolicyInfo:
        """The policy named ``name`` (StopIteration if the pack has none)."""
        return next(p for p in self.policies if p.name == name)


@dataclass
class Diagnostic:
    """One policy violation as the pack reports it."""
    policy_name: str
    policy_pack_name: str
    message: str  # as the SDK sends it: "<policy description>\n<violation message>"
    urn: str
    description: str
    enforcement_level: str  # lowercase: advisory | mandatory | remediate | disabled
    severity: str  # lowercase: low | medium | high | critical | unspecified


@dataclass
class AnalyzeResult:
    """The diagnostics of one or more Analyze/AnalyzeStack calls, and the not-applicable answers."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    not_applicable: list[tuple[str, str]] = field(default_factory=list)  # (policy_name, reason)

    @property
    def mandatory(self) -> list[Diagnostic]:
        """The diagnostics whose enforcement level is mandatory."""
        return [d for d in self.diagnostics if d.enforcement_level == "mandatory"]

    def extend(self, other: AnalyzeResult) -> AnalyzeResult:
        """Add ``other``'s diagnostics and not-applicable entries to this result (returns self)."""
        self.diagnostics += other.diagnostics
        self.not_applicable += other.not_applicable
        return self


def _level_name(value: int) -> str:
    return pb.EnforcementLevel.Name(pb.EnforcementLevel.ValueType(value)).lower()


def _severity_name(value: int) -> str:
    return pb.PolicySeverity.Name(pb.PolicySeverity.ValueType(value)).removeprefix("POLICY_SEVERITY_").lower()


def _struct(properties: dict[str, Any]) -> struct_pb2.Struct:
    return json_format.ParseDict(properties, struct_pb2.Struct())


def _options(res: AnalyzerResource) -> pb.AnalyzerResourceOptions:
    """Every option the engine puts in AnalyzerResourceOptions (pkg/resource/analyzer: protect,
    ignoreChanges, deleteBeforeReplace(+Defined), additionalSecretOutputs, aliases, customTimeouts, parent)."""
    timeouts = None
    if res.custom_timeouts is not None:
        create, update, delete = res.custom_timeouts
        timeouts = pb.AnalyzerResourceOptions.CustomTimeouts(create=create, update=update, delete=delete)
    return pb.AnalyzerResourceOptions(protect=res.protect, ignoreChanges=res.ignore_changes,
                                      deleteBeforeReplace=bool(res.delete_before_replace),
                                      deleteBeforeReplaceDefined=res.delete_before_replace is not None,
                                      additionalSecretOutputs=res.additional_secret_outputs,
                                      aliases=res.aliases, customTimeouts=timeouts, parent=res.parent or "")


def _provider(ref: str | None, properties: dict[str, Any] | None = None) -> pb.AnalyzerProviderResource | None:
    """``urn:pulumi:<stack>::<project>::pulumi:providers:<pkg>::<name>[::<id>]`` -> provider info, with the
    provider's inputs."""
    if not ref:
        return None
    parts = ref.split("::")
    urn = "::".join(parts[:4])
    type_ = parts[2].rsplit("$", 1)[-1] if len(parts) > 2 else ""
    name = parts[3] if len(parts) > 3 else ""
    return pb.AnalyzerProviderResource(type=type_, urn=urn, name=name, properties=_struct(properties or {}))


def configure_request(resolved: dict[str, tuple[str, dict[str, Any]]]) -> pb.ConfigureAnalyzerRequest:
    """The Configure request for a resolved config (:func:`resolve_pack_config`)."""
    return pb.ConfigureAnalyzerRequest(policyConfig={
        name: pb.PolicyConfig(enforcementLevel=pb.EnforcementLevel.Value(level.upper()), properties=_struct(props))
        for name, (level, props) in resolved.items()})


def analyze_request(resource: AnalyzerResource) -> pb.AnalyzeRequest:
    """The Analyze request for one resource, as the engine sends it."""
    return pb.AnalyzeRequest(type=resource.type, properties=_struct(resource.properties), urn=resource.urn,
                             name=resource.name, options=_options(resource),
                             provider=_provider(resource.provider, resource.provider_properties))


def analyze_stack_request(resources: list[AnalyzerResource]) -> pb.AnalyzeStackRequest:
    """The AnalyzeStack request for the whole stack (parents, dependencies, property dependencies)."""
    return pb.AnalyzeStackRequest(resources=[
        pb.AnalyzerResource(
            type=r.type, properties=_struct(r.properties), urn=r.urn, name=r.name, options=_options(r),
            provider=_provider(r.provider, r.provider_properties), parent=r.parent or "", dependencies=r.dependencies,
            propertyDependencies={k: pb.AnalyzerPropertyDependencies(urns=v)
                                  for k, v in r.property_dependencies.items()})
        for r in resources])


def _result(response: pb.AnalyzeResponse) -> AnalyzeResult:
    return AnalyzeResult(
        diagnostics=[Diagnostic(policy_name=d.policyName, policy_pack_name=d.policyPackName, message=d.message,
                                urn=d.urn, description=d.description,
                                enforcement_level=_level_name(d.enforcementLevel),
                                severity=_severity_name(d.severity))
                     for d in response.diagnostics],
        not_applicable=[(n.policy_name, n.reason) for n in response.not_applicable])


def pack_interpreter(pack_dir: Path) -> str:
    """The interpreter the Pulumi CLI runs this pack with: the Python language host reads
    ``runtime.options.virtualenv`` from ``PulumiPolicy.yaml``, resolves a relative one against the pack
    directory and runs ``<virtualenv>/bin/python`` (with no virtualenv, ``python3`` from PATH). The CLI
    installs nothing for a local ``--policy-pack`` (docs/policy-pack-runtime.md), so neither do we: a
    missing virtualenv is an error that says how to create it, not a silent fall-back to our own Python."""
    path = Path(pack_dir) / "PulumiPolicy.yaml"
    try:
        spec = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as err:
        raise PackProcessError(f"{path}: cannot read the pack's runtime: {err}") from None
    if not isinstance(spec, dict) or "runtime" not in spec:
        raise PackProcessError(f"{path}: expected a mapping with a `runtime` key (python, or name + options)")
    runtime = spec["runtime"]
    options = runtime.get("options") if isinstance(runtime, dict) else None
    venv = (options or {}).get("virtualenv") if isinstance(options, dict) else None
    if venv is None:
        python = shutil.which(os.environ.get("PULUMI_PYTHON_CMD") or "python3")
        if python is None:
            raise PackProcessError(f"{path}: runtime.options.virtualenv is not set and python3 is not on PATH")
        return python
    if not isinstance(venv, str) or not venv:
        raise PackProcessError(f"{path}: runtime.options.virtualenv: expected a directory name, got {venv!r}")
    interpreter = (Path(pack_dir) / venv / "bin" / "python").absolute()
    if not interpreter.is_file():
        raise PackProcessError(f"{path}: runtime.options.virtualenv {venv!r}: {interpreter} does not exist "
                               "(run `make setup`, which creates it from the pack's hash-locked requirements)")
    # absolute() keeps the venv's bin/python symlink: resolving it would leave the virtualenv.
    return str(interpreter)


class PolicyPackProcess:
    """The pack as a running Analyzer. Use as a context manager; it stops the process on exit."""

    def __init__(self, pack_dir: Path, python: str | None = None, *, startup_timeout: float = 60.0,
                 env: dict[str, str] | None = None, memo: bool = True) -> None:
        self.pack_dir = Path(pack_dir).resolve()
        self.python = python
        self.memo = memo
        self.startup_timeout = startup_timeout
        self.env = env
        self.port: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._channel: grpc.Channel | None = None
        self._stub: pb_grpc.AnalyzerStub | None = None
        self._info: PackInfo | None = None
        self._lock = threading.Lock()  # start (a setup thread) and stop (the main thread) may race
        self._stopped = False

    # --- process ---------------------------------------------------------------------------------
    def _child_env(self) -> dict[str, str]:
        env = dict(os.environ if self.env is None else self.env)
        # The CLI gives the pack its own virtualenv; the repository root must not be importable.
        repo = str(self.pack_dir.parent)
        paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and Path(p).resolve() != Path(repo)]
        if paths:
            env["PYTHONPATH"] = os.pathsep.join(paths)
        else:
            env.pop("PYTHONPATH", None)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def command(self) -> list[str]:
        """How the pack starts, before its two arguments. ``memo``: through the gate's launcher
        (gate/pack/pack_memo.py, which says why); otherwise exactly as the CLI starts it."""
        if self.python is None:
            self.python = pack_interpreter(self.pack_dir)
        if self.memo:
            return [self.python, "-u", str(PACK_LAUNCHER)]
        return [self.python, "-u", "-m", "pulumi.policy"]

    def stderr_text(self) -> str:
        """What the pack process wrote on stderr so far."""
        if self._stderr is None:
            return ""
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def _fail(self, what: str) -> PackProcessError:
        """Stop the process and describe the failure in one line; the whole stderr goes to ``detail``."""
        stderr = self.stderr_text()
        code = self._proc.poll() if self._proc else None
        self.stop()
        return PackProcessError(f"policy pack {self.pack_dir} {what} (exit code {code}): "
                                f"{crash_summary(stderr, self.pack_dir)} (run with --debug for its traceback)",
                                detail=stderr)

    def start(self) -> PolicyPackProcess:
        """Start the pack process, read the port it prints and connect to it."""
        if not (self.pack_dir / "PulumiPolicy.yaml").is_file():
            raise PackProcessError(f"{self.pack_dir} is not a policy pack (no PulumiPolicy.yaml)")
        with self._lock:
            if self._stopped:
                raise PackProcessError("the policy pack was stopped before it started")
            self._stderr = tempfile.TemporaryFile()
            # Its own process group: a terminal's Ctrl-C reaches the gate only, and stop() ends the pack
            # with anything it started, whatever interrupted the gate.
            self._proc = subprocess.Popen(
                dying_with_parent([*self.command(), "127.0.0.1:0", str(self.pack_dir)]),
                cwd=self.pack_dir, env=self._child_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=self._stderr, start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout
        line = self._read_port_line(deadline)
        try:
            self.port = int(line.strip())
        except ValueError:
            raise self._fail(f"printed {line!r} instead of its port") from None
        with self._lock:  # stop() may run meanwhile (an error or an interrupt elsewhere in the gate)
            if self._stopped:
                raise PackProcessError("the policy pack was stopped before it started")
            channel = self._channel = grpc.insecure_channel(
                f"127.0.0.1:{self.port}", options=[("grpc.max_receive_message_length", _MAX_MESSAGE),
                                                   ("grpc.max_send_message_length", _MAX_MESSAGE)])
        self._wait_until_ready(channel, deadline)
        self._stub = pb_grpc.AnalyzerStub(channel)
        return self

    def _wait_until_ready(self, channel: grpc.Channel, deadline: float) -> None:
        """Wait for the pack's gRPC server in short slices, so that a stop() meanwhile ends the wait at once
        instead of after the start-up timeout."""
        ready = grpc.channel_ready_future(channel)
        while True:
            try:
                ready.result(timeout=0.2)
                return
            except grpc.FutureCancelledError:  # stop() closed the channel
                raise PackProcessError("the policy pack was stopped before it started") from None
            except grpc.FutureTimeoutError:
                if self._stopped:
                    ready.cancel()
                    raise PackProcessError("the policy pack was stopped before it started") from None
                if time.monotonic() >= deadline:
                    ready.cancel()
                    raise self._fail("did not accept gRPC connections") from None

    def _read_port_line(self, deadline: float) -> str:
        """The first stdout line, waiting at most until ``deadline`` (the pack prints its port)."""
        assert self._proc is not None and self._proc.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(self._proc.stdout, selectors.EVENT_READ)
        buffer = b""
        try:
            while b"\n" not in buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise self._fail(f"did not print its port within {self.startup_timeout:.0f} s")
                if selector.select(timeout=min(remaining, 0.5)):
                    chunk = os.read(self._proc.stdout.fileno(), 4096)
                    if not chunk:
                        self._proc.wait(timeout=5)
                        raise self._fail("exited before printing its port")
                    buffer += chunk
                elif self._proc.poll() is not None:
                    raise self._fail("exited before printing its port")
        finally:
            selector.close()
        return buffer.split(b"\n", 1)[0].decode(errors="replace")

    def stop(self) -> None:
        """End the pack's process group (SIGTERM, then SIGKILL after 5 s). Safe to call from any thread,
        more than once, and before or while :meth:`start` runs (it then never starts)."""
        with self._lock:
            self._stopped = True
            proc, self._proc = self._proc, None
            channel, self._channel = self._channel, None
            stderr, self._stderr = self._stderr, None
        if channel is not None:
            channel.close()
        if proc is not None:
            stop_process_group(proc)
            if proc.stdout is not None:
                proc.stdout.close()
        if stderr is not None:
            stderr.close()

    def __enter__(self) -> PolicyPackProcess:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _call(self, method: str, request: Any) -> Any:
        if self._stub is None:
            raise PackProcessError("the policy pack is not running (use it as a context manager)")
        try:
            return getattr(self._stub, method)(request, timeout=300)
        except grpc.RpcError as e:
            if self._proc is not None and self._proc.poll() is not None:
                raise self._fail(f"died during {method}") from e
            details = " ".join((e.details() or "").split())[:400]  # one line; the pack's stderr is the detail
            cause = "a policy raised an exception; " if e.code() == grpc.StatusCode.UNKNOWN else ""
            raise PackProcessError(f"{method} failed: {e.code().name}: {details} ({cause}run with --debug for "
                                   f"the pack's stderr)", detail=self.stderr_text()) from e

    # --- Analyzer RPCs ---------------------------------------------------------------------------
    def info(self) -> PackInfo:
        """GetAnalyzerInfo: the pack and its policies (cached)."""
        if self._info is None:
            response = self._call("GetAnalyzerInfo", empty_pb2.Empty())
            policies = []
            for p in response.policies:
                schema: dict[str, Any] = {}
                if p.HasField("configSchema") and (p.configSchema.properties or p.configSchema.required):
                    schema = {"type": "object",
                              "properties": json_format.MessageToDict(p.configSchema.properties)}
                    if p.configSchema.required:
                        schema["required"] = list(p.configSchema.required)
                policies.append(PolicyInfo(
                    name=p.name, description=p.description, enforcement_level=_level_name(p.enforcementLevel),
                    severity=_severity_name(p.severity), remediation_steps=p.remediation_steps,
                    framework_reference=p.framework.reference if p.HasField("framework") else "",
                    config_schema=schema))
            self._info = PackInfo(name=response.name, version=self._yaml_version() or response.version,
                                  description=response.description, policies=policies)
        return self._info

    def _yaml_version(self) -> str:
        """The CLI takes a Python pack's version from PulumiPolicy.yaml (the SDK always says 0.0.1)."""
        for line in (self.pack_dir / "PulumiPolicy.yaml").read_text().splitlines():
            if line.startswith("version:"):
                return line.split(":", 1)[1].strip().strip("'\"")
        return ""

    def plugin_version(self) -> str:
        """GetPluginInfo: the version the pack reports."""
        return str(self._call("GetPluginInfo", empty_pb2.Empty()).version)

    def resolve_config(self, pack_config: dict[str, Any], source: str = "<inline>") -> dict[str, tuple[str, dict[str, Any]]]:
        """The config the CLI would send: policy -> (enforcement level, properties with defaults)."""
        return resolve_pack_config(self.info(), pack_config, source)

    def _call_refusable(self, method: str, request: Any, source: str) -> Any:
        """``_call``, but a refusal by the pack (INVALID_ARGUMENT: its tighten-only config guard) is a
        PackConfigError naming ``source`` -- bad input, not a broken pack."""
        try:
            return self._call(method, request)
        except PackProcessError as err:
            cause = err.__cause__
            if isinstance(cause, grpc.RpcError) and cause.code() == grpc.StatusCode.INVALID_ARGUMENT:
                raise PackConfigError(f"{source}: the policy pack refused it at {method}: {cause.details()}") from None
            raise

    def configure_stack(self, stack: str, project: str, *, organization: str = "", dry_run: bool = True,
                        source: str = "<inline>") -> None:
        """Tell the pack which stack it judges, as the engine does when it boots a pack (before Configure):
        the pack's config guard lets only non-production stacks loosen the checklist."""
        self._call_refusable("ConfigureStack", pb.AnalyzerStackConfigureRequest(
            stack=stack, project=project, organization=organization, dry_run=dry_run), source)

    def configure(self, pack_config: dict[str, Any], source: str = "<inline>") -> dict[str, tuple[str, dict[str, Any]]]:
        """Validate ``pack_config`` (the ``--policy-pack-config`` file's content), apply defaults and
        send it. Returns the resolved config. Raises PackConfigError (also when the pack refuses it)."""
        resolved = self.resolve_config(pack_config, source)
        self._call_refusable("Configure", configure_request(resolved), source)
        return resolved

    def analyze(self, resource: AnalyzerResource) -> AnalyzeResult:
        """Resource policies on one resource; diagnostics carry the resource's URN."""
        try:
            result = _result(self._call("Analyze", analyze_request(resource)))
        except PackProcessError as err:  # name the resource the policy failed on
            raise PackProcessError(f"{err} [resource {resource.urn}]", detail=err.detail) from err
        for d in result.diagnostics:
            d.urn = d.urn or resource.urn
        return result

    def analyze_stack(self, resources: list[AnalyzerResource]) -> AnalyzeResult:
        """Stack policies over every resource; diagnostics carry their own URNs."""
        return _result(self._call("AnalyzeStack", analyze_stack_request(resources)))

    def analyze_all(self, resources: list[AnalyzerResource]) -> AnalyzeResult:
        """What a preview does: Analyze for every resource, then AnalyzeStack once."""
        total = AnalyzeResult()
        for r in resources:
            total.extend(self.analyze(r))
        return total.extend(self.analyze_stack(resources))


def _level(value: Any, where: str) -> str:
    if not isinstance(value, str) or value not in ENFORCEMENT_LEVELS:
        raise PackConfigError(f"{where}: enforcementLevel {value!r} is not one of {', '.join(ENFORCEMENT_LEVELS)}")
    return value


Resolved = dict[str, tuple[str, dict[str, Any]]]  # policy -> (enforcement level, properties)


def _all_level(value: Any, source: str) -> str:
    """The enforcement level ``"all"`` sets: a level, or ``{"enforcementLevel": level}``."""
    if isinstance(value, dict):
        unknown = sorted(set(value) - {"enforcementLevel"})
        if unknown:
            raise PackConfigError(f"{source}: policy 'all': unknown property '{unknown[0]}' "
                                  f"(only enforcementLevel applies to all policies)")
        value = value.get("enforcementLevel")
    return _level(value, f"{source}: policy 'all'")


def _policy_setting(policy: PolicyInfo, value: Any, current: tuple[str, dict[str, Any]],
                    where: str) -> tuple[str, dict[str, Any]]:
    """One policy's entry of the config applied over ``current``: a level, or an object of the level and
    properties the policy's schema knows."""
    level, props = current
    if isinstance(value, str):
        return _level(value, where), props
    if not isinstance(value, dict):
        raise PackConfigError(f"{where}: the value must be an enforcement level or an object")
    given = dict(value)
    if "enforcementLevel" in given:
        level = _level(given.pop("enforcementLevel"), where)
    known = set(policy.config_schema.get("properties", {}))
    for prop in given:
        if prop not in known:
            raise PackConfigError(f"{where}: unknown property '{prop}' (known: {', '.join(sorted(known)) or 'none'})")
    return level, {**props, **given}


def _validate_properties(info: PackInfo, resolved: Resolved, source: str) -> None:
    """Each policy's resolved properties against its config schema (jsonschema), as the CLI checks them."""
    for policy in info.policies:
        schema = policy.config_schema
        if not schema:
            continue
        errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(resolved[policy.name][1]),
                        key=lambda e: list(e.path))
        if errors:
            error = errors[0]
            prop = error.path[0] if error.path else ""
            raise PackConfigError(f"{source}: policy '{policy.name}': property '{prop}': {error.message}")


def resolve_pack_config(info: PackInfo, pack_config: dict[str, Any], source: str = "<inline>") -> Resolved:
    """Check a ``--policy-pack-config`` document against the pack and resolve it like the CLI, in three
    stages: schema defaults, then ``"all"``'s enforcement level, then each policy's level and properties;
    then each policy's properties are validated against its config schema."""
    if not isinstance(pack_config, dict):
        raise PackConfigError(f"{source}: the policy pack config must be a JSON object")
    by_name = {p.name: p for p in info.policies}
    resolved: Resolved = {
        p.name: (p.enforcement_level, {k: v["default"] for k, v in p.config_schema.get("properties", {}).items()
                                       if "default" in v})
        for p in info.policies}
    if "all" in pack_config:
        level = _all_level(pack_config["all"], source)
        resolved = {name: (level, props) for name, (_, props) in resolved.items()}
    for name, value in pack_config.items():
        if name == "all":
            continue
        where = f"{source}: policy '{name}'"
        if name not in by_name:
            raise PackConfigError(f"{where}: unknown policy (the pack {info.name} has no policy of that name)")
        resolved[name] = _policy_setting(by_name[name], value, resolved[name], where)
    _validate_properties(info, resolved, source)
    return resolved


__all__ = [
    "crash_summary",
    "AnalyzeResult", "AnalyzerResource", "Diagnostic", "PackConfigError", "PackInfo", "PackProcessError",
    "PolicyInfo", "PolicyPackProcess", "analyze_request", "analyze_stack_request", "configure_request",
    "pack_interpreter", "resolve_pack_config",
]
