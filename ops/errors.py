"""The two ways a command stops early, and their exit codes."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1  # a check or a step failed: the account or the operation is not as expected
EXIT_ERROR = 2  # the tool could not do its job: bad input, no credentials, AWS refused or throttled


class OpsError(Exception):
    """A problem with the tool's input or environment; the message is one clear line (exit 2)."""


class StepFailed(Exception):
    """An operation step did not reach its expected state (exit 1); stops a promotion."""
