"""The input inventory: every input the program can set, read from the INSTALLED provider SDKs.

For every resource type the program registers (found by running ``__main__.py`` under the gate's mocks for
each committed stack), the SDK's resource-args class (``…Args`` / ``…InitArgs``, found in the resource's
``__init__``) is walked: every property under its wire name (camelCase, as policies see it), nested input
types recursively (``rules[].applyServerSideEncryptionByDefault.sseAlgorithm``: ``[]`` for a list element,
``{}`` for a map value). A leaf is a scalar, a list of scalars or a map of scalars (``tags``): the whole
value is one input. The resource options the engine accepts (:data:`RESOURCE_OPTIONS`) are listed too.

``python -m gate.inventory`` (part of ``make schema``) writes ``stacks/input-inventory.json``;
``--check`` exits 1 when it is stale; ``tests/policies/test_input_classes.py`` fails on a stale inventory,
and on any inventoried input or option without a row in the classification table
(``policies/chatpdd_policies/input_classes.yaml``). A provider upgrade that adds an input therefore shows
up in review twice: in the inventory's diff, and as a failing test until a reviewer classifies it.
"""

from __future__ import annotations

import collections.abc
import importlib
import inspect
import json
import re
import sys
import typing
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
TARGET = REPO_ROOT / "stacks" / "input-inventory.json"
STACKS = ("production", "staging")

# Pulumi package name of a type token -> the Python SDK module, and its distribution (for the version).
PACKAGES = {
    "aws": ("pulumi_aws", "pulumi-aws"),
    "vercel": ("pulumiverse_vercel", "pulumiverse-vercel"),
    "rediscloud": ("pulumi_rediscloud", "pulumi-rediscloud"),
    "random": ("pulumi_random", "pulumi-random"),
}

# Every resource option of the Pulumi Python SDK (pulumi.ResourceOptions), by the engine's name for it.
# The Analyzer protocol carries protect, ignoreChanges, deleteBeforeReplace, aliases, customTimeouts,
# additionalSecretOutputs, parent and the provider; the gate sees the rest from RegisterResource.
RESOURCE_OPTIONS = (
    "additionalSecretOutputs", "aliases", "customTimeouts", "deleteBeforeReplace", "deletedWith", "dependsOn",
    "hooks", "hideDiffs", "ignoreChanges", "import", "parent", "pluginDownloadUrl", "protect", "provider",
    "providers", "replaceOnChanges", "replaceWith", "replacementTrigger", "retainOnDelete", "transforms",
    "version",
)

STACK_TYPE = "pulumi:pulumi:Stack"
# Inputs the engine itself adds to every provider resource's inputs (pkg/resource/deploy/providers: the plugin
# version and download URL it resolved), which the pack then sees beside the SDK's ProviderArgs.
ENGINE_PROVIDER_INPUTS = {"version": "scalar", "pluginDownloadURL": "scalar"}

_MAX_DEPTH = 12  # no registered type nests deeper; a recursive input type stops here


def registered_types() -> list[str]:
    """The resource types the program registers for any committed stack (under the gate's mocks)."""
    from gate.program.program import run_program
    from stacks.loader import load_stack_file

    found: set[str] = {STACK_TYPE}  # the engine analyzes the root stack resource too (no inputs)
    for stack in STACKS:
        run = run_program(load_stack_file(REPO_ROOT / f"Pulumi.{stack}.yaml"))
        found.update(r.type for r in run.resources)
    return sorted(found)


def resource_class(token: str) -> type | None:
    """The SDK class of a type token (``aws:rds/instance:Instance``, ``pulumi:providers:aws``); None for a
    component of this program (it has no SDK)."""
    if token == STACK_TYPE:
        return None
    if token.startswith("pulumi:providers:"):
        package = token.rsplit(":", 1)[1]
        module = importlib.import_module(PACKAGES[package][0])
        cls: type = module.Provider
        return cls
    package, _, rest = token.partition(":")
    if package not in PACKAGES:
        return None
    module_path, _, class_name = rest.partition(":")
    module_name = module_path.split("/", 1)[0]
    python_module = PACKAGES[package][0] + ("" if module_name == "index" else "." + module_name)
    cls = getattr(importlib.import_module(python_module), class_name)
    if f"'{token}'" not in inspect.getsource(cls._internal_init):  # type: ignore[attr-defined]
        raise LookupError(f"{python_module}.{class_name} does not register {token}")
    return cls


def args_class(cls: type) -> type:
    """The resource-args class a resource's ``__init__`` takes (``BucketArgs``, ``InstanceArgs``, …)."""
    source = inspect.getsource(vars(cls)["__init__"])
    match = re.search(r"get_resource_args_opts\((\w+),", source)
    if not match:
        raise LookupError(f"{cls.__module__}.{cls.__name__}: no resource-args class in its __init__")
    found: type = vars(sys.modules[cls.__module__])[match.group(1)]
    return found


def _members(typ: Any) -> list[Any]:
    """The meaningful members of a (possibly nested) Union: no None, Awaitable, Output or bare dict."""
    from pulumi import Output

    if typing.get_origin(typ) is typing.Union:
        out: list[Any] = []
        for arg in typing.get_args(typ):
            out += _members(arg)
        return out
    origin = typing.get_origin(typ)
    if typ is type(None) or origin in (collections.abc.Awaitable, typing.Awaitable) or origin is Output:
        return []
    if typ is dict or typ is Output:
        return []
    return [typ]


def _walk(typ: Any, path: str, out: dict[str, str], depth: int, seen: tuple[type, ...]) -> None:
    """Add the leaf paths of an input of type ``typ`` at ``path`` to ``out`` (path -> kind)."""
    from pulumi import _types

    members = _members(typ)
    objects = [m for m in members if isinstance(m, type) and _types.is_input_type(m)]
    if objects and str in members:  # a JSON document given as a string or as a typed object (IAM policies):
        out[path] = "scalar"  # the program sends the string; it is one value
        return
    if objects:
        obj = objects[0]
        if obj in seen or depth >= _MAX_DEPTH:
            out[path] = "object"  # recursive type: judged as one value below this depth
            return
        for name, sub in sorted(_types.input_type_types(obj).items()):
            _walk(sub, f"{path}.{name}" if path else name, out, depth + 1, (*seen, obj))
        return
    for m in members:
        origin = typing.get_origin(m)
        if origin in (list, collections.abc.Sequence, typing.Sequence):
            inner: dict[str, str] = {}
            _walk(typing.get_args(m)[0] if typing.get_args(m) else Any, f"{path}[]", inner, depth + 1, seen)
            if list(inner) == [f"{path}[]"]:  # a list of scalars is one value
                out[path] = "list"
            else:
                out.update(inner)
            return
        if origin in (dict, collections.abc.Mapping, typing.Mapping):
            args = typing.get_args(m)
            inner = {}
            _walk(args[1] if len(args) == 2 else Any, f"{path}{{}}", inner, depth + 1, seen)
            if list(inner) == [f"{path}{{}}"]:  # a map of scalars (tags, headers) is one value
                out[path] = "map"
            else:
                out.update(inner)
            return
    out[path] = "scalar"


def inputs_of(cls: type) -> dict[str, str]:
    """Leaf input path -> kind (scalar, list, map, object) of a resource class."""
    from pulumi import _types

    out: dict[str, str] = {}
    for name, typ in sorted(_types.input_type_types(args_class(cls)).items()):
        _walk(typ, name, out, 1, ())
    return dict(sorted(out.items()))


def build(types: list[str]) -> dict[str, Any]:
    """The inventory document for ``types``."""
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    doc: dict[str, Any] = {
        "generated_by": "python -m gate.inventory (make schema); do not edit",
        "sdks": {dist: metadata.version(dist) for _, dist in PACKAGES.values()},
        "options": list(RESOURCE_OPTIONS),
        "types": {},
    }
    for token in types:
        cls = resource_class(token)
        if cls is None:
            doc["types"][token] = {"sdk_class": None, "inputs": {}}
            continue
        args = args_class(cls)
        inputs = inputs_of(cls)
        if token.startswith("pulumi:providers:"):
            inputs = dict(sorted({**inputs, **ENGINE_PROVIDER_INPUTS}.items()))
        doc["types"][token] = {"sdk_class": f"{args.__module__}.{args.__qualname__}", "inputs": inputs}
    return doc


def render(types: list[str]) -> str:
    """The inventory file's text."""
    return json.dumps(build(types), indent=1, sort_keys=False) + "\n"


def load() -> dict[str, Any]:
    """The committed inventory."""
    loaded: dict[str, Any] = json.loads(TARGET.read_text(encoding="utf-8"))
    return loaded


def main(argv: list[str]) -> int:
    """Write the inventory, or with ``--check`` exit 1 when the committed one is stale."""
    if argv[1:] not in ([], ["--check"]):
        print("usage: python -m gate.inventory [--check]", file=sys.stderr)
        return 2
    text = render(registered_types())
    if argv[1:] == ["--check"]:
        if not TARGET.is_file() or TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET} is stale: run `python -m gate.inventory` (make schema)", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
