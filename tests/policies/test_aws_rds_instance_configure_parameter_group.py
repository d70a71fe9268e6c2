from chatpdd_policies.aws_rds_instance_configure_parameter_group import POLICY

from tests.policies.fixtures import ALL, PARAMETER_GROUP, PRIMARY, REPLICA
from tests.policies.harness import UNKNOWN_STRING, replace, run, with_props, without_props

NAME = "RDS instance 'chatpdd-production-db'"
FIX = "Fix: set parameter_group_name to the name of the stack's aws.rds.ParameterGroup."


def _no_pg_dependency(res):
    res = with_props(res)
    res.property_dependencies.pop("parameterGroupName", None)
    return res


def test_compliant():
    assert run(POLICY, ALL).messages == []


def test_known_name_without_dependency_matches_by_name():
    assert run(POLICY, replace(ALL, _no_pg_dependency(PRIMARY))).messages == []


def test_default_group():
    primary = _no_pg_dependency(without_props(PRIMARY, "parameterGroupName"))
    assert run(POLICY, replace(ALL, primary)).violations == [
        (f"{NAME} uses the default parameter group, which neither forces TLS nor logs slow queries. {FIX}",
         PRIMARY.urn)]


def test_group_not_in_stack():
    primary = _no_pg_dependency(with_props(PRIMARY, parameterGroupName="default.postgres16"))
    assert run(POLICY, replace(ALL, primary)).messages == [
        f"{NAME} uses parameter group 'default.postgres16', which is not managed by this stack. {FIX}"]


def test_replica_without_group():
    replica = _no_pg_dependency(without_props(REPLICA, "parameterGroupName"))
    assert run(POLICY, replace(ALL, replica)).violations == [
        ("RDS instance 'chatpdd-production-db-replica-1' uses the default parameter group, which neither forces "
         f"TLS nor logs slow queries. {FIX}", REPLICA.urn)]


def test_unknown_name_with_dependency_complies():
    assert run(POLICY, replace(ALL, with_props(PRIMARY, parameterGroupName=UNKNOWN_STRING))).messages == []


def test_unknown_name_without_dependency_fails_closed():
    primary = _no_pg_dependency(with_props(PRIMARY, parameterGroupName=UNKNOWN_STRING))
    assert run(POLICY, replace(ALL, primary)).messages == [
        f"{NAME}: parameterGroupName is unknown at preview, so the parameter group cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_group_must_exist_in_the_stack():
    stack = [r for r in ALL if r.urn != PARAMETER_GROUP.urn]
    assert len(run(POLICY, stack).messages) == 2  # primary and replica
