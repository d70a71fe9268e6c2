"""Loading and validating the stack outputs file (``pulumi stack output --json``).

The shape is the contract in docs/architecture.md ("Stack outputs"). Each command reads only the
sections it needs, so a pre-deploy snapshot is not blocked by a key that this very deployment adds.
Every problem names the file, the key path and what was expected, and exits 2.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ops.errors import OpsError
from stacks.checklist import ALARM_CHECKS
from stacks.safe_yaml import InputFileError, loads_json, read_text

SEVERITIES = ("critical", "warning", "info")
MAX_OUTPUTS_BYTES = 8 * 1024 * 1024  # a stack's outputs are kilobytes


@dataclass(frozen=True)
class Database:
    """The database outputs ``ops`` reads."""
    primary_identifier: str
    replica_identifiers: tuple[str, ...]
    proxy_name: str
    kms_key_arn: str


@dataclass(frozen=True)
class DrBackups:
    """Where the primary's automated backups are replicated (``database.dr_*``)."""
    region: str
    kms_key_arn: str


@dataclass(frozen=True)
class Storage:
    """The storage outputs ``ops`` reads."""
    backups_bucket: str
    uploads_bucket: str
    backup_vault_name: str
    backup_plan_id: str
    kms_key_arn: str
    access_logs_bucket: str  # target of the backups and uploads buckets' server access logs
    dr_bucket: str  # cross-region replica of the backups bucket
    dr_region: str  # where dr_bucket lives


@dataclass(frozen=True)
class Monitoring:
    """The monitoring outputs ``ops`` reads."""
    topic_arns: dict[str, str]  # severity -> topic ARN
    alarms: dict[str, tuple[str, ...]]  # checklist check id -> alarm names
    health_check_ids: dict[str, str]  # health endpoint path -> Route 53 health check id


@dataclass(frozen=True)
class App:
    """The app outputs ``ops`` reads."""
    base_url: str
    health_urls: tuple[str, ...]


class Outputs:
    """The parsed outputs file, with typed accessors that name the file and key on any problem."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self._data = data

    @classmethod
    def load(cls, path: str | Path) -> Outputs:
        """Read and parse an outputs file; OpsError naming the file on any problem."""
        path = Path(path)
        expected = "expected the JSON written by `pulumi stack output --json`"
        try:
            path.stat()
        except OSError as exc:
            raise OpsError(f"{path}: cannot read the outputs file ({exc.strerror or exc}); {expected}") from None
        try:  # bounded size and depth, not binary, no duplicate keys (stacks/safe_yaml.py)
            data = loads_json(read_text(path, str(path), MAX_OUTPUTS_BYTES), str(path))
        except InputFileError as exc:
            raise OpsError(f"{exc}; {expected}") from None
        except json.JSONDecodeError as exc:
            raise OpsError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
                           f"{expected}") from None
        if not isinstance(data, dict):
            raise OpsError(f"{path}: top level is {type(data).__name__}; expected a JSON object of outputs")
        return cls(path, data)

    # -- typed accessors -------------------------------------------------------------------------
    def _fail(self, key: str, problem: str, expected: str) -> OpsError:
        return OpsError(f"{self.path}: key '{key}' {problem}; expected {expected}")

    def _get(self, key: str, expected: str) -> Any:
        node: Any = self._data
        for i, part in enumerate(key.split(".")):
            if not isinstance(node, dict):
                parent = ".".join(key.split(".")[:i])
                raise self._fail(parent, f"is {type(node).__name__}", "an object")
            if part not in node:
                raise self._fail(key, "is missing", expected)
            node = node[part]
        if node == "[secret]":
            raise self._fail(key, "is a masked secret", f"{expected} (export it without marking it secret)")
        return node

    def string(self, key: str, expected: str = "a non-empty string") -> str:
        """The non-empty string at ``key`` (a dotted path); OpsError naming file and key otherwise."""
        value = self._get(key, expected)
        if not isinstance(value, str) or not value:
            raise self._fail(key, f"is {json.dumps(value)}", expected)
        return value

    def optional_string(self, key: str) -> str | None:
        """The string at ``key``, or None when it is absent."""
        try:
            return self.string(key)
        except OpsError:
            return None

    def strings(self, key: str, expected: str = "a list of non-empty strings") -> tuple[str, ...]:
        """The list of non-empty strings at ``key``."""
        value = self._get(key, expected)
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self._fail(key, f"is {json.dumps(value)}", expected)
        return tuple(value)

    def string_map(self, key: str, expected: str) -> dict[str, str]:
        """The string-to-string map at ``key``."""
        value = self._get(key, expected)
        if not isinstance(value, dict) or not all(isinstance(v, str) and v for v in value.values()):
            raise self._fail(key, f"is {json.dumps(value)}", expected)
        return dict(value)

    # -- sections ---------------------------------------------------------------------------------
    def region(self) -> str | None:
        """The stack's AWS region, if the outputs name one."""
        return self.optional_string("region")

    def database(self) -> Database:
        """The ``database`` outputs."""
        return Database(
            primary_identifier=self.string("database.primary_identifier", "the primary's RDS identifier"),
            replica_identifiers=self.strings("database.replica_identifiers",
                                             "a list of replica RDS identifiers (may be empty)"),
            proxy_name=self.string("database.proxy_name", "the RDS Proxy name"),
            kms_key_arn=self.string("database.kms_key_arn", "the ARN of the database KMS key"),
        )

    def dr_backups(self) -> DrBackups:
        """The replicated automated backups of the primary; refused when the stack does not replicate them."""
        enabled = self._get("database.dr_backup_replication", "true or false")
        if enabled is not True:
            raise self._fail("database.dr_backup_replication", f"is {json.dumps(enabled)}",
                             "true (this stack does not replicate its automated backups; staging may not)")
        return DrBackups(region=self.string("database.dr_region", "the disaster-recovery AWS region"),
                         kms_key_arn=self.string("database.dr_kms_key_arn",
                                                 "the ARN of the replicated backups' KMS key"))

    def canary_names(self) -> dict[str, str] | None:
        """``synthetics.canary_names`` (role -> canary name), or None for outputs of a stack without canaries."""
        if "synthetics" not in self._data:
            return None
        return self.string_map("synthetics.canary_names", "an object role -> Synthetics canary name")

    def storage(self) -> Storage:
        """The ``storage`` outputs."""
        return Storage(
            backups_bucket=self.string("storage.backups_bucket", "the backups bucket name"),
            uploads_bucket=self.string("storage.uploads_bucket", "the uploads bucket name"),
            backup_vault_name=self.string("storage.backup_vault_name", "the AWS Backup vault name"),
            backup_plan_id=self.string("storage.backup_plan_id", "the AWS Backup plan id"),
            kms_key_arn=self.string("storage.kms_key_arn", "the ARN of the storage KMS key"),
            access_logs_bucket=self.string("storage.access_logs_bucket", "the S3 access-logs bucket name"),
            dr_bucket=self.string("storage.dr_bucket", "the disaster-recovery replica bucket name"),
            dr_region=self.string("storage.dr_region", "the disaster-recovery replica's AWS region"),
        )

    def monitoring(self) -> Monitoring:
        """The ``monitoring`` outputs, with an alarm list for every checklist check."""
        topics = self.string_map("monitoring.topic_arns", "an object severity -> SNS topic ARN")
        for severity in SEVERITIES:
            if severity not in topics:
                raise self._fail(f"monitoring.topic_arns.{severity}", "is missing", "an SNS topic ARN")
        alarms_raw = self._get("monitoring.alarms", "an object check id -> list of alarm names")
        if not isinstance(alarms_raw, dict):
            raise self._fail("monitoring.alarms", f"is {json.dumps(alarms_raw)}",
                             "an object check id -> list of alarm names")
        alarms: dict[str, tuple[str, ...]] = {}
        for check_id in alarms_raw:
            key = f"monitoring.alarms.{check_id}"
            if check_id not in ALARM_CHECKS:
                raise self._fail(key, "is not a checklist check",
                                 f"one of stacks.checklist.ALARM_CHECKS ({', '.join(ALARM_CHECKS)})")
            alarms[check_id] = self.strings(key, "a list of CloudWatch alarm names")
        return Monitoring(
            topic_arns=topics,
            alarms=alarms,
            health_check_ids=self.string_map("monitoring.health_check_ids",
                                             "an object endpoint path -> Route 53 health check id"),
        )

    def app(self) -> App:
        """The ``app`` outputs."""
        return App(
            base_url=self.string("app.base_url", "the app's https:// base URL"),
            health_urls=self.strings("app.health_urls", "a list of https:// health endpoint URLs"),
        )
