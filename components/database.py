"""Database: PostgreSQL on RDS (Multi-AZ primary, read replicas) behind an RDS Proxy.

Checklist lines served here: "Database Configuration" (URL, pool of 50+, performance tuning, read
replicas), "Database encryption at rest enabled", "Connection pooling configured", "Slow query
monitoring enabled", "Network security groups configured", "Lock wait times". The resource contract
(what the policy pack checks) is docs/architecture.md, section "Database".

Traffic path: app (Vercel Secure Compute, `app_ingress_cidrs`) -> RDS Proxy (TLS required, pooled)
-> primary. Nothing else reaches PostgreSQL: the database security group admits only the proxy's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.base import (
    TYPE_PREFIX,
    StackContext,
    assume_role_policy,
    child,
    customer_managed_key,
    key_grant,
    secret_arn_pattern,
    stateful,
)
from stacks.checklist import RDS_CA_CERT_IDENTIFIERS, ROLE_RDS_PRIMARY, ROLE_RDS_PROXY, ROLE_RDS_REPLICA
from stacks.models import DatabaseSettings

POSTGRES_PORT = 5432
# The current RSA CA; pinned so a region's default never silently changes it (policy
# aws-rds-instance-configure-ca-certificate).
CA_CERT_IDENTIFIER = RDS_CA_CERT_IDENTIFIERS[0]  # the first of the CAs the pack allows
# Both exported to CloudWatch Logs: `postgresql` carries the slow-query and lock-wait lines the
# parameter group turns on, `upgrade` the engine upgrade log (checklist "Slow query monitoring enabled").
LOG_EXPORTS = ["postgresql", "upgrade"]
# Windows in UTC, off-peak for US users (22:00-02:00 US Eastern), never overlapping: the automated
# backup runs after the 03:00 AWS Backup job (Storage) has started, maintenance after the backup.
# Replicas are patched in a later window, so reads and the primary are never restarted together.
BACKUP_WINDOW = "05:00-06:00"
MAINTENANCE_WINDOW = "sun:06:30-sun:07:30"
REPLICA_MAINTENANCE_WINDOW = "sun:08:00-sun:09:00"
ENHANCED_MONITORING_POLICY = "policy/service-role/AmazonRDSEnhancedMonitoringRole"
# Characters RDS accepts in a master password (anything printable but / ' " @ and space) that also
# need no escaping in a URL's userinfo (RFC 3986 "unreserved"): the password goes into DATABASE_URL.
PASSWORD_SPECIALS = "-_.~"


def engine_major(engine_version: str) -> str:
    """The major version of a PostgreSQL engine version (``16.4`` -> ``16``)."""
    return engine_version.split(".")[0]


def parameter_group_family(engine_version: str) -> str:
    """The parameter group family of an engine version (``postgres16``)."""
    return f"postgres{engine_major(engine_version)}"


def parameters(s: DatabaseSettings) -> list[aws.rds.ParameterGroupParameterArgsDict]:
    """The PostgreSQL settings this stack relies on, each with the reason it is set.

    `immediate` for dynamic parameters, `pending-reboot` for static ones (RDS refuses `immediate` on a
    static parameter; a new instance boots with every value anyway)."""

    def p(name: str, value: object, apply_method: str = "immediate") -> aws.rds.ParameterGroupParameterArgsDict:
        return {"name": name, "value": str(value), "apply_method": apply_method}

    return [
        # Refuse any connection without TLS, whoever opens it (checklist "Data in transit encryption
        # verified"; policy aws-rds-parameter-group-enforce-ssl).
        p("rds.force_ssl", 1, "pending-reboot"),
        # Log every statement slower than the checklist's "Database query time < 100ms"
        # (checklist "Slow query monitoring enabled"; policy aws-rds-parameter-group-configure-slow-query-log).
        p("log_min_duration_statement", s.slow_query_ms),
        # Explicit instead of the instance-memory formula, so the proxy pool (max_connections x
        # proxy_max_connections_percent / 100) is a number at preview (policy
        # aws-rds-proxy-configure-connection-pool). Static: takes effect at the next reboot.
        p("max_connections", s.max_connections, "pending-reboot"),
        # Per-statement statistics for "Query performance analyzed" and "Database indexes optimized
        # for collaboration queries" (pg_stat_statements view; RDS's default already, pinned here). Static.
        p("shared_preload_libraries", "pg_stat_statements", "pending-reboot"),
        # Connection attempts in the log: through the proxy these are few (pooled), so a burst of them
        # is the signal of pool churn or of someone connecting from elsewhere (checklist "Connection
        # handling and reconnection tested").
        p("log_connections", 1),
        # A line for every lock wait longer than deadlock_timeout (1 s): checklist "Lock wait times"
        # and the deadlock check in its troubleshooting section.
        p("log_lock_waits", 1),
        # End sessions that sit idle inside an open transaction for a minute: they hold locks, block
        # vacuum and pin an RDS Proxy connection (a transaction pins it), shrinking the pool for everyone.
        p("idle_in_transaction_session_timeout", 60000),
        # Deliberately NOT set: statement_timeout. A server-wide limit would also kill migrations
        # (CREATE INDEX CONCURRENTLY on large tables), pg_dump and restores; the app sets its own per
        # role (ALTER ROLE ... SET statement_timeout) where a request budget applies.
    ]


@dataclass(frozen=True)
class DatabaseArgs:
    """What the Database component needs: the stack, its database settings and the network to live in."""
    context: StackContext
    settings: DatabaseSettings
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]  # Sequence: a list of Output[str] is one (list is invariant)
    availability_zones: list[str]
    app_ingress_cidrs: list[str]
    # Providers.aws_dr (region storage.dr_region): where the primary's automated backups are replicated.
    dr_provider: pulumi.ProviderResource | None = None
    dr_region: str | None = None


class Database(pulumi.ComponentResource):
    """RDS PostgreSQL: an encrypted Multi-AZ primary, read replicas and the RDS Proxy the app connects through."""
    primary_identifier: str  # set explicitly from the stack name: known at preview
    primary_arn: pulumi.Output[str]
    replica_identifiers: list[str]
    proxy_name: str
    proxy_endpoint: pulumi.Output[str]
    proxy_read_only_endpoint: pulumi.Output[str]
    kms_key_arn: pulumi.Output[str]
    dr_kms_key_arn: pulumi.Output[str] | None  # the key of the replicated backups in dr_region (None: not replicated)
    url: pulumi.Output[str]  # secret: postgresql://user:password@<proxy>:5432/<db>?sslmode=require
    read_url: pulumi.Output[str]  # secret: the URL for read-only work (see _urls)
    parameter_group_name: str  # explicit names, passed to the instances as known strings
    subnet_group_name: str
    replica_availability_zones: list[str]
    pool_connections: int

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:Database", name, None, opts)
        ctx, s = args.context, args.settings
        if s.proxy_max_idle_connections_percent > s.proxy_max_connections_percent:
            raise ValueError("database.proxy_max_idle_connections_percent must not exceed "
                             "proxy_max_connections_percent (RDS Proxy refuses it)")

        self.primary_identifier = ctx.name("db")
        self.primary_arn = pulumi.Output.from_input(
            f"arn:{ctx.partition}:rds:{ctx.region}:{ctx.account_id}:db:{self.primary_identifier}")
        self.replica_identifiers = [ctx.name(f"db-replica-{i}") for i in range(1, s.read_replicas + 1)]
        self.proxy_name = ctx.name("db-proxy")
        self.pool_connections = s.pool_connections
        # Replicas go to the zones other than the first (the primary's preferred one), round robin.
        # A Multi-AZ primary cannot be pinned to a zone (CreateDBInstance refuses AvailabilityZone
        # with MultiAZ) and may fail over to its standby's; replicas at least never share the first.
        others = args.availability_zones[1:] or args.availability_zones
        self.replica_availability_zones = [others[i % len(others)] for i in range(s.read_replicas)]

        key = self._key(name, ctx)
        group = self._parameter_group(name, ctx, s)
        subnet_group, db_sg, proxy_sg = self._network(name, ctx, args)
        password, secret, secret_version = self._credentials(name, ctx, s, key)
        monitoring_role = self._monitoring_role(name, ctx)
        primary = self._primary(name, ctx, s, key, group, subnet_group, db_sg, monitoring_role, password)
        self._replicas(name, ctx, s, key, group, db_sg, monitoring_role, primary)
        proxy = self._proxy(name, ctx, s, args, key, secret, secret_version, proxy_sg, primary)
        self.dr_kms_key_arn = self._backup_replication(name, ctx, s, args, primary)

        self.kms_key_arn = key.arn
        self.proxy_endpoint = proxy.endpoint
        self._urls(s, password, proxy)
        self.register_outputs({
            "primary_identifier": self.primary_identifier,
            "primary_arn": self.primary_arn,
            "replica_identifiers": self.replica_identifiers,
            "proxy_name": self.proxy_name,
            "proxy_endpoint": self.proxy_endpoint,
            "proxy_read_only_endpoint": self.proxy_read_only_endpoint,
            "kms_key_arn": self.kms_key_arn,
            "dr_kms_key_arn": self.dr_kms_key_arn,
            "url": self.url,
            "read_url": self.read_url,
        })

    # -- encryption ------------------------------------------------------------------------------
    def _key(self, name: str, ctx: StackContext) -> aws.kms.Key:
        """One customer-managed key for storage, snapshots, Performance Insights and the proxy's
        secret (checklist "Database encryption at rest enabled", "Backup encryption verified"):
        rotated yearly, 30 days to cancel a deletion, and protected. RDS, Performance Insights and
        Secrets Manager use it through grants made by IAM principals, which the key policy delegates."""
        return customer_managed_key(
            self, f"{name}-key", ctx, alias=ctx.name("db"), alias_resource_name=f"{name}-key",
            description=f"{ctx.prefix} database: storage, snapshots, Performance Insights, proxy secret",
            role="db-kms",
        )

    # -- disaster recovery -----------------------------------------------------------------------
    def _backup_replication(self, name: str, ctx: StackContext, s: DatabaseSettings, args: DatabaseArgs,
                            primary: aws.rds.Instance) -> pulumi.Output[str] | None:
        """Cross-region automated backups (checklist "test-disaster-recovery.ts"; RDS User Guide, "Replicating
        automated backups to another AWS Region"): RDS copies the primary's snapshots and transaction logs into
        `dr_region`, so a point-in-time restore there survives the loss of the stack's region. Encrypted with a
        CMK of that region (RDS re-encrypts the copies with it), kept as long as the primary keeps its own, and
        protected. Staging may turn it off (database.dr_backup_replication; the pack's staging config allows it)."""
        if not s.dr_backup_replication:
            return None
        if args.dr_provider is None or args.dr_region is None:
            raise ValueError("database.dr_backup_replication needs the disaster-recovery provider and region")
        dr = {"provider": args.dr_provider}
        dr_key = customer_managed_key(
            self, f"{name}-dr-key", ctx, alias=ctx.name("db-dr"), alias_resource_name=f"{name}-dr-key-alias",
            description=f"{ctx.prefix} database: replicated automated backups of the primary ({args.dr_region})",
            role="db-dr-kms", provider=args.dr_provider,
        )
        aws.rds.InstanceAutomatedBackupsReplication(
            f"{name}-backups-replication",
            source_db_instance_arn=self.primary_arn,
            kms_key_id=dr_key.arn,
            retention_period=s.backup_retention_days,
            opts=stateful(self, depends_on=[primary], **dr),
        )
        return dr_key.arn

    # -- engine settings -------------------------------------------------------------------------
    def _parameter_group(self, name: str, ctx: StackContext, s: DatabaseSettings) -> aws.rds.ParameterGroup:
        family = parameter_group_family(s.engine_version)
        # The family is in the name: a major upgrade creates the next group beside this one (create
        # before delete), instead of trying to delete a group the running instance still uses.
        self.parameter_group_name = ctx.name(f"db-{family}")
        return aws.rds.ParameterGroup(
            f"{name}-parameters",
            name=self.parameter_group_name,
            family=family,
            description=f"{ctx.prefix} PostgreSQL: TLS only, slow-query and lock-wait logging, fixed max_connections",
            parameters=parameters(s),
            tags=ctx.tags(role="db-parameters"),
            opts=child(self),
        )

    # -- network ---------------------------------------------------------------------------------
    def _network(self, name: str, ctx: StackContext, args: DatabaseArgs,
                 ) -> tuple[aws.rds.SubnetGroup, aws.ec2.SecurityGroup, aws.ec2.SecurityGroup]:
        self.subnet_group_name = ctx.name("db")
        subnet_group = aws.rds.SubnetGroup(
            f"{name}-subnets",
            name=self.subnet_group_name,
            description=f"{ctx.prefix} database: the private subnets, one per availability zone",
            subnet_ids=args.subnet_ids,
            tags=ctx.tags(role="db-subnets"),
            opts=child(self),
        )
        # Two groups, two hops (checklist "Network security groups configured"): the app's networks
        # may reach the proxy, only the proxy may reach the database. Rules are separate resources
        # (one per CIDR) so adding a network never rewrites the others. Neither group keeps AWS's
        # default allow-all egress (the provider revokes it): the database initiates nothing, the
        # proxy only connects to the database. RDS Proxy reads its secret from Secrets Manager over
        # AWS's own network, not through these ENIs.
        db_sg = aws.ec2.SecurityGroup(
            f"{name}-db-sg",
            name=ctx.name("db"),
            description="PostgreSQL instances: 5432 from the RDS Proxy only",
            vpc_id=args.vpc_id,
            tags=ctx.tags(role="db-sg", Name=ctx.name("db")),
            opts=child(self),
        )
        proxy_sg = aws.ec2.SecurityGroup(
            f"{name}-proxy-sg",
            name=ctx.name("db-proxy"),
            description="RDS Proxy: 5432 from the app's declared networks only",
            vpc_id=args.vpc_id,
            tags=ctx.tags(role="db-proxy-sg", Name=ctx.name("db-proxy")),
            opts=child(self),
        )
        for i, cidr in enumerate(args.app_ingress_cidrs):
            # The config model already refuses 0.0.0.0/0 and ::/0; this is the app's peered network.
            peer = {"cidr_ipv6": cidr} if ":" in cidr else {"cidr_ipv4": cidr}
            self._postgres_rule(aws.vpc.SecurityGroupIngressRule, f"{name}-proxy-from-app-{i}", proxy_sg,
                                f"PostgreSQL from the app network {cidr} (Vercel Secure Compute)",
                                ctx.tags(role="db-proxy-ingress"), **peer)
        self._postgres_rule(aws.vpc.SecurityGroupEgressRule, f"{name}-proxy-to-db", proxy_sg,
                            "PostgreSQL to the database instances", ctx.tags(role="db-proxy-egress"),
                            referenced_security_group_id=db_sg.id)
        self._postgres_rule(aws.vpc.SecurityGroupIngressRule, f"{name}-db-from-proxy", db_sg,
                            "PostgreSQL from the RDS Proxy", ctx.tags(role="db-ingress"),
                            referenced_security_group_id=proxy_sg.id)
        return subnet_group, db_sg, proxy_sg

    def _postgres_rule(self, rule_type: type[aws.vpc.SecurityGroupIngressRule | aws.vpc.SecurityGroupEgressRule],
                       resource_name: str, security_group: aws.ec2.SecurityGroup, description: str,
                       tags: dict[str, str], **peer: pulumi.Input[str]) -> None:
        """One TCP 5432 rule of `security_group` to or from `peer` (a CIDR or a security group)."""
        rule_type(resource_name, security_group_id=security_group.id, ip_protocol="tcp", from_port=POSTGRES_PORT,
                  to_port=POSTGRES_PORT, description=description, tags=tags, opts=child(self), **peer)

    # -- credentials -----------------------------------------------------------------------------
    def _credentials(self, name: str, ctx: StackContext, s: DatabaseSettings, key: aws.kms.Key,
                     ) -> tuple[random.RandomPassword, aws.secretsmanager.Secret, aws.secretsmanager.SecretVersion]:
        """The master password, generated and never in config: the RDS password, the proxy's secret
        and the URLs all come from it. Bump `database.credentials_rotation` to rotate all three in
        one `pulumi up` (checklist "JWT and authentication secrets rotated"); clients holding a
        pooled connection keep it, new ones authenticate with the new secret."""
        password = random.RandomPassword(
            f"{name}-master-password",
            length=40,
            special=True,
            override_special=PASSWORD_SPECIALS,
            min_lower=2, min_upper=2, min_numeric=2,
            keepers={"rotation": str(s.credentials_rotation)},
            opts=child(self, additional_secret_outputs=["result"]),
        )
        secret = aws.secretsmanager.Secret(
            f"{name}-proxy-credentials",
            name=ctx.name("db-proxy-credentials"),
            description=f"{ctx.prefix} PostgreSQL master credentials, read by the RDS Proxy",
            kms_key_id=key.arn,
            # A deleted secret stays recoverable for 30 days (the proxy cannot authenticate without it).
            recovery_window_in_days=30,
            tags=ctx.tags(role="db-proxy-credentials"),
            opts=child(self),
        )
        # The JSON shape RDS Proxy reads (RDS User Guide, "Setting up database credentials for RDS Proxy").
        secret_string: pulumi.Output[str] = pulumi.Output.secret(pulumi.Output.json_dumps(
            {"username": s.master_username, "password": password.result}))
        version = aws.secretsmanager.SecretVersion(
            f"{name}-proxy-credentials", secret_id=secret.id, secret_string=secret_string, opts=child(self),
        )
        return password, secret, version

    def _monitoring_role(self, name: str, ctx: StackContext) -> aws.iam.Role:
        """Enhanced Monitoring publishes OS metrics (memory, load, per-process) as this role: the
        checklist's "Memory and CPU usage" at the instance's monitoring interval."""
        role = aws.iam.Role(
            f"{name}-monitoring",
            name=ctx.name("rds-monitoring"),
            assume_role_policy=assume_role_policy(ctx, "monitoring.rds.amazonaws.com"),
            tags=ctx.tags(role="rds-monitoring"),
            opts=child(self),
        )
        self._monitoring_attachment = aws.iam.RolePolicyAttachment(
            f"{name}-monitoring",
            role=role.name,
            policy_arn=f"arn:{ctx.partition}:iam::aws:{ENHANCED_MONITORING_POLICY}",
            opts=child(self),
        )
        return role

    # -- instances -------------------------------------------------------------------------------
    def _instance_common(self, s: DatabaseSettings, key: aws.kms.Key, db_sg: aws.ec2.SecurityGroup,
                         monitoring_role: aws.iam.Role) -> dict[str, Any]:
        """Settings the primary and every replica share."""
        return dict(
            vpc_security_group_ids=[db_sg.id],
            publicly_accessible=False,
            port=POSTGRES_PORT,
            parameter_group_name=self.parameter_group_name,
            storage_type="gp3",
            # Storage autoscaling up to this ceiling instead of an outage on a full disk.
            max_allocated_storage=s.max_allocated_storage_gb,
            storage_encrypted=True,
            kms_key_id=key.arn,
            iam_database_authentication_enabled=True,
            performance_insights_enabled=True,
            performance_insights_kms_key_id=key.arn,
            performance_insights_retention_period=s.performance_insights_retention_days,
            monitoring_interval=s.monitoring_interval_seconds,
            monitoring_role_arn=monitoring_role.arn,
            enabled_cloudwatch_logs_exports=LOG_EXPORTS,
            ca_cert_identifier=CA_CERT_IDENTIFIER,
            # Minor versions carry security fixes; they land in the maintenance window.
            auto_minor_version_upgrade=True,
            copy_tags_to_snapshot=True,
            deletion_protection=True,
        )

    def _primary(self, name: str, ctx: StackContext, s: DatabaseSettings, key: aws.kms.Key,
                 group: aws.rds.ParameterGroup, subnet_group: aws.rds.SubnetGroup, db_sg: aws.ec2.SecurityGroup,
                 monitoring_role: aws.iam.Role, password: random.RandomPassword) -> aws.rds.Instance:
        # The final snapshot's name must be new each time an instance of this identifier is deleted:
        # after a restore (which deletes the previous instance under the plain name) the next one
        # carries the restore's fingerprint.
        final_snapshot = f"{self.primary_identifier}-final"
        master_password: pulumi.Output[str] = pulumi.Output.secret(password.result)
        if s.restore_snapshot_id:
            final_snapshot += "-" + hashlib.sha256(s.restore_snapshot_id.encode()).hexdigest()[:8]
        return aws.rds.Instance(
            f"{name}-primary",
            identifier=self.primary_identifier,
            engine="postgres",
            # NOTE: with auto_minor_version_upgrade the provider only tolerates AWS's upgrades when
            # this is a prefix of the running version ("16" runs 16.x): a full "16.4" reads as a
            # downgrade once AWS has patched the instance.
            engine_version=s.engine_version,
            instance_class=s.instance_class,
            db_name=s.database_name,
            username=s.master_username,
            password=master_password,
            # A standby in a second zone with synchronous replication and automatic failover.
            multi_az=True,
            db_subnet_group_name=self.subnet_group_name,
            allocated_storage=s.allocated_storage_gb,
            backup_retention_period=s.backup_retention_days,
            backup_window=BACKUP_WINDOW,
            maintenance_window=MAINTENANCE_WINDOW,
            # Automated backups outlive the instance until their retention ends: a deleted or replaced
            # primary can still be restored to a point in time.
            delete_automated_backups=False,
            skip_final_snapshot=False,
            final_snapshot_identifier=final_snapshot,
            # Restore (the checklist's "restore-backup" path): setting `database.restore_snapshot_id`
            # REPLACES this instance -- the provider deletes the current one first (its identifier is
            # fixed), leaving its final snapshot and automated backups, and creates a new one from the
            # snapshot under the same identifier and endpoint. Two guards make that deliberate:
            # `protect` (Pulumi refuses: `pulumi state unprotect <urn>`) and deletion protection (AWS
            # refuses: turn it off with `aws rds modify-db-instance --no-deletion-protection`).
            # AWS promotes the old primary's replicas to standalone instances when it is deleted, so
            # replace them in the same update: `pulumi up --replace <replica urn>` (also unprotected).
            # Drill a restore first with `python -m ops restore-drill`, which never touches this one.
            snapshot_identifier=s.restore_snapshot_id,
            tags=ctx.tags(role=ROLE_RDS_PRIMARY, Name=self.primary_identifier),
            opts=stateful(self, depends_on=[group, subnet_group, self._monitoring_attachment]),
            **self._instance_common(s, key, db_sg, monitoring_role),
        )

    def _replicas(self, name: str, ctx: StackContext, s: DatabaseSettings, key: aws.kms.Key,
                  group: aws.rds.ParameterGroup, db_sg: aws.ec2.SecurityGroup, monitoring_role: aws.iam.Role,
                  primary: aws.rds.Instance) -> list[aws.rds.Instance]:
        """Read replicas (checklist "Read replicas configured (if applicable)"): asynchronous copies
        in other zones, promotable should the primary and its Multi-AZ standby both be lost, and
        the subject of the replica-lag alarm. Encrypted with the primary's key; no backups or final snapshot of their
        own (the primary's cover the data), so deleting one needs neither."""
        replicas = []
        for i, (identifier, az) in enumerate(zip(self.replica_identifiers, self.replica_availability_zones, strict=True), 1):
            replicas.append(aws.rds.Instance(
                f"{name}-replica-{i}",
                identifier=identifier,
                # The primary's identifier, a known string (same region and no subnet group given: the
                # replica lands in the primary's subnet group and VPC).
                replicate_source_db=self.primary_identifier,
                instance_class=s.replica_instance_class or s.instance_class,
                availability_zone=az,
                multi_az=False,
                maintenance_window=REPLICA_MAINTENANCE_WINDOW,
                skip_final_snapshot=True,
                tags=ctx.tags(role=ROLE_RDS_REPLICA, Name=identifier),
                opts=stateful(self, depends_on=[primary, group, self._monitoring_attachment]),
                **self._instance_common(s, key, db_sg, monitoring_role),
            ))
        return replicas

    # -- connection pooling ----------------------------------------------------------------------
    def _proxy(self, name: str, ctx: StackContext, s: DatabaseSettings, args: DatabaseArgs, key: aws.kms.Key,
               secret: aws.secretsmanager.Secret, secret_version: aws.secretsmanager.SecretVersion,
               proxy_sg: aws.ec2.SecurityGroup, primary: aws.rds.Instance) -> aws.rds.Proxy:
        """RDS Proxy: the app's only entry (checklist "Connection pooling configured", pool of 50+).
        Serverless functions open connections per invocation; the proxy multiplexes them onto at most
        max_connections x proxy_max_connections_percent / 100 database connections."""
        role = aws.iam.Role(
            f"{name}-proxy",
            name=ctx.name("db-proxy"),
            assume_role_policy=assume_role_policy(ctx, "rds.amazonaws.com"),
            tags=ctx.tags(role=ROLE_RDS_PROXY),
            opts=child(self),
        )
        # Read that one secret, and decrypt it with that one key only on Secrets Manager's behalf.
        role_policy = aws.iam.RolePolicy(
            f"{name}-proxy",
            role=role.id,
            # Known at preview (the secret's name pattern, the key by its alias): the pack judges it there.
            policy=json.dumps({
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                     "Resource": secret_arn_pattern(ctx, ctx.name("db-proxy-credentials"))},
                    {"Effect": "Allow", "Action": "kms:Decrypt", **key_grant(ctx, ctx.name("db"), condition={
                        "StringEquals": {"kms:ViaService": f"secretsmanager.{ctx.region}.amazonaws.com"}})},
                ],
            }),
            opts=child(self),
        )
        proxy = aws.rds.Proxy(
            f"{name}-proxy",
            name=self.proxy_name,
            engine_family="POSTGRESQL",
            # TLS from every client (checklist "Data in transit encryption verified"; policy
            # aws-rds-proxy-enforce-tls). The proxy's certificate comes from ACM.
            require_tls=True,
            idle_client_timeout=s.proxy_idle_client_timeout_seconds,
            # Debug logging would write SQL text (and the data in it) to CloudWatch.
            debug_logging=False,
            role_arn=role.arn,
            vpc_subnet_ids=args.subnet_ids,
            vpc_security_group_ids=[proxy_sg.id],
            auths=[{
                "auth_scheme": "SECRETS",
                "secret_arn": secret.arn,
                "iam_auth": "DISABLED",
                "client_password_auth_type": "POSTGRES_SCRAM_SHA_256",
                "description": "The app's credentials (DATABASE_URL)",
            }],
            tags=ctx.tags(role=ROLE_RDS_PROXY, Name=self.proxy_name),
            opts=child(self, depends_on=[role_policy, secret_version]),
        )
        pool = aws.rds.ProxyDefaultTargetGroup(
            f"{name}-proxy-pool",
            db_proxy_name=self.proxy_name,
            connection_pool_config={
                # The pool: this share of the primary's max_connections; the rest stays for
                # migrations, operators and RDS itself.
                "max_connections_percent": s.proxy_max_connections_percent,
                "max_idle_connections_percent": s.proxy_max_idle_connections_percent,
                "connection_borrow_timeout": s.proxy_connection_borrow_timeout_seconds,
            },
            opts=child(self, depends_on=[proxy]),
        )
        aws.rds.ProxyTarget(
            f"{name}-proxy-primary",
            db_proxy_name=self.proxy_name,
            target_group_name="default",
            db_instance_identifier=self.primary_identifier,
            opts=child(self, depends_on=[pool, primary]),
        )
        return proxy

    def _urls(self, s: DatabaseSettings, password: random.RandomPassword, proxy: aws.rds.Proxy) -> None:
        """DATABASE_URL and DATABASE_READ_URL, both secret.

        Deviation from the contract (docs/architecture.md): no READ_ONLY aws.rds.ProxyEndpoint. RDS
        Proxy targets only the writer of an RDS (non-Aurora) instance and routes read-only endpoints
        to Aurora readers alone; requests to a read-only endpoint of a proxy whose target is an RDS
        instance fail (RDS User Guide, "Quotas and limitations for RDS Proxy"; Aurora User Guide,
        "Using reader endpoints with Aurora clusters"). So the read URL goes through the proxy to the
        primary, pooled and TLS-only, in every stack; the replicas stand by for promotion."""

        def to_url(args: list[str]) -> str:
            secret_password, host = args
            return (f"postgresql://{quote(s.master_username, safe='')}:{quote(secret_password, safe='')}"
                    f"@{host}:{POSTGRES_PORT}/{s.database_name}?sslmode=require")

        self.proxy_read_only_endpoint = proxy.endpoint
        self.url = pulumi.Output.secret(pulumi.Output.all(password.result, proxy.endpoint).apply(to_url))
        self.read_url = pulumi.Output.secret(
            pulumi.Output.all(password.result, self.proxy_read_only_endpoint).apply(to_url))
