"""Database: RDS primary and replicas, parameter group, RDS Proxy, security groups, credentials.

The committed stacks run as a whole program (session fixtures); edge cases run the Network and
Database components alone with a modified config (`run_function`). Assertions are on the wire
properties, options and property dependencies the engine -- and the policy pack -- receive.
"""

from __future__ import annotations

import dataclasses
import json
import re

import pulumi
import pulumi_aws as aws
import pytest
from pulumi_policy import ResourceValidationPolicy
from pydantic import ValidationError

from components.base import StackContext
from components.database import CA_CERT_IDENTIFIER, LOG_EXPORTS, Database, DatabaseArgs
from components.network import Network, NetworkArgs
from gate.pack.analyzer import AnalyzerResource
from gate.program.program import CapturedResource, ProgramRun, is_secret, run_function
from stacks import checklist
from stacks.loader import LoadedStack
from stacks.models import DatabaseSettings
from tests.policies.harness import POLICIES_DIR  # noqa: F401  (puts the pack on sys.path)
from tests.policies.harness import run as run_policy

COMPONENT = "chatpdd:components:Database"
INSTANCE = "aws:rds/instance:Instance"
KEY = "aws:kms/key:Key"
PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"
PROXY = "aws:rds/proxy:Proxy"
TARGET_GROUP = "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup"
TARGET = "aws:rds/proxyTarget:ProxyTarget"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
ROLE = "aws:iam/role:Role"
SECRET = "aws:secretsmanager/secret:Secret"
SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
PASSWORD = "random:index/randomPassword:RandomPassword"
STACKS = ("production", "staging")
WORLD = {"0.0.0.0/0", "::/0"}


@pytest.fixture(params=STACKS)
def stack(request, program_runs, loaded_stacks):
    return program_runs[request.param], loaded_stacks[request.param].config


# -- helpers ---------------------------------------------------------------------------------------
def children(run: ProgramRun) -> list[CapturedResource]:
    return [r for r in run.resources if f"{COMPONENT}$" in r.urn]


def of_type(run: ProgramRun, type_: str) -> list[CapturedResource]:
    return [r for r in children(run) if r.type == type_]


def one(run: ProgramRun, type_: str) -> CapturedResource:
    found = of_type(run, type_)
    assert len(found) == 1, f"expected one {type_}, found {[r.name for r in found]}"
    return found[0]


def db_key(run: ProgramRun) -> CapturedResource:
    """The database's own key (the DR key of the replicated backups has Role=db-dr-kms)."""
    (found,) = [r for r in of_type(run, KEY) if r.properties["tags"].get("Role") == "db-kms"]
    return found


def primary(run: ProgramRun) -> CapturedResource:
    (found,) = [r for r in of_type(run, INSTANCE) if r.properties["tags"].get("Role") == "rds-primary"]
    return found


def replicas(run: ProgramRun) -> list[CapturedResource]:
    return [r for r in of_type(run, INSTANCE) if r.properties["tags"].get("Role") == "rds-replica"]


def depends(res: CapturedResource, prop: str, target: CapturedResource) -> bool:
    return target.urn in res.property_dependencies.get(prop, [])


def named(run: ProgramRun, type_: str, suffix: str) -> CapturedResource:
    (found,) = [r for r in of_type(run, type_) if r.name.endswith(suffix)]
    return found


def run_components(loaded: LoadedStack, probe: bool = False, network: dict | None = None,
                   **database: object) -> ProgramRun:
    """Network + Database alone, with config changes; `probe` registers a resource carrying the
    component's URLs, so their wire form (secret wrapping, value) can be asserted."""
    cfg = loaded.config
    cfg = cfg.model_copy(update={
        "network": cfg.network.model_copy(update=network or {}),
        "database": cfg.database.model_copy(update=database),
    })

    def program() -> None:
        ctx = StackContext(stack=loaded.name, owner=cfg.owner, data_classification=cfg.data_classification,
                           account_id=cfg.aws.allowed_account_ids[0], region=cfg.aws.region)
        net = Network("network", NetworkArgs(context=ctx, settings=cfg.network))
        db = Database("database", DatabaseArgs(
            context=ctx, settings=cfg.database, vpc_id=net.vpc_id, subnet_ids=net.subnet_ids,
            availability_zones=cfg.network.availability_zones, app_ingress_cidrs=cfg.network.app_ingress_cidrs,
            dr_provider=aws.Provider("aws-dr", region=cfg.storage.dr_region), dr_region=cfg.storage.dr_region))
        if probe:
            pulumi.CustomResource("test:index:Probe", "probe", {
                "url": db.url, "readUrl": db.read_url, "proxyEndpoint": db.proxy_endpoint,
                "readOnlyEndpoint": db.proxy_read_only_endpoint})

    return run_function(dataclasses.replace(loaded, config=cfg), program)


# -- tree and protection ---------------------------------------------------------------------------
def test_every_child_is_parented_to_the_component(stack):
    run, _ = stack
    database = run.one(COMPONENT)
    kids = children(run)
    assert len(kids) >= 15
    assert {r.parent for r in kids} == {database.urn}
    # Nothing of the database tier is registered outside the component.
    for type_ in (INSTANCE, PROXY, PARAMETER_GROUP, SECRET):
        assert {r.urn for r in run.by_type(type_)} == {r.urn for r in of_type(run, type_)}


def test_stateful_resources_are_protected(stack):
    run, _ = stack
    stateful = [db_key(run), *of_type(run, INSTANCE)]
    assert all(r.protect for r in stateful), [r.name for r in stateful if not r.protect]


# -- encryption ------------------------------------------------------------------------------------
def test_customer_managed_key_rotates_and_encrypts_everything(stack):
    run, _ = stack
    key = db_key(run)
    assert key.properties["enableKeyRotation"] is True
    assert key.properties["deletionWindowInDays"] == 30
    (alias,) = [a for a in of_type(run, "aws:kms/alias:Alias") if a.name == "database-key"]
    assert depends(alias, "targetKeyId", key) and alias.properties["name"].startswith("alias/")
    db = primary(run)
    assert db.properties["storageEncrypted"] is True
    assert depends(db, "kmsKeyId", key)
    assert depends(db, "performanceInsightsKmsKeyId", key)
    assert depends(one(run, SECRET), "kmsKeyId", key)
    for replica in replicas(run):
        assert depends(replica, "kmsKeyId", key) and depends(replica, "performanceInsightsKmsKeyId", key)


# -- primary ---------------------------------------------------------------------------------------
def test_primary_security_and_performance_settings(stack):
    run, cfg = stack
    db = primary(run)
    p, s = db.properties, cfg.database
    assert p["identifier"] == f"chatpdd-{run.stack}-db"
    assert p["engine"] == "postgres" and p["engineVersion"] == s.engine_version
    assert p["instanceClass"] == s.instance_class
    assert p["multiAz"] is True
    assert p["publiclyAccessible"] is False
    assert p["backupRetentionPeriod"] == s.backup_retention_days >= checklist.BACKUP_RETENTION_DAYS
    assert p["deletionProtection"] is True
    assert p["skipFinalSnapshot"] is False and p["finalSnapshotIdentifier"].startswith(p["identifier"])
    assert p["deleteAutomatedBackups"] is False
    assert p["iamDatabaseAuthenticationEnabled"] is True
    assert p["performanceInsightsEnabled"] is True
    assert p["performanceInsightsRetentionPeriod"] == s.performance_insights_retention_days
    assert p["monitoringInterval"] == s.monitoring_interval_seconds > 0
    assert p["enabledCloudwatchLogsExports"] == LOG_EXPORTS == ["postgresql", "upgrade"]
    assert p["caCertIdentifier"] == CA_CERT_IDENTIFIER == "rds-ca-rsa2048-g1"
    assert p["storageType"] == "gp3"
    assert p["allocatedStorage"] == s.allocated_storage_gb
    assert p["maxAllocatedStorage"] == s.max_allocated_storage_gb > p["allocatedStorage"]
    assert p["copyTagsToSnapshot"] is True
    assert p["autoMinorVersionUpgrade"] is True
    assert re.fullmatch(r"\d\d:\d\d-\d\d:\d\d", p["backupWindow"])
    assert re.fullmatch(r"[a-z]{3}:\d\d:\d\d-[a-z]{3}:\d\d:\d\d", p["maintenanceWindow"])
    assert p["dbName"] == s.database_name and p["username"] == s.master_username
    assert "snapshotIdentifier" not in p  # no restore configured in the committed stacks
    assert "availabilityZone" not in p  # AWS refuses an AZ on a Multi-AZ instance
    assert p["tags"]["Role"] == "rds-primary"


def test_primary_uses_the_stack_parameter_group_subnet_group_and_db_security_group(stack):
    run, _ = stack
    db = primary(run)
    group = one(run, PARAMETER_GROUP)
    subnet_group = one(run, "aws:rds/subnetGroup:SubnetGroup")
    # Known strings at preview, and ordered after the groups they name.
    assert db.properties["parameterGroupName"] == group.properties["name"]
    assert db.properties["dbSubnetGroupName"] == subnet_group.properties["name"]
    assert group.urn in db.dependencies and subnet_group.urn in db.dependencies
    assert depends(db, "vpcSecurityGroupIds", named(run, SG, "-db-sg"))
    assert len(db.properties["vpcSecurityGroupIds"]) == 1


def test_enhanced_monitoring_role(stack):
    run, _ = stack
    db = primary(run)
    role = named(run, ROLE, "-monitoring")
    assert depends(db, "monitoringRoleArn", role)
    trust = json.loads(role.properties["assumeRolePolicy"])["Statement"]
    assert [s["Principal"]["Service"] for s in trust] == ["monitoring.rds.amazonaws.com"]
    attachment = one(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert attachment.properties["policyArn"].endswith(":iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole")
    assert attachment.urn in db.dependencies  # the role works before the instance starts reporting


def test_parameter_group(stack):
    run, cfg = stack
    group = one(run, PARAMETER_GROUP)
    assert group.properties["family"] == "postgres" + cfg.database.engine_version.split(".")[0]
    params = {p["name"]: p for p in group.properties["parameters"]}
    assert params["rds.force_ssl"]["value"] == "1"
    assert params["log_min_duration_statement"]["value"] == str(cfg.database.slow_query_ms)
    assert int(params["log_min_duration_statement"]["value"]) <= checklist.SLOW_QUERY_MS
    assert params["max_connections"] == {"name": "max_connections", "value": str(cfg.database.max_connections),
                                         "applyMethod": "pending-reboot"}
    assert params["shared_preload_libraries"]["value"] == "pg_stat_statements"
    assert params["log_lock_waits"]["value"] == "1"
    assert "statement_timeout" not in params  # would kill migrations and dumps server-wide
    assert all(p["applyMethod"] in ("immediate", "pending-reboot") for p in params.values())


# -- replicas --------------------------------------------------------------------------------------
def test_replica_count_and_settings(stack):
    run, cfg = stack
    found = replicas(run)
    assert len(found) == cfg.database.read_replicas == {"production": 1, "staging": 0}[run.stack]
    db = primary(run)
    azs = cfg.network.availability_zones
    for i, replica in enumerate(sorted(found, key=lambda r: r.properties["identifier"]), 1):
        p = replica.properties
        assert p["identifier"] == f"chatpdd-{run.stack}-db-replica-{i}"
        assert p["replicateSourceDb"] == db.properties["identifier"]  # a known string, not an output
        assert db.urn in replica.dependencies
        assert p["availabilityZone"] in azs[1:]
        assert p["skipFinalSnapshot"] is True and "finalSnapshotIdentifier" not in p
        assert p["deletionProtection"] is True
        assert p["publiclyAccessible"] is False
        assert p["performanceInsightsEnabled"] is True and p["monitoringInterval"] > 0
        assert p["iamDatabaseAuthenticationEnabled"] is True
        assert p["caCertIdentifier"] == CA_CERT_IDENTIFIER
        assert p["parameterGroupName"] == db.properties["parameterGroupName"]
        assert p["instanceClass"] == (cfg.database.replica_instance_class or cfg.database.instance_class)
        assert "multiAz" not in p or p["multiAz"] is False
        assert p["tags"]["Role"] == "rds-replica"
        assert replica.protect


def test_replicas_spread_over_the_other_zones(loaded_stacks):
    loaded = loaded_stacks["production"]
    run = run_components(loaded, read_replicas=3)
    zones = [r.properties["availabilityZone"] for r in sorted(replicas(run), key=lambda r: r.name)]
    first, *others = loaded.config.network.availability_zones
    assert len(zones) == 3 and first not in zones
    assert set(zones) == set(others)


# -- proxy -----------------------------------------------------------------------------------------
def test_proxy_requires_tls_and_reads_its_secret(stack):
    run, _ = stack
    proxy = one(run, PROXY)
    p = proxy.properties
    assert p["name"] == f"chatpdd-{run.stack}-db-proxy"
    assert p["engineFamily"] == "POSTGRESQL"
    assert p["requireTls"] is True
    assert p["debugLogging"] is False
    (auth,) = p["auths"]
    assert auth["authScheme"] == "SECRETS" and auth["clientPasswordAuthType"] == "POSTGRES_SCRAM_SHA_256"
    secret = one(run, SECRET)
    assert depends(proxy, "auths", secret)
    assert depends(proxy, "vpcSecurityGroupIds", named(run, SG, "-proxy-sg"))
    assert p["tags"]["Role"] == "rds-proxy"


def test_proxy_role_reads_only_its_secret_and_key(stack):
    run, _ = stack
    proxy = one(run, PROXY)
    role = named(run, ROLE, "-proxy")
    assert depends(proxy, "roleArn", role)
    trust = json.loads(role.properties["assumeRolePolicy"])["Statement"]
    assert [s["Principal"]["Service"] for s in trust] == ["rds.amazonaws.com"]
    (policy,) = [r for r in of_type(run, "aws:iam/rolePolicy:RolePolicy") if depends(r, "role", role)]
    # Known at preview (issue 17): the secret by its name pattern, the key by its alias -- no computed part.
    assert not policy.property_dependencies.get("policy")
    statements = json.loads(policy.properties["policy"])["Statement"]
    secret = one(run, SECRET)
    key_alias = next(a for a in of_type(run, "aws:kms/alias:Alias") if depends(a, "targetKeyId", db_key(run)))
    assert secret.outputs["arn"].startswith(statements[0]["Resource"].removesuffix("??????"))
    assert statements[0]["Resource"].endswith(f":secret:{secret.inputs['name']}-??????")
    assert {(s["Action"], s["Resource"].rsplit(":", 1)[0]) for s in statements} == {
        ("secretsmanager:GetSecretValue", statements[0]["Resource"].rsplit(":", 1)[0]),
        ("kms:Decrypt", db_key(run).outputs["arn"].rsplit(":", 1)[0])}
    assert statements[1]["Resource"].endswith(":key/*")
    assert statements[1]["Condition"]["ForAnyValue:StringEquals"] == {"kms:ResourceAliases": key_alias.inputs["name"]}
    assert policy.urn in proxy.dependencies


def test_proxy_pool_is_at_least_fifty_connections(stack):
    """Pool = max_connections (registered parameter group) x maxConnectionsPercent (registered
    target group) / 100, checked from what is registered, not from config."""
    run, cfg = stack
    proxy = one(run, PROXY)
    pool = one(run, TARGET_GROUP)
    params = {p["name"]: p["value"] for p in one(run, PARAMETER_GROUP).properties["parameters"]}
    config = pool.properties["connectionPoolConfig"]
    assert pool.properties["dbProxyName"] == proxy.properties["name"]
    assert config["maxConnectionsPercent"] == cfg.database.proxy_max_connections_percent
    assert config["maxIdleConnectionsPercent"] <= config["maxConnectionsPercent"]
    assert config["connectionBorrowTimeout"] == cfg.database.proxy_connection_borrow_timeout_seconds
    connections = int(params["max_connections"]) * config["maxConnectionsPercent"] // 100
    assert connections >= checklist.MIN_POOL_CONNECTIONS
    target = one(run, TARGET)
    assert target.properties["dbInstanceIdentifier"] == primary(run).properties["identifier"]
    assert target.properties["dbProxyName"] == proxy.properties["name"]
    assert target.properties["targetGroupName"] == "default"
    assert pool.urn in target.dependencies and primary(run).urn in target.dependencies


def test_no_read_only_proxy_endpoint(stack):
    """RDS Proxy routes READ_ONLY endpoints to Aurora readers only (see Database._urls)."""
    run, _ = stack
    assert run.by_type("aws:rds/proxyEndpoint:ProxyEndpoint") == []


# -- network access --------------------------------------------------------------------------------
def test_postgres_is_reachable_only_from_the_app_networks_and_the_proxy(stack):
    run, cfg = stack
    db_sg, proxy_sg = named(run, SG, "-db-sg"), named(run, SG, "-proxy-sg")
    rules = of_type(run, INGRESS)
    assert len(rules) == len(cfg.network.app_ingress_cidrs) + 1
    from_cidrs = []
    for rule in rules:
        p = rule.properties
        assert (p["ipProtocol"], p["fromPort"], p["toPort"]) == ("tcp", 5432, 5432)
        assert p.get("cidrIpv4") not in WORLD and p.get("cidrIpv6") not in WORLD
        if depends(rule, "securityGroupId", db_sg):
            assert depends(rule, "referencedSecurityGroupId", proxy_sg)
            assert "cidrIpv4" not in p and "cidrIpv6" not in p
        else:
            assert depends(rule, "securityGroupId", proxy_sg)
            from_cidrs.append(p.get("cidrIpv4") or p.get("cidrIpv6"))
    assert sorted(from_cidrs) == sorted(cfg.network.app_ingress_cidrs)
    # Egress: only the proxy's, only to the database group on 5432; no inline rules anywhere.
    (egress,) = of_type(run, EGRESS)
    assert depends(egress, "securityGroupId", proxy_sg) and depends(egress, "referencedSecurityGroupId", db_sg)
    assert (egress.properties["fromPort"], egress.properties["toPort"]) == (5432, 5432)
    for sg in (db_sg, proxy_sg):
        assert "ingress" not in sg.properties and "egress" not in sg.properties


def test_every_ingress_cidr_becomes_its_own_rule_ipv6_included(loaded_stacks):
    cidrs = ["10.60.0.0/20", "10.62.0.0/24", "fd00:60::/56"]
    run = run_components(loaded_stacks["production"], network={"app_ingress_cidrs": cidrs})
    rules = [r.properties for r in of_type(run, INGRESS) if "referencedSecurityGroupId" not in r.properties]
    assert sorted(r.get("cidrIpv4", "") for r in rules) == ["", "10.60.0.0/20", "10.62.0.0/24"]
    assert [r["cidrIpv6"] for r in rules if "cidrIpv6" in r] == ["fd00:60::/56"]


# -- secrets ---------------------------------------------------------------------------------------
def _plaintext_generated(value, path="") -> list[str]:
    """Paths of strings that carry a mock-generated secret outside a secret wrapper."""
    if is_secret(value):
        return []
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _plaintext_generated(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _plaintext_generated(v, f"{path}[{i}]")]
    return [path] if isinstance(value, str) and "offline-generated-" in value else []


def test_the_password_is_never_plaintext(stack):
    run, cfg = stack
    password = one(run, PASSWORD)
    assert "result" in password.additional_secret_outputs
    assert password.properties["keepers"] == {"rotation": str(cfg.database.credentials_rotation)}
    assert password.properties["length"] >= 32
    db = primary(run)
    assert is_secret(db.properties["password"]) and depends(db, "password", password)
    version = one(run, SECRET_VERSION)
    assert is_secret(version.properties["secretString"])
    assert set(json.loads(version.inputs["secretString"])) == {"username", "password"}
    assert depends(version, "secretId", one(run, SECRET))
    leaks = {r.name: _plaintext_generated(r.properties) for r in children(run)}
    assert not any(leaks.values()), leaks


def test_urls_are_secret_and_go_through_the_proxy_with_tls(loaded_stacks):
    loaded = loaded_stacks["production"]
    run = run_components(loaded, probe=True)
    probe = run.one("test:index:Probe")
    proxy_host = one(run, PROXY).outputs["endpoint"]
    s = loaded.config.database
    for key in ("url", "readUrl"):
        assert is_secret(probe.properties[key])
        url = probe.inputs[key]
        assert re.fullmatch(rf"postgresql://{s.master_username}:[A-Za-z0-9._~-]+@{re.escape(proxy_host)}"
                            rf":5432/{s.database_name}\?sslmode=require", url), "unexpected URL shape"
    assert probe.inputs["readOnlyEndpoint"] == probe.inputs["proxyEndpoint"] == proxy_host


def test_rotation_counter_regenerates_the_password(loaded_stacks):
    run = run_components(loaded_stacks["production"], credentials_rotation=7)
    assert one(run, PASSWORD).properties["keepers"] == {"rotation": "7"}


# -- restore ---------------------------------------------------------------------------------------
def test_restore_snapshot_id_sets_snapshot_identifier(loaded_stacks):
    snapshot = "chatpdd-production-db-pre-deploy-20261101"
    run = run_components(loaded_stacks["production"], restore_snapshot_id=snapshot)
    p = primary(run).properties
    assert p["snapshotIdentifier"] == snapshot
    # A new final-snapshot name: the replaced instance's "-final" snapshot already exists by then.
    assert p["finalSnapshotIdentifier"] != "chatpdd-production-db-final"
    assert re.fullmatch(r"[A-Za-z](?!.*--)[A-Za-z0-9-]*[A-Za-z0-9]", p["finalSnapshotIdentifier"])
    assert primary(run).protect is True


def test_idle_pool_larger_than_the_pool_is_refused(loaded_stacks):
    """A cross-field check of the config model (DatabaseSettings), not of the component: the stack file is
    refused before any resource is declared."""
    settings = loaded_stacks["production"].config.database.model_dump(mode="json")
    with pytest.raises(ValidationError, match="proxy_max_idle_connections_percent must not exceed"):
        DatabaseSettings.model_validate({**settings, "proxy_max_connections_percent": 20,
                                         "proxy_max_idle_connections_percent": 30})


# -- the policy pack -------------------------------------------------------------------------------
def test_the_policy_pack_finds_nothing_in_the_database_and_network(stack):
    """Every policy of the pack, with the stack's pack config, over the whole program (stack policies
    relate resources across components); no violation may name a Network or Database resource."""
    from chatpdd_policies import ALL_POLICIES

    run, _ = stack
    pack_config = json.loads((POLICIES_DIR / "config" / f"{run.stack}.json").read_text())
    mine = {r.urn for r in run.resources if "chatpdd:components:Database$" in r.urn
            or "chatpdd:components:Network$" in r.urn}
    resources = [AnalyzerResource(urn=r.urn, type=r.type, name=r.name, properties=r.properties, parent=r.parent,
                                  dependencies=r.dependencies, property_dependencies=r.property_dependencies,
                                  protect=r.protect, additional_secret_outputs=r.additional_secret_outputs)
                 for r in run.resources]
    violations = {}
    for policy in ALL_POLICIES:
        entry = pack_config.get(policy.name)
        config = {k: v for k, v in entry.items() if k != "enforcementLevel"} if isinstance(entry, dict) else None
        if isinstance(policy, ResourceValidationPolicy):
            found = [(m, r.urn) for r in resources if r.urn in mine
                     for m in run_policy(policy, r, config or None).messages]
        else:
            found = [(m, u) for m, u in run_policy(policy, resources, config or None).violations if u in mine]
        if found:
            violations[policy.name] = [m for m, _ in found]
    assert violations == {}


# -- disaster recovery: replicated automated backups ----------------------------------------------------------
REPLICATION = "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"


def test_production_replicates_the_primarys_backups_into_the_dr_region(production_run, loaded_stacks):
    config = loaded_stacks["production"].config
    (replication,) = of_type(production_run, REPLICATION)
    assert replication.protect
    assert replication.properties["sourceDbInstanceArn"] == primary(production_run).outputs["arn"]
    assert replication.properties["retentionPeriod"] == config.database.backup_retention_days >= \
        checklist.BACKUP_RETENTION_DAYS
    (dr_key,) = [k for k in of_type(production_run, KEY) if k.properties["tags"].get("Role") == "db-dr-kms"]
    assert dr_key.protect and dr_key.properties["enableKeyRotation"] is True
    assert depends(replication, "kmsKeyId", dr_key)
    by_urn = production_run.by_urn()
    for res in (replication, dr_key):
        provider = by_urn[res.provider.rsplit("::", 1)[0]]
        assert provider.name == "aws-dr" and provider.inputs["region"] == config.storage.dr_region
    assert production_run.outputs["database"]["dr_backup_replication"] is True


def test_staging_does_not_replicate_backups(staging_run):
    assert not of_type(staging_run, REPLICATION)
    assert staging_run.outputs["database"]["dr_backup_replication"] is False


def test_replication_without_a_dr_provider_is_refused(loaded_stacks):
    loaded = loaded_stacks["production"]
    cfg = loaded.config

    def program() -> None:
        ctx = StackContext(stack=loaded.name, owner=cfg.owner, data_classification=cfg.data_classification,
                           account_id=cfg.aws.allowed_account_ids[0], region=cfg.aws.region)
        net = Network("network", NetworkArgs(context=ctx, settings=cfg.network))
        Database("database", DatabaseArgs(
            context=ctx, settings=cfg.database, vpc_id=net.vpc_id, subnet_ids=net.subnet_ids,
            availability_zones=cfg.network.availability_zones, app_ingress_cidrs=cfg.network.app_ingress_cidrs))

    with pytest.raises(Exception, match="dr_backup_replication needs the disaster-recovery provider"):
        run_function(loaded, program)
