"""``junit.xml``: the verdict in the format every CI shows natively.

One testcase per policy of the pack (classname = the pack), failing when the policy has a blocking
finding -- the failure text lists each resource, message and fix; advisories and exemptions go to
``system-out``; a policy disabled by the stack's pack config is ``skipped``. checkov: one testcase per
check id it ran (failing if any resource fails it unskipped). Exemptions: one testcase per entry,
failing when expired.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from gate.common.findings import EXPIRED_EXEMPTION_POLICY, Finding
from gate.reports.common import waiver, where

if TYPE_CHECKING:
    from gate.result import GateResult


def _describe(f: Finding) -> str:
    text = f"{f.resource_label}: {f.message}"
    if f.status != "open":
        return f"{text} [{waiver(f)}]"
    return f"{text}\n  fix: {f.remediation}\n  at {where(f)}"


def _suite(parent: ET.Element, name: str, cases: list[tuple[str, str, list[Finding], bool]]) -> None:
    suite = ET.SubElement(parent, "testsuite", name=name)
    failures = skipped = 0
    for classname, case_name, findings, disabled in cases:
        case = ET.SubElement(suite, "testcase", classname=classname, name=case_name, time="0")
        blocking = [f for f in findings if f.blocking]
        if blocking:
            failures += 1
            failure = ET.SubElement(case, "failure", type="mandatory",
                                    message=f"{len(blocking)} blocking finding(s): "
                                            + ", ".join(sorted({f.resource_label for f in blocking})))
            failure.text = "\n".join(_describe(f) for f in blocking)
        elif disabled:
            skipped += 1
            ET.SubElement(case, "skipped", message="disabled by the stack's policy pack config")
        others = [f for f in findings if not f.blocking]
        if others:
            ET.SubElement(case, "system-out").text = "\n".join(
                f"[{f.status if f.status != 'open' else f.enforcement}] {_describe(f)}" for f in others)
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", str(skipped))
    suite.set("time", "0")


def render(result: GateResult) -> str:
    """junit.xml: one test case per rule and resource, failures for blocking findings."""
    by_policy: dict[str, list[Finding]] = {}
    for f in result.findings:
        by_policy.setdefault(f.policy, []).append(f)
    root = ET.Element("testsuites", name=f"chatpdd-gate {result.stack}")
    pack = [p for p in result.policies.values() if p.source == "policy-pack"]
    _suite(root, f"policy-pack {result.pack.name}",
           [(result.pack.name, p.name, by_policy.get(p.name, []), p.enforcement == "disabled")
            for p in sorted(pack, key=lambda p: p.name)])
    if result.checkov.ran:
        _suite(root, "checkov", [("checkov", f"checkov:{check}", by_policy.get(f"checkov:{check}", []), False)
                                 for check in sorted(result.checkov.checks)])
    expired = by_policy.get(EXPIRED_EXEMPTION_POLICY, [])
    cases = []
    for i, e in enumerate(result.exemptions.entries):
        line = result.exemptions.lines[i]
        mine = [f for f in expired if f.location and f.location.line == line]
        cases.append(("exemptions", f"{e.policy} on {e.resource} (line {line})", mine, False))
    _suite(root, "exemptions", cases)
    totals = {k: sum(int(s.get(k, "0")) for s in root) for k in ("tests", "failures", "errors", "skipped")}
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{sum(result.timings.values()):.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
