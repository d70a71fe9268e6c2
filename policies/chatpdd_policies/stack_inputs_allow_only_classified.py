"""stack-inputs-allow-only-classified (resource): default deny. Every input a resource sets, and every
resource option the engine sends the pack, must have a row in the classification table
(``input_classes.yaml`` beside this module; ``_input_table.py`` compiles it once) and satisfy it:
``default`` inputs must be absent, ``equals``/``one_of``/``at_least``/``at_most``/``matches`` rows bound the
value (a value unknown at preview fails closed), ``enforced`` rows are judged by the named policy and
``harmless`` rows were reviewed. Options: ``ignoreChanges`` may name only harmless inputs,
``deleteBeforeReplace`` must stay off, options whose row is ``default`` must not be used.

So the pack is an allow-list: a knob nobody thought of (a new input of a provider upgrade, an input the
program never set) blocks until a reviewer adds its row; a harmless one is one reviewed line."""

from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from chatpdd_policies._input_table import OPTIONS, TABLE_NAME, TYPES, Finding, judge_inputs, option_path
from chatpdd_policies._util import Report, checklist_reference, label, resource_policy

NAME = "stack-inputs-allow-only-classified"


def _fix(token: str, finding: Finding) -> str:
    if finding.row is None:
        return (f"Fix: remove it, or have it reviewed and add its row under '{token}' in {TABLE_NAME}, e.g. "
                f"\"{finding.path}\": {{harmless: \"<why any value is safe>\"}} (or enforced/equals).")
    return f"Fix: set it as the row \"{finding.path}\": {finding.row.describe()} of {TABLE_NAME} requires."


def _options(args: ResourceValidationArgs) -> dict[str, Any]:
    """The options the Analyzer protocol carries, by the table's names (absent/off = None)."""
    opts = args.opts
    timeouts = getattr(opts, "custom_timeouts", None)
    timed = timeouts is not None and any(getattr(timeouts, f, 0) for f in ("create_seconds", "update_seconds",
                                                                             "delete_seconds"))
    return {
        "protect": opts.protect or None,
        "ignoreChanges": list(opts.ignore_changes or []) or None,
        "deleteBeforeReplace": opts.delete_before_replace,  # None when not set, else the bool
        "aliases": list(opts.aliases or []) or None,
        "customTimeouts": True if timed else None,
        "additionalSecretOutputs": list(opts.additional_secret_outputs or []) or None,
        "parent": opts.parent or None,
    }


def _judge_options(args: ResourceValidationArgs, report_violation: Report) -> None:
    table = TYPES.get(args.resource_type)
    for option, value in _options(args).items():
        row = OPTIONS.get(option)
        if value is None:
            continue
        if row is None:
            report_violation(f"{label(args)} uses the resource option {option}, which {TABLE_NAME} does not classify. "
                             f"Fix: remove it, or add its row under options.")
            continue
        if row.kind == "harmless_paths_only":
            for entry in value:
                path = option_path(str(entry))
                if table is None or not table.ignorable(path):
                    report_violation(
                        f"{label(args)} ignores changes to '{entry}', which is not an input classified harmless in "
                        f"{TABLE_NAME}: the engine would keep whatever value the cloud holds, out of every policy's "
                        f"sight. Fix: remove '{entry}' from ignore_changes.")
            continue
        if row.problem(value) if row.kind != "default" else True:
            report_violation(f"{label(args)} uses the resource option {option}, but {TABLE_NAME} requires "
                             f"options.{option}: {row.describe()}. Fix: remove it from the resource's ResourceOptions.")


def _validate(args: ResourceValidationArgs, report_violation: Report) -> None:
    table = TYPES.get(args.resource_type)
    if table is None:
        report_violation(f"{label(args)} is of type {args.resource_type}, which {TABLE_NAME} does not classify. "
                         f"Fix: run `make schema` (python -m gate.inventory) and add a row for each of its inputs "
                         f"under types.'{args.resource_type}'.")
    else:
        for finding in judge_inputs(table, args.props):
            report_violation(f"{label(args)} input {finding.path} {finding.problem}. {_fix(args.resource_type, finding)}")
    _judge_options(args, report_violation)


POLICY = resource_policy(
    name=NAME,
    description="Default deny: every input and resource option a resource sets has a row in the classification "
                "table (enforced by a policy, must equal a value or the provider default, or reviewed harmless) "
                "and satisfies it.",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps=f"Remove the input, or have it reviewed and add its row in {TABLE_NAME} "
                      "(docs/adding-a-checklist-rule.md, \"Adding a table row\"); set an input to what its row requires.",
    reference=checklist_reference("Pre-Deployment Preparation", "Infrastructure Security",
                                  "Network security groups configured"),
    tags=["default-deny", "review"],
)
