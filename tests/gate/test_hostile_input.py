"""Issue 9: the gate tried as a hostile or careless user would -- through its real CLI, in a subprocess.

Every refusal is exit 2 with ONE line on stderr (``gate: bad input (exit 2): ...``) naming the file, the key
or line and what was expected; no traceback; nothing on stdout; no secret. Every secret-bearing input of
these tests is a canary (:func:`canary`), and every run is checked for all of them in every output stream
and every file it left (:func:`gate`; :func:`test_no_canary_reached_any_output` sums up).

Classes (the issue's numbering): 1 secrets in error messages, 2 duplicate keys, 3 resource exhaustion,
4 stale or partial verdicts, 5 interruptions and crashes, 6 inputs that slipped through validation.
(Class 7, the ops tool, is in tests/ops/.)
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from gate.common.outdir import MARKER
from stacks.loader import StackConfigError, load_stack_file
from stacks.safe_yaml import MAX_BYTES
from tests.gate.conftest import REPO, TODAY, needs_checkov, stack_text

CANARIES: set[str] = set()


def canary(label: str) -> str:
    """A secret value that must never be seen again (shaped like Pulumi ciphertext)."""
    value = f"v1:CANARY-i9-{label}:Q0FOQVJZLWk5LXNlY3JldA=="
    CANARIES.add(value)
    return value


@dataclass
class Run:
    args: list[str]
    code: int
    stdout: str
    stderr: str
    files: dict[str, str]
    seconds: float


RUNS: list[Run] = []


def _files(folder: Path) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    return {str(p.relative_to(folder)): p.read_text(errors="replace") for p in sorted(folder.rglob("*")) if p.is_file()}


def _assert_no_canary(run: Run) -> None:
    for name, text in {"stdout": run.stdout, "stderr": run.stderr, **run.files}.items():
        leaked = [c for c in CANARIES if c in text or c.split(":")[1] in text]
        assert not leaked, f"{name} of `gate {' '.join(run.args)}` contains a canary secret"
        assert "offline-secret-" not in text, name


def gate(*args: str, out: Path, cwd: Path = REPO, timeout: float = 300) -> Run:
    """``python -m gate preview <args> --out <out>`` in a subprocess; recorded and checked for canaries."""
    argv = ["preview", *args, "--out", str(out)]
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "gate", *argv], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONPATH": ""})
    run = Run(argv, proc.returncode, proc.stdout, proc.stderr, _files(out), time.monotonic() - started)
    RUNS.append(run)
    _assert_no_canary(run)
    return run


def assert_refused(run: Run, *expected: str, gate_out: bool = True) -> str:
    """Exit 2, one line on stderr, nothing on stdout, no traceback, no verdict; returns the line."""
    assert run.code == 2, run.stdout + run.stderr
    assert run.stdout == ""
    assert run.stderr.endswith("\n") and run.stderr.count("\n") == 1, f"not one line:\n{run.stderr}"
    line = run.stderr.strip()
    assert line.startswith("gate: bad input (exit 2): "), line
    assert "Traceback" not in line
    for text in expected:
        assert text in line, f"{text!r} not in: {line}"
    if gate_out:  # (a folder the gate refused keeps its own files, whatever their names)
        assert not {"report.json", "report.md", "report.sarif", "junit.xml"} & set(run.files), "no verdict written"
    return line


def stack_file(tmp_path: Path, replacements: dict[str, str], name: str = "Pulumi.production.yaml") -> Path:
    path = tmp_path / name
    path.write_text(stack_text(replacements))
    return path


def bad_stack(tmp_path: Path, replacements: dict[str, str], *extra: str) -> Run:
    return gate("--stack", "production", "--no-checkov", *extra, "--stack-file",
                str(stack_file(tmp_path, replacements)), out=tmp_path / "out")


def repo_copy(tmp_path: Path, with_project_file: bool = True) -> Path:
    """The parts of the repository the gate runs from, to break one of them (the CLI always uses its own
    repository's Pulumi.yaml, policies/ and .venv-checkov)."""
    dst = tmp_path / "repo"
    for folder in ("gate", "stacks", "components", "policies"):
        shutil.copytree(REPO / folder, dst / folder, ignore=shutil.ignore_patterns("__pycache__"))
    names = ["__main__.py", "Pulumi.production.yaml", "Pulumi.staging.yaml"]
    for name in names + (["Pulumi.yaml"] if with_project_file else []):
        shutil.copy(REPO / name, dst / name)
    # The gate checks --today against the newest commit (gate/common/today.py): the copy is a checkout of its own.
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "copy"]):
        subprocess.run(["git", *args], cwd=dst, env=env, check=True, capture_output=True)
    return dst


SMTP_SECRET = """      password:
        secure: """
SMTP_LINE = stack_text({}).split(SMTP_SECRET, 1)[1].split("\n", 1)[0]  # the committed placeholder ciphertext
OWNER = "  chatpdd-infra:owner: platform-team\n"


# --- 1. secrets echoed in error messages ------------------------------------------------------------

SECRET_ECHO = {
    "secure value is a list": ({SMTP_SECRET + SMTP_LINE: f"{SMTP_SECRET}[{canary('secure-list')}, 2]"},
                               "chatpdd-infra:app.smtp.password.secure = [secret]: expected string"),
    "secure value is a number": ({SMTP_SECRET + SMTP_LINE: SMTP_SECRET + "424242424242"},
                                 "chatpdd-infra:app.smtp.password.secure = [secret]: expected string"),
    "ciphertext under a plaintext key": (
        {OWNER: f"  chatpdd-infra:owner:\n    secure: {canary('owner')}\n"},
        "chatpdd-infra:owner = [secret]: a `secure:` value where the model expects plaintext"),
    "ciphertext under pulumi:tags": (
        {OWNER: OWNER + f"  pulumi:tags:\n    cost-center:\n      secure: {canary('tags')}\n"},
        "pulumi:tags.cost-center = [secret]: a `secure:` value where the model expects plaintext"),
    "secret-typed field given a list": (
        {SMTP_SECRET + SMTP_LINE: f"      password: [{canary('secret-list')}, hunter2]"},
        "chatpdd-infra:app.smtp.password = [secret]"),
}


@pytest.mark.parametrize("case", sorted(SECRET_ECHO))
def test_class1_a_config_error_never_prints_a_secret(tmp_path, case):
    replacements, expected = SECRET_ECHO[case]
    line = assert_refused(bad_stack(tmp_path, replacements), "Invalid stack config in Pulumi.production.yaml: ",
                          expected)
    assert "424242424242" not in line and "hunter2" not in line


# --- 2. duplicate keys ------------------------------------------------------------------------------

def test_class2_duplicate_key_in_a_stack_file_names_both_lines(tmp_path):
    # The plaintext first, the secure: entry second: YAML would keep the second and hide the first.
    plaintext = canary("duplicate-plaintext")
    path = stack_file(tmp_path, {SMTP_SECRET: f"      password: {plaintext}\n{SMTP_SECRET}"})
    first = path.read_text().splitlines().index(f"      password: {plaintext}") + 1
    run = gate("--stack", "production", "--no-checkov", "--stack-file", str(path), out=tmp_path / "out")
    assert_refused(run, f"Pulumi.production.yaml: line {first + 1}: duplicate key 'password' (first at line {first})")


PACK_CONFIG_DUPLICATE = """{
  "all": "mandatory",
  "aws-rds-instance-configure-backup-retention": {"minRetentionDays": 30},
  "aws-rds-instance-configure-backup-retention": {"minRetentionDays": 1}
}
"""
EXEMPTION = """  - policy: aws-rds-instance-enable-multi-az
    resource: "database-primary"
    reason: "A reason that is long enough to pass."
    owner: platform-team
    expires: 2027-01-31
"""


@pytest.mark.parametrize("kind", ["pack config", "exemptions",
                                  pytest.param("checkov skips", marks=needs_checkov)])
def test_class2_duplicate_keys_in_other_inputs_name_both_lines(tmp_path, kind):
    if kind == "pack config":
        path = tmp_path / "pack.json"
        path.write_text(PACK_CONFIG_DUPLICATE)
        args = ["--pack-config", str(path), "--no-checkov"]
        expected = ['"aws-rds-instance-configure-backup-retention" (line 3 and line 4)']
    elif kind == "exemptions":
        path = tmp_path / "exemptions.yaml"
        path.write_text("exemptions:\n" + EXEMPTION.replace("    owner: platform-team\n",
                                                            "    owner: platform-team\n    owner: nobody\n"))
        args = ["--exemptions", str(path), "--no-checkov", "--today", TODAY]
        expected = ["line 6: duplicate key 'owner' (first at line 5)"]
    else:
        path = tmp_path / "skips.yaml"
        path.write_text("skips:\n  - check: CKV_AWS_18\n    reason: the first reason given here\n"
                        "    reason: a second reason that wins silently\n")
        args = ["--checkov-skips", str(path)]
        expected = ["line 4: duplicate key 'reason' (first at line 3)"]
    assert_refused(gate("--stack", "production", *args, out=tmp_path / "out"), path.name, *expected)


# --- 3. resource exhaustion -------------------------------------------------------------------------

LAUGHS = "".join(f"  {n}: &{n} [{', '.join([f'*{p}'] * 10) if p else ', '.join(['lol'] * 10)}]\n"
                 for p, n in zip(["", *"abcdefgh"], "abcdefghi", strict=True))


def test_class3_billion_laughs_stack_file_is_refused_at_once(tmp_path):
    path = tmp_path / "Pulumi.production.yaml"
    path.write_text("config:\n" + LAUGHS.replace("  a: &a", f"  a: &a [{canary('laughs')}]\n  a2: &a2"))
    started = time.perf_counter()
    with pytest.raises(StackConfigError):
        load_stack_file(path)
    assert time.perf_counter() - started < 1.0
    run = gate("--stack", "production", "--no-checkov", "--stack-file", str(path), out=tmp_path / "out")
    assert_refused(run, "Pulumi.production.yaml: line 2: YAML anchors and aliases (&name, *name) are not allowed")


def test_class3_aliases_elsewhere_are_bounded(tmp_path):
    path = tmp_path / "exemptions.yaml"
    path.write_text("laughs:\n" + LAUGHS + "exemptions: []\n")
    run = gate("--stack", "production", "--no-checkov", "--exemptions", str(path), out=tmp_path / "out")
    assert_refused(run, "exemptions.yaml: line ", "the document expands to more than 100000 nodes")


@pytest.mark.parametrize("shape", ["deep", "huge"])
def test_class3_depth_and_size_are_bounded(tmp_path, shape):
    if shape == "deep":
        replacements = {OWNER: OWNER + "  chatpdd-infra:extra: " + "[" * 5000 + "]" * 5000 + "\n"}
        expected = "Pulumi.production.yaml: line 8: nested deeper than 32 levels"
    else:
        replacements = {OWNER: OWNER + ("# padding\n" * (MAX_BYTES // 10 + 1))}
        expected = f"more than the {MAX_BYTES} a config file may have"
    assert_refused(bad_stack(tmp_path, replacements), expected)


# --- 4. stale or partial verdicts -------------------------------------------------------------------

def test_class4_a_malformed_argument_still_removes_the_last_verdict(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / MARKER).write_text("the gate's folder\n")
    (out / "report.json").write_text('{"verdict": "pass"}')  # an earlier run's
    run = gate("--stack", "production", "--today", "2026-13-45", out=out)
    assert_refused(run, "argument --today: '2026-13-45' is not an ISO date (YYYY-MM-DD)")
    assert sorted(p.name for p in out.iterdir()) == [MARKER]


def test_class4_a_folder_with_other_files_is_refused_and_untouched(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "report.md").write_text("# Our quarterly report\n")
    (docs / "index.md").write_text("# Docs\n")
    run = gate("--stack", "production", "--no-checkov", out=docs)
    assert_refused(run, f"--out {docs} holds files the gate did not write (index.md)", "pick another --out",
                   gate_out=False)
    assert (docs / "report.md").read_text() == "# Our quarterly report\n"
    assert sorted(p.name for p in docs.iterdir()) == ["index.md", "report.md"]


def test_class4_reports_are_complete_and_only_the_gates(production_gate):
    names = sorted(p.name for p in production_gate.out.iterdir())
    assert MARKER in names and not [n for n in names if ".tmp-" in n]
    json.loads(production_gate.text("report.json"))  # whole, parseable


def test_class4_a_failed_write_leaves_the_previous_file_whole(tmp_path, monkeypatch):
    from gate.common import outdir

    report = tmp_path / "report.json"
    report.write_text('{"verdict": "fail"}')

    def crash(*_args: object) -> None:
        raise KeyboardInterrupt  # an interrupt between writing and renaming

    monkeypatch.setattr(outdir.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        outdir.atomic_write(report, '{"verdict": "pass", "half": ')
    assert report.read_text() == '{"verdict": "fail"}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"], "no temporary file left"


# --- 5. interruptions and crashes -------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        for child in _children(todo.pop()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _cmdline(pid: int) -> str:
    """The process's command line, or "" once it has gone (a child may exit between listing and reading)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_text(errors="replace").replace("\0", " ")
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie is dead, waiting for its new parent to collect it


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find the pack process")
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130), (signal.SIGHUP, 129)])
def test_class5_a_signal_stops_the_gate_the_pack_and_keeps_no_report(tmp_path, sig, code):
    path = stack_file(tmp_path, {SMTP_LINE: canary(f"signal-{sig.name}")})
    out = tmp_path / "out"
    out.mkdir()
    (out / MARKER).write_text("the gate's folder\n")
    (out / "report.json").write_text('{"verdict": "pass"}')
    proc = subprocess.Popen([sys.executable, "-m", "gate", "preview", "--stack", "production", "--no-checkov",
                             "--stack-file", str(path), "--out", str(out)], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (pack := _children(proc.pid)) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert pack, "the policy pack never started"
    time.sleep(0.5)
    children = _descendants(proc.pid)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    run = Run(["signal", sig.name], proc.returncode, stdout, stderr, _files(out), 0.0)
    RUNS.append(run)
    _assert_no_canary(run)
    assert proc.returncode == code, stderr
    assert stderr == (f"gate: interrupted by {sig.name}: the policy pack and checkov were stopped and no report "
                      f"of this run was kept (exit {code})\n")
    time.sleep(0.2)
    assert [p for p in pack if "pulumi.policy" in _cmdline(p)] == [], "the pack outlived the gate"
    assert [p for p in children if _alive(p)] == [], "a child outlived the gate"
    assert sorted(run.files) == [MARKER]


def test_class5_a_policy_that_does_not_compile_is_one_line(tmp_path):
    repo = repo_copy(tmp_path)
    policy = repo / "policies" / "chatpdd_policies" / "aws_rds_instance_enable_multi_az.py"
    lines = policy.read_text().count("\n")
    policy.write_text(policy.read_text() + "\ndef broken(:\n")
    run = gate("--stack", "production", "--no-checkov", out=tmp_path / "out", cwd=repo)
    assert_refused(run, "The policy pack did not start",
                   f"policies/chatpdd_policies/aws_rds_instance_enable_multi_az.py:{lines + 2}: SyntaxError:",
                   "--debug")
    debug = gate("--stack", "production", "--no-checkov", "--debug", out=tmp_path / "out", cwd=repo)
    assert debug.code == 2 and "Traceback" in debug.stderr and "def broken(:" in debug.stderr


def test_class5_a_policy_that_raises_is_one_line(tmp_path):
    repo = repo_copy(tmp_path)
    policy = repo / "policies" / "chatpdd_policies" / "aws_rds_instance_enable_multi_az.py"
    text = policy.read_text()
    head = "report_violation: Report) -> None:\n"
    assert head in text
    policy.write_text(text.replace(head, head + "    raise KeyError('policy bug')\n", 1))
    run = gate("--stack", "production", "--no-checkov", out=tmp_path / "out", cwd=repo)
    assert_refused(run, "The policy pack failed while analysing: Analyze failed: UNKNOWN: Exception calling "
                        "application: 'policy bug' (a policy raised an exception;", "[resource urn:pulumi:production::")


# --- 6. inputs that slipped through validation --------------------------------------------------------

# the line of the committed stack file a value stands on (the file grows with new sections)
RETENTION = "    backup_retention_days: 30\n"
RETENTION_LINE = (REPO / "Pulumi.production.yaml").read_text().splitlines(keepends=True).index(RETENTION) + 1

SLIPPED = {
    "NaN": ({RETENTION: "    backup_retention_days: .nan\n"}, f"line {RETENTION_LINE}: not a finite number"),
    "infinity": ({RETENTION: "    backup_retention_days: -.inf\n"}, f"line {RETENTION_LINE}: not a finite number"),
    "escaped control character": ({OWNER: '  chatpdd-infra:owner: "platform-team\\e[31m"\n'},
                                  "line 7: a string holds the control character U+001B"),
    "bidirectional control": ({OWNER: "  chatpdd-infra:owner: platform\u202e-team\n"},
                              "line 7, column 32: the bidirectional control character U+202E"),
    "emoji availability zone": ({"us-east-1b": "us-east-1\U0001f600"},
                                "chatpdd-infra:network.availability_zones[1] = 'us-east-1\U0001f600': "
                                "String should match pattern"),
    "emoji e-mail": ({"oncall@chatpdd.com": "on\U0001f4dfcall@chatpdd.com"},
                     "chatpdd-infra:monitoring.alert_emails.critical[0]"),
    "emoji bucket name": ({"chatpdd-production-uploads": "chatpdd-production-\U0001faa3"},
                          "chatpdd-infra:storage.uploads_bucket_name"),
}


@pytest.mark.parametrize("case", sorted(SLIPPED))
def test_class6_values_no_config_means_are_refused(tmp_path, case):
    replacements, expected = SLIPPED[case]
    assert_refused(bad_stack(tmp_path, replacements), "Invalid stack config in Pulumi.production.yaml: ", expected)


def test_class6_a_binary_stack_file(tmp_path):
    path = tmp_path / "Pulumi.production.yaml"
    path.write_bytes(b"config:\n  chatpdd-infra:owner: \x00\x01\x02" + canary("binary").encode())
    run = gate("--stack", "production", "--no-checkov", "--stack-file", str(path), out=tmp_path / "out")
    assert_refused(run, "Pulumi.production.yaml: is a binary file (NUL byte at offset 31; expected text)")


def test_class6_paths_that_are_not_what_the_option_says(tmp_path):
    loop = tmp_path / "Pulumi.production.yaml"
    loop.symlink_to(tmp_path / "other.yaml")
    (tmp_path / "other.yaml").symlink_to(loop)
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder\n")
    cases = [
        (["--stack-file", str(loop)], f"--stack-file {loop}: is a symlink loop (expected a file)"),
        (["--stack-file", str(tmp_path)], f"--stack-file {tmp_path}: is a folder (expected a file)"),
        (["--program", str(tmp_path)], f"--program {tmp_path}: is a folder (expected a file)"),
        (["--stack-file", str(REPO / "Pulumi.staging.yaml")],
         "does not belong to --stack production: the file must be named Pulumi.production.yaml"),
    ]
    for args, expected in cases:
        assert_refused(gate("--stack", "production", "--no-checkov", *args, out=tmp_path / "out"), expected)
    assert_refused(gate("--stack", "production", "--no-checkov", out=a_file),
                   f"--out {a_file} is a file, not a folder")
    assert_refused(gate("--stack", "production", "--no-checkov", out=a_file / "out"),
                   f"--out {a_file / 'out'}: a part of the path is a file")


@pytest.mark.parametrize("stack", ["../../etc/passwd", "prod\x1b[2J", "prod uction"])
def test_class6_a_stack_name_that_is_no_stack_name(tmp_path, stack):
    run = gate("--stack", stack, "--no-checkov", out=tmp_path / "out")
    line = assert_refused(run, "argument --stack: ", "is not a stack name (letters, digits, '-', '_', '.')")
    assert "\x1b" not in line


def test_class6_an_unwritable_out_folder(tmp_path):
    out = Path("/sys/chatpdd-gate-out")  # sysfs refuses new folders, even to root
    try:
        out.mkdir()
    except OSError:
        pass
    else:
        out.rmdir()
        pytest.skip("/sys accepts new folders here: no unwritable folder to try")
    assert_refused(gate("--stack", "production", "--no-checkov", out=out), f"--out {out} cannot be written (")


@pytest.mark.parametrize("checkov", ["missing", "not executable"])
def test_class6_a_missing_or_broken_checkov_is_bad_input_at_once(tmp_path, checkov):
    repo = repo_copy(tmp_path)
    if checkov == "not executable":
        binary = repo / ".venv-checkov" / "bin" / "checkov"
        binary.parent.mkdir(parents=True)
        binary.write_text("#!/bin/sh\n")
        binary.chmod(0o644)
        expected = "is not an executable file; recreate its virtualenv with `make setup`"
    else:
        expected = "checkov is not installed at"
    run = gate("--stack", "production", out=tmp_path / "out", cwd=repo)
    assert_refused(run, expected, "--no-checkov")
    assert "internal error" not in run.stderr and run.seconds < 60


def test_class6_a_missing_project_file(tmp_path):
    repo = repo_copy(tmp_path, with_project_file=False)
    run = gate("--stack", "production", "--no-checkov", out=tmp_path / "out", cwd=repo)
    assert_refused(run, f"Pulumi.yaml does not exist in {repo}: the project file `pulumi preview` reads")


# --- the canary -------------------------------------------------------------------------------------

def test_no_canary_reached_any_output():
    """Runs last in this module: every run above, every stream and file, against every canary."""
    if len(RUNS) < 20:
        pytest.skip("run the whole module: this sums up the runs of the tests above")
    assert len(CANARIES) >= 8
    for run in RUNS:
        _assert_no_canary(run)
