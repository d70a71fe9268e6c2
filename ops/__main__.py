"""``python -m ops <subcommand>``: argument parsing, and every error turned into one clear line.

Exit codes: 0 all good; 1 a check or step failed (stops a promotion); 2 the tool could not do its
job (bad outputs file, no credentials, AWS error or throttling after retries, bad arguments or
environment). Every exit 2 is one line on stderr, never a traceback (docs/operations.md).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
)

from ops.aws import Aws, error_code, is_throttling, retry_settings
from ops.cleanup import cleanup_snapshots
from ops.errors import EXIT_ERROR, EXIT_FAILED, EXIT_OK, OpsError, StepFailed
from ops.outputs import Outputs
from ops.restore import restore_drill, restore_drill_from_dr
from ops.snapshot import take_snapshot
from ops.verify import run_verify, table, tls_context
from stacks.checklist import BACKUP_RETENTION_DAYS, HEALTH_RESPONSE_MS


def cmd_snapshot(args: argparse.Namespace, outputs: Outputs) -> int:
    """``snapshot``: take and wait for the pre-deployment snapshot of the primary."""
    snapshot_id = take_snapshot(Aws(outputs.region()), outputs.database(), args.deployment_id, args.wait_seconds)
    print(f"snapshot_id={snapshot_id}")  # the promote workflow reads this line
    return EXIT_OK


def cmd_verify(args: argparse.Namespace, outputs: Outputs) -> int:
    """``verify``: check the live account against the checklist and print the table."""
    if args.timeout_ms > HEALTH_RESPONSE_MS:
        raise OpsError(f"--timeout-ms {args.timeout_ms} is looser than the checklist's {HEALTH_RESPONSE_MS} ms")
    results = run_verify(Aws(outputs.region()), outputs, tls_context(args.ca_bundle), args.timeout_ms)
    print(table(results))
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


def cmd_restore_drill(args: argparse.Namespace, outputs: Outputs) -> int:
    """``restore-drill``: restore the latest snapshot to a temporary instance, check it, delete it; with
    ``--from-dr``, restore the replicated automated backups in the disaster-recovery region instead."""
    if args.from_dr:
        if args.snapshot_id:
            raise OpsError("--from-dr restores the replicated automated backups; it takes no --snapshot-id")
        dr = outputs.dr_backups()
        restore_drill_from_dr(Aws(dr.region), outputs.database(), dr, args.wait_seconds, datetime.now(UTC))
    else:
        restore_drill(Aws(outputs.region()), outputs.database(), args.snapshot_id, args.wait_seconds,
                      datetime.now(UTC))
    print("restore drill passed")
    return EXIT_OK


MAX_RETENTION_DAYS = 3650  # ten years: anything longer is a typo (and overflows date arithmetic)
EARLIEST_NOW = datetime(2000, 1, 1, tzinfo=UTC)  # before any RDS snapshot existed
CLOCK_SKEW = timedelta(minutes=5)


def cmd_cleanup(args: argparse.Namespace, outputs: Outputs) -> int:
    """``cleanup-snapshots``: delete this tool's manual snapshots older than the retention."""
    if args.retention_days < BACKUP_RETENTION_DAYS:
        raise OpsError(f"--retention-days {args.retention_days} is below the checklist's {BACKUP_RETENTION_DAYS}")
    if args.retention_days > MAX_RETENTION_DAYS:
        raise OpsError(f"--retention-days {args.retention_days} is out of range; expected {BACKUP_RETENTION_DAYS} "
                       f"to {MAX_RETENTION_DAYS} days")
    real_now = datetime.now(UTC)
    now = args.now or real_now
    # A future --now would age every snapshot past the retention: refused (a few minutes of skew allowed).
    if now > real_now + CLOCK_SKEW:
        raise OpsError(f"--now {now.isoformat()} is in the future; expected a time no later than now "
                       f"({real_now:%Y-%m-%dT%H:%M:%SZ})")
    if now < EARLIEST_NOW:
        raise OpsError(f"--now {now.isoformat()} is out of range; expected a time after {EARLIEST_NOW:%Y-%m-%d}")
    cleanup_snapshots(Aws(outputs.region()), outputs.database(), args.retention_days, now, args.dry_run)
    return EXIT_OK


def timestamp(text: str) -> datetime:
    """An ISO 8601 timestamp argument, as an aware datetime (UTC if it names no zone)."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 timestamp: {text[:40]!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def bounded(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        if not text.strip().lstrip("-").isdigit() or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"{text[:20]!r} is not a whole number from {low} to {high}")
        return int(text)

    return parse


class UsageError(Exception):
    """A malformed command line: reported as one line, not argparse's usage + error."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse's NoReturn hook
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``python -m ops``."""
    parser = _Parser(
        prog="python -m ops",
        description="ChatPDD operations: pre-deploy snapshot, live verification, restore drill, snapshot cleanup.",
        epilog="exit codes: 0 ok, 1 a check or step failed, 2 bad input, credentials or AWS error")
    sub = parser.add_subparsers(dest="command", required=True, metavar="<subcommand>")

    def command(name: str, handler: Callable[[argparse.Namespace, Outputs], int], text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=text, description=text)
        p.add_argument("--outputs", required=True, metavar="FILE", help="`pulumi stack output --json` of the stack")
        p.set_defaults(handler=handler)
        return p

    p = command("snapshot", cmd_snapshot, "manual pre-deploy snapshot of the primary, encrypted and tagged")
    p.add_argument("--deployment-id", required=True, help="e.g. the CI run id; names and tags the snapshot")
    p.add_argument("--wait-seconds", type=bounded(1, 86400), default=1800,
                   help="how long to wait for it (default 1800)")

    p = command("verify", cmd_verify, "check the live account against the outputs and the checklist")
    p.add_argument("--ca-bundle", metavar="PEM", help="CA bundle for the health URLs (default: system)")
    p.add_argument("--timeout-ms", type=bounded(1, 60_000), default=HEALTH_RESPONSE_MS,
                   help=f"health response budget, at most the checklist's {HEALTH_RESPONSE_MS}")

    p = command("restore-drill", cmd_restore_drill, "restore a snapshot into a temporary instance, check, delete")
    p.add_argument("--snapshot-id", help="snapshot to restore (default: the newest of the primary)")
    p.add_argument("--from-dr", action="store_true",
                   help="restore the replicated automated backups in the disaster-recovery region (database.dr_region)")
    p.add_argument("--wait-seconds", type=bounded(1, 86400), default=3600,
                   help="how long to wait for each step (default 3600)")

    p = command("cleanup-snapshots", cmd_cleanup,
                "delete this tool's manual snapshots older than the retention; never the newest pre-deploy "
                "snapshot (the rollback point) nor one tagged Retain=true or LegalHold")
    p.add_argument("--retention-days", type=int, default=BACKUP_RETENTION_DAYS,
                   help=f"at least the checklist's {BACKUP_RETENTION_DAYS} (default), at most {MAX_RETENTION_DAYS}")
    p.add_argument("--dry-run", action="store_true", help="list what would be deleted, delete nothing")
    p.add_argument("--now", type=timestamp,
                   help="ISO 8601 'now' for the age computation (reproducible runs); never in the future")
    return parser


def describe_client_error(exc: ClientError) -> str:
    """One line for an AWS error: the operation, the code and, for throttling, the retries spent."""
    code = error_code(exc)
    message = exc.response.get("Error", {}).get("Message", "")
    if is_throttling(exc):
        attempts = exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0) + 1
        mode = retry_settings()["mode"]
        return (f"AWS throttled {exc.operation_name} ({code}) on all {attempts} attempts ({mode} retries); "
                "wait and re-run, or raise AWS_MAX_ATTEMPTS")
    return f"AWS {exc.operation_name} failed: {code}: {message}"


def no_region_message() -> str:
    """The one line for a missing region, naming the variable botocore really reads."""
    # botocore reads AWS_DEFAULT_REGION; AWS_REGION is what other SDKs (and the GitHub action) set.
    hint = ("; AWS_REGION is set, but botocore (which ops uses) does not read it"
            if os.environ.get("AWS_REGION") and not os.environ.get("AWS_DEFAULT_REGION") else "")
    return f"no AWS region: set 'region' in the outputs file or AWS_DEFAULT_REGION{hint}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ops command; exit 0 ok, 1 a failed check, 2 bad input or an AWS error."""
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        print(f"ops: error: {exc} (see `python -m ops --help`)", file=sys.stderr)
        return EXIT_ERROR
    prefix = f"ops {args.command}"
    try:
        return int(args.handler(args, Outputs.load(args.outputs)))
    except StepFailed as exc:
        print(f"{prefix}: FAILED: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OpsError as exc:
        message = str(exc)
    except (NoCredentialsError, PartialCredentialsError):
        message = ("no AWS credentials found (environment, shared config, web identity or instance role); "
                   "in CI configure them with aws-actions/configure-aws-credentials (OIDC)")
    except NoRegionError:
        message = no_region_message()
    except EndpointConnectionError as exc:
        message = f"cannot reach the AWS endpoint {exc.kwargs.get('endpoint_url')}"
    except ClientError as exc:
        message = describe_client_error(exc)
    except BotoCoreError as exc:
        message = f"AWS client error: {exc}"
    except (OSError, ValueError, OverflowError) as exc:  # the tool's environment, not a failed check
        message = f"{type(exc).__name__}: {exc}"
    print(f"{prefix}: error: {message}", file=sys.stderr)
    return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
