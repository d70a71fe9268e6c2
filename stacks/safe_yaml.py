"""The one way the product reads a YAML or JSON input file: bounded, strict, and quiet about values.

Every YAML the gate and the program read (stack files, exemptions, checkov skips) and every JSON (pack
configs) goes through here, because PyYAML's ``safe_load`` and ``json.loads`` accept things that are
either dangerous or silently wrong for a config file:

- **duplicate keys**: both keep the last one, so a plaintext ``password:`` followed by a
  ``password: {secure: ...}`` passes review with the plaintext still in the file. Refused at any depth,
  naming both lines.
- **aliases** (``&a`` / ``*a``): a "billion laughs" file of nested aliases is a few hundred bytes and expands
  to gigabytes in whatever walks it. Pulumi never writes them, so stack files refuse them outright; other
  files may use them only while the expanded document stays under :data:`MAX_NODES` nodes.
- **size and depth**: the size is checked before anything is read into memory, the nesting depth before the
  (recursive) composer runs; deep nesting would otherwise end in a RecursionError.
- **what is not text**: a binary file, a folder, a FIFO or device, a symlink loop, a file that is not UTF-8.
- **values no config means**: NaN and infinities, control characters and Unicode bidirectional controls
  (which make a reviewer read something other than what the parser reads, "Trojan Source").

Errors are :class:`InputFileError`: ``problem`` is one line with the line number and what was expected,
and never quotes a value (only keys, which are never secret).
"""

from __future__ import annotations

import errno
import json
import json.decoder
import json.scanner
import math
import os
import re
import stat
import unicodedata
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode

MAX_BYTES = 1024 * 1024  # the committed stack files are ~4 KB; a megabyte is no config file we write
MAX_DEPTH = 32  # the deepest committed structure is 5 levels
MAX_NODES = 100_000  # nodes after alias expansion (the committed files have a few hundred)
MAX_ITEMS = 1000  # entries of one list or mapping (the longest committed one has 46): checked while parsing,
# so ten thousand CORS origins stop after the first thousand instead of being parsed, built and validated

# Unicode bidirectional controls (CVE-2021-42574, "Trojan Source"): they reorder how text is displayed.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Category Cc except tab, LF and CR, plus the bidirectional controls.
_BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + "".join(sorted(BIDI_CONTROLS)) + "]")
_MERGE_TAG = "tag:yaml.org,2002:merge"
NUL = b"\0"


class InputFileError(Exception):
    """An input file the product refuses to read. ``problem`` is one line without the file's name."""

    def __init__(self, display: str, problem: str) -> None:
        self.display = display
        self.problem = problem
        super().__init__(f"{display}: {problem}")


def _line_col(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    return f"line {line}, column {offset - (text.rfind(chr(10), 0, offset) + 1) + 1}"


def bad_character(text: str) -> tuple[int, str] | None:
    """(offset, description) of the first control or bidirectional-control character, or None."""
    match = _BAD_CHARACTER.search(text)
    if match is None:
        return None
    ch = match.group()
    if ch in BIDI_CONTROLS:
        return match.start(), f"the bidirectional control character U+{ord(ch):04X} ({unicodedata.name(ch, '?')})"
    return match.start(), f"the control character U+{ord(ch):04X}"


def visible(text: str, limit: int = 200) -> str:
    """``text`` safe to print in a one-line message: every character that is not plainly visible (controls,
    terminal escape sequences, zero-width and bidirectional characters, any space other than ' ') is written
    as its escape (``\\x1b``, ``\\u200b``), so what a reader sees is what the input holds; cut to ``limit``
    characters. The one sanitiser for every value from input that reaches a message (stack name, ``--base``
    ref, config keys, the gate's and ``ops``'s error lines)."""
    out = []
    for ch in text[:limit]:
        if ch == "\n":
            out.append(ch)  # a multi-problem message keeps its lines; callers of one value never pass one
        elif ch == " " or (ch.isprintable() and not ch.isspace()):
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out) + ("..." if len(text) > limit else "")


def _stat(path: Path, display: str, missing: str) -> os.stat_result:
    try:
        return os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputFileError(display, "is a symlink loop (expected a file)") from None
        if exc.errno == errno.ENOENT:
            raise InputFileError(display, missing) from None
        raise InputFileError(display, f"cannot be read ({exc.strerror})") from None


def check_inside(path: Path, root: Path, display: str) -> None:
    """An input the gate reads by default (``Pulumi.<stack>.yaml``, the pack config, the exemptions, the
    checkov skips, ``Pulumi.yaml``) must stay inside the repository ``root``: a symlink (of the file or of a
    folder on its path) leading out of it is refused, and a symlink loop is named as one. A missing file is
    left to the caller (it says what is missing)."""
    if not os.path.lexists(path):
        return
    _stat(path, display, missing="is a symlink to nothing (expected a file)")
    real = Path(os.path.realpath(path))
    try:
        real.relative_to(Path(os.path.realpath(root)))
    except ValueError:
        raise InputFileError(display, "is a symlink leading out of the repository; inputs read by default "
                                      "must be files of the repository (copy the file in, or name it "
                                      "explicitly on the command line)") from None


def check_regular_file(path: Path, display: str) -> os.stat_result:
    """``os.stat`` of a file the product is about to read, or InputFileError saying what it is instead
    (missing, a symlink loop, a folder, a device or FIFO, unreadable)."""
    info = _stat(path, display, missing="does not exist")
    if stat.S_ISDIR(info.st_mode):
        raise InputFileError(display, "is a folder (expected a file)")
    if not stat.S_ISREG(info.st_mode):
        raise InputFileError(display, "is not a regular file (a device, FIFO or socket; expected a file)")
    return info


def read_text(path: Path, display: str, max_bytes: int = MAX_BYTES) -> str:
    """The file's text, or InputFileError: missing, a folder, not a regular file, a symlink loop, too big,
    binary, not UTF-8, or holding a control/bidirectional character (which no config needs)."""
    info = check_regular_file(path, display)
    if info.st_size > max_bytes:
        raise InputFileError(display, f"is {info.st_size} bytes, more than the {max_bytes} a config file may have")
    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)  # the file may grow between stat and read
    except OSError as exc:
        raise InputFileError(display, f"cannot be read ({exc.strerror})") from None
    if len(data) > max_bytes:
        raise InputFileError(display, f"is more than the {max_bytes} bytes a config file may have")
    if NUL in data:
        raise InputFileError(display, f"is a binary file (NUL byte at offset {data.index(NUL)}; expected text)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(display, f"is not UTF-8 text (invalid byte at offset {exc.start})") from None
    text = text.removeprefix("\ufeff")
    found = bad_character(text)
    if found is not None:
        offset, what = found
        raise InputFileError(display, f"{_line_col(text, offset)}: {what} (expected printable text)")
    return text


# --- YAML --------------------------------------------------------------------------------------------

class HardenedLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys, non-finite numbers and control characters in strings
    (escaped ones, such as ``"\\x1b"``, which the raw-text check cannot see)."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        """A mapping; a key that repeats at this level is refused, naming both lines."""
        if isinstance(node, MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE_TAG or not isinstance(key_node, ScalarNode):
                    continue
                key = self.construct_object(key_node, deep=deep)
                line = key_node.start_mark.line + 1
                try:
                    first = seen.get(key)
                    seen.setdefault(key, line)
                except TypeError:
                    continue  # unhashable: SafeConstructor reports it
                if first is not None:
                    shown = repr(key) if len(repr(key)) <= 60 else repr(key)[:57] + "..."
                    raise _Refused(key_node, f"duplicate key {shown} (first at line {first}): YAML keeps only "
                                             f"the last one, so the other would be silently ignored; keep one")
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_float(self, node: ScalarNode) -> float:
        """A float; NaN and infinities are refused."""
        value = super().construct_yaml_float(node)
        if math.isnan(value) or math.isinf(value):
            raise _Refused(node, "not a finite number (NaN and infinities are refused; expected a number)")
        return value

    def construct_yaml_str(self, node: ScalarNode) -> str:
        """A string; control and bidirectional characters (also escaped ones) are refused."""
        value = super().construct_yaml_str(node)
        found = bad_character(value)
        if found is not None:
            raise _Refused(node, f"a string holds {found[1]} (expected printable text)")
        return value

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        """Any value; a value Python cannot hold (a 5000-digit integer, a 13th month) is one refusal line."""
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:  # e.g. a 5000-digit integer, a 13th month in a date
            raise _Refused(node, f"cannot read this value ({type(exc).__name__}: {str(exc).split(':')[0]})") from None


HardenedLoader.add_constructor("tag:yaml.org,2002:float", HardenedLoader.construct_yaml_float)
HardenedLoader.add_constructor("tag:yaml.org,2002:str", HardenedLoader.construct_yaml_str)


class _Refused(yaml.YAMLError):
    def __init__(self, node: Node, problem: str) -> None:
        super().__init__(problem)
        self.line = node.start_mark.line + 1
        self.problem = problem


def _line(event: yaml.Event) -> int:
    return event.start_mark.line + 1 if event.start_mark is not None else 0


class _Expansion:
    """The size a document expands to, counted per open collection so an anchor knows its subtree's size."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.frames: list[list[Any]] = []  # [anchor, expanded size, direct nodes, is a mapping] per collection
        self.sizes: dict[str, int] = {}
        self.total = 0

    def grow(self, event: yaml.Event, n: int) -> None:
        """Count ``n`` more nodes; refuse past MAX_NODES."""
        self.total += n
        if self.total > MAX_NODES:
            raise InputFileError(self.display, f"line {_line(event)}: the document expands to more than "
                                               f"{MAX_NODES} nodes (nested aliases?); refused")
        if self.frames:
            frame = self.frames[-1]
            frame[1] += n
            frame[2] += 1
            if frame[2] > MAX_ITEMS * (2 if frame[3] else 1):  # a mapping's entry is a key and a value
                kind = "mapping" if frame[3] else "list"
                raise InputFileError(self.display, f"line {_line(event)}: a {kind} with more than {MAX_ITEMS} "
                                                   f"entries; refused (no config needs that many)")

    def open(self, event: yaml.Event, anchor: str | None) -> None:
        """A mapping or sequence starts; refuse past MAX_DEPTH."""
        if len(self.frames) >= MAX_DEPTH:
            raise InputFileError(self.display, f"line {_line(event)}: nested deeper than {MAX_DEPTH} levels; refused")
        self.grow(event, 1)
        self.frames.append([anchor, 1, 0, isinstance(event, yaml.MappingStartEvent)])

    def close(self) -> None:
        """A mapping or sequence ends: its anchor (if any) now knows its size."""
        name, size, _, _ = self.frames.pop()
        if name:
            self.sizes[name] = size
        if self.frames:
            self.frames[-1][1] += size - 1  # the start already counted 1 into the parent


def _check_structure(text: str, display: str, loader: type[yaml.SafeLoader], aliases: bool) -> None:
    """One pass over the parser's events (iterative, no recursion): depth, anchors/aliases, expanded size."""
    expansion = _Expansion(display)
    for event in yaml.parse(text, Loader=loader):
        anchor = getattr(event, "anchor", None)
        if (anchor is not None or isinstance(event, yaml.AliasEvent)) and not aliases:
            raise InputFileError(display, f"line {_line(event)}: YAML anchors and aliases (&name, "
                                          f"*name) are not allowed here (Pulumi never writes them); write the "
                                          f"value out")
        if isinstance(event, yaml.AliasEvent):
            expansion.grow(event, expansion.sizes.get(event.anchor or "", 1))
        elif isinstance(event, yaml.ScalarEvent):
            expansion.grow(event, 1)
            if anchor:
                expansion.sizes[anchor] = 1
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            expansion.open(event, anchor)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            expansion.close()


def loads_yaml(text: str, display: str, *, aliases: bool = False,
               loader: type[HardenedLoader] = HardenedLoader) -> Any:
    """Parse YAML text. Raises yaml.YAMLError for a syntax error (its ``problem_mark`` says where) and
    InputFileError for everything this module refuses."""
    found = bad_character(text)
    if found is not None:
        raise InputFileError(display, f"{_line_col(text, found[0])}: {found[1]} (expected printable text)")
    _check_structure(text, display, loader, aliases)
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader subclass
    except _Refused as exc:
        raise InputFileError(display, f"line {exc.line}: {exc.problem}") from None


def load_yaml(path: Path, display: str, *, aliases: bool = False, loader: type[HardenedLoader] = HardenedLoader,
              max_bytes: int = MAX_BYTES) -> tuple[Any, str]:
    """(document, text) of a YAML file, read with :func:`read_text` and parsed with :func:`loads_yaml`."""
    text = read_text(path, display, max_bytes)
    return loads_yaml(text, display, aliases=aliases, loader=loader), text


# --- JSON --------------------------------------------------------------------------------------------

def _key_lines(s: str, start: int, end: int, wanted: str) -> list[int]:
    """Lines of the keys equal to ``wanted`` directly inside the object spanning s[start:end]."""
    lines, depth, i = [], 0, start + 1
    while i < end:
        ch = s[i]
        if ch == '"':
            j = i + 1
            while s[j] != '"':
                j += 2 if s[j] == "\\" else 1
            k = j + 1
            while k < end and s[k] in " \t\r\n":
                k += 1
            if depth == 0 and k < end and s[k] == ":" and json.loads(s[i:j + 1]) == wanted:
                lines.append(s.count("\n", 0, i) + 1)
            i = j + 1
            continue
        depth += 1 if ch in "{[" else -1 if ch in "}]" else 0
        i += 1
    return lines


class _StrictDecoder(json.JSONDecoder):
    """json with duplicate keys refused (naming both lines) and NaN/Infinity refused. Uses the pure-Python
    scanner so that each object's position is known (pack configs are small)."""

    def __init__(self) -> None:
        super().__init__(parse_constant=self._constant)
        self.parse_object = self._object
        self.scan_once = json.scanner.py_make_scanner(self)  # type: ignore[attr-defined]  # untyped in typeshed

    @staticmethod
    def _constant(name: str) -> Any:
        raise ValueError(f"{name} is not a number JSON allows (expected a finite number)")

    def _object(self, s_and_end: tuple[str, int], strict: bool, scan_once: Any, object_hook: Any,
                object_pairs_hook: Any, memo: Any = None) -> tuple[dict[str, Any], int]:
        s, start = s_and_end
        pairs, end = json.decoder.JSONObject(  # type: ignore[attr-defined]  # untyped in typeshed
            s_and_end, strict, scan_once, None, list, memo)
        keys = [k for k, _ in pairs]
        for key in keys:
            if keys.count(key) > 1:
                lines = _key_lines(s, start - 1, end, key)
                raise _DuplicateJsonKey(key, lines)
        return dict(pairs), end


class _DuplicateJsonKey(Exception):
    def __init__(self, key: str, lines: list[int]) -> None:
        super().__init__(key)
        self.key, self.lines = key, lines


def loads_json(text: str, display: str) -> Any:
    """Parse JSON text. Raises json.JSONDecodeError for a syntax error, InputFileError for a duplicate
    key, a non-finite number or nesting deeper than :data:`MAX_DEPTH`."""
    try:
        value = _StrictDecoder().decode(text)
    except _DuplicateJsonKey as exc:
        where = " and ".join(f"line {n}" for n in exc.lines[:2]) or "two places"
        shown = json.dumps(exc.key)[:60]
        raise InputFileError(display, f"duplicate key {shown} ({where}): JSON parsers keep only the last one, "
                                      f"so the other would be silently ignored; keep one") from None
    except RecursionError:
        raise InputFileError(display, f"nested deeper than {MAX_DEPTH} levels; refused") from None
    except ValueError as exc:
        if isinstance(exc, json.JSONDecodeError):
            raise
        raise InputFileError(display, str(exc)) from None
    _check_json_tree(value, display)
    return value


def _check_json_tree(value: Any, display: str) -> None:
    """Depth, and control characters written as escapes (``"\\u001b"``) that the raw-text check cannot see."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        texts = [node] if isinstance(node, str) else list(node) if isinstance(node, dict) else []
        for text in texts:
            found = bad_character(text)
            if found is not None:
                raise InputFileError(display, f"a string holds {found[1]} (expected printable text)")
        if isinstance(node, (dict, list)):
            if depth > MAX_DEPTH:
                raise InputFileError(display, f"nested deeper than {MAX_DEPTH} levels; refused")
            if len(node) > MAX_ITEMS:
                kind = "an object" if isinstance(node, dict) else "an array"
                raise InputFileError(display, f"{kind} with more than {MAX_ITEMS} entries; refused (no config "
                                              f"needs that many)")
            stack.extend((v, depth + 1) for v in (node.values() if isinstance(node, dict) else node))


def load_json(path: Path, display: str, max_bytes: int = MAX_BYTES) -> Any:
    """A JSON file read with :func:`read_text` and parsed with :func:`loads_json`."""
    return loads_json(read_text(path, display, max_bytes), display)


__all__ = ["BIDI_CONTROLS", "HardenedLoader", "InputFileError", "MAX_BYTES", "MAX_DEPTH", "MAX_ITEMS", "MAX_NODES",
           "bad_character", "check_inside", "check_regular_file", "load_json", "load_yaml", "loads_json", "loads_yaml", "read_text"]
