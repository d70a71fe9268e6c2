"""aws-backup-plan-configure-database-coverage (stack): AWS Backup takes independent, vault-encrypted
snapshots of every RDS primary and keeps them for at least ``minDeleteAfterDays`` (checklist: ``BACKUP_RETENTION_DAYS``).

- every ``aws:backup/plan:Plan`` rule sets ``lifecycle.deleteAfter`` >= the minimum (absent = recovery
  points are never deleted: no retention policy, a violation) and targets a vault of this stack
  (``targetVaultName`` = the vault's ``name``, or taken from the vault);
- every ``aws:backup/vault:Vault`` is encrypted with a customer-managed KMS key (``kmsKeyArn``);
- every RDS primary (tag ``Role=rds-primary`` or no ``replicateSourceDb``) is in the ``resources`` of an
  ``aws:backup/selection:Selection`` whose ``planId`` is taken from a plan of this stack: through a
  property dependency on the instance (its ARN is unknown at preview) or a literal ARN ending in
  ``:db:<identifier>``."""

from typing import Any

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from chatpdd_policies._checklist import BACKUP_RETENTION_DAYS, ROLE_RDS_PRIMARY
from chatpdd_policies._threshold import Number, Threshold, defaults
from chatpdd_policies._util import (
    MISSING,
    RDS_INSTANCE,
    UNKNOWN,
    Report,
    as_number,
    checklist_reference,
    depends_on,
    fmt,
    is_replica,
    kms_key_problem,
    label,
    lookup,
    lookup_list,
    resources_of_type,
    stack_policy,
    tag,
    unknown_message,
)

PLAN = "aws:backup/plan:Plan"
SELECTION = "aws:backup/selection:Selection"
VAULT = "aws:backup/vault:Vault"

DELETE_AFTER = Threshold("minDeleteAfterDays", BACKUP_RETENTION_DAYS, "at-least", "days",
                         "Fewest days a backup plan rule may keep recovery points.", minimum=1)
DEFAULTS = defaults(DELETE_AFTER)

RULE = "the backup retention"


def _primaries(args: StackValidationArgs) -> list[PolicyResource]:
    return [db for db in resources_of_type(args, RDS_INSTANCE)
            if tag(db.props, "Role") == ROLE_RDS_PRIMARY or not is_replica(db.props)]


def _rule_problems(plan: PolicyResource, index: int, rule: Any, minimum: Number, vaults: list[PolicyResource]) -> list[str]:
    name = lookup(rule, "ruleName")
    subject = f"{label(plan)} rule '{name}'" if isinstance(name, str) else f"{label(plan)} rule {index}"
    problems = []
    days = lookup(rule, "lifecycle", "deleteAfter")
    if days is UNKNOWN:
        problems.append(unknown_message(label(plan), f"rules[{index}].lifecycle.deleteAfter", RULE))
    elif days is MISSING:
        problems.append(f"{subject} sets no lifecycle.deleteAfter, so recovery points are never deleted. "
                        f"Fix: set lifecycle={{'delete_after': {fmt(minimum)}}}.")
    elif (number := as_number(days)) is None or not DELETE_AFTER.holds(number, minimum):
        problems.append(f"{subject} deletes recovery points after {fmt(days)} days; at least {fmt(minimum)} days "
                        f"are required. Fix: set lifecycle.delete_after={fmt(minimum)} or more.")
    target = lookup(rule, "targetVaultName")
    if any(depends_on(plan, "rules", v) or target == lookup(v.props, "name") for v in vaults):
        return problems
    if target is UNKNOWN:
        problems.append(unknown_message(label(plan), f"rules[{index}].targetVaultName", "the vault's encryption"))
    else:
        shown = "no vault" if target is MISSING else f"vault '{target}'"
        problems.append(f"{subject} targets {shown}, which is not a backup vault of this stack, so its encryption "
                        f"cannot be verified. Fix: set target_vault_name to the stack's aws.backup.Vault name.")
    return problems


def _plan_problems(plan: PolicyResource, minimum: Number, vaults: list[PolicyResource]) -> list[str]:
    rules = lookup_list(plan.props, "rules")
    if rules is UNKNOWN:
        return [unknown_message(label(plan), "rules", RULE)]
    if rules is MISSING or not rules:
        return [f"{label(plan)} has no rules. Fix: add a rule with lifecycle={{'delete_after': {fmt(minimum)}}}."]
    return [p for i, rule in enumerate(rules) for p in _rule_problems(plan, i, rule, minimum, vaults)]


def _coverage(primary: PolicyResource, selections: list[PolicyResource]) -> str:
    """"" if a selection covers ``primary``, else the message."""
    identifier = lookup(primary.props, "identifier")
    unsure = None
    for selection in selections:
        if depends_on(selection, "resources", primary):
            return ""
        resources = lookup_list(selection.props, "resources")
        for arn in [UNKNOWN] if resources is UNKNOWN else ([] if resources is MISSING else resources):
            if arn is UNKNOWN:
                unsure = unsure or selection
            elif isinstance(identifier, str) and str(arn).endswith(f":db:{identifier}"):
                return ""
    if unsure is not None:
        return unknown_message(label(unsure), "resources", f"the AWS Backup coverage of {label(primary)}")
    return (f"{label(primary)} is not in any AWS Backup selection of a backup plan of this stack. Fix: add its "
            f"ARN to the resources of an aws.backup.Selection whose plan_id is the plan's id.")


def _validate(args: StackValidationArgs, report_violation: Report) -> None:
    minimum = DELETE_AFTER.value(args)
    plans, vaults = resources_of_type(args, PLAN), resources_of_type(args, VAULT)
    for plan in plans:
        for message in _plan_problems(plan, minimum, vaults):
            report_violation(message, plan.urn)
    for vault in vaults:
        problem = kms_key_problem(vault, "kmsKeyArn")
        if problem:
            report_violation(f"{label(vault)} {problem}. Fix: set kms_key_arn to the storage aws.kms.Key ARN.",
                             vault.urn)
    selections = [s for s in resources_of_type(args, SELECTION) if any(depends_on(s, "planId", p) for p in plans)]
    for primary in _primaries(args):
        message = _coverage(primary, selections)
        if message:
            report_violation(message, primary.urn)


POLICY = stack_policy(
    name="aws-backup-plan-configure-database-coverage",
    description="Every RDS primary must be in an AWS Backup selection of a plan that keeps recovery points for "
                "at least minDeleteAfterDays in a vault encrypted with a customer-managed KMS key.",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps="Add an aws.backup.Vault with kms_key_arn=<aws.kms.Key arn>, an aws.backup.Plan whose rules "
                      f"target that vault with lifecycle.delete_after >= minDeleteAfterDays ({BACKUP_RETENTION_DAYS}), and an "
                      "aws.backup.Selection with plan_id=<plan id> and resources=[<primary arn>].",
    reference=checklist_reference("Deployment Execution", "Pre-Deployment Database Backup",
                                  "pnpm tsx scripts/create-backup.ts"),
    tags=["aws", "backup", "rds", "encryption"],
    thresholds=(DELETE_AFTER,),
)
