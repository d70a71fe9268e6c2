"""aws-rds-proxy-configure-connection-pool (stack): every RDS primary is fronted by an RDS Proxy
(an ``aws:rds/proxyTarget:ProxyTarget`` whose ``dbInstanceIdentifier`` is the primary) whose default
target group gives the application a pool of at least ``minPoolConnections`` (checklist: ``MIN_POOL_CONNECTIONS``+)
connections:

    pool = max_connections (the primary's parameter group) x connectionPoolConfig.maxConnectionsPercent / 100

``max_connections`` must be set explicitly in the parameter group (the engine default is a formula of
the instance memory that cannot be evaluated at preview): otherwise the policy fails closed. TLS on
the proxy is ``aws-rds-proxy-enforce-tls``.
"""

from typing import Optional

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from chatpdd_policies._checklist import MIN_POOL_CONNECTIONS
from chatpdd_policies._threshold import Threshold, defaults
from chatpdd_policies._util import (
    MISSING,
    RDS_INSTANCE,
    RDS_PARAMETER_GROUP,
    RDS_PROXY,
    RDS_PROXY_TARGET,
    RDS_PROXY_TARGET_GROUP,
    UNKNOWN,
    Report,
    as_number,
    checklist_reference,
    fmt,
    label,
    lookup,
    pg_parameter,
    rds_primaries,
    referenced,
    resources_of_type,
    stack_policy,
    unknown_message,
)

POOL = Threshold("minPoolConnections", MIN_POOL_CONNECTIONS, "at-least", "connections",
                 "Smallest connection pool the proxy may give the app.", minimum=1)
DEFAULTS = defaults(POOL)
STACK_CONFIG_KEYS = ("database.proxy_max_connections_percent", "database.max_connections")
RULE = "the proxy's connection pool size"


def _max_connections(args: StackValidationArgs, primary: PolicyResource) -> tuple[Optional[float], str]:
    """(max_connections, "") or (None, the fail-closed message)."""
    groups = referenced(args, primary, "parameterGroupName", RDS_PARAMETER_GROUP, "name")
    if not groups:
        return None, (f"{label(primary)} does not use a parameter group of this stack, so max_connections and "
                      f"{RULE} cannot be computed at preview. Fix: set parameter_group_name to the stack's "
                      f"parameter group and set max_connections in it.")
    value = pg_parameter(groups[0].props, "max_connections")
    if value is UNKNOWN:
        return None, unknown_message(label(groups[0]), "parameters[max_connections]", RULE)
    number = as_number(value)
    if number is None:
        shown = "does not set max_connections" if value is MISSING else f"sets max_connections={value}"
        return None, (f"{label(groups[0])} {shown}, so {RULE} of {label(primary)} cannot be computed at "
                      f"preview. Fix: set max_connections to an explicit number.")
    return number, ""


def _check_primary(args: StackValidationArgs, primary: PolicyResource, minimum: float,
                   report_violation: Report) -> None:
    targets = [t for t in resources_of_type(args, RDS_PROXY_TARGET)
               if primary in referenced(args, t, "dbInstanceIdentifier", RDS_INSTANCE, "identifier")]
    if not targets:
        report_violation(f"{label(primary)} is not fronted by an RDS Proxy. Fix: add an aws.rds.ProxyTarget with "
                         f"db_instance_identifier set to the primary's identifier.", primary.urn)
        return
    proxies = referenced(args, targets[0], "dbProxyName", RDS_PROXY, "name")
    if not proxies:
        report_violation(f"{label(targets[0])} does not name an RDS proxy of this stack. Fix: set db_proxy_name "
                         f"to the proxy's name.", targets[0].urn)
        return
    groups = [g for g in resources_of_type(args, RDS_PROXY_TARGET_GROUP)
              if proxies[0] in referenced(args, g, "dbProxyName", RDS_PROXY, "name")]
    if not groups:
        report_violation(f"{label(proxies[0])} has no default target group, so {RULE} cannot be verified. Fix: add "
                         f"an aws.rds.ProxyDefaultTargetGroup with connection_pool_config.", proxies[0].urn)
        return
    group = groups[0]
    percent = lookup(group.props, "connectionPoolConfig", "maxConnectionsPercent")
    if percent is UNKNOWN:
        report_violation(unknown_message(label(group), "connectionPoolConfig.maxConnectionsPercent", RULE), group.urn)
        return
    percent = 100.0 if percent is MISSING else as_number(percent)  # absent = the AWS default, 100 %
    max_connections, problem = _max_connections(args, primary)
    if problem:
        report_violation(problem, group.urn)
        return
    pool = int((max_connections or 0) * (percent or 0) / 100)
    if pool < minimum:
        report_violation(f"{label(group)} gives {label(primary)} a pool of {pool} connections (max_connections "
                         f"{fmt(max_connections)} x maxConnectionsPercent {fmt(percent)} / 100); at least "
                         f"{fmt(minimum)} required. Fix: raise max_connections_percent or max_connections.",
                         group.urn)


def _validate(args: StackValidationArgs, report_violation: Report) -> None:
    minimum = POOL.value(args)
    for primary in rds_primaries(args):
        _check_primary(args, primary, minimum, report_violation)


POLICY = stack_policy(
    name="aws-rds-proxy-configure-connection-pool",
    description="RDS primaries must be fronted by an RDS Proxy with a connection pool of at least "
                "minPoolConnections.",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps="Add an aws.rds.Proxy, a ProxyDefaultTargetGroup with connection_pool_config."
                      "max_connections_percent and a ProxyTarget for the primary; set max_connections in the "
                      f"parameter group so that max_connections x percent / 100 >= minPoolConnections ({MIN_POOL_CONNECTIONS}).",
    reference=checklist_reference("Pre-Deployment Preparation", "Database Configuration",
                                  "Database connection pool size optimized (recommended: 50+ connections)"),
    tags=["aws", "rds", "rds-proxy", "performance"],
    thresholds=(POOL,),
)
