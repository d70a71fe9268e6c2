"""Pulumi mocks that answer like the providers would: realistic ids, ARNs and endpoints.

Dependants read computed outputs (a key's ``arn``, an instance's ``endpoint``); a mock that does not
return them silently drops or un-knows those inputs (FIELD-NOTES). Generated secrets
(``RandomPassword.result``) are opaque placeholders derived from the resource name, never real values.
"""

from __future__ import annotations

import hashlib
import json
import uuid
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


class RealisticMocks(pulumi.runtime.Mocks):
    def __init__(self, account_id: str, region: str):
        self.account_id = account_id
        self.region = region

    # -- resources ---------------------------------------------------------------------------------
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        typ, name, inputs = args.typ, args.name, dict(args.inputs)
        acct, region = self.account_id, self.region
        out: dict[str, Any] = dict(inputs)
        rid = f"{name}-{_hex(typ + name, 8)}"

        if typ.startswith("pulumi:providers:"):
            return rid, out
        if typ == "aws:kms/key:Key":
            rid = _uuid(name)
            out.update(arn=f"arn:aws:kms:{region}:{acct}:key/{rid}", keyId=rid)
        elif typ == "aws:kms/alias:Alias":
            out.update(arn=f"arn:aws:kms:{region}:{acct}:{inputs.get('name', 'alias/' + name)}",
                       targetKeyArn=inputs.get("targetKeyId"))
        elif typ == "aws:rds/instance:Instance":
            ident = inputs.get("identifier") or rid
            rid = ident
            host = f"{ident}.c{_hex('cluster' + acct, 10)}.{region}.rds.amazonaws.com"
            out.update(identifier=ident, arn=f"arn:aws:rds:{region}:{acct}:db:{ident}", address=host,
                       endpoint=f"{host}:5432", port=inputs.get("port", 5432), resourceId=f"db-{_hex(ident, 20).upper()}",
                       hostedZoneId="Z2R2ITUGPM61AM", status="available")
        elif typ == "aws:rds/proxy:Proxy":
            pname = inputs.get("name") or rid
            rid = pname
            out.update(name=pname, arn=f"arn:aws:rds:{region}:{acct}:db-proxy:prx-{_hex(pname, 17)}",
                       endpoint=f"{pname}.proxy-c{_hex('cluster' + acct, 10)}.{region}.rds.amazonaws.com")
        elif typ == "aws:rds/proxyEndpoint:ProxyEndpoint":
            ename = inputs.get("dbProxyEndpointName") or rid
            out.update(arn=f"arn:aws:rds:{region}:{acct}:db-proxy-endpoint:prx-endpoint-{_hex(ename, 17)}",
                       endpoint=f"{ename}.endpoint.proxy-c{_hex('cluster' + acct, 10)}.{region}.rds.amazonaws.com",
                       isDefault=False)
        elif typ in ("aws:rds/parameterGroup:ParameterGroup", "aws:rds/subnetGroup:SubnetGroup"):
            gname = inputs.get("name") or rid
            rid = gname
            kind = "pg" if "parameter" in typ else "subgrp"
            out.update(name=gname, arn=f"arn:aws:rds:{region}:{acct}:{kind}:{gname}")
        elif typ == "aws:s3/bucket:Bucket":
            bucket = inputs.get("bucket") or rid
            rid = bucket
            out.update(bucket=bucket, arn=f"arn:aws:s3:::{bucket}", bucketDomainName=f"{bucket}.s3.amazonaws.com",
                       bucketRegionalDomainName=f"{bucket}.s3.{region}.amazonaws.com", region=region)
        elif typ == "aws:sns/topic:Topic":
            tname = inputs.get("name") or rid
            out.update(name=tname, arn=f"arn:aws:sns:{region}:{acct}:{tname}")
            rid = out["arn"]
        elif typ == "aws:sns/topicSubscription:TopicSubscription":
            out.update(arn=f"{inputs.get('topic', 'arn:aws:sns:' + region)}:{_uuid(name)}")
        elif typ == "aws:iam/role:Role":
            rname = inputs.get("name") or rid
            out.update(name=rname, arn=f"arn:aws:iam::{acct}:role/{rname}", uniqueId=f"AROA{_hex(rname, 17).upper()}")
        elif typ == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            out.update(arn=f"arn:aws:iam::{acct}:oidc-provider/{inputs.get('url', 'oidc').removeprefix('https://')}")
        elif typ == "aws:secretsmanager/secret:Secret":
            sname = inputs.get("name") or rid
            out.update(name=sname, arn=f"arn:aws:secretsmanager:{region}:{acct}:secret:{sname}-{_hex(sname, 6)}")
        elif typ == "aws:backup/vault:Vault":
            vname = inputs.get("name") or rid
            rid = vname
            out.update(name=vname, arn=f"arn:aws:backup:{region}:{acct}:backup-vault:{vname}")
        elif typ == "aws:backup/plan:Plan":
            rid = _uuid(name)
            out.update(arn=f"arn:aws:backup:{region}:{acct}:backup-plan:{rid}", version=_hex(name, 32))
        elif typ == "aws:route53/healthCheck:HealthCheck":
            rid = _uuid(name)
            out.update(arn=f"arn:aws:route53:::healthcheck/{rid}")
        elif typ == "aws:cloudwatch/metricAlarm:MetricAlarm":
            out.update(arn=f"arn:aws:cloudwatch:{region}:{acct}:alarm:{inputs.get('name', rid)}")
        elif typ == "aws:cloudwatch/dashboard:Dashboard":
            out.update(dashboardArn=f"arn:aws:cloudwatch::{acct}:dashboard/{inputs.get('dashboardName', rid)}")
        elif typ == "aws:cloudwatch/logGroup:LogGroup":
            lname = inputs.get("name") or rid
            out.update(name=lname, arn=f"arn:aws:logs:{region}:{acct}:log-group:{lname}")
        elif typ == "aws:ec2/vpc:Vpc":
            rid = "vpc-" + _hex(name, 17)
            out.update(arn=f"arn:aws:ec2:{region}:{acct}:vpc/{rid}", defaultSecurityGroupId="sg-" + _hex("d" + name, 17))
        elif typ == "aws:ec2/subnet:Subnet":
            rid = "subnet-" + _hex(name, 17)
            out.update(arn=f"arn:aws:ec2:{region}:{acct}:subnet/{rid}")
        elif typ in ("aws:ec2/securityGroup:SecurityGroup", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"):
            rid = "sg-" + _hex(name, 17)
            out.update(arn=f"arn:aws:ec2:{region}:{acct}:security-group/{rid}")
        elif typ.startswith("aws:ec2/routeTable") or typ == "aws:ec2/routeTable:RouteTable":
            rid = "rtb-" + _hex(name, 17)
        elif typ == "rediscloud:index/subscription:Subscription":
            rid = str(100000 + int(_hex(name, 5), 16) % 900000)
        elif typ == "rediscloud:index/subscriptionDatabase:SubscriptionDatabase":
            db_id = 10000000 + int(_hex(name, 6), 16) % 90000000
            port = 10000 + db_id % 10000
            rid = f"{inputs.get('subscriptionId', '0')}/{db_id}"
            out.update(dbId=db_id,
                       publicEndpoint=f"redis-{port}.c{_hex(name, 4)}.{region}-2.ec2.redns.redis-cloud.com:{port}",
                       privateEndpoint=f"redis-{port}.internal.c{_hex(name, 4)}.{region}-2.ec2.redns.redis-cloud.com:{port}")
        elif typ == "random:index/randomPassword:RandomPassword":
            out.update(result=generated_secret_placeholder(name, inputs.get("keepers")),
                       bcryptHash="$2a$10$" + _hex("b" + name, 53))
        elif typ == "vercel:index/project:Project":
            rid = "prj_" + _hex(name, 28)
        elif typ.startswith("vercel:"):
            rid = _hex(name, 24)
        if "arn" not in out and typ.startswith("aws:"):
            service = typ.split(":")[1].split("/")[0]
            out["arn"] = f"arn:aws:{service}:{region}:{acct}:{name}"
        if "tags" in inputs:
            out.setdefault("tagsAll", inputs["tags"])
        return rid, out

    # -- invokes -----------------------------------------------------------------------------------
    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
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
            "(add a realistic answer to gate/mocks.py if it must)"
        )
