"""The monthly cost estimate of a stack, its change against ``--base``, and the budget policy.

Pure and fast: the captured resources (their inputs, as the engine would see them) priced with the unit
prices of ``gate/prices.yaml`` and the stack's usage assumptions (``usage:`` in the stack file,
``stacks/models.py``). One pass over the resources builds the indexes the pricers need (instances by
identifier, proxy targets, replication destinations, provider regions); each pricer is O(1) per resource.

No silent gaps: every custom resource is either priced (one or more cost lines), listed ``free`` in the
price table with a reason, listed ``not_priced`` with a reason, or unknown to the table -- the last two are
reported "not priced" in every report, never counted as $0. docs/cost.md explains the model.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from gate.common.findings import Finding, Location, PolicyMeta
from gate.program.program import CapturedResource
from gate.waivers.exemptions import DateTextLoader
from stacks.loader import StackConfigError, load_stack_file
from stacks.models import BucketUsage, Budget, UsageSettings
from stacks.safe_yaml import InputFileError, load_yaml

PRICES_PATH = Path(__file__).parent.parent / "prices.yaml"
STALE_AFTER_DAYS = 90
COST_POLICY = "gate-cost-budget"
COST_POLICY_META = PolicyMeta(
    name=COST_POLICY, source="gate", enforcement="mandatory", severity="high",
    description="The monthly cost estimate (gate/cost/cost.py, prices in gate/prices.yaml) stays within the stack's "
                "budget: at most budget.monthly_usd, and with --base a pull request raises it by at most "
                "budget.max_increase_percent.",
    remediation="Make the change cheaper, or raise the budget in the stack file in a reviewed change, or add an "
                "exemption for gate-cost-budget (resource budget.monthly_usd or budget.max_increase_percent) "
                "with owner, reason and expiry.")
MONTHLY_RESOURCE = "budget.monthly_usd"  # the findings' resource names: what an exemption names
INCREASE_RESOURCE = "budget.max_increase_percent"
_NOT_BILLABLE_PREFIXES = ("pulumi:providers:", "pulumi:pulumi:")


# --- the price table ---------------------------------------------------------------------------------

class PricesError(Exception):
    """gate/prices.yaml is unreadable or invalid. ``str()`` is the one-line message."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RedisQuote(_Strict):
    """One Redis Cloud Pro plan's monthly price, as Redis's calculator or dry-run API quoted it."""
    memory_gb: float = Field(gt=0)
    replication: bool
    throughput_ops: float = Field(gt=0)
    provider: str
    region: str
    multi_az: bool
    monthly_usd: float = Field(ge=0)
    source: str = Field(min_length=1)
    read: dt.date


class PriceGroup(_Strict):
    """Prices of one kind, from one public page, read on one date."""
    source: str = Field(min_length=8)
    read: dt.date
    unit: str = Field(min_length=1)
    confidence: str = Field(min_length=1)
    multi_az_factor: float | None = Field(default=None, ge=1)
    regions: dict[str, dict[str, Any]] = Field(default_factory=dict)
    quotes: list[RedisQuote] = Field(default_factory=list)


class PriceTable(_Strict):
    """The whole gate/prices.yaml."""
    schema_: str = Field(alias="schema", pattern=r"^chatpdd-prices/1$")
    currency: str = Field(pattern=r"^USD$")
    hours_per_month: float = Field(gt=0, le=744)
    groups: dict[str, PriceGroup]
    free: dict[str, str]
    not_priced: dict[str, str]

    @model_validator(mode="after")
    def _consistent(self) -> PriceTable:
        missing = sorted(REQUIRED_GROUPS - set(self.groups))
        if missing:
            raise ValueError(f"groups: missing {', '.join(missing)} (the pricers of gate/cost/cost.py read them)")
        both = sorted(set(self.free) & set(self.not_priced))
        if both:
            raise ValueError(f"{', '.join(both)}: listed both free and not_priced")
        priced = sorted((set(self.free) | set(self.not_priced)) & set(PRICERS))
        if priced:
            raise ValueError(f"{', '.join(priced)}: gate/cost/cost.py prices this type; remove it from free/not_priced")
        empty = sorted(t for t, why in {**self.free, **self.not_priced}.items() if len(why.strip()) < 10)
        if empty:
            raise ValueError(f"{', '.join(empty)}: the reason must be a sentence")
        for name, group in self.groups.items():
            for region, values in group.regions.items():
                for key, value in values.items():
                    _check_price(f"groups.{name}.regions.{region}.{key}", value)
        return self

    @property
    def oldest_read(self) -> dt.date:
        """The date of the least recently read price (quotes included)."""
        dates = [g.read for g in self.groups.values()] + [q.read for g in self.groups.values() for q in g.quotes]
        return min(dates)

    def value(self, group: str, region: str, key: str) -> float:
        """One unit price; :class:`_NoPrice` (with the reason) when the table does not have it."""
        values = self.groups[group].regions.get(region)
        if values is None:
            raise _NoPrice(f"gate/prices.yaml {group} has no prices for region {region}")
        price = values.get(key)
        if price is None:
            raise _NoPrice(f"gate/prices.yaml {group} {region} has no price for {key}"
                           + (" (deliberately not transcribed: see its unit)" if key in values else ""))
        return float(price)

    def part(self, group: str, region: str, key: str) -> dict[str, float]:
        """A nested price map (e.g. S3 requests of one storage class)."""
        values = self.groups[group].regions.get(region)
        if values is None:
            raise _NoPrice(f"gate/prices.yaml {group} has no prices for region {region}")
        inner = values.get(key)
        if not isinstance(inner, dict):
            raise _NoPrice(f"gate/prices.yaml {group} {region} has no prices for {key}")
        return inner


def _check_price(where: str, value: Any) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _check_price(f"{where}.{key}", inner)
    elif value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or value < 0):
        raise ValueError(f"{where}: a price is a number >= 0 (or null: not transcribed)")


def load_prices(path: Path = PRICES_PATH, display: str = "gate/prices.yaml") -> PriceTable:
    """The validated price table (cached per file version)."""
    try:
        stat = path.stat()
    except OSError as err:
        raise PricesError(f"Cannot use the price table {display}: {err.strerror or err}.") from None
    return _load(str(path), display, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _load(path: str, display: str, _mtime: int, _size: int) -> PriceTable:
    try:
        document, _ = load_yaml(Path(path), display, aliases=True, loader=DateTextLoader)
    except InputFileError as err:
        raise PricesError(f"Cannot use the price table {display}: {err.problem}.") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise PricesError(f"The price table {display} is not valid YAML{where}.") from None
    try:
        return PriceTable.model_validate(document if document is not None else {})
    except ValidationError as err:
        problems = []
        for e in err.errors(include_url=False):
            loc = ".".join(str(p) for p in e["loc"]) or "(top level)"
            problems.append(f"{loc}: {'missing' if e['type'] == 'missing' else e['msg']}")
        raise PricesError(f"Invalid price table {display}: " + "; ".join(problems[:5])
                          + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else "") + ".") from None


class PricesFuture:
    """The price table, parsed in a thread while the program runs (the gate's main thread only waits then):
    :meth:`result` returns (table, display path) or raises :class:`PricesError`."""

    def __init__(self, path: Path, display: str) -> None:
        self._path, self._display = path, display
        self._value: PriceTable | None = None
        self._error: PricesError | None = None
        self._thread = threading.Thread(target=self._load, name="gate-prices", daemon=True)
        self._thread.start()

    def _load(self) -> None:
        try:
            self._value = load_prices(self._path, self._display)
        except PricesError as err:
            self._error = err
        except Exception as err:  # noqa: BLE001 -- never lose a reason in a thread: one line, exit 2
            self._error = PricesError(f"Cannot use the price table {self._display}: {type(err).__name__}.")

    def result(self) -> tuple[PriceTable, str]:
        """Wait for the table: (table, display path), or the PricesError."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value, self._display


def preload(path: Path, root: Path) -> PricesFuture:
    """Start reading the price table ``path`` (shown relative to ``root``)."""
    try:
        display = str(Path(path).resolve().relative_to(Path(root).resolve()))
    except ValueError:
        display = str(path)
    return PricesFuture(Path(path), display)


# --- the estimate ------------------------------------------------------------------------------------

class _NoPrice(Exception):
    """A cost line that cannot be priced; ``str()`` is the reason."""


@dataclass(frozen=True)
class CostLine:
    """One billed dimension of one resource: quantity x unit price = monthly USD (None: not priced)."""
    item: str
    quantity: float
    unit: str
    unit_price: float | None
    monthly: float | None
    group: str
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The line in report.json."""
        return {"item": self.item, "quantity": round(self.quantity, 6), "unit": self.unit,
                "unit_price": self.unit_price, "monthly_usd": _round(self.monthly), "price_group": self.group,
                **({"not_priced": self.reason} if self.monthly is None else {})}


@dataclass
class ResourceCost:
    """The monthly cost of one billable resource."""
    urn: str
    name: str
    type: str
    component: str
    region: str
    lines: list[CostLine] = field(default_factory=list)

    @property
    def monthly(self) -> float:
        """USD a month of the priced lines."""
        return sum(line.monthly for line in self.lines if line.monthly is not None)

    @property
    def not_priced(self) -> list[CostLine]:
        """The lines without a price."""
        return [line for line in self.lines if line.monthly is None]

    def as_dict(self) -> dict[str, Any]:
        """The resource in report.json."""
        return {"urn": self.urn, "name": self.name, "type": self.type, "component": self.component,
                "region": self.region, "monthly_usd": _round(self.monthly),
                "fully_priced": not self.not_priced, "lines": [line.as_dict() for line in self.lines]}


@dataclass
class ResourceDelta:
    """A resource whose monthly cost differs between the base and the head (0 before: new; 0 after: gone)."""
    name: str
    type: str
    before: float
    after: float

    @property
    def delta(self) -> float:
        """After minus before."""
        return self.after - self.before


@dataclass
class CostDelta:
    """The estimate's change against ``--base`` (the base priced with the same table and assumptions)."""
    ref: str
    base_total: float
    head_total: float
    changed: list[ResourceDelta]

    @property
    def delta(self) -> float:
        """Head minus base, USD a month."""
        return self.head_total - self.base_total

    @property
    def percent(self) -> float | None:
        """The change in percent of the base; None when the base cost nothing (a new stack)."""
        return None if self.base_total <= 0 else 100 * self.delta / self.base_total

    def as_dict(self) -> dict[str, Any]:
        """report.json's ``cost.delta``."""
        return {"ref": self.ref, "base_monthly_usd": _round(self.base_total),
                "head_monthly_usd": _round(self.head_total), "delta_usd": _round(self.delta),
                "delta_percent": None if self.percent is None else round(self.percent, 2),
                "changed": [{"name": c.name, "type": c.type, "before_usd": _round(c.before),
                             "after_usd": _round(c.after), "delta_usd": _round(c.delta)} for c in self.changed]}


@dataclass
class CostEstimate:
    """The stack's monthly cost: per resource, per component, in total; what is not priced, and why."""
    currency: str
    resources: list[ResourceCost]  # billable resources (priced, partly priced or not priced)
    free: int  # resources of types the table lists free
    prices_read: dt.date  # the oldest `read` date of the table
    prices_file: str
    budget: Budget | None = None
    delta: CostDelta | None = None
    notes: list[str] = field(default_factory=list)  # the run's warnings about the estimate and its budget

    @property
    def total(self) -> float:
        """USD a month of every priced line."""
        return sum(r.monthly for r in self.resources)

    @property
    def by_component(self) -> dict[str, float]:
        """USD a month per component (the resources' component parent), largest first."""
        totals: dict[str, float] = {}
        for r in self.resources:
            totals[r.component] = totals.get(r.component, 0.0) + r.monthly
        return dict(sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])))

    @property
    def not_priced(self) -> list[tuple[ResourceCost, CostLine]]:
        """Every line without a price, with its resource."""
        return [(r, line) for r in self.resources for line in r.not_priced]

    def largest(self, n: int = 5) -> list[ResourceCost]:
        """The ``n`` most expensive resources."""
        return sorted(self.resources, key=lambda r: (-r.monthly, r.name))[:n]

    def as_dict(self) -> dict[str, Any]:
        """report.json's ``cost`` section."""
        return {
            "currency": self.currency, "monthly_usd": _round(self.total),
            "by_component": {k: _round(v) for k, v in self.by_component.items()},
            "resources": [r.as_dict() for r in sorted(self.resources, key=lambda r: (-r.monthly, r.name))],
            "not_priced": [{"name": r.name, "type": r.type, "item": line.item, "reason": line.reason}
                           for r, line in self.not_priced],
            "free_resources": self.free,
            "prices": {"file": self.prices_file, "oldest_read": self.prices_read.isoformat()},
            "budget": self.budget.model_dump() if self.budget else None,
            "delta": self.delta.as_dict() if self.delta else None,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


# --- pricing -----------------------------------------------------------------------------------------

@dataclass
class _Index:
    """What the pricers look up, built in one pass over the resources."""
    table: PriceTable
    usage: UsageSettings
    default_region: str
    by_type: dict[str, list[CapturedResource]]
    db_by_identifier: dict[str, CapturedResource]
    regions: dict[str, str]  # provider reference -> region
    replica_class: dict[str, tuple[str, str]]  # destination bucket name -> (storage class, source bucket name)
    bucket_by_name: dict[str, CapturedResource]

    def region(self, r: CapturedResource) -> str:
        if r.provider:
            return self.regions.get(r.provider, self.regions.get(r.provider.rsplit("::", 1)[0], self.default_region))
        return self.default_region

    @property
    def hours(self) -> float:
        return self.table.hours_per_month


def _index(resources: list[CapturedResource], table: PriceTable, usage: UsageSettings, region: str) -> _Index:
    by_type: dict[str, list[CapturedResource]] = {}
    for r in resources:
        by_type.setdefault(r.type, []).append(r)
    regions: dict[str, str] = {}
    for r in by_type.get("pulumi:providers:aws", ()):
        value = r.properties.get("region")
        if isinstance(value, str):
            regions[f"{r.urn}::{r.id}"] = value
            regions[r.urn] = value
    dbs = {str(r.properties["identifier"]): r for r in by_type.get("aws:rds/instance:Instance", ())
           if isinstance(r.properties.get("identifier"), str)}
    buckets = {str(r.properties["bucket"]): r for r in by_type.get("aws:s3/bucket:Bucket", ())
               if isinstance(r.properties.get("bucket"), str)}
    replicas: dict[str, tuple[str, str]] = {}
    for r in by_type.get("aws:s3/bucketReplicationConfig:BucketReplicationConfig", ()):
        for rule in r.properties.get("rules") or []:
            dest = rule.get("destination") if isinstance(rule, dict) else None
            if isinstance(dest, dict) and isinstance(dest.get("bucket"), str):
                replicas[dest["bucket"].rsplit(":", 1)[-1]] = (str(dest.get("storageClass") or "STANDARD"),
                                                               str(r.properties.get("bucket")))
    return _Index(table, usage, region, by_type, dbs, regions, replicas, buckets)


def _line(item: str, quantity: float, unit: str, price: float, group: str) -> CostLine:
    return CostLine(item, quantity, unit, price, quantity * price, group)


def _missing(item: str, group: str, reason: str) -> CostLine:
    return CostLine(item, 0, "", None, None, group, reason)


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _tag(r: CapturedResource, key: str) -> str:
    tags = r.properties.get("tags")
    value = tags.get(key) if isinstance(tags, dict) else None
    return value if isinstance(value, str) else ""


def vcpus(instance_class: str) -> int | None:
    """VCPUs of an RDS instance class from its size: up to large 2, xlarge 4, Nxlarge 4N."""
    size = instance_class.rsplit(".", 1)[-1]
    if size in ("micro", "small", "medium", "large"):
        return 2
    m = re.fullmatch(r"(\d*)xlarge", size)
    return 4 * int(m.group(1) or 1) if m else None


Lines = list[CostLine]


def _rds_instance(r: CapturedResource, ix: _Index, region: str) -> Lines:
    """Instance hours, storage (a replica pays for its copy of the source's), IOPS, backups, PI, logs."""
    p, t = r.properties, ix.table
    source = ix.db_by_identifier.get(str(p.get("replicateSourceDb"))) if p.get("replicateSourceDb") else None
    klass = p.get("instanceClass")
    multi = p.get("multiAz") is True
    deployment = "Multi-AZ" if multi else "Single-AZ"
    factor = (t.groups["rds-instance"].multi_az_factor or 2) if multi else 1
    if not isinstance(klass, str):
        lines = [_missing("instance hours", "rds-instance", "the instance class is not known at preview")]
    else:
        try:
            lines = [_line(f"instance hours ({klass}, {deployment})", ix.hours, "hours",
                           t.value("rds-instance", region, klass) * factor, "rds-instance")]
        except _NoPrice as err:
            lines = [_missing(f"instance hours ({klass}, {deployment})", "rds-instance", str(err))]
    lines += _rds_storage(p, source.properties if source is not None else p, source is None, multi, ix, region)
    lines += _rds_extras(p, klass if isinstance(klass, str) else None, ix, region)
    return lines


def _rds_storage(p: dict[str, Any], origin: dict[str, Any], primary: bool, multi: bool, ix: _Index,
                 region: str) -> Lines:
    t = ix.table
    storage = _num(p.get("allocatedStorage")) or _num(origin.get("allocatedStorage"))
    kind = str(p.get("storageType") or origin.get("storageType") or "gp2")
    factor = (t.groups["rds-storage"].multi_az_factor or 2) if multi else 1
    deployment = "Multi-AZ" if multi else "Single-AZ"
    if storage is None:
        return [_missing("storage", "rds-storage", "the allocated storage is not known at preview")]
    lines: Lines = []
    try:
        lines.append(_line(f"{kind} storage ({deployment})", storage, "GB-month",
                           t.value("rds-storage", region, kind) * factor, "rds-storage"))
    except _NoPrice as err:
        lines.append(_missing(f"{kind} storage", "rds-storage", str(err)))
    iops = _num(p.get("iops")) or _num(origin.get("iops"))
    billed = (max(0.0, iops - (3000 if storage < 400 else 12000)) if kind == "gp3" else iops) if iops else 0.0
    if billed:
        try:
            lines.append(_line(f"{kind} provisioned IOPS", billed, "IOPS-month",
                               t.value("rds-iops", region, kind) * factor, "rds-iops"))
        except _NoPrice as err:
            lines.append(_missing(f"{kind} provisioned IOPS", "rds-iops", str(err)))
    if primary and (_num(p.get("backupRetentionPeriod")) or 0) > 0:
        backups = ix.usage.database.backup_storage_factor
        try:
            lines.append(_line(f"automated backups above the free {storage:g} GB "
                               f"(usage.database.backup_storage_factor {backups:g})", max(0.0, backups - 1) * storage,
                               "GB-month", t.value("rds-backup-storage", region, "per_gb_month"), "rds-backup-storage"))
        except _NoPrice as err:
            lines.append(_missing("automated backups", "rds-backup-storage", str(err)))
    return lines


def _rds_extras(p: dict[str, Any], klass: str | None, ix: _Index, region: str) -> Lines:
    t = ix.table
    lines: Lines = []
    if p.get("performanceInsightsEnabled") is True:
        days = _num(p.get("performanceInsightsRetentionPeriod")) or 7
        try:
            if days > t.value("rds-performance-insights", region, "free_retention_days"):
                cpus = vcpus(klass) if klass else None
                if cpus is None:
                    raise _NoPrice("the instance class's vCPUs are not known")
                lines.append(_line(f"Performance Insights {days:g}-day retention", cpus, "vCPU-month",
                                   t.value("rds-performance-insights", region, "long_term_per_vcpu_month"),
                                   "rds-performance-insights"))
        except _NoPrice as err:
            lines.append(_missing(f"Performance Insights {days:g}-day retention", "rds-performance-insights", str(err)))
    if p.get("enabledCloudwatchLogsExports") or (_num(p.get("monitoringInterval")) or 0) > 0:
        try:
            lines.append(_line("CloudWatch Logs ingestion (log exports, Enhanced Monitoring; "
                               "usage.database.logs_gb_per_instance_month)", ix.usage.database.logs_gb_per_instance_month,
                               "GB", t.value("cloudwatch-logs", region, "ingest_per_gb"), "cloudwatch-logs"))
        except _NoPrice as err:
            lines.append(_missing("CloudWatch Logs ingestion", "cloudwatch-logs", str(err)))
    return lines


def _rds_proxy(r: CapturedResource, ix: _Index, region: str) -> Lines:
    name = r.properties.get("name")
    targets = [ix.db_by_identifier.get(str(t.properties.get("dbInstanceIdentifier")))
               for t in ix.by_type.get("aws:rds/proxyTarget:ProxyTarget", ())
               if t.properties.get("dbProxyName") == name]
    cpus = 0
    for db in targets:
        klass = db.properties.get("instanceClass") if db is not None else None
        n = vcpus(klass) if isinstance(klass, str) else None
        if n is None:
            return [_missing("proxy vCPU-hours", "rds-proxy", "a target's instance class is not known at preview")]
        cpus += n
    try:
        minimum = ix.table.value("rds-proxy", region, "minimum_vcpus")
        billed = max(float(cpus), minimum)
        return [_line(f"proxy vCPU-hours ({billed:g} vCPUs of its targets, at least {minimum:g})", billed * ix.hours,
                      "vCPU-hours", ix.table.value("rds-proxy", region, "per_vcpu_hour"), "rds-proxy")]
    except _NoPrice as err:
        return [_missing("proxy vCPU-hours", "rds-proxy", str(err))]


def _kms_key(r: CapturedResource, ix: _Index, region: str) -> Lines:
    requests = ix.usage.kms_requests_per_key_month
    return [_line("customer managed key", 1, "key-month", ix.table.value("kms", region, "per_key_month"), "kms"),
            _line("requests (usage.kms_requests_per_key_month)", requests / 10_000, "10k requests",
                  ix.table.value("kms", region, "per_10k_requests"), "kms")]


def _alarm(r: CapturedResource, ix: _Index, region: str) -> Lines:
    p = r.properties
    queries = p.get("metricQueries")
    if isinstance(queries, list) and queries:
        metrics: list[dict[str, Any]] = [q["metric"] for q in queries
                                         if isinstance(q, dict) and isinstance(q.get("metric"), dict)]
        periods = [_num(m.get("period")) for m in metrics]
    else:
        metrics, periods = [p], [_num(p.get("period"))]
    high = any(period is not None and period < 60 for period in periods)
    key = "high_resolution_per_metric_month" if high else "standard_per_metric_month"
    label = "high-resolution" if high else "standard"
    return [_line(f"{label} alarm, {len(metrics)} metric{'s' if len(metrics) != 1 else ''}", len(metrics),
                  "metric-month", ix.table.value("cloudwatch-alarms", region, key), "cloudwatch-alarms")]


def _dashboard(r: CapturedResource, ix: _Index, region: str) -> Lines:
    return [_line("dashboard", 1, "dashboard-month",
                  ix.table.value("cloudwatch-dashboards", region, "per_dashboard_month"), "cloudwatch-dashboards")]


def _log_group(r: CapturedResource, ix: _Index, region: str) -> Lines:
    flow = _tag(r, "Role") == "flow-logs"
    gb = ix.usage.flow_logs_gb_per_month if flow else ix.usage.other_logs_gb_per_month
    days = _num(r.properties.get("retentionInDays")) or 0
    months = min(days / 30.4, 12.0) if days else 12.0
    lines: Lines = []
    if not flow:  # flow log ingestion is billed at the vended rate on the flow log itself
        lines.append(_line("ingestion (usage.other_logs_gb_per_month)", gb, "GB",
                           ix.table.value("cloudwatch-logs", region, "ingest_per_gb"), "cloudwatch-logs"))
    kept = f"{days:g}-day retention" if days else "no expiry, capped at 12 months"
    lines.append(_line(f"storage at steady state ({kept}, uncompressed)", gb * months, "GB-month",
                       ix.table.value("cloudwatch-logs", region, "storage_per_gb_month"), "cloudwatch-logs"))
    return lines


def _flow_log(r: CapturedResource, ix: _Index, region: str) -> Lines:
    if r.properties.get("logDestinationType", "cloud-watch-logs") != "cloud-watch-logs":
        return [_missing("flow log delivery", "cloudwatch-logs", "only delivery to CloudWatch Logs is priced")]
    return [_line("vended log ingestion (usage.flow_logs_gb_per_month)", ix.usage.flow_logs_gb_per_month, "GB",
                  ix.table.value("cloudwatch-logs", region, "vended_ingest_per_gb"), "cloudwatch-logs")]


_AWS_HOSTS = (".amazonaws.com", ".cloudfront.net", ".awsglobalaccelerator.com")


def _health_check(r: CapturedResource, ix: _Index, region: str) -> Lines:
    p, t = r.properties, ix.table
    kind = str(p.get("type") or "")
    fqdn = str(p.get("fqdn") or "")
    on_aws = kind in ("CALCULATED", "CLOUDWATCH_METRIC", "RECOVERY_CONTROL") or fqdn.endswith(_AWS_HOSTS)
    where = "aws" if on_aws else "non_aws"
    lines = [_line(f"health check ({'AWS' if on_aws else 'non-AWS'} endpoint)", 1, "check-month",
                   t.value("route53-health-checks", "global", f"{where}_endpoint"), "route53-health-checks")]
    features = [name for name, on in (("HTTPS", kind.startswith("HTTPS")), ("string matching", kind.endswith("STR_MATCH")),
                                      ("fast interval", _num(p.get("requestInterval")) == 10),
                                      ("latency measurement", p.get("measureLatency") is True)) if on]
    if features:
        lines.append(_line(f"optional features: {', '.join(features)}", len(features), "feature-month",
                           t.value("route53-health-checks", "global", f"{where}_optional_feature"),
                           "route53-health-checks"))
    return lines


def _topic(r: CapturedResource, ix: _Index, region: str) -> Lines:
    n = ix.usage.alarm_notifications_per_month
    return [_line("publishes (usage.alarm_notifications_per_month)", n / 1e6, "million publishes",
                  ix.table.value("sns", region, "per_million_publishes"), "sns")]


def _subscription(r: CapturedResource, ix: _Index, region: str) -> Lines:
    protocol = str(r.properties.get("protocol") or "")
    n = ix.usage.alarm_notifications_per_month
    if protocol in ("email", "email-json"):
        return [_line("e-mail notifications (usage.alarm_notifications_per_month)", n / 1e5, "100k notifications",
                      ix.table.value("sns", region, "email_per_100k"), "sns")]
    if protocol in ("https", "http"):
        return [_line("HTTP(S) notifications", n / 1e6, "million notifications",
                      ix.table.value("sns", region, "https_per_million"), "sns")]
    if protocol in ("sqs", "lambda", "firehose"):
        return [_line(f"{protocol} deliveries (free; the target bills its own use)", n, "deliveries", 0.0, "sns")]
    return [_missing(f"{protocol or 'unknown'} notifications", "sns", f"protocol {protocol!r} is not priced")]


def _secret(r: CapturedResource, ix: _Index, region: str) -> Lines:
    calls = ix.usage.secrets_api_calls_per_month
    return [_line("secret", 1, "secret-month", ix.table.value("secrets-manager", region, "per_secret_month"),
                  "secrets-manager"),
            _line("API calls (usage.secrets_api_calls_per_month)", calls / 10_000, "10k calls",
                  ix.table.value("secrets-manager", region, "per_10k_api_calls"), "secrets-manager")]


_BUCKET_ROLES = {"backups": "backups", "uploads": "uploads", "access-logs": "access_logs"}


def _bucket_usage(ix: _Index, bucket: CapturedResource) -> tuple[BucketUsage, str]:
    field_name = _BUCKET_ROLES.get(_tag(bucket, "Role"), "other")
    return getattr(ix.usage.storage, field_name), f"usage.storage.{field_name}"


def _bucket(r: CapturedResource, ix: _Index, region: str) -> Lines:
    name = str(r.properties.get("bucket") or "")
    replica = ix.replica_class.get(name)
    source = ix.bucket_by_name.get(replica[1]) if replica else None
    klass = replica[0] if replica else "STANDARD"
    usage, where = _bucket_usage(ix, source if source is not None else r)
    what = f"replica of {replica[1]}, {where}" if replica else where
    lines: Lines = []
    try:
        lines.append(_line(f"{klass} storage ({what})", usage.stored_gb, "GB-month",
                           ix.table.value("s3-storage", region, klass), "s3-storage"))
        requests = ix.table.part("s3-requests", region, klass)
        lines.append(_line(f"PUT/COPY/POST/LIST requests ({what})", usage.put_requests_per_month / 1000,
                           "1k requests", float(requests["put_per_1k"]), "s3-requests"))
        if not replica:  # a replica is read only in a recovery
            lines.append(_line(f"GET requests ({what})", usage.get_requests_per_month / 1000, "1k requests",
                               float(requests["get_per_1k"]), "s3-requests"))
    except (_NoPrice, KeyError) as err:
        lines.append(_missing(f"{klass} storage and requests", "s3-storage", str(err)))
    return lines


def _replication(r: CapturedResource, ix: _Index, region: str) -> Lines:
    source = ix.bucket_by_name.get(str(r.properties.get("bucket")))
    if source is None:
        return [_missing("replication transfer", "s3-replication", "the source bucket is not known at preview")]
    usage, where = _bucket_usage(ix, source)
    lines: Lines = []
    for rule in r.properties.get("rules") or []:
        dest = rule.get("destination") if isinstance(rule, dict) else None
        target = ix.bucket_by_name.get(str(dest.get("bucket", "")).rsplit(":", 1)[-1]) if isinstance(dest, dict) else None
        if target is None:
            lines.append(_missing("replication transfer", "s3-replication", "the destination bucket is not in the stack"))
        elif ix.region(target) == region:
            lines.append(_line("same-region replication (no transfer charge)", usage.written_gb_per_month, "GB", 0.0,
                               "s3-replication"))
        else:
            lines.append(_line(f"inter-region transfer to {ix.region(target)} ({where}.written_gb_per_month)",
                               usage.written_gb_per_month, "GB",
                               ix.table.value("s3-replication", region, "inter_region_per_gb"), "s3-replication"))
    return lines


def _vault(r: CapturedResource, ix: _Index, region: str) -> Lines:
    if len(ix.by_type.get("aws:backup/vault:Vault", ())) != 1:
        return [_missing("recovery points", "aws-backup", "several vaults: recovery points per vault not modelled")]
    gb = 0.0
    for selection in ix.by_type.get("aws:backup/selection:Selection", ()):
        for arn in selection.properties.get("resources") or []:
            db = ix.db_by_identifier.get(str(arn).rsplit(":db:", 1)[-1]) if ":rds:" in str(arn) else None
            if db is None:
                return [_missing("recovery points", "aws-backup", "a selected resource is not a database of the "
                                 "stack: only RDS recovery points are priced")]
            gb += _num(db.properties.get("allocatedStorage")) or 0
    factor = ix.usage.backup_vault_factor
    return [_line(f"RDS recovery points (usage.backup_vault_factor {factor:g} x {gb:g} GB selected)", gb * factor,
                  "GB-month", ix.table.value("aws-backup", region, "rds_warm_per_gb_month"), "aws-backup")]


def _redis_subscription(r: CapturedResource, ix: _Index, region: str) -> Lines:
    p = r.properties
    plan: dict[str, Any] = p["creationPlan"] if isinstance(p.get("creationPlan"), dict) else {}
    cloud: dict[str, Any] = p["cloudProvider"] if isinstance(p.get("cloudProvider"), dict) else {}
    regions = cloud.get("regions") or [{}]
    first = regions[0] if isinstance(regions[0], dict) else {}
    want = (_num(plan.get("memoryLimitInGb")), plan.get("replication") is True, _num(plan.get("throughputMeasurementValue")),
            str(cloud.get("provider") or "AWS"), str(first.get("region") or ""), first.get("multipleAvailabilityZones") is True)
    label = (f"plan {want[0]:g} GB, {'replication' if want[1] else 'no replication'}, {want[2]:g} ops/s, "
             f"{want[3]} {want[4]}{' multi-AZ' if want[5] else ''}" if want[0] and want[2] else "plan")
    for q in ix.table.groups["rediscloud-pro"].quotes:
        if (q.memory_gb, q.replication, q.throughput_ops, q.provider, q.region, q.multi_az) == want:
            return [_line(f"Redis Cloud Pro {label} (quote of {q.read.isoformat()})", 1, "month", q.monthly_usd,
                          "rediscloud-pro")]
    return [_missing(f"Redis Cloud Pro {label}", "rediscloud-pro",
                     "no quote for this plan in gate/prices.yaml rediscloud-pro (Redis prices Pro plans per "
                     "subscription: record the console's or the dry-run API's quote)")]


_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")


def _canary(r: CapturedResource, ix: _Index, region: str) -> Lines:
    schedule = r.properties.get("schedule")
    expression = schedule.get("expression") if isinstance(schedule, dict) else None
    m = _RATE.match(str(expression or ""))
    if not m:
        return [_missing("canary runs", "cloudwatch-synthetics",
                         f"schedule {expression!r} is not a rate(...) expression: runs per month not computed")]
    every = int(m.group(1)) * {"m": 1, "h": 60, "d": 1440}[m.group(2)[0]]
    if every == 0:
        return [_missing("canary runs", "cloudwatch-synthetics", "rate(0 ...) runs once; not priced")]
    runs = ix.hours * 60 / every
    return [_line(f"canary runs (every {every} min)", runs, "runs",
                  ix.table.value("cloudwatch-synthetics", region, "per_run"), "cloudwatch-synthetics")]


def _backups_replication(r: CapturedResource, ix: _Index, region: str) -> Lines:
    """RDS automated backups replicated to another region: their storage there (no free allowance: no database
    in that region) and the inter-region transfer of what changes."""
    arn = str(r.properties.get("sourceDbInstanceArn") or "")
    db = ix.db_by_identifier.get(arn.rsplit(":db:", 1)[-1]) if ":db:" in arn else None
    storage = _num(db.properties.get("allocatedStorage")) if db is not None else None
    if storage is None:
        return [_missing("replicated backups", "rds-backup-replication", "the source instance is not in the stack")]
    usage = ix.usage.database
    return [_line(f"replicated backup storage in {region} (usage.database.backup_storage_factor "
                  f"{usage.backup_storage_factor:g} x {storage:g} GB)", usage.backup_storage_factor * storage,
                  "GB-month", ix.table.value("rds-backup-storage", region, "per_gb_month"), "rds-backup-storage"),
            _line("inter-region transfer (usage.database.backup_replication_gb_per_month)",
                  usage.backup_replication_gb_per_month, "GB",
                  ix.table.value("rds-backup-replication", region, "inter_region_per_gb"), "rds-backup-replication")]


Pricer = Callable[[CapturedResource, _Index, str], Lines]
PRICERS: dict[str, Pricer] = {
    "aws:rds/instance:Instance": _rds_instance,
    "aws:rds/proxy:Proxy": _rds_proxy,
    "aws:kms/key:Key": _kms_key,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _alarm,
    "aws:cloudwatch/dashboard:Dashboard": _dashboard,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:ec2/flowLog:FlowLog": _flow_log,
    "aws:route53/healthCheck:HealthCheck": _health_check,
    "aws:sns/topic:Topic": _topic,
    "aws:sns/topicSubscription:TopicSubscription": _subscription,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": _replication,
    "aws:backup/vault:Vault": _vault,
    "rediscloud:index/subscription:Subscription": _redis_subscription,
    "aws:synthetics/canary:Canary": _canary,
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": _backups_replication,
}
REQUIRED_GROUPS = frozenset({
    "rds-instance", "rds-storage", "rds-iops", "rds-backup-storage", "rds-proxy", "rds-performance-insights",
    "kms", "cloudwatch-alarms", "cloudwatch-dashboards", "cloudwatch-logs", "cloudwatch-synthetics",
    "route53-health-checks", "sns", "secrets-manager", "s3-storage", "s3-requests", "s3-replication",
    "aws-backup", "rediscloud-pro", "rds-backup-replication"})


def billable(r: CapturedResource) -> bool:
    """Whether a registered resource can be billed at all (components, providers and the stack cannot)."""
    return r.custom and not r.type.startswith(_NOT_BILLABLE_PREFIXES)


def uncovered(types: Iterable[str], table: PriceTable) -> list[str]:
    """Types the estimate knows nothing about: neither priced by a pricer nor listed free or not_priced."""
    return sorted({t for t in types if t not in PRICERS and t not in table.free and t not in table.not_priced})


def _components(resources: list[CapturedResource]) -> Callable[[CapturedResource], str]:
    by_urn = {r.urn: r for r in resources}

    def component(r: CapturedResource) -> str:
        parent = by_urn.get(r.parent or "")
        for _ in range(32):
            if parent is None:
                return "(stack)"
            if not parent.custom:
                return parent.name
            parent = by_urn.get(parent.parent or "")
        return "(stack)"
    return component


def estimate(resources: list[CapturedResource], usage: UsageSettings, region: str, table: PriceTable,
             *, budget: Budget | None = None, prices_file: str = "gate/prices.yaml") -> CostEstimate:
    """The monthly cost of ``resources`` (one stack's registrations): O(resources)."""
    ix = _index(resources, table, usage, region)
    component = _components(resources)
    costs: list[ResourceCost] = []
    free = 0
    for r in resources:
        if not billable(r):
            continue
        pricer = PRICERS.get(r.type)
        if pricer is None and r.type in table.free:
            free += 1
            continue
        where = "global" if r.type.startswith("aws:route53/") else ix.region(r)
        cost = ResourceCost(urn=r.urn, name=r.name, type=r.type, component=component(r), region=where)
        if pricer is not None:
            try:
                cost.lines = pricer(r, ix, where)
            except _NoPrice as err:
                cost.lines = [_missing("whole resource", r.type, str(err))]
        elif r.type in table.not_priced:
            cost.lines = [_missing("whole resource", r.type, table.not_priced[r.type])]
        else:
            cost.lines = [_missing("whole resource", r.type, f"{r.type} is neither priced nor listed free in {prices_file}")]
        costs.append(cost)
    return CostEstimate(currency=table.currency, resources=costs, free=free, prices_read=table.oldest_read,
                        prices_file=prices_file, budget=budget)


def compare(head: CostEstimate, base: CostEstimate, ref: str, head_to_base: dict[str, str]) -> CostDelta:
    """The head's estimate against the base's, resource by resource (renames followed through ``head_to_base``)."""
    before = {r.urn: r for r in base.resources}
    changed: list[ResourceDelta] = []
    seen: set[str] = set()
    for r in head.resources:
        old_urn = head_to_base.get(r.urn, r.urn)
        old = before.get(old_urn)
        seen.add(old_urn)
        old_cost = old.monthly if old is not None else 0.0
        if abs(r.monthly - old_cost) >= 0.005 or old is None and r.monthly:
            changed.append(ResourceDelta(r.name, r.type, old_cost, r.monthly))
    changed += [ResourceDelta(r.name, r.type, r.monthly, 0.0) for r in base.resources
                if r.urn not in seen and r.monthly]
    changed.sort(key=lambda c: (-abs(c.delta), c.name))
    return CostDelta(ref=ref, base_total=base.total, head_total=head.total, changed=changed)


def money(value: float, signed: bool = False) -> str:
    """``$1,234.56`` (``+$12.00`` / ``-$3.10`` when signed)."""
    sign = ("+" if value >= 0 else "-") if signed else ("-" if value < 0 else "")
    return f"{sign}${abs(value):,.2f}"


def headline(cost: CostEstimate) -> str:
    """``Monthly cost: $X → $Y (+$Z, +N%)`` with a base, else ``Monthly cost: $Y``."""
    if cost.delta is None:
        return f"Monthly cost: {money(cost.total)}"
    d = cost.delta
    percent = "new stack" if d.percent is None else f"{d.percent:+.1f}%"
    return f"Monthly cost: {money(d.base_total)} → {money(d.head_total)} ({money(d.delta, signed=True)}, {percent})"


def base_budget(stack_file: Path) -> Budget | None | str:
    """The budget of the stack file as it is at the base, or why it cannot be read (then the head's applies)."""
    try:
        return load_stack_file(stack_file).config.budget
    except (StackConfigError, InputFileError, OSError) as err:
        return f"the base's stack file does not load with this gate's models ({type(err).__name__})"


def stricter_budget(head: Budget | None, base: Budget | None | str, ref: str) -> tuple[Budget | None, list[str]]:
    """The budget a pull request is judged against: per key the stricter of the base's and the head's, so a
    change cannot raise its own ceiling (the raise lands on its own first); and a note for each key it raised.
    ``base`` is a string when the base's stack file could not be read: the head's budget applies, with a note."""
    if isinstance(base, str):
        return head, [f"The budget of --base {ref} is not known ({base}): the head's budget applies."]
    if base is None or head is None:
        return head, []
    notes = [f"This change raises budget.{key} from {old:g} to {new:g}: the base's {old:g} applies until the "
             f"raise is merged on its own (docs/cost.md)."
             for key, old, new in (("monthly_usd", base.monthly_usd, head.monthly_usd),
                                   ("max_increase_percent", base.max_increase_percent, head.max_increase_percent))
             if new > old]
    return Budget(monthly_usd=min(head.monthly_usd, base.monthly_usd),
                  max_increase_percent=min(head.max_increase_percent, base.max_increase_percent)), notes


def budget_findings(cost: CostEstimate, stack_file: str, line: int) -> list[Finding]:
    """gate-cost-budget: one blocking finding per budget the estimate exceeds."""
    budget = cost.budget
    if budget is None:
        return []
    findings = []
    where = Location(stack_file, line)
    drivers = ", ".join(f"{r.name} {money(r.monthly)}" for r in cost.largest(3))
    if cost.total > budget.monthly_usd:
        findings.append(Finding(
            policy=COST_POLICY, source="gate", enforcement="mandatory", severity="high",
            message=(f"The monthly cost estimate {money(cost.total)} exceeds budget.monthly_usd "
                     f"{money(budget.monthly_usd)} by {money(cost.total - budget.monthly_usd)}; largest: {drivers}."),
            resource_name=MONTHLY_RESOURCE, remediation=COST_POLICY_META.remediation, location=where))
    d = cost.delta
    if d is not None and d.percent is not None and d.percent > budget.max_increase_percent:
        movers = ", ".join(f"{c.name} {money(c.delta, signed=True)}" for c in d.changed[:3] if c.delta > 0)
        findings.append(Finding(
            policy=COST_POLICY, source="gate", enforcement="mandatory", severity="high",
            message=(f"This change raises the monthly cost estimate by {d.percent:.1f}% ({money(d.base_total)} → "
                     f"{money(d.head_total)}, {money(d.delta, signed=True)}), more than "
                     f"budget.max_increase_percent {budget.max_increase_percent:g}%; driven by: {movers}."),
            resource_name=INCREASE_RESOURCE, remediation=COST_POLICY_META.remediation, location=where))
    return findings


def warnings(cost: CostEstimate, today: dt.date) -> list[str]:
    """What the estimate must not hide: a stale price table, and types it does not know."""
    out = []
    age = (today - cost.prices_read).days
    if age > STALE_AFTER_DAYS:
        out.append(f"The price table {cost.prices_file} is {age} days old (oldest price read "
                   f"{cost.prices_read.isoformat()}; refresh every {STALE_AFTER_DAYS} days, docs/cost.md): the cost "
                   f"estimate may be wrong.")
    unknown = sorted({r.type for r, line in cost.not_priced if "neither priced nor listed free" in line.reason})
    if unknown:
        out.append(f"The cost estimate does not know {', '.join(unknown)}: price it in gate/cost/cost.py and "
                   f"{cost.prices_file}, or list it free/not_priced with a reason (docs/cost.md).")
    return out
