import copy

from chatpdd_policies.aws_rds_proxy_configure_connection_pool import POLICY

from tests.policies.fixtures import ALL, PARAMETER_GROUP, PRIMARY, PROXY, PROXY_TARGET, PROXY_TARGET_GROUP
from tests.policies.harness import UNKNOWN_NUMBER, UNKNOWN_STRING, replace, run, with_props

TG = "RDS proxy target group 'chatpdd-production-db-proxy-tg'"
PG = "RDS parameter group 'chatpdd-production-pg16'"
DB = "RDS instance 'chatpdd-production-db'"


def _pool(percent):
    config = copy.deepcopy(PROXY_TARGET_GROUP.properties["connectionPoolConfig"])
    if percent is None:
        config.pop("maxConnectionsPercent")
    else:
        config["maxConnectionsPercent"] = percent
    return with_props(PROXY_TARGET_GROUP, connectionPoolConfig=config)


def _max_connections(value):
    params = [p for p in PARAMETER_GROUP.properties["parameters"] if p["name"] != "max_connections"]
    if value is not None:
        params.append({"name": "max_connections", "value": value, "applyMethod": "pending-reboot"})
    return with_props(PARAMETER_GROUP, parameters=params)


def test_compliant_200_x_50_percent_is_100():
    assert run(POLICY, ALL).messages == []


def test_boundary_25_percent_is_50_and_passes():
    assert run(POLICY, replace(ALL, _pool(25))).messages == []


def test_pool_too_small():
    assert run(POLICY, replace(ALL, _pool(20))).violations == [
        (f"{TG} gives {DB} a pool of 40 connections (max_connections 200 x maxConnectionsPercent 20 / 100); "
         "at least 50 required. Fix: raise max_connections_percent or max_connections.", PROXY_TARGET_GROUP.urn)]


def test_missing_percent_is_the_aws_default_100():
    assert run(POLICY, replace(ALL, _pool(None))).messages == []
    assert run(POLICY, replace(ALL, _pool(None), _max_connections("40"))).messages == [
        f"{TG} gives {DB} a pool of 40 connections (max_connections 40 x maxConnectionsPercent 100 / 100); "
        "at least 50 required. Fix: raise max_connections_percent or max_connections."]


def test_unknown_percent_fails_closed():
    assert run(POLICY, replace(ALL, _pool(UNKNOWN_NUMBER))).messages == [
        f"{TG}: connectionPoolConfig.maxConnectionsPercent is unknown at preview, so the proxy's connection pool "
        "size cannot be verified. Fix: set it from a literal or stack config."]


def test_max_connections_not_set_fails_closed():
    assert run(POLICY, replace(ALL, _max_connections(None))).messages == [
        f"{PG} does not set max_connections, so the proxy's connection pool size of {DB} cannot be computed at "
        "preview. Fix: set max_connections to an explicit number."]


def test_max_connections_formula_fails_closed():
    assert run(POLICY, replace(ALL, _max_connections("{DBInstanceClassMemory/9531392}"))).messages == [
        f"{PG} sets max_connections={{DBInstanceClassMemory/9531392}}, so the proxy's connection pool size of {DB} "
        "cannot be computed at preview. Fix: set max_connections to an explicit number."]


def test_max_connections_unknown_fails_closed():
    assert run(POLICY, replace(ALL, _max_connections(UNKNOWN_STRING))).messages == [
        f"{PG}: parameters[max_connections] is unknown at preview, so the proxy's connection pool size cannot be "
        "verified. Fix: set it from a literal or stack config."]


def test_primary_without_proxy():
    assert run(POLICY, [r for r in ALL if r.urn != PROXY_TARGET.urn]).violations == [
        (f"{DB} is not fronted by an RDS Proxy. Fix: add an aws.rds.ProxyTarget with db_instance_identifier set to "
         "the primary's identifier.", PRIMARY.urn)]


def test_target_of_an_unknown_proxy():
    target = with_props(PROXY_TARGET, dbProxyName="elsewhere")
    target.property_dependencies.pop("dbProxyName")
    assert run(POLICY, replace(ALL, target)).violations == [
        ("RDS proxy target 'chatpdd-production-db-proxy-target' does not name an RDS proxy of this stack. "
         "Fix: set db_proxy_name to the proxy's name.", PROXY_TARGET.urn)]


def test_proxy_without_target_group():
    assert run(POLICY, [r for r in ALL if r.urn != PROXY_TARGET_GROUP.urn]).violations == [
        ("RDS proxy 'chatpdd-production-db-proxy' has no default target group, so the proxy's connection pool size "
         "cannot be verified. Fix: add an aws.rds.ProxyDefaultTargetGroup with connection_pool_config.", PROXY.urn)]


def test_joins_work_on_unknown_names_through_dependencies():
    target = with_props(PROXY_TARGET, dbProxyName=UNKNOWN_STRING, dbInstanceIdentifier=UNKNOWN_STRING)
    group = with_props(PROXY_TARGET_GROUP, dbProxyName=UNKNOWN_STRING)
    assert run(POLICY, replace(ALL, target, group)).messages == []


def test_config_threshold():
    assert len(run(POLICY, ALL, config={"minPoolConnections": 150}).messages) == 1
