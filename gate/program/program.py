"""Run ``__main__.py`` under Pulumi mocks and capture every registered resource.

This is step 2 of the gate (config -> **program** -> resources -> policies -> report) and the
fixture of the program tests. The mock monitor records what the engine would see for each
``RegisterResource``: type, name, URN, parent, wire-form inputs (secrets still wrapped, unknowns as
sentinels), dependencies, property dependencies and resource options (protect, retainOnDelete,
ignoreChanges, additionalSecretOutputs, provider, ...). The stack's exported outputs are captured from
``RegisterResourceOutputs``.
"""

from __future__ import annotations

import contextvars
import json
import runpy
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.stack import wait_for_rpcs
from pulumi.runtime.sync_await import _sync_await

from gate.program.mocks import RealisticMocks
from stacks.loader import LoadedStack
from stacks.models import PROJECT

REPO_ROOT = Path(__file__).resolve().parents[2]
SECRET_SIG = "4dabf18193072939515e22adb298388d"  # pulumi.runtime.rpc._special_secret_sig
SECRET_VALUE_SIG = "1b47061264138c4ac30d75fd1eb44270"  # the value under SECRET_SIG that marks a secret
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # pulumi.runtime.rpc.UNKNOWN


@dataclass
class CapturedResource:
    """One resource as the engine would see it at registration."""
    urn: str
    type: str
    name: str
    custom: bool
    parent: str | None
    properties: dict[str, Any]  # wire form: exactly what the engine (and the policy pack) receives
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    protect: bool = False
    retain_on_delete: bool = False
    ignore_changes: list[str] = field(default_factory=list)
    additional_secret_outputs: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    provider: str | None = None
    id: str | None = None
    # The ``aliases`` option as the engine receives it: {"urn": ...} or {"spec": {name, type, stack, project,
    # parentUrn, noParent}} per alias (gate.review.changes resolves them to URNs).
    aliases: list[dict[str, Any]] = field(default_factory=list)
    replace_on_changes: list[str] = field(default_factory=list)  # the replaceOnChanges option
    # customTimeouts as the program wrote them (Go durations: "5m", "1h30m"), by create/update/delete.
    custom_timeouts: dict[str, str] = field(default_factory=dict)
    # The other options of the request, by the name of the classification table's options section (import,
    # deletedWith, version, pluginDownloadUrl, providers, replaceWith, replacementTrigger, hooks, hideDiffs,
    # transforms, dependsOn): only those that are set. gate/pack/options.py judges them.
    other_options: dict[str, Any] = field(default_factory=dict)
    # What the mocks answered (computed outputs such as arn). The mock monitor deserializes inputs before
    # the mocks see them, so secrets arrive here UNWRAPPED: never render these without the inputs' secret
    # wrapping (gate/export/stack_export.py does that).
    outputs: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def inputs(self) -> dict[str, Any]:
        """Plain inputs: secrets unwrapped. For assertions only -- never print this."""
        plain: dict[str, Any] = unwrap(self.properties)
        return plain


@dataclass
class ProgramRun:
    """Every resource a program run registered, its outputs and its log."""
    stack: str
    resources: list[CapturedResource]
    outputs: dict[str, Any]  # wire form
    log: list[tuple[str, str]]  # (severity, message) from pulumi.log.*

    def by_type(self, type_: str) -> list[CapturedResource]:
        """The resources of one type, in registration order."""
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str, name: str | None = None) -> CapturedResource:
        """The one resource of ``type_`` (and ``name``); AssertionError unless there is exactly one."""
        found = [r for r in self.by_type(type_) if name is None or r.name == name]
        if len(found) != 1:
            raise LookupError(f"expected one {type_}{' named ' + name if name else ''}, found {len(found)}: "
                              f"{[r.name for r in found]}")
        return found[0]

    def by_urn(self) -> dict[str, CapturedResource]:
        """The resources by URN."""
        return {r.urn: r for r in self.resources}


def is_secret(value: Any) -> bool:
    """Whether ``value`` is a secret-wrapped wire value."""
    return isinstance(value, dict) and value.get(SECRET_SIG) == SECRET_VALUE_SIG


def unwrap(value: Any) -> Any:
    """``value`` with every secret wrapper removed (for assertions; never print the result)."""
    if is_secret(value):
        return unwrap(value.get("value"))
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


class CapturingMonitor(pulumi_mocks.MockMonitor):
    """The mock monitor, plus a record of each registration's request (options included)."""

    def __init__(self, mocks: pulumi.runtime.Mocks, on_register: Callable[[CapturedResource], None] | None = None):
        super().__init__(mocks)
        self.captured: list[CapturedResource] = []
        # Called with each resource as it registers: the offline gate sends it to the policy pack right
        # away, as the engine calls Analyze at registration (must not raise; it runs on the program's path).
        self.on_register = on_register

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The URN the engine gives: the root stack is left out of a child's type chain."""
        # `...::chatpdd:components:Cache::cache`; the SDK's mock monitor writes
        # `...::pulumi:pulumi:Stack$chatpdd:components:Cache::cache`, so every top-level URN, and every parent and
        # provider reference to one, differed from a real stack's (found by tests/engine/test_preview.py).
        if parent and parent.split("::")[2] == "pulumi:pulumi:Stack":
            parent = ""
        urn: str = super().make_urn(parent, type_, name)
        return urn

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        """Register as the mock monitor does, and record the request's type, inputs and options."""
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]  # untyped in the SDK
        if request.type == "pulumi:pulumi:Stack":
            return response
        self.captured.append(CapturedResource(
            urn=response.urn,
            type=request.type,
            name=request.name,
            custom=request.custom,
            parent=request.parent or None,
            properties=json_format.MessageToDict(request.object),
            dependencies=list(request.dependencies),
            property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
            ignore_changes=list(request.ignoreChanges),
            additional_secret_outputs=list(request.additionalSecretOutputs),
            delete_before_replace=bool(request.deleteBeforeReplace),
            provider=request.provider or None,
            id=response.id or None,
            aliases=[json_format.MessageToDict(a) for a in request.aliases]
            + [{"urn": urn} for urn in request.aliasURNs],
            replace_on_changes=list(request.replaceOnChanges),
            custom_timeouts=_timeouts(request),
            other_options=_other_options(request),
            outputs=json_format.MessageToDict(response.object),
        ))
        if self.on_register is not None:
            self.on_register(self.captured[-1])
        return response


def _timeouts(request: Any) -> dict[str, str]:
    if not request.HasField("customTimeouts"):
        return {}
    t = request.customTimeouts
    return {k: v for k, v in (("create", t.create), ("update", t.update), ("delete", t.delete)) if v}


def _other_options(request: Any) -> dict[str, Any]:
    """The request's other options that are set, by the classification table's option names."""
    found: dict[str, Any] = {
        "import": request.importId, "deletedWith": request.deletedWith, "version": request.version,
        "pluginDownloadUrl": request.pluginDownloadURL, "providers": dict(request.providers),
        "replaceWith": list(request.replace_with), "hideDiffs": list(request.hideDiffs),
        "transforms": len(request.transforms), "dependsOn": list(request.dependencies),
        "replacementTrigger": (json_format.MessageToDict(request.replacement_trigger)
                               if request.HasField("replacement_trigger") else None),
        "hooks": (json_format.MessageToDict(request.hooks) if request.HasField("hooks") else None),
    }
    return {k: v for k, v in found.items() if v}


class _Logger:
    def __init__(self) -> None:
        self.records: list[tuple[str, str]] = []

    def _add(self, severity: str, msg: str, *args: Any, **_: Any) -> None:
        if severity != "debug":  # the runtime's own registration chatter
            self.records.append((severity, msg % args if args else msg))

    def debug(self, msg: str, *a: Any, **k: Any) -> None: self._add("debug", msg, *a, **k)  # noqa: E704, D102
    def info(self, msg: str, *a: Any, **k: Any) -> None: self._add("info", msg, *a, **k)  # noqa: E704, D102
    def warning(self, msg: str, *a: Any, **k: Any) -> None: self._add("warning", msg, *a, **k)  # noqa: E704, D102
    def error(self, msg: str, *a: Any, **k: Any) -> None: self._add("error", msg, *a, **k)  # noqa: E704, D102
    def exception(self, msg: str, *a: Any, **k: Any) -> None: self._add("error", msg, *a, **k)  # noqa: E704, D102


def _run(loaded: LoadedStack, program: Path | Callable[[], None], preview: bool,
         on_register: Callable[[CapturedResource], None] | None = None) -> ProgramRun:
    cfg = loaded.config
    mocks = RealisticMocks(account_id=cfg.aws.allowed_account_ids[0], region=cfg.aws.region)
    monitor = CapturingMonitor(mocks, on_register)
    logger = _Logger()
    pulumi_settings.reset_options(project=PROJECT, stack=loaded.name, preview=preview)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=loaded.name, preview=preview, monitor=monitor,
                             logger=logger)  # type: ignore[arg-type]
    set_all_config(dict(loaded.pulumi_config), list(loaded.secret_keys))
    root = str(REPO_ROOT if callable(program) else program.parent)
    added = root not in sys.path
    if added:
        sys.path.insert(0, root)
    try:
        if callable(program):
            program()
        else:
            runpy.run_path(str(program), run_name="__main__")
        _sync_await(wait_for_rpcs())
        # Under mocks the root stack registered its (empty) outputs before the program ran, so the
        # exports are read from the root resource and serialized the way the engine would receive them.
        root_stack = pulumi_settings.get_root_resource()
        exported = getattr(root_stack, "outputs", {}) or {}
        outputs = json_format.MessageToDict(_sync_await(rpc.serialize_properties(exported, {})))
    finally:
        if added:
            sys.path.remove(root)
    # Registration order is asynchronous; sort so every report and export is deterministic.
    return ProgramRun(stack=loaded.name, resources=sorted(monitor.captured, key=lambda r: r.urn), outputs=outputs,
                      log=logger.records)


def run_program(loaded: LoadedStack, program: Path | None = None, preview: bool = True,
                on_register: Callable[[CapturedResource], None] | None = None) -> ProgramRun:
    """Run the program for one stack under mocks, isolated from any earlier run in this process.
    ``on_register`` sees each resource as it registers (see :class:`CapturingMonitor`)."""
    program = program or REPO_ROOT / "__main__.py"
    # The Pulumi runtime keeps its state in context variables: a fresh context per run keeps
    # production and staging (and repeated test runs) from seeing each other's resources.
    return contextvars.Context().run(_run, loaded, program, preview, on_register)


def run_function(loaded: LoadedStack, program: Callable[[], None], preview: bool = True) -> ProgramRun:
    """Run a function as the program (component tests build one component with the stack's config)."""
    return contextvars.Context().run(_run, loaded, program, preview)


def outputs_json(run: ProgramRun) -> str:
    """Stack outputs as `pulumi stack output --json` would print them (secrets shown as [secret])."""
    def mask(value: Any) -> Any:
        if is_secret(value):
            return "[secret]"
        if isinstance(value, dict):
            return {k: mask(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mask(v) for v in value]
        return value
    return json.dumps(mask(run.outputs), indent=2, sort_keys=True)
