"""Pulumi mocks that answer like the providers would: realistic ids, ARNs and endpoints.

Dependants read computed outputs (a key's ``arn``, an instance's ``endpoint``); a mock that does not
return them silently drops or un-knows those inputs. Generated secrets
(``RandomPassword.result``) are opaque placeholders derived from the resource name, never real values.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi

_NS = uuid.UUID("6f1c1f5e-3b7e-4cf1-9a53-0c3a7c1d2e10")


def _hex(seed: str, n: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:n]


def _uuid(seed: str) -> str:
    return str(uuid.uuid5(_NS, seed))


def generated_secret_placeholder(name: str, keepers: Any = None) -> str:
    """What a generated secret (RandomPassword.result) reads as offline: opaque and not a real secret.
    A change of ``keepers`` (a rotation) gives a new value, as the provider's replacement would."""
    seed = name if not keepers else name + json.dumps(keepers, sort_keys=True)
    return "offline-generated-" + _hex(seed, 24)


@dataclass(frozen=True)
class _Request:
    """One ``new_resource`` call as the per-type answers need it; ``rid`` is the default id."""

    typ: str
    name: str
    inputs: dict[str, Any]
    acct: str
    region: str
    rid: str

    def named(self, key: str) -> str:
        """The explicit name under ``key``, or the default id when the program left it to the provider."""
        return str(self.inputs.get(key) or self.rid)


_Answer = tuple[str, dict[str, Any]]  # (id, computed outputs to add to the inputs)


def _rds_host(req: _Request, name: str, kind: str = "") -> str:
    return f"{name}.{kind}c{_hex('cluster' + req.acct, 10)}.{req.region}.rds.amazonaws.com"


def _kms_key(req: _Request) -> _Answer:
    rid = _uuid(req.name)
    return rid, {"arn": f"arn:aws:kms:{req.region}:{req.acct}:key/{rid}", "keyId": rid}


def _kms_alias(req: _Request) -> _Answer:
    return req.rid, {"arn": f"arn:aws:kms:{req.region}:{req.acct}:{req.inputs.get('name', 'alias/' + req.name)}",
                     "targetKeyArn": req.inputs.get("targetKeyId")}


def _rds_instance(req: _Request) -> _Answer:
    ident = req.named("identifier")
    host = _rds_host(req, ident)
    return ident, {"identifier": ident, "arn": f"arn:aws:rds:{req.region}:{req.acct}:db:{ident}", "address": host,
                   "endpoint": f"{host}:5432", "port": req.inputs.get("port", 5432),
                   "resourceId": f"db-{_hex(ident, 20).upper()}", "hostedZoneId": "Z2R2ITUGPM61AM",
                   "status": "available"}


def _rds_proxy(req: _Request) -> _Answer:
    pname = req.named("name")
    return pname, {"name": pname, "arn": f"arn:aws:rds:{req.region}:{req.acct}:db-proxy:prx-{_hex(pname, 17)}",
                   "endpoint": _rds_host(req, pname, "proxy-")}


def _rds_proxy_endpoint(req: _Request) -> _Answer:
    ename = req.named("dbProxyEndpointName")
    return req.rid, {"arn": f"arn:aws:rds:{req.region}:{req.acct}:db-proxy-endpoint:prx-endpoint-{_hex(ename, 17)}",
                     "endpoint": _rds_host(req, ename + ".endpoint", "proxy-"), "isDefault": False}


def _rds_group(kind: str) -> Callable[[_Request], _Answer]:
    def answer(req: _Request) -> _Answer:
        gname = req.named("name")
        return gname, {"name": gname, "arn": f"arn:aws:rds:{req.region}:{req.acct}:{kind}:{gname}"}
    return answer


def _s3_bucket(req: _Request) -> _Answer:
    bucket = req.named("bucket")
    return bucket, {"bucket": bucket, "arn": f"arn:aws:s3:::{bucket}", "bucketDomainName": f"{bucket}.s3.amazonaws.com",
                    "bucketRegionalDomainName": f"{bucket}.s3.{req.region}.amazonaws.com", "region": req.region}


def _sns_topic(req: _Request) -> _Answer:
    tname = req.named("name")
    arn = f"arn:aws:sns:{req.region}:{req.acct}:{tname}"
    return arn, {"name": tname, "arn": arn}


def _sns_subscription(req: _Request) -> _Answer:
    return req.rid, {"arn": f"{req.inputs.get('topic', 'arn:aws:sns:' + req.region)}:{_uuid(req.name)}"}


def _s3_object(req: _Request) -> _Answer:
    key = req.named("key")
    return f"{req.inputs.get('bucket', '')}/{key}", {"key": key, "versionId": _hex("version" + key, 32),
                                                     "etag": _hex("etag" + key, 32)}


def _canary(req: _Request) -> _Answer:
    cname = req.named("name")
    return cname, {"name": cname, "arn": f"arn:aws:synthetics:{req.region}:{req.acct}:canary:{cname}",
                   "engineArn": f"arn:aws:lambda:{req.region}:{req.acct}:function:cwsyn-{cname}-{_uuid(cname)}",
                   "sourceLocationArn": f"arn:aws:lambda:{req.region}:{req.acct}:layer:cwsyn-{cname}-{_uuid(cname)}:1",
                   "status": "RUNNING"}


def _backups_replication(req: _Request) -> _Answer:
    rid = f"arn:aws:rds:{req.region}:{req.acct}:auto-backup:ab-{_hex(req.name, 26)}"
    return rid, {}


def _iam_role(req: _Request) -> _Answer:
    rname = req.named("name")
    return req.rid, {"name": rname, "arn": f"arn:aws:iam::{req.acct}:role/{rname}",
                     "uniqueId": f"AROA{_hex(rname, 17).upper()}"}


def _oidc_provider(req: _Request) -> _Answer:
    url = req.inputs.get("url", "oidc").removeprefix("https://")
    return req.rid, {"arn": f"arn:aws:iam::{req.acct}:oidc-provider/{url}"}


def _secret(req: _Request) -> _Answer:
    sname = req.named("name")
    return req.rid, {"name": sname,
                     "arn": f"arn:aws:secretsmanager:{req.region}:{req.acct}:secret:{sname}-{_hex(sname, 6)}"}


def _backup_vault(req: _Request) -> _Answer:
    vname = req.named("name")
    return vname, {"name": vname, "arn": f"arn:aws:backup:{req.region}:{req.acct}:backup-vault:{vname}"}


def _backup_plan(req: _Request) -> _Answer:
    rid = _uuid(req.name)
    return rid, {"arn": f"arn:aws:backup:{req.region}:{req.acct}:backup-plan:{rid}", "version": _hex(req.name, 32)}


def _health_check(req: _Request) -> _Answer:
    rid = _uuid(req.name)
    return rid, {"arn": f"arn:aws:route53:::healthcheck/{rid}"}


def _metric_alarm(req: _Request) -> _Answer:
    return req.rid, {"arn": f"arn:aws:cloudwatch:{req.region}:{req.acct}:alarm:{req.inputs.get('name', req.rid)}"}


def _dashboard(req: _Request) -> _Answer:
    return req.rid, {"dashboardArn": f"arn:aws:cloudwatch::{req.acct}:dashboard/"
                                     f"{req.inputs.get('dashboardName', req.rid)}"}


def _log_group(req: _Request) -> _Answer:
    lname = req.named("name")
    return req.rid, {"name": lname, "arn": f"arn:aws:logs:{req.region}:{req.acct}:log-group:{lname}"}


def _vpc(req: _Request) -> _Answer:
    rid = "vpc-" + _hex(req.name, 17)
    return rid, {"arn": f"arn:aws:ec2:{req.region}:{req.acct}:vpc/{rid}",
                 "defaultSecurityGroupId": "sg-" + _hex("d" + req.name, 17)}


def _subnet(req: _Request) -> _Answer:
    rid = "subnet-" + _hex(req.name, 17)
    return rid, {"arn": f"arn:aws:ec2:{req.region}:{req.acct}:subnet/{rid}"}


def _security_group(req: _Request) -> _Answer:
    rid = "sg-" + _hex(req.name, 17)
    return rid, {"arn": f"arn:aws:ec2:{req.region}:{req.acct}:security-group/{rid}"}


def _route_table(req: _Request) -> _Answer:
    return "rtb-" + _hex(req.name, 17), {}


def _redis_subscription(req: _Request) -> _Answer:
    return str(100000 + int(_hex(req.name, 5), 16) % 900000), {}


def _redis_database(req: _Request) -> _Answer:
    db_id = 10000000 + int(_hex(req.name, 6), 16) % 90000000
    port = 10000 + db_id % 10000
    host = f"c{_hex(req.name, 4)}.{req.region}-2.ec2.redns.redis-cloud.com:{port}"
    return f"{req.inputs.get('subscriptionId', '0')}/{db_id}", {
        "dbId": db_id, "publicEndpoint": f"redis-{port}.{host}", "privateEndpoint": f"redis-{port}.internal.{host}"}


def _random_password(req: _Request) -> _Answer:
    return req.rid, {"result": generated_secret_placeholder(req.name, req.inputs.get("keepers")), "bcryptHash": "$2a$10$" + _hex("b" + req.name, 53)}


def _vercel_project(req: _Request) -> _Answer:
    return "prj_" + _hex(req.name, 28), {}


def _vercel_other(req: _Request) -> _Answer:
    return _hex(req.name, 24), {}


# The answer per resource type; types not listed keep the default id and their inputs as outputs.
_BY_TYPE: dict[str, Callable[[_Request], _Answer]] = {
    "aws:kms/key:Key": _kms_key,
    "aws:kms/alias:Alias": _kms_alias,
    "aws:rds/instance:Instance": _rds_instance,
    "aws:rds/proxy:Proxy": _rds_proxy,
    "aws:rds/proxyEndpoint:ProxyEndpoint": _rds_proxy_endpoint,
    "aws:rds/parameterGroup:ParameterGroup": _rds_group("pg"),
    "aws:rds/subnetGroup:SubnetGroup": _rds_group("subgrp"),
    "aws:s3/bucket:Bucket": _s3_bucket,
    "aws:sns/topic:Topic": _sns_topic,
    "aws:sns/topicSubscription:TopicSubscription": _sns_subscription,
    "aws:s3/bucketObjectv2:BucketObjectv2": _s3_object,
    "aws:synthetics/canary:Canary": _canary,
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": _backups_replication,
    "aws:iam/role:Role": _iam_role,
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": _oidc_provider,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:backup/vault:Vault": _backup_vault,
    "aws:backup/plan:Plan": _backup_plan,
    "aws:route53/healthCheck:HealthCheck": _health_check,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _metric_alarm,
    "aws:cloudwatch/dashboard:Dashboard": _dashboard,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:ec2/vpc:Vpc": _vpc,
    "aws:ec2/subnet:Subnet": _subnet,
    "aws:ec2/securityGroup:SecurityGroup": _security_group,
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": _security_group,
    "rediscloud:index/subscription:Subscription": _redis_subscription,
    "rediscloud:index/subscriptionDatabase:SubscriptionDatabase": _redis_database,
    "random:index/randomPassword:RandomPassword": _random_password,
    "vercel:index/project:Project": _vercel_project,
}
# Then by type prefix, first match wins (route tables and their associations; the other Vercel resources).
_BY_PREFIX: tuple[tuple[str, Callable[[_Request], _Answer]], ...] = (
    ("aws:ec2/routeTable", _route_table),
    ("vercel:", _vercel_other),
)


def _answer_for(typ: str) -> Callable[[_Request], _Answer] | None:
    if typ in _BY_TYPE:
        return _BY_TYPE[typ]
    return next((answer for prefix, answer in _BY_PREFIX if typ.startswith(prefix)), None)


class RealisticMocks(pulumi.runtime.Mocks):
    """Per-type answers for resources (``_BY_TYPE``) and the few invokes the program makes."""

    def __init__(self, account_id: str, region: str) -> None:
        self.account_id = account_id
        self.region = region

    # -- resources ---------------------------------------------------------------------------------
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        """Answer one registration: the id and the outputs (inputs plus what the provider computes)."""
        typ, name, inputs = args.typ, args.name, dict(args.inputs)
        out: dict[str, Any] = dict(inputs)
        rid = f"{name}-{_hex(typ + name, 8)}"
        if typ.startswith("pulumi:providers:"):
            return rid, out
        answer = _answer_for(typ)
        if answer is not None:
            rid, computed = answer(_Request(typ, name, inputs, self.account_id, self.region, rid))
            out.update(computed)
        if "arn" not in out and typ.startswith("aws:"):
            service = typ.split(":")[1].split("/")[0]
            out["arn"] = f"arn:aws:{service}:{self.region}:{self.account_id}:{name}"
        if "tags" in inputs:
            out.setdefault("tagsAll", inputs["tags"])
        return rid, out

    # -- invokes -----------------------------------------------------------------------------------
    # pulumi's MockMonitor takes a bare dict as well as its declared (dict, failures) tuple.
    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        """Answer the invokes the program may make offline; anything else is a program error."""
        token = args.token
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": self.account_id, "arn": f"arn:aws:iam::{self.account_id}:user/offline",
                    "userId": "AIDAOFFLINE", "id": self.account_id}
        if token == "aws:index/getRegion:getRegion":
            return {"name": self.region, "region": self.region, "id": self.region,
                    "endpoint": f"ec2.{self.region}.amazonaws.com", "description": self.region}
        if token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws", "reverseDnsPrefix": "com.amazonaws"}
        raise NotImplementedError(
            f"invoke {token} is not mocked: the program should not depend on live lookups "
            "(add a realistic answer to gate/program/mocks.py if it must)"
        )
