"""Cache component: the Redis Cloud subscription and database -- as the engine and the pack see them."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components.cache import Cache, CacheArgs, provisioned_throughput_ops
from gate.program.mocks import generated_secret_placeholder
from gate.program.program import CapturedResource, ProgramRun, is_secret
from stacks.models import CacheSettings
from tests.program.component_run import pack_violations, run_component

COMPONENT = "chatpdd:components:Cache"
SUBSCRIPTION = "rediscloud:index/subscription:Subscription"
DATABASE = "rediscloud:index/subscriptionDatabase:SubscriptionDatabase"
PASSWORD = "random:index/randomPassword:RandomPassword"
STACKS = ("production", "staging")
# what the mocks answer for `result`: derived from the name and the keepers (rotation 1, the default)
PASSWORD_VALUE = generated_secret_placeholder("cache-password", {"rotation": "1"})


@pytest.fixture(params=STACKS)
def stack(request, program_runs, loaded_stacks):
    return program_runs[request.param], loaded_stacks[request.param].config


def only(run: ProgramRun, type_: str) -> CapturedResource:
    component = run.one(COMPONENT)
    found = [r for r in run.resources if r.type == type_ and r.parent == component.urn]
    assert len(found) == 1, f"expected one {type_} in the Cache component, found {[r.name for r in found]}"
    return found[0]


def plaintext_paths(value: Any, needle: str, path: str = "") -> list[str]:
    """Where `needle` occurs in wire-form properties outside a secret wrapper."""
    if is_secret(value):
        return []
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in plaintext_paths(v, needle, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in plaintext_paths(v, needle, f"{path}[{i}]")]
    return [path] if isinstance(value, str) and needle in value else []


# -- subscription --------------------------------------------------------------------------------------


def test_subscription_sized_from_config_multi_az_and_protected(stack):
    run, config = stack
    sub = only(run, SUBSCRIPTION)
    c = config.cache
    assert sub.protect
    assert sub.inputs["name"] == f"chatpdd-{run.stack}-redis"
    assert sub.inputs["paymentMethodId"] == c.payment_method_id
    assert sub.inputs["memoryStorage"] == "ram"
    cloud = sub.inputs["cloudProvider"]
    assert cloud["provider"] == "AWS"
    assert cloud["regions"] == [{"region": c.cloud_region, "networkingDeploymentCidr": c.deployment_cidr,
                                 "multipleAvailabilityZones": True}]
    plan = sub.inputs["creationPlan"]
    assert plan["memoryLimitInGb"] == c.memory_limit_gb
    assert plan["replication"] is True
    assert plan["quantity"] == 1
    assert plan["throughputMeasurementBy"] == "operations-per-second"
    assert plan["throughputMeasurementValue"] == provisioned_throughput_ops(c)


# -- database ------------------------------------------------------------------------------------------


def test_database_persistence_follows_config(stack):
    run, config = stack
    persistence = only(run, DATABASE).inputs["dataPersistence"]
    assert persistence == config.cache.persistence
    if run.stack == "production":
        assert persistence == "aof-every-1-second"
    else:
        assert persistence == "snapshot-every-1-hour"


def test_database_is_replicated_tls_only_and_protected(stack):
    run, _ = stack
    db = only(run, DATABASE)
    assert db.protect
    assert db.inputs["replication"] is True
    assert db.inputs["enableTls"] is True
    assert db.inputs["subscriptionId"]
    assert db.property_dependencies["subscriptionId"] == [only(run, SUBSCRIPTION).urn]
    assert "modules" not in db.inputs


def test_database_memory_eviction_and_throughput(stack):
    run, config = stack
    db = only(run, DATABASE).inputs
    assert db["memoryLimitInGb"] == config.cache.memory_limit_gb
    assert db["dataEviction"] == config.cache.eviction_policy
    assert db["throughputMeasurementBy"] == "operations-per-second"
    # The throughput alert must fire before the provisioned capacity is reached.
    assert db["throughputMeasurementValue"] > config.cache.alerts.throughput_ops
    assert db["throughputMeasurementValue"] % 1000 == 0


def test_database_source_ips_are_the_configured_networks(stack):
    run, config = stack
    ips = only(run, DATABASE).inputs["sourceIps"]
    assert ips == list(config.cache.source_ips)
    assert not {"0.0.0.0/0", "::/0"} & set(ips)


def test_database_alerts_from_config(stack):
    run, config = stack
    a = config.cache.alerts
    alerts = {x["name"]: x["value"] for x in only(run, DATABASE).inputs["alerts"]}
    assert alerts == {"dataset-size": a.dataset_size_percent, "latency": a.latency_ms,
                      "connections-limit": a.connections_limit, "throughput-higher-than": a.throughput_ops}


def test_database_backs_up_to_the_backups_bucket(stack):
    run, config = stack
    backup = only(run, DATABASE).inputs["remoteBackup"]
    assert backup == {"interval": config.cache.backup_interval, "storageType": "aws-s3",
                      "storagePath": f"s3://{config.storage.backups_bucket_name}/redis"}


# -- the password --------------------------------------------------------------------------------------


def test_password_generated_rotatable_and_secret(stack):
    run, config = stack
    pw = only(run, PASSWORD)
    assert "result" in pw.additional_secret_outputs
    assert pw.inputs["keepers"] == {"rotation": str(config.cache.password_rotation)}
    assert pw.inputs["length"] >= 32
    assert pw.inputs["special"] is False, "the password goes into a URL unescaped"
    db = only(run, DATABASE)
    assert is_secret(db.properties["password"])
    assert db.inputs["password"] == PASSWORD_VALUE
    assert db.property_dependencies["password"] == [pw.urn]


def test_password_never_appears_in_plaintext_anywhere(stack):
    """Neither in the database's inputs nor in any other resource (the app's REDIS_URL), nor in outputs."""
    run, _ = stack
    leaks = {r.name: plaintext_paths(r.properties, PASSWORD_VALUE) for r in run.resources}
    assert {n: p for n, p in leaks.items() if p} == {}
    assert plaintext_paths(run.outputs, PASSWORD_VALUE) == []


# -- tree and outputs ----------------------------------------------------------------------------------


def test_every_cache_resource_is_a_child_of_the_component(stack):
    run, _ = stack
    component = run.one(COMPONENT)
    named = [r for r in run.resources if r.name.startswith("cache-")]
    assert sorted(r.type for r in named) == sorted([SUBSCRIPTION, DATABASE, PASSWORD])
    assert all(r.parent == component.urn for r in named)
    assert sorted(r.type for r in named if r.protect) == sorted([SUBSCRIPTION, DATABASE])


def test_stack_outputs_name_the_cache_without_secrets(stack):
    run, _ = stack
    out = run.outputs["cache"]
    assert set(out) >= {"subscription_id", "database_id", "endpoint"}
    assert not any(is_secret(v) for v in out.values())
    host, port = out["endpoint"].rsplit(":", 1)
    assert host and port.isdigit()


def test_the_policy_pack_finds_nothing_in_the_component(stack):
    run, _ = stack
    assert pack_violations(run, COMPONENT) == {}


# -- edge cases: the component alone ---------------------------------------------------------------------


def run_cache(loaded, settings=None, backup_path="s3://bucket-x/redis", exports=()) -> ProgramRun:
    config = loaded.config if settings is None else loaded.config.model_copy(update={"cache": settings})

    def build(context, _providers, opts) -> None:
        cache = Cache("cache", CacheArgs(context=context, settings=config.cache, backup_path=backup_path), opts)
        for attr in exports:
            pulumi.export(attr, getattr(cache, attr))

    return run_component(loaded, config, build)


def test_url_is_a_secret_rediss_url_to_the_public_endpoint(loaded_stacks):
    run = run_cache(loaded_stacks["production"], exports=("url", "endpoint", "database_id", "subscription_id"))
    url, endpoint = run.outputs["url"], run.outputs["endpoint"]
    assert is_secret(url)
    assert not is_secret(endpoint)
    assert url["value"] == f"rediss://default:{PASSWORD_VALUE}@{endpoint}"
    assert run.outputs["database_id"].isdigit()
    assert run.outputs["subscription_id"] == only(run, DATABASE).inputs["subscriptionId"]


def test_backup_path_comes_from_the_args(loaded_stacks):
    run = run_cache(loaded_stacks["staging"], backup_path="s3://other-bucket/redis")
    assert only(run, DATABASE).inputs["remoteBackup"]["storagePath"] == "s3://other-bucket/redis"


def test_rotation_counter_is_the_password_keeper(loaded_stacks):
    loaded = loaded_stacks["production"]
    run = run_cache(loaded, settings=loaded.config.cache.model_copy(update={"password_rotation": 7}))
    assert only(run, PASSWORD).inputs["keepers"] == {"rotation": "7"}


def test_stricter_alerts_and_aof_every_write(loaded_stacks):
    loaded = loaded_stacks["production"]
    c = loaded.config.cache
    settings = c.model_copy(update={"persistence": "aof-every-write", "alerts": c.alerts.model_copy(
        update={"latency_ms": 2, "throughput_ops": 50000})})
    db = only(run_cache(loaded, settings=settings), DATABASE).inputs
    assert db["dataPersistence"] == "aof-every-write"
    assert {"name": "latency", "value": 2} in db["alerts"]
    assert db["throughputMeasurementValue"] == 63000  # 50,000 is 80% of 62,500, rounded up to 1,000s


def test_deployment_cidr_must_be_a_slash_24(loaded_stacks):
    """Refused by the config model (CacheSettings), before any resource is declared."""
    settings = loaded_stacks["production"].config.cache.model_dump(mode="json")
    settings.update(api_key="k", secret_key="s")  # dumped secrets are masked; any value passes their shape
    with pytest.raises(ValueError, match=r"cache.deployment_cidr must be a /24 \(Redis Cloud\), got 10.41.0.0/20"):
        CacheSettings.model_validate({**settings, "deployment_cidr": "10.41.0.0/20"})
