"""What the gate prints is read by a CI runner: text that came from the program (its warnings, errors and
output, resource names, messages quoting its values) must not act on the runner nor pass for the gate.

- GitHub workflow commands (``::error::``, ``::add-mask::``, ``::stop-commands::``, ``::set-output``...) are
  parsed from a line that starts with ``::`` after leading blanks; the older form ``##[command]`` anywhere.
  :func:`neutralise` prefixes such a line with ``| `` and breaks every ``##[``.
- The verdict is the one line that starts with ``PASS:`` or ``FAIL:``, printed by the gate last but one (the
  report paths follow): any other line that starts like a verdict or like the gate's own messages (``gate:``)
  gets the same ``| `` prefix, so a forged "PASS" cannot be mistaken for the gate's.
- :func:`one_line` makes a message one line (a CR or LF in program text would start a new, unprefixed line).

Only the standard library: the CLI's error path imports it.
"""

from __future__ import annotations

import re

_LOOKS_LIKE_OURS = re.compile(r"^\s*(::|PASS\b|FAIL\b|gate\s*:)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029\x85]")


def _break_v1(line: str) -> str:
    return line.replace("##[", "#\u200b#[")


def neutralise(text: str) -> str:
    """``text`` (many lines) with no line a runner would take as a command or a reader as the verdict."""
    out = []
    for line in _CONTROL.sub(" ", text.replace("\r\n", "\n")).split("\n"):
        line = _break_v1(line)
        out.append(f"| {line}" if _LOOKS_LIKE_OURS.match(line) else line)
    return "\n".join(out)


def one_line(text: str) -> str:
    """``text`` as one line (line breaks and control characters become spaces), ``##[`` broken."""
    return _break_v1(_CONTROL.sub(" ", text.replace("\r", " ").replace("\n", " ")))
