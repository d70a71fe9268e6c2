"""A checklist-compliant production account built in moto, and the stack outputs that describe it."""

from __future__ import annotations

import copy
import functools
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from stacks.checklist import ALARM_CHECKS, HEALTH_ENDPOINTS

PREFIX = "chatpdd-production"
PRIMARY = f"{PREFIX}-db"
REPLICA = f"{PREFIX}-db-replica-1"
PROXY = f"{PREFIX}-proxy"
PARAMETER_GROUP = f"{PREFIX}-pg16"
SUBNET_GROUP = f"{PREFIX}-db-subnets"
BUCKETS = (f"{PREFIX}-backups", f"{PREFIX}-uploads")
ACCESS_LOGS_BUCKET = f"{PREFIX}-access-logs"
DR_BUCKET = f"{PREFIX}-backups-dr"
DR_REGION = "us-west-2"
LOG_PREFIXES = {BUCKETS[0]: "backups/", BUCKETS[1]: "uploads/"}
VAULT = f"{PREFIX}-vault"
PUBLIC_ACCESS_BLOCK = dict.fromkeys(("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                     "RestrictPublicBuckets"), True)


def alarm_name(check_id: str, resource: str = "") -> str:
    return f"{PREFIX}-{check_id}" + (f"-{resource}" if resource else "")


@dataclass
class Account:
    directory: Path
    outputs: dict[str, Any]
    db_key: str
    storage_key: str

    @property
    def outputs_path(self) -> Path:
        return self.directory / "outputs.json"

    def write_outputs(self, outputs: dict[str, Any] | str, name: str) -> Path:
        path = self.directory / name
        path.write_text(outputs if isinstance(outputs, str) else json.dumps(outputs, indent=2))
        return path

    def outputs_with(self, key: str, value: Any, name: str = "changed-outputs.json") -> Path:
        """A copy of the outputs file with one key path changed."""
        return self.write_outputs(with_key(self.outputs, key, value), name)


def with_key(outputs: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    """A deep copy of ``outputs`` with the dotted ``key`` set to ``value`` (``KeyError`` deletes it)."""
    data = copy.deepcopy(outputs)
    *parents, last = key.split(".")
    node = data
    for part in parents:
        node = node[part]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return data


# A well-formed outputs file that matches no account: for tests that stop before AWS answers.
SAMPLE_OUTPUTS: dict[str, Any] = {
    "stack": "production",
    "region": "us-east-1",
    "database": {"primary_identifier": PRIMARY, "replica_identifiers": [], "proxy_name": PROXY,
                 "kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/db"},
    "storage": {"backups_bucket": BUCKETS[0], "uploads_bucket": BUCKETS[1], "backup_vault_name": VAULT,
                "backup_plan_id": "plan", "kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/storage",
                "access_logs_bucket": ACCESS_LOGS_BUCKET, "dr_bucket": DR_BUCKET, "dr_region": DR_REGION},
    "monitoring": {"topic_arns": {s: f"arn:aws:sns:us-east-1:123456789012:{PREFIX}-{s}"
                                  for s in ("critical", "warning", "info")},
                   "alarms": {"memory-critical": [alarm_name("memory-critical")]},
                   "health_check_ids": {"/api/health": "hc"}},
    "app": {"base_url": "https://app.chatpdd.example", "health_urls": ["https://app.chatpdd.example/api/health"]},
}


def sample_outputs_file(directory: Path, key: str | None = None, value: Any = None) -> Path:
    path = directory / "outputs.json"
    path.write_text(json.dumps(with_key(SAMPLE_OUTPUTS, key, value) if key else SAMPLE_OUTPUTS))
    return path


def create_primary(rds: Any, *, encrypted_with: str | None, in_vpc: bool = True) -> dict[str, Any]:
    """The primary as the program declares it; ``encrypted_with=None`` makes the drifted variant."""
    encryption = {"StorageEncrypted": True, "KmsKeyId": encrypted_with} if encrypted_with else {}
    network = {"DBSubnetGroupName": SUBNET_GROUP} if in_vpc else {}
    return rds.create_db_instance(
        DBInstanceIdentifier=PRIMARY, Engine="postgres", EngineVersion="16.4", DBInstanceClass="db.m6g.large",
        MasterUsername="chatpdd", MasterUserPassword="not-a-real-password", AllocatedStorage=100,
        MultiAZ=True, BackupRetentionPeriod=30, DeletionProtection=True, DBParameterGroupName=PARAMETER_GROUP,
        PubliclyAccessible=False, **network, **encryption,
    )["DBInstance"]


def create_parameter_group(rds: Any) -> None:
    rds.create_db_parameter_group(DBParameterGroupName=PARAMETER_GROUP, DBParameterGroupFamily="postgres16",
                                  Description="chatpdd")
    rds.modify_db_parameter_group(DBParameterGroupName=PARAMETER_GROUP, Parameters=[
        {"ParameterName": "max_connections", "ParameterValue": "200", "ApplyMethod": "pending-reboot"},
        {"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "pending-reboot"},
    ])


def build_database(rds: Any, ec2: Any, db_key: str) -> dict[str, Any]:
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=f"us-east-1{az}")
               ["Subnet"]["SubnetId"] for i, az in enumerate("ab", start=1)]
    rds.create_db_subnet_group(DBSubnetGroupName=SUBNET_GROUP, DBSubnetGroupDescription="db", SubnetIds=subnets)
    create_parameter_group(rds)
    create_primary(rds, encrypted_with=db_key)
    rds.create_db_instance_read_replica(DBInstanceIdentifier=REPLICA, SourceDBInstanceIdentifier=PRIMARY,
                                        AvailabilityZone="us-east-1b")
    rds.create_db_proxy(
        DBProxyName=PROXY, EngineFamily="POSTGRESQL", RequireTLS=True, VpcSubnetIds=subnets,
        RoleArn="arn:aws:iam::123456789012:role/chatpdd-production-proxy",
        Auth=[{"AuthScheme": "SECRETS",
               "SecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:chatpdd-production-proxy"}])
    rds.modify_db_proxy_target_group(TargetGroupName="default", DBProxyName=PROXY,
                                     ConnectionPoolConfig={"MaxConnectionsPercent": 90})
    rds.register_db_proxy_targets(DBProxyName=PROXY, DBInstanceIdentifiers=[PRIMARY])
    return {"primary_identifier": PRIMARY, "replica_identifiers": [REPLICA], "proxy_name": PROXY,
            "proxy_endpoint": f"{PROXY}.proxy.example", "proxy_read_only_endpoint": f"{PROXY}-ro.proxy.example",
            "kms_key_arn": db_key, "backup_retention_days": 30}


def build_access_logs(s3: Any) -> None:
    """The access-logs bucket (SSE-S3: log delivery refuses SSE-KMS) and server access logging of the
    backups and uploads buckets into it. moto, like S3, refuses PutBucketLogging until the target's
    policy lets the logging service write, so the policy comes first, as in the program."""
    s3.create_bucket(Bucket=ACCESS_LOGS_BUCKET)
    s3.put_bucket_encryption(Bucket=ACCESS_LOGS_BUCKET, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    s3.put_bucket_versioning(Bucket=ACCESS_LOGS_BUCKET, VersioningConfiguration={"Status": "Enabled"})
    s3.put_public_access_block(Bucket=ACCESS_LOGS_BUCKET, PublicAccessBlockConfiguration=PUBLIC_ACCESS_BLOCK)
    s3.put_bucket_policy(Bucket=ACCESS_LOGS_BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": f"S3ServerAccessLogs{i}", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{ACCESS_LOGS_BUCKET}/{prefix}*",
        "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{source}"}}}
        for i, (source, prefix) in enumerate(LOG_PREFIXES.items())]}))
    for source, prefix in LOG_PREFIXES.items():
        s3.put_bucket_logging(Bucket=source, BucketLoggingStatus={"LoggingEnabled": {
            "TargetBucket": ACCESS_LOGS_BUCKET, "TargetPrefix": prefix}})


def build_disaster_recovery(s3: Any, dr_s3: Any, dr_key: str) -> None:
    """The replica in DR_REGION (its own key, object lock) and the backups bucket's replication to it."""
    dr_s3.create_bucket(Bucket=DR_BUCKET, CreateBucketConfiguration={"LocationConstraint": DR_REGION},
                        ObjectLockEnabledForBucket=True)
    dr_s3.put_bucket_encryption(Bucket=DR_BUCKET, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": dr_key},
        "BucketKeyEnabled": True}]})
    dr_s3.put_bucket_versioning(Bucket=DR_BUCKET, VersioningConfiguration={"Status": "Enabled"})
    dr_s3.put_public_access_block(Bucket=DR_BUCKET, PublicAccessBlockConfiguration=PUBLIC_ACCESS_BLOCK)
    s3.put_bucket_replication(Bucket=BUCKETS[0], ReplicationConfiguration={
        "Role": f"arn:aws:iam::123456789012:role/{PREFIX}-backups-replication",
        "Rules": [{"ID": "disaster-recovery", "Status": "Enabled", "Priority": 1, "Filter": {},
                   "DeleteMarkerReplication": {"Status": "Disabled"},
                   "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
                   "Destination": {"Bucket": f"arn:aws:s3:::{DR_BUCKET}", "StorageClass": "STANDARD_IA",
                                   "EncryptionConfiguration": {"ReplicaKmsKeyID": dr_key}}}]})


def build_storage(s3: Any, backup: Any, storage_key: str, dr_s3: Any, dr_key: str) -> dict[str, Any]:
    for bucket in BUCKETS:
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": storage_key},
            "BucketKeyEnabled": True}]})
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=PUBLIC_ACCESS_BLOCK)
    build_access_logs(s3)
    build_disaster_recovery(s3, dr_s3, dr_key)
    backup.create_backup_vault(BackupVaultName=VAULT, EncryptionKeyArn=storage_key)
    plan = backup.create_backup_plan(BackupPlan={"BackupPlanName": f"{PREFIX}-plan", "Rules": [{
        "RuleName": "daily", "TargetBackupVaultName": VAULT, "ScheduleExpression": "cron(0 5 * * ? *)",
        "Lifecycle": {"DeleteAfterDays": 35}}]})
    return {"backups_bucket": BUCKETS[0], "uploads_bucket": BUCKETS[1], "backup_vault_name": VAULT,
            "backup_plan_id": plan["BackupPlanId"], "kms_key_arn": storage_key,
            "access_logs_bucket": ACCESS_LOGS_BUCKET, "dr_bucket": DR_BUCKET, "dr_region": DR_REGION}


def build_monitoring(sns: Any, cloudwatch: Any, route53: Any, key: str) -> dict[str, Any]:
    topics = {}
    for severity in ("critical", "warning", "info"):
        arn = sns.create_topic(Name=f"{PREFIX}-{severity}", Attributes={"KmsMasterKeyId": key})["TopicArn"]
        sns.subscribe(TopicArn=arn, Protocol="email", Endpoint=f"oncall+{severity}@chatpdd.example")
        topics[severity] = arn
    alarms: dict[str, list[str]] = {}
    for check in ALARM_CHECKS.values():
        # disk-warning is required on the primary and on each replica: two alarms for one check
        resources = ["primary", "replica-1"] if check.check_id == "disk-warning" else [""]
        alarms[check.check_id] = [alarm_name(check.check_id, r) for r in resources]
        for name in alarms[check.check_id]:
            cloudwatch.put_metric_alarm(
                AlarmName=name, Namespace="ChatPDD/App", MetricName=check.check_id, Statistic="Average",
                Period=60, EvaluationPeriods=3, Threshold=check.limit, ComparisonOperator=check.comparison,
                ActionsEnabled=True, AlarmActions=[topics[check.severity]],
                Tags=[{"Key": "Check", "Value": check.check_id}, {"Key": "Severity", "Value": check.severity}])
    health_checks = {
        path: route53.create_health_check(CallerReference=f"chatpdd{path}", HealthCheckConfig={
            "Type": "HTTPS", "ResourcePath": path, "FullyQualifiedDomainName": "app.chatpdd.example",
            "Port": 443, "MeasureLatency": True, "RequestInterval": 30, "FailureThreshold": 3})["HealthCheck"]["Id"]
        for path in HEALTH_ENDPOINTS
    }
    return {"topic_arns": topics, "alarms": alarms, "health_check_ids": health_checks,
            "dashboard_name": f"{PREFIX}-dashboard"}


@functools.cache
def session() -> boto3.session.Session:
    """One session for the test process: parsing the API models again for every build is slow."""
    return boto3.session.Session(region_name="us-east-1")


def client(service: str, region: str | None = None) -> Any:
    return session().client(service, region_name=region)


def build_account(directory: Path, health_base_url: str) -> Account:
    """Everything the program would have created, then the matching ``pulumi stack output --json``.

    The three concerns are independent, so they are built concurrently (moto serves each request in
    its own thread); clients are created first, in this thread, as boto3 sessions are not thread-safe.
    """
    kms = client("kms")
    db_key = kms.create_key(Description="chatpdd-production-db")["KeyMetadata"]["Arn"]
    storage_key = kms.create_key(Description="chatpdd-production-storage")["KeyMetadata"]["Arn"]
    dr_key = client("kms", DR_REGION).create_key(Description="chatpdd-production-storage-dr")["KeyMetadata"]["Arn"]
    rds, ec2, s3, backup, sns, cloudwatch, route53 = (
        client(s) for s in ("rds", "ec2", "s3", "backup", "sns", "cloudwatch", "route53"))
    dr_s3 = client("s3", DR_REGION)
    with ThreadPoolExecutor(max_workers=3) as pool:
        database = pool.submit(build_database, rds, ec2, db_key)
        storage = pool.submit(build_storage, s3, backup, storage_key, dr_s3, dr_key)
        monitoring = pool.submit(build_monitoring, sns, cloudwatch, route53, storage_key)
    outputs = {
        "stack": "production",
        "region": "us-east-1",
        "database": database.result(),
        "storage": storage.result(),
        "monitoring": monitoring.result(),
        "cache": {"subscription_id": "1234", "database_id": "5678", "endpoint": "redis.chatpdd.example:12000"},
        "app": {"base_url": health_base_url,
                "health_urls": [f"{health_base_url}{path}" for path in HEALTH_ENDPOINTS]},
    }
    account = Account(directory, outputs, db_key, storage_key)
    account.write_outputs(outputs, account.outputs_path.name)
    return account


def build_primary_only(directory: Path) -> Account:
    """Just the encrypted primary and the outputs' database section: enough for snapshot, restore-drill
    and cleanup-snapshots, and much cheaper (no VPC: moto's EC2 backend is slow to start)."""
    rds = client("rds")
    db_key = client("kms").create_key(Description="chatpdd-production-db")["KeyMetadata"]["Arn"]
    create_parameter_group(rds)
    create_primary(rds, encrypted_with=db_key, in_vpc=False)
    outputs = {"stack": "production", "region": "us-east-1",
               "database": {"primary_identifier": PRIMARY, "replica_identifiers": [], "proxy_name": PROXY,
                            "kms_key_arn": db_key, "backup_retention_days": 30}}
    account = Account(directory, outputs, db_key, storage_key="")
    account.write_outputs(outputs, account.outputs_path.name)
    return account
