"""stack-inputs-allow-only-classified: default deny over every input and option, one case per class of
issue 17 (deletion and recovery, grants, alerts, managed-service defaults, address space, headers, resource
options), unknowns failing closed, and the harmless neighbours (a new tag, a stricter value, a new
classified input) passing."""

from __future__ import annotations

import json

import pytest
from chatpdd_policies.stack_inputs_allow_only_classified import POLICY

from tests.policies.harness import UNKNOWN_BOOL, UNKNOWN_NUMBER, UNKNOWN_STRING, resource, run, with_props

TABLE = "policies/chatpdd_policies/input_classes.yaml"
TAGS = {"Owner": "platform", "Stack": "production"}

BUCKET = resource("aws:s3/bucket:Bucket", "storage-backups", {"bucket": "chatpdd-production-backups-111122223333",
                                                              "objectLockEnabled": True, "tags": TAGS}, protect=True)
DB = resource("aws:rds/instance:Instance", "database-primary", {
    "identifier": "chatpdd-production-db", "deleteAutomatedBackups": False, "deletionProtection": True,
    "engine": "postgres", "storageType": "gp3", "tags": TAGS}, protect=True)
KEY = resource("aws:kms/key:Key", "storage-key", {"deletionWindowInDays": 30, "enableKeyRotation": True, "tags": TAGS})
SECRET = resource("aws:secretsmanager/secret:Secret", "db-secret", {"name": "x", "recoveryWindowInDays": 30})
REPLICATION = resource("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "storage-replication", {
    "bucket": "chatpdd-production-backups-111122223333", "role": "arn:aws:iam::111122223333:role/r",
    "rules": [{"id": "disaster-recovery", "status": "Enabled", "deleteMarkerReplication": {"status": "Disabled"},
               "destination": {"bucket": "arn:aws:s3:::chatpdd-production-backups-111122223333-dr",
                               "storageClass": "STANDARD_IA"},
               "sourceSelectionCriteria": {"sseKmsEncryptedObjects": {"status": "Enabled"}}}]})
LOGS = resource("aws:cloudwatch/logGroup:LogGroup", "flow-logs", {"name": "/aws/vpc/flow", "retentionInDays": 365})
HEALTH = resource("aws:route53/healthCheck:HealthCheck", "app-health", {
    "type": "HTTPS", "fqdn": "app.chatpdd.com", "port": 443, "enableSni": True, "failureThreshold": 3})
PROXY = resource("aws:rds/proxy:Proxy", "database-proxy", {
    "name": "chatpdd-production-db-proxy", "engineFamily": "POSTGRESQL", "requireTls": True, "debugLogging": False,
    "auths": [{"authScheme": "SECRETS", "iamAuth": "DISABLED", "clientPasswordAuthType": "POSTGRES_SCRAM_SHA_256"}]})
PROJECT = resource("vercel:index/project:Project", "vercel-project", {
    "name": "chatpdd", "gitForkProtection": True, "vercelAuthentication": {"deploymentType": "standard_protection_new"}})
FIREWALL = resource("vercel:index/firewallConfig:FirewallConfig", "vercel-firewall", {
    "enabled": True, "rules": {"rules": [{"name": "rate-limit-api", "action": {"action": "rate_limit"}}]}})
FLOW = resource("aws:ec2/flowLog:FlowLog", "flow-log", {"trafficType": "ALL", "logDestinationType": "cloud-watch-logs"})
INGRESS = resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "db-ingress", {
    "securityGroupId": "sg-1", "ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432, "cidrIpv4": "10.60.0.0/20"})
EGRESS = resource("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "proxy-egress", {
    "securityGroupId": "sg-1", "ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432,
    "referencedSecurityGroupId": "sg-2"})
ROUTE = resource("vercel:index/projectRoute:ProjectRoute", "security-headers", {
    "projectId": "prj_1", "route": {"src": "/(.*)", "headers": {"X-Frame-Options": "DENY"}}})
TOPIC = resource("aws:sns/topic:Topic", "alerts-critical", {"name": "chatpdd-production-alerts-critical"})

COMPLIANT = [BUCKET, DB, KEY, SECRET, REPLICATION, LOGS, HEALTH, PROXY, PROJECT, FIREWALL, FLOW, INGRESS, EGRESS,
             ROUTE, TOPIC]


def _fix(path: str, row: str) -> str:
    return f"Fix: set it as the row \"{path}\": {row} of {TABLE} requires."


def _unclassified(token: str, path: str) -> str:
    return (f"Fix: remove it, or have it reviewed and add its row under '{token}' in {TABLE}, e.g. "
            f"\"{path}\": {{harmless: \"<why any value is safe>\"}} (or enforced/equals).")


@pytest.mark.parametrize("res", COMPLIANT, ids=lambda r: r.name)
def test_compliant(res):
    assert run(POLICY, res).messages == []


# --- the classes of the issue, each one small edit -------------------------------------------------

def test_deletion_bucket_destroyable_with_contents():
    assert run(POLICY, with_props(BUCKET, forceDestroy=True)).messages == [
        "S3 bucket 'storage-backups' input forceDestroy is true, but the table requires false. "
        + _fix("forceDestroy", "{equals: false}")]


def test_deletion_automated_backups_deleted_with_the_instance():
    assert run(POLICY, with_props(DB, deleteAutomatedBackups=True)).messages == [
        "RDS instance 'database-primary' input deleteAutomatedBackups is true, but the table requires false. "
        + _fix("deleteAutomatedBackups", "{equals: false}")]


def test_deletion_short_key_window_and_no_secret_recovery_window():
    assert run(POLICY, with_props(KEY, deletionWindowInDays=7)).messages == [
        "KMS key 'storage-key' input deletionWindowInDays is 7, but the table requires {at_least: 30}. "
        + _fix("deletionWindowInDays", "{at_least: 30}")]
    assert run(POLICY, with_props(SECRET, recoveryWindowInDays=0)).messages == [
        "Secret 'db-secret' input recoveryWindowInDays is 0, but the table requires {at_least: 30}. "
        + _fix("recoveryWindowInDays", "{at_least: 30}")]


def test_deletion_replication_of_deletes_and_of_a_prefix_only():
    rules = REPLICATION.properties["rules"]
    deletes = [{**rules[0], "deleteMarkerReplication": {"status": "Enabled"}}]
    assert run(POLICY, with_props(REPLICATION, rules=deletes)).messages == [
        "S3 replication configuration 'storage-replication' input rules[].deleteMarkerReplication.status is "
        "another value, but the table requires 'Disabled'. "
        + _fix("rules[].deleteMarkerReplication.status", "{equals: 'Disabled'}")]
    prefix = [{**rules[0], "filter": {"prefix": "tmp/"}}]
    assert run(POLICY, with_props(REPLICATION, rules=prefix)).messages == [
        "S3 replication configuration 'storage-replication' input rules[].filter.prefix is set, but the table "
        "requires the provider default (absent). " + _fix("rules[].filter.prefix", "default")]


def test_deletion_logs_kept_for_a_day():
    assert run(POLICY, with_props(LOGS, retentionInDays=1)).messages == [
        "CloudWatch log group 'flow-logs' input retentionInDays is 1, but the table requires {at_least: 365}. "
        + _fix("retentionInDays", "{at_least: 365}")]


def test_grants_topic_policy_is_not_settable():
    assert run(POLICY, with_props(TOPIC, policy='{"Statement": []}')).messages == [
        "SNS topic 'alerts-critical' input policy is set, but the table requires the provider default (absent). "
        + _fix("policy", "default")]


def test_alerts_health_check_disabled_or_inverted():
    assert run(POLICY, with_props(HEALTH, disabled=True, invertHealthcheck=True)).messages == [
        "Route 53 health check 'app-health' input disabled is true, but the table requires false. "
        + _fix("disabled", "{equals: false}"),
        "Route 53 health check 'app-health' input invertHealthcheck is true, but the table requires false. "
        + _fix("invertHealthcheck", "{equals: false}")]


def test_managed_defaults_proxy_debug_logging_and_auth_scheme():
    auths = [{**PROXY.properties["auths"][0], "clientPasswordAuthType": "POSTGRES_MD5"}]
    assert run(POLICY, with_props(PROXY, debugLogging=True, auths=auths)).messages == [
        "RDS proxy 'database-proxy' input auths[].clientPasswordAuthType is another value, but the table requires "
        "'POSTGRES_SCRAM_SHA_256'. " + _fix("auths[].clientPasswordAuthType", "{equals: 'POSTGRES_SCRAM_SHA_256'}"),
        "RDS proxy 'database-proxy' input debugLogging is true, but the table requires false. "
        + _fix("debugLogging", "{equals: false}")]


def test_managed_defaults_vercel_deployment_protection():
    weaker = with_props(PROJECT, gitForkProtection=False, vercelAuthentication={"deploymentType": "none"})
    assert run(POLICY, weaker).messages == [
        "Vercel project 'vercel-project' input gitForkProtection is false, but the table requires "
        "true. " + _fix("gitForkProtection", "{equals: true}"),
        "Vercel project 'vercel-project' input vercelAuthentication.deploymentType is another value, "
        "but the table allows only 'standard_protection_new', 'standard_protection', 'all_deployments'. "
        + _fix("vercelAuthentication.deploymentType",
               "{one_of: ['standard_protection_new', 'standard_protection', 'all_deployments']}")]


def test_managed_defaults_firewall_bypass_rule_and_partial_flow_logs():
    bypass = {"rules": [*FIREWALL.properties["rules"]["rules"], {"name": "trusted", "action": {"action": "bypass"}}]}
    assert run(POLICY, with_props(FIREWALL, rules=bypass)).messages == [
        "Vercel firewall 'vercel-firewall' input rules.rules[].action.action is another "
        "value, but the table allows only 'rate_limit', 'deny', 'challenge', 'log'. "
        + _fix("rules.rules[].action.action", "{one_of: ['rate_limit', 'deny', 'challenge', 'log']}")]
    assert run(POLICY, with_props(FLOW, trafficType="REJECT")).messages == [
        "VPC flow log 'flow-log' input trafficType is another value, but the table requires 'ALL'. "
        + _fix("trafficType", "{equals: 'ALL'}")]


def test_address_space_prefix_list_is_judged_by_the_ingress_policy():
    """prefixListId is enforced by the ingress policy (which judges it); the table lets it through here."""
    assert run(POLICY, with_props(INGRESS, prefixListId="pl-123")).messages == []


def test_headers_route_has_conditions_are_not_settable():
    route = {**ROUTE.properties["route"], "has": [{"type": "header", "key": "x-bypass"}]}
    assert run(POLICY, with_props(ROUTE, route=route)).messages == [
        "Vercel route 'security-headers' input route.has[].key is set, but the table "
        "requires the provider default (absent). " + _fix("route.has[].key", "default"),
        "Vercel route 'security-headers' input route.has[].type is set, but the table "
        "requires the provider default (absent). " + _fix("route.has[].type", "default")]


def test_unclassified_input_and_type():
    assert run(POLICY, with_props(BUCKET, newKnob=True)).messages == [
        "S3 bucket 'storage-backups' input newKnob is set, but the table has no row for it. "
        + _unclassified("aws:s3/bucket:Bucket", "newKnob")]
    other = resource("aws:lambda/function:Function", "fn", {})
    assert run(POLICY, other).messages == [
        "aws:lambda/function:Function 'fn' is of type aws:lambda/function:Function, which " + TABLE + " does not "
        "classify. Fix: run `make schema` (python -m gate.inventory) and add a row for each of its inputs under "
        "types.'aws:lambda/function:Function'."]


# --- resource options --------------------------------------------------------------------------------

def test_options_ignore_changes_on_a_security_input_blocks():
    assert run(POLICY, with_props(DB), ).messages == []
    ignored = resource(DB.type, DB.name, DB.properties, protect=True, ignore_changes=["deletionProtection", "tags"])
    assert run(POLICY, ignored).messages == [
        "RDS instance 'database-primary' ignores changes to 'deletionProtection', which is not an input classified "
        f"harmless in {TABLE}: the engine would keep whatever value the cloud holds, out of every policy's sight. "
        "Fix: remove 'deletionProtection' from ignore_changes."]


def test_options_ignore_changes_on_harmless_inputs_passes():
    ignored = resource(DB.type, DB.name, DB.properties, protect=True,
                       ignore_changes=["tags", 'tags["Owner"]', "allocatedStorage"])
    assert run(POLICY, ignored).messages == []


def test_options_delete_before_replace_blocks():
    dbr = resource(DB.type, DB.name, DB.properties, protect=True, delete_before_replace=True)
    assert run(POLICY, dbr).messages == [
        "RDS instance 'database-primary' uses the resource option deleteBeforeReplace, but " + TABLE + " requires "
        "options.deleteBeforeReplace: {equals: false}. Fix: remove it from the resource's ResourceOptions."]
    off = resource(DB.type, DB.name, DB.properties, protect=True, delete_before_replace=False)
    assert run(POLICY, off).messages == []


# --- unknown at preview ------------------------------------------------------------------------------

def test_unknown_fails_closed_for_value_rows():
    assert run(POLICY, with_props(DB, deleteAutomatedBackups=UNKNOWN_BOOL)).messages == [
        "RDS instance 'database-primary' input deleteAutomatedBackups is unknown at preview, so {equals: false} "
        "cannot be verified. " + _fix("deleteAutomatedBackups", "{equals: false}")]
    assert run(POLICY, with_props(KEY, deletionWindowInDays=UNKNOWN_NUMBER)).messages == [
        "KMS key 'storage-key' input deletionWindowInDays is unknown at preview, so {at_least: 30} cannot be "
        "verified. " + _fix("deletionWindowInDays", "{at_least: 30}")]


def test_unknown_passes_for_enforced_and_harmless_rows():
    """The enforcing policy fails closed itself; a harmless input may be anything."""
    assert run(POLICY, with_props(DB, kmsKeyId=UNKNOWN_STRING, identifier=UNKNOWN_STRING)).messages == []


# --- harmless neighbours -----------------------------------------------------------------------------

def test_neighbour_new_tag():
    assert run(POLICY, with_props(BUCKET, tags={**TAGS, "CostCenter": "42"})).messages == []


def test_neighbour_stricter_value():
    assert run(POLICY, with_props(LOGS, retentionInDays=3653)).messages == []
    assert run(POLICY, with_props(PROJECT, vercelAuthentication={"deploymentType": "all_deployments"})).messages == []


def test_neighbour_new_classified_input():
    assert run(POLICY, with_props(TOPIC, displayName="ChatPDD alerts")).messages == []


# --- over gRPC, against the pack process (as `pulumi preview --policy-pack policies` runs it) -------------

GRPC_CASES = {
    "deletion": (with_props(BUCKET, forceDestroy=True), "input forceDestroy is true"),
    "grants": (with_props(TOPIC, policy='{"Statement": []}'), "input policy is set"),
    "alerts": (with_props(HEALTH, invertHealthcheck=True), "input invertHealthcheck is true"),
    "managed defaults": (with_props(PROXY, debugLogging=True), "input debugLogging is true"),
    "headers": (with_props(ROUTE, route={**ROUTE.properties["route"], "has": [{"type": "header", "key": "x"}]}),
                "input route.has[].key is set"),
    "ignoreChanges": (resource(DB.type, DB.name, DB.properties, protect=True, ignore_changes=["deletionProtection"]),
                      "ignores changes to 'deletionProtection'"),
    "deleteBeforeReplace": (resource(DB.type, DB.name, DB.properties, protect=True, delete_before_replace=True),
                            "uses the resource option deleteBeforeReplace"),
    "unknown at preview": (with_props(DB, deleteAutomatedBackups=UNKNOWN_BOOL), "is unknown at preview"),
}
GRPC_NEIGHBOURS = [with_props(BUCKET, tags={**TAGS, "CostCenter": "42"}), with_props(LOGS, retentionInDays=3653),
                   with_props(TOPIC, displayName="ChatPDD alerts"),
                   resource(DB.type, DB.name, DB.properties, protect=True, ignore_changes=["tags"])]


@pytest.fixture(scope="module")
def pack():
    from gate.pack.analyzer import PolicyPackProcess
    from tests.policies.harness import POLICIES_DIR

    config = POLICIES_DIR / "config" / "production.json"
    with PolicyPackProcess(POLICIES_DIR) as running:
        running.configure(json.loads(config.read_text()), source=str(config))
        yield running


def _table_diagnostics(pack, res):
    return [d for d in pack.analyze(res).diagnostics if d.policy_name == POLICY.name]


@pytest.mark.parametrize("case", list(GRPC_CASES))
def test_each_class_is_a_mandatory_violation_over_grpc(pack, case):
    weakened, phrase = GRPC_CASES[case]
    found = _table_diagnostics(pack, weakened)
    assert found and {d.enforcement_level for d in found} == {"mandatory"}, found
    assert any(phrase in d.message for d in found), [d.message for d in found]


@pytest.mark.parametrize("res", GRPC_NEIGHBOURS, ids=lambda r: r.name)
def test_harmless_neighbours_pass_over_grpc(pack, res):
    assert _table_diagnostics(pack, res) == []
