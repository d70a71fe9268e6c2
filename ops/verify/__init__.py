"""``ops verify``: the live account against the stack outputs and the checklist."""

from __future__ import annotations

import ssl

from ops.aws import Aws
from ops.outputs import Outputs
from ops.verify.database import check_database
from ops.verify.health import check_health, tls_context
from ops.verify.monitoring import check_alarms, check_health_checks, check_topic
from ops.verify.result import Result, table
from ops.verify.storage import check_storage

__all__ = ["Result", "run_verify", "table", "tls_context"]


def run_verify(aws: Aws, outputs: Outputs, tls: ssl.SSLContext, budget_ms: int) -> list[Result]:
    """Every verify check against the live account, in table order."""
    # Read every section first: a bad outputs file stops before any AWS call.
    database, storage, monitoring, app = outputs.database(), outputs.storage(), outputs.monitoring(), outputs.app()
    results = check_database(aws.client("rds"), database)
    results += check_storage(aws.client("s3"), aws.client("backup"), storage, Aws(storage.dr_region).client("s3"))
    for severity, arn in monitoring.topic_arns.items():
        results += check_topic(aws.client("sns"), severity, arn)
    results += check_alarms(aws.client("cloudwatch"), monitoring, bool(database.replica_identifiers))
    results += check_health_checks(aws.client("route53"), monitoring)
    return results + check_health(app, tls, budget_ms)
