"""chatpdd-infra: the production infrastructure of ChatPDD.

Thin on purpose: load the typed config once (invalid config stops here, before any resource is
registered), build one component per concern, export what operators and `ops verify` need.
The resource contract between these components and the policy pack is docs/architecture.md.
"""

import pulumi

from components.base import StackContext
from components.cache import Cache, CacheArgs
from components.database import Database, DatabaseArgs
from components.monitoring import Monitoring, MonitoringArgs
from components.network import Network, NetworkArgs
from components.providers import create_providers
from components.storage import Storage, StorageArgs
from components.synthetics import Synthetics, SyntheticsArgs
from components.vercel_app import VercelApp, VercelAppArgs
from stacks import runtime

config = runtime.load()
context = StackContext(
    stack=pulumi.get_stack(),
    owner=config.owner,
    data_classification=config.data_classification,
    account_id=config.aws.allowed_account_ids[0],
    region=config.aws.region,
)
providers = create_providers(config)
opts = pulumi.ResourceOptions(providers=providers.all)

network = Network("network", NetworkArgs(context=context, settings=config.network), opts)
database = Database(
    "database",
    DatabaseArgs(
        context=context,
        settings=config.database,
        vpc_id=network.vpc_id,
        subnet_ids=network.subnet_ids,
        availability_zones=config.network.availability_zones,
        app_ingress_cidrs=config.network.app_ingress_cidrs,
        dr_provider=providers.aws_dr,
        dr_region=config.storage.dr_region,
    ),
    opts,
)
storage = Storage(
    "storage",
    StorageArgs(
        context=context,
        settings=config.storage,
        cors_origins=config.app.cors_origins,
        database_arns=[database.primary_arn],
        dr_provider=providers.aws_dr,
    ),
    opts,
)
cache = Cache("cache", CacheArgs(context=context, settings=config.cache, backup_path=storage.redis_backup_path), opts)
app = VercelApp(
    "app",
    VercelAppArgs(
        context=context,
        settings=config.app,
        database_url=database.url,
        database_read_url=database.read_url,
        redis_url=cache.url,
        uploads_bucket=storage.uploads_bucket,
        uploads_bucket_arn=storage.uploads_bucket_arn,
        max_upload_size_mb=config.storage.max_upload_size_mb,
        uploads_kms_alias=storage.uploads_kms_alias,
    ),
    opts,
)
monitoring = Monitoring(
    "monitoring",
    MonitoringArgs(
        context=context,
        settings=config.monitoring,
        database=config.database,
        primary_identifier=database.primary_identifier,
        replica_identifiers=database.replica_identifiers,
        proxy_name=database.proxy_name,
        app_domain=config.app.domain,
        us_east_1_provider=providers.aws_us_east_1,
    ),
    opts,
)

synthetics = Synthetics(
    "synthetics",
    SyntheticsArgs(
        context=context,
        settings=config.monitoring,
        app_domain=config.app.domain,
        artifacts_bucket=storage.canary_artifacts_bucket,
        artifacts_kms_key_arn=storage.kms_key_arn,
        artifacts_kms_alias=storage.kms_alias,
        topic_arns=monitoring.topic_arns,
    ),
    opts,
)

# Outputs: the shape `ops verify` reads (docs/architecture.md, "Stack outputs"). No secret is exported.
pulumi.export("stack", context.stack)
pulumi.export("region", context.region)
pulumi.export("database", {
    "primary_identifier": database.primary_identifier,
    "replica_identifiers": database.replica_identifiers,
    "proxy_name": database.proxy_name,
    "proxy_endpoint": database.proxy_endpoint,
    "proxy_read_only_endpoint": database.proxy_read_only_endpoint,
    "kms_key_arn": database.kms_key_arn,
    "backup_retention_days": config.database.backup_retention_days,
    # The replicated automated backups (None when the stack does not replicate them): `ops restore-drill --dr`.
    "dr_backup_replication": config.database.dr_backup_replication,
    "dr_region": config.storage.dr_region,
    "dr_kms_key_arn": database.dr_kms_key_arn,
})
pulumi.export("storage", {
    "backups_bucket": storage.backups_bucket,
    "uploads_bucket": storage.uploads_bucket,
    "backup_vault_name": storage.backup_vault_name,
    "backup_plan_id": storage.backup_plan_id,
    "kms_key_arn": storage.kms_key_arn,
    "access_logs_bucket": storage.access_logs_bucket,
    "dr_bucket": storage.dr_bucket,
    "dr_region": storage.dr_region,
    "canary_artifacts_bucket": storage.canary_artifacts_bucket,
})
pulumi.export("cache", {
    "subscription_id": cache.subscription_id,
    "database_id": cache.database_id,
    "endpoint": cache.endpoint,
})
pulumi.export("monitoring", {
    "topic_arns": monitoring.topic_arns,
    "alarms": monitoring.alarms,
    "health_check_ids": monitoring.health_check_ids,
    "dashboard_name": monitoring.dashboard_name,
})
pulumi.export("synthetics", {"canary_names": synthetics.canary_names, "alarms": synthetics.alarms})
pulumi.export("app", {"base_url": app.base_url, "health_urls": app.health_urls, "project_id": app.project_id})
