import pytest
from chatpdd_policies.stack_protect_stateful_resources import POLICY

from tests.policies.fixtures import ALL, PRIMARY, PROXY, REDIS_DB, REDIS_SUBSCRIPTION, REPLICA
from tests.policies.fixtures_monitoring import MONITORING
from tests.policies.fixtures_storage import BACKUPS, STORAGE, STORAGE_KEY, UPLOADS, VAULT
from tests.policies.fixtures_vercel import PROJECT, VERCEL
from tests.policies.harness import replace, run, with_props

STACK = ALL + STORAGE + VERCEL + MONITORING
FIX = "Fix: register it with protect=True in its ResourceOptions."


def _unprotected(res):
    res = with_props(res)
    res.protect = False
    return res


def test_compliant():
    assert run(POLICY, STACK).messages == []


@pytest.mark.parametrize("res,kind", [
    (STORAGE_KEY, "KMS key"), (PRIMARY, "RDS instance"), (REPLICA, "RDS instance"), (BACKUPS, "S3 bucket"),
    (UPLOADS, "S3 bucket"), (REDIS_DB, "Redis Cloud database"), (REDIS_SUBSCRIPTION, "Redis Cloud subscription"),
    (VAULT, "Backup vault"), (PROJECT, "Vercel project")])
def test_each_stateful_type(res, kind):
    assert run(POLICY, replace(STACK, _unprotected(res))).violations == [
        (f"{kind} '{res.name}' holds state but is not protected, so a destroy or a replacement would delete it. "
         f"{FIX}", res.urn)]


def test_stateless_resources_need_no_protection():
    assert PROXY.protect is False and run(POLICY, STACK).messages == []


def test_config_types():
    assert len(run(POLICY, STACK, config={"statefulTypes": ["aws:rds/proxy:Proxy"]}).messages) == 1
    assert run(POLICY, replace(STACK, _unprotected(PRIMARY)), config={"statefulTypes": []}).messages == []
