from chatpdd_policies.aws_rds_parameter_group_enforce_ssl import POLICY

from tests.policies.fixtures import PARAMETER_GROUP
from tests.policies.harness import UNKNOWN_ARRAY, UNKNOWN_STRING, run, with_props

NAME = "RDS parameter group 'chatpdd-production-pg16'"


def _with_param(name, value):
    params = [p for p in PARAMETER_GROUP.properties["parameters"] if p["name"] != name]
    if value is not None:
        params.append({"name": name, "value": value, "applyMethod": "pending-reboot"})
    return with_props(PARAMETER_GROUP, parameters=params)


def test_compliant():
    assert run(POLICY, PARAMETER_GROUP).messages == []


def test_force_ssl_off():
    assert run(POLICY, _with_param("rds.force_ssl", "0")).messages == [
        f"{NAME} sets rds.force_ssl=0, so clients may connect without TLS. Fix: add the parameter rds.force_ssl=1."]


def test_missing():
    assert run(POLICY, _with_param("rds.force_ssl", None)).messages == [
        f"{NAME} does not set rds.force_ssl, so clients may connect without TLS. "
        "Fix: add the parameter rds.force_ssl=1."]


def test_unknown_value_fails_closed():
    assert run(POLICY, _with_param("rds.force_ssl", UNKNOWN_STRING)).messages == [
        f"{NAME}: parameters[rds.force_ssl] is unknown at preview, so TLS enforcement cannot be verified. "
        "Fix: set it from a literal or stack config."]


def test_unknown_list_fails_closed():
    assert len(run(POLICY, with_props(PARAMETER_GROUP, parameters=UNKNOWN_ARRAY)).messages) == 1


def test_other_engine_is_not_applicable():
    assert run(POLICY, with_props(PARAMETER_GROUP, family="mysql8.0")).not_applicable is not None
