"""The benchmark's pack measurements run and its report renders (no timing is asserted)."""

from __future__ import annotations

import json

from gate.analyzer import PolicyPackProcess
from gate.benchmark import Results, Row, time_servicer, write_markdown
from gate.pipeline import REPO_ROOT


def test_servicer_timing_runs_both_variants(production_run, tmp_path):
    config = json.loads((REPO_ROOT / "policies" / "config" / "production.json").read_text())
    with PolicyPackProcess(REPO_ROOT / "policies") as pack:
        resolved = pack.resolve_config(config, "production.json")
    timings = time_servicer(production_run.resources[:20], resolved, tmp_path, runs=1)
    assert set(timings) == {"shipped", "memo"}
    assert all(len(t) == 2 and min(t) > 0 for t in timings.values())


def _results(checkov: dict[int, float]) -> Results:
    return Results(floor=1.5, program_floor=4.0, program_run=6.0, cli=7.0, production=165,
                   pipeline={100: 1.0, 165: 1.4, 1000: 6.0}, checkov=checkov,
                   servicer={n: {"shipped": (n / 200, n / 150), "memo": (n / 700, n / 400)} for n in (100, 165, 1000)},
                   load_at_start="0.1 0.2 0.3")


def test_report_renders_with_and_without_checkov(tmp_path):
    rows = [Row("floor", 0, 1.5)]
    for checkov in ({}, {165: 6.0, 100: 5.9, 1000: 11.9}):
        write_markdown(tmp_path / "b.md", rows, _results(checkov))
        text = (tmp_path / "b.md").read_text()
        assert "## Where the time goes" in text and "## Machine" in text
        assert ("not measured" in text) == (not checkov)
        assert "4.0x the floor" in text  # the program alone: 6.0 / 1.5
