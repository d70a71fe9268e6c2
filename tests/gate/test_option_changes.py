"""The change review over resource options and locations (issue 17): options that let a destructive
change slip by, and a stateful resource moved to another provider or region, block; the same edits on a
stateless resource, and harmless option changes, are plain updates."""

from __future__ import annotations

import dataclasses

from gate.program.program import CapturedResource
from gate.review.changes import diff

STACK = "urn:pulumi:production::chatpdd-infra::"
PROVIDER = CapturedResource(urn=STACK + "pulumi:providers:aws::aws", type="pulumi:providers:aws", name="aws",
                            custom=True, parent=None, properties={"region": "us-east-1"})
DR_PROVIDER = dataclasses.replace(PROVIDER, urn=STACK + "pulumi:providers:aws::aws-dr", name="aws-dr",
                                  properties={"region": "us-west-2"})
BUCKET = CapturedResource(urn=STACK + "aws:s3/bucket:Bucket::storage-backups-dr", type="aws:s3/bucket:Bucket",
                          name="storage-backups-dr", custom=True, parent=None, protect=True,
                          properties={"bucket": "chatpdd-production-backups-111122223333-dr"},
                          provider=DR_PROVIDER.urn + "::id-dr")
ALARM = CapturedResource(urn=STACK + "aws:cloudwatch/metricAlarm:MetricAlarm::app", name="app", custom=True,
                         type="aws:cloudwatch/metricAlarm:MetricAlarm", parent=None, properties={"threshold": 1.0},
                         provider=PROVIDER.urn + "::id")
STATEFUL = {"aws:s3/bucket:Bucket"}
BASE = [PROVIDER, DR_PROVIDER, BUCKET, ALARM]


def _review(*head: CapturedResource) -> dict[str, tuple[str, bool, list[str], str]]:
    by_urn = {r.urn: r for r in BASE} | {r.urn: r for r in head}
    changes = diff(BASE, list(by_urn.values()), STATEFUL).changes
    return {c.name: (c.action, c.blocking, c.paths, c.reason) for c in changes}


def test_no_change_no_review():
    assert _review() == {}


def test_retain_on_delete_turned_on_blocks_on_a_stateful_resource():
    action, blocking, paths, reason = _review(dataclasses.replace(BUCKET, retain_on_delete=True))["storage-backups-dr"]
    assert (action, blocking, paths) == ("update", True, ["options.retainOnDelete"])
    assert reason.startswith("options.retainOnDelete turned on for a stateful resource")


def test_delete_before_replace_and_ignore_changes_block():
    head = dataclasses.replace(BUCKET, delete_before_replace=True, ignore_changes=["bucket"])
    action, blocking, paths, _ = _review(head)["storage-backups-dr"]
    assert (action, blocking, paths) == ("update", True, ["options.deleteBeforeReplace", "options.ignoreChanges"])


def test_import_blocks():
    head = dataclasses.replace(BUCKET, other_options={"import": "someone-elses-bucket"})
    assert _review(head)["storage-backups-dr"][:3] == ("update", True, ["options.import"])


def test_provider_region_move_is_a_blocking_replace():
    moved = dataclasses.replace(DR_PROVIDER, properties={"region": "eu-west-1"})
    result = _review(moved)
    assert result["storage-backups-dr"][:2] == ("replace", True)
    assert result["storage-backups-dr"][3].startswith("its provider's region changed: the aws:s3/bucket:Bucket is "
                                                      "created anew there and the old one deleted")
    assert result["aws-dr"][:2] == ("update", False)


def test_another_provider_is_a_blocking_replace():
    head = dataclasses.replace(BUCKET, provider=PROVIDER.urn + "::id")
    action, blocking, _, reason = _review(head)["storage-backups-dr"]
    assert (action, blocking) == ("replace", True)
    assert reason.startswith(f"its provider changed from {DR_PROVIDER.urn} to {PROVIDER.urn}")


def test_own_region_input_is_a_blocking_replace():
    head = dataclasses.replace(BUCKET, properties={**BUCKET.properties, "region": "eu-west-1"})
    assert _review(head)["storage-backups-dr"][:2] == ("replace", True)


def test_stateless_neighbours_are_plain_updates():
    head = dataclasses.replace(ALARM, retain_on_delete=True, provider=DR_PROVIDER.urn + "::id-dr")
    assert _review(head)["app"][:3] == ("update", False, ["options.retainOnDelete"])


def test_harmless_option_change_on_a_stateful_resource_is_an_update():
    head = dataclasses.replace(BUCKET, additional_secret_outputs=["arn"], custom_timeouts={"create": "5m"})
    assert _review(head)["storage-backups-dr"][:3] == (
        "update", False, ["options.additionalSecretOutputs", "options.customTimeouts"])
