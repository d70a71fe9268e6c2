"""The classification table (``input_classes.yaml`` beside this module), compiled once for fast lookups.

The pack runs in its own process with ``policies/`` as working directory; the table is read from this
package's folder (data next to the module, no import of ``stacks/``). It is parsed and compiled once, at
import: per type a dict ``path -> Row`` and the set of inner paths (objects, list elements ``[]``, map
values ``{}``) that lead to rows, so judging a resource is one walk of its inputs with set/dict lookups
(no pass over the table per resource).

Row kinds (the file's header says what each means): ``default``, ``enforced``, ``harmless``, ``equals``,
``one_of``, ``at_least``, ``at_most``, ``matches``; for options also ``reviewed`` and
``harmless_paths_only``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import yaml

from chatpdd_policies._util import MISSING, UNKNOWN, lookup

TABLE_PATH = Path(__file__).resolve().parent / "input_classes.yaml"
TABLE_NAME = "policies/chatpdd_policies/input_classes.yaml"

# Kinds under which any value passes here (another policy, or the change review, judges it).
PASSING_KINDS = frozenset({"enforced", "harmless", "reviewed"})
VALUE_KINDS = frozenset({"default", "equals", "one_of", "at_least", "at_most", "matches"})
OPTION_KINDS = PASSING_KINDS | VALUE_KINDS | {"harmless_paths_only"}


class TableError(ValueError):
    """The table file is malformed (the message names the type, path and problem)."""


@dataclass(frozen=True)
class Row:
    """One classified input (or option): its kind and argument."""
    kind: str
    arg: Any = None

    def describe(self) -> str:
        """The row as written in the table (for messages)."""
        return "default" if self.kind == "default" else f"{{{self.kind}: {_show(self.arg)}}}"

    def problem(self, value: Any) -> Optional[str]:
        """What is wrong with a known ``value`` (None if it satisfies the row). MISSING is the provider default."""
        kind, arg = self.kind, self.arg
        if kind in PASSING_KINDS or kind == "harmless_paths_only":
            return None
        if kind == "default":
            return None if value is MISSING else "is set, but the table requires the provider default (absent)"
        if value is MISSING:
            if kind == "one_of" and "default" in arg:
                return None
            return f"is absent (the provider default), but the table requires {self.describe()}"
        if kind == "equals":
            return None if _same(value, arg) else f"is {_shown_value(value)}, but the table requires {_show(arg)}"
        if kind == "one_of":
            return (None if any(_same(value, a) for a in arg)
                    else f"is {_shown_value(value)}, but the table allows only {', '.join(_show(a) for a in arg)}")
        if kind in ("at_least", "at_most"):
            number = _number(value)
            if number is None:
                return f"is not a number, but the table requires {self.describe()}"
            ok = number >= arg if kind == "at_least" else number <= arg
            return None if ok else f"is {_shown_value(value)}, but the table requires {self.describe()}"
        if kind == "matches":
            return (None if isinstance(value, str) and re.fullmatch(arg, value)
                    else f"does not match {_show(arg)}, which the table requires")
        raise TableError(f"unknown row kind {kind!r}")


def _number(value: Any) -> Optional[float]:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        number = float(str(value))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _same(value: Any, expected: Any) -> bool:
    """Wire equality: booleans only equal booleans (True is not 1.0), numbers by value."""
    if isinstance(expected, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(expected, bool) and value is expected
    return bool(value == expected)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


def _shown_value(value: Any) -> str:
    """A set value as a message may show it: booleans and numbers only (a string could be a secret)."""
    if isinstance(value, (bool, int, float)):
        return _show(value)
    return "another value"


def _row(spec: Any, where: str, kinds: frozenset[str]) -> Row:
    if spec == "default":
        return Row("default")
    if not isinstance(spec, Mapping) or len(spec) != 1:
        raise TableError(f"{TABLE_NAME}: {where}: expected `default` or a one-key mapping ({', '.join(sorted(kinds))})")
    ((kind, arg),) = spec.items()
    if kind not in kinds or kind == "default":
        raise TableError(f"{TABLE_NAME}: {where}: unknown kind {kind!r}; expected one of {', '.join(sorted(kinds))}")
    if kind in ("at_least", "at_most") and _number(arg) is None:
        raise TableError(f"{TABLE_NAME}: {where}: {kind} needs a number")
    if kind == "one_of" and (not isinstance(arg, list) or not arg):
        raise TableError(f"{TABLE_NAME}: {where}: one_of needs a non-empty list")
    if kind in ("enforced", "harmless", "reviewed") and (not isinstance(arg, str) or not arg.strip()):
        raise TableError(f"{TABLE_NAME}: {where}: {kind} needs a policy name or a reason")
    if kind == "matches":
        try:
            re.compile(arg)
        except (re.error, TypeError) as err:
            raise TableError(f"{TABLE_NAME}: {where}: matches needs a regular expression ({err})") from None
    return Row(kind, arg)


@dataclass(frozen=True)
class TypeTable:
    """The compiled rows of one resource type."""
    rows: dict[str, Row]
    inner: frozenset[str]  # every proper prefix of a row path ("rules", "rules[]", "rules[].expiration", ...)
    strict_below: frozenset[str]  # inner paths with a value row (not enforced/harmless) under them

    def ignorable(self, path: str) -> bool:
        """Whether ignoreChanges may name ``path``: its row, or every row below it, is harmless."""
        if path in self.rows:
            return self.rows[path].kind == "harmless"
        for prefix in _prefixes(path):  # a key of a map input (tags["Name"]): the map's row decides
            if prefix in self.rows:
                return self.rows[prefix].kind == "harmless"
        below = [row for p, row in self.rows.items() if p.startswith(path) and p[len(path):][:1] in (".", "[", "{")]
        return bool(below) and all(row.kind == "harmless" for row in below)


def _prefixes(path: str) -> list[str]:
    """``rules[].expiration.days`` -> ``rules``, ``rules[]``, ``rules[].expiration``."""
    out = []
    for i, ch in enumerate(path):
        if ch in ".[{" and i:
            out.append(path[:i])
        if ch in "]}":
            out.append(path[:i + 1])
    return [p for p in dict.fromkeys(out) if p != path]


def compile_table(doc: Any) -> tuple[dict[str, TypeTable], dict[str, Row]]:
    """The parsed YAML document -> (type token -> TypeTable, option name -> Row)."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("types"), Mapping) or not isinstance(doc.get("options"), Mapping):
        raise TableError(f"{TABLE_NAME}: expected a mapping with `options` and `types`")
    options = {str(name): _row(spec, f"options.{name}", OPTION_KINDS) for name, spec in doc["options"].items()}
    types: dict[str, TypeTable] = {}
    for token, rows in doc["types"].items():
        if rows is None:
            rows = {}
        if not isinstance(rows, Mapping):
            raise TableError(f"{TABLE_NAME}: types.{token}: expected a mapping of input path to row")
        compiled = {str(p): _row(spec, f"types.{token}.{p}", VALUE_KINDS | PASSING_KINDS - {"reviewed"})
                    for p, spec in rows.items()}
        inner: set[str] = set()
        strict: set[str] = set()
        for path, row in compiled.items():
            prefixes = _prefixes(path)
            inner.update(prefixes)
            if row.kind in VALUE_KINDS:
                strict.update(prefixes)
        types[str(token)] = TypeTable(compiled, frozenset(inner), frozenset(strict))
    return types, options


def load_table(path: Path = TABLE_PATH) -> tuple[dict[str, TypeTable], dict[str, Row]]:
    """Read and compile the table file."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, encoding="utf-8") as handle:
        return compile_table(yaml.load(handle, Loader=loader))  # noqa: S506 - a safe loader


TYPES, OPTIONS = load_table()


@dataclass(frozen=True)
class Finding:
    """One input that breaks the table: its table path and what is wrong (a phrase after the path)."""
    path: str
    problem: str
    row: Optional[Row]  # None: no row classifies the path


def judge_inputs(table: TypeTable, props: Any) -> list[Finding]:
    """Every input of ``props`` (a resource's inputs, the SDK's proxy or plain data) that has no row in
    ``table`` or breaks its row. Unknown values fail closed under value rows."""
    found: list[Finding] = []
    _walk(table, props, "", found)
    return sorted(found, key=lambda f: f.path)  # the wire's key order is not the program's


def _walk(table: TypeTable, value: Any, path: str, found: list[Finding]) -> None:
    row = table.rows.get(path) if path else None
    if row is not None:
        _judge(row, value, path, found)
        return
    if value is MISSING:
        return
    if path and path not in table.inner:
        found.append(Finding(path, "is set, but the table has no row for it", None))
    elif value is UNKNOWN:
        if path in table.strict_below:
            found.append(Finding(path, "is unknown at preview, so the table's rows below it cannot be verified", None))
    elif isinstance(value, Mapping):
        member = f"{path}{{}}"
        for key in value:
            child = f"{path}.{key}" if path else str(key)
            if child not in table.rows and child not in table.inner and (member in table.inner or member in table.rows):
                child = member
            _walk(table, lookup(value, key), child, found)
    elif isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        for i in range(len(value)):
            _walk(table, lookup(value, i), f"{path}[]", found)
    else:
        found.append(Finding(path, "is a single value where the table expects an object or a list", None))


def _judge(row: Row, value: Any, path: str, found: list[Finding]) -> None:
    """A classified input against its row; unknown fails closed under a value row."""
    if value is UNKNOWN:
        if row.kind in VALUE_KINDS:
            found.append(Finding(path, f"is unknown at preview, so {row.describe()} cannot be verified", row))
        return
    problem = row.problem(value)
    if problem:
        found.append(Finding(path, problem, row))


_INDEX = re.compile(r"\[(?:\d+|\*)\]")
_QUOTED_KEY = re.compile(r"\[\"([^\"]*)\"\]")


def option_path(entry: str) -> str:
    """An ignoreChanges entry (``rules[0].status``, ``tags["Name"]``, ``rules[*]``) as a table path."""
    return _QUOTED_KEY.sub(r".\1", _INDEX.sub("[]", entry))
