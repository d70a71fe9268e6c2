"""``python -m tests.engine.benchmark``: the real `pulumi preview --policy-pack` (fake providers, local
backend) against the offline gate (`python -m gate preview --no-checkov`) on production, in one run.

Prints a Markdown table (docs/benchmarks.md keeps the measured one). Needs `make engine`.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from tests.engine.harness import REPO_ROOT, EngineProject, engine_missing, run_gate

STACK = "production"


def main() -> int:
    reason = engine_missing()
    if reason:
        print(f"benchmark: {reason}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="engine-bench-") as tmp:
        t0 = time.perf_counter()
        project = EngineProject(Path(tmp))
        project.init_stack(STACK)
        setup = time.perf_counter() - t0

        t0 = time.perf_counter()
        result, events = project.preview(STACK)
        engine = time.perf_counter() - t0
        if result.returncode != 0:
            print(result.output[-3000:], file=sys.stderr)
            return 1

        t0 = time.perf_counter()
        gate = run_gate(STACK, REPO_ROOT / f"Pulumi.{STACK}.yaml", REPO_ROOT / "__main__.py", Path(tmp) / "gate-out")
        offline = time.perf_counter() - t0

    resources = len(events.resources)
    print(f"machine: {os.cpu_count()} cores; stack {STACK}; {resources} resources in the engine's preview, "
          f"{gate.report['resources']['total']} captured by the gate")
    print("| run | wall seconds | mandatory violations |")
    print("|---|---|---|")
    print(f"| project copy + `pulumi stack init` + secrets re-set (once) | {setup:.1f} | - |")
    print(f"| `pulumi preview --policy-pack policies --policy-pack-config ...` (fake providers) | {engine:.1f} | "
          f"{len(events.mandatory())} |")
    print(f"| `python -m gate preview --no-checkov` | {offline:.1f} | {len(gate.mandatory())} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
