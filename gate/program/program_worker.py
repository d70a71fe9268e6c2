"""The child side of :func:`gate.program.program.run_program_process`: run one program under mocks in this process
and stream what it registers to the parent.

``python -m gate.program.program_worker '<json spec>'`` with the spec ``{"program", "stack_file", "fd", "preview"}``.
Every record is one JSON line on the inherited pipe ``fd`` (never stdout: the program may print):

- ``{"kind": "resource", "resource": {...}}`` as each resource registers (wire-form properties, secrets
  still wrapped; outputs hold mock placeholders only, the offline config never carries a real secret),
- ``{"kind": "done", "resources": n, "outputs": {...}, "log": [...]}`` once the program has returned,
- ``{"kind": "failed", "error_type", "message", "traceback"}`` if it raised or its config is invalid.

Anything else -- ``sys.exit`` or ``os._exit`` inside the program, a signal, a hang -- leaves no ``done``
record, and the parent fails closed on that. This module imports only the standard library at the top:
``sys.path`` must put the program's folder first (its ``stacks/`` and ``components/``: the base commit's,
for ``--base``) before anything imports ``stacks``; the ``gate`` package itself is already the caller's.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import traceback
import warnings
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO


def _emit(stream: TextIO, lock: threading.Lock, record: dict[str, Any]) -> None:
    line = json.dumps(record, separators=(",", ":"), allow_nan=False)
    with lock:  # registrations may arrive from the runtime's threads
        stream.write(line + "\n")
        stream.flush()


def _seal_and_reexec(spec_text: str) -> int:
    """``--box``: this process is PID 1 of a fresh box (gate/program/box.py) and still root: make the file system
    read-only for what follows, then become the worker proper with no capability left (never returns)."""
    from gate.program.box import BoxError, drop_and_exec, seal

    spec = json.loads(spec_text)
    stream = os.fdopen(int(spec["fd"]), "w", encoding="utf-8")
    try:
        seal([Path(p) for p in spec.get("probes", [])])
    except (BoxError, OSError) as exc:
        _emit(stream, threading.Lock(), {"kind": "failed", "error_type": "BoxError", "message": str(exc),
                                         "traceback": ""})
        return 3
    # PID 1 of a namespace cannot be killed by a signal sent from inside it, so the program runs as PID 2:
    # this process reaps whatever ends up reparented to it, and tells the gate about a fatal signal.
    child = os.fork()
    if child == 0:  # the fd stays open across the exec: the worker writes its records on it
        drop_and_exec(["-m", "gate.program.program_worker", spec_text])
    while True:
        pid, status = os.wait()
        if pid == child:
            break
    if os.WIFSIGNALED(status):
        _emit(stream, threading.Lock(), {"kind": "signal", "signal": os.WTERMSIG(status)})
        return 1
    return os.WEXITSTATUS(status)


def main(argv: list[str]) -> int:
    """Run the program the spec in ``argv[0]`` names and stream its records; 0 once ``done`` is written."""
    if argv and argv[0] == "--box":
        return _seal_and_reexec(argv[1])
    spec = json.loads(argv[0])
    program = Path(spec["program"])
    root = str(program.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # pulumi_aws's aliases, as in gate.__main__
    stream = os.fdopen(int(spec["fd"]), "w", encoding="utf-8")
    lock = threading.Lock()
    try:
        from gate.program.program import CapturedResource, run_program
        from stacks.loader import load_stack_file

        def on_register(resource: CapturedResource) -> None:
            _emit(stream, lock, {"kind": "resource", "resource": asdict(resource)})

        loaded = load_stack_file(Path(spec["stack_file"]))
        run = run_program(loaded, program, preview=bool(spec.get("preview", True)), on_register=on_register)
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which decides; BaseException passes
        _emit(stream, lock, {"kind": "failed", "error_type": type(exc).__name__, "message": str(exc),
                             "traceback": traceback.format_exc()})
        stream.close()
        return 1
    _emit(stream, lock, {"kind": "done", "resources": len(run.resources), "outputs": run.outputs,
                         "log": [list(entry) for entry in run.log]})
    stream.close()
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1:])
    # The records are written and flushed: leave without the interpreter's teardown (the Pulumi runtime's
    # threads and ~100 MB of modules take about a second to unwind, on the gate's critical path). A program
    # that ends any other way (sys.exit, a signal) never gets here.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
