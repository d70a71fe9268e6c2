"""checkov on the Pulumi program: export the captured AWS resources as a Terraform plan, run checkov's
CLI from its own virtualenv, and turn its failed checks into gate findings.

checkov has no Pulumi support, but pulumi-aws is the Terraform AWS provider underneath, so the same
resources written as ``planned_values`` of a Terraform plan (Terraform types, snake_case attributes, nested
blocks as lists) are what checkov's ``terraform_plan`` framework scans. The S3 checks that span a bucket
and its sub-resources (CKV2_AWS_6, CKV_AWS_21, CKV_AWS_145) need ``configuration...expressions.<attr>
.references``: written from the resources' property dependencies (and, for ``bucket``, from the bucket
name). checkov scans 0 resources and passes when a plan is malformed, so the parsed resource count is
asserted against the exported count.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from gate.common.findings import EXPIRED_EXEMPTION_POLICY, Finding, PolicyMeta
from gate.common.redact import REDACTED, Redactor
from gate.export.terraform_types import attribute_name, is_exportable_candidate, is_map, terraform_type
from gate.program.children import dying_with_parent, stop_process_group
from gate.program.program import UNKNOWN, CapturedResource, is_secret
from gate.waivers.exemptions import MAX_EXPIRY_DAYS, Concrete, DateTextLoader, ExpiryDays, Text, expiry_problem
from stacks.safe_yaml import InputFileError, load_yaml

TERRAFORM_VERSION = "1.9.8"  # the plan format checkov parses; no Terraform ran
FORMAT_VERSION = "1.2"
PROVIDER_NAME = "registry.terraform.io/hashicorp/aws"
POLICY_PREFIX = "checkov:"


class CheckovError(Exception):
    """checkov is missing, crashed, or scanned something other than the exported plan. User-facing."""


# --- export ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExportedResource:
    """One resource of the exported plan: its Terraform address and type, and the Pulumi resource it came from."""
    address: str
    tf_type: str
    name: str
    urn: str


@dataclass
class PlanExport:
    """The Terraform plan JSON checkov scans, what is in it, and the AWS types that had no Terraform type."""
    plan: dict[str, Any]
    resources: list[ExportedResource]
    unmapped: list[tuple[str, str]] = field(default_factory=list)  # (urn, pulumi type): AWS types not in the table

    @property
    def by_address(self) -> dict[str, ExportedResource]:
        """The exported resources by Terraform address."""
        return {r.address: r for r in self.resources}


def _tf_name(name: str, taken: set[str], tf_type: str) -> str:
    base = re.sub(r"[^A-Za-z0-9_-]", "_", name) or "resource"
    if not re.match(r"[A-Za-z_]", base):
        base = "r_" + base
    candidate, n = base, 2
    while f"{tf_type}.{candidate}" in taken:
        candidate, n = f"{base}_{n}", n + 1
    return candidate


def _tf_value(tf_type: str, key: str, value: Any, redactor: Redactor) -> Any:
    if is_secret(value):
        return REDACTED
    if value == UNKNOWN:
        return None  # unknown at preview: Terraform plans show null (after_unknown)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, str):
        return redactor.text(value)
    if isinstance(value, list):  # a list of objects is a repeated block: one block per element
        return [_tf_block(tf_type, v, redactor) if isinstance(v, dict) and not is_secret(v) and not is_map(key, v)
                else _tf_value(tf_type, key, v, redactor) for v in value]
    if isinstance(value, dict):
        if is_map(key, value):
            return {str(k): _tf_value(tf_type, "", v, redactor) for k, v in value.items()}
        return [_tf_block(tf_type, value, redactor)]
    return value


def _tf_block(tf_type: str, props: dict[str, Any], redactor: Redactor) -> dict[str, Any]:
    block: dict[str, Any] = {}
    for key, value in props.items():
        if key.startswith("__"):
            continue
        block[attribute_name(tf_type, key, value)] = _tf_value(tf_type, key, value, redactor)
    return block


def _identity_index(exported: list[ExportedResource], captured: dict[str, CapturedResource]) -> dict[str, str]:
    """Identifying value (the resource's id or ARN) -> address. Components often pass a name that is
    known at preview as a literal (``bucket="chatpdd-production-backups"``) instead of an output, so
    there is no property dependency: the same value still means the same resource, as a Terraform
    reference would have said. (The mocks give buckets, DB instances, parameter groups and proxies their
    name as id, like the providers do.)"""
    index: dict[str, str] = {}
    ambiguous: set[str] = set()
    for er in exported:
        r = captured[er.urn]
        for v in (r.id, r.outputs.get("arn")):
            if not isinstance(v, str) or len(v) < 3 or v == UNKNOWN:
                continue
            if v in index and index[v] != er.address:
                ambiguous.add(v)
            index[v] = er.address
    return {v: a for v, a in index.items() if v not in ambiguous}


def export_plan(resources: list[CapturedResource], redactor: Redactor) -> PlanExport:
    """The Terraform-plan JSON of every AWS resource with a known Terraform type (secrets redacted)."""
    exported: list[ExportedResource] = []
    unmapped: list[tuple[str, str]] = []
    taken: set[str] = set()
    by_urn: dict[str, ExportedResource] = {}
    planned: list[dict[str, Any]] = []
    for r in resources:
        if not r.custom or not is_exportable_candidate(r.type):
            continue
        tf_type = terraform_type(r.type)
        if tf_type is None:
            unmapped.append((r.urn, r.type))
            continue
        name = _tf_name(r.name, taken, tf_type)
        address = f"{tf_type}.{name}"
        taken.add(address)
        er = ExportedResource(address=address, tf_type=tf_type, name=name, urn=r.urn)
        exported.append(er)
        by_urn[r.urn] = er
        planned.append({"address": address, "mode": "managed", "type": tf_type, "name": name,
                        "provider_name": PROVIDER_NAME, "schema_version": 0,
                        "values": _tf_block(tf_type, r.properties, redactor)})
    configuration = []
    captured = {r.urn: r for r in resources}
    identities = _identity_index(exported, captured)
    for er in exported:
        r = captured[er.urn]
        expressions: dict[str, Any] = {}
        for prop, deps in r.property_dependencies.items():
            refs = [ref for d in deps if d in by_urn and d != er.urn
                    for ref in (f"{by_urn[d].address}.id", by_urn[d].address)]
            if refs:
                expressions[attribute_name(er.tf_type, prop, r.properties.get(prop))] = {"references": refs}
        for prop, value in r.properties.items():
            attr = attribute_name(er.tf_type, prop, value)
            if attr in expressions:
                continue
            values = value if isinstance(value, list) else [value]
            targets = [identities[v] for v in values if isinstance(v, str) and v in identities]
            refs = [ref for t in targets if t != er.address for ref in (f"{t}.id", t)]
            if refs:
                expressions[attr] = {"references": refs}
        configuration.append({"address": er.address, "mode": "managed", "type": er.tf_type, "name": er.name,
                              "provider_config_key": "aws", "expressions": expressions, "schema_version": 0})
    plan = {
        "format_version": FORMAT_VERSION,
        "terraform_version": TERRAFORM_VERSION,
        "description": "Generated by the chatpdd-infra offline gate from the Pulumi program run under mocks "
                       "(no Terraform ran); secret values are redacted.",
        "planned_values": {"root_module": {"resources": planned}},
        "configuration": {"provider_config": {"aws": {"name": "aws", "full_name": PROVIDER_NAME}},
                          "root_module": {"resources": configuration}},
    }
    return PlanExport(plan=plan, resources=exported, unmapped=unmapped)


# --- skips -----------------------------------------------------------------------------------------

# The only resources a skip may select instead of naming them: those the program creates in numbers. Each
# (Terraform type, Role tag) pair comes with the attribute that makes a resource what the selector says, set
# by construction: an aws_db_instance with replicate_source_db is a read replica, never a primary (a primary
# retagged Role=rds-replica still has no source, so it is not selected and its failures block).
SELECTABLE: dict[tuple[str, str], str] = {("aws_db_instance", "rds-replica"): "replicate_source_db"}
MAX_SELECTED = 10


class CheckovSelector(BaseModel):
    """A bounded selector: every exported resource of ``type`` tagged ``Role=<role>`` that has the attribute
    :data:`SELECTABLE` requires for that pair -- at most ``max_count`` of them, or it covers none."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Text
    role: Text
    max_count: Annotated[int, Field(ge=1, le=MAX_SELECTED)]

    @model_validator(mode="after")
    def _selectable(self) -> CheckovSelector:
        if (self.type, self.role) not in SELECTABLE:
            allowed = ", ".join(f"{t} role {r}" for t, r in SELECTABLE)
            raise ValueError(f"{self.type} with role {self.role} cannot be selected (only resources the program "
                             f"creates in numbers: {allowed}); name the resources instead")
        return self

    @property
    def required(self) -> str:
        """The attribute a selected resource must have set (what it is by construction)."""
        return SELECTABLE[(self.type, self.role)]

    def label(self) -> str:
        """How the reports name what this selector skips."""
        return (f"every {self.type} tagged Role={self.role} with {self.required} set (at most {self.max_count})")


class CheckovSkip(BaseModel):
    """One reviewed skip, bounded like an exemption (docs/gate.md): the check, the concrete Terraform
    addresses it skips (no glob, no "everywhere") or a bounded ``select`` (resources the program creates in
    numbers), an owner, a reason and an expiry at most ``max_expiry_days`` after the check date. An expired
    skip no longer skips and blocks by itself."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    check: Annotated[str, StringConstraints(pattern=r"^CKV2?_[A-Z0-9]+_[0-9]+$")]
    resources: Annotated[list[Concrete], Field(min_length=1)] | None = None  # Terraform addresses in plan.tf.json
    select: CheckovSelector | None = None
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10)]
    owner: Text
    expires: dt.date

    @model_validator(mode="after")
    def _one_target(self) -> CheckovSkip:
        if (self.resources is None) == (self.select is None):
            raise ValueError("give either resources (Terraform addresses) or select (a bounded selector), "
                             "exactly one")
        return self

    def label(self) -> str:
        """What this skip covers, as the reports name it."""
        return ", ".join(self.resources) if self.resources is not None else self.select.label()  # type: ignore[union-attr]

    def targets(self, export: PlanExport) -> list[str]:
        """The addresses this skip covers in ``export``: its named ones, or what its selector selects (none
        when the selector selects more than its max_count)."""
        if self.resources is not None:
            return list(self.resources)
        assert self.select is not None
        selected = select_addresses(self.select, export)
        return selected if len(selected) <= self.select.max_count else []

    def covers(self, check_id: str, address: str, export: PlanExport | None = None) -> bool:
        """Whether this skip applies to ``check_id`` on the resource at ``address``."""
        if check_id != self.check:
            return False
        if self.resources is not None:
            return address in self.resources
        return export is not None and address in self.targets(export)


def select_addresses(selector: CheckovSelector, export: PlanExport) -> list[str]:
    """Every exported resource the selector matches: its type, its Role tag, and the required attribute set."""
    found = []
    for r in export.plan.get("planned_values", {}).get("root_module", {}).get("resources", []):
        values = r.get("values") or {}
        tags = values.get("tags") or {}
        if (r.get("type") == selector.type and isinstance(tags, dict) and tags.get("Role") == selector.role
                and values.get(selector.required) not in (None, "", [])):
            found.append(str(r["address"]))
    return found


def skip_warnings(skips: list[CheckovSkip], export: PlanExport, today: dt.date) -> list[str]:
    """Skips in force that name or select nothing of the exported plan, or select more than they may."""
    warnings = []
    for s in skips:
        if s.expires < today:
            continue
        if s.resources is not None:
            warnings += [f"The checkov skip of {s.check} names {address}, which the exported plan does not have: "
                         f"remove it from the skip, or fix the address." for address in s.resources
                         if address not in export.by_address]
            continue
        assert s.select is not None
        selected = select_addresses(s.select, export)
        if len(selected) > s.select.max_count:
            warnings.append(f"The checkov skip of {s.check} selects {len(selected)} resources, more than its "
                            f"max_count {s.select.max_count}: it skips none of them (raise max_count after review).")
        elif not selected:
            warnings.append(f"The checkov skip of {s.check} selects nothing in the exported plan "
                            f"({s.select.label()}): remove it, or fix the selector.")
    return warnings


class CheckovSkipsFile(BaseModel):
    """The whole gate/checkov-skips.yaml."""
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_expiry_days: ExpiryDays = MAX_EXPIRY_DAYS  # lower it to shorten every skip; never above 90
    skips: list[CheckovSkip]


def load_skips(path: Path, display: str, today: dt.date) -> list[CheckovSkip]:
    """Read and validate the skip list; a skip expiring more than ``max_expiry_days`` after ``today`` is
    invalid (exit 2). Expired skips are returned: :func:`merge_results` stops applying them."""
    try:  # bounded, no duplicate keys, aliases only within a small expansion (stacks/safe_yaml.py)
        document, _ = load_yaml(Path(path), display, aliases=True, loader=DateTextLoader)
        parsed = CheckovSkipsFile.model_validate(document if document is not None else {})
    except InputFileError as exc:
        raise CheckovError(f"Cannot use the checkov skip list {display}: {exc.problem}.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise CheckovError(f"The checkov skip list {display} is not valid YAML{where} "
                           f"({getattr(exc, 'problem', None) or 'syntax error'}).") from None
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {'missing' if e['type'] == 'missing' else e['msg']}"
                             for e in err.errors(include_url=False))
        raise CheckovError(f"Invalid checkov skip list {display}: {problems}. Each skip needs check (a checkov id), "
                           f"resources (Terraform addresses, no glob) or select (type, role, max_count), reason (a sentence), owner and expires "
                           f"(YYYY-MM-DD).") from None
    too_far = [f"skips.{i}.expires: {problem}" for i, skip in enumerate(parsed.skips)
               if (problem := expiry_problem(skip.expires, today, parsed.max_expiry_days))]
    if too_far:
        raise CheckovError(f"Invalid checkov skip list {display}: {'; '.join(too_far)}.")
    return list(parsed.skips)


# --- run -------------------------------------------------------------------------------------------

@dataclass
class CheckovRun:
    """checkov's JSON report, how long it took and the command that produced it."""
    report: dict[str, Any]
    seconds: float
    command: list[str]


def checkov_binary(repo_root: Path) -> Path:
    """Where ``make setup`` installs checkov (its own virtualenv)."""
    return repo_root / ".venv-checkov" / "bin" / "checkov"


def check_checkov(binary: Path) -> None:
    """CheckovError unless ``binary`` is an executable file (checked before the run, so a missing checkov is
    reported in a second, not after the program and the pack)."""
    if binary.exists() and (not binary.is_file() or not os.access(binary, os.X_OK)):
        raise CheckovError(f"checkov at {binary} is not an executable file; recreate its virtualenv with "
                           f"`make setup`, or run the gate with --no-checkov.")
    if not binary.is_file():
        raise CheckovError(
            f"checkov is not installed at {binary}. It lives in its own virtualenv (it pins boto3 exactly): "
            f"create it with `make setup` (or `python3 -m venv .venv-checkov && .venv-checkov/bin/pip install "
            f"-r gate/requirements-checkov.txt`), or run the gate with --no-checkov.")


WARM_LAUNCHER = Path(__file__).resolve().parent / "checkov_warm.py"


def _popen(binary: Path, command: list[str], cwd: Path, stdin: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "LOG_LEVEL": "WARNING"}
    try:  # its own process group: stop_checkov ends checkov and whatever it started
        return subprocess.Popen(dying_with_parent(command), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=stdin, env=env, cwd=cwd, start_new_session=True)
    except OSError as exc:  # e.g. a broken interpreter line in the script
        raise CheckovError(f"checkov at {binary} cannot be started ({exc.strerror or exc}); recreate its "
                           f"virtualenv with `make setup`, or run the gate with --no-checkov.") from None


def prestart_checkov(binary: Path, cwd: Path) -> subprocess.Popen[bytes]:
    """Start checkov's interpreter on gate/export/checkov_warm.py now, so it imports checkov (most of checkov's time)
    while the program runs; :func:`start_checkov` hands it the plan. Stop it with :func:`stop_checkov` if no
    plan comes."""
    check_checkov(binary)
    return _popen(binary, [str(binary.parent / "python"), str(WARM_LAUNCHER)], cwd, subprocess.PIPE)


def start_checkov(binary: Path, plan_path: Path, warm: subprocess.Popen[bytes] | None = None,
                  ) -> tuple[subprocess.Popen[bytes], list[str], float]:
    """Start checkov on the plan (it takes seconds, mostly start-up: the gate overlaps it with the pack). With
    ``warm`` (:func:`prestart_checkov`), that process scans the plan: checkov is already imported. The command
    returned is the equivalent CLI command either way (the report shows it)."""
    command = [str(binary), "-f", str(plan_path), "--framework", "terraform_plan", "-o", "json", "--compact",
               "--skip-download"]
    if warm is None:
        check_checkov(binary)
        return _popen(binary, command, plan_path.parent, subprocess.DEVNULL), command, time.monotonic()
    assert warm.stdin is not None, "prestart_checkov gives the process a stdin pipe"
    try:
        # one line, flushed; communicate() (finish_checkov) closes stdin
        warm.stdin.write(json.dumps({"cwd": str(plan_path.parent), "args": command[1:]}).encode() + b"\n")
        warm.stdin.flush()
    except BrokenPipeError:
        pass  # it died while importing: finish_checkov reports its exit code and stderr
    return warm, command, time.monotonic()


def stop_checkov(proc: subprocess.Popen[bytes]) -> None:
    """End checkov's process group and collect it (an error or an interrupt elsewhere in the gate)."""
    stop_process_group(proc, grace=2.0)
    proc.communicate()


def finish_checkov(proc: subprocess.Popen[bytes], command: list[str], started: float, expected: int,
                   timeout: float = 600) -> CheckovRun:
    """Wait for checkov, parse its report and check it scanned every exported resource."""
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop_checkov(proc)
        raise CheckovError(f"checkov did not finish within {timeout:.0f} s.") from None
    except BaseException:  # an interrupt while waiting: checkov must not outlive the gate
        stop_checkov(proc)
        raise
    seconds = time.monotonic() - started
    # checkov exits 1 when a check fails; anything else non-zero is a crash.
    if proc.returncode not in (0, 1):
        tail = stderr.decode(errors="replace").strip().splitlines()[-5:]
        raise CheckovError(f"checkov failed (exit code {proc.returncode}): {' | '.join(tail) or 'no output'}.")
    try:
        report = json.loads(stdout.decode(errors="replace") or "{}")
    except json.JSONDecodeError:
        raise CheckovError("checkov did not print a JSON report (-o json); run the command by hand: "
                           + " ".join(command)) from None
    if isinstance(report, list):  # one report per framework: keep terraform_plan's
        report = next((r for r in report if r.get("check_type") == "terraform_plan"), {})
    counted = int(report.get("summary", {}).get("resource_count", 0))
    if counted != expected:
        raise CheckovError(
            f"checkov parsed {counted} resource(s) from the exported plan but the gate exported {expected}: the "
            f"plan is malformed for checkov (it silently scans nothing on a malformed plan), so its result "
            f"cannot be trusted. Check gate/export/checkov.py's export against checkov's terraform_plan parser.")
    return CheckovRun(report=report, seconds=seconds, command=command)


# --- merge -----------------------------------------------------------------------------------------

@dataclass
class CheckovMerge:
    """checkov's failures as findings, its checks as rules, and the counts the reports show."""
    findings: list[Finding]
    rules: dict[str, PolicyMeta]
    passed: int
    failed: int
    skipped: int
    checks: dict[str, str]  # check id -> "passed" | "failed" | "skipped" (worst wins), for JUnit


def merge_results(run: CheckovRun, export: PlanExport, skips: list[CheckovSkip],
                  resource_names: dict[str, str], today: dt.date, skips_file: str = "gate/checkov-skips.yaml"
                  ) -> CheckovMerge:
    """Failed checks -> findings (mandatory unless a skip in force covers them, then status "skipped" with its
    reason). An expired skip covers nothing and is itself a blocking finding. ``resource_names`` maps URN ->
    Pulumi name for the reports."""
    expired = [s for s in skips if s.expires < today]
    skips = [s for s in skips if s.expires >= today]
    results = run.report.get("results", {})
    by_address = export.by_address
    findings: list[Finding] = []
    rules: dict[str, PolicyMeta] = {}
    checks: dict[str, str] = {}

    def rule(check: dict[str, Any]) -> str:
        name: str = POLICY_PREFIX + check["check_id"]
        if name not in rules:
            rules[name] = PolicyMeta(
                name=name, source="checkov", description=check.get("check_name") or check["check_id"],
                enforcement="mandatory", severity=(check.get("severity") or "unspecified").lower(),
                remediation=(f"Change the resource so it passes {check['check_id']}, or add a reviewed skip with a reason "
                             f"to {skips_file}."),
                url=check.get("guideline") or None)
        return name

    for check in results.get("passed_checks", []):
        rule(check)
        checks.setdefault(check["check_id"], "passed")
    skipped = 0
    for check in results.get("failed_checks", []):
        name = rule(check)
        address = check.get("resource_address") or check.get("resource", "")
        exported = by_address.get(address)
        skip = next((s for s in skips if s.covers(check["check_id"], address, export)), None)
        meta = rules[name]
        finding = Finding(
            policy=name, source="checkov", enforcement="mandatory", severity=meta.severity,
            message=f"{address} fails {check['check_id']}: {check.get('check_name', '')}",
            urn=exported.urn if exported else None,
            resource_name=resource_names.get(exported.urn, address) if exported else address,
            resource_type=exported.tf_type if exported else None, remediation=meta.remediation)
        if skip:
            finding.status = "skipped"
            finding.waiver = {"kind": "checkov-skip", "reason": skip.reason, "owner": skip.owner,
                              "expires": skip.expires.isoformat()}
            skipped += 1
            checks[check["check_id"]] = "skipped" if checks.get(check["check_id"]) != "failed" else "failed"
        else:
            checks[check["check_id"]] = "failed"
        findings.append(finding)
    failed = len(findings) - skipped
    for skip in expired:
        findings.append(Finding(
            policy=EXPIRED_EXEMPTION_POLICY, source="gate", enforcement="mandatory", severity="high",
            message=(f"checkov skip of {skip.check} on {skip.label()} (owner {skip.owner}) expired on "
                     f"{skip.expires.isoformat()}; the failures it covered block again."),
            remediation=f"Fix the check, or renew the skip with a new reason and expiry in {skips_file} after review."))
    return CheckovMerge(findings=findings, rules=rules, passed=len(results.get("passed_checks", [])),
                        failed=failed, skipped=skipped, checks=dict(sorted(checks.items())))  # checkov's order varies
