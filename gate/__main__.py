"""``python -m gate preview --stack <stack>``: the offline gate (``make gate`` wraps it).

Exit codes: 0 clean (advisories allowed); 1 blocking findings (mandatory violations, expired exemptions,
unskipped checkov failures, and with ``--base`` destructive changes); 2 bad input (stack config, unknown
stack, pack config, exemptions file, checkov skip list or installation, a program that raises, exits, is
killed, hangs past ``--program-timeout`` or registers nothing; a ``--base`` that does not exist) -- a
one-paragraph message on stderr and no traceback unless ``--debug``. Nothing printed is ever a secret value:
all output goes through the run's redactor, and error messages are scrubbed of the offline placeholders.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import traceback
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gate.program_process import ProgramProcess

EXIT_OK, EXIT_BLOCKING, EXIT_BAD_INPUT = 0, 1, 2


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not an ISO date (YYYY-MM-DD)") from None


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive number of seconds")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m gate", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    pre = sub.add_parser("preview", help="config -> program under mocks -> policy pack (+ checkov) -> reports")
    pre.add_argument("--stack", required=True, help="stack name: reads Pulumi.<stack>.yaml")
    pre.add_argument("--out", type=Path, default=Path("gate-out"), help="report directory (default: gate-out/)")
    pre.add_argument("--exemptions", type=Path, help="exemptions file (default: gate/exemptions.yaml)")
    pre.add_argument("--pack-config", type=Path, help="policy pack config (default: policies/config/<stack>.json)")
    pre.add_argument("--no-checkov", action="store_true", help="do not export to / run checkov")
    pre.add_argument("--checkov-skips", type=Path, help="checkov skip list (default: gate/checkov-skips.yaml)")
    pre.add_argument("--today", type=_date, default=None, help="the date exemptions expire against (YYYY-MM-DD)")
    pre.add_argument("--stack-file", type=Path, help="a stack file other than <repo>/Pulumi.<stack>.yaml")
    pre.add_argument("--program", type=Path, help="a program other than <repo>/__main__.py (tests, experiments)")
    pre.add_argument("--program-timeout", type=_seconds, default=None, metavar="SECONDS",
                     help="stop a program that has not finished after this many seconds: exit 2 (default: 300)")
    pre.add_argument("--base", metavar="GIT_REF",
                     help="also run the program at this commit and review the change: creates, updates, "
                          "replacements and deletes; destroying a stateful resource blocks (docs/change-review.md)")
    pre.add_argument("--verbose", action="store_true", help="list every finding in the terminal")
    pre.add_argument("--debug", action="store_true", help="show tracebacks of bad-input errors")
    return p


def _scrub(text: str) -> str:
    # Errors happen before a run's redactor exists (or without one): still never echo a placeholder.
    from gate.redact import Redactor

    return Redactor().text(text)


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
    args = parser().parse_args(argv)
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # pulumi_aws's aliases, not ours
    early = _start_program(args)  # the program's process imports and runs while the gate imports the rest
    from gate.pipeline import GateInputError, GateOptions, run_gate
    from gate.reports.terminal import render

    options = GateOptions(stack=args.stack, out=args.out, stack_file=args.stack_file, program=args.program,
                          pack_config=args.pack_config, exemptions=args.exemptions,
                          checkov_skips=args.checkov_skips, checkov=not args.no_checkov,
                          **({"program_timeout": args.program_timeout} if args.program_timeout else {}),
                          base=args.base, prestarted=early,
                          today=args.today or dt.date.today())
    try:
        result = run_gate(options)
    except GateInputError as err:
        if args.debug:
            print(_scrub(traceback.format_exc()), file=sys.stderr)
        print(_scrub(f"gate: bad input (exit {EXIT_BAD_INPUT}): {err}"), file=sys.stderr)
        return EXIT_BAD_INPUT
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
