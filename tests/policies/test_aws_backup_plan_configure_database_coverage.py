from chatpdd_policies.aws_backup_plan_configure_database_coverage import POLICY

from tests.policies.fixtures import ALL, PRIMARY, REPLICA
from tests.policies.fixtures_storage import PLAN, SELECTION, STORAGE, VAULT
from tests.policies.harness import UNKNOWN_ARRAY, UNKNOWN_NUMBER, UNKNOWN_STRING, replace, run, with_props

STACK = ALL + STORAGE
PLAN_LABEL = "Backup plan 'chatpdd-production-backup-plan'"
PRIMARY_ARN = "arn:aws:rds:us-east-1:111122223333:db:chatpdd-production-db"
UNCOVERED = ("RDS instance 'chatpdd-production-db' is not in any AWS Backup selection of a backup plan of this "
             "stack. Fix: add its ARN to the resources of an aws.backup.Selection whose plan_id is the plan's id.")


def _rule(**changes):
    rule = {"ruleName": "daily", "targetVaultName": "chatpdd-production-backup-vault",
            "schedule": "cron(0 3 * * ? *)", "lifecycle": {"deleteAfter": 30}}
    rule.update(changes)
    return {k: v for k, v in rule.items() if v is not None}


def _plan(*rules):
    return with_props(PLAN, rules=list(rules))


def _selection(resources, depends=False):
    selection = with_props(SELECTION, resources=resources)
    if not depends:
        del selection.property_dependencies["resources"]
    return selection


def _run(*changed, config=None):
    return run(POLICY, replace(STACK, *changed), config=config)


def test_compliant():
    assert run(POLICY, STACK).messages == []


def test_literal_primary_arn_covers_it():
    assert _run(_selection([PRIMARY_ARN])).messages == []


def test_replica_arn_does_not_cover_the_primary():
    assert _run(_selection([f"{PRIMARY_ARN}-replica-1"])).violations == [(UNCOVERED, PRIMARY.urn)]


def test_replicas_need_no_selection():
    assert REPLICA in STACK and run(POLICY, STACK).messages == []


def test_retention_too_short():
    assert _run(_plan(_rule(lifecycle={"deleteAfter": 7}))).violations == [
        (f"{PLAN_LABEL} rule 'daily' deletes recovery points after 7 days; at least 30 days are required. "
         "Fix: set lifecycle.delete_after=30 or more.", PLAN.urn)]


def test_boundary_29_fails_30_passes():
    assert len(_run(_plan(_rule(lifecycle={"deleteAfter": 29}))).messages) == 1
    assert _run(_plan(_rule(lifecycle={"deleteAfter": 30}))).messages == []


def test_no_delete_after_is_no_retention_policy():
    assert _run(_plan(_rule(lifecycle=None))).messages == [
        f"{PLAN_LABEL} rule 'daily' sets no lifecycle.deleteAfter, so recovery points are never deleted. "
        "Fix: set lifecycle={'delete_after': 30}."]


def test_config_threshold():
    assert _run(config={"minDeleteAfterDays": 35}).messages == [
        f"{PLAN_LABEL} rule 'daily' deletes recovery points after 30 days; at least 35 days are required. "
        "Fix: set lifecycle.delete_after=35 or more."]


def test_plan_without_rules():
    assert _run(_plan()).messages == [f"{PLAN_LABEL} has no rules. Fix: add a rule with lifecycle={{'delete_after': 30}}."]


def test_rule_targets_a_vault_outside_the_stack():
    assert _run(_plan(_rule(targetVaultName="Default"))).messages == [
        f"{PLAN_LABEL} rule 'daily' targets vault 'Default', which is not a backup vault of this stack, so its "
        "encryption cannot be verified. Fix: set target_vault_name to the stack's aws.backup.Vault name."]


def test_vault_taken_from_the_vault_output():
    plan = _plan(_rule(targetVaultName=UNKNOWN_STRING))
    plan.property_dependencies["rules"] = [VAULT.urn]
    assert _run(plan).messages == []


def test_unknown_vault_name_fails_closed():
    assert _run(_plan(_rule(targetVaultName=UNKNOWN_STRING))).messages == [
        f"{PLAN_LABEL}: rules[0].targetVaultName is unknown at preview, so the vault's encryption cannot be "
        "verified. Fix: set it from a literal or stack config."]


def test_vault_with_the_aws_managed_key():
    vault = with_props(VAULT, kmsKeyArn="arn:aws:kms:us-east-1:111122223333:alias/aws/backup")
    vault.property_dependencies = {}
    assert _run(vault).violations == [
        ("Backup vault 'chatpdd-production-backup-vault' uses the AWS-managed key "
         "'arn:aws:kms:us-east-1:111122223333:alias/aws/backup' in kmsKeyArn. Fix: set kms_key_arn to the storage "
         "aws.kms.Key ARN.", VAULT.urn)]


def test_vault_without_key():
    vault = with_props(VAULT)
    del vault.properties["kmsKeyArn"]
    vault.property_dependencies = {}
    assert _run(vault).messages == [
        "Backup vault 'chatpdd-production-backup-vault' has no kmsKeyArn, so the AWS-managed key is used. "
        "Fix: set kms_key_arn to the storage aws.kms.Key ARN."]


def test_primary_not_selected():
    assert _run(_selection(["arn:aws:rds:us-east-1:111122223333:db:something-else"])).violations == [
        (UNCOVERED, PRIMARY.urn)]


def test_missing_selection():
    assert run(POLICY, [r for r in STACK if r.urn != SELECTION.urn]).messages == [UNCOVERED]


def test_missing_plan_makes_the_selection_not_count():
    assert run(POLICY, [r for r in STACK if r.urn != PLAN.urn]).messages == [UNCOVERED]


def test_unknown_resources_without_dependency_fail_closed():
    assert _run(_selection(UNKNOWN_ARRAY)).messages == [
        "Backup selection 'chatpdd-production-backup-selection': resources is unknown at preview, so the AWS "
        "Backup coverage of RDS instance 'chatpdd-production-db' cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_unknown_retention_fails_closed():
    assert _run(_plan(_rule(lifecycle={"deleteAfter": UNKNOWN_NUMBER}))).messages == [
        f"{PLAN_LABEL}: rules[0].lifecycle.deleteAfter is unknown at preview, so the backup retention cannot be "
        "verified. Fix: set it from a literal or stack config."]
