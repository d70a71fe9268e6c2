"""``ops verify``: the live account against the stack outputs and the checklist."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime

from ops.aws import Aws
from ops.outputs import Outputs
from ops.verify.database import check_database
from ops.verify.health import check_health, tls_context
from ops.verify.monitoring import check_alarms, check_health_checks, check_topic
from ops.verify.result import Result, table
from ops.verify.storage import check_storage
from ops.verify.synthetics import check_canaries

__all__ = ["Result", "run_verify", "table", "tls_context"]


def run_verify(aws: Aws, outputs: Outputs, tls: ssl.SSLContext, budget_ms: int) -> list[Result]:
    """Every verify check against the live account, in table order."""
    # Read every section first: a bad outputs file stops before any AWS call.
    database, storage, monitoring, app = outputs.database(), outputs.storage(), outputs.monitoring(), outputs.app()
    canaries = outputs.canary_names()
    results = check_database(aws.client("rds"), database)
    results += check_storage(aws.client("s3"), aws.client("backup"), storage, Aws(storage.dr_region).client("s3"))
    for severity, arn in monitoring.topic_arns.items():
        results += check_topic(aws.client("sns"), severity, arn)
    results += check_alarms(aws.client("cloudwatch"), monitoring, bool(database.replica_identifiers))
    results += check_health_checks(aws.client("route53"), monitoring)
    if canaries is not None:  # outputs of a stack deployed before the canaries have no `synthetics` section
        results += check_canaries(aws.client("synthetics"), canaries, datetime.now(UTC))
    return results + check_health(app, tls, budget_ms)
