"""A misconfigured resource blocks: exit 1, and the output names the policy, the resource and the fix, and
points at the line to change (stack file for config-driven findings, else the component source)."""

from __future__ import annotations

from stacks.loader import load_stack_file

PUBLIC = "aws-rds-instance-disallow-public-access"
RETENTION = "aws-rds-instance-configure-backup-retention"


def finding(run, policy: str) -> dict:
    found = [f for f in run.report()["findings"] if f["policy"] == policy]
    assert len(found) == 1, (policy, found)
    return found[0]


def test_misconfigured_resource_exits_1(misconfigured_gate):
    assert misconfigured_gate.code == 1, misconfigured_gate.stderr
    blocking = {(f["policy"], f["resource_name"]) for f in misconfigured_gate.report()["findings"] if f["blocking"]}
    assert blocking == {(PUBLIC, "database-primary"), (RETENTION, "database-primary")}


def test_program_warnings_are_reported(misconfigured_gate):
    assert "The program warned: this program variant makes the RDS primary public on purpose" in \
        misconfigured_gate.report()["warnings"]


def test_terminal_names_policy_resource_and_fix(misconfigured_gate):
    out = misconfigured_gate.stdout
    assert f"x {PUBLIC} -- database-primary" in out
    assert "RDS instance 'database-primary' is publicly accessible." in out
    public = finding(misconfigured_gate, PUBLIC)
    assert public["severity"] == "critical" and public["remediation"]
    assert f"fix: {public['remediation']}" in out  # the remediation from the pack's GetAnalyzerInfo
    assert "keeps automated backups for 30 days; at least 35 days are required" in out
    assert out.index("CRITICAL") < out.index("HIGH"), "grouped by severity, highest first"
    assert out.rstrip().splitlines()[-2].startswith("FAIL: 2 blocking violations")


def test_config_driven_finding_points_at_the_stack_file_line(misconfigured_gate, misconfigured_dir):
    loaded = load_stack_file(misconfigured_dir / "Pulumi.production.yaml")
    location = finding(misconfigured_gate, RETENTION)["location"]
    assert location["path"].endswith("/Pulumi.production.yaml")
    assert location["line"] == loaded.key_lines["chatpdd-infra:database.backup_retention_days"]


def test_other_findings_point_at_the_component_that_creates_the_resource(misconfigured_gate, repo_root):
    location = finding(misconfigured_gate, PUBLIC)["location"]
    assert location["path"] == "components/database.py"
    line = (repo_root / location["path"]).read_text().splitlines()[location["line"] - 1]
    assert "rds.Instance(" in line, line


def test_no_advisory_hides_a_mandatory_policy(production_gate, misconfigured_gate):
    """A policy that cannot read a value reports ADVISORY "can't run policy": none may appear."""
    for run in (production_gate, misconfigured_gate):
        assert not [f for f in run.report()["findings"] if "can't run policy" in f["message"]]


def test_advisory_findings_are_reported_and_allowed(advisory_gate):
    assert advisory_gate.code == 0, advisory_gate.stderr
    (advisory,) = advisory_gate.report()["findings"]
    assert (advisory["policy"], advisory["enforcement"], advisory["blocking"]) == (RETENTION, "advisory", False)
    assert "Advisories (1)" in advisory_gate.stdout and f"! {RETENTION} -- database-primary" in advisory_gate.stdout
    assert advisory_gate.stdout.rstrip().splitlines()[-2].startswith("PASS: 0 blocking violations, 1 advisory")


def test_a_mandatory_policy_that_could_not_run_blocks():
    from gate.common.findings import PolicyMeta
    from gate.pack.analyzer import AnalyzeResult, Diagnostic
    from gate.pipeline import pack_findings

    meta = PolicyMeta(name=PUBLIC, source="policy-pack", description="d", enforcement="mandatory",
                      severity="critical", remediation="r")
    message = f"can't run policy '{PUBLIC}' from policy pack 'p@v1' during preview: publiclyAccessible is unknown"
    diagnostic = Diagnostic(policy_name=PUBLIC, policy_pack_name="p", message=f"d\n{message}", urn="u",
                            description="d", enforcement_level="advisory", severity="critical")
    (f,) = pack_findings(AnalyzeResult(diagnostics=[diagnostic]), {PUBLIC: meta}, {})
    assert f.blocking and f.message.startswith(message) and "the gate blocks" in f.message
