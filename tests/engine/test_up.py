"""`pulumi up` through the real engine (fake providers, local file backend): the promotion path.

- the update succeeds with the pack enforced, and `pulumi stack output --json` is what `ops` parses
  (the file the promote workflow hands to `ops snapshot` and `ops verify`);
- a second `up` changes nothing (the program is deterministic, nothing is replaced by accident);
- `pulumi destroy` is refused while stateful resources are protected, and the state keeps them;
- on the deployed stack, an input change is an in-place update of that resource alone, and a change of a
  replace-on-change input of a protected resource is refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ops.__main__ import build_parser
from ops.outputs import Outputs
from tests.engine.harness import EngineEvents, EngineProject, policy_args
from tests.engine.variants import variant_source

pytestmark = pytest.mark.engine

STACK = "production"


def test_stack_output_json_is_what_ops_parses(deployed: EngineProject, tmp_path: Path):
    result = deployed.run("stack", "output", "--stack", STACK, "--json")
    path = tmp_path / "outputs.json"
    path.write_text(result.stdout, encoding="utf-8")
    # The workflows' exact argument shapes parse, and every section ops reads validates.
    args = build_parser().parse_args(["snapshot", "--outputs", str(path), "--deployment-id", "123-1"])
    outputs = Outputs.load(args.outputs)
    database, storage, monitoring, app = outputs.database(), outputs.storage(), outputs.monitoring(), outputs.app()
    assert outputs.region() == "us-east-1"
    assert database.primary_identifier == "chatpdd-production-db"
    assert database.kms_key_arn.startswith("arn:aws:kms:us-east-1:111122223333:key/")
    assert storage.backups_bucket == "chatpdd-production-backups-111122223333"
    assert set(monitoring.topic_arns) >= {"critical", "warning", "info"}
    assert all(url.startswith("https://") for url in app.health_urls)
    # Secret outputs stay masked in what the workflow writes to disk.
    assert "engine-test-" not in result.stdout
    json.loads(result.stdout)


def test_second_up_is_a_no_op(deployed: EngineProject):
    result = deployed.run("up", "--yes", "--stack", STACK, "--non-interactive", "--expect-no-changes",
                          *policy_args(deployed, STACK), check=False)
    assert result.returncode == 0, result.output[-3000:]


def test_destroy_of_protected_resources_is_refused(deployed: EngineProject):
    before = json.loads(deployed.run("stack", "export", "--stack", STACK).stdout)
    result = deployed.run("destroy", "--yes", "--stack", STACK, "--non-interactive", check=False)
    assert result.returncode != 0
    assert "protect" in result.output.lower(), result.output[-3000:]
    after = json.loads(deployed.run("stack", "export", "--stack", STACK).stdout)
    protected = {r["urn"] for r in before["deployment"]["resources"] if r.get("protect")}
    assert protected
    # Refused before any step: nothing at all was deleted (the workflow tests reuse this state).
    assert {r["urn"] for r in after["deployment"]["resources"]} == {r["urn"] for r in before["deployment"]["resources"]}


def preview_variant(project: EngineProject, edits: dict[str, Any], log: Path) -> tuple[Any, EngineEvents]:
    """Preview the deployed stack with `edits` applied to the program (tests/engine/variants.py)."""
    main = project.project / "__main__.py"
    committed = main.read_text(encoding="utf-8")
    main.write_text(variant_source(edits), encoding="utf-8")
    try:
        return project.preview(STACK, "--diff", events=log)
    finally:
        main.write_text(committed, encoding="utf-8")


def test_an_input_change_is_an_in_place_update(deployed: EngineProject, tmp_path: Path):
    alarm = "aws:cloudwatch/metricAlarm:MetricAlarm::monitoring-db-disk-warning"
    result, events = preview_variant(deployed, {alarm: {"props": {"alarm_description": "edited"}}},
                                     tmp_path / "events.json")
    assert result.returncode == 0, result.output[-3000:]
    ops = {meta["urn"].split("::")[-1]: meta["op"] for meta in events.resources.values()
           if meta["type"] == "aws:cloudwatch/metricAlarm:MetricAlarm"}
    assert ops["monitoring-db-disk-warning"] == "update"
    assert {op for name, op in ops.items() if name != "monitoring-db-disk-warning"} == {"same"}


def test_a_replacement_of_a_protected_resource_is_refused(deployed: EngineProject, tmp_path: Path):
    # `bucket` is replace-on-change (gate/review/replacements.py): the fake provider's Diff asks for a replacement,
    # and the engine refuses it for a protected bucket before anything happens.
    bucket = "aws:s3/bucket:Bucket::storage-uploads"
    result, _ = preview_variant(deployed, {bucket: {"props": {"bucket": "chatpdd-production-uploads-renamed"}}},
                                tmp_path / "events.json")
    assert result.returncode != 0
    assert "protect" in result.output.lower() and "storage-uploads" in result.output, result.output[-3000:]
