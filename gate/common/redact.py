"""Keep secret values out of everything the gate prints or writes.

Two layers, because one mistake must not leak a secret:

1. Structural: every secret-wrapped value (Pulumi's ``{"4dabf18193072939515e22adb298388d": ...}`` wire
   form) becomes :data:`REDACTED` wherever a resource's properties are rendered.
2. Textual: every string that leaves the process (stdout, stderr, each file) goes through
   :meth:`Redactor.text`, which replaces the plaintext of every secret the run has seen (the unwrapped
   values of all secret-wrapped properties), the offline placeholders (``offline-secret-…`` from the stack
   loader, ``offline-generated-…`` from the mocks) and the ``secure:`` ciphertexts of the stack file --
   including their JSON- and XML-escaped spellings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import yaml

from gate.common.outdir import atomic_write
from gate.program.program import SECRET_SIG, is_secret
from stacks.safe_yaml import InputFileError, load_yaml

REDACTED = "[secret]"
# The stack loader's and the mocks' placeholders: secrets by construction, whatever carries them.
PLACEHOLDER_PATTERN = r"offline-secret-[0-9a-f]{16}|offline-generated-[0-9a-f]{24}"
# Shorter secrets are only replaced where a whole string equals them (substring replacement of, say,
# "587" would mangle unrelated text); structural redaction covers them in properties.
MIN_SUBSTRING_LENGTH = 8


def secret_strings(value: Any, inside: bool = False) -> Iterable[str]:
    """Every string leaf inside a secret-wrapped value of ``value`` (wire form)."""
    if is_secret(value):
        yield from secret_strings(value.get("value"), True)
    elif isinstance(value, dict):
        for v in value.values():
            yield from secret_strings(v, inside)
    elif isinstance(value, list):
        for v in value:
            yield from secret_strings(v, inside)
    elif inside and isinstance(value, str) and value:
        yield value


def plain_strings(value: Any) -> Iterable[str]:
    """Every string leaf of ``value`` that is NOT inside a secret wrapper."""
    if is_secret(value):
        return
    if isinstance(value, dict):
        for v in value.values():
            yield from plain_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from plain_strings(v)
    elif isinstance(value, str) and value:
        yield value


def stack_file_ciphertexts(path: Path) -> list[str]:
    """The ``secure:`` strings of a stack file: not secret values, but never worth echoing either."""
    try:
        document, _ = load_yaml(Path(path), Path(path).name)
    except (InputFileError, yaml.YAMLError):
        return []
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if set(node) == {"secure"} and isinstance(node["secure"], str):
                found.append(node["secure"])
            else:
                for v in node.values():
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(document)
    return found


class Redactor:
    """Replaces known secrets in text and secret-wrapped values in data. Build one per run."""

    def __init__(self, secrets: Iterable[str] = ()):
        self._exact: set[str] = set()
        long: set[str] = set()
        for s in secrets:
            if not s or s == REDACTED:
                continue
            self._exact.add(s)
            if len(s) >= MIN_SUBSTRING_LENGTH:
                long.update({s, json.dumps(s)[1:-1], xml_escape(s, {'"': "&quot;"})})
        alternatives = [re.escape(s) for s in sorted(long, key=len, reverse=True)]
        alternatives.append(PLACEHOLDER_PATTERN)
        self._pattern = re.compile("|".join(alternatives))

    def add(self, secrets: Iterable[str]) -> Redactor:
        """A redactor that also knows ``secrets``."""
        return Redactor([*self._exact, *secrets])

    def text(self, text: str) -> str:
        """``text`` with every known secret replaced by the redaction marker."""
        if text in self._exact:
            return REDACTED
        return self._pattern.sub(REDACTED, text)

    def value(self, value: Any) -> Any:
        """A copy of a wire-form value with each secret replaced by :data:`REDACTED` and every string
        passed through :meth:`text`."""
        return self._walk(value, lambda _secret: REDACTED)

    def envelope(self, value: Any) -> Any:
        """Like :meth:`value`, but a secret keeps Pulumi's secret envelope (as ``pulumi stack export``
        writes it) with an opaque marker instead of ciphertext."""
        return self._walk(value, lambda secret: {SECRET_SIG: secret[SECRET_SIG], "ciphertext": REDACTED})

    def _walk(self, value: Any, on_secret: Callable[[dict[str, Any]], Any]) -> Any:
        if is_secret(value):
            return on_secret(value)
        if isinstance(value, dict):
            return {k: self._walk(v, on_secret) for k, v in value.items()}
        if isinstance(value, list):
            return [self._walk(v, on_secret) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def write(self, path: Path, text: str) -> None:
        """The only way the gate writes a report file (atomically: never half a report)."""
        atomic_write(path, self.text(text))
