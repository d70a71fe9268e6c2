"""``python -m gate.benchmark``: how fast the offline gate is, on this machine, against its targets.

Measured in one run (a script, not a timed test -- numbers on a shared CI box are not assertions):

- ``floor``: ``python -c "import pulumi, pulumi_aws, pulumiverse_vercel, pulumi_rediscloud, pulumi_policy"``
  (a subprocess; median of a few runs) -- no gate can start faster than its imports; ``program_floor`` adds
  the pulumi_aws submodules the program loads;
- ``program_alone``: the config loaded and ``__main__.py`` run under the gate's mocks (a subprocess, median);
- ``gate_cli``: the gate end to end on production, without checkov (``python -m gate preview --stack
  production --no-checkov``; subprocess, median): target <= 3x the floor;
- ``pipeline``: the gate's pipeline in-process (pack process start, Configure, Analyze x N + AnalyzeStack,
  checkov export, exemptions, every report) on the production resources and on synthetic stacks of 100 and
  1,000 resources (the production resources replicated with new names and URNs): target 1,000 resources
  <= 10 s, cost linear;
- ``checkov``: checkov alone (its CLI, from its own virtualenv) on the same exported plans: target gate
  pipeline <= 0.25x checkov;
- ``pack``: the pack's own work over gRPC (Analyze x N, then AnalyzeStack; best of a few rounds) started as
  the CLI starts it (``shipped``) and through the gate's launcher with the conversion memo (``memo``,
  gate/pack/pack_memo.py). Only the gate's client is used: nothing of the pack is imported here.

It writes the numbers to ``docs/benchmarks.json`` (what they mean and where the time goes:
docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from gate.common.redact import Redactor
from gate.export import checkov as ck
from gate.export.stack_export import dependency_order
from gate.pack.analyzer import PolicyPackProcess
from gate.pack.pack_session import to_analyzer
from gate.pipeline import REPO_ROOT, GateOptions, build_redactor, load_stack, run_gate
from gate.program.program import CapturedResource, run_program

FLOOR_CODE = "import pulumi, pulumi_aws, pulumiverse_vercel, pulumi_rediscloud, pulumi_policy"
# The program alone: the stack config loaded and __main__.py run under the gate's mocks -- step 2 of the
# gate, without the pack, the exports or the reports. No offline gate of this program can take less.
PROGRAM_RUN_CODE = ("from stacks.loader import load_stack_file; from gate.program.program import run_program; "
                    "run_program(load_stack_file('Pulumi.production.yaml'))")
SIZES = (100, 1000)
def median_subprocess(command: list[str], runs: int, cwd: Path = REPO_ROOT, ok: tuple[int, ...] = (0,)) -> float:
    """The median wall-clock seconds of ``runs`` runs of ``command`` (exit codes outside ``ok`` stop the benchmark)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if proc.returncode not in ok:
            raise SystemExit(f"{' '.join(command)} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    return statistics.median(times)


def synthetic(resources: list[CapturedResource], count: int) -> list[CapturedResource]:
    """``count`` resources: copies of the stack with every name, URN and reference suffixed per copy, so
    parents, dependencies, property dependencies and providers stay consistent inside each copy (the
    last copy is cut short to reach ``count``, in dependency order so that what it keeps is whole)."""
    resources = dependency_order(resources)
    out: list[CapturedResource] = []
    copy = 0
    while len(out) < count:
        suffix = f"-c{copy}" if copy else ""
        mapping = {r.urn: r.urn + suffix for r in resources}

        def m(urn: str, mapping: dict[str, str] = mapping) -> str:
            if urn in mapping:
                return mapping[urn]
            base = "::".join(urn.split("::")[:4])  # a provider reference: <urn>::<id>
            return mapping[base] + urn[len(base):] if base in mapping else urn

        for r in resources:
            if len(out) == count:
                break
            props = json.loads(json.dumps(r.properties).replace("chatpdd-production-", f"chatpdd-production{suffix}-"))
            out.append(replace(
                r, urn=mapping[r.urn], name=r.name + suffix, parent=m(r.parent) if r.parent else None, properties=props,
                dependencies=[m(d) for d in r.dependencies],
                property_dependencies={k: [m(d) for d in v] for k, v in r.property_dependencies.items()},
                provider=m(r.provider) if r.provider else None))
        copy += 1
    return out


def program_floor_code(resources: list[CapturedResource]) -> str:
    """The floor plus touching one class of every pulumi_aws submodule the program uses (they load lazily)."""
    touched = sorted({f"pulumi_aws.{t.split(':')[1].split('/')[0]}.{t.split(':')[2]}" for t in
                      (r.type for r in resources) if t.startswith("aws:")})
    return FLOOR_CODE + ", pulumi_random; " + "; ".join(touched)


def time_gate(resources: list[CapturedResource], out: Path) -> float:
    """Seconds of one in-process gate run on ``resources`` (no checkov)."""
    start = time.perf_counter()
    run_gate(GateOptions(stack="production", out=out, checkov=False), resources=resources)
    return time.perf_counter() - start


def time_checkov(resources: list[CapturedResource], redactor: Redactor, workdir: Path) -> float:
    """Seconds of checkov's CLI on the exported plan of ``resources``, start-up included."""
    export = ck.export_plan(resources, redactor)
    plan = workdir / "plan.tf.json"
    plan.write_text(json.dumps(export.plan))
    proc, command, started = ck.start_checkov(ck.checkov_binary(REPO_ROOT), plan)
    ck.finish_checkov(proc, command, started, expected=len(export.resources))
    return time.perf_counter() - started


def time_pack(resources: list[CapturedResource], pack_config: dict[str, Any], memo: bool,
              runs: int) -> tuple[float, float]:
    """(Analyze x N seconds, AnalyzeStack seconds) of one pack process over gRPC, the best of ``runs``
    rounds: started through the gate's launcher (``memo``) or as the CLI starts it."""
    analyzer = [to_analyzer(r) for r in resources]
    rounds = []
    with PolicyPackProcess(REPO_ROOT / "policies", memo=memo) as pack:
        pack.configure(pack_config, source="production.json")
        for _ in range(runs):
            t0 = time.perf_counter()
            for resource in analyzer:
                pack.analyze(resource)
            t1 = time.perf_counter()
            pack.analyze_stack(analyzer)
            rounds.append((t1 - t0, time.perf_counter() - t1))
    return min(rounds, key=sum)


def machine() -> dict[str, str]:
    """The CPU, cores, memory, Python, platform and load average of this machine."""
    info = {"cores": str(os.cpu_count()), "python": platform.python_version(), "platform": platform.platform()}
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["cpu"] = re.search(r"model name\s*:\s*(.+)", cpuinfo).group(1).strip()  # type: ignore[union-attr]
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
        info["memory"] = f"{kb / 1024 / 1024:.1f} GiB"
        info["load"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except (OSError, AttributeError):
        pass
    return info


def _target(value: float, limit: float, unit: str) -> dict[str, Any]:
    return {"value": round(value, 3), "limit": limit, "unit": unit, "met": value <= limit}


def measure_subprocesses(python: str, runs: int, tmpdir: Path,
                         production: list[CapturedResource]) -> dict[str, float]:
    """The fresh-process figures (interpreter start included), each the median of ``runs``."""
    return {
        "floor": median_subprocess([python, "-c", FLOOR_CODE], runs),
        "program_floor": median_subprocess([python, "-c", program_floor_code(production)], runs),
        "program_alone": median_subprocess([python, "-c", PROGRAM_RUN_CODE], runs),
        "gate_cli": median_subprocess([python, "-m", "gate", "preview", "--stack", "production", "--no-checkov",
                                       "--out", str(tmpdir / "cli")], runs, ok=(0, 1)),
    }


def measure(runs: int, with_checkov: bool) -> dict[str, Any]:
    """Every measurement, as plain numbers (seconds; keys of per-size maps are resource counts)."""
    load_at_start = machine().get("load", "")
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        loaded = load_stack(GateOptions(stack="production"))
        production = run_program(loaded).resources
        stacks = {len(production): production, **{n: synthetic(production, n) for n in SIZES}}
        fresh = measure_subprocesses(sys.executable, runs, tmpdir, production)
        time_gate(production, tmpdir / "warm")  # warm the pack's imports' page cache, as the CLI runs above did
        pipeline = {n: time_gate(resources, tmpdir / f"s{n}") for n, resources in sorted(stacks.items())}
        pack_config = json.loads((REPO_ROOT / "policies" / "config" / "production.json").read_text())
        pack = {n: {variant: time_pack(resources, pack_config, memo=variant == "memo", runs=runs)
                    for variant in ("shipped", "memo")} for n, resources in sorted(stacks.items())}
        checkov: dict[int, float] = {}
        if with_checkov:
            redactor = build_redactor(loaded, production, {})
            checkov = {n: time_checkov(resources, redactor, tmpdir) for n, resources in sorted(stacks.items())}
    return {"production_resources": len(production), "runs": runs, "load_at_start": load_at_start, **fresh,
            "pipeline": pipeline, "pack": pack, "checkov": checkov}


def summarise(m: dict[str, Any]) -> dict[str, Any]:
    """The targets, computed from the measurements (``met`` is a boolean, not prose)."""
    prod, pipeline, checkov = m["production_resources"], m["pipeline"], m["checkov"]
    targets = {
        "gate_cli_over_floor": _target(m["gate_cli"] / m["floor"], 3.0, "x the floor"),
        "pipeline_1000_seconds": _target(pipeline[1000], 10.0, "s"),
        **{f"pipeline_over_checkov_{n}": _target(pipeline[n] / checkov[n], 0.25, "x checkov") for n in checkov},
    }
    derived = {
        "pipeline_slope_ms_per_resource": round((pipeline[1000] - pipeline[100]) / 900 * 1000, 2),
        "program_alone_over_floor": round(m["program_alone"] / m["floor"], 2),
        "gate_cli_over_program_alone": round(m["gate_cli"] / m["program_alone"], 2),
        "pack_memo_saving": {n: round(1 - sum(v["memo"]) / sum(v["shipped"]), 3) for n, v in m["pack"].items()},
        "production_resources": prod,
    }
    return {"targets": targets, "derived": derived}


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return {str(k): _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value


def write_results(path: Path, m: dict[str, Any], argv: list[str]) -> dict[str, Any]:
    """Write the measurements, the targets and the machine as JSON; return what was written."""
    info = machine()
    document = {
        "generated_by": "python -m gate.benchmark " + " ".join(argv),
        "measured_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%MZ"),
        "machine": {**info, "load_at_start": m["load_at_start"], "load_at_end": info.get("load", "")},
        "seconds": _rounded({k: v for k, v in m.items() if k not in ("load_at_start", "production_resources")}),
        **summarise(m),
    }
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    return document


def main(argv: list[str] | None = None) -> int:
    """Measure and write docs/benchmarks.json (or ``--output``)."""
    parser = argparse.ArgumentParser(prog="python -m gate.benchmark", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="subprocess repetitions (median), pack rounds (best)")
    parser.add_argument("--no-checkov", action="store_true", help="skip the checkov timings")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "docs" / "benchmarks.json")
    args = parser.parse_args(argv)
    document = write_results(args.output, measure(args.runs, not args.no_checkov),
                             sys.argv[1:] if argv is None else argv)
    print(json.dumps({"targets": document["targets"], "derived": document["derived"]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
