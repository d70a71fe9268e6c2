"""Exemptions: an exempted finding is reported but does not block; an expired exemption blocks; an
exemption that matches nothing warns; a bad file is bad input (test_bad_input.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gate.common.findings import EXPIRED_EXEMPTION_POLICY, Finding
from gate.waivers.exemptions import ExemptionsError, apply_exemptions, check_exemptions, load_exemptions
from tests.gate.conftest import EXEMPT_UNTIL, EXEMPTIONS, EXPIRED_ON

POLICIES = {"aws-rds-instance-enable-multi-az", "aws-rds-instance-disallow-public-access"}


def test_expired_exemption_alone_exits_1(exemptions_gate):
    report = exemptions_gate.report()
    assert exemptions_gate.code == 1
    blocking = [f for f in report["findings"] if f["blocking"]]
    assert [f["policy"] for f in blocking] == [EXPIRED_EXEMPTION_POLICY]
    assert f"expired on {EXPIRED_ON}" in blocking[0]["message"] and "data-team" in blocking[0]["message"]
    entry_line = 1 + EXEMPTIONS.splitlines().index("  - policy: aws-rds-instance-disallow-public-access")
    assert blocking[0]["location"]["line"] == entry_line  # points at the entry to renew or remove
    assert f"x {EXPIRED_EXEMPTION_POLICY}" in exemptions_gate.stdout


def test_exempted_finding_is_reported_not_blocking(exemptions_gate):
    exempted = [f for f in exemptions_gate.report()["findings"] if f["status"] == "exempted"]
    assert [(f["policy"], f["resource_name"]) for f in exempted] == [
        ("aws-rds-instance-configure-backup-retention", "database-primary")]
    assert exempted[0]["waiver"]["owner"] == "platform-team" and exempted[0]["waiver"]["expires"] == EXEMPT_UNTIL
    assert "Exempted (1)" in exemptions_gate.stdout and f"exempted until {EXEMPT_UNTIL}" in exemptions_gate.stdout
    assert "- aws-rds-instance-configure-backup-retention -- database-primary" in exemptions_gate.stdout


def test_unmatched_exemption_warns(exemptions_gate):
    report = exemptions_gate.report()
    assert [w for w in report["warnings"] if "matches no finding" in w and "no-such-resource" in w]
    assert "! Exemption at " in exemptions_gate.stdout
    statuses = [e["status"] for e in report["exemptions"]["entries"]]
    assert statuses == ["applied", "expired", "unmatched"]


def _finding(policy: str, name: str, stack: str = "production") -> Finding:
    urn = f"urn:pulumi:{stack}::chatpdd-infra::pulumi:pulumi:Stack$aws:rds/instance:Instance::{name}"
    return Finding(policy=policy, source="policy-pack", enforcement="mandatory", severity="high", message="m",
                   urn=urn, resource_name=name)


def _load(tmp_path: Path, text: str):
    path = tmp_path / "exemptions.yaml"
    path.write_text(text)
    return load_exemptions(path, "exemptions.yaml", POLICIES)


ENTRY = ("exemptions:\n  - policy: aws-rds-instance-enable-multi-az\n    resource: {resource}\n"
         "    reason: Staging runs single-AZ on purpose.\n    owner: platform\n    expires: 2027-01-01\n{extra}")


@pytest.mark.parametrize("resource, matches", [
    ("chatpdd-staging-db", True), ("chatpdd-staging-db-replica", False),
    ("'urn:pulumi:staging::chatpdd-infra::pulumi:pulumi:Stack$aws:rds/instance:Instance::chatpdd-staging-db'", True),
    ("'urn:pulumi:production::chatpdd-infra::pulumi:pulumi:Stack$aws:rds/instance:Instance::chatpdd-staging-db'",
     False)])
def test_resource_is_one_name_or_one_urn(tmp_path, resource, matches):
    loaded = _load(tmp_path, ENTRY.format(resource=resource, extra=""))
    found = _finding("aws-rds-instance-enable-multi-az", "chatpdd-staging-db", stack="staging")
    outcome = apply_exemptions([found], loaded, stack="staging", today=dt.date(2026, 11, 27), checkov_ran=True)
    assert (found.status == "exempted") is matches
    assert bool(outcome.warnings) is not matches


@pytest.mark.parametrize("resource", ["'*'", "'chatpdd-*-db'", "'urn:pulumi:production::*'", "db-?", "'db-[12]'"])
def test_a_glob_is_refused(tmp_path, resource):
    with pytest.raises(ExemptionsError) as err:
        _load(tmp_path, ENTRY.format(resource=resource, extra=""))
    glob = resource.strip("'")
    assert str(err.value).startswith(
        f"Invalid exemptions file exemptions.yaml (1 problem): exemptions[0].resource: Value error, '{glob}' is a "
        "glob; name one resource (its URN or its Pulumi name), without *, ?, [.")


def test_a_name_shared_by_two_resources_is_refused(tmp_path):
    loaded = _load(tmp_path, ENTRY.format(resource="alias", extra=""))
    resources = [("urn:pulumi:production::p::a$aws:kms/alias:Alias::alias", "alias"),
                 ("urn:pulumi:production::p::b$aws:kms/alias:Alias::alias", "alias"),
                 ("urn:pulumi:production::p::aws:rds/instance:Instance::db", "db")]
    with pytest.raises(ExemptionsError) as err:
        check_exemptions(loaded, stack="production", today=dt.date(2026, 11, 27), resources=resources)
    assert str(err.value) == (
        "Invalid exemptions file exemptions.yaml (1 problem): exemptions[0] (line 2).resource: 'alias' names 2 "
        "resources of stack 'production' (urn:pulumi:production::p::a$aws:kms/alias:Alias::alias, "
        "urn:pulumi:production::p::b$aws:kms/alias:Alias::alias); give the URN of the one to exempt.")
    check_exemptions(loaded, stack="production", today=dt.date(2026, 11, 27), resources=resources[1:])  # one: fine


@pytest.mark.parametrize("header, today, problem", [
    ("", dt.date(2026, 10, 2), "exemptions[0] (line 3).expires: 2027-01-01 is more than 90 days after 2026-10-02 "
                               "(at most 2026-12-31; renew it after a new review instead)"),
    ("", dt.date(2026, 10, 3), None),  # exactly 90 days
    ("max_expiry_days: 30\n", dt.date(2026, 12, 1), "exemptions[0] (line 4).expires: 2027-01-01 is more than 30 "
                                                    "days after 2026-12-01 (at most 2026-12-31; renew it after a new "
                                                    "review instead)"),
    ("max_expiry_days: 31\n", dt.date(2026, 12, 1), None),
])
def test_expiry_is_at_most_max_expiry_days_after_the_check_date(tmp_path, header, today, problem):
    loaded = _load(tmp_path, "# reviewed\n" + header + ENTRY.format(resource="db", extra=""))
    if problem is None:
        check_exemptions(loaded, stack="production", today=today, resources=[])
        return
    with pytest.raises(ExemptionsError) as err:
        check_exemptions(loaded, stack="production", today=today, resources=[])
    assert str(err.value) == f"Invalid exemptions file exemptions.yaml (1 problem): {problem}."


def test_max_expiry_days_cannot_be_raised_above_90(tmp_path):
    with pytest.raises(ExemptionsError) as err:
        _load(tmp_path, "max_expiry_days: 365\n" + ENTRY.format(resource="db", extra=""))
    assert "max_expiry_days: Input should be less than or equal to 90" in str(err.value)


def test_exemption_for_another_stack_neither_applies_nor_warns(tmp_path):
    loaded = _load(tmp_path, ENTRY.format(resource="chatpdd-production-db", extra="    stack: staging\n"))
    found = _finding("aws-rds-instance-enable-multi-az", "chatpdd-production-db")
    outcome = apply_exemptions([found], loaded, stack="production", today=dt.date(2026, 11, 27), checkov_ran=True)
    assert found.status == "open" and outcome.warnings == []


def test_exemption_is_valid_through_its_expiry_date(tmp_path):
    loaded = _load(tmp_path, ENTRY.format(resource="db", extra=""))
    for today, expired in ((dt.date(2027, 1, 1), False), (dt.date(2027, 1, 2), True)):
        found = _finding("aws-rds-instance-enable-multi-az", "db")
        outcome = apply_exemptions([found], loaded, stack="production", today=today, checkov_ran=True)
        assert (found.status == "open") is expired
        assert bool(outcome.expired) is expired


@pytest.mark.parametrize("text, message", [
    ("exemptions:\n  - policy: aws-rds-instance-enable-multi-az\n", "exemptions[0].resource: missing"),
    (ENTRY.format(resource="db", extra="    ticket: OPS-1\n"), "exemptions[0].ticket: Extra inputs are not permitted"),
    (ENTRY.format(resource="db", extra="").replace("2027-01-01", "2027-13-01"), "exemptions[0].expires"),
    (ENTRY.format(resource="db", extra="").replace("enable-multi-az", "enable-multiaz"),
     "unknown policy 'aws-rds-instance-enable-multiaz'"),
    ("exemptions: [\n", "not valid YAML"),
])
def test_invalid_file_is_a_clear_error(tmp_path, text, message):
    with pytest.raises(ExemptionsError) as err:
        _load(tmp_path, text)
    assert message in str(err.value)


def test_checked_in_file_is_valid_and_empty(repo_root):
    loaded = load_exemptions(repo_root / "gate/exemptions.yaml", "gate/exemptions.yaml", POLICIES)
    assert loaded.entries == ()


def test_every_active_exemption_is_listed_in_the_summary_and_the_pr_comment(exemptions_gate):
    """The valid one and the unmatched one are in force; the expired one is not (it blocks instead)."""
    assert "Active exemptions and checkov skips (2)" in exemptions_gate.stdout
    assert (f"  - exemption aws-rds-instance-configure-backup-retention -- database-primary: owner platform-team, "
            f"expires {EXEMPT_UNTIL} (60 days left)") in exemptions_gate.stdout
    markdown = exemptions_gate.text("report.md")
    waivers = markdown.split("<details><summary>Waivers in force (2, covering 1 finding;")[1].split("</details>")[0]
    assert (f"| exemption | `aws-rds-instance-configure-backup-retention` | `database-primary` | platform-team | "
            f"{EXEMPT_UNTIL} (60 days left) | Test: the 35-day threshold is being rolled out; 30 days stays until the "
            f"migration. |") in waivers
    assert "`no-such-resource (matches nothing)`" in waivers and "data-team" not in waivers
