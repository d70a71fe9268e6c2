"""rediscloud-subscription-database-enable-persistence: Redis Cloud databases persist their data with one
of ``allowedDataPersistence`` (production: AOF; staging may also allow snapshots)."""

from pulumi_policy import ResourceValidationArgs, Severity

from chatpdd_policies._checklist import REDIS_PERSISTENCE
from chatpdd_policies._util import (
    REDIS_DATABASE,
    Report,
    checklist_reference,
    config_value,
    require_one_of,
    resource_policy,
)

DEFAULTS = {"allowedDataPersistence": REDIS_PERSISTENCE}
STACK_CONFIG_KEYS = ("cache.persistence",)


def _validate(args: ResourceValidationArgs, report_violation: Report) -> None:
    if args.resource_type != REDIS_DATABASE:
        return
    allowed = list(config_value(args, "allowedDataPersistence", DEFAULTS["allowedDataPersistence"]))
    # Absent = the provider default ("none"): a violation, whatever the config says.
    require_one_of(args, report_violation, "dataPersistence", allowed, rule="Redis persistence",
                   fix_arg="data_persistence", missing_problem="has no persistence", disallowed=("none",))


POLICY = resource_policy(
    name="rediscloud-subscription-database-enable-persistence",
    description="Redis Cloud databases must persist data (AOF in production).",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps="Set data_persistence to one of allowedDataPersistence (aof-every-1-second).",
    reference=checklist_reference("Pre-Deployment Preparation", "Redis Configuration",
                                  "Redis persistence settings configured"),
    tags=["rediscloud", "redis", "durability"],
    config_schema={"allowedDataPersistence": {
        "type": "array", "minItems": 1, "default": DEFAULTS["allowedDataPersistence"],
        "items": {"type": "string", "pattern": "^(aof-every-1-second|aof-every-write|snapshot-every-[0-9]+-hours?)$"},
        "description": "dataPersistence values that are accepted ('none' never is)."}},
)
