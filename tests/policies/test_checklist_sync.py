"""Every checklist value is written once, in stacks/checklist.py. The pack cannot import stacks/, so
``python -m stacks.pack_defaults`` (``make schema``) generates ``policies/chatpdd_policies/_checklist.py``.
These tests fail when that module is stale, when a policy writes a default (or any number) by hand
instead of importing it from there, when a pack config repeats a default instead of overriding it, when
a policy's ``STACK_CONFIG_KEYS`` names a key the stack config does not have, and when a component writes
a role tag the policies select by as a literal.
"""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from chatpdd_policies import ALL_POLICIES
from chatpdd_policies import _checklist as generated
from chatpdd_policies._threshold import Threshold
from pydantic import BaseModel

from gate.common.locations import stack_config_keys
from stacks import checklist, pack_defaults
from stacks.models import StackConfig
from tests.policies.harness import POLICIES_DIR, REPO

BY_NAME = {p.name: p for p in ALL_POLICIES}
MODULES = {p.name: importlib.import_module(f"chatpdd_policies.{p.name.replace('-', '_')}") for p in ALL_POLICIES}
POLICY_SOURCES = sorted(p for p in (POLICIES_DIR / "chatpdd_policies").glob("*.py") if p.name != "_checklist.py")
CONFIGS = sorted((POLICIES_DIR / "config").glob("*.json"))

# Numbers a policy may write: facts of a protocol or of AWS, not checklist thresholds.
NOT_THRESHOLDS: dict[str, set[float]] = {
    "_util.py": {2},  # a (resources, length, index) cache tuple position
    "_config_guard.py": {2},  # ranks in the enforcement-level and severity orderings
    "_net.py": {4, 6, 32, 128},  # IP versions and their address widths (the prefix thresholds' schema maximum)
    # generated from stacks/netspace.py: IP versions, address widths, the IPv4-mapped IPv6 prefix, a pair length;
    # the bit positions of IPv4 inside the transition ranges (RFC 6052, 3056, 4380)
    "_netspace.py": {2, 4, 6, 16, 32, 48, 72, 96, 128, 0xFFFFFFFF},
    # the data ports, the last port; IP versions (public_prefix(4, ...))
    "aws_ec2_security_group_disallow_public_postgres_ingress.py": {4, 6, 5432, 6379, 65535},
    "rediscloud_subscription_database_disallow_public_access.py": {4, 6},  # IP versions (public_prefix(4, ...))
    "aws_s3_backups_bucket_enable_object_lock.py": {365},  # days in a year (S3 retention in years)
    "monitoring_configure_health_checks.py": {3, 10, 30},  # Route 53's own defaults and its shortest interval
    "monitoring_configure_required_alarms.py": {10, 101.0},  # CloudWatch's shortest period; above any percentile
    "random_password_configure_strength.py": {10, 26},  # alphabet sizes (letters, digits)
    "vercel_firewall_configure_api_rate_limit.py": {2, 3, 60},  # a condition tuple's fields, seconds a minute
    "aws_rds_instance_configure_backup_retention.py": {35},  # the most days RDS keeps automated backups (schema max)
    "aws_rds_instance_enable_enhanced_monitoring.py": {5, 10, 15, 30, 60},  # the intervals RDS accepts
    "aws_rds_instance_enable_performance_insights.py": {7},  # the retention RDS applies when none is set
    "aws_rds_proxy_configure_connection_pool.py": {100},  # percent
    "aws_rds_instance_configure_backup_replication.py": {7},  # the retention RDS applies when none is set
    "synthetics_canary_configure_alarms.py": {2},  # the rank of the critical severity
}


def test_generated_module_is_not_stale():
    assert pack_defaults.TARGET.read_text(encoding="utf-8") == pack_defaults.render(), (
        "policies/chatpdd_policies/_checklist.py is stale: run `python -m stacks.pack_defaults` (make schema)")


def test_generated_module_holds_every_checklist_constant():
    exported = pack_defaults.exported()
    assert {"MIN_POOL_CONNECTIONS", "ALARM_CHECKS", "ROLE_BACKUPS"} <= set(exported)
    assert {name: getattr(generated, name) for name in exported} == exported
    assert sorted(n for n in vars(generated) if n.isupper()) == sorted(exported)
    assert generated.ALARM_CHECKS["disk-warning"] == {
        "severity": "warning", "comparison": "GreaterThanThreshold", "limit": checklist.ALARM_CHECKS["disk-warning"].limit}


def test_the_generator_refuses_what_the_pack_cannot_hold():
    with pytest.raises(TypeError, match="not plain data"):
        pack_defaults.plain({"when": object()})


def _checklist_imports(tree: ast.Module) -> set[str]:
    return {alias.asname or alias.name for node in tree.body if isinstance(node, ast.ImportFrom)
            and node.module == "chatpdd_policies._checklist" for alias in node.names}


def _default_sources(name: str, module: Any, tree: ast.Module) -> dict[str, ast.expr]:
    """The source expression of every default of ``name``'s module: for a threshold, the one name from
    ``_checklist`` among the arguments of the call that declares it (``X = Threshold(key, <default>, ...)`` or
    a helper's ``X = public_prefix(4, <default>)``), and ``DEFAULTS = {"<key>": <value>}`` or
    ``defaults(<thresholds>, key=<value>)`` for the non-numeric properties."""
    found: dict[str, ast.expr] = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Call)):
            continue
        declared = getattr(module, node.targets[0].id, None)
        if isinstance(declared, Threshold):
            assert len(node.value.args) >= 2, f"{name}: {node.targets[0].id}'s default must be its second argument"
            found[declared.key] = node.value.args[1]
    assigned = [n.value for n in tree.body if isinstance(n, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "DEFAULTS" for t in n.targets)]
    assert len(assigned) == 1, f"{name}: DEFAULTS must be assigned once"
    value = assigned[0]
    if isinstance(value, ast.Dict):
        for key, item in zip(value.keys, value.values, strict=True):
            assert isinstance(key, ast.Constant), name
            found[key.value] = item
    else:
        assert isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "defaults", (
            f"{name}: DEFAULTS must be a dict literal or defaults(<thresholds>, key=<constant>)")
        found.update({kw.arg: kw.value for kw in value.keywords if kw.arg is not None})
    return found


@pytest.mark.parametrize("name", [n for n, m in MODULES.items() if hasattr(m, "DEFAULTS")])
def test_defaults_are_imported_from_the_generated_module(name):
    """Every default a policy reads -- a Threshold declaration's or a DEFAULTS entry's -- is a name from the
    generated module, never a literal; DEFAULTS holds exactly the policy's config properties."""
    module = MODULES[name]
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = _checklist_imports(tree)
    sources = _default_sources(name, module, tree)
    for key, value in sources.items():
        assert isinstance(value, ast.Name) and value.id in imported, (
            f"{name}: the default of {key!r} must be a constant imported from chatpdd_policies._checklist "
            f"(write the value in stacks/checklist.py and run `make schema`)")
        assert module.DEFAULTS[key] is getattr(generated, value.id)
    assert set(module.DEFAULTS) == set(sources) == set(BY_NAME[name].config_schema.properties)


@pytest.mark.parametrize("path", POLICY_SOURCES, ids=lambda p: p.name)
def test_no_number_is_written_by_hand_in_a_policy(path):
    numbers = {node.value for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
               if isinstance(node, ast.Constant) and type(node.value) in (int, float)}
    extra = sorted(numbers - {0, 1, -1} - NOT_THRESHOLDS.get(path.name, set()))
    assert extra == [], f"{path.name} writes {extra}: put checklist numbers in stacks/checklist.py"


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_pack_configs_carry_only_per_stack_overrides(path):
    config = json.loads(path.read_text())
    assert config.get("all") == "mandatory"
    for policy, value in config.items():
        if policy == "all" or not isinstance(value, dict):
            continue
        properties = BY_NAME[policy].config_schema.properties
        for key, setting in value.items():
            if key != "enforcementLevel":
                assert setting != properties[key]["default"], (
                    f"{path.name}: {policy}.{key} repeats the default from stacks/checklist.py; drop it")


def test_production_pack_config_overrides_nothing():
    """Production takes every checklist default; it names only what has no default: its own AWS accounts."""
    assert json.loads((POLICIES_DIR / "config" / "production.json").read_text()) == {
        "all": "mandatory", "aws-iam-policy-restrict-foreign-principals": {"stackAccountIds": ["111122223333"]}}


def _field(model: type[BaseModel], dotted: str) -> Any:
    head, _, rest = dotted.partition(".")
    assert head in model.model_fields, f"{model.__name__} has no field {head!r}"
    annotation = model.model_fields[head].annotation
    if not rest:
        return annotation
    assert isinstance(annotation, type) and issubclass(annotation, BaseModel), f"{dotted}: {head} is not a section"
    return _field(annotation, rest)


def test_gate_reads_every_stack_config_declaration():
    declared = {name: m.STACK_CONFIG_KEYS for name, m in MODULES.items() if hasattr(m, "STACK_CONFIG_KEYS")}
    assert len(declared) >= 12
    assert stack_config_keys(POLICIES_DIR) == declared


@pytest.mark.parametrize("name, key", [(n, k) for n, keys in stack_config_keys(POLICIES_DIR).items() for k in keys])
def test_stack_config_keys_exist_in_the_model(name, key):
    assert name in BY_NAME
    _field(StackConfig, key)


def test_unknown_stack_config_key_is_refused():
    with pytest.raises(AssertionError, match="no field 'retention'"):
        _field(StackConfig, "database.retention")


ROLE_TAGS = {v for k, v in vars(checklist).items() if k.startswith("ROLE_")}


def _role_literals(tree: ast.AST) -> set[str]:
    """String constants equal to a role tag, outside a policy's ``tags=[...]`` metadata."""
    if isinstance(tree, ast.keyword) and tree.arg == "tags":
        return set()
    found = {tree.value} if isinstance(tree, ast.Constant) and tree.value in ROLE_TAGS else set()
    return found.union(*(_role_literals(child) for child in ast.iter_child_nodes(tree)))


@pytest.mark.parametrize("path", [*sorted((REPO / "components").glob("*.py")), *POLICY_SOURCES],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_role_tags_come_from_the_checklist(path):
    literals = sorted(_role_literals(ast.parse(path.read_text(encoding="utf-8"))))
    assert literals == [], (f"{path.name} writes the role tags {literals}: import them from stacks.checklist "
                            f"(components) or chatpdd_policies._checklist (policies)")
