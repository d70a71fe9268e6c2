"""Issue 21: bad input and faults, second round -- through the real CLI, in a subprocess, in the style of
test_hostile_input.py (every run checked for every canary in every stream and every file it left).

Points (the issue's numbering): 1 a secret echoed, 2 files outside the repository, 5 a full disk and an
ambient PULUMI_CONFIG, 6 sizes without bounds, 7 interruptions (a SIGKILL during --base; SIGHUP is
parametrised into test_hostile_input.py's signal test),
8 messages safe to print. (Points 3 and 4, the ops tool, are in tests/ops/test_ops_faults.py.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gate.common.outdir import MARKER
from stacks.loader import StackConfigError, load_stack_file
from tests.gate.conftest import REPO, needs_checkov, stack_text
from tests.gate.test_hostile_input import (
    OWNER,
    Run,
    _alive,
    _cmdline,
    _descendants,
    assert_refused,
    bad_stack,
    canary,
    gate,
    repo_copy,
    stack_file,
)

EXTERNAL_KEYS = """    external_api_keys:
      OPENAI_API_KEY:
        secure: """
EXTERNAL_LINE = stack_text({}).split(EXTERNAL_KEYS, 1)[1].split("\n", 1)[0]


# --- 1. a secret given in plaintext with the wrong type -----------------------------------------------

@pytest.mark.parametrize("shape", ["list", "number", "mapping"])
def test_point1_a_map_of_secrets_never_quotes_a_value_of_the_wrong_type(tmp_path, shape):
    # app.external_api_keys is a map of secrets: every value in it is secret-bearing, whatever its type.
    secret = canary(f"external-{shape}")
    value = {"list": f"[{secret}, hunter2-list]", "number": "987654321987",
             "mapping": f"{{value: {secret}, other: hunter2-map}}"}[shape]
    run = bad_stack(tmp_path, {EXTERNAL_KEYS + EXTERNAL_LINE: f"    external_api_keys:\n      OPENAI_API_KEY: {value}"})
    line = assert_refused(run, "chatpdd-infra:app.external_api_keys.OPENAI_API_KEY = [secret]: "
                               "Input should be a valid string")
    for leaked in ("987654321987", "hunter2", secret):
        assert leaked not in line


# --- 2. inputs read by default that leave the repository ----------------------------------------------

DEFAULT_INPUTS = ["Pulumi.production.yaml", "Pulumi.yaml", "policies/config/production.json",
                  "gate/exemptions.yaml"]


@pytest.mark.parametrize("name", DEFAULT_INPUTS)
def test_point2_a_default_input_that_links_out_of_the_repository_is_refused(tmp_path, name):
    repo = repo_copy(tmp_path)
    outside = tmp_path / "outside" / Path(name).name
    outside.parent.mkdir()
    secret = canary(f"outside-{Path(name).stem}")
    # A file outside the repository, holding a value an error message would quote.
    outside.write_text((repo / name).read_text().replace("platform-team", f"'{secret}'")
                       if name.endswith(".yaml") else f'{{"all": "{secret}"}}')
    (repo / name).unlink()
    (repo / name).symlink_to(outside)
    run = gate("--stack", "production", "--no-checkov", out=tmp_path / "out", cwd=repo)
    line = assert_refused(run, f"{name}: is a symlink leading out of the repository; inputs read by default must "
                               "be files of the repository")
    assert str(outside) not in line


def test_point2_a_link_inside_the_repository_is_followed(tmp_path):
    repo = repo_copy(tmp_path)
    (repo / "stacks" / "production.yaml").write_text((repo / "Pulumi.production.yaml").read_text())
    (repo / "Pulumi.production.yaml").unlink()
    (repo / "Pulumi.production.yaml").symlink_to("stacks/production.yaml")
    run = gate("--stack", "production", "--no-checkov", out=tmp_path / "out", cwd=repo)
    assert run.code == 0, run.stderr


def test_point2_a_stack_file_that_is_a_symlink_loop_is_named_a_loop(tmp_path):
    repo = repo_copy(tmp_path)
    (repo / "Pulumi.production.yaml").unlink()
    (repo / "Pulumi.production.yaml").symlink_to("Pulumi.loop.yaml")
    (repo / "Pulumi.loop.yaml").symlink_to("Pulumi.production.yaml")
    run = gate("--stack", "production", "--no-checkov", out=tmp_path / "out", cwd=repo)
    line = assert_refused(run, "Pulumi.production.yaml: is a symlink loop (expected a file)")
    assert "no such stack" not in line


# --- 5. a full disk under --out; an ambient PULUMI_CONFIG ----------------------------------------------

@pytest.fixture
def tiny_disk(tmp_path) -> Path:
    """A 64 KiB tmpfs: big enough for the gate's marker, too small for its reports (stack-export.json alone
    is ~400 KB). Needs root and a kernel that lets this process mount."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True,
                             text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip() or mounted.returncode}): a full disk "
                    f"is then not tried for real")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def test_point5_a_full_disk_under_out_names_out_and_the_file(tiny_disk):
    out = tiny_disk / "out"
    run = gate("--stack", "production", "--no-checkov", out=out)
    line = assert_refused(run, f"--out {out}: cannot write ", "(No space left on device); free space there or "
                               "pick another --out (no report of this run was kept)")
    assert "internal error" not in line
    assert sorted(run.files) == [MARKER], "nothing half-written is left"


def _verdict(run: Run) -> tuple[int, str, dict]:
    report = json.loads(run.files["report.json"])
    return run.code, report["verdict"], report["counts"] if "counts" in report else report.get("summary", {})


@pytest.mark.parametrize("ambient", [
    {"PULUMI_CONFIG": "not json {"},
    {"PULUMI_CONFIG": json.dumps({"chatpdd-infra:no_such_key": "1", "chatpdd-infra:database": '{"read_replicas": 0}'})},
    {"PULUMI_CONFIG_SECRET_KEYS": "not json either", "PULUMI_CONFIG_CHATPDD_INFRA_NO_SUCH_KEY": "1"},
])
def test_point5_an_ambient_pulumi_config_changes_nothing(tmp_path, monkeypatch, ambient):
    clean = gate("--stack", "production", "--no-checkov", out=tmp_path / "clean")
    for name, value in ambient.items():
        monkeypatch.setenv(name, value)
    run = gate("--stack", "production", "--no-checkov", out=tmp_path / "ambient")
    assert "Traceback" not in run.stderr and "JSONDecodeError" not in run.stderr and "PULUMI_CONFIG" not in run.stderr
    assert run.code == clean.code == 0, run.stderr
    assert _verdict(run) == _verdict(clean)
    assert _resources(run) == _resources(clean), "the program saw another config"


def _resources(run: Run) -> list[tuple[str, str]]:
    exported = json.loads(run.files["stack-export.json"])["deployment"]["resources"]
    return sorted((r["urn"], json.dumps(r.get("inputs"), sort_keys=True)) for r in exported)


# --- 6. sizes without bounds ---------------------------------------------------------------------------

def test_point6_ten_thousand_cors_origins_are_refused_fast_in_one_line(tmp_path):
    origins = ", ".join(f"https://o{i}.chatpdd.com" for i in range(10_000))
    path = stack_file(tmp_path, {'cors_origins: ["https://app.chatpdd.com"]': f"cors_origins: [{origins}]"})
    with pytest.raises(StackConfigError, match="a list with more than 1000 entries"):
        load_stack_file(path)
    cors_line = path.read_text().splitlines().index(next(
        line for line in path.read_text().splitlines() if "cors_origins: [" in line)) + 1
    run = gate("--stack", "production", "--no-checkov", "--stack-file", str(path), out=tmp_path / "out")
    line = assert_refused(run, f"Pulumi.production.yaml: line {cors_line}: a list with more than 1000 entries; refused")
    assert len(line) < 300 and "o999" not in line


def test_point6_a_list_over_its_model_bound_is_refused_with_the_bound(tmp_path):
    origins = ", ".join(f"https://o{i}.chatpdd.com" for i in range(21))
    run = bad_stack(tmp_path, {'cors_origins: ["https://app.chatpdd.com"]': f"cors_origins: [{origins}]"})
    line = assert_refused(run, "chatpdd-infra:app.cors_origins = ", "List should have at most 20 items after "
                               "validation, not 21")
    assert len(line) < 300


def test_point6_every_list_and_map_of_the_schema_is_bounded():
    schema = json.loads((REPO / "stacks" / "stack-config.schema.json").read_text())
    unbounded = []

    def walk(node: object, path: str) -> None:
        if isinstance(node, dict):
            if node.get("type") == "array" and "maxItems" not in node:
                unbounded.append(path)
            if node.get("type") == "object" and isinstance(node.get("additionalProperties"), dict) \
                    and "maxProperties" not in node:
                unbounded.append(path)
            for key, value in node.items():
                walk(value, f"{path}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}/{i}")

    walk(schema, "")
    assert unbounded == []


# --- 7. interruptions ----------------------------------------------------------------------------------

def _kill_and_check_children(proc: subprocess.Popen[str]) -> None:
    """SIGKILL the gate (no handler, no ``finally``); one second later none of its descendants may be alive."""
    children = _descendants(proc.pid)
    assert children, "the gate has no child to leave behind"
    proc.kill()
    proc.communicate(timeout=30)
    time.sleep(1.0)
    outlived = {p: _cmdline(p)[:120] for p in children if _alive(p)}
    assert outlived == {}, "a child outlived the gate by more than a second"


@needs_checkov
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find the gate's children")
def test_point7_a_sigkill_while_checkov_and_the_pack_run_leaves_no_child(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "gate", "preview", "--stack", "production", "--out",
                             str(tmp_path / "out")], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and not [
            p for p in _descendants(proc.pid) if "checkov" in _cmdline(p)]:
        time.sleep(0.05)
    assert proc.poll() is None, "the gate ended before checkov started"
    time.sleep(1.0)
    _kill_and_check_children(proc)


def _worktrees(repo: Path) -> list[str]:
    listed = subprocess.run(["git", "worktree", "list", "--porcelain"], cwd=repo, capture_output=True, text=True,
                            check=True).stdout
    return [line.split(" ", 1)[1] for line in listed.splitlines() if line.startswith("worktree ")]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find the gate's children")
def test_point7_a_sigkill_during_base_leaves_nothing_for_long(tmp_path):
    repo = repo_copy(tmp_path)
    temp = tmp_path / "tmp"  # the gate's temporary folders, where the test can see them
    temp.mkdir()
    env = {**os.environ, "PYTHONPATH": "", "TMPDIR": str(temp)}
    args = [sys.executable, "-m", "gate", "preview", "--stack", "production", "--no-checkov",
            "--program", str(repo / "__main__.py"), "--stack-file", str(repo / "Pulumi.production.yaml"),
            "--out", str(tmp_path / "out")]
    proc = subprocess.Popen([*args, "--base", "HEAD"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while len(_worktrees(repo)) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert len(_worktrees(repo)) == 2, "the base checkout never appeared"
    while not list(temp.glob("gate-base-*/base/__main__.py")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # the base's program is running beside the head's
    _kill_and_check_children(proc)
    left = [p for p in temp.iterdir() if p.name.startswith("gate-base-")]
    assert left and len(_worktrees(repo)) == 2, "the killed run left its checkout (what the next run sweeps)"

    after = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert after.returncode == 0, after.stderr
    assert f"gate: removed the --base checkout {left[0]} (and its git worktree registration in " in after.stderr
    assert f"left by a killed gate run (pid {proc.pid})" in after.stderr
    assert _worktrees(repo) == [str(repo)]
    assert [p for p in temp.iterdir() if p.name.startswith("gate-base-")] == []


# --- 8. messages safe to print -------------------------------------------------------------------------

def test_point8_a_base_ref_with_terminal_escapes_is_shown_escaped(tmp_path):
    run = gate("--stack", "production", "--no-checkov", "--base", "main\x1b[2J\x1b]0;pwned\x07", out=tmp_path / "out")
    assert_refused(run, "--base main\\x1b[2J\\x1b]0;pwned\\x07: no such commit in")
    assert "\x1b" not in run.stderr and "\x07" not in run.stderr


def test_point8_an_invisible_character_in_a_config_key_is_shown(tmp_path):
    run = bad_stack(tmp_path, {"    read_replicas: 1\n": "    read_replicas: 1\n    read_\u200breplicas: 2\n"})
    assert_refused(run, "chatpdd-infra:database.read_\\u200breplicas: unknown key")
    assert "\u200b" not in run.stderr


def test_point8_a_stack_name_uses_the_same_sanitiser(tmp_path):
    line = assert_refused(gate("--stack", "prod\u200bx", "--no-checkov", out=tmp_path / "out"),
                          "argument --stack: 'prod\\u200bx' is not a stack name")
    assert "\u200b" not in line


def test_point5_ambient_owner_key_is_not_blamed_on_the_stack_file(tmp_path, monkeypatch):
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({"chatpdd-infra:owner": "x"}))
    run = bad_stack(tmp_path, {OWNER: ""})  # the owner is missing from the file: the ambient one must not fill it
    assert_refused(run, "chatpdd-infra:owner: missing")
