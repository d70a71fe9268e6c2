"""``python -m gate preview-summary``: the real preview's JSON (streamed engine events, or the digest) as the PR
comment's section. The event shapes are the CLI's (sdk/go/common/apitype/events.go, pulumi 3.274)."""

from __future__ import annotations

import json

import pytest

from gate.__main__ import main
from gate.review.preview_summary import PreviewSummaryError, render, summarize
from tests.gate.test_comment import visible_lines

URN = "urn:pulumi:production::chatpdd-infra::chatpdd:components:Database$aws:rds/instance:Instance::"


def events(*items: dict) -> str:
    return "\n".join(json.dumps({"sequence": i, "timestamp": 1, **e}) for i, e in enumerate(items)) + "\n"


STREAM = events(
    {"preludeEvent": {"config": {}}},
    {"resourcePreEvent": {"metadata": {"op": "same", "urn": URN + "database-replica-1", "type": "x"}}},
    {"resourcePreEvent": {"metadata": {"op": "update", "urn": URN + "database-primary", "type": "x"}}},
    {"resourcePreEvent": {"metadata": {"op": "create", "urn": URN + "database-replica-2", "type": "x"}}},
    {"policyEvent": {"resourceUrn": URN + "database-primary", "message": "Must not be public.\nFix it.",
                     "policyName": "aws-rds-instance-disallow-public-access", "policyPackName": "chatpdd-guardrails",
                     "enforcementLevel": "mandatory"}},
    {"policyEvent": {"resourceUrn": URN + "database-replica-2", "message": "Consider a larger class.",
                     "policyName": "some-advice", "policyPackName": "chatpdd-guardrails",
                     "enforcementLevel": "advisory"}},
    {"summaryEvent": {"maybeCorrupt": False, "durationSeconds": 3, "resourceChanges": {"same": 163, "update": 1,
                                                                                          "create": 1}}},
)


def test_the_streamed_events_give_changes_by_action_and_policy_violations():
    text = render(summarize(STREAM), "production", "https://github.invalid/o/r/actions/runs/1")
    shown = visible_lines(text)
    assert shown[0] == ("#### :x: Real `pulumi preview` of `production` ([job](https://github.invalid/o/r/actions/"
                        "runs/1)): 1 update, 1 create (163 unchanged); 1 mandatory and 1 advisory policy violations")
    assert shown[1] == ("- :x: `aws-rds-instance-disallow-public-access` on `database-primary`: Must not be public. "
                        "Fix it.")
    assert len(shown) == 4  # + the two collapsed summaries
    assert f"| create | `{URN}database-replica-2` |" in text and "database-replica-1" not in text


def test_the_digest_gives_the_changes():
    digest = {"steps": [{"op": "update", "urn": URN + "database-primary"}, {"op": "same", "urn": URN + "x"}],
              "changeSummary": {"update": 1, "same": 164}, "diagnostics": []}
    summary = summarize(json.dumps(digest))
    assert (dict(summary.changes), summary.steps) == ({"update": 1, "same": 164}, [("update", URN + "database-primary")])
    assert "#### :white_check_mark: Real `pulumi preview` of `production`: 1 update (164 unchanged)" in render(
        summary, "production", None)


@pytest.mark.parametrize(("text", "problem"), [
    ("", "it is empty"), ("{not json\n", "line 1 is not JSON"), ('{"foo": 1}\n', "it holds no preview events"),
])
def test_what_is_not_preview_json_is_refused(text, problem):
    with pytest.raises(PreviewSummaryError, match=problem):
        summarize(text)


def test_the_command_refuses_bad_input_in_one_line(tmp_path, capsys):
    path = tmp_path / "preview.json"
    path.write_text("garbage\n")
    assert main(["preview-summary", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"gate: bad input (exit 2): {path}: line 1 is not JSON") and err.count("\n") == 1


BUCKET = "urn:pulumi:production::chatpdd-infra::chatpdd:components:Storage$aws:s3/bucket:Bucket::storage-backups"
TABLE = "policies/chatpdd_policies/input_classes.yaml"


def _step(op: str, **new) -> dict:
    return {"resourcePreEvent": {"metadata": {"op": op, "urn": BUCKET, "type": "aws:s3/bucket:Bucket",
                                              "new": {"urn": BUCKET, "type": "aws:s3/bucket:Bucket", **new}}}}


@pytest.mark.parametrize(("step", "option", "problem"), [
    (_step("create", retainOnDelete=True), "retainOnDelete", "is True, but the table requires False"),
    (_step("import", id="chatpdd-production-backups"), "import", "is set, but the table requires it unset"),
    (_step("update", hideDiffs=["tags"]), "hideDiffs", "is set, but the table requires it unset"),
])
def test_options_the_pack_cannot_see_block_the_real_preview_as_they_block_the_gate(tmp_path, capsys, step, option,
                                                                                  problem):
    """retainOnDelete, import and hideDiffs never reach the pack (the Analyzer protocol does not carry them), but
    the engine's step events show them: the summary judges them against the same table rows, in the gate's words,
    and the command exits 1 (the workflow then fails the preview)."""
    path = tmp_path / "preview.json"
    path.write_text(events(step, {"summaryEvent": {"resourceChanges": {"create": 1}}}))
    assert main(["preview-summary", str(path)]) == 1
    shown = visible_lines(capsys.readouterr().out)
    assert shown[0].endswith("1 mandatory and 0 advisory policy violations")
    assert shown[1] == (f"- :x: `gate-resource-options` on `storage-backups`: aws:s3/bucket:Bucket 'storage-backups': "
                        f"resource option {option} {problem} (options.{option} in {TABLE}). Fix: remove it from the "
                        f"resource's ResourceOptions.")


def test_a_step_without_such_options_passes(tmp_path, capsys):
    path = tmp_path / "preview.json"
    path.write_text(events(_step("create", retainOnDelete=False, protect=True),
                           {"summaryEvent": {"resourceChanges": {"create": 1}}}))
    assert main(["preview-summary", str(path)]) == 0
    assert "0 mandatory" in capsys.readouterr().out
