"""The gate's child processes never outlive it: each is asked to die with its parent.

A SIGKILL of the gate runs no ``finally``; without this, the policy pack (which waits for a client forever),
checkov and the program's process would keep running. ``PR_SET_PDEATHSIG`` (Linux, prctl(2)) makes the kernel
send the child SIGKILL when the thread that started it ends -- so the gate starts its children from threads
that live as long as the child is needed (the main thread, or a pool shut down only after the child was
stopped).

The attribute is set by ``setpriv --pdeathsig KILL`` (util-linux, which the program's box needs anyway) in
front of the child's own command: setpriv sets it and execs the command, which keeps it. Not a
``preexec_fn``: Python code between fork and exec, in a gate whose other threads run gRPC and hold locks,
deadlocked or crashed the child now and then (a hang in ``Popen`` on the child's exec pipe, a pack process dead
of SIGSEGV before it printed its port; found by the CI run of this round). Without setpriv (macOS, a machine
without util-linux) the command runs as it is: the gate's own signal handling still stops its children.
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import sys

SAFE_PATH = "/usr/bin:/bin:/usr/sbin:/sbin"  # setpriv from the system, never from a caller's PATH


@functools.cache
def _prefix() -> tuple[str, ...]:
    if not sys.platform.startswith("linux"):
        return ()
    setpriv = shutil.which("setpriv", path=SAFE_PATH)
    return (setpriv, "--pdeathsig", "KILL", "--") if setpriv else ()


def dying_with_parent(command: list[str]) -> list[str]:
    """``command`` run so that it gets SIGKILL when the gate's starting thread ends (even by SIGKILL)."""
    if command[:1] and command[0].endswith("setpriv") and "--pdeathsig" in command:
        return command  # already asks for it (the program's box)
    return [*_prefix(), *command]


def stop_process_group(proc: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """SIGTERM to the process group a child leads (``start_new_session=True``), SIGKILL after ``grace``."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass  # the group is gone
        except PermissionError:
            proc.send_signal(sig)  # not a group leader we may signal: at least the child itself
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue
    proc.wait(timeout=grace)


__all__ = ["dying_with_parent", "stop_process_group"]
