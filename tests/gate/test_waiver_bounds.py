"""The gate's own waivers are bounded, through the whole gate (``python -m gate preview``): an exemption names
one concrete resource, an owner, a reason and an expiry at most 90 days after the check date; a checkov skip
names the check, concrete resources, reason, owner and a bounded expiry; ``--today`` cannot move before the
newest commit. Each violation is exit 2 with one line; a valid exemption passes and is listed as active."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gate.common.today import TodayError, check_today, newest_commit
from tests.gate.conftest import REPO, TODAY, days_after, run_gate_cli
from tests.gate.test_bad_input import assert_bad_input

ENTRY = """exemptions:
  - policy: aws-rds-instance-enable-multi-az
    resource: {resource}
    reason: "Test: a reviewed, owned, expiring exemption of one resource."
    owner: platform-team
    expires: {expires}
"""


KEY = "urn:pulumi:production::chatpdd-infra::chatpdd:components:Database$aws:kms/key:Key::database-key"
KEY_ALIAS = "urn:pulumi:production::chatpdd-infra::chatpdd:components:Database$aws:kms/alias:Alias::database-key"


def _gate(tmp_path: Path, *args: str):
    return run_gate_cli(tmp_path / "out", "--stack", "production", "--no-checkov", "--today", TODAY, *args)


def _exemptions(tmp_path: Path, resource: str, expires: str) -> str:
    path = tmp_path / "exemptions.yaml"
    path.write_text(ENTRY.format(resource=resource, expires=expires))
    return str(path)


def test_an_exemption_with_a_glob_exits_2(tmp_path):
    run = _gate(tmp_path, "--exemptions", _exemptions(tmp_path, '"database-*"', days_after(TODAY, 30)))
    assert_bad_input(run, "exemptions[0].resource: Value error, 'database-*' is a glob; name one resource (its URN "
                          "or its Pulumi name), without *, ?, [")


def test_an_exemption_expiring_more_than_90_days_after_today_exits_2(tmp_path):
    far = days_after(TODAY, 91)
    run = _gate(tmp_path, "--exemptions", _exemptions(tmp_path, "database-primary", far))
    assert_bad_input(run, f"exemptions[0] (line 2).expires: {far} is more than 90 days after {TODAY} (at most "
                          f"{days_after(TODAY, 90)}; renew it after a new review instead)")


def test_an_exemption_whose_name_several_resources_share_exits_2(tmp_path):
    """'database-key' is the database's KMS key and its alias: a name is one resource only when no other
    resource of the stack shares it."""
    run = _gate(tmp_path, "--exemptions", _exemptions(tmp_path, "database-key", days_after(TODAY, 30)))
    assert_bad_input(run, "exemptions[0] (line 2).resource: 'database-key' names 2 resources of stack 'production' "
                          f"({KEY_ALIAS}, {KEY}); give the URN of the one to exempt")


def test_the_urn_of_one_of_them_is_accepted(tmp_path):
    run = _gate(tmp_path, "--exemptions", _exemptions(tmp_path, f'"{KEY}"', days_after(TODAY, 30)))
    assert run.code == 0, run.stderr


def test_a_checkov_skip_with_a_glob_exits_2(tmp_path):
    skips = tmp_path / "skips.yaml"
    skips.write_text("skips:\n  - check: CKV2_AWS_62\n    resources: [\"aws_s3_bucket.storage-*\"]\n"
                     "    reason: No workload consumes S3 events.\n    owner: platform-team\n"
                     f"    expires: {days_after(TODAY, 30)}\n")
    run = run_gate_cli(tmp_path / "out", "--stack", "production", "--today", TODAY, "--checkov-skips", str(skips))
    assert_bad_input(run, f"Invalid checkov skip list {skips}: skips.0.resources.0: Value error, "
                          "'aws_s3_bucket.storage-*' is a glob")


def test_today_before_the_newest_commit_exits_2(tmp_path):
    floor, commit = newest_commit(REPO)
    before = (floor - dt.timedelta(days=1)).isoformat()
    run = run_gate_cli(tmp_path / "out", "--stack", "production", "--no-checkov", "--today", before)
    assert run.code == 2
    assert run.stderr == (
        f"gate: bad input (exit 2): --today {before} is before the newest commit ({commit}, {floor.isoformat()}): "
        f"exemptions and checkov skips cannot be checked against an earlier date. Use --today {floor.isoformat()} "
        f"or later, or omit it.\n")


def test_no_git_checkout_fails_closed(tmp_path):
    with pytest.raises(TodayError) as err:
        check_today(dt.date(2026, 12, 1), tmp_path, explicit=True)
    assert str(err.value).startswith(f"cannot read the newest commit date of {tmp_path} (")
    assert "so it runs only in a git checkout" in str(err.value)


def test_a_valid_exemption_passes_and_is_listed_as_active(tmp_path):
    """A harmless neighbour: one owned exemption of one resource within 90 days, for a finding that is not there
    (the stack is clean): exit 0, a warning that it matches nothing, and it is listed as active."""
    until = days_after(TODAY, 90)
    run = _gate(tmp_path, "--exemptions", _exemptions(tmp_path, "database-primary", until))
    assert run.code == 0, run.stderr
    assert "Active exemptions and checkov skips (1)" in run.stdout
    assert (f"  - exemption aws-rds-instance-enable-multi-az -- database-primary: owner platform-team, expires "
            f"{until} (90 days left)") in run.stdout
    assert (f"| exemption | `aws-rds-instance-enable-multi-az` | `database-primary (matches nothing)` | "
            f"platform-team | {until} (90 days left) |") in run.text("report.md")
