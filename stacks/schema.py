"""The JSON Schema of a stack file, generated from the pydantic models and committed.

``python -m stacks.schema`` rewrites ``stacks/stack-config.schema.json``; the tests fail when the
committed file differs from what the models generate (a stale schema), and validate every
``Pulumi.*.yaml`` against it. Editors can use it too (YAML language server: ``# yaml-language-server:
$schema=stacks/stack-config.schema.json``).
"""

from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).with_name("stack-config.schema.json")


def generate() -> dict[str, Any]:
    """The JSON Schema of a stack file, generated from the models."""
    from stacks.models import PROJECT, StackConfig  # local: the loader imports this module early

    model = StackConfig.model_json_schema(mode="validation", ref_template="#/$defs/{model}")
    defs = model.pop("$defs", {})
    properties = {f"{PROJECT}:{name}": sub for name, sub in model["properties"].items()}
    properties["pulumi:disable-default-providers"] = {
        "type": "array",
        "items": {"type": "string"},
        "maxItems": 20,  # bounded like every list of the config (stacks/models.py): a few package names at most
        "description": "Pulumi's switch that refuses implicit default providers; the program uses explicit ones.",
    }
    # AWS takes at most 50 tags on a resource.
    properties["pulumi:tags"] = {"type": "object", "additionalProperties": {"type": "string"}, "maxProperties": 50}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://chatpdd.example/schemas/stack-config.schema.json",
        "title": "chatpdd-infra stack file (Pulumi.<stack>.yaml)",
        "description": "Generated from stacks/models.py by `python -m stacks.schema`. Do not edit by hand.",
        "type": "object",
        "properties": {
            "secretsprovider": {"type": "string"},
            "encryptedkey": {"type": "string"},
            "encryptionsalt": {"type": "string"},
            "config": {
                "type": "object",
                "properties": properties,
                "required": [f"{PROJECT}:{name}" for name in model.get("required", [])],
                "additionalProperties": False,
            },
        },
        "required": ["config"],
        "additionalProperties": False,
        "$defs": defs,
    }


def render() -> str:
    """The schema as the committed file's text."""
    return json.dumps(generate(), indent=2, sort_keys=True) + "\n"


@lru_cache(maxsize=1)
def load_committed_schema() -> dict[str, Any]:
    """The committed stacks/stack-config.schema.json."""
    committed: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return committed


def main(argv: list[str]) -> int:
    """Write the committed schema, or with ``--check`` exit 1 if it is stale."""
    if argv[1:] == ["--check"]:
        if SCHEMA_PATH.read_text(encoding="utf-8") != render():
            print(f"{SCHEMA_PATH} is stale: run `python -m stacks.schema`", file=sys.stderr)
            return 1
        return 0
    SCHEMA_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
