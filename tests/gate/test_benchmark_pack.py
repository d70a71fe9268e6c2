"""The benchmark's pack measurements run and its results file is numbers (no timing is asserted)."""

from __future__ import annotations

import ast
import json

from gate.benchmark import summarise, time_pack, write_results
from gate.pipeline import REPO_ROOT


def test_pack_timing_runs_both_variants(production_run):
    config = json.loads((REPO_ROOT / "policies" / "config" / "production.json").read_text())
    for memo in (False, True):
        analyze, stack = time_pack(production_run.resources[:20], config, memo=memo, runs=1)
        assert analyze > 0 and stack > 0


def _measurements(checkov: dict[int, float]) -> dict:
    return {"production_resources": 165, "runs": 3, "load_at_start": "0.1 0.2 0.3", "floor": 1.5,
            "program_floor": 4.0, "program_alone": 6.0, "gate_cli": 7.0,
            "pipeline": {100: 1.0, 165: 1.4, 1000: 6.0}, "checkov": checkov,
            "pack": {n: {"shipped": (n / 200, n / 150), "memo": (n / 700, n / 400)} for n in (100, 165, 1000)}}


def test_targets_are_computed_not_written():
    summary = summarise(_measurements({100: 5.0, 165: 7.0, 1000: 12.0}))
    targets = summary["targets"]
    assert targets["gate_cli_over_floor"] == {"value": 4.667, "limit": 3.0, "unit": "x the floor", "met": False}
    assert targets["pipeline_1000_seconds"]["met"] is True
    assert targets["pipeline_over_checkov_165"] == {"value": 0.2, "limit": 0.25, "unit": "x checkov", "met": True}
    assert targets["pipeline_over_checkov_1000"]["met"] is False
    assert summary["derived"]["pipeline_slope_ms_per_resource"] == 5.56
    assert "pipeline_over_checkov_165" not in summarise(_measurements({}))["targets"]


def test_results_file_is_json_numbers(tmp_path):
    path = tmp_path / "b.json"
    written = write_results(path, _measurements({165: 7.0}), ["--runs", "3"])
    assert json.loads(path.read_text()) == json.loads(json.dumps(written))
    assert written["seconds"]["pipeline"] == {"100": 1.0, "165": 1.4, "1000": 6.0}
    assert written["seconds"]["pack"]["165"]["memo"] == [0.236, 0.412]
    assert written["generated_by"] == "python -m gate.benchmark --runs 3"


def test_benchmark_imports_nothing_of_the_pack():
    """It measures the pack through the gate's gRPC client only (docs/architecture.md: gate/ may not import
    the pack), and it contains no code to run inside the pack's process."""
    source = (REPO_ROOT / "gate" / "benchmark.py").read_text()
    imported = {alias.name.split(".")[0] for node in ast.walk(ast.parse(source))
                if isinstance(node, ast.Import | ast.ImportFrom)
                for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])}
    assert not imported & {"chatpdd_policies", "pulumi_policy", "policies"}
    assert "chatpdd_policies" not in source and "_PolicyAnalyzerServicer" not in source
