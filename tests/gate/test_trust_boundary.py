"""Issue 16: the judged never judges itself -- each attack class through the CLI, as CI runs it.

The gate runs in a subprocess from a scratch copy of the repository (the attacks write into its rule files:
on code without the box they would succeed, and must not touch this checkout). Classes:

A. the program rewrites the rules (an exemption for its public database, a policy's source) or the report
   while the gate runs -> refused by the read-only box, the verdict stays FAIL;
B. the program outlives the gate: a double-forked daemon in its own session, and the gate killed by SIGKILL
   -> no process of the program survives (PID namespace, parent-death signals);
C. the program reads its environment: CI tokens, cloud credentials, $GITHUB_ENV -> it gets the allow-list only;
D. a hostile caller environment (PYTHONINSPECT, PYTHONIOENCODING=ascii, PULUMI_CONFIG, PYTHONPATH with a fake
   `stacks`) never changes a verdict nor shows a traceback;
E. the program's output on the CI log: workflow commands and forged verdict lines are neutralised;
F. the rules come from the base (--head): tests/gate/test_rules_from_base.py.
Harmless neighbours pass: a program that logs a warning, one that starts and reaps a helper process.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.gate.conftest import REPO, days_after

try:
    from gate.program.box import unavailable
except ImportError:  # the code before issue 16 (these tests are run against it to show they fail there)
    def unavailable() -> str | None:
        return None

needs_box = pytest.mark.skipif(unavailable() is not None, reason=f"the box cannot be built here: {unavailable()}")
pytestmark = needs_box

PUBLIC_DB = '''
import pulumi


def _public_primary(args):
    if args.type_ == "aws:rds/instance:Instance" and not args.props.get("replicate_source_db"):
        return pulumi.ResourceTransformationResult({**args.props, "publicly_accessible": True}, args.opts)
    return None


pulumi.runtime.register_stack_transformation(_public_primary)
'''
RUN_MAIN = '''
import runpy
runpy.run_path(__file__.rsplit("/", 1)[0] + "/__main__.py", run_name="__main__")
'''
CANARY = "ghs_CANARYi16tokenThatMustNeverLeak0000"


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    out: Path

    def text(self, name: str) -> str:
        path = self.out / name
        return path.read_text() if path.is_file() else ""


def scratch_repo(tmp_path: Path) -> Path:
    """Every file of this checkout (tracked or not, ignored ones aside) in a fresh git repository, with the
    virtualenvs linked: a repository the gate runs from and an attack may write into."""
    dst = tmp_path / "repo"
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO, capture_output=True,
                            text=True, check=True).stdout.split("\n")
    for name in filter(None, listed):
        src = REPO / name
        if src.is_file() and not src.is_symlink():
            (dst / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / name)
    for venv in (".venv", "policies/.venv", ".venv-checkov"):
        if (REPO / venv).exists():
            (dst / venv).symlink_to((REPO / venv).resolve())
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "scratch"]):
        subprocess.run(["git", *args], cwd=dst, env=env, check=True, capture_output=True)
    return dst


def program(repo: Path, body: str, name: str = "attack.py") -> Path:
    path = repo / name
    path.write_text(body)
    return path


def gate_command(repo: Path, out: Path, *args: str) -> list[str]:
    return [str(repo / ".venv" / "bin" / "python"), "-m", "gate", "preview", "--stack", "production",
            "--no-checkov", "--out", str(out), *args]


def gate(repo: Path, out: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 300) -> Run:
    proc = subprocess.run(gate_command(repo, out, *args), cwd=repo, capture_output=True, text=True,
                          timeout=timeout, env=env if env is not None else _clean_env())
    return Run(proc.returncode, proc.stdout, proc.stderr, out)


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PULUMI_CONFIG"))}


def processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def assert_fail_on_public_db(run: Run) -> None:
    assert run.code == 1, run.stdout + run.stderr
    verdicts = [line for line in run.stdout.splitlines() if line.startswith(("PASS:", "FAIL:"))]
    assert len(verdicts) == 1 and verdicts[0].startswith("FAIL: 1 blocking violation"), run.stdout
    assert "aws-rds-instance-disallow-public-access" in run.text("report.json")


# --- A. the program rewrites the rules or the report --------------------------------------------------

def test_a_program_cannot_write_an_exemption_a_policy_or_the_report(tmp_path):
    repo = scratch_repo(tmp_path)
    out = tmp_path / "out"
    exemptions, policy = repo / "gate" / "exemptions.yaml", (
        repo / "policies" / "chatpdd_policies" / "aws_rds_instance_disallow_public_access.py")
    before = {exemptions: exemptions.read_text(), policy: policy.read_text()}
    waiver = (f"exemptions:\n  - policy: aws-rds-instance-disallow-public-access\n    resource: database-primary\n"
              f"    reason: \"approved by the program itself\"\n    owner: attacker\n"
              f"    expires: {days_after(time.strftime('%Y-%m-%d'), 30)}\n")
    attack = program(repo, PUBLIC_DB + f'''
from pathlib import Path
written = []
for path, text in [({str(exemptions)!r}, {waiver!r}),
                   ({str(policy)!r}, "raise SystemExit(0)\\n"),
                   ({str(out / "report.json")!r}, "{{}}")]:
    try:
        Path(path).write_text(text)
        written.append(path)
    except OSError as err:
        pass
pulumi.log.info("wrote " + repr(written))
''' + RUN_MAIN)
    run = gate(repo, out, "--program", str(attack))
    assert {path: path.read_text() for path in before} == before, "the program rewrote a rule file"
    assert_fail_on_public_db(run)
    assert "attacker" not in run.text("report.json")


# --- B. the program outlives the gate --------------------------------------------------------------

def test_b_a_double_forked_daemon_in_its_own_session_dies_with_the_program(tmp_path):
    repo = scratch_repo(tmp_path)
    out = tmp_path / "out"
    marker = f"i16-daemon-{os.getpid()}-{time.monotonic_ns()}"
    attack = program(repo, PUBLIC_DB + f'''
import os
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.closerange(0, 4096)  # a real daemon lets go of the gate's pipes: the gate does not wait for it
        os.execv("/bin/sh", ["sh", "-c", "sleep 30; echo 'PASS: forged' > {out}/report.md; "
                 "echo '{{}}' > {out}/report.json # {marker}"])
    os._exit(0)
os.wait()
''' + RUN_MAIN)
    try:
        run = gate(repo, out, "--program", str(attack))
        assert_fail_on_public_db(run)
        time.sleep(0.5)
        # alive, it would rewrite report.md/report.json to PASS 30 s after it started, after the verdict
        assert processes_with(marker) == [], "a daemon the program started outlived the gate"
    finally:
        for pid in processes_with(marker):
            os.kill(pid, signal.SIGKILL)


def test_b_a_gate_killed_by_sigkill_leaves_no_program_process(tmp_path):
    repo = scratch_repo(tmp_path)
    out = tmp_path / "out"
    marker = f"i16-orphan-{os.getpid()}-{time.monotonic_ns()}"
    attack = program(repo, f'''
import subprocess, time
subprocess.Popen(["/bin/sh", "-c", "sleep 60 # {marker}"], start_new_session=True)
time.sleep(60)
''')
    proc = subprocess.Popen(gate_command(repo, out, "--program", str(attack)), cwd=repo, env=_clean_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not processes_with(marker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert processes_with(marker), "the program's helper never started"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        gone = time.monotonic() + 1.0
        while processes_with(marker) and time.monotonic() < gone:
            time.sleep(0.05)
        assert processes_with(marker) == [], "the program outlived a gate killed by SIGKILL"
    finally:
        proc.kill()
        for pid in processes_with(marker):
            os.kill(pid, signal.SIGKILL)


# --- C. the program's environment ------------------------------------------------------------------

def test_c_the_program_sees_no_token_no_ci_variable_and_cannot_reach_github_env(tmp_path):
    repo = scratch_repo(tmp_path)
    out = tmp_path / "out"
    github_env = tmp_path / "github_env"
    github_env.write_text("")
    attack = program(repo, '''
import os
import pulumi
pulumi.log.warn("env: " + " ".join(f"{k}={v}" for k, v in sorted(os.environ.items())))
if os.environ.get("GITHUB_ENV"):
    with open(os.environ["GITHUB_ENV"], "a") as f:
        f.write("PATH=/tmp/evil\\n")
''' + RUN_MAIN)
    env = {**_clean_env(), "GITHUB_TOKEN": CANARY, "ACTIONS_RUNTIME_TOKEN": CANARY, "AWS_SECRET_ACCESS_KEY": CANARY,
           "PULUMI_ACCESS_TOKEN": CANARY, "GITHUB_ENV": str(github_env), "RUNNER_TEMP": str(tmp_path)}
    run = gate(repo, out, "--program", str(attack), env=env)
    assert run.code == 0, run.stdout + run.stderr
    seen = next(line for line in run.stdout.splitlines() if "The program warned: env: " in line)
    names = {item.split("=", 1)[0] for item in seen.split("env: ", 1)[1].split()}
    assert names <= {"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "LC_CTYPE", "PULUMI_PROJECT", "PULUMI_STACK",
                     "PULUMI_DRY_RUN"}, names
    assert github_env.read_text() == ""
    for text in (run.stdout, run.stderr, *(p.read_text() for p in out.iterdir() if p.is_file())):
        assert CANARY not in text


# --- D. a hostile caller environment ---------------------------------------------------------------

def test_d_a_hostile_caller_environment_changes_no_verdict(tmp_path):
    repo = scratch_repo(tmp_path)
    fake = tmp_path / "fake"
    (fake / "stacks").mkdir(parents=True)
    (fake / "stacks" / "__init__.py").write_text("raise SystemExit('the caller\\'s fake stacks package ran')\n")
    attack = program(repo, PUBLIC_DB + RUN_MAIN)
    hostile = {**_clean_env(), "PYTHONINSPECT": "1", "PYTHONIOENCODING": "ascii", "PULUMI_CONFIG": "{bad",
               "PYTHONPATH": str(fake), "PYTHONSTARTUP": str(fake / "stacks" / "__init__.py"), "PYTHONWARNINGS": "error"}
    plain = gate(repo, tmp_path / "plain", "--program", str(attack))
    run = gate(repo, tmp_path / "hostile", "--program", str(attack), env=hostile)
    assert_fail_on_public_db(plain)
    assert_fail_on_public_db(run)
    assert "Traceback" not in run.stdout + run.stderr and ">>>" not in run.stdout + run.stderr
    assert run.stdout.splitlines()[-2] == plain.stdout.splitlines()[-2]


# --- E. the program's output on the CI log -------------------------------------------------------------

FORGERIES = ["::error::forged annotation", "::add-mask::PASS", "::stop-commands::tok3n", "::set-output name=x::y",
             "##[error]legacy command", "PASS: 0 blocking violations (stack production, exit code 0)",
             "gate: PASS forged"]


def _assert_neutralised(text: str) -> None:
    for line in text.splitlines():
        assert not line.lstrip().startswith("::"), line
        assert "##[" not in line, line
        assert not line.lstrip().lower().startswith("gate: pass"), line


def test_e_workflow_commands_and_forged_verdicts_never_reach_the_log_raw(tmp_path):
    repo = scratch_repo(tmp_path)
    lines = "\n".join(FORGERIES)
    warn = program(repo, PUBLIC_DB + f'''
pulumi.log.warn("look:\\n" + {lines!r})
''' + RUN_MAIN)
    run = gate(repo, tmp_path / "warn", "--program", str(warn))
    _assert_neutralised(run.stdout + run.stderr)
    assert_fail_on_public_db(run)  # exactly one verdict line, the gate's
    assert run.stdout.splitlines()[-2].startswith("FAIL:")

    crash = program(repo, f'''
print({lines!r})
raise RuntimeError("boom\\n" + {lines!r})
''', name="crash.py")
    run = gate(repo, tmp_path / "crash", "--program", str(crash))
    assert run.code == 2 and run.stderr.count("\n") == 1, run.stderr
    _assert_neutralised(run.stdout + run.stderr)
    run = gate(repo, tmp_path / "crash-debug", "--program", str(crash), "--debug")
    assert run.code == 2
    _assert_neutralised(run.stdout + run.stderr)


# --- harmless neighbours -----------------------------------------------------------------------------

def test_harmless_a_program_that_warns_and_reaps_a_helper_passes(tmp_path):
    repo = scratch_repo(tmp_path)
    ok = program(repo, '''
import subprocess, tempfile, pulumi
with tempfile.NamedTemporaryFile("w") as scratch:  # TMPDIR is writable inside the box
    scratch.write("x")
helper = subprocess.run(["/bin/sh", "-c", "echo helper-ran"], capture_output=True, text=True, check=True)
pulumi.log.warn("deprecated setting used; " + helper.stdout.strip())
''' + RUN_MAIN)
    run = gate(repo, tmp_path / "out", "--program", str(ok))
    assert run.code == 0, run.stdout + run.stderr
    assert "The program warned: deprecated setting used; helper-ran" in run.stdout
    assert run.stdout.splitlines()[-2].startswith("PASS: 0 blocking violations")


@pytest.mark.parametrize("ci", ["true", ""])
def test_without_the_box_ci_refuses_and_a_laptop_is_warned(tmp_path, monkeypatch, ci):
    """Fail closed: where the box cannot be built (not root, no util-linux), CI=true refuses to judge (exit 2,
    one line); elsewhere the run goes on, and says loudly that it was unboxed."""
    from gate.program import box
    from tests.gate.conftest import TODAY, run_gate_cli

    monkeypatch.setattr(box, "unavailable", lambda: "not root (test)")
    monkeypatch.setenv("CI", ci)
    run = run_gate_cli(tmp_path / "out", "--stack", "production", "--no-checkov", "--today", TODAY)
    if ci:
        assert run.code == 2 and run.stdout == "", run.stdout + run.stderr
        assert run.stderr == ("gate: bad input (exit 2): The program __main__.py cannot be put in its box: not root "
                              "(test); under CI=true the gate never runs a program unboxed (docs/trust-boundary.md)\n")
    else:
        assert run.code == 0, run.stdout + run.stderr
        assert "The program ran WITHOUT its box (not root (test))" in run.stdout
