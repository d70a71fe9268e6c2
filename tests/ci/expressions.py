"""GitHub Actions expressions (``${{ ... }}`` and ``if:``), enough of the language for our workflows: contexts
(``github.event.pull_request.base.sha``, ``steps.<id>.outputs.<name>``, ``matrix.stack``, ...), literals, ``!``,
``==``/``!=``, ``&&``/``||`` (which return an operand, as GitHub's do), parentheses, and the functions
``success() always() failure() cancelled() hashFiles() format() contains() startsWith() toJSON()``. An unknown
function or a syntax error raises :class:`ExpressionError`: the runner never guesses what a workflow meant."""

from __future__ import annotations

import glob
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<str>'(?:[^']|'')*')|(?P<op>==|!=|&&|\|\||[!().,\[\]*])"
                   r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))")


class ExpressionError(Exception):
    """An expression the runner cannot evaluate."""


def tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ExpressionError(f"cannot read {text[pos:pos + 20]!r} in {text!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


def _falsy(value: Any) -> bool:
    return value in (None, False, 0, "") or value != value  # NaN


def _loose_equal(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()  # GitHub compares strings case-insensitively
    return bool(a == b)


class Evaluator:
    """Evaluates one expression against ``contexts`` with the job's status functions and its workspace."""

    def __init__(self, contexts: dict[str, Any], status: str, workspace: Path) -> None:
        self.contexts, self.status, self.workspace = contexts, status, workspace
        self.functions: dict[str, Callable[..., Any]] = {
            "success": lambda: self.status == "success", "always": lambda: True,
            "failure": lambda: self.status == "failure", "cancelled": lambda: False,
            "hashFiles": self.hash_files, "format": self.format,
            "contains": lambda a, b: str(b).lower() in (str(a).lower() if not isinstance(a, list) else
                                                         [str(x).lower() for x in a]),
            "startsWith": lambda a, b: str(a).lower().startswith(str(b).lower()),
            "toJSON": lambda a: json.dumps(a, indent=2),
        }

    def hash_files(self, *patterns: str) -> str:
        files = sorted({f for p in patterns for f in glob.glob(str(self.workspace / p), recursive=True)
                        if Path(f).is_file()})
        if not files:
            return ""
        digest = hashlib.sha256()
        for f in files:
            digest.update(hashlib.sha256(Path(f).read_bytes()).digest())
        return digest.hexdigest()

    @staticmethod
    def format(template: str, *args: Any) -> str:
        return re.sub(r"\{(\d+)\}", lambda m: str(args[int(m.group(1))]), template)

    def evaluate(self, text: str) -> Any:
        self.toks, self.pos = tokens(text), 0
        value = self._or()
        if self.pos != len(self.toks):
            raise ExpressionError(f"unexpected {self.toks[self.pos][1]!r} in {text!r}")
        return value

    # recursive descent: or > and > equality > unary > primary
    def _peek(self) -> str | None:
        return self.toks[self.pos][1] if self.pos < len(self.toks) else None

    def _take(self, expected: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.toks):
            raise ExpressionError("unexpected end of expression")
        tok = self.toks[self.pos]
        if expected is not None and tok[1] != expected:
            raise ExpressionError(f"expected {expected!r}, found {tok[1]!r}")
        self.pos += 1
        return tok

    def _or(self) -> Any:
        value = self._and()
        while self._peek() == "||":
            self._take()
            right = self._and()
            value = value if not _falsy(value) else right
        return value

    def _and(self) -> Any:
        value = self._equality()
        while self._peek() == "&&":
            self._take()
            right = self._equality()
            value = right if not _falsy(value) else value
        return value

    def _equality(self) -> Any:
        value = self._unary()
        while self._peek() in ("==", "!="):
            op = self._take()[1]
            right = self._unary()
            value = _loose_equal(value, right) if op == "==" else not _loose_equal(value, right)
        return value

    def _unary(self) -> Any:
        if self._peek() == "!":
            self._take()
            return _falsy(self._unary())
        return self._primary()

    def _primary(self) -> Any:
        kind, text = self._take()
        if text == "(":
            value = self._or()
            self._take(")")
            return value
        if kind == "num":
            return float(text) if "." in text else int(text)
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind != "name":
            raise ExpressionError(f"unexpected {text!r}")
        if text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text]
        if self._peek() == "(":
            return self._call(text)
        return self._path(self.contexts.get(text))

    def _call(self, name: str) -> Any:
        if name not in self.functions:
            raise ExpressionError(f"unknown function {name}()")
        self._take("(")
        args = []
        while self._peek() != ")":
            args.append(self._or())
            if self._peek() == ",":
                self._take()
        self._take(")")
        return self.functions[name](*args)

    def _path(self, value: Any) -> Any:
        while self._peek() in (".", "["):
            if self._take()[1] == ".":
                key = self._take()[1]
            else:
                key = self._or()
                self._take("]")
            value = value.get(str(key)) if isinstance(value, dict) else None
        return value


def substitute(text: str, evaluator: Evaluator) -> str:
    """``text`` with every ``${{ expr }}`` replaced by its value as GitHub writes it into a string."""
    def one(match: re.Match[str]) -> str:
        value = evaluator.evaluate(match.group(1))
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (dict, list)):
            return json.dumps(value)
        return str(value)
    return re.sub(r"\$\{\{(.*?)\}\}", one, text, flags=re.S)


def condition(text: Any, evaluator: Evaluator) -> bool:
    """An ``if:``: a bare expression or ``${{ }}``; without a status function it implies ``success() &&``."""
    if text is None:
        return evaluator.status == "success"
    if isinstance(text, bool):
        return text
    expr = str(text).strip()
    if expr.startswith("${{") and expr.endswith("}}"):
        expr = expr[3:-2]
    if not re.search(r"\b(success|always|failure|cancelled)\(", expr):
        expr = f"success() && ({expr})"
    return not _falsy(evaluator.evaluate(expr))
