"""The gate's child processes never outlive it: each is asked to die with its parent.

A SIGKILL of the gate runs no ``finally``; without this, the policy pack (which waits for a client forever),
checkov and the program's process would keep running. ``PR_SET_PDEATHSIG`` (Linux, prctl(2)) makes the kernel
send the child SIGKILL when the thread that started it ends -- so the gate starts its children from threads
that live as long as the child is needed (the main thread, or a pool shut down only after the child was
stopped). Elsewhere (macOS) it is a no-op: the gate's own signal handling still stops its children.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def _prctl() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]  # ctypes' private base class
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _prctl()  # looked up once, in the parent: a preexec_fn should do as little as possible
_GATE = os.getpid()  # the process that imported this module: the parent of every child it starts


def die_with_parent() -> None:
    """A ``preexec_fn``: this child gets SIGKILL when the gate's starting thread ends (even by SIGKILL)."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != _GATE:  # the gate died between fork and prctl: nobody would stop this child
            os._exit(1)


__all__ = ["die_with_parent"]
