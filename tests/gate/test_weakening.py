"""Weakening pull requests through the WHOLE gate (``python -m gate preview``): each a small edit a reviewer
could miss, each blocked (exit 1) by a general rule of the pack -- issue 8, classes 2-5. And the harmless
neighbours (a tighter threshold, a second specific CORS origin, a new /32, a stricter CSP) still pass (exit 0).

The weakening edits are a program variant (a stack transformation around the real ``__main__.py``, as a
component edit would change the inputs) so that the stack-config model, which refuses the same values in the
stack file (tests/config), does not stop them first: the pack must catch them on its own, as it must under
``pulumi preview --policy-pack policies`` for any program. One gate run covers every class (a gate run costs
a program run and a pack start)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.gate.conftest import (
    REPO,
    TODAY,
    GateRun,
    assert_blocks_exactly,
    run_gate_cli,
    run_program_variant,
    stack_text,
)

WEAKENING_PROGRAM = f'''"""The committed program with one weakening edit per hole of issue 8 (classes 2-5)."""
import json
import runpy

import pulumi


def _doc(text):
    return json.loads(text)


def _weaken(args):
    t, name, props = args.type_, args.name, dict(args.props)
    if t == "rediscloud:index/subscriptionDatabase:SubscriptionDatabase":
        props["source_ips"] = ["0.0.0.0/1", "128.0.0.0/1"]                 # class 2: the internet in two halves
    elif t == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" and name == "database-proxy-from-app-0":
        props.update(cidr_ipv4="64.0.0.0/2", from_port=0, to_port=65535)  # class 2: a quarter of it, all ports
    elif t == "vercel:index/projectRoute:ProjectRoute":
        headers = dict(props["route"]["headers"])
        headers["Content-Security-Policy"] = headers["Content-Security-Policy"].replace(
            "script-src 'self'", "script-src 'self' https:")             # class 3: any https script
        del headers["Cross-Origin-Opener-Policy"]                           # class 3: a promised header dropped
        props["route"] = {{**props["route"], "headers": headers}}
    elif t == "vercel:index/firewallConfig:FirewallConfig":
        rule = dict(props["rules"]["rules"][0])
        rule["condition_groups"] = [{{"conditions": [{{"type": "path", "op": "pre", "value": "/api/v0-unused"}}]}}]
        props["rules"] = {{"rules": [rule]}}                               # class 4: a path nobody calls
    elif t == "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration" and name == "storage-backups-object-lock":
        props["rule"] = {{"default_retention": {{"mode": "GOVERNANCE", "days": 1}}}}  # class 4: a one-day lock
    elif t == "rediscloud:index/subscription:Subscription":
        provider = dict(props["cloud_provider"])
        provider["regions"] = [{{**provider["regions"][0], "multiple_availability_zones": False}}]
        props["cloud_provider"] = provider                                  # class 4: one zone
    elif t == "aws:cloudwatch/metricAlarm:MetricAlarm" and name == "monitoring-app-health":
        props.update(treat_missing_data="notBreaching", statistic="Maximum")  # class 4: never pages
    elif t == "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable" and name == "app-env-jwt-secret":
        props["targets"] = ["production", "preview"]                        # class 5: branch code reads it
    elif t == "random:index/randomPassword:RandomPassword" and name == "app-session-secret":
        props["length"] = 16                                                # class 5: a short secret
    elif t == "aws:kms/key:Key" and name == "storage-kms":
        doc = _doc(props["policy"])
        doc["Statement"].append({{"Sid": "Anyone", "Effect": "Allow", "Principal": {{"AWS": "*"}},
                                  "Action": "kms:Decrypt", "Resource": "*"}})
        props["policy"] = json.dumps(doc)                                   # class 5: a wildcard principal
    elif t == "aws:iam/rolePolicy:RolePolicy" and name == "app-metrics-role-policy":
        props["policy"] = json.dumps({{"Version": "2012-10-17", "Statement": [
            {{"Effect": "Allow", "Action": "*", "Resource": "*"}}]}})          # class 5: admin
    elif t == "aws:iam/role:Role" and name == "app-uploads-role":
        doc = _doc(props["assume_role_policy"])
        condition = doc["Statement"][0]["Condition"]
        sub = next(k for k in condition["StringEquals"] if k.endswith(":sub"))
        condition["StringLike"] = {{sub: condition["StringEquals"].pop(sub).replace("production", "*")}}
        props["assume_role_policy"] = json.dumps(doc)                       # class 5: any environment
    elif t == "aws:s3/bucketPolicy:BucketPolicy" and name == "storage-uploads-policy":
        props["policy"] = props["policy"].replace('"1.2"', '"1.0"')         # class 5: TLS 1.0 allowed
    else:
        return None
    return pulumi.ResourceTransformationResult(props, args.opts)


pulumi.runtime.register_stack_transformation(_weaken)
runpy.run_path({str(REPO / "__main__.py")!r}, run_name="__main__")
'''

# (policy, resource) -> a phrase of the message: one blocking finding per hole.
EXPECTED = {
    ("rediscloud-subscription-database-disallow-public-access", "cache-database"):
        "allows connections from too much of the internet: sourceIps open 3702258432 public IPv4 addresses",
    ("aws-ec2-security-group-disallow-public-postgres-ingress", "database-proxy-from-app-0"):
        "opens ports 0-65535 to too much of the internet",
    ("vercel-project-configure-security-headers", "app-security-headers"):
        "bare scheme https: in script-src",
    ("vercel-firewall-configure-api-rate-limit", "app-firewall"):
        "has no active rule that rate-limits every path under /api",
    ("aws-s3-backups-bucket-enable-object-lock", "storage-backups-object-lock"):
        "locks backups for 1 days; the retention needs at least 30",
    ("rediscloud-subscription-enable-multi-az", "cache-subscription"): "runs in one availability zone",
    ("monitoring-configure-required-alarms", "monitoring-app-health"):
        "treats missing data as 'notBreaching'; check app-health must treat it as breaching",
    ("vercel-env-var-require-sensitive-secrets", "app-env-jwt-secret"): "but also reaches preview",
    ("random-password-configure-strength", "app-session-secret"): "generates 16 characters; at least 32",
    ("aws-iam-policy-disallow-wildcard-grants", "storage-kms"): "statement 2 (Anyone) allows any principal ('*')",
    ("aws-iam-policy-disallow-wildcard-grants", "app-metrics-role-policy"):
        "allows every action ('*') on every resource ('*')",
    ("aws-iam-role-restrict-oidc-trust", "app-uploads-role"): "does not pin oidc.vercel.com/team_chatpdd:sub",
    ("aws-s3-bucket-enforce-tls", "storage-uploads-policy"): "denies only below TLS 1; TLS below 1.2 must be denied",
}


@pytest.fixture(scope="module")
def weakened_gate(tmp_path_factory) -> GateRun:
    return run_program_variant(tmp_path_factory, "weakened", WEAKENING_PROGRAM)


HARMLESS = {
    "rate_limit:\n      requests: 100\n": "rate_limit:\n      requests: 60\n",                  # a tighter limit
    'cors_origins: ["https://app.chatpdd.com"]':
        'cors_origins: ["https://app.chatpdd.com", "https://admin.chatpdd.com"]\n'            # a second origin
        '    extra_csp_connect_src: ["https://api.openai.com"]',                              # a specific CSP host
    "source_ips: [203.0.113.10/32, 203.0.113.11/32]": "source_ips: [203.0.113.10/32, 203.0.113.11/32, 8.8.4.4/32]",
    "app_ingress_cidrs: [10.60.0.0/20]": "app_ingress_cidrs: [10.60.0.0/20, 192.0.2.10/32]",  # a new /32
    "replica_lag_seconds: 30": "replica_lag_seconds: 15",                                     # a tighter threshold
}
STRICTER_PROGRAM = f'''"""The committed program with a stricter CSP and tighter alarm timing."""
import runpy

import pulumi


def _stricter(args):
    if args.type_ == "vercel:index/projectRoute:ProjectRoute":
        headers = dict(args.props["route"]["headers"])
        headers["Content-Security-Policy"] = headers["Content-Security-Policy"].replace(
            "default-src 'self'", "default-src 'none'") + "; require-trusted-types-for 'script'"
        return pulumi.ResourceTransformationResult({{**args.props, "route": {{**args.props["route"],
                                                                            "headers": headers}}}}, args.opts)
    if args.type_ == "aws:cloudwatch/metricAlarm:MetricAlarm" and args.name == "monitoring-app-health":
        return pulumi.ResourceTransformationResult({{**args.props, "period": 10}}, args.opts)
    return None


pulumi.runtime.register_stack_transformation(_stricter)
runpy.run_path({str(REPO / "__main__.py")!r}, run_name="__main__")
'''


@pytest.fixture(scope="module")
def harmless_gate(tmp_path_factory) -> GateRun:
    tmp = tmp_path_factory.mktemp("harmless-inputs")
    (tmp / "Pulumi.production.yaml").write_text(stack_text(HARMLESS))
    (tmp / "stricter.py").write_text(STRICTER_PROGRAM)
    return run_gate_cli(tmp_path_factory.mktemp("gate-harmless"), "--stack", "production", "--no-checkov",
                        "--today", TODAY, "--stack-file", str(tmp / "Pulumi.production.yaml"),
                        "--program", str(tmp / "stricter.py"))


def test_every_weakening_edit_blocks(weakened_gate):
    assert_blocks_exactly(weakened_gate, EXPECTED)


def test_the_dropped_header_is_named_too(weakened_gate):
    messages = [f["message"] for f in weakened_gate.report()["findings"]
                if f["policy"] == "vercel-project-configure-security-headers"]
    assert any("does not set Cross-Origin-Opener-Policy" in m for m in messages), messages


def test_no_weakening_hides_behind_an_advisory(weakened_gate):
    assert all(f["enforcement"] == "mandatory" for f in weakened_gate.report()["findings"])
    assert not [f for f in weakened_gate.report()["findings"] if "can't run policy" in f["message"]]


def test_harmless_neighbours_pass(harmless_gate):
    assert harmless_gate.code == 0, harmless_gate.stdout + harmless_gate.stderr
    assert harmless_gate.report()["findings"] == []


def test_the_harmless_edits_reached_the_resources(harmless_gate):
    export = json.loads(Path(harmless_gate.out / "stack-export.json").read_text())
    inputs = {r["urn"].rsplit("::", 1)[1]: r.get("inputs", {}) for r in export["deployment"]["resources"]}
    assert "8.8.4.4/32" in inputs["cache-database"]["sourceIps"]
    assert inputs["app-firewall"]["rules"]["rules"][0]["action"]["rateLimit"]["limit"] == 60
    assert "default-src 'none'" in inputs["app-security-headers"]["route"]["headers"]["Content-Security-Policy"]


# Weakening edits of the stack file: the config model refuses them before the program runs (exit 2, one
# paragraph naming file, key and expectation) -- the same rules as the pack's, so neither path lets them through.
STACK_FILE_WEAKENINGS = {
    "Redis allowlist in two halves": (
        {"source_ips: [203.0.113.10/32, 203.0.113.11/32]": "source_ips: [0.0.0.0/1, 128.0.0.0/1]"},
        ["chatpdd-infra:cache.source_ips", "more than one /24 of the internet"]),
    "app ingress of a /8 of public space": (
        {"app_ingress_cidrs: [10.60.0.0/20]": "app_ingress_cidrs: [10.60.0.0/20, 11.0.0.0/8]"},
        ["chatpdd-infra:network.app_ingress_cidrs", "more than one /24 of the internet"]),
    "a bare scheme injected into the CSP": (
        {'cors_origins: ["https://app.chatpdd.com"]':
         'cors_origins: ["https://app.chatpdd.com"]\n    extra_csp_connect_src: ["https:"]'},
        ["chatpdd-infra:app.extra_csp_connect_src[0]"]),
    "a directive injected into the CSP": (
        {'cors_origins: ["https://app.chatpdd.com"]':
         'cors_origins: ["https://app.chatpdd.com"]\n    extra_csp_connect_src: ["https://x.example.com; script-src *"]'},
        ["chatpdd-infra:app.extra_csp_connect_src[0]"]),
    "a rate limit above the ceiling": (
        {"rate_limit:\n      requests: 100\n      window_seconds: 60":
         "rate_limit:\n      requests: 500\n      window_seconds: 10"},
        ["chatpdd-infra:app.rate_limit", "the ceiling is 600 a minute per client"]),
    "a one-day object lock": (
        {"object_lock_days: 30": "object_lock_days: 1"},
        ["chatpdd-infra:storage.object_lock_days = 1", "greater than or equal to 30"]),
}


@pytest.mark.parametrize("case", sorted(STACK_FILE_WEAKENINGS))
def test_stack_file_weakening_exits_2(case, tmp_path):
    from tests.gate.test_bad_input import assert_bad_input

    replacements, expected = STACK_FILE_WEAKENINGS[case]
    stack_file = tmp_path / "Pulumi.production.yaml"
    stack_file.write_text(stack_text(replacements))
    run = run_gate_cli(tmp_path / "out", "--stack", "production", "--no-checkov", "--stack-file", str(stack_file))
    assert_bad_input(run, "Invalid stack config in Pulumi.production.yaml", *expected)


def test_slow_health_checks_in_the_stack_file_exit_2(tmp_path):
    from tests.gate.test_bad_input import assert_bad_input

    stack_file = tmp_path / "Pulumi.production.yaml"
    stack_file.write_text(stack_text({"health_check_interval_seconds: 30":
                                      "health_check_interval_seconds: 30\n    health_check_failure_threshold: 10"}))
    run = run_gate_cli(tmp_path / "out", "--stack", "production", "--no-checkov", "--stack-file", str(stack_file))
    assert_bad_input(run, "chatpdd-infra:monitoring", "= 300 s before a failing endpoint counts as down; at most 90 s")
