"""``report.sarif`` (SARIF 2.1.0) for code scanning: one rule per policy (pack, checkov, gate) with its
help text and remediation, one result per finding.

Level: mandatory -> ``error``; advisory -> ``warning`` (``note`` for low severity). Exempted findings and
skipped checkov checks stay in the log with a ``suppressions`` entry (so code scanning shows them as
dismissed with the reason, instead of forgetting them). Locations are repository-relative
(``%SRCROOT%``): the stack file line for config-driven findings, else the component source.
``partialFingerprints`` carry the stable finding id, so alerts survive re-runs and line moves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gate.common.findings import SECURITY_SEVERITY, Finding, PolicyMeta

if TYPE_CHECKING:
    from gate.result import GateResult

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "chatpddFinding/v1"


def level(enforcement: str, severity: str) -> str:
    """The SARIF level of a finding (error, warning or note)."""
    if enforcement == "mandatory":
        return "error"
    return "note" if severity == "low" else "warning"


def _rule(meta: PolicyMeta) -> dict[str, Any]:
    help_text = meta.remediation or meta.description
    rule: dict[str, Any] = {
        "id": meta.name,
        "name": "".join(part.capitalize() for part in meta.name.replace(":", "-").replace("_", "-").split("-")),
        "shortDescription": {"text": meta.description.split(". ")[0][:1000] or meta.name},
        "fullDescription": {"text": meta.description or meta.name},
        "help": {"text": f"{meta.description}\nFix: {help_text}",
                 "markdown": f"{meta.description}\n\n**Fix:** {help_text}"
                             + (f"\n\nChecklist: {meta.reference}" if meta.reference else "")},
        "defaultConfiguration": {"level": level(meta.enforcement, meta.severity)
                                 if meta.enforcement != "disabled" else "none",
                                 "enabled": meta.enforcement != "disabled"},
        "properties": {"tags": sorted({"security", meta.source, *meta.tags}), "severity": meta.severity,
                       "security-severity": SECURITY_SEVERITY.get(meta.severity, "5.0"),
                       "enforcement": meta.enforcement},
    }
    if meta.url:
        rule["helpUri"] = meta.url
    return rule


def _location(f: Finding) -> dict[str, Any]:
    path = f.location.path if f.location else "__main__.py"
    artifact: dict[str, Any] = ({"uri": "file://" + path} if path.startswith("/")
                                else {"uri": path, "uriBaseId": "%SRCROOT%"})
    location: dict[str, Any] = {"physicalLocation": {
        "artifactLocation": artifact, "region": {"startLine": f.location.line if f.location else 1}}}
    if f.urn:
        location["logicalLocations"] = [{"name": f.resource_label, "fullyQualifiedName": f.urn, "kind": "resource"}]
    return location


def build(result: GateResult) -> dict[str, Any]:
    """report.sarif: SARIF 2.1.0 for code scanning, one result per finding."""
    used = {f.policy for f in result.findings}
    metas = [m for m in sorted(result.policies.values(), key=lambda m: m.name)
             if m.source == "policy-pack" or m.name in used]
    index = {m.name: i for i, m in enumerate(metas)}
    results = []
    for f in result.findings:
        message = f.message if not f.remediation or f.status != "open" else f"{f.message}\nFix: {f.remediation}"
        item: dict[str, Any] = {
            "ruleId": f.policy,
            "ruleIndex": index[f.policy],
            "level": level(f.enforcement, f.severity),
            "message": {"text": message},
            "locations": [_location(f)],
            "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
            "properties": {"status": f.status, "enforcement": f.enforcement, "severity": f.severity,
                           "source": f.source, "blocking": f.blocking,
                           **({"urn": f.urn} if f.urn else {}),
                           **({"resourceType": f.resource_type} if f.resource_type else {})},
        }
        if f.status != "open":
            item["suppressions"] = [{"kind": "external", "status": "accepted",
                                     "justification": f.waiver.get("reason", "")}]
        results.append(item)
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "chatpdd-gate",
                "fullName": f"chatpdd offline gate ({result.pack.name} policy pack"
                            + (", checkov" if result.checkov.ran else "") + ")",
                "version": result.pack.version or "0",
                "informationUri": "https://www.pulumi.com/docs/iac/using-pulumi/crossguard/",
                "rules": [_rule(m) for m in metas],
            }},
            "automationDetails": {"id": f"chatpdd-gate/{result.stack}/"},
            "invocations": [{"executionSuccessful": True, "exitCode": result.exit_code,
                             "properties": {"stack": result.stack, "date": result.today.isoformat()}}],
            "results": results,
            "properties": {"stack": result.stack, "verdict": "fail" if result.blocking else "pass"},
        }],
    }

