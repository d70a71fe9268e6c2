"""Load the stack config inside a Pulumi program run (real CLI or mocks).

The program calls :func:`load` once, before it registers any resource. Invalid config raises
``pulumi.RunError`` with the full list of problems: the CLI prints the message without a traceback
and exits non-zero, and nothing has been registered (nothing half-applied).
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from stacks.loader import NAMESPACE, StackConfigError, secret_paths, validate_namespace
from stacks.models import StackConfig


def _all_config() -> dict[str, Any]:
    merged = dict(runtime_config.get_config_env())
    merged.update(runtime_config.CONFIG.get())
    return merged


def _secret_keys() -> set[str]:
    keys = set(runtime_config.get_config_secret_keys_env())
    return {k for k in _all_config() if k in keys or runtime_config.is_config_secret(k)}


def _parse(value: Any) -> Any:
    # Structured config reaches the program as JSON text; scalars stay strings (pydantic coerces them).
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def load() -> StackConfig:
    """The stack's config from the Pulumi runtime, validated; ``pulumi.RunError`` listing every problem."""
    stack = pulumi.get_stack()
    source = f"Pulumi.{stack}.yaml"
    values = {k[len(NAMESPACE):]: _parse(v) for k, v in _all_config().items() if k.startswith(NAMESPACE)}
    secret_top_keys = _secret_keys()
    try:
        # Here secrets arrive decrypted, and the CLI marks only whole top-level keys secret: no value under
        # such a key is ever quoted in an error (the key path and the expectation still are).
        config = validate_namespace(values, source, frozenset(k for k in secret_top_keys if k.startswith(NAMESPACE)))
    except StackConfigError as err:
        raise pulumi.RunError(str(err)) from None
    # A secret field set without --secret would sit in the stack file in plaintext: refuse it.
    plaintext = sorted(
        path for path in secret_paths()
        if path.split(".", 1)[0] not in secret_top_keys and _has_value(values, path)
    )
    if plaintext:
        raise pulumi.RunError(str(StackConfigError(source, [
            f"{path}: must be a secret (`pulumi config set --secret --path '{path[len(NAMESPACE):]}' ...`), not plaintext"
            for path in plaintext
        ])))
    return config


def _has_value(values: dict[str, Any], path: str) -> bool:
    node: Any = values
    for part in path[len(NAMESPACE):].split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return node is not None
