"""The program in its own process: the parent side of ``python -m gate.program.program_worker``.

Only the standard library is imported at module level (the records become :class:`gate.program.program.CapturedResource`
and :class:`gate.program.program.ProgramRun` lazily), so ``python -m gate`` can start the program first and import the
rest of the gate -- pulumi, gRPC, the pack client -- while the program's own process imports and runs.
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gate.program.children import dying_with_parent

if TYPE_CHECKING:
    from gate.program.program import CapturedResource, ProgramRun

from gate.program import box

REPO_ROOT = Path(__file__).resolve().parents[2]

DEFAULT_PROGRAM_TIMEOUT = 300.0  # seconds; the production program runs in a few
_STDERR_TAIL = 20  # lines of the child's own output kept for the error message


class ProgramProcessError(Exception):
    """The program did not run to its end in its process. ``str()`` is one user-facing sentence (no
    program name: the caller adds it); ``detail`` is the child's traceback or output tail, for --debug."""

    def __init__(self, message: str, detail: str = "", error_type: str | None = None):
        super().__init__(message)
        self.detail = detail
        self.error_type = error_type  # set when the program raised: the exception's class name


class ProgramProcess:
    """``python -m gate.program.program_worker`` for one program and stack file: started by :meth:`start`, read by
    :meth:`collect`. Only a ``done`` record after a zero exit with at least one registration is a result;
    any other end is a :class:`ProgramProcessError`. The child leads its own process group, killed on a
    timeout and whenever :meth:`collect` leaves early (an error, an interrupt of the gate)."""

    def __init__(self, program: Path, stack_file: Path, *, timeout: float = DEFAULT_PROGRAM_TIMEOUT,
                 preview: bool = True, gate_root: Path = REPO_ROOT):
        self.program = Path(program).resolve()
        self.stack_file = Path(stack_file).resolve()
        self.timeout = timeout
        self.preview = preview
        self.gate_root = gate_root
        self.proc: subprocess.Popen[bytes] | None = None
        self._read_fd: int | None = None
        self._started = 0.0
        # Why the program runs without its box (gate/program/box.py), or None: it is boxed.
        self.unboxed: str | None = box.unavailable()
        self._refused: str | None = None
        self._home: str | None = None

    def start(self) -> ProgramProcess:
        """Start the child with the write end of a fresh pipe for its records; the clock starts now. In the
        box when it can be built; unboxed (warned) otherwise, except under CI, where the run is refused."""
        self._started = time.monotonic()
        if self.unboxed is not None and box.ci():
            self._refused = (f"cannot be put in its box: {self.unboxed}; under CI=true the gate never runs a "
                             f"program unboxed (docs/trust-boundary.md)")
            return self
        read_fd, write_fd = os.pipe()
        stack = self.stack_file.name.removeprefix("Pulumi.").removesuffix(".yaml")
        spec = {"program": str(self.program), "stack_file": str(self.stack_file), "fd": write_fd,
                "preview": self.preview,
                "probes": sorted({str(self.gate_root), str(self.program.parent), str(self.stack_file.parent)})}
        if self.unboxed is None:
            command = box.boxed_command(["-m", "gate.program.program_worker", "--box", json.dumps(spec)])
            env = box.program_env(Path(box.HOME), stack)
        else:
            self._home = tempfile.mkdtemp(prefix="gate-program-home-")
            command = [sys.executable, *box.PYTHON_FLAGS, "-m", "gate.program.program_worker", json.dumps(spec)]
            env = box.program_env(Path(self._home), stack)
        try:
            # cwd = the gate's root, so `-m gate.program.program_worker` imports THIS gate (and its mocks) even when
            # the program's folder (a head or base checkout) has a gate/ of its own.
            self.proc = subprocess.Popen(
                dying_with_parent(command), cwd=self.gate_root, env=env,
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, pass_fds=(write_fd,),
                start_new_session=True)
        except BaseException:
            os.close(read_fd)
            raise
        finally:
            os.close(write_fd)  # the child's copy is the only writer left: EOF when it ends
        self._read_fd = read_fd
        return self

    def kill(self) -> None:
        """Kill the child's whole process group (the program may have started processes of its own)."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        if self._home is not None:
            shutil.rmtree(self._home, ignore_errors=True)
            self._home = None

    def collect(self, on_register: Callable[[CapturedResource], None] | None = None, stack: str = "") -> ProgramRun:
        """Read the stream to its end (``on_register`` sees each resource as it arrives) and judge the end."""
        if self.proc is None and self._refused is None:
            self.start()
        if self._refused is not None:
            raise ProgramProcessError(self._refused, error_type="BoxError")
        assert self.proc is not None and self._read_fd is not None
        proc = self.proc
        from gate.program.program import CapturedResource  # noqa: PLC0415 - kept off this module's import path

        tail: collections.deque[str] = collections.deque(maxlen=_STDERR_TAIL)
        records: dict[str, Any] = {"resources": [], "done": None, "failed": None, "garbled": 0}
        readers = [threading.Thread(target=_read_output, args=(proc, tail), name="program-output", daemon=True),
                   threading.Thread(target=_read_stream, args=(self._read_fd, records, on_register, CapturedResource),
                                    name="program-stream", daemon=True)]
        self._read_fd = None  # owned by its reader from here
        for t in readers:
            t.start()
        try:
            code = self._wait(tail)
            for t in readers:  # the child is gone; a grandchild still holding the pipe is killed below
                t.join(timeout=5)
        finally:
            self.kill()
        for t in readers:
            t.join(timeout=5)
        return self._judge(code, records, list(tail), stack)

    def _wait(self, tail: collections.deque[str]) -> int:
        """The child's exit code, once it exits within what is left of the timeout; else ProgramProcessError."""
        assert self.proc is not None
        try:
            return self.proc.wait(timeout=max(0.0, self.timeout - (time.monotonic() - self._started)))
        except subprocess.TimeoutExpired:
            raise ProgramProcessError(
                f"did not finish within {self.timeout:g} s (--program-timeout) and was stopped; a program "
                f"that never returns (a loop, a wait on something that never comes) cannot be judged",
                "\n".join(tail)) from None

    def _judge(self, code: int, records: dict[str, Any], tail: list[str], stack: str) -> ProgramRun:
        output = " | ".join(line for line in tail[-3:] if line.strip())
        failed, done = records["failed"], records["done"]
        if failed is not None:
            raise ProgramProcessError(f"{failed['error_type']}: {failed['message']}", failed.get("traceback", ""),
                                      error_type=failed["error_type"])
        if code >= 0 and records.get("signal") in set(signal.Signals):
            code = -int(records["signal"])  # boxed: the program (PID 2) was killed by this signal
        if code < 0:
            raise ProgramProcessError(
                f"was killed by signal {signal.Signals(-code).name} before it finished", "\n".join(tail))
        if done is None:
            raise ProgramProcessError(
                f"exited with code {code} before it finished (a sys.exit() or os._exit() in the program or a "
                f"component?) -- a program must run to its end and return"
                + (f"; its last output: {output[:300]}" if output else ""), "\n".join(tail))
        if code != 0:
            raise ProgramProcessError(f"finished but its process then exited with code {code}", "\n".join(tail))
        resources: list[CapturedResource] = records["resources"]
        if records["garbled"] or done["resources"] != len(resources):
            raise ProgramProcessError(
                f"reported {done['resources']} resources but {len(resources)} arrived intact "
                f"({records['garbled']} unreadable records)", "\n".join(tail))
        if not resources:
            raise ProgramProcessError("registered no resources: there is nothing to judge (a program that "
                                      "builds nothing is not a passing program)", "\n".join(tail))
        from gate.program.program import ProgramRun  # noqa: PLC0415 - kept off this module's import path

        log = [(str(severity), str(message)) for severity, message in done["log"]]
        return ProgramRun(stack=stack, resources=sorted(resources, key=lambda r: r.urn), outputs=done["outputs"],
                          log=log)


def _read_output(proc: subprocess.Popen[bytes], tail: collections.deque[str]) -> None:
    """Keep the last lines of the child's own stdout and stderr (``tail``) until it closes them."""
    assert proc.stdout is not None
    for raw in proc.stdout:
        tail.append(raw.decode("utf-8", "replace").rstrip())


def _read_stream(fd: int, records: dict[str, Any], on_register: Callable[[CapturedResource], None] | None,
                 resource_type: type[CapturedResource]) -> None:
    """Read the child's JSON records from ``fd`` to EOF into ``records``; an unreadable line is counted."""
    with os.fdopen(fd, "r", encoding="utf-8") as stream:
        for line in stream:
            try:
                record = json.loads(line)
            except ValueError:
                records["garbled"] += 1
                continue
            kind = record.get("kind")
            if kind == "resource":
                resource = resource_type(**record["resource"])
                records["resources"].append(resource)
                if on_register is not None:
                    on_register(resource)
            elif kind in ("done", "failed"):
                records[kind] = record
            elif kind == "signal" and isinstance(record.get("signal"), int):  # the box's PID 1 (gate/program/box.py)
                records["signal"] = record["signal"]


def run_program_process(program: Path, stack_file: Path, *, stack: str = "",
                        on_register: Callable[[CapturedResource], None] | None = None,
                        timeout: float = DEFAULT_PROGRAM_TIMEOUT) -> ProgramRun:
    """:func:`run_program` in its own process: a program that exits, is killed, hangs or registers nothing
    raises :class:`ProgramProcessError` instead of taking the caller down or passing silently."""
    return ProgramProcess(program, stack_file, timeout=timeout).start().collect(on_register, stack=stack)
