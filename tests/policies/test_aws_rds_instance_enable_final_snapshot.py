from chatpdd_policies.aws_rds_instance_enable_final_snapshot import POLICY

from tests.policies.fixtures import PRIMARY, REPLICA
from tests.policies.harness import UNKNOWN_BOOL, UNKNOWN_STRING, run, with_props, without_props


def test_compliant_primary():
    assert run(POLICY, PRIMARY).messages == []


def test_skip_final_snapshot():
    assert run(POLICY, with_props(PRIMARY, skipFinalSnapshot=True)).messages == [
        "RDS instance 'chatpdd-production-db' skips the final snapshot on deletion. "
        "Fix: set skip_final_snapshot=False and a final_snapshot_identifier."]


def test_missing_identifier():
    assert run(POLICY, without_props(PRIMARY, "finalSnapshotIdentifier")).messages == [
        "RDS instance 'chatpdd-production-db' has no finalSnapshotIdentifier, so no final snapshot can be taken. "
        "Fix: set final_snapshot_identifier."]


def test_missing_skip_flag_is_the_snapshotting_default():
    assert run(POLICY, without_props(PRIMARY, "skipFinalSnapshot")).messages == []


def test_unknown_skip_flag_fails_closed():
    assert run(POLICY, with_props(PRIMARY, skipFinalSnapshot=UNKNOWN_BOOL)).messages == [
        "RDS instance 'chatpdd-production-db': skipFinalSnapshot is unknown at preview, so the final snapshot "
        "cannot be verified. Fix: set it from a literal or stack config."]


def test_unknown_identifier_is_still_set():
    assert run(POLICY, with_props(PRIMARY, finalSnapshotIdentifier=UNKNOWN_STRING)).messages == []


def test_replica_skipping_is_not_applicable():
    outcome = run(POLICY, REPLICA)
    assert outcome.messages == [] and outcome.not_applicable is not None
