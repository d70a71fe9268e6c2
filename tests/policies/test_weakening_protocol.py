"""Issue 8, classes 2-5, through the pack as the CLI runs it: its own process, driven over the Analyzer gRPC
protocol (Configure with policies/config/production.json, Analyze per resource, AnalyzeStack). For each hole
a weakening edit of a compliant fixture gets a MANDATORY diagnostic naming the resource, and a harmless
neighbour gets none from that policy. (``pulumi preview --policy-pack policies`` blocks on exactly these.)"""

from __future__ import annotations

import json

import pytest

from gate.pack.analyzer import PolicyPackProcess
from tests.policies import fixtures as f
from tests.policies import fixtures_monitoring as fm
from tests.policies import fixtures_storage as fs
from tests.policies import fixtures_vercel as fv
from tests.policies.harness import POLICIES_DIR, replace, resource, with_props

PRODUCTION = POLICIES_DIR / "config" / "production.json"
BASE = list({r.urn: r for r in [*f.ALL, *fm.MONITORING, *fs.STORAGE, *fv.VERCEL]}.values())
TEAM = "team_chatpdd"
ISSUER = f"oidc.vercel.com/{TEAM}"


def _trust(sub_operator: str, sub: str) -> str:
    condition: dict = {"StringEquals": {f"{ISSUER}:aud": f"https://vercel.com/{TEAM}"}}
    condition.setdefault(sub_operator, {})[f"{ISSUER}:sub"] = sub
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": f"arn:aws:iam::111122223333:oidc-provider/{ISSUER}"},
        "Action": "sts:AssumeRoleWithWebIdentity", "Condition": condition}]})


APP_ROLE = resource("aws:iam/role:Role", "app-uploads-role", {
    "assumeRolePolicy": _trust("StringEquals", f"owner:{TEAM}:project:chatpdd:environment:production")})
METRICS_POLICY = resource("aws:iam/rolePolicy:RolePolicy", "app-metrics-role-policy", {"role": "r", "policy": json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "cloudwatch:PutMetricData",
                                             "Resource": "*"}]})})
MONITORING_ATTACHMENT = resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "database-monitoring-policy", {
    "role": "r", "policyArn": "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"})
BASE += [APP_ROLE, METRICS_POLICY, MONITORING_ATTACHMENT]


def _headers(**changes):
    headers = {**fv.HEADERS, **changes}
    return with_props(fv.ROUTE, route={"src": "/(.*)", "headers": {k: v for k, v in headers.items() if v}})


def _rule(value: str, limit: int = 100):
    rule = json.loads(json.dumps(fv.RATE_LIMIT_RULE))
    rule["conditionGroups"][0]["conditions"][0]["value"] = value
    rule["action"]["rateLimit"]["limit"] = limit
    return with_props(fv.FIREWALL, rules={"rules": [rule]})


def _lock(days: int):
    return with_props(fs.BACKUPS_OBJECT_LOCK, rule={"defaultRetention": {"mode": "GOVERNANCE", "days": days}})


def _regions(multi: bool):
    region = {**f.REDIS_SUBSCRIPTION.properties["cloudProvider"]["regions"][0], "multipleAvailabilityZones": multi}
    return with_props(f.REDIS_SUBSCRIPTION, cloudProvider={"provider": "AWS", "regions": [region]})


HEALTH = fm.ALARMS[("stack", "app-health")]
KEY_WILDCARD = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"}]})
KEY_FOREIGN, KEY_OWN = (json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "kms:Decrypt", "Resource": "*"}]})
    for account in ("999988887777", "111122223333"))
TLS_10 = fs.UPLOADS_POLICY.properties["policy"].replace('"1.2"', '"1.0"')

# hole -> (policy, the weakening edit, the phrase its diagnostic carries, a harmless neighbour)
CASES = {
    "2: sourceIps in two /1 halves": (
        "rediscloud-subscription-database-disallow-public-access",
        with_props(f.REDIS_DB, sourceIps=["0.0.0.0/1", "128.0.0.0/1"]), "too much of the internet",
        with_props(f.REDIS_DB, sourceIps=[*f.REDIS_DB.properties["sourceIps"], "8.8.4.4/32"])),
    "2: ingress rule, IPv6 /1, all protocols": (
        "aws-ec2-security-group-disallow-public-postgres-ingress",
        with_props(f.PROXY_FROM_APP, cidrIpv6="::/1", ipProtocol="-1"), "opens all traffic to too much",
        with_props(f.PROXY_FROM_APP, cidrIpv4="192.0.2.10/32")),
    "3: CSP with a bare https: script source": (
        "vercel-project-configure-security-headers",
        _headers(**{"Content-Security-Policy": fv.HEADERS["Content-Security-Policy"].replace(
            "script-src 'self'", "script-src 'self' https:")}), "bare scheme https: in script-src",
        _headers(**{"Content-Security-Policy": fv.HEADERS["Content-Security-Policy"].replace(
            "default-src 'self'", "default-src 'none'")})),
    "3: COOP dropped": (
        "vercel-project-configure-security-headers", _headers(**{"Cross-Origin-Opener-Policy": ""}),
        "does not set Cross-Origin-Opener-Policy", _headers(**{"Strict-Transport-Security":
                                                              "max-age=126144000; includeSubDomains; preload"})),
    "4: rate limit on a path nobody calls": (
        "vercel-firewall-configure-api-rate-limit", _rule("/api/v0-unused"), "every path under /api",
        _rule("/api", limit=20)),
    "4: one-day object lock": (
        "aws-s3-backups-bucket-enable-object-lock", _lock(1), "locks backups for 1 days", _lock(60)),
    "4: single-zone Redis subscription": (
        "rediscloud-subscription-enable-multi-az", _regions(False), "runs in one availability zone", _regions(True)),
    "4: health alarm silent on missing data": (
        "monitoring-configure-required-alarms", with_props(HEALTH, treatMissingData="notBreaching"),
        "must treat it as breaching", with_props(HEALTH, evaluationPeriods=1, datapointsToAlarm=1)),
    "4: health check needing 10 failures": (
        "monitoring-configure-health-checks", with_props(fm.HEALTH_CHECKS["/api/health"], failureThreshold=10),
        "counts as down (300 s); at most 90 s", with_props(fm.HEALTH_CHECKS["/api/health"], requestInterval=10)),
    "4: alarm silenced by a unit filter": (
        "monitoring-configure-required-alarms", with_props(HEALTH, unit="Seconds"), "only counts datapoints published",
        with_props(HEALTH, threshold=1)),
    "5: AdministratorAccess attached": (
        "aws-iam-policy-disallow-wildcard-grants",
        with_props(MONITORING_ATTACHMENT, policyArn="arn:aws:iam::aws:policy/AdministratorAccess"),
        "attaches the AWS-managed policy AdministratorAccess", MONITORING_ATTACHMENT),
    "5: secret env var reaching preview": (
        "vercel-env-var-require-sensitive-secrets", with_props(fv.ENV_VARS["JWT_SECRET"],
                                                               targets=["production", "preview"]),
        "also reaches preview", with_props(fv.ENV_VARS["SESSION_TIMEOUT_HOURS"], targets=["production", "preview"])),
    "5: a 16-character generated secret": (
        "random-password-configure-strength", with_props(f.REDIS_PASSWORD, length=16), "generates 16 characters",
        with_props(f.REDIS_PASSWORD, length=64)),
    "5: KMS key policy for any principal": (
        "aws-iam-policy-disallow-wildcard-grants", with_props(fs.STORAGE_KEY, policy=KEY_WILDCARD),
        "allows any principal", fs.STORAGE_KEY),
    "5: KMS key policy for another account": (
        "aws-iam-policy-restrict-foreign-principals", with_props(fs.STORAGE_KEY, policy=KEY_FOREIGN),
        "grants the AWS principal 'arn:aws:iam::999988887777:root' of account 999988887777",
        with_props(fs.STORAGE_KEY, policy=KEY_OWN)),
    "5: OIDC trust for any environment": (
        "aws-iam-role-restrict-oidc-trust",
        with_props(APP_ROLE, assumeRolePolicy=_trust("StringLike", f"owner:{TEAM}:project:chatpdd:environment:*")),
        f"does not pin {ISSUER}:sub", APP_ROLE),
    "5: bucket policy allowing TLS 1.0": (
        "aws-s3-bucket-enforce-tls", with_props(fs.UPLOADS_POLICY, policy=TLS_10), "denies only below TLS 1",
        fs.UPLOADS_POLICY),
}


@pytest.fixture(scope="module")
def pack():
    with PolicyPackProcess(POLICIES_DIR) as running:
        running.configure(json.loads(PRODUCTION.read_text()), source=str(PRODUCTION))
        yield running


def _diagnostics(pack, resources, policy):
    return [d for d in pack.analyze_all(resources).diagnostics if d.policy_name == policy]


def test_the_base_is_clean_for_every_policy_under_test(pack):
    policies = {case[0] for case in CASES.values()}
    assert [(d.policy_name, d.message) for d in pack.analyze_all(BASE).diagnostics
            if d.policy_name in policies] == []


@pytest.mark.parametrize("hole", list(CASES))
def test_weakening_is_a_mandatory_violation_over_grpc(pack, hole):
    policy, weakened, phrase, harmless = CASES[hole]
    found = _diagnostics(pack, replace(BASE, weakened), policy)
    assert [(d.enforcement_level, d.urn) for d in found] == [("mandatory", weakened.urn)], found
    assert phrase in found[0].message
    assert _diagnostics(pack, replace(BASE, harmless), policy) == []
