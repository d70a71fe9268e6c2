"""The gate's reports: one module per format, all rendering the same ``GateResult.findings``.

``write_reports`` writes the findings' files of ``--out`` (each through the run's redactor); the terminal summary
is printed by the CLI (:func:`gate.reports.terminal.render`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from gate.reports import json_report, junit, markdown, sarif

if TYPE_CHECKING:
    from gate.result import GateResult


def write_reports(result: GateResult, out: Path) -> list[Path]:
    """The findings' reports. (plan.tf.json, stack-export.json and checkov.json are written by the pipeline
    as soon as their inputs exist.)"""
    out.mkdir(parents=True, exist_ok=True)
    documents = {
        "report.md": markdown.render(result),
        "report.sarif": json.dumps(sarif.build(result), indent=2),
        "junit.xml": junit.render(result),
        "report.json": json.dumps(json_report.build(result), indent=2),
    }
    for name, text in documents.items():
        result.redactor.write(out / name, text)
    return [out / name for name in (*documents, "stack-export.json", "plan.tf.json", "checkov.json")]
