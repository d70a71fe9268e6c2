"""The offline gate as one straight pipeline: config -> program -> resources -> policies -> report.

1. the stack config is validated (stacks.loader; secrets become opaque placeholders),
2. ``__main__.py`` runs under Pulumi mocks and every resource is captured (gate.program.program),
3. the policy pack runs in its own process over the Analyzer gRPC service with the stack's pack config
   (Analyze per resource, AnalyzeStack once), exactly what ``pulumi preview --policy-pack`` drives,
4. checkov scans the same resources exported as a Terraform plan (optional),
   then the monthly cost estimate (gate.cost.cost; with ``--base`` its change) and the stack's budget,
5. exemptions are applied, every finding gets a location and a fingerprint,
6. the reports are written -- every byte through the run's :class:`~gate.common.redact.Redactor`.

Some steps overlap for wall-clock time only, without changing the logic: the pack process starts and is
configured while the program runs, each resource is sent to Analyze as it registers (as the engine does;
gate.pack.pack_session), and checkov starts before the program (importing itself, most of its time:
gate/export/checkov_warm.py) and scans the plan while the pack finishes.
Bad input of any kind raises :class:`GateInputError` (exit code 2) with a user-facing message.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from gate.common.ci_output import one_line
from gate.common.findings import (
    EXPIRED_EXEMPTION_POLICY,
    Finding,
    PolicyMeta,
    assign_fingerprints,
    sort_findings,
)
from gate.common.locations import Locator, display_path
from gate.common.outdir import OutDirError, prepare_out
from gate.common.redact import Redactor, plain_strings, secret_strings, stack_file_ciphertexts
from gate.common.today import TodayError, check_today
from gate.cost import cost
from gate.export import checkov as ck
from gate.export.stack_export import build_stack_export
from gate.pack.analyzer import AnalyzeResult, PackConfigError, PackInfo, PackProcessError, PolicyPackProcess
from gate.pack.options import OPTIONS_POLICY, OPTIONS_POLICY_META, option_findings
from gate.pack.pack_session import PackSession, to_analyzer
from gate.program import box
from gate.program.program import CapturedResource, ProgramRun
from gate.program.program_process import (
    DEFAULT_PROGRAM_TIMEOUT,
    ProgramProcess,
    ProgramProcessError,
    run_program_process,
)
from gate.reports import write_reports
from gate.result import CheckovSummary, GateResult
from gate.review.change_review import (
    CHANGE_POLICY,
    CHANGE_POLICY_META,
    BaseCheckout,
    BaseRefError,
    ReviewResult,
    base_checkout,
    change_findings,
    review,
    stateful_types,
    verdict_delta,
)
from gate.review.rule_changes import TreeDiff, compare, mixed_message
from gate.waivers.exemptions import (
    ExemptionsError,
    LoadedExemptions,
    apply_exemptions,
    check_exemptions,
    load_exemptions,
)
from gate.waivers.waivers import all_waivers, expiring
from stacks.loader import LoadedStack, StackConfigError, _key_lines, find_stack_file, load_stack_file
from stacks.models import PROJECT
from stacks.safe_yaml import InputFileError, load_json

REPO_ROOT = Path(__file__).resolve().parent.parent
CANT_RUN = "can't run policy"  # the SDK's message when a policy read a value unknown at preview


class GateInputError(Exception):
    """Bad input (config, stack, pack config, exemptions, skip list, program, tooling): exit code 2.
    ``str()`` is the complete, user-facing message."""


@dataclass
class GateOptions:
    """What one gate run reads and writes; every path defaults to the repository's own file."""
    stack: str
    out: Path = REPO_ROOT / "gate-out"
    repo_root: Path = REPO_ROOT
    stack_file: Path | None = None  # default: <repo>/Pulumi.<stack>.yaml
    program: Path | None = None  # default: <repo>/__main__.py
    pack_dir: Path | None = None  # default: <repo>/policies
    pack_config: Path | None = None  # default: <repo>/policies/config/<stack>.json
    exemptions: Path | None = None  # default: <repo>/gate/exemptions.yaml
    checkov_skips: Path | None = None  # default: <repo>/gate/checkov-skips.yaml
    prices: Path | None = None  # default: <repo>/gate/prices.yaml (the cost estimate's unit prices)
    checkov: bool = True
    program_timeout: float = DEFAULT_PROGRAM_TIMEOUT  # seconds before a program that never returns is stopped
    base: str | None = None  # a git ref: review the change from it (gate.review.change_review)
    # The head checkout (--head): its program and stack file are judged by THIS checkout's rules, and the
    # change is reviewed against this checkout's own program (docs/trust-boundary.md).
    head: Path | None = None
    prestarted: ProgramProcess | None = None  # the program's process, started by the CLI before its imports
    today: dt.date = field(default_factory=dt.date.today)
    write: bool = True
    today_given: bool = False  # --today was passed (the message about its floor says so)


# --- steps -----------------------------------------------------------------------------------------

def load_stack(options: GateOptions) -> LoadedStack:
    """Step 1: load and validate the stack file; bad config becomes a GateInputError."""
    try:
        path = options.stack_file or find_stack_file(options.repo_root, options.stack)
        return load_stack_file(path)
    except StackConfigError as err:
        if options.head is not None and options.stack_file is not None and options.stack_file.is_file():
            # The head may add a config field the trusted model does not know yet: the head's own model
            # validates it in the box (the program fails on bad config); the rules judge the resources.
            return LoadedStack(name=options.stack, path=options.stack_file, config=None,  # type: ignore[arg-type]
                               pulumi_config={}, key_lines=_key_lines(options.stack_file.read_text()))
        if len(err.problems) == 1:  # one problem, one line
            raise GateInputError(f"Invalid stack config in {err.source}: {err.problems[0]}") from None
        raise GateInputError(str(err)) from None


def capture(loaded: LoadedStack, program: Path,
            on_register: Callable[[CapturedResource], None] | None = None,
            timeout: float = DEFAULT_PROGRAM_TIMEOUT, role: str = "",
            process: ProgramProcess | None = None) -> ProgramRun:
    """Run the program under mocks in its own process (gate.program.program_worker); any way it ends other than
    returning after registering resources -- a raise, an error log, sys.exit/os._exit, a signal, a hang past
    ``timeout``, nothing registered -- is bad input, never a gate crash and never a pass. ``role`` names
    the run in messages ("base " for ``--base``)."""
    try:
        if process is None:
            run = run_program_process(program, loaded.path, stack=loaded.name, on_register=on_register,
                                      timeout=timeout)
        else:  # started earlier (the --base run, in parallel with the head's)
            run = process.collect(on_register, stack=loaded.name)
    except ProgramProcessError as exc:
        what = f"The {role}program {program.name}"
        if exc.error_type == "BoxError" and not exc.detail:  # the box, not the program (gate/program/box.py)
            raise GateInputError(f"{what} {exc}" if str(exc).startswith("cannot") else
                                 f"{what} could not be put in its box (gate/program/box.py): {exc}") from None
        if exc.error_type is not None:
            message = str(exc).strip().splitlines()
            raise GateInputError(
                f"{what} failed under Pulumi mocks for stack '{loaded.name}': {' '.join(message)[:600]}. "
                f"Fix the program (run `python -m gate preview --stack {loaded.name} --debug` for the "
                f"traceback).") from ProgramTraceback(exc.detail)
        raise GateInputError(f"{what} did not run to its end for stack '{loaded.name}': it {exc}.") \
            from ProgramTraceback(exc.detail)
    errors = [msg for severity, msg in run.log if severity == "error"]
    if errors:
        raise GateInputError(f"The {role}program {program.name} logged {len(errors)} error(s) for stack "
                             f"'{loaded.name}': " + " | ".join(one_line(e.strip()[:300]) for e in errors[:3]))
    return run


class ProgramTraceback(Exception):
    """The program process's own traceback or output: the cause --debug shows under the one-line error."""


def build_redactor(loaded: LoadedStack, resources: list[CapturedResource], outputs: dict[str, Any]) -> Redactor:
    """A redactor for this run's secrets: the stack file's ciphertexts and the plaintext of every
    secret-wrapped input or output. A string the program also passes in the clear, whole or inside another
    value (the SDK wraps every Vercel env var value: ``AWS_REGION=us-east-1``, ``SMTP_USER``), is public
    already and is not scrubbed from text -- scrubbing it would mangle every resource name that contains
    it; its wrapped occurrences are still redacted structurally, and the placeholders always are."""
    wrapped: set[str] = set()
    public: set[str] = set()
    for props in (*(r.properties for r in resources), outputs):
        wrapped.update(secret_strings(props))
        public.update(plain_strings(props))
    haystack = "\0".join(public)
    return Redactor({*stack_file_ciphertexts(loaded.path), *(s for s in wrapped if s not in haystack)})


def pack_findings(result: AnalyzeResult, policies: dict[str, PolicyMeta],
                  by_urn: dict[str, CapturedResource]) -> list[Finding]:
    """Diagnostics -> findings. One deliberate difference from the CLI: when a policy cannot read a value
    unknown at preview, the SDK reports an ADVISORY "can't run policy" even if the policy is mandatory
    -- a mandatory rule that silently did not run. The gate keeps the stack's enforcement
    level for it, so it blocks and says why."""
    findings = []
    for d in result.diagnostics:
        meta = policies.get(d.policy_name)
        message = d.message
        if d.description and message.startswith(d.description + "\n"):
            message = message[len(d.description) + 1:]  # the SDK prefixes the policy description
        enforcement = "mandatory" if d.enforcement_level in ("mandatory", "remediate") else d.enforcement_level
        if message.startswith(CANT_RUN) and meta is not None and meta.enforcement == "mandatory":
            enforcement = "mandatory"
            message += (" (the CLI reports this as advisory; the gate blocks: a mandatory policy did not run. "
                        "Make the value known at preview, or have the policy fail closed on it.)")
        resource = by_urn.get(d.urn)
        findings.append(Finding(
            policy=d.policy_name, source="policy-pack", enforcement=enforcement,
            severity=d.severity if d.severity != "unspecified" or meta is None else meta.severity,
            message=message.strip(), urn=d.urn or None, resource_name=resource.name if resource else None,
            resource_type=resource.type if resource else None, remediation=meta.remediation if meta else ""))
    return findings


def _read_pack_config(path: Path, display: str) -> dict[str, Any]:
    try:  # bounded, duplicate keys and NaN refused (stacks/safe_yaml.py)
        if not os.path.lexists(path):
            raise FileNotFoundError(path)
        config: dict[str, Any] = load_json(path, display)
        return config
    except FileNotFoundError:
        raise GateInputError(f"No policy pack config for this stack: {display} does not exist. Every stack has "
                             f"one (policies/config/<stack>.json, the file `pulumi preview --policy-pack-config` "
                             f"takes); pass another with --pack-config.") from None
    except InputFileError as exc:
        raise GateInputError(f"Cannot use the policy pack config {display}: {exc.problem}.") from None
    except json.JSONDecodeError as exc:
        raise GateInputError(f"The policy pack config {display} is not valid JSON (line {exc.lineno}, column "
                             f"{exc.colno}: {exc.msg}).") from None


# --- the pipeline ----------------------------------------------------------------------------------

def run_gate(options: GateOptions, resources: list[CapturedResource] | None = None) -> GateResult:
    """Run the gate. ``resources`` replaces the program run (the benchmark's synthetic stacks)."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    root = options.repo_root
    out = Path(options.out)
    if options.write:
        _clear_outputs(out)
    rules: TreeDiff | None = None
    if options.head is not None:
        options, rules = _with_head(options)
    loaded = load_stack(options)
    try:
        check_today(options.today, root, explicit=options.today_given)
    except TodayError as err:
        raise GateInputError(f"{err}.") from None
    timings["config"] = time.perf_counter() - t0
    pack_config_path = options.pack_config or root / "policies" / "config" / f"{loaded.name}.json"
    pack_config_file = display_path(pack_config_path, root)

    def configure(pack: PolicyPackProcess) -> dict[str, tuple[str, dict[str, Any]]]:
        try:
            pack.configure_stack(loaded.name, PROJECT, source=pack_config_file)
            return pack.configure(_read_pack_config(pack_config_path, pack_config_file), source=pack_config_file)
        except PackConfigError as err:
            raise GateInputError(f"Invalid policy pack config: {str(err).rstrip('.')}.") from None

    with ExitStack() as cleanup:  # the --base checkout and its program process go, whatever happens
        base = None
        if options.head is not None and resources is None:
            base = _start_trusted_base(options, loaded, cleanup)
        elif options.base and resources is None:
            base = _start_base(options, loaded, cleanup)
        with PackSession(options.pack_dir or root / "policies", configure) as session:
            return _run(options, loaded, session, pack_config_file, resources, timings, t0, base, rules)


def _with_head(options: GateOptions) -> tuple[GateOptions, TreeDiff]:
    """--head: the head's program and stack file, this checkout's rules; refused when the head changes rules
    and infrastructure together."""
    head = Path(options.head or ".").resolve()
    if not (head / "__main__.py").is_file():
        raise GateInputError(f"--head {options.head}: no __main__.py there (expected a checkout of the pull "
                             f"request's head)")
    diff = compare(options.repo_root, head)
    if diff.rules and diff.infra:
        raise GateInputError(mixed_message(diff))
    return replace(options, head=head, program=head / "__main__.py",
                   stack_file=head / f"Pulumi.{options.stack}.yaml"), diff


def _start_trusted_base(options: GateOptions, loaded: LoadedStack, cleanup: ExitStack) -> _BaseRun:
    """--head: the base of the change review is this (trusted) checkout's own program and stack file."""
    root = options.repo_root
    found = subprocess.run(["git", "rev-parse", "--verify", "--quiet", "HEAD"], cwd=root, capture_output=True,
                           text=True, timeout=60, check=False)
    commit = found.stdout.strip() if found.returncode == 0 else "working-tree"
    checkout = BaseCheckout(ref="base", commit=commit, toplevel=root, worktree=root)
    program, stack_file = root / "__main__.py", root / f"Pulumi.{loaded.name}.yaml"
    if not stack_file.is_file():
        return _BaseRun(checkout, program, None)
    process = ProgramProcess(program, stack_file, timeout=options.program_timeout).start()
    cleanup.callback(process.kill)
    return _BaseRun(checkout, program, process, stack_file)


def _prestarted(options: GateOptions, loaded: LoadedStack, program: Path) -> ProgramProcess | None:
    """The CLI's early program process, if it runs exactly this program on this stack file."""
    early = options.prestarted
    if early is None:
        return None
    if (early.program, early.stack_file, early.timeout) == (program.resolve(), loaded.path.resolve(),
                                                             options.program_timeout):
        return early
    early.kill()
    return None


@dataclass
class _BaseRun:
    checkout: BaseCheckout
    program: Path
    process: ProgramProcess | None  # None: the stack did not exist at the base
    stack_file: Path | None = None  # the base's stack file (its budget), when it exists


def _start_base(options: GateOptions, loaded: LoadedStack, cleanup: ExitStack) -> _BaseRun:
    """Check out ``--base`` and start its program now, so it runs beside the head's."""
    assert options.base is not None
    program = options.program or options.repo_root / "__main__.py"
    try:
        checkout = cleanup.enter_context(base_checkout(options.base, program.resolve().parent))
        base_program, base_stack = checkout.counterpart(program), checkout.counterpart(loaded.path)
    except BaseRefError as err:
        raise GateInputError(str(err)) from None
    if not base_program.is_file():
        raise GateInputError(f"--base {options.base}: the program {display_path(program, checkout.toplevel)} "
                             f"does not exist at that commit")
    if not base_stack.is_file():
        return _BaseRun(checkout, base_program, None)
    process = ProgramProcess(base_program, base_stack, timeout=options.program_timeout).start()
    cleanup.callback(process.kill)
    return _BaseRun(checkout, base_program, process, base_stack)


def _review_base(base: _BaseRun, loaded: LoadedStack, session: PackSession,
                 resolved: dict[str, tuple[str, dict[str, Any]]],
                 resources: list[CapturedResource], checkov: bool) -> tuple[ReviewResult, list[tuple[str, str]]]:
    """Collect the base run, diff it against the head, and judge the base resources through the same stages as
    the head's -- the pack, and checkov when the head runs it -- so the verdict delta compares like with like."""
    checkout = base.checkout
    if base.process is None:
        result = review(checkout.ref, checkout.commit, [], resources, stateful_types(resolved))
        result.warnings.append(f"--base {checkout.ref}: {display_path(loaded.path, checkout.toplevel)} did not "
                               f"exist at that commit: every resource is new.")
        return result, []
    role = f"base ({checkout.ref}) "
    base_run = capture(loaded, base.program, role=role, process=base.process)
    result = review(checkout.ref, checkout.commit, base_run.resources, resources, stateful_types(resolved))
    holder = Path(tempfile.mkdtemp(prefix="gate-base-checkov-"))  # never --out, never the checkout
    running = None
    try:
        running = _start_base_checkov(base_run, holder, loaded) if checkov else None
        try:
            base_result = session.pack.analyze_all([to_analyzer(r) for r in base_run.resources])
        except PackProcessError as err:
            raise GateInputError(f"The policy pack failed while analysing the base ({checkout.ref}): {err}") from None
        keys = [(d.policy_name, d.urn) for d in base_result.diagnostics if d.enforcement_level != "disabled"]
        if running is not None:
            keys += _base_checkov_keys(*running)
            running = None
    finally:
        if running is not None:
            ck.stop_checkov(running[1][0])
        shutil.rmtree(holder, ignore_errors=True)
    return result, keys


def _start_base_checkov(base_run: ProgramRun, holder: Path, loaded: LoadedStack,
                        ) -> tuple[ck.PlanExport, tuple[Any, list[str], float]]:
    """Export the base's resources into ``holder`` and start checkov on them."""
    export = ck.export_plan(base_run.resources, build_redactor(loaded, base_run.resources, base_run.outputs))
    plan = holder / "base-plan.tf.json"
    plan.write_text(json.dumps(export.plan))
    try:
        return export, ck.start_checkov(ck.checkov_binary(REPO_ROOT), plan)
    except ck.CheckovError as err:
        raise GateInputError(str(err)) from None


def _base_checkov_keys(export: ck.PlanExport, running: tuple[Any, list[str], float]) -> list[tuple[str, str]]:
    """(checkov:<check>, urn) of every check that fails at the base, skipped or not -- as the head's findings
    are counted (the skips decide what blocks, not what is new)."""
    try:
        proc, command, started = running
        report = ck.finish_checkov(proc, command, started, expected=len(export.resources)).report
    except ck.CheckovError as err:
        raise GateInputError(f"checkov on the base: {err}") from None
    by_address = export.by_address
    keys = []
    for check in report.get("results", {}).get("failed_checks", []):
        exported = by_address.get(check.get("resource_address") or check.get("resource", ""))
        if exported is not None:
            keys.append((ck.POLICY_PREFIX + check["check_id"], exported.urn))
    return keys


def _run(options: GateOptions, loaded: LoadedStack, session: PackSession, pack_config_file: str,
         resources: list[CapturedResource] | None, timings: dict[str, float], t0: float,
         base: _BaseRun | None = None, rules: TreeDiff | None = None) -> GateResult:
    root = options.repo_root
    out = Path(options.out)
    stack_file = display_path(loaded.path, root)
    prices = cost.preload(options.prices or root / "gate" / "prices.yaml", root)  # parsed while the program runs
    # checkov imports itself (most of its time) while the program runs, and scans the plan once it is written.
    warm = _prestart_checkov(options)
    try:
        t = time.perf_counter()
        run = _program_run(options, loaded, session, resources)
        resources = run.resources
        timings["program"] = time.perf_counter() - t
        redactor = build_redactor(loaded, resources, run.outputs)
        by_urn = {r.urn: r for r in resources}

        # checkov: export now, scan while the pack finishes.
        t = time.perf_counter()
        export = ck.export_plan(resources, redactor)
        checkov_proc, skips = _export_and_start_checkov(options, run, export, redactor, out, warm)
        timings["export"] = time.perf_counter() - t
    except BaseException:
        if warm is not None:  # the program failed or was interrupted: no plan is coming
            ck.stop_checkov(warm)
        raise

    try:
        info, resolved, result = _pack_stage(session, resources, timings)
        policies = _policies(info, resolved)
        exemptions_file, exemptions = _exemptions(options, loaded, set(policies), resources)
        findings = pack_findings(result, policies, by_urn) + option_findings(resources)
        not_applicable = Counter(name for name, _ in result.not_applicable)
        change_review: ReviewResult | None = None
        base_keys: list[tuple[str, str]] = []
        if base is not None:
            t = time.perf_counter()
            change_review, base_keys = _review_base(base, loaded, session, resolved, resources, options.checkov)
            findings += change_findings(change_review.changes.changes)
            timings["base_wait"] = time.perf_counter() - t
        estimate = _cost_stage(options, loaded, stack_file, prices, (resources, change_review, base), findings, timings)

        t = time.perf_counter()
        running, checkov_proc = checkov_proc, None
        checkov = _checkov_stage(options, running, export, skips, resources, findings, policies, redactor, out)
        timings["checkov_wait"] = time.perf_counter() - t
    finally:
        if checkov_proc is not None:  # an error above: do not leave checkov running
            ck.stop_checkov(checkov_proc[0])

    t = time.perf_counter()
    outcome = apply_exemptions(findings, exemptions, stack=loaded.name, today=options.today,
                               checkov_ran=checkov.ran)
    findings = _locate_and_redact(outcome.findings, Locator(root, loaded, resources), redactor)
    warnings = list(outcome.warnings)
    if change_review is not None:
        change_review.new_findings, change_review.fixed, change_review.unchanged = verdict_delta(
            findings, base_keys, change_review.changes.head_to_base)
        warnings += change_review.warnings
    warnings += _run_warnings(run, export, skips if checkov.ran else [], options.today, redactor)
    gate_result = GateResult(
        stack=loaded.name, stack_file=stack_file, pack_config_file=pack_config_file, exemptions_file=exemptions_file,
        pack=info, policies=policies, resources=resources, findings=sort_findings(findings), warnings=warnings,
        not_applicable=dict(not_applicable), exemptions=exemptions, exemption_outcome=outcome, checkov=checkov,
        exported_count=len(export.resources), timings=timings, today=options.today, redactor=redactor,
        checkov_skips=skips, review=change_review,
        expiring=expiring(all_waivers(exemptions, skips, _skips_path(options), display_path(
            _skips_path(options), root), loaded.name), options.today),
        rule_changes=rules.rules if rules is not None else None)
    timings["findings"] = time.perf_counter() - t
    gate_result.cost, gate_result.warnings = estimate, gate_result.warnings + estimate.notes
    if options.write:
        t = time.perf_counter()
        gate_result.files = write_reports(gate_result, out)
        timings["reports"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    return gate_result


def _pack_stage(session: PackSession, resources: list[CapturedResource],
                timings: dict[str, float]) -> tuple[PackInfo, dict[str, tuple[str, dict[str, Any]]], AnalyzeResult]:
    """Step 3's end: wait for the pack (started and configured while the program ran), then for its verdicts on
    every resource (Analyze as each registered, AnalyzeStack now)."""
    t = time.perf_counter()
    try:
        info, resolved = session.ready()
    except PackProcessError as err:
        raise GateInputError(f"The policy pack did not start: {err}") from None
    timings["pack_ready_wait"] = time.perf_counter() - t
    t = time.perf_counter()
    try:
        result = session.finish(resources)
    except PackProcessError as err:
        raise GateInputError(f"The policy pack failed while analysing: {err}") from None
    timings["analyze_wait"] = time.perf_counter() - t
    return info, resolved, result


def _cost_stage(options: GateOptions, loaded: LoadedStack, stack_file: str, prices: cost.PricesFuture,
                head: tuple[list[CapturedResource], ReviewResult | None, _BaseRun | None], findings: list[Finding],
                timings: dict[str, float]) -> cost.CostEstimate:
    """The monthly cost estimate of the head's resources and, with ``--base``, of the base's -- both priced with
    this run's table and the head's usage assumptions (the same ruler on both sides, like the mocks) -- and the
    delta; the budget's findings are added to ``findings`` (in place), what the reports must say to ``notes``.
    With ``--base`` the budget is the stricter of the base's and the head's, per key: a pull request cannot raise
    the ceiling it is judged against."""
    t = time.perf_counter()
    resources, change_review, base = head
    try:
        table, display = prices.result()
    except cost.PricesError as err:
        raise GateInputError(str(err)) from None
    config = loaded.config
    budget, notes = config.budget, list[str]()
    if change_review is not None and base is not None and base.stack_file is not None:
        base_budget = cost.base_budget(base.stack_file)
        budget, notes = cost.stricter_budget(config.budget, base_budget, change_review.ref)
    estimate = cost.estimate(resources, config.usage, config.aws.region, table, budget=budget, prices_file=display)
    if change_review is not None:
        base_cost = cost.estimate(change_review.base_run, config.usage, config.aws.region, table, prices_file=display)
        estimate.delta = cost.compare(estimate, base_cost, change_review.ref, change_review.changes.head_to_base)
    estimate.notes = notes + cost.warnings(estimate, options.today)
    findings += cost.budget_findings(estimate, stack_file, loaded.key_lines.get(f"{PROJECT}:budget", 1))
    timings["cost"] = time.perf_counter() - t
    return estimate


def _program_run(options: GateOptions, loaded: LoadedStack, session: PackSession,
                 resources: list[CapturedResource] | None) -> ProgramRun:
    """The program's registrations, each sent to the pack as it registers; ``resources`` (the benchmark's
    synthetic stacks) stand in for a program run, as if they had just registered."""
    if resources is None:
        program = options.program or options.repo_root / "__main__.py"
        return capture(loaded, program, on_register=session.submit, timeout=options.program_timeout,
                       process=_prestarted(options, loaded, program))
    for r in resources:
        session.submit(r)
    return ProgramRun(stack=loaded.name, resources=resources, outputs={}, log=[])


def _exemptions(options: GateOptions, loaded: LoadedStack, policies: set[str],
                resources: list[CapturedResource]) -> tuple[str, LoadedExemptions]:
    """The exemptions file (its display path and content), each entry bounded (gate/waivers/exemptions.py)."""
    path = options.exemptions or options.repo_root / "gate" / "exemptions.yaml"
    display = display_path(path, options.repo_root)
    try:
        exemptions = load_exemptions(path, display, policies)
        check_exemptions(exemptions, stack=loaded.name, today=options.today,
                         resources=[(r.urn, r.name) for r in resources])
    except ExemptionsError as err:
        raise GateInputError(str(err)) from None
    return display, exemptions


def _run_warnings(run: ProgramRun, export: ck.PlanExport, skips: list[ck.CheckovSkip], today: dt.date,
                  redactor: Redactor) -> list[str]:
    """What the run noticed without blocking: program warnings, unexported AWS types, skips naming nothing."""
    warnings = [f"The program warned: {one_line(redactor.text(msg.strip()))}" for severity, msg in run.log
                if severity == "warning"]
    if box.unavailable() is not None:
        warnings.append(f"The program ran WITHOUT its box ({box.unavailable()}): nothing kept it from the rule files "
                        f"and reports of this run (docs/trust-boundary.md).")
    warnings += [f"{urn} ({kind}) is an AWS resource with no Terraform type in gate/export/terraform_types.py: checkov "
                 f"did not see it." for urn, kind in export.unmapped]
    warnings += ck.skip_warnings(skips, export, today)
    return warnings


def _locate_and_redact(findings: list[Finding], locator: Locator, redactor: Redactor) -> list[Finding]:
    """Step 5's end: every finding gets a location, a redacted message and a fingerprint (in place)."""
    for f in findings:
        if f.location is None:
            f.location = locator.locate(f)
        f.message = redactor.text(f.message)
    assign_fingerprints(findings)
    return findings


def _skips_path(options: GateOptions) -> Path:
    return options.checkov_skips or options.repo_root / "gate" / "checkov-skips.yaml"


def _prestart_checkov(options: GateOptions) -> Any:
    """The checkov interpreter importing checkov (gate/export/checkov_warm.py), when this run will scan a plan; else None.
    A checkov that cannot start is reported where it always was, at the scan (:func:`_export_and_start_checkov`)."""
    if not (options.checkov and options.write):
        return None
    try:
        return ck.prestart_checkov(ck.checkov_binary(options.repo_root), options.repo_root)
    except ck.CheckovError:
        return None


def _export_and_start_checkov(options: GateOptions, run: ProgramRun, export: ck.PlanExport, redactor: Redactor,
                              out: Path, warm: Any = None) -> tuple[Any, list[ck.CheckovSkip]]:
    """Write the two exports (neither depends on findings) and start checkov on the plan, if asked to (in
    ``warm``, checkov already imported, when there is one): the running checkov (or None) and its skip list."""
    root = options.repo_root
    checkov_proc = None
    skips: list[ck.CheckovSkip] = []
    if options.write:  # neither export depends on findings: written while the pack still works
        out.mkdir(parents=True, exist_ok=True)
        redactor.write(out / "plan.tf.json", json.dumps(export.plan, indent=2, sort_keys=True))
        redactor.write(out / "stack-export.json", json.dumps(build_stack_export(run, redactor), indent=2))
    if options.checkov:
        skips_path = _skips_path(options)
        try:
            skips = ck.load_skips(skips_path, display_path(skips_path, root), options.today)
            if not options.write:
                raise ck.CheckovError("checkov needs the plan written to --out")
            checkov_proc = ck.start_checkov(ck.checkov_binary(root), (out / "plan.tf.json").resolve(), warm)
        except ck.CheckovError as err:
            raise GateInputError(str(err)) from None
    return checkov_proc, skips


def _checkov_stage(options: GateOptions, running: Any, export: Any, skips: list[ck.CheckovSkip],
                   resources: list[CapturedResource], findings: list[Finding], policies: dict[str, PolicyMeta],
                   redactor: Redactor, out: Path) -> CheckovSummary:
    """Step 4: wait for checkov (started on the exported plan), check it scanned every exported resource,
    and merge its failures into ``findings`` and its checks into ``policies`` (both extended in place)."""
    if running is None:
        summary = CheckovSummary(ran=False, reason="--no-checkov" if not options.checkov else "")
        if options.write:
            redactor.write(out / "checkov.json", json.dumps({"ran": False, "reason": summary.reason}, indent=2))
        return summary
    proc, command, started_at = running
    try:
        ck_run = ck.finish_checkov(proc, command, started_at, expected=len(export.resources))
    except ck.CheckovError as err:
        raise GateInputError(str(err)) from None
    skips_file = display_path(_skips_path(options), options.repo_root)
    merged = ck.merge_results(ck_run, export, skips, {r.urn: r.name for r in resources}, options.today, skips_file)
    findings += merged.findings
    policies.update(merged.rules)
    if options.write:
        redactor.write(out / "checkov.json", json.dumps(ck_run.report, indent=2, sort_keys=True))
    return CheckovSummary(ran=True, resource_count=len(export.resources), passed=merged.passed,
                          failed=merged.failed, skipped=merged.skipped, seconds=ck_run.seconds,
                          command=["checkov", *command[1:]], checks=merged.checks)


def _policies(info: PackInfo, resolved: dict[str, tuple[str, dict[str, Any]]]) -> dict[str, PolicyMeta]:
    """Every rule a finding can name: the pack's (with the stack's enforcement level) and the gate's own."""
    policies = {p.name: PolicyMeta(
        name=p.name, source="policy-pack", description=p.description,
        enforcement="mandatory" if resolved[p.name][0] == "remediate" else resolved[p.name][0],
        severity=p.severity, remediation=p.remediation_steps, reference=p.framework_reference or None)
        for p in info.policies}
    policies[OPTIONS_POLICY] = OPTIONS_POLICY_META
    policies[CHANGE_POLICY] = CHANGE_POLICY_META  # known always: an exemption for it is valid without --base
    policies[cost.COST_POLICY] = cost.COST_POLICY_META
    policies[EXPIRED_EXEMPTION_POLICY] = PolicyMeta(
        name=EXPIRED_EXEMPTION_POLICY, source="gate", enforcement="mandatory", severity="high",
        description="Exemptions in gate/exemptions.yaml expire; an expired exemption blocks until it is "
                    "renewed after review or removed.",
        remediation="Fix the exempted finding, or renew the exemption (new reason and expiry) after review.")
    return policies


def _clear_outputs(out: Path) -> None:
    """Remove the previous run's reports first: a failed run must not leave a stale verdict behind. Only the
    gate's own files, only in a folder that is the gate's (gate/common/outdir.py)."""
    try:
        prepare_out(out)
    except OutDirError as err:
        raise GateInputError(str(err)) from None
