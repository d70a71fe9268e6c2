"""The machine-readable reports: SARIF validates against the 2.1.0 schema, JUnit parses with the right
counts, the Markdown carries the same findings as the JSON, stack-export.json is shaped like
``pulumi stack export``."""

from __future__ import annotations

import hashlib
import json
import random
import xml.etree.ElementTree as ET
from importlib import metadata

import jsonschema
import pytest

from gate.common.findings import Finding, assign_fingerprints
from tests.gate.conftest import REPO

SARIF_SCHEMA = REPO / "tests" / "gate" / "schemas" / "sarif-schema-2.1.0.json"  # source and licence: README.md there
SECRET_SIG = "4dabf18193072939515e22adb298388d"
RUNS = ["production_gate", "misconfigured_gate", "exemptions_gate", "checkov_gate"]


@pytest.fixture(scope="module")
def sarif_validator():
    schema = json.loads(SARIF_SCHEMA.read_text())
    return jsonschema.validators.validator_for(schema)(schema)


@pytest.mark.parametrize("fixture", RUNS)
def test_sarif_validates_and_mirrors_the_findings(request, fixture, sarif_validator):
    run = request.getfixturevalue(fixture)
    sarif = json.loads(run.text("report.sarif"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in sarif_validator.iter_errors(sarif)]
    assert errors == []
    findings = run.report()["findings"]
    (sarif_run,) = sarif["runs"]
    results = sarif_run["results"]
    assert len(results) == len(findings)
    rules = sarif_run["tool"]["driver"]["rules"]
    for result, f in zip(results, findings, strict=True):
        assert result["ruleId"] == f["policy"] and rules[result["ruleIndex"]]["id"] == f["policy"]
        assert (result["level"] == "error") is (f["enforcement"] == "mandatory")
        assert result["partialFingerprints"]["chatpddFinding/v1"] == f["fingerprint"]
        assert ("suppressions" in result) is (f["status"] != "open")
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] == f["location"]["line"]
    pack = [p["name"] for p in run.report()["policies"] if p["source"] == "policy-pack"]
    assert set(pack) <= {r["id"] for r in rules}
    assert all(r["help"]["text"] and r["properties"]["security-severity"] for r in rules)


def test_sarif_levels_follow_enforcement(misconfigured_gate):
    results = json.loads(misconfigured_gate.text("report.sarif"))["runs"][0]["results"]
    assert {r["ruleId"]: r["level"] for r in results} == {
        "aws-rds-instance-disallow-public-access": "error", "aws-rds-instance-configure-backup-retention": "error"}
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert "components/database.py" in uris


@pytest.mark.parametrize("fixture", RUNS)
def test_junit_parses_with_the_right_counts(request, fixture):
    run = request.getfixturevalue(fixture)
    report = run.report()
    root = ET.fromstring(run.text("junit.xml"))
    cases = root.findall("./testsuite/testcase")
    pack = [p for p in report["policies"] if p["source"] == "policy-pack"]
    entries = report["exemptions"]["entries"]
    checks = report["checkov"]["checks"]  # checkov: one testcase per check id it ran
    assert int(root.get("tests")) == len(cases) == len(pack) + len(checks) + len(entries)
    failing = {f["policy"] for f in report["findings"] if f["blocking"]}
    failed = [c for c in cases if c.find("failure") is not None]
    assert int(root.get("failures")) == len(failed)
    assert len([c for c in failed if c.get("classname") == "checkov"]) == list(checks.values()).count("failed")
    pack_failed = {c.get("name") for c in failed if c.get("classname") != "exemptions"}
    assert pack_failed == failing - {"gate-exemption-expired"}
    expired = [e for e in entries if e["status"] == "expired"]
    assert len([c for c in failed if c.get("classname") == "exemptions"]) == len(expired)
    for case in failed:
        text = case.find("failure").text
        assert "fix: " in text or case.get("classname") == "exemptions"


@pytest.mark.parametrize("fixture", RUNS)
def test_markdown_carries_the_same_findings_as_the_json(request, fixture):
    """Every open finding once, under its rule (one fix per rule), with its resource, file:line and message; the
    waived ones in their waiver's row (tests/gate/test_comment.py checks the layout)."""
    run = request.getfixturevalue(fixture)
    markdown = run.text("report.md")
    report = run.report()
    items = [line for line in markdown.splitlines() if line.startswith("  - `")]
    open_findings = [f for f in report["findings"] if f["status"] == "open" and f["policy"] != "gate-destructive-change"]
    assert len(items) == len(open_findings)
    for f in open_findings:
        label = f["resource_name"] or f["urn"] or "(stack)"
        where = f"{f['location']['path']}:{f['location']['line']}"
        said = f"`{f['message'].split(' fails ')[0]}`" if f["source"] == "checkov" else " ".join(
            f["message"].split(" Fix: ")[0].split())[:60]
        assert f"  - `{label}` `{where}`: {said}" in markdown, f
        severity = f" ({f['severity']})" if f["severity"] != "unspecified" else ""
        assert f"- **`{f['policy']}`**{severity}" in markdown
    assert report["verdict"].upper() in markdown.splitlines()[1]


def test_stack_export_is_shaped_like_pulumi_stack_export(production_gate):
    export = json.loads(production_gate.text("stack-export.json"))
    assert export["version"] == 3
    manifest = export["deployment"]["manifest"]
    assert manifest["version"] == "v" + metadata.version("pulumi")
    assert manifest["magic"] == hashlib.sha256(manifest["version"].encode()).hexdigest()
    resources = export["deployment"]["resources"]
    assert resources[0]["type"] == "pulumi:pulumi:Stack"
    assert len(resources) == production_gate.report()["resources"]["total"] + 1
    seen: set[str] = set()
    for r in resources:
        before = {r.get("parent"), *r.get("dependencies", []),
                  *(u for urns in r.get("propertyDependencies", {}).values() for u in urns)}
        if "provider" in r:
            before.add("::".join(r["provider"].split("::")[:4]))
        assert before - {None} <= seen, f"{r['urn']} comes before what it needs"
        assert {"urn", "custom", "type"} <= set(r)
        seen.add(r["urn"])
    custom = [r for r in resources if r["custom"]]
    assert all(r.get("id") and "inputs" in r and "outputs" in r for r in custom)
    assert any(r.get("protect") for r in resources), "protect=True is carried over"


def _secrets(value):
    if isinstance(value, dict):
        if SECRET_SIG in value:
            yield value
        else:
            for v in value.values():
                yield from _secrets(v)
    elif isinstance(value, list):
        for v in value:
            yield from _secrets(v)


def test_stack_export_secrets_are_envelopes_without_plaintext(production_gate):
    export = json.loads(production_gate.text("stack-export.json"))
    envelopes = list(_secrets(export))
    assert len(envelopes) > 10
    assert all(e == {SECRET_SIG: "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "[secret]"} for e in envelopes)


def test_fingerprints_are_stable_and_unique():
    def findings():
        return [Finding(policy=p, source="policy-pack", enforcement="mandatory", severity="high", message=m,
                        urn=f"urn:pulumi:production::chatpdd-infra::aws:s3/bucket:Bucket::{r}")
                for p in ("a", "b") for r in ("x", "y") for m in ("m1", "m2")]

    first, second = findings(), findings()
    random.Random(7).shuffle(second)
    assign_fingerprints(first)
    assign_fingerprints(second)
    key = lambda f: (f.policy, f.urn, f.message)  # noqa: E731
    assert {key(f): f.fingerprint for f in first} == {key(f): f.fingerprint for f in second}
    assert len({f.fingerprint for f in first}) == len(first)
