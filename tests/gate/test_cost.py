"""The monthly cost estimate (gate/cost/cost.py, gate/prices.yaml, docs/cost.md): coverage of every registered type,
prices computed by hand from the table, budgets as a blocking and waivable policy, the delta against --base.

The --base cases run the program twice (a temporary git repository, as tests/gate/test_change_review.py does).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from gate.cost import cost
from gate.program.program import CapturedResource
from gate.waivers.exemptions import DateTextLoader
from stacks.models import UsageSettings
from tests.gate.conftest import REPO, TODAY, run_gate_cli
from tests.gate.test_bad_input import assert_bad_input
from tests.gate.test_change_review import base_repo, edit, head, review  # noqa: F401  (base_repo, head: fixtures)

HOURS = 730
# The unit prices these tests compute by hand (USD, us-east-1, RDS for PostgreSQL On-Demand): if the table
# changes, test_the_hand_prices_are_the_tables fails first and says which number moved.
R6G_LARGE, R6G_XLARGE, R6G_2XLARGE = 0.225, 0.449, 0.898  # per instance-hour, Single-AZ
PROXY_PER_VCPU_HOUR = 0.015
GP3_PER_GB_MONTH = 0.115  # Single-AZ; Multi-AZ twice


@pytest.fixture(scope="module")
def table() -> cost.PriceTable:
    return cost.load_prices()


def estimate_of(run, loaded, table) -> cost.CostEstimate:
    config = loaded.config
    return cost.estimate(run.resources, config.usage, config.aws.region, table, budget=config.budget)


def by_name(estimate: cost.CostEstimate, name: str, kind: str) -> cost.ResourceCost:
    [found] = [r for r in estimate.resources if r.name == name and r.type == kind]
    return found


# --- the table and its coverage ---------------------------------------------------------------------

def test_the_hand_prices_are_the_tables(table):
    assert table.value("rds-instance", "us-east-1", "db.r6g.large") == R6G_LARGE
    assert table.value("rds-instance", "us-east-1", "db.r6g.xlarge") == R6G_XLARGE
    assert table.value("rds-instance", "us-east-1", "db.r6g.2xlarge") == R6G_2XLARGE
    assert table.groups["rds-instance"].multi_az_factor == 2
    assert table.value("rds-proxy", "us-east-1", "per_vcpu_hour") == PROXY_PER_VCPU_HOUR
    assert table.value("rds-storage", "us-east-1", "gp3") == GP3_PER_GB_MONTH
    assert table.hours_per_month == HOURS


def test_every_price_group_names_its_public_source_and_the_date_it_was_read(table):
    for name, group in table.groups.items():
        assert group.source.startswith("https://"), name
        assert group.read <= dt.date.fromisoformat(TODAY) + dt.timedelta(days=1), name
        assert group.unit and group.confidence, name
    for region in ("us-east-1", "us-west-2"):  # the stacks' region and the DR region
        for name, group in table.groups.items():
            if group.regions and "global" not in group.regions:
                assert region in group.regions, (name, region)


def test_every_registered_billable_type_is_priced_or_listed_free(program_runs, table):
    """The coverage test: a type the program registers is priced by gate/cost/cost.py, or listed free/not_priced
    with a reason in gate/prices.yaml. A new type fails here until someone decides what it costs."""
    types = {r.type for run in program_runs.values() for r in run.resources if cost.billable(r)}
    assert cost.uncovered(types, table) == []
    assert types & set(cost.PRICERS), "the stacks register priced types"


def _resource(kind: str, name: str, **properties) -> CapturedResource:
    return CapturedResource(urn=f"urn:pulumi:production::chatpdd-infra::{kind}::{name}", type=kind, name=name,
                            custom=True, parent=None, properties=properties)


def test_a_new_unpriced_type_fails_the_coverage_test_and_is_reported_not_priced(production_run, loaded_stacks, table):
    nat = _resource("aws:ec2/natGateway:NatGateway", "network-nat")
    types = {r.type for r in production_run.resources if cost.billable(r)} | {nat.type}
    assert cost.uncovered(types, table) == ["aws:ec2/natGateway:NatGateway"]
    loaded = loaded_stacks["production"]
    estimate = cost.estimate([*production_run.resources, nat], loaded.config.usage, "us-east-1", table)
    [(resource, line)] = [(r, line) for r, line in estimate.not_priced if r.name == "network-nat"]
    assert line.monthly is None and "neither priced nor listed free in gate/prices.yaml" in line.reason
    warnings = cost.warnings(estimate, dt.date.fromisoformat(TODAY))
    assert any("does not know aws:ec2/natGateway:NatGateway" in w for w in warnings), warnings


def _table_with(change) -> cost.PriceTable:
    document = yaml.load((REPO / "gate" / "prices.yaml").read_text(), Loader=DateTextLoader)
    change(document)
    return cost.PriceTable.model_validate(document)


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["free"].update({"aws:rds/instance:Instance": "It is free, trust me."}),
     "gate/cost/cost.py prices this type"),
    (lambda d: d["groups"]["kms"]["regions"]["us-east-1"].update({"per_key_month": -1}),
     "groups.kms.regions.us-east-1.per_key_month: a price is a number >= 0"),
    (lambda d: d["groups"].pop("rds-proxy"), "groups: missing rds-proxy"),
    (lambda d: d["not_priced"].update({"aws:ec2/natGateway:NatGateway": "later"}), "the reason must be a sentence"),
    (lambda d: d["groups"]["sns"].pop("source"), "source"),
])
def test_a_price_table_that_hides_a_gap_is_refused(change, message):
    with pytest.raises(ValueError, match=message.replace(".", r"\.").replace("(", r"\(")):
        _table_with(change)


def test_a_stale_price_table_warns(table, production_run, loaded_stacks):
    estimate = estimate_of(production_run, loaded_stacks["production"], table)
    read = table.oldest_read
    assert not cost.warnings(estimate, read + dt.timedelta(days=cost.STALE_AFTER_DAYS))
    [warning] = cost.warnings(estimate, read + dt.timedelta(days=cost.STALE_AFTER_DAYS + 1))
    assert f"is {cost.STALE_AFTER_DAYS + 1} days old" in warning and "docs/cost.md" in warning


def test_a_bad_price_table_is_bad_input(tmp_path):
    prices = tmp_path / "prices.yaml"
    prices.write_text((REPO / "gate" / "prices.yaml").read_text().replace("per_secret_month: 0.40",
                                                                          "per_secret_month: lots"))
    run = run_gate_cli(tmp_path / "out", "--stack", "staging", "--no-checkov", "--today", TODAY,
                       "--prices", str(prices))
    assert_bad_input(run, "Invalid price table", "secrets-manager", "per_secret_month")


# --- the estimate, by hand ---------------------------------------------------------------------------

def test_production_databases_are_priced_by_hand(production_run, loaded_stacks, table):
    estimate = estimate_of(production_run, loaded_stacks["production"], table)
    primary = by_name(estimate, "database-primary", "aws:rds/instance:Instance")
    hours, storage = primary.lines[0], primary.lines[1]
    assert (hours.item, round(hours.monthly, 2)) == ("instance hours (db.r6g.xlarge, Multi-AZ)",
                                                     round(HOURS * R6G_XLARGE * 2, 2))
    assert round(storage.monthly, 2) == round(200 * GP3_PER_GB_MONTH * 2, 2)  # 200 GB, Multi-AZ
    replica = by_name(estimate, "database-replica-1", "aws:rds/instance:Instance")
    assert round(replica.lines[0].monthly, 2) == round(HOURS * R6G_LARGE, 2)
    assert round(replica.lines[1].monthly, 2) == round(200 * GP3_PER_GB_MONTH, 2), "its copy of the source's storage"
    proxy = by_name(estimate, "database-proxy", "aws:rds/proxy:Proxy")
    assert round(proxy.monthly, 2) == round(4 * HOURS * PROXY_PER_VCPU_HOUR, 2), "4 vCPUs of db.r6g.xlarge"
    assert estimate.by_component["database"] == pytest.approx(sum(
        r.monthly for r in estimate.resources if r.component == "database"))
    assert estimate.total == pytest.approx(sum(estimate.by_component.values()))


def test_the_dr_replica_is_priced_in_its_region_and_storage_class(production_run, loaded_stacks, table):
    estimate = estimate_of(production_run, loaded_stacks["production"], table)
    dr = by_name(estimate, "storage-backups-dr", "aws:s3/bucket:Bucket")
    assert dr.region == "us-west-2"
    assert dr.lines[0].item.startswith("STANDARD_IA storage (replica of chatpdd-production-backups-")
    assert dr.lines[0].unit_price == table.value("s3-storage", "us-west-2", "STANDARD_IA")
    replication = by_name(estimate, "storage-backups-replication",
                          "aws:s3/bucketReplicationConfig:BucketReplicationConfig")
    assert replication.lines[0].item.startswith("inter-region transfer to us-west-2")


def test_usage_driven_prices_follow_the_stack_usage_never_zero(production_run, loaded_stacks, table):
    config = loaded_stacks["production"].config
    more = UsageSettings.model_validate({"flow_logs_gb_per_month": 200})
    default = cost.estimate(production_run.resources, config.usage, "us-east-1", table)
    bigger = cost.estimate(production_run.resources, more, "us-east-1", table)
    flow = by_name(default, "network-flow-log", "aws:ec2/flowLog:FlowLog")
    assert flow.monthly == pytest.approx(config.usage.flow_logs_gb_per_month * 0.50) and flow.monthly > 0
    assert by_name(bigger, "network-flow-log", "aws:ec2/flowLog:FlowLog").monthly == pytest.approx(200 * 0.50)


def test_redis_cloud_is_not_priced_until_a_quote_for_its_plan_is_recorded(production_run, loaded_stacks, table):
    estimate = estimate_of(production_run, loaded_stacks["production"], table)
    subscription = by_name(estimate, "cache-subscription", "rediscloud:index/subscription:Subscription")
    [line] = subscription.lines
    assert line.monthly is None and "no quote for this plan" in line.reason
    assert "4 GB, replication, 32000 ops/s, AWS us-east-1 multi-AZ" in line.item

    def quote(document):
        document["groups"]["rediscloud-pro"]["quotes"] = [{
            "memory_gb": 4, "replication": True, "throughput_ops": 32000, "provider": "AWS", "region": "us-east-1",
            "multi_az": True, "monthly_usd": 420.5, "source": "console plan summary", "read": TODAY}]
    quoted = estimate_of(production_run, loaded_stacks["production"], _table_with(quote))
    assert by_name(quoted, "cache-subscription", "rediscloud:index/subscription:Subscription").monthly == 420.5
    assert quoted.total == pytest.approx(estimate.total + 420.5)


def test_the_gate_reports_the_estimate(production_gate):
    report = production_gate.report()["cost"]
    assert report["monthly_usd"] > 0 and report["delta"] is None
    assert report["budget"] == {"monthly_usd": 1400.0, "max_increase_percent": 20.0}
    assert report["monthly_usd"] <= report["budget"]["monthly_usd"], "production is within its budget"
    assert {n["name"] for n in report["not_priced"]} == {"cache-subscription", "app-firewall"}
    assert report["free_resources"] > 50 and report["prices"]["file"] == "gate/prices.yaml"
    assert f"Monthly cost: {cost.money(report['monthly_usd'])}" in production_gate.stdout
    assert f"**Monthly cost: {cost.money(report['monthly_usd'])}**" in production_gate.text("report.md")
    assert "cost" in production_gate.report()["timings_seconds"]


def test_staging_is_within_its_budget(staging_gate):
    assert staging_gate.code == 0, staging_gate.stdout
    report = staging_gate.report()["cost"]
    assert 0 < report["monthly_usd"] <= report["budget"]["monthly_usd"]


# --- budgets -----------------------------------------------------------------------------------------

def _stack_copy(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "stack"
    folder.mkdir()
    shutil.copy2(REPO / "Pulumi.yaml", folder / "Pulumi.yaml")
    stack = folder / "Pulumi.production.yaml"
    shutil.copy2(REPO / "Pulumi.production.yaml", stack)
    edit(stack, old, new)
    return stack


def test_an_estimate_over_the_monthly_budget_blocks_and_names_it(tmp_path):
    stack = _stack_copy(tmp_path, "monthly_usd: 1400", "monthly_usd: 900")
    run = run_gate_cli(tmp_path / "out", "--stack", "production", "--no-checkov", "--today", TODAY,
                       "--stack-file", str(stack))
    assert run.code == 1, run.stdout + run.stderr
    [finding] = [f for f in run.report()["findings"] if f["policy"] == cost.COST_POLICY]
    assert finding["blocking"] and finding["resource_name"] == "budget.monthly_usd"
    assert "exceeds budget.monthly_usd $900.00" in finding["message"] and "largest: database-primary" in finding["message"]
    assert finding["location"]["path"].endswith("Pulumi.production.yaml") and finding["location"]["line"] > 1
    assert "gate-cost-budget -- budget.monthly_usd" in run.stdout

    exemptions = tmp_path / "exemptions.yaml"
    exemptions.write_text("exemptions:\n  - policy: gate-cost-budget\n    resource: budget.monthly_usd\n"
                          "    reason: The Q1 load test needs the larger database until the end of the month.\n"
                          f"    owner: platform-team\n    expires: {(dt.date.fromisoformat(TODAY) + dt.timedelta(days=30))}\n")
    waived = run_gate_cli(tmp_path / "out-waived", "--stack", "production", "--no-checkov", "--today", TODAY,
                          "--stack-file", str(stack), "--exemptions", str(exemptions))
    assert waived.code == 0, waived.stdout + waived.stderr
    assert [f["status"] for f in waived.report()["findings"] if f["policy"] == cost.COST_POLICY] == ["exempted"]


# --- the delta against --base ------------------------------------------------------------------------

def test_an_unchanged_head_costs_the_same(head):  # noqa: F811
    run = review(head)
    assert run.code == 0, run.stdout + run.stderr
    delta = run.report()["cost"]["delta"]
    assert (delta["delta_usd"], delta["delta_percent"], delta["changed"]) == (0.0, 0.0, [])
    assert delta["base_monthly_usd"] == delta["head_monthly_usd"] == run.report()["cost"]["monthly_usd"]
    total = cost.money(delta["head_monthly_usd"])
    assert f"**Monthly cost: {total} → {total} (+$0.00, +0.0%)**" in run.text("report.md")


def test_raising_the_rds_instance_class_shows_the_delta_and_blocks_over_the_budgets(head):  # noqa: F811
    edit(head / "Pulumi.production.yaml", "instance_class: db.r6g.xlarge", "instance_class: db.r6g.2xlarge")
    # ... and raises its own budget in the same change: the base's budget still applies (per key, the stricter).
    edit(head / "Pulumi.production.yaml", "monthly_usd: 1400", "monthly_usd: 5000")
    edit(head / "Pulumi.production.yaml", "max_increase_percent: 20", "max_increase_percent: 200")
    run = review(head)
    assert run.code == 1, run.stdout + run.stderr
    assert run.report()["cost"]["budget"] == {"monthly_usd": 1400.0, "max_increase_percent": 20.0}
    raised = [w for w in run.report()["warnings"] if "This change raises budget." in w]
    assert len(raised) == 2 and "raises budget.monthly_usd from 1400 to 5000: the base's 1400 applies" in raised[0]
    delta = run.report()["cost"]["delta"]
    # By hand: Multi-AZ instance hours (2 x price) and the proxy's vCPUs (db.r6g.xlarge 4 -> db.r6g.2xlarge 8).
    instance = HOURS * 2 * (R6G_2XLARGE - R6G_XLARGE)
    proxy = HOURS * PROXY_PER_VCPU_HOUR * (8 - 4)
    assert delta["delta_usd"] == round(instance + proxy, 2) == 699.34
    changed = {c["name"]: c["delta_usd"] for c in delta["changed"]}
    assert changed == {"database-primary": round(instance, 2), "database-proxy": round(proxy, 2)}
    percent = 100 * (instance + proxy) / delta["base_monthly_usd"]
    assert delta["delta_percent"] == round(percent, 2)
    headline = (f"Monthly cost: {cost.money(delta['base_monthly_usd'])} → {cost.money(delta['head_monthly_usd'])} "
                f"(+$699.34, +{percent:.1f}%)")
    markdown = run.text("report.md")
    assert f"**{headline}**" in markdown and headline in run.stdout
    assert "| `database-primary` | `aws:rds/instance:Instance` |" in markdown and "| +$655.54 |" in markdown
    budget = {f["resource_name"]: f for f in run.report()["findings"] if f["policy"] == cost.COST_POLICY}
    assert set(budget) == {"budget.monthly_usd", "budget.max_increase_percent"}
    increase = budget["budget.max_increase_percent"]["message"]
    assert f"raises the monthly cost estimate by {percent:.1f}%" in increase
    assert "more than budget.max_increase_percent 20%" in increase and "database-primary +$655.54" in increase


def test_canaries_and_replicated_backups_are_priced_by_hand(production_run, loaded_stacks, table):
    """Canary runs priced from the schedule, replicated backups in the DR region (names the program does not use, so
    they stand beside its own canaries and replication)."""
    canary = _resource("aws:synthetics/canary:Canary", "priced-canary-5min", schedule={"expression": "rate(5 minutes)"})
    hourly = _resource("aws:synthetics/canary:Canary", "priced-canary-hourly", schedule={"expression": "rate(1 hour)"})
    cron = _resource("aws:synthetics/canary:Canary", "priced-canary-cron", schedule={"expression": "cron(0 * * * ? *)"})
    replication = _resource("aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
                            "priced-backups-replication", retentionPeriod=30,
                            sourceDbInstanceArn="arn:aws:rds:us-east-1:111122223333:db:chatpdd-production-db")
    usage = loaded_stacks["production"].config.usage
    estimate = cost.estimate([*production_run.resources, canary, hourly, cron, replication], usage, "us-east-1", table)
    per_run = table.value("cloudwatch-synthetics", "us-east-1", "per_run")
    assert by_name(estimate, "priced-canary-5min", canary.type).monthly == pytest.approx(HOURS * 60 / 5 * per_run)
    assert by_name(estimate, "priced-canary-hourly", canary.type).monthly == pytest.approx(HOURS * per_run)
    [line] = by_name(estimate, "priced-canary-cron", canary.type).lines
    assert line.monthly is None and "is not a rate(...) expression" in line.reason
    storage, transfer = by_name(estimate, "priced-backups-replication", replication.type).lines
    assert storage.monthly == pytest.approx(usage.database.backup_storage_factor * 200 * 0.095)  # 200 GB primary
    assert transfer.monthly == pytest.approx(usage.database.backup_replication_gb_per_month * 0.02)
