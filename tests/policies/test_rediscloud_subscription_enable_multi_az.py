import pytest
from chatpdd_policies.rediscloud_subscription_enable_multi_az import POLICY

from tests.policies.fixtures import REDIS_SUBSCRIPTION
from tests.policies.harness import UNKNOWN_ARRAY, UNKNOWN_BOOL, run, with_props, without_props

NAME = "Redis Cloud subscription 'chatpdd-production-redis'"
FIX = "Fix: set cloud_provider.regions[].multiple_availability_zones=True (only when the subscription is created)."
REGION = REDIS_SUBSCRIPTION.properties["cloudProvider"]["regions"][0]


def _regions(*regions):
    return with_props(REDIS_SUBSCRIPTION, cloudProvider={"provider": "AWS", "regions": list(regions)})


def test_compliant():
    assert run(POLICY, REDIS_SUBSCRIPTION).messages == []


@pytest.mark.parametrize("value", [False, None])
def test_one_zone(value):
    region = {k: v for k, v in REGION.items() if k != "multipleAvailabilityZones"}
    if value is not None:
        region["multipleAvailabilityZones"] = value
    assert run(POLICY, _regions(region)).messages == [
        f"{NAME} runs in one availability zone of region us-east-1 (cloudProvider.regions[0]). {FIX}"]


def test_every_region_counts():
    second = {**REGION, "region": "us-west-2", "multipleAvailabilityZones": False}
    assert run(POLICY, _regions(REGION, second)).messages == [
        f"{NAME} runs in one availability zone of region us-west-2 (cloudProvider.regions[1]). {FIX}"]


def test_no_region():
    assert run(POLICY, without_props(REDIS_SUBSCRIPTION, "cloudProvider")).messages == [
        f"{NAME} names no cloud region, so its placement is the provider default (one availability zone). {FIX}"]


def test_plan_without_replication():
    plan = {**REDIS_SUBSCRIPTION.properties["creationPlan"], "replication": False}
    assert run(POLICY, with_props(REDIS_SUBSCRIPTION, creationPlan=plan)).messages == [
        f"{NAME} plans databases without replication. Fix: set creation_plan.replication=True."]


def test_unknown_fails_closed():
    assert run(POLICY, _regions({**REGION, "multipleAvailabilityZones": UNKNOWN_BOOL})).messages == [
        f"{NAME}: cloudProvider.regions[0].multipleAvailabilityZones is unknown at preview, so multi-AZ placement "
        "cannot be verified. Fix: set it from a literal or stack config."]
    assert len(run(POLICY, with_props(REDIS_SUBSCRIPTION, cloudProvider={"regions": UNKNOWN_ARRAY})).messages) == 1
