"""Render the config reference (docs/config-reference.md) from the models, so the docs match the code.

``python -m stacks.reference`` rewrites it; a test fails when the committed page is stale.
"""

from __future__ import annotations

import sys
import typing
from pathlib import Path

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from stacks.models import PROJECT, StackConfig

REFERENCE_PATH = Path(__file__).resolve().parent.parent / "docs" / "config-reference.md"


def _type_name(annotation: typing.Any) -> str:
    if annotation is SecretStr:
        return "secret"
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in typing.get_args(annotation))
    if origin in (list, tuple):
        return f"list of {_type_name(typing.get_args(annotation)[0])}"
    if origin is dict:
        key, value = typing.get_args(annotation)
        return f"map {_type_name(key)} → {_type_name(value)}"
    if origin is typing.Annotated:
        return _type_name(typing.get_args(annotation)[0])
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        parts = [_type_name(a) for a in typing.get_args(annotation) if a is not type(None)]
        return " or ".join(parts) + " (optional)"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "section"
    return getattr(annotation, "__name__", str(annotation))


def _constraints(info: FieldInfo) -> str:
    bits = []
    for meta in info.metadata:
        for attr, sym in (("ge", "≥"), ("le", "≤"), ("gt", ">"), ("lt", "<"), ("min_length", "min items/length"),
                          ("max_length", "max items/length"), ("pattern", "pattern")):
            value = getattr(meta, attr, None)
            if value is not None:
                bits.append(f"{sym} `{value}`" if attr != "pattern" else f"pattern `{value}`")
    return ", ".join(bits)


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return "**required**"
    value = info.get_default(call_default_factory=True)
    if value is PydanticUndefined:
        return "**required**"
    if isinstance(value, BaseModel):
        return "(section defaults)"
    return f"`{value!r}`" if value not in (None, [], {}) else f"`{value}`"


def render() -> str:
    """docs/config-reference.md, generated from the models."""
    lines = [
        "# Stack config reference",
        "",
        "Generated from `stacks/models.py` by `python -m stacks.reference` — do not edit by hand. Every key lives",
        f"under the `{PROJECT}:` namespace of `Pulumi.<stack>.yaml`; unknown keys are errors. `secret` keys must be",
        "set with `pulumi config set --secret --path '<section>.<key>' <value>`. The JSON Schema of the whole file",
        "is `stacks/stack-config.schema.json`.",
        "",
    ]

    def section(model: type[BaseModel], path: str) -> None:
        doc = (model.__doc__ or "").strip().splitlines()
        lines.append(f"## `{path}`" + (f" — {doc[0]}" if doc else ""))
        lines.append("")
        lines.append("| key | type | default | constraints | description |")
        lines.append("|---|---|---|---|---|")
        nested = []
        for name, info in model.model_fields.items():
            ann = info.annotation
            desc = (info.description or "").replace("|", "\\|")
            lines.append(f"| `{name}` | {_type_name(ann)} | {_default(info)} | {_constraints(info)} | {desc} |")
            sub = _section_model(ann)
            if sub is not None:
                nested.append((sub, f"{path}.{name}"))
        lines.append("")
        for sub, sub_path in nested:
            section(sub, sub_path)

    section(StackConfig, PROJECT)
    return "\n".join(lines).rstrip() + "\n"


def _section_model(ann: object) -> type[BaseModel] | None:
    """The model of a section: ``Model`` or an optional ``Model | None`` (e.g. ``budget``)."""
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    models = [a for a in typing.get_args(ann) if isinstance(a, type) and issubclass(a, BaseModel)]
    return models[0] if len(models) == 1 and type(None) in typing.get_args(ann) else None


def main(argv: list[str]) -> int:
    """Write docs/config-reference.md."""
    REFERENCE_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {REFERENCE_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
