"""Issue 17 through the WHOLE gate (``python -m gate preview``): one pull request per class, each a small edit
of an input no named rule read before -- deletion and recovery, grants, alerts, managed-service defaults,
address space in other spellings, headers, resource options -- blocks (exit 1) with exactly those findings;
the harmless neighbours (a new tag, a stricter value, a new classified input) pass (exit 0). Like
tests/gate/test_weakening.py, the edits are a stack transformation around the real ``__main__.py``."""

from __future__ import annotations

import pytest

from tests.gate.conftest import REPO, TODAY, GateRun, assert_blocks_exactly, run_gate_cli, run_program_variant

PROGRAM = f'''"""The committed program with one issue-17 weakening per class."""
import json
import runpy

import pulumi


def _weaken(args):
    t, name, props, opts = args.type_, args.name, dict(args.props), args.opts
    if t == "aws:s3/bucket:Bucket" and name == "storage-uploads":
        props["force_destroy"] = True                                        # deletion: destroyable with data
    elif t == "aws:rds/instance:Instance" and name == "database-primary":
        props["delete_automated_backups"] = True                             # deletion: backups go with it
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(ignore_changes=["deletion_protection"]))
    elif t == "aws:kms/key:Key" and name == "storage-kms":
        props["deletion_window_in_days"] = 7                                 # deletion: short key window
    elif t == "aws:sns/topic:Topic" and name == "monitoring-critical":
        props["policy"] = json.dumps({{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow",
            "Principal": {{"AWS": "arn:aws:iam::999988887777:root"}}, "Action": "sns:Subscribe", "Resource": "*"}}]}})
    elif t == "aws:kms/key:Key" and name == "database-key":                 # grants: another account decrypts
        props["policy"] = json.dumps({{"Version": "2012-10-17", "Statement": [
            {{"Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::111122223333:root"}}, "Action": "kms:*",
             "Resource": "*"}},
            {{"Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::999988887777:root"}}, "Action": "kms:Decrypt",
             "Resource": "*"}}]}})
    elif t == "aws:route53/healthCheck:HealthCheck" and name == "monitoring-app-health":
        props["invert_healthcheck"] = True                                   # alerts: inverted health check
    elif t == "aws:rds/proxy:Proxy":
        props["debug_logging"] = True                                        # managed default: SQL in logs
    elif t == "aws:ec2/flowLog:FlowLog":
        props["traffic_type"] = "REJECT"                                     # managed default: part of traffic
        props["log_destination"] = "arn:aws:logs:us-east-1:999988887777:log-group:collector"  # logs leave
    elif t == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" and name == "database-proxy-from-app-0":
        props["cidr_ipv6"] = "2002::/16"                                     # address space: 6to4 = all IPv4
    elif t == "vercel:index/projectRoute:ProjectRoute":
        headers = dict(props["route"]["headers"])
        headers["Content-Security-Policy"] = headers["Content-Security-Policy"].replace(
            "script-src 'self'", "script-src 'self' https://cdn.jsdelivr.net")  # headers: anyone's scripts
        headers["Permissions-Policy"] = "usb=()"                             # headers: camera etc. allowed
        props["route"] = {{**props["route"], "headers": headers}}
    elif t == "aws:s3/bucket:Bucket" and name == "storage-backups":
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(retain_on_delete=True))  # options
    else:
        return None
    return pulumi.ResourceTransformationResult(props, opts)


pulumi.runtime.register_stack_transformation(_weaken)
runpy.run_path({str(REPO / "__main__.py")!r}, run_name="__main__")
'''

TABLE_RULE = "stack-inputs-allow-only-classified"
# (policy, resource) -> a phrase of the message.
EXPECTED = {
    (TABLE_RULE, "storage-uploads"): "input forceDestroy is true, but the table requires false",
    (TABLE_RULE, "database-primary"): "input deleteAutomatedBackups is true, but the table requires false",
    (TABLE_RULE, "storage-kms"): "input deletionWindowInDays is 7, but the table requires {at_least: 30}",
    (TABLE_RULE, "monitoring-critical"): "input policy is set, but the table requires the provider default",
    ("aws-iam-policy-restrict-foreign-principals", "monitoring-critical"):
        "statement 0 grants the AWS principal 'arn:aws:iam::999988887777:root' of account 999988887777",
    ("aws-iam-policy-restrict-foreign-principals", "database-key"):
        "statement 1 grants the AWS principal 'arn:aws:iam::999988887777:root' of account 999988887777",
    (TABLE_RULE, "monitoring-app-health"): "input invertHealthcheck is true, but the table requires false",
    (TABLE_RULE, "database-proxy"): "input debugLogging is true, but the table requires false",
    (TABLE_RULE, "network-flow-log"): "input trafficType is another value, but the table requires 'ALL'",
    ("stack-references-stay-in-stack", "network-flow-log"):
        "logDestination names no LogGroup (aws:cloudwatch/logGroup:LogGroup) of this stack",
    ("aws-ec2-security-group-disallow-public-postgres-ingress", "database-proxy-from-app-0"):
        "opens port 5432 to too much of the internet: its CIDRs open 3702258432 public IPv4 addresses",
    ("vercel-project-configure-security-headers", "app-security-headers"):
        "https://cdn.jsdelivr.net in script-src serves third-party or user content",
    ("gate-resource-options", "storage-backups"): "resource option retainOnDelete is True, but the table requires False",
}


@pytest.fixture(scope="module")
def weakened(tmp_path_factory) -> GateRun:
    return run_program_variant(tmp_path_factory, "default-deny", PROGRAM)


def test_every_class_blocks(weakened):
    assert_blocks_exactly(weakened, EXPECTED)


def test_ignore_changes_and_permissions_policy_are_named_too(weakened):
    messages = [f["message"] for f in weakened.report()["findings"]]
    assert any("ignores changes to 'deletionProtection'" in m for m in messages), messages
    assert any("Permissions-Policy (does not deny camera, microphone, geolocation)" in m for m in messages), messages


HARMLESS = f'''"""The committed program with harmless neighbours: a new tag, a stricter value, a new classified input."""
import runpy

import pulumi


def _neighbour(args):
    t, name, props = args.type_, args.name, dict(args.props)
    if t == "aws:s3/bucket:Bucket" and name == "storage-uploads":
        props["tags"] = {{**props["tags"], "CostCenter": "42"}}              # a new tag
    elif t == "aws:cloudwatch/logGroup:LogGroup":
        props["retention_in_days"] = 3653                                   # a stricter value
    elif t == "aws:sns/topic:Topic" and name == "monitoring-critical":
        props["display_name"] = "ChatPDD critical"                          # a new classified input
    elif t == "aws:rds/instance:Instance" and name == "database-primary":
        return pulumi.ResourceTransformationResult(props, pulumi.ResourceOptions.merge(
            args.opts, pulumi.ResourceOptions(ignore_changes=["tags"])))   # ignoreChanges on a harmless input
    else:
        return None
    return pulumi.ResourceTransformationResult(props, args.opts)


pulumi.runtime.register_stack_transformation(_neighbour)
runpy.run_path({str(REPO / "__main__.py")!r}, run_name="__main__")
'''


def test_harmless_neighbours_pass(tmp_path):
    (tmp_path / "neighbours.py").write_text(HARMLESS)
    run = run_gate_cli(tmp_path / "out", "--stack", "production", "--no-checkov", "--today", TODAY,
                       "--program", str(tmp_path / "neighbours.py"))
    assert run.code == 0, run.stdout + run.stderr
    assert run.report()["findings"] == []
