"""Inputs that name another resource name one of this stack (issue 17: the table's "a reference to another resource
of this stack" was a reason no policy checked; pointed outside, flow and access logs leave the account)."""

import pytest
from chatpdd_policies.stack_references_stay_in_stack import FIX, POLICY, REFERENCES

from tests.policies.harness import UNKNOWN_STRING, resource, run, with_props, without_props

LOG_GROUP = resource("aws:cloudwatch/logGroup:LogGroup", "network-flow-logs", {
    "name": "/chatpdd/production/vpc-flow-logs", "arn": "arn:aws:logs:us-east-1:111122223333:log-group:flow"})
ROLE = resource("aws:iam/role:Role", "network-flow-logs-role", {
    "name": "chatpdd-production-flow-logs", "arn": "arn:aws:iam::111122223333:role/chatpdd-production-flow-logs"})
FLOW_LOG = resource("aws:ec2/flowLog:FlowLog", "network-flow-log", {
    "logDestination": UNKNOWN_STRING, "iamRoleArn": UNKNOWN_STRING, "trafficType": "ALL"},
    property_dependencies={"logDestination": [LOG_GROUP.urn], "iamRoleArn": [ROLE.urn]})
LOGS_BUCKET = resource("aws:s3/bucket:Bucket", "storage-access-logs", {"bucket": "chatpdd-production-access-logs"})
LOGGING = resource("aws:s3/bucketLogging:BucketLogging", "storage-backups-logging", {
    "bucket": "chatpdd-production-backups", "targetBucket": "chatpdd-production-access-logs",
    "targetPrefix": "backups/"})
STACK = [LOG_GROUP, ROLE, FLOW_LOG, LOGS_BUCKET, LOGGING]
FOREIGN_LOG_GROUP = "arn:aws:logs:us-east-1:999988887777:log-group:collector"


def test_compliant_by_dependency_and_by_name():
    assert run(POLICY, STACK).messages == []


def test_flow_logs_delivered_to_another_accounts_log_group_block():
    outcome = run(POLICY, [LOG_GROUP, ROLE, with_props(FLOW_LOG, logDestination=FOREIGN_LOG_GROUP), LOGS_BUCKET,
                           LOGGING])
    # the literal has no dependency on the stack's log group (the harness keeps the declared one: drop it)
    assert outcome.messages == []  # a dependency still names the stack's log group: the value comes from it
    flow_log = resource("aws:ec2/flowLog:FlowLog", "network-flow-log", {
        "logDestination": FOREIGN_LOG_GROUP, "iamRoleArn": UNKNOWN_STRING, "trafficType": "ALL"},
        property_dependencies={"iamRoleArn": [ROLE.urn]})
    outcome = run(POLICY, [LOG_GROUP, ROLE, flow_log, LOGS_BUCKET, LOGGING])
    assert outcome.messages == [
        f"VPC flow log 'network-flow-log' logDestination names no LogGroup (aws:cloudwatch/logGroup:LogGroup) of this "
        f"stack. {FIX}"]
    assert outcome.urns == [flow_log.urn]


def test_access_logs_delivered_to_a_bucket_outside_the_stack_block():
    assert run(POLICY, [*STACK[:4], with_props(LOGGING, targetBucket="attacker-collector")]).messages == [
        f"S3 bucket logging 'storage-backups-logging' targetBucket names no Bucket (aws:s3/bucket:Bucket) of this "
        f"stack. {FIX}"]


def test_a_value_unknown_at_preview_without_a_dependency_fails_closed():
    flow_log = resource("aws:ec2/flowLog:FlowLog", "network-flow-log", {
        "logDestination": UNKNOWN_STRING, "iamRoleArn": UNKNOWN_STRING},
        property_dependencies={"iamRoleArn": [ROLE.urn]})
    assert run(POLICY, [LOG_GROUP, ROLE, flow_log]).messages == [
        "VPC flow log 'network-flow-log': logDestination is unknown at preview and taken from no LogGroup "
        f"(aws:cloudwatch/logGroup:LogGroup) of this stack, so where it points cannot be verified. {FIX}"]


def test_a_missing_reference_passes_here():
    """Absence is the table row's to judge (a flow log without a destination, a log group without a key)."""
    assert run(POLICY, [LOG_GROUP, without_props(LOGGING, "targetBucket"),
                        without_props(FLOW_LOG, "iamRoleArn")]).messages == []


def test_a_dependency_on_a_resource_of_another_type_does_not_count():
    flow_log = with_props(FLOW_LOG)
    flow_log.property_dependencies = {"logDestination": [LOGS_BUCKET.urn], "iamRoleArn": [ROLE.urn]}
    assert len(run(POLICY, [LOG_GROUP, ROLE, flow_log, LOGS_BUCKET]).messages) == 1


@pytest.mark.parametrize(("resource_type", "prop"), sorted(REFERENCES))
def test_every_reference_is_enforced_in_the_table(resource_type, prop):
    """Each input this policy judges has its table row point here (a harmless row would hide the rule)."""
    from chatpdd_policies._input_table import TYPES
    table = TYPES.get(resource_type)
    if table is None:  # a type the program does not register (the default-deny policy blocks it anyway)
        return
    row = table.rows.get(prop)
    assert row is not None and (row.kind, row.arg) == ("enforced", POLICY.name), (resource_type, prop, row)
