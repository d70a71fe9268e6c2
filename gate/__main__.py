"""``python -m gate preview --stack <stack>``: the offline gate (``make gate`` wraps it).

Exit codes: 0 clean (advisories allowed); 1 blocking findings (mandatory violations, expired exemptions,
unskipped checkov failures, and with ``--base`` destructive changes); 2 bad input or no verdict (arguments,
stack config, unknown stack, pack config, exemptions file, checkov skip list or installation, --out folder, a
program that raises, exits, is killed, hangs past ``--program-timeout`` or registers nothing, a policy pack that
crashes, a ``--base`` that does not exist) -- one line on stderr and no traceback unless ``--debug``; 130 / 143
interrupted by SIGINT (Ctrl-C) / SIGTERM (SIGHUP: 129): the pack, checkov and the program are stopped and no
report of the run is kept. Nothing printed is ever a secret value: all output goes through the run's redactor, and error messages
are scrubbed of the offline placeholders.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import re
import signal
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from gate.common.ci_output import neutralise, one_line

if TYPE_CHECKING:
    from gate.program.program_process import ProgramProcess

EXIT_OK, EXIT_BLOCKING, EXIT_BAD_INPUT = 0, 1, 2
# 128 + signal number, as shells report it; SIGHUP: a closed terminal, a cancelled CI job.
EXIT_INTERRUPTED = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}
DEFAULT_OUT = Path("gate-out")


class Interrupted(BaseException):
    """SIGINT, SIGTERM or SIGHUP arrived. A BaseException, so that no ``except Exception`` on the way up (the program
    run, the pack session) mistakes it for bad input; every ``finally`` and ``__exit__`` still runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class UsageError(Exception):
    """A malformed command line (argparse's error, as one line instead of usage + error)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse's NoReturn hook
        raise UsageError(message)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not an ISO date (YYYY-MM-DD)") from None


def _stack_name(text: str) -> str:
    # Pulumi's stack-name characters; also keeps a path or a terminal escape out of file names and messages.
    from stacks.safe_yaml import visible

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}", text) or ".." in text:
        raise argparse.ArgumentTypeError(f"'{visible(text, 40)}' is not a stack name (letters, digits, '-', '_', '.')")
    return text


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive number of seconds")
    return value


def parser() -> argparse.ArgumentParser:
    """The command line of ``python -m gate``."""
    p = _Parser(prog="python -m gate", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    pre = sub.add_parser("preview", help="config -> program under mocks -> policy pack (+ checkov) -> reports")
    pre.add_argument("--stack", required=True, type=_stack_name, help="stack name: reads Pulumi.<stack>.yaml")
    pre.add_argument("--out", type=Path, default=DEFAULT_OUT,
                     help="report folder (default: gate-out/); new, empty, or the gate's own (see docs/gate.md)")
    pre.add_argument("--exemptions", type=Path, help="exemptions file (default: gate/exemptions.yaml)")
    pre.add_argument("--pack-config", type=Path, help="policy pack config (default: policies/config/<stack>.json)")
    pre.add_argument("--no-checkov", action="store_true", help="do not export to / run checkov")
    pre.add_argument("--checkov-skips", type=Path, help="checkov skip list (default: gate/checkov-skips.yaml)")
    pre.add_argument("--prices", type=Path, help="price table of the cost estimate (default: gate/prices.yaml)")
    pre.add_argument("--today", type=_date, default=None,
                     help="the date exemptions and checkov skips expire against (YYYY-MM-DD; not before the "
                          "newest commit; default: the system date)")
    pre.add_argument("--stack-file", type=Path, help="a stack file other than <repo>/Pulumi.<stack>.yaml")
    pre.add_argument("--program", type=Path, help="a program other than <repo>/__main__.py (tests, experiments)")
    pre.add_argument("--program-timeout", type=_seconds, default=None, metavar="SECONDS",
                     help="stop a program that has not finished after this many seconds: exit 2 (default: 300)")
    pre.add_argument("--base", metavar="GIT_REF",
                     help="also run the program at this commit and review the change: creates, updates, "
                          "replacements and deletes; destroying a stateful resource blocks (docs/change-review.md)")
    pre.add_argument("--head", type=Path, metavar="DIR",
                     help="judge the program and stack file of this checkout (a pull request's head) with THIS "
                          "checkout's rules, and review the change against this checkout (docs/trust-boundary.md)")
    pre.add_argument("--verbose", action="store_true", help="list every finding in the terminal")
    pre.add_argument("--debug", action="store_true", help="show tracebacks of bad-input errors")
    wav = sub.add_parser("waivers", help="list the exemptions and checkov skips expiring soon (no program run)")
    wav.add_argument("--within", type=int, default=14, metavar="DAYS",
                     help="waivers in force that expire within this many days (default: 14)")
    wav.add_argument("--all", action="store_true", help="every waiver, whatever its expiry")
    wav.add_argument("--today", type=_date, default=None, help="the date to count from (default: the system date)")
    wav.add_argument("--json", action="store_true", help="print JSON (the scheduled waivers workflow reads it)")
    wav.add_argument("--exemptions", type=Path, help="exemptions file (default: gate/exemptions.yaml)")
    wav.add_argument("--checkov-skips", type=Path, help="checkov skip list (default: gate/checkov-skips.yaml)")
    summ = sub.add_parser("preview-summary", help="the real `pulumi preview --json` as a Markdown section of the "
                                                  "PR comment")
    summ.add_argument("file", type=Path, help="what `pulumi preview --json` printed (streamed events or digest)")
    summ.add_argument("--stack", type=_stack_name, default="production", help="the stack it previewed")
    summ.add_argument("--job-url", default=None, help="link to the job that ran the preview")
    return p


def _preview_summary(args: argparse.Namespace) -> int:
    """``python -m gate preview-summary``: print the Markdown section (bad input: exit 2, one line); exit 1 when a
    step breaks the options table (what the pack cannot see, gate/review/preview_summary.py)."""
    from gate.review.preview_summary import PreviewSummaryError, main

    try:
        section, blocked = main(args.file, args.stack, args.job_url)
    except PreviewSummaryError as err:
        raise UsageError(f"{args.file}: {err}") from None
    sys.stdout.write(_scrub(section))
    return EXIT_BLOCKING if blocked else EXIT_OK


def _dispatch(args: argparse.Namespace, argv: list[str], bad_input: Callable[[str], int]) -> int | None:
    """The small commands that run no program (waivers, preview-summary) end here; ``preview`` goes on unless
    it is refused or handed over."""
    try:
        if args.command == "waivers":
            return _waivers(args)
        if args.command == "preview-summary":
            return _preview_summary(args)
    except UsageError as err:
        return bad_input(f"{err} (see `python -m gate {argv[0]} --help`)")
    return _preflight(args, bad_input)


def _waivers(args: argparse.Namespace) -> int:
    """``python -m gate waivers``: the waivers expiring within ``--within`` days (or expired), text or JSON."""
    import json

    from gate.export.checkov import CheckovError
    from gate.pipeline import REPO_ROOT
    from gate.waivers.exemptions import ExemptionsError
    from gate.waivers.waivers import load_all

    today = args.today or dt.date.today()
    if args.within < 0:
        raise UsageError(f"--within {args.within}: expected 0 or more days")
    try:
        waivers = load_all(REPO_ROOT, today, args.exemptions, args.checkov_skips)
    except (CheckovError, ExemptionsError) as err:
        raise UsageError(str(err)) from None
    listed = waivers if args.all else [w for w in waivers if w.days_left(today) <= args.within]
    if args.json:
        print(json.dumps({"today": today.isoformat(), "within_days": args.within,
                          "waivers": [w.as_dict(today) for w in listed]}, indent=2))
    else:
        print(f"{len(listed)} waiver(s) expiring within {args.within} days of {today.isoformat()} "
              f"(or expired), of {len(waivers)}:")
        print("".join(f"  {w.sentence(today)}\n" for w in listed), end="")
    return EXIT_OK


def _scrub(text: str) -> str:
    # Errors happen before a run's redactor exists (or without one): still never echo a placeholder. And every
    # character a terminal would act on or hide (an escape sequence in a --base ref, a zero-width space in a
    # config key) is shown as its escape.
    from gate.common.redact import Redactor
    from stacks.safe_yaml import visible

    return visible(Redactor().text(text), limit=100_000)


def _early_out(argv: list[str]) -> Path | None:
    """``--out`` of a ``preview`` command line, read before the full parse: the old reports go even when
    another argument is malformed (a stale verdict must never look like this run's)."""
    if any(a in ("-h", "--help") for a in argv):
        return None
    early = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    early.add_argument("command", nargs="?")
    early.add_argument("--out", type=Path, default=DEFAULT_OUT)
    try:
        known, _ = early.parse_known_args(argv)
    except (argparse.ArgumentError, SystemExit):
        return None
    return known.out if known.command == "preview" else None


DEFAULT_INPUTS = ("Pulumi.yaml", "Pulumi.{stack}.yaml", "policies/config/{stack}.json", "gate/exemptions.yaml",
                  "gate/checkov-skips.yaml")


def _check_default_inputs(args: argparse.Namespace, repo_root: Path) -> None:
    """The inputs read by default (no option names them) stay inside the repository: a symlink leading out
    of it, or a loop, is refused before anything reads them (InputFileError)."""
    from stacks.safe_yaml import check_inside

    given = {"Pulumi.{stack}.yaml": args.stack_file, "policies/config/{stack}.json": args.pack_config,
             "gate/exemptions.yaml": args.exemptions, "gate/checkov-skips.yaml": args.checkov_skips}
    for name in DEFAULT_INPUTS:
        if given.get(name) is None:
            relative = name.format(stack=args.stack)
            check_inside(repo_root / relative, repo_root, relative)


def _check_inputs(args: argparse.Namespace, repo_root: Path) -> None:
    """What the command line names must be what it says, before any work (GateInputError otherwise)."""
    import yaml

    from gate.export.checkov import CheckovError, check_checkov, checkov_binary
    from gate.pipeline import GateInputError
    from stacks.models import PROJECT
    from stacks.safe_yaml import InputFileError, check_regular_file, load_yaml

    try:
        for option in ("stack_file", "program", "pack_config", "exemptions", "checkov_skips", "prices"):
            path = getattr(args, option)
            if path is not None:
                check_regular_file(path, f"--{option.replace('_', '-')} {path}")
        project, _ = load_yaml(repo_root / "Pulumi.yaml", "Pulumi.yaml")
        if not args.no_checkov:
            check_checkov(checkov_binary(repo_root))
    except CheckovError as err:
        raise GateInputError(str(err)) from None
    except InputFileError as err:
        if err.display == "Pulumi.yaml" and err.problem == "does not exist":
            raise GateInputError(f"Pulumi.yaml does not exist in {repo_root}: the project file `pulumi preview` "
                                 f"reads (name: {PROJECT}, runtime: python) must sit beside the stack files") from None
        raise GateInputError(str(err)) from None
    except yaml.YAMLError as err:  # a syntax error in Pulumi.yaml
        raise GateInputError(f"Pulumi.yaml is not valid YAML ({getattr(err, 'problem', None) or err})") from None
    if not isinstance(project, dict) or project.get("name") != PROJECT:
        raise GateInputError(f"Pulumi.yaml: expected a mapping with name: {PROJECT} (the project this gate checks)")
    if args.stack_file is not None:
        name = Path(args.stack_file).name
        if name != f"Pulumi.{args.stack}.yaml":
            raise GateInputError(f"--stack-file {args.stack_file} does not belong to --stack {args.stack}: the file "
                                 f"must be named Pulumi.{args.stack}.yaml (Pulumi takes the stack name from it)")


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    # Cleanup (stopping the pack and checkov) must not itself be interrupted by a second Ctrl-C.
    for sig in EXIT_INTERRUPTED:
        signal.signal(sig, signal.SIG_IGN)
    raise Interrupted(signum)


@contextlib.contextmanager
def _signals() -> Iterator[None]:
    """SIGINT and SIGTERM raise :class:`Interrupted` in the main thread for the run's duration."""
    try:
        previous = {sig: signal.signal(sig, _on_signal) for sig in EXIT_INTERRUPTED}
    except ValueError:  # not the main thread (an embedding caller): leave signals alone
        yield
        return
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _debug_details(err: BaseException) -> str:
    """What --debug adds: the traceback and any child process's stderr kept on the cause chain."""
    parts = [traceback.format_exc()]
    cause: BaseException | None = err
    while cause is not None:
        detail = getattr(cause, "detail", None)
        if detail:
            parts.append(f"{type(cause).__name__} detail:\n{detail}")
        cause = cause.__cause__ or cause.__context__
    return "\n".join(parts)


def _before_start(args: argparse.Namespace) -> str | None:
    """Sweep what a killed run left behind (and say so); check the default inputs before the program's
    process starts on them. Returns the bad-input message, if any."""
    from gate.program.program_process import REPO_ROOT
    from gate.review.change_review import sweep_stale_checkouts
    from stacks.safe_yaml import InputFileError

    for notice in sweep_stale_checkouts():  # a --base checkout of a run killed by SIGKILL or a power cut
        print(_scrub(f"gate: {notice}"), file=sys.stderr)
    try:
        _check_default_inputs(args, REPO_ROOT)
    except InputFileError as err:
        return str(err)
    return None


def _preflight(args: argparse.Namespace, bad_input: Callable[[str], int]) -> int | None:
    """What runs before the program's process starts: the sweep and the default inputs' checks
    (:func:`_before_start`), then a refused ``--head`` combination or ``--base`` handed to the base's gate
    (:func:`_refused_or_handed_over`). The exit code when the run ends here, None to go on."""
    refused = _before_start(args)
    if refused is not None:
        return bad_input(refused)
    return _refused_or_handed_over(args, bad_input)


def _start_program(args: argparse.Namespace) -> ProgramProcess | None:
    """Start the program's own process at once, on the files the pipeline will use; None when they are not
    there (the pipeline then reports what is wrong). Only the standard library is loaded for this."""
    from gate.program.program_process import DEFAULT_PROGRAM_TIMEOUT, REPO_ROOT, ProgramProcess

    if args.head is not None:
        program, stack_file = args.head / "__main__.py", args.head / f"Pulumi.{args.stack}.yaml"
    else:
        program = args.program or REPO_ROOT / "__main__.py"
        stack_file = args.stack_file or REPO_ROOT / f"Pulumi.{args.stack}.yaml"
    if not (Path(program).is_file() and Path(stack_file).is_file()):
        return None
    return ProgramProcess(program, stack_file, timeout=args.program_timeout or DEFAULT_PROGRAM_TIMEOUT).start()


def _refused_or_handed_over(args: argparse.Namespace, bad_input: Callable[[str], int]) -> int | None:
    """The exit code when this run ends here: a refused --head combination, or --base handed to the base's
    gate (:func:`_hand_over_to_base`); None to go on."""
    if args.head is not None and (args.program or args.stack_file or args.base):
        return bad_input("--head takes the program and the stack file from the head checkout and reviews the change "
                         "against this checkout: it does not combine with --program, --stack-file or --base")
    if args.base and not args.program:
        return _hand_over_to_base(args)
    return None


def _hand_over_to_base(args: argparse.Namespace) -> int | None:
    """``--base REF`` from a head checkout: the judge must not be the code under review. Check out REF and run
    ITS gate with ``--head <this checkout>`` (its rules, its gate code); None when REF's gate predates
    ``--head`` (then this gate reviews the change itself, and says so). The virtualenvs are this checkout's
    (a local convenience: CI installs the base's from the base's locks, docs/trust-boundary.md)."""
    import subprocess

    from gate.pipeline import REPO_ROOT, GateInputError
    from gate.review.change_review import BaseRefError, base_checkout

    try:
        with base_checkout(args.base, REPO_ROOT) as checkout:
            # The rule-path list marks a gate that has --head: gate/review/ since the gate was arranged by stage,
            # gate/ before (a base of that time has --head too).
            if not any((checkout.worktree / rel).is_file() for rel in ("gate/review/trusted_paths.py",
                                                                       "gate/trusted_paths.py")):
                return None
            for venv in (".venv", "policies/.venv", ".venv-checkov"):
                if (REPO_ROOT / venv).exists() and not (checkout.worktree / venv).exists():
                    (checkout.worktree / venv).symlink_to((REPO_ROOT / venv).resolve())
            argv = ["preview", "--stack", args.stack, "--out", str(Path(args.out).resolve()),
                    "--head", str(REPO_ROOT)]
            for option in ("exemptions", "pack_config", "checkov_skips"):
                if getattr(args, option) is not None:
                    argv += [f"--{option.replace('_', '-')}", str(Path(getattr(args, option)).resolve())]
            for flag in ("no_checkov", "verbose", "debug"):
                if getattr(args, flag):
                    argv.append(f"--{flag.replace('_', '-')}")
            if args.today is not None:
                argv += ["--today", args.today.isoformat()]
            if args.program_timeout is not None:
                argv += ["--program-timeout", str(args.program_timeout)]
            python = REPO_ROOT / ".venv" / "bin" / "python"
            return subprocess.run([str(python) if python.exists() else sys.executable, "-E", "-s", "-m", "gate",
                                   *argv], cwd=checkout.worktree, check=False).returncode
    except BaseRefError as err:
        print(one_line(_scrub(f"gate: bad input (exit {EXIT_BAD_INPUT}): {err}")), file=sys.stderr)
        return EXIT_BAD_INPUT
    except GateInputError as err:  # pragma: no cover - base_checkout raises BaseRefError only
        print(one_line(f"gate: bad input (exit {EXIT_BAD_INPUT}): {err}"), file=sys.stderr)
        return EXIT_BAD_INPUT


def main(argv: list[str] | None = None) -> int:
    """Run the gate; the exit code is 0 clean, 1 blocking findings, 2 bad input, 130/143 interrupted."""
    argv = sys.argv[1:] if argv is None else list(argv)
    # Team decision (docs/gate.md): the gate ignores an ambient PULUMI_CONFIG entirely -- the stack file is the
    # config. The Pulumi SDK would fall back to it (and to PULUMI_CONFIG_<KEY>) for any key the file lacks.
    for name in [n for n in os.environ if n.startswith("PULUMI_CONFIG")]:
        del os.environ[name]
    out: Path | None = None
    with _signals():
        try:
            out = _early_out(argv)
            return _main(argv, out)
        except (Interrupted, KeyboardInterrupt) as sig:
            signum = sig.signum if isinstance(sig, Interrupted) else signal.SIGINT
            if out is not None:
                from gate.common.outdir import OutDirError, clear

                with contextlib.suppress(OutDirError):
                    clear(out)  # a report of an interrupted run is no verdict
            code = EXIT_INTERRUPTED[signal.Signals(signum)]
            print(f"gate: interrupted by {signal.Signals(signum).name}: the policy pack and checkov were stopped "
                  f"and no report of this run was kept (exit {code})", file=sys.stderr)
            return code


def _main(argv: list[str], early_out: Path | None) -> int:
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # pulumi_aws's aliases, not ours
    from gate.common.outdir import OutDirError, prepare_out

    def bad_input(message: str) -> int:
        print(one_line(_scrub(f"gate: bad input (exit {EXIT_BAD_INPUT}): {message}")), file=sys.stderr)
        return EXIT_BAD_INPUT

    if early_out is not None:
        try:
            prepare_out(early_out)
        except OutDirError as err:
            return bad_input(str(err))
    try:
        args = parser().parse_args(argv)
    except UsageError as err:
        return bad_input(f"{err} (see `python -m gate preview --help`)")
    handed = _dispatch(args, argv, bad_input)
    if handed is not None:
        return handed
    early = _start_program(args)  # the program's process imports and runs while the gate imports the rest
    try:
        from gate.pipeline import REPO_ROOT, GateInputError, GateOptions, run_gate
        from gate.reports.terminal import render

        options = GateOptions(stack=args.stack, out=args.out, stack_file=args.stack_file, program=args.program,
                              pack_config=args.pack_config, exemptions=args.exemptions,
                              checkov_skips=args.checkov_skips, checkov=not args.no_checkov, prices=args.prices,
                              **({"program_timeout": args.program_timeout} if args.program_timeout else {}),
                              base=args.base, prestarted=early,
                              head=args.head.resolve() if args.head is not None else None,
                              today=args.today or dt.date.today(), today_given=args.today is not None)
        try:
            _check_inputs(args, REPO_ROOT)
            result = run_gate(options)
        except GateInputError as err:
            if args.debug:
                print(neutralise(_scrub(_debug_details(err))), file=sys.stderr)
            return bad_input(str(err))
        except OutDirError as err:  # a report could not be written (a full disk): none of this run is kept
            with contextlib.suppress(OutDirError):
                from gate.common.outdir import clear

                clear(args.out)
            return bad_input(str(err))
        except Exception as err:  # noqa: BLE001 - the CLI edge: a gate bug is reported, not dumped
            if args.debug:
                print(neutralise(_scrub(traceback.format_exc())), file=sys.stderr)
            print(one_line(_scrub(f"gate: internal error (exit {EXIT_BAD_INPUT}): {type(err).__name__}: {err}. Re-run with "
                         f"--debug for the traceback and report it.")), file=sys.stderr)
            return EXIT_BAD_INPUT
    finally:
        if early is not None:  # used or not, it never outlives the gate
            early.kill()
    # Program text (warnings, names, messages) is in the body: neutralised, so that the verdict -- the one line
    # starting with PASS:/FAIL:, printed here last but one -- and the runner's commands are the gate's alone.
    *body, verdict_line = result.redactor.text(render(result, verbose=args.verbose)).rstrip("\n").split("\n")
    sys.stdout.write(neutralise("\n".join(body)) + "\n" + one_line(verdict_line) + "\n")
    sys.stdout.write(one_line(result.redactor.text(f"Reports: {', '.join(str(p) for p in result.files)}")) + "\n")
    return result.exit_code


def _clean_interpreter() -> None:
    """A caller's PYTHON* variables (PYTHONPATH to a fake ``stacks``, PYTHONINSPECT, PYTHONIOENCODING=ascii...)
    change what this interpreter imports and how it behaves, and an ambient PULUMI_CONFIG is no input of the
    gate (team decision): re-execute once without them, isolated (``-E -s``), this gate's root on sys.path."""
    dirty = [k for k in os.environ if k.startswith(("PYTHON", "PULUMI_CONFIG"))]
    if not dirty or sys.flags.ignore_environment:  # -E: re-executed already (or started clean)
        return
    env = {k: v for k, v in os.environ.items() if k not in dirty}
    root = str(Path(__file__).resolve().parent.parent)
    code = f"import sys; sys.path.insert(0, {root!r}); from gate.__main__ import main; sys.exit(main())"
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-E", "-s", "-c", code, *sys.argv[1:]], env)


if __name__ == "__main__":
    _clean_interpreter()
    sys.exit(main())
