"""The program runs in its own process and the gate fails closed on every end but a normal return.

Each case runs the real CLI path (``gate.__main__.main``; the program in a child process) with a small
program that ends one wrong way: exit 2, one line naming the program and how it ended, no report left.
"""

from __future__ import annotations

import json
import time

import pytest

from gate.__main__ import main
from gate.common.outdir import MARKER
from gate.program.program_process import ProgramProcess, ProgramProcessError
from tests.gate.conftest import REPO, run_gate_cli
from tests.gate.test_bad_input import assert_bad_input

REGISTER_ONE = ("import pulumi\n"
                "class One(pulumi.ComponentResource):\n"
                "    def __init__(self, name):\n"
                "        super().__init__('test:index:One', name)\n"
                "One('one')\n")

ENDINGS = {
    "sys.exit(0)": ("import sys\nsys.exit(0)\n", "exited with code 0 before it finished"),
    "sys.exit(0) in a component": (REGISTER_ONE + "import sys\nsys.exit(0)\n", "exited with code 0 before it finished"),
    "sys.exit(3)": ("import sys\nsys.exit(3)\n", "exited with code 3 before it finished"),
    "os._exit(0)": (REGISTER_ONE + "import os\nos._exit(0)\n", "exited with code 0 before it finished"),
    "a signal": ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", "was killed by signal SIGKILL"),
    "nothing registered": ("x = 1\n", "registered no resources"),
}


@pytest.mark.parametrize("case", sorted(ENDINGS))
def test_a_program_that_does_not_return_normally_exits_2(case, tmp_path):
    source, expected = ENDINGS[case]
    program = tmp_path / "ends.py"
    program.write_text(source)
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.json").write_text('{"verdict": "pass"}')  # a previous run's verdict must not survive
    run = run_gate_cli(out, "--stack", "production", "--no-checkov", "--program", str(program))
    assert_bad_input(run, "The program ends.py did not run to its end for stack 'production': it ", expected)
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert run.stdout == ""
    # only the gate's own marker of its folder (gate/common/outdir.py): no report, export or plan is left behind
    assert sorted(p.name for p in out.iterdir() if p.name != MARKER) == [], "no report, export or plan is left behind"


def test_a_program_that_raises_exits_2_with_the_exception(tmp_path):
    program = tmp_path / "raises.py"
    program.write_text(REGISTER_ONE + "raise ValueError('bucket name missing')\n")
    run = run_gate_cli(tmp_path / "out", "--stack", "production", "--no-checkov", "--program", str(program))
    assert_bad_input(run, "The program raises.py failed under Pulumi mocks for stack 'production': ValueError: "
                          "bucket name missing")
    assert len(run.stderr.strip().splitlines()) == 1


def test_a_program_that_never_finishes_is_stopped_by_the_timeout(tmp_path):
    program = tmp_path / "loops.py"
    program.write_text(REGISTER_ONE + "import subprocess, sys\n"
                       # a grandchild too: the whole process group goes
                       "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
                       "while True:\n    pass\n")
    started = time.monotonic()
    run = run_gate_cli(tmp_path / "out", "--stack", "production", "--no-checkov", "--program", str(program),
                       "--program-timeout", "3")
    assert time.monotonic() - started < 60
    assert_bad_input(run, "The program loops.py did not run to its end", "did not finish within 3 s "
                                                                         "(--program-timeout) and was stopped")
    assert len(run.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("value", ["0", "-1", "soon", "inf"])
def test_program_timeout_must_be_positive_seconds(value, tmp_path, capsys):
    code = main(["preview", "--stack", "production", "--program-timeout", value, "--out", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("gate: bad input (exit 2): argument --program-timeout: ") and err.count("\n") == 1
    assert "is not a positive number of seconds" in err


def test_the_stream_carries_resources_then_completion_without_plaintext_secrets(tmp_path):
    """The child streams each resource as it registers and ends with the completion record; secrets stay
    wrapped on the wire (the offline placeholders are the only secret strings there are)."""
    seen = []
    run = ProgramProcess(REPO / "__main__.py", REPO / "Pulumi.production.yaml").start().collect(
        seen.append, stack="production")
    assert len(seen) == len(run.resources) > 100
    assert [r.urn for r in run.resources] == sorted(r.urn for r in seen)
    secrets = [r for r in run.resources if "4dabf18193072939515e22adb298388d" in json.dumps(r.properties)]
    assert secrets, "secret inputs arrive wrapped, as the engine and the pack receive them"
    assert any(r.protect for r in run.resources)


def test_an_unfinished_program_leaves_no_process_behind(tmp_path):
    program = tmp_path / "sleeps.py"
    program.write_text("import time\ntime.sleep(600)\n")
    process = ProgramProcess(program, REPO / "Pulumi.production.yaml", timeout=2).start()
    with pytest.raises(ProgramProcessError, match="did not finish within 2 s"):
        process.collect()
    assert process.proc is not None and process.proc.poll() is not None
