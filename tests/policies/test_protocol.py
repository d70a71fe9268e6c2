"""The pack as the CLI runs it: its own process (``python -u -m pulumi.policy 127.0.0.1:0 <pack dir>``,
cwd = the pack, no repository root on PYTHONPATH), driven over the Analyzer gRPC protocol by
``gate.pack.analyzer`` -- GetAnalyzerInfo, Configure (policies/config/*.json), Analyze, AnalyzeStack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from chatpdd_policies import ALL_POLICIES

from gate.pack.analyzer import PackConfigError, PackProcessError, PolicyPackProcess, resolve_pack_config
from tests.policies import fixtures as f
from tests.policies.harness import POLICIES_DIR, REPO, UNKNOWN_BOOL, replace, secret, with_props

PRODUCTION = POLICIES_DIR / "config" / "production.json"
STAGING = POLICIES_DIR / "config" / "staging.json"


def _config(path: Path) -> dict:
    return json.loads(path.read_text())


def _covered(result) -> list:
    """Diagnostics of the policies the fixtures cover (Network, Database, Cache). Other policies
    (storage, Vercel, monitoring) legitimately miss their resources in this partial set."""
    return [d for d in result.diagnostics if d.policy_name in f.COVERED_POLICIES]


def _cant_run(result) -> list:
    return [d.message for d in result.diagnostics if "can't run policy" in d.message]


@pytest.fixture(scope="module")
def pack():
    with PolicyPackProcess(POLICIES_DIR) as running:
        yield running


@pytest.fixture
def production(pack):
    pack.configure_stack("production", "chatpdd-infra")
    pack.configure(_config(PRODUCTION), source=str(PRODUCTION))
    return pack


def _back_to_production(pack) -> None:
    pack.configure_stack("production", "chatpdd-infra")
    pack.configure(_config(PRODUCTION), source=str(PRODUCTION))


def test_pack_environment_cannot_import_the_program():
    """The environment PolicyPackProcess gives the pack has no repository root: `stacks` is not
    importable there, so a pack that starts in it does not import program packages."""
    env = PolicyPackProcess(POLICIES_DIR, env={**os.environ, "PYTHONPATH": str(REPO)})._child_env()
    assert str(REPO) not in env.get("PYTHONPATH", "")
    probe = subprocess.run([sys.executable, "-c", "import stacks"], cwd=POLICIES_DIR, env=env,
                           capture_output=True, text=True)
    assert probe.returncode != 0 and "ModuleNotFoundError" in probe.stderr


def test_analyzer_info(pack):
    info = pack.info()
    assert info.name == "chatpdd-guardrails"
    assert info.version == "1.0.0"  # from PulumiPolicy.yaml, as the CLI reads it
    assert sorted(p.name for p in info.policies) == sorted(p.name for p in ALL_POLICIES)
    assert {p.enforcement_level for p in info.policies} == {"mandatory"}
    pool = info.policy("aws-rds-proxy-configure-connection-pool")
    assert pool.config_schema["properties"]["minPoolConnections"]["default"] == 50
    assert pool.framework_reference.endswith("Database connection pool size optimized (recommended: 50+ connections)")


def test_compliant_stack_has_no_diagnostics(production):
    result = production.analyze_all(f.ALL)
    assert [(d.policy_name, d.message) for d in _covered(result)] == []
    assert _cant_run(result) == []  # no policy of the pack lets an unknown value escape
    assert ("aws-rds-instance-enable-multi-az" in {name for name, _ in result.not_applicable})


def test_bad_resource_gets_a_mandatory_violation(production):
    result = production.analyze(with_props(f.PRIMARY, publiclyAccessible=True))
    assert [(d.policy_name, d.enforcement_level, d.severity, d.urn) for d in _covered(result)] == [
        ("aws-rds-instance-disallow-public-access", "mandatory", "critical", f.PRIMARY.urn)]
    assert _covered(result)[0].message == (
        "RDS instances must not be publicly accessible.\n"
        "RDS instance 'chatpdd-production-db' is publicly accessible. Fix: set publicly_accessible=False.")


def test_unknown_value_stays_mandatory_over_the_wire(production):
    result = production.analyze(with_props(f.PRIMARY, publiclyAccessible=UNKNOWN_BOOL))
    assert [(d.policy_name, d.enforcement_level) for d in _covered(result)] == [
        ("aws-rds-instance-disallow-public-access", "mandatory")]
    assert _cant_run(result) == []


def test_stack_violation_names_the_resource(production):
    result = production.analyze_stack([r for r in f.ALL if r.urn != f.REPLICA.urn])
    assert [(d.policy_name, d.enforcement_level, d.urn) for d in _covered(result)] == [
        ("aws-rds-instance-configure-read-replicas", "mandatory", f.PRIMARY.urn)]


def test_property_dependencies_travel_over_the_wire(production):
    primary = with_props(f.PRIMARY)
    primary.property_dependencies.pop("kmsKeyId")
    names = [d.policy_name for d in _covered(production.analyze_stack(replace(f.ALL, primary)))]
    assert names == ["aws-rds-instance-enable-storage-encryption"] * 2  # the primary and its replica


def test_secret_value_is_accepted_and_never_echoed(production):
    bad = with_props(f.REDIS_DB, password=secret("s3cr3t-value"), enableTls=False)
    result = production.analyze(bad)
    assert [d.policy_name for d in _covered(result)] == ["rediscloud-subscription-database-enable-tls"]
    assert all("s3cr3t-value" not in d.message for d in result.diagnostics)


def test_staging_config_relaxes_replicas_and_persistence(pack):
    pack.configure_stack("staging", "chatpdd-infra")  # only a non-production stack may loosen (test_config_guard)
    pack.configure(_config(STAGING), source=str(STAGING))
    try:
        snapshot_db = with_props(f.REDIS_DB, dataPersistence="snapshot-every-1-hour")
        stack = replace([r for r in f.ALL if r.urn != f.REPLICA.urn], snapshot_db)
        assert _covered(pack.analyze_all(stack)) == []
    finally:
        _back_to_production(pack)


def test_configured_threshold_reaches_the_policy(production):
    production.configure({**_config(PRODUCTION), "aws-rds-proxy-configure-connection-pool": {"minPoolConnections": 150}})
    try:
        assert [d.policy_name for d in _covered(production.analyze_stack(f.ALL))] == [
            "aws-rds-proxy-configure-connection-pool"]
    finally:
        _back_to_production(production)


def test_disabled_policy_is_not_run(pack):
    pack.configure_stack("staging", "chatpdd-infra")  # production may not disable a policy (test_config_guard)
    pack.configure({**_config(STAGING), "aws-rds-instance-disallow-public-access": "disabled"})
    try:
        assert _covered(pack.analyze(with_props(f.PRIMARY, publiclyAccessible=True))) == []
    finally:
        _back_to_production(pack)


@pytest.mark.parametrize("config, message", [
    ({"aws-rds-instance-disallow-publc-access": "mandatory"},
     "prod.json: policy 'aws-rds-instance-disallow-publc-access': unknown policy"),
    ({"aws-rds-proxy-configure-connection-pool": {"minPool": 50}},
     "prod.json: policy 'aws-rds-proxy-configure-connection-pool': unknown property 'minPool'"),
    ({"aws-rds-proxy-configure-connection-pool": {"minPoolConnections": "fifty"}},
     "prod.json: policy 'aws-rds-proxy-configure-connection-pool': property 'minPoolConnections': 'fifty' is not "
     "of type 'integer'"),
    ({"all": "strict"}, "prod.json: policy 'all': enforcementLevel 'strict' is not one of"),
    ({"rediscloud-subscription-database-enable-tls": 3}, "prod.json: policy "
     "'rediscloud-subscription-database-enable-tls': the value must be an enforcement level or an object"),
])
def test_invalid_config_names_file_policy_and_property(pack, config, message):
    with pytest.raises(PackConfigError) as error:
        pack.configure(config, source="prod.json")
    assert str(error.value).startswith(message)


def test_config_files_resolve_with_defaults(pack):
    resolved = resolve_pack_config(pack.info(), _config(STAGING), str(STAGING))
    assert resolved["aws-rds-instance-configure-read-replicas"] == ("mandatory", {"minReadReplicas": 0})
    assert resolved["aws-rds-proxy-configure-connection-pool"] == ("mandatory", {"minPoolConnections": 50})


def test_a_pack_that_dies_reports_its_stderr(tmp_path):
    # the real pack's interpreter (absolute virtualenv, as the language host allows): pulumi_policy is there
    (tmp_path / "PulumiPolicy.yaml").write_text(
        f"runtime:\n  name: python\n  options:\n    virtualenv: {POLICIES_DIR / '.venv'}\nversion: 0.0.1\n")
    (tmp_path / "__main__.py").write_text("import stacks  # a program package: not importable here\n")
    with pytest.raises(PackProcessError) as error:
        with PolicyPackProcess(tmp_path, startup_timeout=30):
            pass
    assert "exited before printing its port" in str(error.value)
    assert "No module named 'stacks'" in str(error.value)
