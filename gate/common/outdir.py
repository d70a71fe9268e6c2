"""The ``--out`` folder: only the gate's own files, never an earlier run's verdict, never half a file.

- A run starts by :func:`prepare_out`: it removes the files an earlier run wrote (by name, and only there),
  so a run that fails -- bad input, a crash, an interrupt, even a malformed argument -- cannot leave an
  old verdict that looks like this run's.
- The folder must be the gate's: new, empty, marked by :data:`MARKER` (written on first use), or holding
  nothing but files with the gate's names (a folder from before the marker existed). Any other folder
  (``--out docs``) is refused: the gate never deletes or overwrites a file it did not write.
- Every report is written to a temporary file beside it and renamed into place (:func:`atomic_write`):
  a reader sees the old file or the new one, never a prefix of it.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

MARKER = ".chatpdd-gate"
MARKER_TEXT = ("This folder is written by `python -m gate preview` (chatpdd-infra). Each run first deletes the\n"
               "gate's own report files here, by name; it never touches other files.\n")
GATE_FILES = ("report.md", "report.sarif", "junit.xml", "report.json", "plan.tf.json", "stack-export.json",
              "checkov.json")
TEMP_INFIX = ".tmp-"  # ".<name>.tmp-<pid>": atomic_write's temporary files


class OutDirError(Exception):
    """The ``--out`` folder cannot be used. ``str()`` is one user-facing line."""


def _is_temp(name: str) -> bool:
    return name.startswith(".") and any(name.startswith(f".{g}{TEMP_INFIX}") for g in GATE_FILES)


def _gate_owned(name: str) -> bool:
    return name in GATE_FILES or name == MARKER or _is_temp(name)


def _unwritable(out: Path, exc: OSError) -> OutDirError:
    return OutDirError(f"--out {out} cannot be written ({exc.strerror or exc}); expected a folder the gate may "
                       f"create and write")


def prepare_out(out: Path) -> None:
    """Make ``out`` the gate's folder with no report of an earlier run in it (see the module docstring)."""
    try:
        info = os.stat(out)
    except FileNotFoundError:
        if os.path.islink(out):
            raise OutDirError(f"--out {out} is a symlink to nothing; expected a folder") from None
        try:
            Path(out).mkdir(parents=True)
        except OSError as exc:
            if exc.errno == errno.ENOTDIR:
                raise OutDirError(f"--out {out}: a part of the path is a file; expected a folder") from None
            raise _unwritable(out, exc) from None
        _mark(out)
        return
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OutDirError(f"--out {out} is a symlink loop; expected a folder") from None
        if exc.errno == errno.ENOTDIR:
            raise OutDirError(f"--out {out}: a part of the path is a file; expected a folder") from None
        raise _unwritable(out, exc) from None
    if not stat.S_ISDIR(info.st_mode):
        raise OutDirError(f"--out {out} is a file, not a folder; expected a folder for the gate's reports")
    try:
        entries = os.listdir(out)
    except OSError as exc:
        raise _unwritable(out, exc) from None
    if MARKER not in entries:
        foreign = sorted(e for e in entries if not _gate_owned(e))
        if foreign:
            shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
            raise OutDirError(f"--out {out} holds files the gate did not write ({shown}); the gate writes only "
                              f"into a new or empty folder, or one it created (marked by {MARKER}), and never "
                              f"deletes other files: pick another --out")
    clear(out)
    _mark(out)


def clear(out: Path) -> None:
    """Remove the gate's own files (and leftover temporary files) from its folder."""
    try:
        names = [n for n in os.listdir(out) if n in GATE_FILES or _is_temp(n)]
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _unwritable(out, exc) from None
    for name in names:
        try:
            (Path(out) / name).unlink()
        except FileNotFoundError:
            pass
        except IsADirectoryError:
            raise OutDirError(f"--out {out}: {name} is a folder where the gate writes a report; remove it or "
                              f"pick another --out") from None
        except OSError as exc:
            raise _unwritable(out, exc) from None


def _mark(out: Path) -> None:
    marker = Path(out) / MARKER
    try:
        if not marker.is_file():
            marker.write_text(MARKER_TEXT, encoding="utf-8")
        probe = Path(out) / f".{GATE_FILES[0]}{TEMP_INFIX}{os.getpid()}"
        probe.write_text("", encoding="utf-8")  # writable now, not only at the end of a long run
        probe.unlink()
    except OSError as exc:
        raise _unwritable(out, exc) from None


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path`` and rename it over ``path``."""
    tmp = path.with_name(f".{path.name}{TEMP_INFIX}{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:  # a full disk, a quota, a folder removed or made read-only during the run
        tmp.unlink(missing_ok=True)
        raise OutDirError(f"--out {path.parent}: cannot write {path.name} ({exc.strerror or exc}); free space "
                          f"there or pick another --out (no report of this run was kept)") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


__all__ = ["GATE_FILES", "MARKER", "OutDirError", "atomic_write", "clear", "prepare_out"]
