"""checkov runs for real on the exported plan (skipped only where .venv-checkov is absent -- CI has it): it
parses exactly the exported resources, its failures are merged as findings, skips carry their reason."""

from __future__ import annotations

import json

import yaml

from gate.checkov import CheckovSkipsFile
from gate.terraform_types import PULUMI_TO_TERRAFORM
from tests.gate.conftest import needs_checkov


@needs_checkov
def test_checkov_parses_every_exported_resource(checkov_gate):
    report = checkov_gate.report()
    plan = json.loads(checkov_gate.text("plan.tf.json"))
    checkov = json.loads(checkov_gate.text("checkov.json"))
    exported = len(plan["planned_values"]["root_module"]["resources"])
    assert report["checkov"]["ran"] is True
    assert exported > 50
    assert checkov["summary"]["resource_count"] == exported == report["resources"]["exported_to_checkov"]
    assert checkov["summary"]["parsing_errors"] == 0


@needs_checkov
def test_checkov_failures_are_merged_as_findings(checkov_gate):
    checkov = json.loads(checkov_gate.text("checkov.json"))
    findings = {(f["policy"], f["message"].split(" fails ")[0]): f for f in checkov_gate.report()["findings"]
                if f["source"] == "checkov"}
    failed = {(f"checkov:{c['check_id']}", c["resource"]) for c in checkov["results"]["failed_checks"]}
    assert set(findings) == failed
    for f in findings.values():
        assert f["enforcement"] == "mandatory" and f["urn"] and f["location"]["path"].startswith("components/")
        assert (f["status"] == "skipped") is bool(f["waiver"].get("reason"))
    blocking = [f for f in findings.values() if f["blocking"]]
    assert (checkov_gate.code == 1) is bool(blocking or [f for f in checkov_gate.report()["findings"] if f["blocking"]])
    for f in blocking:
        assert f"x {f['policy']} -- {f['resource_name']}" in checkov_gate.stdout


@needs_checkov
def test_cross_resource_s3_checks_see_the_bucket_sub_resources(checkov_gate):
    """CKV2_AWS_6 / CKV_AWS_21 / CKV_AWS_145 pass only if the plan's references connect each bucket to its
    public access block, versioning and KMS encryption resources."""
    passed = {(c["check_id"], c["resource"]) for c in json.loads(checkov_gate.text("checkov.json"))["results"]
              ["passed_checks"]}
    buckets = [r["address"] for r in json.loads(checkov_gate.text("plan.tf.json"))["planned_values"]["root_module"]
               ["resources"] if r["type"] == "aws_s3_bucket"]
    assert len(buckets) == 4  # backups, uploads, access-logs, backups-dr (components/storage.py)
    for bucket in buckets:
        # The access-logs bucket is SSE-S3 by design (log delivery refuses SSE-KMS): CKV_AWS_145 is skipped there.
        kms = () if bucket.endswith("-access-logs") else ("CKV_AWS_145",)
        for check in ("CKV2_AWS_6", "CKV_AWS_21", *kms):
            assert (check, bucket) in passed, (check, bucket)


def test_plan_has_the_shape_checkov_needs_and_no_secret(production_gate):
    plan = json.loads(production_gate.text("plan.tf.json"))
    assert plan["terraform_version"] and plan["format_version"]
    resources = plan["planned_values"]["root_module"]["resources"]
    assert all(r["mode"] == "managed" and r["address"] == f"{r['type']}.{r['name']}" for r in resources)
    assert len({r["address"] for r in resources}) == len(resources)
    db = next(r for r in resources if r["type"] == "aws_db_instance" and "replica" not in r["name"])
    assert db["values"]["storage_encrypted"] is True and db["values"]["password"] == "[secret]"
    sse = next(r for r in resources if r["type"] == "aws_s3_bucket_server_side_encryption_configuration"
               and r["name"] == "storage-backups-encryption")
    assert sse["values"]["rule"][0]["apply_server_side_encryption_by_default"][0]["sse_algorithm"] == "aws:kms"
    config = {r["address"]: r for r in plan["configuration"]["root_module"]["resources"]}
    assert config[sse["address"]]["expressions"]["bucket"]["references"][1].startswith("aws_s3_bucket.")


def test_every_aws_type_the_program_uses_has_a_terraform_type(production_gate, staging_gate):
    """A new AWS resource type must be added to gate/terraform_types.py, or checkov silently skips it."""
    used = {kind for run in (production_gate, staging_gate) for kind in run.report()["resources"]["by_type"]
            if kind.startswith("aws:")}
    assert used - set(PULUMI_TO_TERRAFORM) == set()
    assert not [w for w in production_gate.report()["warnings"] if "no Terraform type" in w]


def test_checked_in_skip_list_is_valid_with_a_reason_each(repo_root):
    skips = CheckovSkipsFile.model_validate(yaml.safe_load((repo_root / "gate/checkov-skips.yaml").read_text())).skips
    assert skips and all(len(s.reason) > 40 for s in skips)
    assert len({(s.check, s.resource) for s in skips}) == len(skips)
