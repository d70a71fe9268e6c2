"""Gate runs shared by the gate tests: each scenario runs the whole pipeline ONCE per session.

The CLI runs in-process (``gate.__main__.main``) with stdout/stderr captured, so a scenario costs a program
run and a pack start, not a Python start-up. Scenarios:

- ``production_gate`` / ``staging_gate``: the committed stacks, as ``make gate`` runs them (``--no-checkov``).
- ``misconfigured_gate``: production with two honest misconfigurations -- a program variant that makes the
  RDS primary publicly accessible (a stack transformation around the real ``__main__.py``) and a pack config
  that raises ``minRetentionDays`` to 35 (the stack keeps 30) -- and a canary ciphertext in the stack file.
- ``advisory_gate``: staging with the raised threshold at enforcement level advisory.
- ``exemptions_gate``: production with the raised retention threshold and an exemptions file holding one
  valid exemption (covers that finding), one expired exemption and one that matches nothing.
- ``checkov_gate``: production with checkov (skipped only where ``.venv-checkov`` is absent; CI has it).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from gate.__main__ import main
from gate.common.today import newest_commit

REPO = Path(__file__).resolve().parents[2]


def days_after(start: str, days: int) -> str:
    return (dt.date.fromisoformat(start) + dt.timedelta(days=days)).isoformat()


# The gate refuses a --today before the newest commit (gate/common/today.py), and bounds expiries to 90 days after it:
# the scenarios run on the newest commit's date, and their exemption dates are relative to it.
TODAY = newest_commit(REPO)[0].isoformat()
EXEMPT_UNTIL = days_after(TODAY, 60)
EXPIRED_ON = days_after(TODAY, -30)
CANARY_CIPHERTEXT = "v1:CANARYcanary0123:Q0FOQVJZLWNpcGhlcnRleHQtdGhhdC1tdXN0LW5ldmVyLWxlYWs="
CHECKOV = REPO / ".venv-checkov" / "bin" / "checkov"
needs_checkov = pytest.mark.skipif(
    not CHECKOV.is_file(),
    reason="checkov's own virtualenv (.venv-checkov) is absent locally: `make setup` creates it. CI has it, "
           "so these tests run there.")

MISCONFIGURED_PROGRAM = f'''"""The committed program with one deliberate misconfiguration: the RDS primary is publicly accessible."""
import runpy

import pulumi


def _public_primary(args):
    if args.type_ == "aws:rds/instance:Instance" and not args.props.get("replicate_source_db"):
        return pulumi.ResourceTransformationResult({{**args.props, "publicly_accessible": True}}, args.opts)
    return None


pulumi.runtime.register_stack_transformation(_public_primary)
pulumi.log.warn("this program variant makes the RDS primary public on purpose")
runpy.run_path({str(REPO / "__main__.py")!r}, run_name="__main__")
'''


@dataclass
class GateRun:
    code: int
    stdout: str
    stderr: str
    out: Path

    def report(self) -> dict:
        return json.loads((self.out / "report.json").read_text())

    def text(self, name: str) -> str:
        return (self.out / name).read_text()

    def written(self) -> dict[str, str]:
        return {p.name: p.read_text() for p in sorted(self.out.iterdir()) if p.is_file()}


def run_gate_cli(out: Path, *args: str) -> GateRun:
    stdout, stderr = io.StringIO(), io.StringIO()
    with redirect_stdout(stdout), redirect_stderr(stderr):
        code = main(["preview", *args, "--out", str(out)])
    return GateRun(code, stdout.getvalue(), stderr.getvalue(), out)


def run_program_variant(tmp_path_factory, name: str, source: str) -> GateRun:
    """The gate on production with a program variant ``source`` (a transformation around __main__.py)."""
    tmp = tmp_path_factory.mktemp(f"{name}-inputs")
    (tmp / f"{name}.py").write_text(source)
    return run_gate_cli(tmp_path_factory.mktemp(f"gate-{name}"), "--stack", "production", "--no-checkov",
                        "--today", TODAY, "--program", str(tmp / f"{name}.py"))


def assert_blocks_exactly(run: GateRun, expected: dict[tuple[str, str], str]) -> None:
    """Exit 1 with exactly the blocking (policy, resource) findings of ``expected``, each message holding its
    phrase."""
    assert run.code == 1, run.stderr
    findings = run.report()["findings"]
    blocking = {(f["policy"], f["resource_name"]) for f in findings if f["blocking"]}
    assert blocking == set(expected), sorted(blocking ^ set(expected))
    for key, phrase in expected.items():
        messages = [f["message"] for f in findings if (f["policy"], f["resource_name"]) == key]
        assert any(phrase in m for m in messages), (key, messages)


def stack_text(replacements: dict[str, str], stack: str = "production") -> str:
    """The committed stack file with exact text replacements (each must exist: the test stays honest)."""
    text = (REPO / f"Pulumi.{stack}.yaml").read_text()
    for old, new in replacements.items():
        assert old in text, f"Pulumi.{stack}.yaml no longer contains {old!r}: update the test"
        text = text.replace(old, new, 1)
    return text


def raised_retention_pack_config(tmp: Path) -> Path:
    config = json.loads((REPO / "policies" / "config" / "production.json").read_text())
    config["aws-rds-instance-configure-backup-retention"] = {"minRetentionDays": 35}
    path = tmp / "production-retention-35.json"
    path.write_text(json.dumps(config, indent=2))
    return path


@pytest.fixture(scope="session")
def production_gate(tmp_path_factory) -> GateRun:
    return run_gate_cli(tmp_path_factory.mktemp("gate-production"), "--stack", "production", "--no-checkov",
                        "--today", TODAY)


@pytest.fixture(scope="session")
def staging_gate(tmp_path_factory) -> GateRun:
    return run_gate_cli(tmp_path_factory.mktemp("gate-staging"), "--stack", "staging", "--no-checkov",
                        "--today", TODAY)


@pytest.fixture(scope="session")
def misconfigured_dir(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("misconfigured-inputs")
    smtp_secret = stack_text({}).split("    smtp:\n", 1)[1].split("secure: ", 1)[1].split("\n", 1)[0]
    (tmp / "Pulumi.production.yaml").write_text(stack_text({smtp_secret: CANARY_CIPHERTEXT}))
    (tmp / "misconfigured.py").write_text(MISCONFIGURED_PROGRAM)
    raised_retention_pack_config(tmp)
    return tmp


@pytest.fixture(scope="session")
def misconfigured_gate(tmp_path_factory, misconfigured_dir) -> GateRun:
    return run_gate_cli(tmp_path_factory.mktemp("gate-misconfigured"), "--stack", "production", "--no-checkov",
                        "--today", TODAY, "--stack-file", str(misconfigured_dir / "Pulumi.production.yaml"),
                        "--program", str(misconfigured_dir / "misconfigured.py"),
                        "--pack-config", str(misconfigured_dir / "production-retention-35.json"))


@pytest.fixture(scope="session")
def advisory_gate(tmp_path_factory) -> GateRun:
    """Staging with a raised retention threshold at enforcement level advisory: reported, not blocking. (Staging:
    production's pack config may not lower a policy to advisory -- tests/gate/test_pack_config_guard.py.)"""
    tmp = tmp_path_factory.mktemp("advisory-inputs")
    config = json.loads((REPO / "policies" / "config" / "staging.json").read_text())
    config["aws-rds-instance-configure-backup-retention"] = {"minRetentionDays": 35, "enforcementLevel": "advisory"}
    (tmp / "advisory.json").write_text(json.dumps(config))
    return run_gate_cli(tmp_path_factory.mktemp("gate-advisory"), "--stack", "staging", "--no-checkov",
                        "--today", TODAY, "--pack-config", str(tmp / "advisory.json"))


PRIMARY_URN = "urn:pulumi:production::chatpdd-infra::chatpdd:components:Database$aws:rds/instance:Instance::database-primary"
EXEMPTIONS = f"""\
exemptions:
  - policy: aws-rds-instance-configure-backup-retention
    resource: database-primary
    stack: production
    reason: "Test: the 35-day threshold is being rolled out; 30 days stays until the migration."
    owner: platform-team
    expires: {EXEMPT_UNTIL}
  - policy: aws-rds-instance-disallow-public-access
    resource: "{PRIMARY_URN}"
    reason: "Test: an exemption granted long ago for a migration window that has closed."
    owner: data-team
    expires: {EXPIRED_ON}
  - policy: aws-rds-instance-enable-multi-az
    resource: no-such-resource
    reason: "Test: a stale exemption whose resource was renamed and no longer exists."
    owner: platform-team
    expires: {days_after(TODAY, 90)}
"""


@pytest.fixture(scope="session")
def exemptions_gate(tmp_path_factory) -> GateRun:
    tmp = tmp_path_factory.mktemp("exemptions-inputs")
    (tmp / "exemptions.yaml").write_text(EXEMPTIONS)
    return run_gate_cli(tmp_path_factory.mktemp("gate-exemptions"), "--stack", "production", "--no-checkov",
                        "--today", TODAY, "--exemptions", str(tmp / "exemptions.yaml"),
                        "--pack-config", str(raised_retention_pack_config(tmp)))


@pytest.fixture(scope="session")
def checkov_gate(tmp_path_factory) -> GateRun:
    if not CHECKOV.is_file():
        pytest.skip("checkov's virtualenv (.venv-checkov) is absent locally; `make setup` creates it (CI has it)")
    return run_gate_cli(tmp_path_factory.mktemp("gate-checkov"), "--stack", "production", "--today", TODAY)


@pytest.fixture
def scratch(tmp_path) -> Path:
    """A tmp dir with a copy of the committed stack files (for broken-config cases)."""
    for stack in ("production", "staging"):
        shutil.copy(REPO / f"Pulumi.{stack}.yaml", tmp_path / f"Pulumi.{stack}.yaml")
    return tmp_path
