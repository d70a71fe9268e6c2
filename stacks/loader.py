"""Load and validate a stack's config -- from a stack file (offline) or from the Pulumi runtime.

Both paths end in :func:`validate_namespace`, so the CLI and the offline gate accept and reject the same
config with the same message: every problem at once, each with file, key path, value and expectation.
Secret values are never decrypted offline and never printed: offline they become opaque placeholders.
"""

from __future__ import annotations

import hashlib
import json
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from pydantic import BaseModel, SecretStr, ValidationError

from stacks.models import PROJECT, StackConfig
from stacks.safe_yaml import InputFileError, check_regular_file, load_yaml, visible
from stacks.schema import SCHEMA_PATH, load_committed_schema

NAMESPACE = f"{PROJECT}:"
# Keys outside our namespace that a stack file may carry (Pulumi's own settings).
ALLOWED_FOREIGN_KEYS = ("pulumi:disable-default-providers", "pulumi:tags")


class StackConfigError(Exception):
    """Invalid or unreadable stack config. ``str()`` is the complete, user-facing message."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        # Keys and values from the file, shown escaped (a zero-width space in a key would read as the valid key);
        # the real CLI prints this message too, not only the gate.
        problems = [visible(p, limit=2000) for p in problems]
        self.problems = problems
        count = f"{len(problems)} problem" + ("s" if len(problems) != 1 else "")
        super().__init__(f"Invalid stack config in {source} ({count}):\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class LoadedStack:
    """A validated stack file, ready to feed the Pulumi runtime (real or mocked)."""

    name: str
    path: Path
    config: StackConfig
    # The flat ``PULUMI_CONFIG`` map the CLI would hand the program: structured values as JSON strings,
    # secrets replaced by opaque placeholders.
    pulumi_config: dict[str, str] = field(repr=False)
    secret_keys: tuple[str, ...] = ()
    # Where each top-level key sits in the file (1-based line), for report locations.
    key_lines: dict[str, int] = field(default_factory=dict, repr=False)


REDACTED = "[secret]"
PLACEHOLDER_PREFIX = "offline-secret-"


def _carries_secret(value: Any) -> bool:
    """A ``secure:`` entry, its placeholder, or a SecretStr anywhere inside ``value``."""
    if isinstance(value, SecretStr):
        return True
    if isinstance(value, dict):
        return "secure" in value or any(_carries_secret(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_carries_secret(v) for v in value)
    return isinstance(value, str) and value.startswith(PLACEHOLDER_PREFIX)


def _related(path: str, other: str) -> bool:
    """``path`` is ``other``, inside it, or contains it."""
    return any(a == b or a.startswith(b + ".") or a.startswith(b + "[") for a, b in ((path, other), (other, path)))


def conceals(path: str, value: Any, hidden: set[str]) -> bool:
    """Whether an error message must not show the value at ``path``: a secret-typed path (or one around or
    inside it), a path that held a ``secure:`` entry, anything under a ``secure`` key, or a value that
    carries a secret -- whatever the value's type (a list or a number given for a secret is still one)."""
    parts = path.replace("[", ".").split(".")
    return "secure" in parts or _carries_secret(value) or any(_related(path, p) for p in hidden)


def _leaves(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in _leaves(v)]
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return [str(value)] if value is not None and not isinstance(value, bool) else []


def _without(message: str, value: Any) -> str:
    """``message`` with every textual leaf of ``value`` (4+ characters) replaced by the redaction marker."""
    for leaf in sorted(_leaves(value), key=len, reverse=True):
        if len(leaf) >= 4:
            message = message.replace(leaf, REDACTED)
    return message


def _shorten(value: Any) -> str:
    if _carries_secret(value):
        return REDACTED
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _key_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if not (isinstance(p, str) and p.startswith("function-"))]
    if not parts:
        return PROJECT
    head, rest = parts[0], parts[1:]
    return NAMESPACE + head + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in rest)


def _problems_from_pydantic(err: ValidationError, secret_paths: set[str],
                            secure_paths: frozenset[str] = frozenset()) -> list[str]:
    problems = []
    hidden = secret_paths | secure_paths
    for e in err.errors(include_url=False):
        path = _key_path(e["loc"])
        if e["type"] == "missing":
            hint = "a secret: pulumi config set --secret" if path in secret_paths else "a value"
            problems.append(f"{path}: missing (expected {hint})")
        elif e["type"] == "extra_forbidden":
            problems.append(f"{path}: unknown key (not part of the stack config model; check the spelling)")
        else:
            value = e.get("input")
            if conceals(path, value, hidden):  # a validator's message may quote the value too
                problems.append(f"{path} = {REDACTED}: {_without(e['msg'], value)}")
            else:
                problems.append(f"{path} = {_shorten(value)}: {e['msg']}")
    return problems


def _holds_secret(annotation: Any) -> bool:
    """``annotation`` is SecretStr or a container of it (``dict[str, Secret]``, ``list[Secret] | None``)."""
    if annotation is SecretStr:
        return True
    return any(_holds_secret(arg) for arg in typing.get_args(annotation))


def secret_paths() -> set[str]:
    """Dotted key paths (``chatpdd-infra:app.smtp.password``) of every secret-bearing field in the model: a
    secret, or a map or list of secrets (``chatpdd-infra:app.external_api_keys``: every path inside it is
    concealed too, whatever the type of the value found there)."""
    paths: set[str] = set()

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, info in model.model_fields.items():
            ann = info.annotation
            path = f"{prefix}.{name}" if prefix else NAMESPACE + name
            if _holds_secret(ann):
                paths.add(path)
            elif isinstance(ann, type) and hasattr(ann, "model_fields"):
                walk(ann, path)

    walk(StackConfig, "")
    return paths


def validate_namespace(values: dict[str, Any], source: str,
                       secure_paths: frozenset[str] = frozenset()) -> StackConfig:
    """Validate the ``chatpdd-infra:*`` keys (namespace stripped, structured values parsed).
    ``secure_paths``: key paths whose value came from a ``secure:`` entry (never shown in a message)."""
    try:
        return StackConfig.model_validate(values)
    except ValidationError as err:
        raise StackConfigError(source, _problems_from_pydantic(err, secret_paths(), secure_paths)) from None


def _placeholder(key_path: str) -> str:
    # Opaque, stable per key, and derived from the key only (never from the ciphertext).
    return "offline-secret-" + hashlib.sha256(key_path.encode()).hexdigest()[:16]


def _replace_secure(value: Any, path: str, found: list[str]) -> Any:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            found.append(path)
            return _placeholder(path)
        return {k: _replace_secure(v, f"{path}.{k}", found) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_secure(v, f"{path}[{i}]", found) for i, v in enumerate(value)]
    return value


def _expectation(err: jsonschema.ValidationError) -> str:
    """What the schema expected, in words that never quote the instance."""
    kind: Any = err.validator
    expected: Any = err.validator_value
    instance: Any = err.instance
    if isinstance(instance, dict) and "secure" in instance:
        return ("a `secure:` value where the model expects plaintext: this key is not a secret; write the "
                "value itself (secret keys are listed in docs/config-reference.md)")
    if kind == "type":
        return f"expected {' or '.join(expected) if isinstance(expected, list) else expected}"
    if kind == "enum":
        return "expected one of " + ", ".join(json.dumps(v) for v in expected)
    if kind in ("minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                "minItems", "maxItems", "pattern", "format", "const"):
        return f"expected {kind} {json.dumps(expected)}"
    return f"does not match the schema ({kind})"


def _schema_problems(document: Any, hidden: set[str] | None = None) -> list[tuple[str, str]]:
    """(key path, message) for every place the file breaks the committed JSON Schema. The value is never
    quoted where :func:`conceals` says so (jsonschema's own messages quote it)."""
    hidden = secret_paths() if hidden is None else hidden
    validator = jsonschema.Draft202012Validator(load_committed_schema())
    problems: list[tuple[str, str]] = []
    for err in validator.iter_errors(document):
        loc = list(err.absolute_path)
        loc = loc[1:] if loc[:1] == ["config"] else loc
        where = (str(loc[0]) + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[1:])) if loc else ""
        if err.validator == "additionalProperties":
            if where and any(where == h or where.startswith(h + ".") for h in hidden if h.startswith(NAMESPACE)):
                continue  # a mapping given for a secret: its type error says it (and its keys are no schema's)
            for extra in sorted(set(err.instance) - set(err.schema.get("properties", {}))):
                path = f"{where}.{extra}" if where else extra
                hint = ("" if where else f" (config keys live under '{NAMESPACE}'; providers are configured "
                        f"through {NAMESPACE}aws, {NAMESPACE}app and {NAMESPACE}cache)")
                problems.append((path, f"{path}: unknown key{hint}"))
        elif err.validator == "required" and err.validator_value != ["secure"]:
            for missing in [k for k in err.validator_value if k not in err.instance]:
                path = f"{where}.{missing}" if where else missing
                problems.append((path, f"{path}: missing (expected a value)"))
        elif err.schema.get("required") == ["secure"] or (err.validator == "type" and "secure" in err.schema.get("properties", {})):
            problems.append((where, f"{where}: must be a secret (`pulumi config set --secret --path "
                                    f"'{where.removeprefix(NAMESPACE)}' <value>`), not plaintext"))
        elif conceals(where, err.instance, hidden):
            problems.append((where, f"{where} = {REDACTED}: {_expectation(err)}"))
        elif err.validator in ("maxItems", "maxProperties", "maxLength"):  # jsonschema's message quotes it all
            problems.append((where, f"{where}: {_expectation(err)}"))
        else:
            problems.append((where, f"{where or '(top level)'}: {err.message}"))
    return problems


def _merge(model_problems: list[str], schema_problems: list[tuple[str, str]]) -> list[str]:
    # Schema and model often see the same fault: keep the model's message (it shows the value) and add
    # what only the schema sees (plaintext secrets, keys outside the namespace).
    seen = {p.split(" = ", 1)[0].split(": ", 1)[0] for p in model_problems}
    return model_problems + [msg for path, msg in schema_problems if visible(path, limit=2000) not in seen]


def load_stack_file(path: Path) -> LoadedStack:
    """Read ``Pulumi.<stack>.yaml``, check it against the committed JSON Schema and the model."""
    path = Path(path)
    source = path.name
    try:  # bounded, no aliases, no duplicate keys (stacks/safe_yaml.py)
        document, text = load_yaml(path, source, aliases=False)
    except InputFileError as exc:
        raise StackConfigError(source, [exc.problem]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise StackConfigError(source, [f"{where}not valid YAML ({getattr(exc, 'problem', exc)})"]) from None
    if not isinstance(document, dict) or not isinstance(document.get("config"), dict):
        raise StackConfigError(source, ["expected a mapping with a 'config:' section"])

    raw = document["config"]
    found_secrets: list[str] = []
    namespace: dict[str, Any] = {}
    pulumi_config: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in raw.items():
        before = len(found_secrets)
        replaced = _replace_secure(value, key, found_secrets)
        if len(found_secrets) > before:
            secret_keys.append(key)
        pulumi_config[key] = replaced if isinstance(replaced, str) else json.dumps(replaced)
        if key.startswith(NAMESPACE):
            namespace[key[len(NAMESPACE):]] = replaced
    secure_paths = frozenset(found_secrets)
    schema_problems = _schema_problems(document, secret_paths() | secure_paths)
    model_problems: list[str] = []
    try:
        config = validate_namespace(namespace, source, secure_paths)
    except StackConfigError as err:
        model_problems = err.problems
    problems = _merge(model_problems, schema_problems)
    if problems:
        raise StackConfigError(source, problems)

    key_lines = _key_lines(text)
    return LoadedStack(
        name=path.stem.split(".", 1)[1] if path.stem.count(".") else path.stem,
        path=path,
        config=config,
        pulumi_config=pulumi_config,
        secret_keys=tuple(secret_keys),
        key_lines=key_lines,
    )


def _key_lines(text: str) -> dict[str, int]:
    """Line of every config key path (``chatpdd-infra:database.backup_retention_days`` -> 12)."""
    lines: dict[str, int] = {}

    def walk(node: yaml.Node, prefix: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                path = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
                lines[path] = key_node.start_mark.line + 1
                walk(value_node, path)

    root = yaml.compose(text)
    if isinstance(root, yaml.MappingNode):
        for key_node, value_node in root.value:
            if key_node.value == "config":
                walk(value_node, "")
    return lines


def find_stack_file(root: Path, stack: str) -> Path:
    """``Pulumi.<stack>.yaml`` under ``root``, or a clear error listing the stacks that exist."""
    path = Path(root) / f"Pulumi.{stack}.yaml"
    if path.is_symlink() and not path.is_file():  # a loop or a link to nothing is no missing stack
        try:
            check_regular_file(path, path.name)
        except InputFileError as exc:
            raise StackConfigError(path.name, [exc.problem]) from None
    if not path.is_file():
        known = sorted(p.name[len("Pulumi."):-len(".yaml")] for p in Path(root).glob("Pulumi.*.yaml"))
        raise StackConfigError(path.name, [f"no such stack '{stack}' (known stacks: {', '.join(known) or 'none'})"])
    return path


__all__ = [
    "LoadedStack",
    "SCHEMA_PATH",
    "StackConfigError",
    "find_stack_file",
    "load_stack_file",
    "secret_paths",
    "validate_namespace",
]
