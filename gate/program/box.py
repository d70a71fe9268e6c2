"""The program's box: the pull request's code runs here, out of reach of everything that decides its verdict.

Only the standard library is imported (this module is on the program's start-up path, gate.program.program_process).
What the box is (docs/trust-boundary.md):

- **PID namespace** (``unshare --pid --fork --kill-child --mount-proc``): the worker's sealing reaper is PID 1
  of its own namespace and waits for the program (PID 2); when PID 1 ends, the kernel kills every process
  left in the namespace, daemons in their own session included. ``setpriv --pdeathsig KILL`` on ``unshare`` and ``--kill-child`` on the worker: a gate killed
  by SIGKILL takes the whole box down with it.
- **Mount namespace, file system read-only**: :func:`seal` (run as PID 1, still root) remounts every mount
  read-only and gives the program a fresh, empty ``/dev/shm`` (its HOME and TMPDIR); then it forks the
  worker, which re-executes itself through ``setpriv`` with every capability dropped and ``no_new_privs``
  (PID 2: PID 1 ignores signals sent from inside its namespace), so the program cannot remount anything.
  The repository (rule files), the base checkout, ``--out`` and the gate's temporary files are unwritable.
  ``/proc`` is the namespace's own: the gate's processes (and their environment) are not visible.
- **Network, IPC and UTS namespaces**: under mocks a program needs no network; it gets none.
- **Environment**: :func:`program_env` builds it from an allow-list, as the Pulumi CLI gives a program its
  variables; the caller's (CI tokens, ``GITHUB_*``, cloud credentials, ``PYTHON*``, ``PULUMI_CONFIG``) never
  reach it, and the interpreter runs with ``-E -s -B``.

The box needs root (CI runs the gate with sudo) and ``unshare``/``setpriv`` (util-linux). Without them the
program runs unboxed with a loud warning -- and never when ``CI`` is set: there the gate refuses to run.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import sys
from pathlib import Path

HOME = "/dev/shm/home"  # inside the box: the fresh tmpfs
SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
PYTHON_FLAGS = ("-E", "-s", "-B")  # no PYTHON* variable, no user site, no bytecode written
_SKIP_MOUNTS = ("/proc", "/sys", "/dev")
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REMOUNT, _MS_BIND = 1, 2, 4, 8, 32, 4096
_MS_NOATIME, _MS_NODIRATIME, _MS_RELATIME = 1024, 2048, 1 << 21
_FLAG_OF = {"nosuid": _MS_NOSUID, "nodev": _MS_NODEV, "noexec": _MS_NOEXEC, "noatime": _MS_NOATIME,
            "nodiratime": _MS_NODIRATIME, "relatime": _MS_RELATIME}


class BoxError(Exception):
    """The box could not be built where it is required. ``str()`` is the one-line message."""


def ci() -> bool:
    """Whether this is a CI run (GitHub sets CI=true; the gate job passes it through ``env -i``)."""
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def unavailable() -> str | None:
    """Why the box cannot be built here, or None when it can."""
    if os.geteuid() != 0:
        return "the gate does not run as root (namespaces and a read-only file system need it; CI uses sudo)"
    missing = [tool for tool in ("unshare", "setpriv") if shutil.which(tool, path=SAFE_PATH) is None]
    if missing:
        return f"{' and '.join(missing)} (util-linux) not found on {SAFE_PATH}"
    return None


def program_env(home: Path, stack: str = "", project: str = "chatpdd") -> dict[str, str]:
    """The program's whole environment: what the Pulumi CLI gives a program, and nothing of the caller's
    but a sane locale. No token, no GITHUB_*/ACTIONS_*/RUNNER_*/AWS_*, no PYTHON*, no PULUMI_CONFIG."""
    env = {"PATH": SAFE_PATH, "HOME": str(home), "TMPDIR": str(home), "LANG": "C.UTF-8",
           "PULUMI_PROJECT": project, "PULUMI_DRY_RUN": "true"}
    if stack:
        env["PULUMI_STACK"] = stack
    for key in ("LANG", "LC_ALL", "LC_CTYPE"):
        value = os.environ.get(key, "")
        if value and len(value) < 40 and all(c.isalnum() or c in "._-@" for c in value):
            env[key] = value
    return env


def boxed_command(python_args: list[str]) -> list[str]:
    """``python_args`` (the worker's arguments after the interpreter) run as PID 1 of a new box; the worker
    first calls :func:`seal`, then :func:`drop_and_exec`."""
    setpriv = shutil.which("setpriv", path=SAFE_PATH) or "setpriv"
    unshare = shutil.which("unshare", path=SAFE_PATH) or "unshare"
    return [setpriv, "--pdeathsig", "KILL", "--", unshare, "--pid", "--fork", "--kill-child", "--mount-proc",
            "--mount", "--propagation", "private", "--net", "--ipc", "--uts", "--",
            sys.executable, *PYTHON_FLAGS, *python_args]


def _mounts() -> list[tuple[str, int]]:
    """Every mount point of this namespace with its per-mount flags, parents before children."""
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8") as info:
        for line in info:
            fields = line.split()
            point = fields[4].encode().decode("unicode_escape")  # \040 for a space
            flags = 0
            for option in fields[5].split(","):
                flags |= _FLAG_OF.get(option, 0)
            found.append((point, flags))
    return sorted(found, key=lambda m: m[0].count("/"))


def _mount(libc: ctypes.CDLL, source: str | None, target: str, fstype: str | None, flags: int,
           data: str | None = None) -> None:
    def enc(s: str | None) -> bytes | None:
        return None if s is None else s.encode()

    if libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


def seal(probes: list[Path]) -> None:
    """In the box's fresh mount namespace (PID 1, root): every mount read-only, a private /tmp and /dev/shm.
    Each of ``probes`` (folders the gate reads later) is then checked unwritable: BoxError otherwise."""
    libc = ctypes.CDLL(None, use_errno=True)
    for point, flags in _mounts():
        if point.startswith(_SKIP_MOUNTS) and point not in ("/dev/shm",):
            continue
        try:
            _mount(libc, None, point, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | flags)
        except OSError as err:
            if Path(point) in (Path("/"), *[p for q in probes for p in (q, *q.parents)]):
                raise BoxError(f"cannot make {point} read-only for the program: {err.strerror}") from None
    # /tmp stays (read-only): a program or a base checkout may live there. The program's only writable place
    # is a fresh /dev/shm, its HOME and TMPDIR.
    _mount(libc, "tmpfs", "/dev/shm", "tmpfs", _MS_NOSUID | _MS_NODEV, "size=256m,mode=1777")
    for probe in probes:
        target = probe / ".gate-box-probe"
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError:
            continue  # read-only (EROFS) or absent: what we want
        os.close(fd)
        os.unlink(target)
        raise BoxError(f"{probe} is still writable inside the box")


def drop_and_exec(python_args: list[str]) -> None:
    """Re-execute the worker with every capability dropped and no_new_privs: nothing can be remounted."""
    home = Path(HOME)
    home.mkdir(mode=0o700, exist_ok=True)
    setpriv = shutil.which("setpriv", path=SAFE_PATH) or "setpriv"
    os.execv(setpriv, [setpriv, "--bounding-set", "-all", "--inh-caps", "-all", "--no-new-privs",
                       "--pdeathsig", "KILL", "--", sys.executable, *PYTHON_FLAGS, *python_args])
