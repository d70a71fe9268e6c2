"""``python -m gate preview --stack <stack>``: the offline gate (``make gate`` wraps it).

Exit codes: 0 clean (advisories allowed); 1 blocking findings (mandatory violations, expired exemptions,
unskipped checkov failures, and with ``--base`` destructive changes); 2 bad input or no verdict (arguments,
stack config, unknown stack, pack config, exemptions file, checkov skip list or installation, --out folder, a
program that raises, exits, is killed, hangs past ``--program-timeout`` or registers nothing, a policy pack that
crashes, a ``--base`` that does not exist) -- one line on stderr and no traceback unless ``--debug``; 130 / 143
interrupted by SIGINT (Ctrl-C) / SIGTERM: the pack, checkov and the program are stopped and no report of the run
is kept. Nothing printed is ever a secret value: all output goes through the run's redactor, and error messages
are scrubbed of the offline placeholders.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import re
import signal
import sys
import traceback
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gate.program_process import ProgramProcess

EXIT_OK, EXIT_BLOCKING, EXIT_BAD_INPUT = 0, 1, 2
EXIT_INTERRUPTED = {signal.SIGINT: 130, signal.SIGTERM: 143}  # 128 + signal number, as shells report it
DEFAULT_OUT = Path("gate-out")


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived. A BaseException, so that no ``except Exception`` on the way up (the program
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
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}", text) or ".." in text:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a stack name (letters, digits, '-', '_', '.')")
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
    """``python -m gate preview-summary``: print the Markdown section (bad input: exit 2, one line)."""
    from gate.preview_summary import PreviewSummaryError, main

    try:
        sys.stdout.write(_scrub(main(args.file, args.stack, args.job_url)))
    except PreviewSummaryError as err:
        raise UsageError(f"{args.file}: {err}") from None
    return EXIT_OK


def _waivers(args: argparse.Namespace) -> int:
    """``python -m gate waivers``: the waivers expiring within ``--within`` days (or expired), text or JSON."""
    import json

    from gate.checkov import CheckovError
    from gate.exemptions import ExemptionsError
    from gate.pipeline import REPO_ROOT
    from gate.waivers import load_all

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
    # Errors happen before a run's redactor exists (or without one): still never echo a placeholder.
    from gate.redact import Redactor

    return Redactor().text(text)


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


def _check_inputs(args: argparse.Namespace, repo_root: Path) -> None:
    """What the command line names must be what it says, before any work (GateInputError otherwise)."""
    import yaml

    from gate.checkov import CheckovError, check_checkov, checkov_binary
    from gate.pipeline import GateInputError
    from stacks.models import PROJECT
    from stacks.safe_yaml import InputFileError, check_regular_file, load_yaml

    try:
        for option in ("stack_file", "program", "pack_config", "exemptions", "checkov_skips"):
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


def _start_program(args: argparse.Namespace) -> ProgramProcess | None:
    """Start the program's own process at once, on the files the pipeline will use; None when they are not
    there (the pipeline then reports what is wrong). Only the standard library is loaded for this."""
    from gate.program_process import DEFAULT_PROGRAM_TIMEOUT, REPO_ROOT, ProgramProcess

    program = args.program or REPO_ROOT / "__main__.py"
    stack_file = args.stack_file or REPO_ROOT / f"Pulumi.{args.stack}.yaml"
    if not (Path(program).is_file() and Path(stack_file).is_file()):
        return None
    return ProgramProcess(program, stack_file, timeout=args.program_timeout or DEFAULT_PROGRAM_TIMEOUT).start()


def main(argv: list[str] | None = None) -> int:
    """Run the gate; the exit code is 0 clean, 1 blocking findings, 2 bad input, 130/143 interrupted."""
    argv = sys.argv[1:] if argv is None else list(argv)
    out: Path | None = None
    with _signals():
        try:
            out = _early_out(argv)
            return _main(argv, out)
        except (Interrupted, KeyboardInterrupt) as sig:
            signum = sig.signum if isinstance(sig, Interrupted) else signal.SIGINT
            if out is not None:
                from gate.outdir import OutDirError, clear

                with contextlib.suppress(OutDirError):
                    clear(out)  # a report of an interrupted run is no verdict
            code = EXIT_INTERRUPTED[signal.Signals(signum)]
            print(f"gate: interrupted by {signal.Signals(signum).name}: the policy pack and checkov were stopped "
                  f"and no report of this run was kept (exit {code})", file=sys.stderr)
            return code


def _main(argv: list[str], early_out: Path | None) -> int:
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # pulumi_aws's aliases, not ours
    from gate.outdir import OutDirError, prepare_out

    def bad_input(message: str) -> int:
        print(_scrub(f"gate: bad input (exit {EXIT_BAD_INPUT}): {message}"), file=sys.stderr)
        return EXIT_BAD_INPUT

    if early_out is not None:
        try:
            prepare_out(early_out)
        except OutDirError as err:
            return bad_input(str(err))
    try:
        args = parser().parse_args(argv)
        if args.command == "waivers":
            return _waivers(args)
        if args.command == "preview-summary":
            return _preview_summary(args)
    except UsageError as err:
        return bad_input(f"{err} (see `python -m gate {(argv or ['preview'])[0]} --help`)")
    early = _start_program(args)  # the program's process imports and runs while the gate imports the rest
    try:
        from gate.pipeline import REPO_ROOT, GateInputError, GateOptions, run_gate
        from gate.reports.terminal import render

        options = GateOptions(stack=args.stack, out=args.out, stack_file=args.stack_file, program=args.program,
                              pack_config=args.pack_config, exemptions=args.exemptions,
                              checkov_skips=args.checkov_skips, checkov=not args.no_checkov,
                              **({"program_timeout": args.program_timeout} if args.program_timeout else {}),
                              base=args.base, prestarted=early,
                              today=args.today or dt.date.today(), today_given=args.today is not None)
        try:
            _check_inputs(args, REPO_ROOT)
            result = run_gate(options)
        except GateInputError as err:
            if args.debug:
                print(_scrub(_debug_details(err)), file=sys.stderr)
            return bad_input(str(err))
        except Exception as err:  # noqa: BLE001 - the CLI edge: a gate bug is reported, not dumped
            if args.debug:
                print(_scrub(traceback.format_exc()), file=sys.stderr)
            print(_scrub(f"gate: internal error (exit {EXIT_BAD_INPUT}): {type(err).__name__}: {err}. Re-run with "
                         f"--debug for the traceback and report it."), file=sys.stderr)
            return EXIT_BAD_INPUT
    finally:
        if early is not None:  # used or not, it never outlives the gate
            early.kill()
    sys.stdout.write(result.redactor.text(render(result, verbose=args.verbose)))
    sys.stdout.write(result.redactor.text(f"Reports: {', '.join(str(p) for p in result.files)}\n"))
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
