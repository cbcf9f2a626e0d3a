"""tfgen cost: line items and totals against figures computed here by hand from the price table.

Every expected figure is written as the arithmetic a reader would do (count x unit price x
730 h), from the table's unit prices and the spec's counts, never from the estimator's own
numbers. The priced resources it counts are checked against the rendered modules block for
block, so a module that gains a KMS key or an alarm fails here until the estimate counts it.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest
from helpers import EXTRA_SPECS, REFERENCE_SPEC, REPO, SPECS, TEST_SPECS, blocks, parse, readme_block, unquote
from tfgen.cli import app
from tfgen.cost import PriceTable, estimate
from tfgen.cost.inventory import MANAGED_SECRETS, PRICED, PRICED_TYPES, modules_of
from tfgen.spec import load_spec
from typer.testing import CliRunner

PRICES = json.loads((REPO / "generator" / "tfgen" / "data" / "prices.json").read_text())
H = 730
runner = CliRunner()


def prices(region: str) -> dict[str, Any]:
    return PRICES["regions"][region]


CF = PRICES["global"]["cloudfront"]


def figures(est: Any) -> dict[str, float | None]:
    return {item.key: item.monthly for item in est.items}


def estimates_of(path: Path) -> dict[str, Any]:
    spec = load_spec(path)
    table = PriceTable.load()
    return {e.name: estimate(e, spec.region, table) for e in spec.environments}


def cost(*args: str) -> Any:
    return runner.invoke(app, ["cost", *args], catch_exceptions=False)


# --------------------------------------------------------------------------- the reference spec

EU = prices("eu-west-1")
U = EU["unit"]
LCU_DEFAULT = max(10_000_000 / (730 * 3600) / 25, 50 / 730)  # new connections vs GB/h


def reference_common(azs: int, nat: int, alarms: int) -> dict[str, float]:
    """What dev, staging and prod of examples/app.yaml share (default usage everywhere)."""
    return {
        "network.nat": nat * U["nat_gateway_hour"] * 730,
        "network.nat_data": 20 * U["nat_gateway_gb"],
        "network.public_ipv4": (nat + azs) * U["public_ipv4_hour"] * 730,
        "network.flow_logs": 5 * U["vended_logs_ingest_gb"],
        "network.flow_log_storage": 5 * 12 * U["logs_storage_gb_month"],
        "load_balancer.hours": 1 * U["alb_hour"] * 730,
        "load_balancer.lcus": LCU_DEFAULT * U["alb_lcu_hour"] * 730,
        "cdn.requests": 10_000_000 / 10_000 * CF["https_requests_per_10000"],
        "cdn.egress": 50 * CF["data_transfer_out_gb"],
        "static.storage": 5 * U["s3_standard_gb_month"],
        "static.requests": 1_000_000 / 1000 * U["s3_get_per_1000"],
        "monitoring.alarms": alarms * U["cloudwatch_alarm_month"],
        "monitoring.dashboards": 1 * U["cloudwatch_dashboard_month"],
        "monitoring.logs": 5 * U["logs_ingest_gb"],
        "monitoring.log_storage": 5 * 12 * U["logs_storage_gb_month"],
        # vpc, asg, rds, elasticache, s3 (static), monitoring, monitoring's us-east-1 topic
        "security.kms": 7 * U["kms_key_month"],
        # RDS's managed master password, the cache AUTH token
        "security.secrets": 2 * U["secret_month"],
    }


def test_reference_dev_line_items_by_hand() -> None:
    dev = estimates_of(REFERENCE_SPEC)["dev"]
    expected = {
        "app.instances": 1 * EU["ec2"]["t3.micro"] * 730,
        "app.volumes": 1 * 20 * U["ebs_gp3_gb_month"],
        "database.instance": 1 * EU["rds"]["postgres"]["db.t4g.micro"] * 730,
        "database.storage": 1 * 20 * U["rds_gp3_gb_month"],
        "database.backup": 7 * 0.5 * U["rds_backup_gb_month"],
        "cache.primary": 1 * EU["elasticache"]["valkey"]["cache.t4g.small"] * 730,
        # alarm metrics: alb 3 + the error rate's 3, asg 1, rds 4, one cache node 3, one NAT
        # gateway 1, CloudFront's error rate 2
        **reference_common(azs=2, nat=1, alarms=6 + 1 + 4 + 3 + 1 + 2),
    }
    assert figures(dev) == pytest.approx(expected, rel=1e-12)
    assert dev.total == pytest.approx(sum(expected.values()), rel=1e-12)
    assert not dev.partial


def test_reference_prod_high_power_line_items_by_hand() -> None:
    prod = estimates_of(REFERENCE_SPEC)["prod"]
    r7g = EU["rds"]["postgres"]["db.r7g.large"]
    node = EU["elasticache"]["valkey"]["cache.t4g.small"]
    expected = {
        "app.instances": 3 * EU["ec2"]["t3.small"] * 730,  # one per AZ
        "app.volumes": 3 * 20 * U["ebs_gp3_gb_month"],
        "database.instance": 2 * r7g * 730,  # Multi-AZ: primary + standby
        "database.storage": 2 * 20 * U["rds_gp3_gb_month"],
        "database.replicas": 1 * r7g * 730,
        "database.replica_storage": 1 * 20 * U["rds_gp3_gb_month"],
        "database.backup": 30 * 0.5 * U["rds_backup_gb_month"],
        "cache.primary": node * 730,
        "cache.replicas": 1 * node * 730,
        # AWS Backup: the vault and its copy in eu-central-1 each keep 20 GB + 0.5 GB/day x 35
        # days; each day's 0.5 GB crosses to eu-central-1.
        "backup.database": 2 * (20 + 0.5 * 35) * U["backup_rds_gb_month"],
        "backup.database_transfer": 1 * 0.5 * 365 / 12 * U["inter_region_transfer_gb"],
        # alarm metrics: alb 6, asg 1, rds 4 + 1 replica lag, two cache nodes 3 each, three
        # NAT gateways 1 each, CloudFront 2, backup 3
        **reference_common(azs=3, nat=3, alarms=6 + 1 + 5 + 6 + 3 + 2 + 3),
        # + the two vault keys, + the origin header secret's key (cdn.lock_origin)
        "security.kms": (7 + 2 + 1) * U["kms_key_month"],
        # RDS's managed master password, the cache AUTH token, the origin header
        "security.secrets": 3 * U["secret_month"],
        # high-power: ssm, ssmmessages, ec2messages, secretsmanager, logs, kms in each of 3 AZs
        "network.endpoints": 6 * 3 * U["interface_endpoint_hour"] * 730,
    }
    assert figures(prod) == pytest.approx(expected, rel=1e-12)
    assert prod.total == pytest.approx(sum(expected.values()), rel=1e-12)


def test_reference_staging_and_the_cli_summary() -> None:
    ests = estimates_of(REFERENCE_SPEC)
    staging = ests["staging"]
    assert staging.item("app.instances").monthly == pytest.approx(1 * 0.0228 * 730)
    assert staging.item("network.nat").monthly == pytest.approx(1 * U["nat_gateway_hour"] * 730)
    assert staging.item("network.public_ipv4").quantity == (1 + 3) * 730
    result = cost(str(REFERENCE_SPEC), "--all")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    summary = lines[lines.index(next(x for x in lines if x.startswith("environment"))) :][:5]
    assert [line.split() for line in summary] == [
        ["environment", "profile", "monthly"],
        ["dev", "low-power", f"${ests['dev'].total:,.2f}"],
        ["staging", "low-power", f"${staging.total:,.2f}"],
        ["prod", "high-power", f"${ests['prod'].total:,.2f}"],
        ["all", f"${sum(e.total for e in ests.values()):,.2f}"],
    ]


# --------------------------------------------------------------------------- the test specs


def expected_items(env: Any, region: str) -> dict[str, float]:
    """An independent estimate of any test spec: the same rules as README's `## Cost`, by hand."""
    p, u = prices(region), prices(region)["unit"]
    usage = env.usage
    n, azs = env.app.desired_capacity, env.azs
    nat = 1 if env.network.nat == "single" else azs
    out = {
        "app.instances": n * p["ec2"][env.app.instance_type] * H,
        "app.volumes": n * env.app.root_volume_size * u["ebs_gp3_gb_month"],
        "network.nat": nat * u["nat_gateway_hour"] * H,
        "network.nat_data": usage.nat_gb * u["nat_gateway_gb"],
        "network.public_ipv4": (nat + azs) * u["public_ipv4_hour"] * H,
        "network.flow_logs": usage.flow_log_gb * u["vended_logs_ingest_gb"],
        "network.flow_log_storage": usage.flow_log_gb
        * env.network.flow_log_retention_days
        * 12
        / 365
        * u["logs_storage_gb_month"],
        "load_balancer.hours": u["alb_hour"] * H,
        **(
            {"network.endpoints": 6 * azs * u["interface_endpoint_hour"] * H}
            if env.network.interface_endpoints
            else {}
        ),
        "load_balancer.lcus": max(usage.requests_per_month / (H * 3600) / 25, usage.egress_gb / H)
        * u["alb_lcu_hour"]
        * H,
        "monitoring.logs": usage.log_gb * u["logs_ingest_gb"],
        "monitoring.log_storage": usage.log_gb
        * env.monitoring.log_retention_days
        * 12
        / 365
        * u["logs_storage_gb_month"],
    }
    # alarm metrics: alb (3 + the error rate's 3), asg, one per NAT gateway; vpc, asg, monitoring keys
    alarms, keys, secrets = 6 + 1 + (1 if env.network.nat == "single" else env.azs), 3, 0
    out["monitoring.dashboards"] = 1 * u["cloudwatch_dashboard_month"]
    db = env.database
    if db is not None:
        klass = p["rds"][db.engine][db.instance_class]
        copies = 2 if db.multi_az else 1
        out["database.instance"] = copies * klass * H
        out["database.storage"] = copies * db.allocated_storage * u["rds_gp3_gb_month"]
        if db.read_replicas:
            out["database.replicas"] = db.read_replicas * klass * H
            out["database.replica_storage"] = db.read_replicas * db.allocated_storage * u["rds_gp3_gb_month"]
        out["database.backup"] = (
            db.backup_retention_days * usage.db_change_gb_per_day * u["rds_backup_gb_month"]
        )
        alarms, keys, secrets = alarms + 4 + db.read_replicas, keys + 1, secrets + 1
    cache = env.cache
    if cache is not None:
        node = p["elasticache"][cache.engine][cache.node_type]
        out["cache.primary"] = node * H
        if cache.replicas:
            out["cache.replicas"] = cache.replicas * node * H
        alarms, keys, secrets = alarms + 3 * (1 + cache.replicas), keys + 1, secrets + 1
    if env.cdn is not None and env.cdn.locks_origin():  # the origin header secret and its key
        keys, secrets = keys + 1, secrets + 1
    if env.cdn is not None:
        alarms += 2  # CloudFront's error rate: 5xxErrorRate guarded by Requests
        keys += 1 if region != "us-east-1" else 0  # the us-east-1 alarm topic's key
        out["cdn.requests"] = usage.requests_per_month / 10_000 * CF["https_requests_per_10000"]
        out["cdn.egress"] = usage.egress_gb * CF["data_transfer_out_gb"]
    else:
        out["load_balancer.egress"] = usage.egress_gb * u["data_transfer_out_gb"]
    if env.static is not None:
        out["static.storage"] = usage.static_storage_gb * u["s3_standard_gb_month"]
        out["static.requests"] = usage.static_requests_per_month / 1000 * u["s3_get_per_1000"]
        keys += 1
    vault = env.backup_vault
    if vault is not None:
        vaults = 2 + (1 if vault.copy_vault_arn else 0)  # the vault, the copy, a second account's
        if db is not None:
            kept = db.allocated_storage + usage.db_change_gb_per_day * vault.retention_days
            out["backup.database"] = vaults * kept * u["backup_rds_gb_month"]
            out["backup.database_transfer"] = (
                (vaults - 1) * usage.db_change_gb_per_day * 365 / 12 * u["inter_region_transfer_gb"]
            )
        if vault.static_bucket:
            out["backup.static"] = vaults * usage.static_storage_gb * u["backup_s3_gb_month"]
        alarms, keys = alarms + 3, keys + 2  # failed backup/copy/restore jobs; the vaults' keys
    out["monitoring.alarms"] = alarms * u["cloudwatch_alarm_month"]
    out["security.kms"] = keys * u["kms_key_month"]
    if secrets:
        out["security.secrets"] = secrets * u["secret_month"]
    return out


# new-region's ap-south-2 is not in the price table: its items are unpriced (tested below).
PRICED_SPECS = {**TEST_SPECS, **{k: v for k, v in EXTRA_SPECS.items() if k != "new-region"}}


@pytest.mark.parametrize("name", sorted(PRICED_SPECS))
def test_every_test_spec_matches_the_hand_estimate(name: str) -> None:
    spec = load_spec(PRICED_SPECS[name])
    table = PriceTable.load()
    for env in spec.environments:
        est = estimate(env, spec.region, table)
        expected = expected_items(env, spec.region)
        assert figures(est) == pytest.approx(expected, rel=1e-12), (name, env.name)
        assert est.total == pytest.approx(sum(expected.values()), rel=1e-12)
        assert not est.partial


def test_high_spec_in_numbers() -> None:
    """store/prod (us-west-2): m7g.large one per AZ, 2 read replicas, 2 cache replicas."""
    prod = estimates_of(SPECS / "high.yaml")["prod"]
    w = prices("us-west-2")
    assert prod.item("app.instances").monthly == pytest.approx(3 * w["ec2"]["m7g.large"] * 730)
    assert prod.item("database.instance").monthly == pytest.approx(
        2 * w["rds"]["postgres"]["db.r7g.large"] * 730
    )
    assert prod.item("database.replicas").monthly == pytest.approx(
        2 * w["rds"]["postgres"]["db.r7g.large"] * 730
    )
    assert prod.item("database.storage").quantity == 2 * 100
    assert prod.item("cache.replicas").monthly == pytest.approx(
        2 * w["elasticache"]["valkey"]["cache.r7g.large"] * 730
    )
    # alarm metrics: alb 6 + asg 1 + rds 4 + 2 replica lags + 3 cache nodes x 3 + 3 NAT
    # gateways + CloudFront 2 + backup 3
    assert prod.item("monitoring.alarms").quantity == 6 + 1 + 4 + 2 + 9 + 3 + 2 + 3
    assert prod.item("network.nat").quantity == 3 * 730
    # The vault, its copy in us-east-1 and the second account's: 100 GB + 0.5 GB/day x 90 days
    # each, and the static bucket's 5 GB each; the daily changes cross to two vaults.
    assert prod.item("backup.database").quantity == 3 * (100 + 0.5 * 90)
    assert prod.item("backup.database").monthly == pytest.approx(3 * 145 * w["unit"]["backup_rds_gb_month"])
    assert prod.item("backup.static").monthly == pytest.approx(3 * 5 * w["unit"]["backup_s3_gb_month"])
    assert prod.item("backup.database_transfer").monthly == pytest.approx(
        2 * 0.5 * 365 / 12 * w["unit"]["inter_region_transfer_gb"]
    )


def test_minimal_spec_pays_data_transfer_at_the_alb_and_has_no_data_tiers() -> None:
    dev = estimates_of(SPECS / "minimal.yaml")["dev"]
    u = prices("us-east-2")["unit"]
    assert dev.item("load_balancer.egress").monthly == pytest.approx(50 * u["data_transfer_out_gb"])
    assert {i.component for i in dev.items} == {"app", "network", "load balancer", "monitoring", "security"}
    assert dev.item("security.kms").quantity == 3  # vpc, asg, monitoring
    assert dev.item("security.secrets") is None


# --------------------------------------------------------------------------- what the profile buys

BASE = """\
name: shop
region: eu-west-1
azs: 3
load_balancer:
  certificate_arn: arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978
app:
  instance_type: t3.small
database:
  engine: postgres
  instance_class: db.m6g.large
  allocated_storage: 50
cache:
  engine: redis
  node_type: cache.r6g.large
environments:
  dev:
    profile: low-power
"""


def write(tmp_path: Path, text: str, name: str = "app.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def dev_estimate(tmp_path: Path, overrides: str = "") -> Any:
    text = BASE + textwrap.indent(textwrap.dedent(overrides), "    ")
    return estimates_of(write(tmp_path, text))["dev"]


def test_multi_az_doubles_the_instance_and_its_storage_exactly(tmp_path: Path) -> None:
    single = dev_estimate(tmp_path)
    multi = dev_estimate(tmp_path, "database:\n  multi_az: true\n")
    m6g = EU["rds"]["postgres"]["db.m6g.large"]
    assert multi.total - single.total == pytest.approx(m6g * 730 + 50 * U["rds_gp3_gb_month"])
    assert multi.item("database.instance").monthly == pytest.approx(2 * m6g * 730)


def test_each_read_replica_adds_an_instance_its_storage_and_a_lag_alarm(tmp_path: Path) -> None:
    one = dev_estimate(tmp_path, "database:\n  read_replicas: 1\n")
    three = dev_estimate(tmp_path, "database:\n  read_replicas: 3\n")
    m6g = EU["rds"]["postgres"]["db.m6g.large"]
    per_replica = m6g * 730 + 50 * U["rds_gp3_gb_month"] + U["cloudwatch_alarm_month"]
    assert three.total - one.total == pytest.approx(2 * per_replica)


def test_nat_per_az_adds_two_gateways_and_their_addresses_in_three_azs(tmp_path: Path) -> None:
    single = dev_estimate(tmp_path)
    per_az = dev_estimate(tmp_path, "network:\n  nat: per_az\n")
    assert per_az.total - single.total == pytest.approx(
        2 * U["nat_gateway_hour"] * 730 + 2 * U["public_ipv4_hour"] * 730 + 2 * U["cloudwatch_alarm_month"]
    )  # each gateway has its port-allocation alarm
    assert per_az.item("network.nat").name == "NAT gateways (one per AZ)"


def test_cache_replica_adds_a_node_and_its_three_alarms(tmp_path: Path) -> None:
    none = dev_estimate(tmp_path)
    one = dev_estimate(tmp_path, "cache:\n  replicas: 1\n")
    node = EU["elasticache"]["redis"]["cache.r6g.large"]
    assert one.total - none.total == pytest.approx(node * 730 + 3 * U["cloudwatch_alarm_month"])


# --------------------------------------------------------------------------- unpriced, never $0


def test_an_instance_type_the_table_lacks_is_unpriced_and_the_total_partial(tmp_path: Path) -> None:
    est = dev_estimate(tmp_path, "app:\n  instance_type: x9.mega\n")
    item = est.item("app.instances")
    assert item.monthly is None and item.unpriced
    assert item.price.missing == "no price for x9.mega in eu-west-1 in the price table"
    priced = sum(i.monthly for i in est.items if i.monthly is not None)
    assert est.total == pytest.approx(priced) and est.partial
    assert est.total_text() == f"${priced:,.2f} (partial: 1 item(s) unpriced)"
    spec = write(tmp_path, BASE + "    app:\n      instance_type: x9.mega\n")
    table = cost(str(spec))
    assert table.exit_code == 0
    assert "EC2 instances x9.mega" in table.output and "unpriced" in table.output
    assert "UNPRICED: no price for x9.mega in eu-west-1 in the price table" in table.output
    assert "(partial: 1 item(s) unpriced) per month" in table.output
    data = json.loads(cost(str(spec), "--format", "json").output)
    env = data["environments"][0]
    assert env["partial"] is True and env["unpriced"] == ["app.instances"]
    instances = next(i for i in env["items"] if i["key"] == "app.instances")
    assert instances["monthly"] is None and instances["unit_price"] is None


def test_a_region_the_table_lacks_leaves_every_item_unpriced(tmp_path: Path) -> None:
    spec = write(tmp_path, BASE.replace("eu-west-1", "me-central-1"))
    est = estimates_of(spec)["dev"]
    assert est.total == 0 and est.partial and len(est.unpriced) == len(est.items)
    assert {i.price.missing for i in est.items} == {"region me-central-1 is not in the price table"}
    assert est.total_text() == f"unpriced (no price for any of its {len(est.items)} items)"


# --------------------------------------------------------------------------- usage


def test_usage_defaults_are_printed_next_to_the_figures_they_drive() -> None:
    result = cost(str(REFERENCE_SPEC), "--env", "dev")
    assert result.exit_code == 0
    out = result.output
    for note in (
        "(default: 50 GB/month; set usage.egress_gb)",
        "(default: 20 GB/month; set usage.nat_gb)",
        "(default: 5 GB/month; set usage.log_gb)",
        "(default: 5 GB/month; set usage.flow_log_gb)",
        "(default: 5 GB; set usage.static_storage_gb)",
        "(default: 10,000,000 requests/month; set usage.requests_per_month)",
        "(default: 1,000,000 requests/month; set usage.static_requests_per_month)",
        "(default: 0.5 GB/day; set usage.db_change_gb_per_day)",
    ):
        assert note in out, note


def test_every_usage_key_has_a_default_description_and_unit() -> None:
    from tfgen.cost.estimate import USAGE_UNITS
    from tfgen.spec import Usage

    assert set(USAGE_UNITS) == set(Usage.model_fields)
    for name, info in Usage.model_fields.items():
        assert info.description and info.default is not None, name


def test_usage_set_in_the_spec_drives_the_figures_and_names_its_key(tmp_path: Path) -> None:
    text = BASE.replace("environments:", "usage:\n  egress_gb: 400\n  nat_gb: 100\nenvironments:")
    text += "    usage:\n      nat_gb: 250\n"
    dev = estimates_of(write(tmp_path, text))["dev"]
    assert dev.item("network.nat_data").monthly == pytest.approx(250 * U["nat_gateway_gb"])
    assert dev.item("network.nat_data").note == "(environments.dev.usage.nat_gb: 250 GB/month)"
    assert dev.item("load_balancer.egress").monthly == pytest.approx(400 * U["data_transfer_out_gb"])
    assert dev.item("load_balancer.egress").note == "(usage.egress_gb: 400 GB/month)"
    assert dev.item("load_balancer.lcus").quantity == pytest.approx(400 / 730 * 730)


def test_bad_usage_gets_one_line_with_key_and_line_and_no_traceback(tmp_path: Path) -> None:
    text = BASE.replace("environments:", "usage:\n  egress_gb: -3\nenvironments:")
    text += "    usage:\n      egres_gb: 3\n"
    result = cost(str(write(tmp_path, text)))
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"error: {tmp_path / 'app.yaml'}:16: usage.egress_gb: Input should be greater than or "
        "equal to 0 (got -3): GB per month sent to the internet (CloudFront with a CDN, EC2 data "
        "transfer out otherwise); also drives the ALB's LCUs.",
        f"error: {tmp_path / 'app.yaml'}:21: environments.dev.usage.egres_gb: unknown key: "
        "did you mean `egress_gb`?",
    ]
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- --compare


def test_compare_shows_both_profiles_and_the_difference_by_hand() -> None:
    result = cost(
        str(REFERENCE_SPEC), "--env", "staging", "--compare", "low-power", "high-power", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["profiles"] == ["low-power", "high-power"]
    (staging,) = data["environments"]
    rows = {r["key"]: r for r in staging["items"]}
    small = EU["rds"]["postgres"]["db.t4g.small"]
    node = EU["elasticache"]["valkey"]["cache.t4g.small"]
    assert rows["network.nat"]["difference"] == pytest.approx(2 * U["nat_gateway_hour"] * 730)
    assert rows["app.instances"]["difference"] == pytest.approx(2 * 0.0228 * 730)
    assert rows["database.instance"]["difference"] == pytest.approx(small * 730)
    assert rows["database.replicas"]["low-power"] is None
    assert rows["database.replicas"]["high-power"] == pytest.approx(small * 730)
    assert rows["cache.replicas"]["difference"] == pytest.approx(node * 730)
    assert rows["database.backup"]["difference"] == pytest.approx((30 - 7) * 0.5 * 0.095)
    assert rows["static.storage"]["difference"] == 0 and rows["static.storage"]["why"] == ""
    assert rows["network.nat"]["why"] == (
        "a NAT gateway per AZ keeps outbound traffic up through an AZ outage"
    )
    low, high = staging["estimates"]["low-power"], staging["estimates"]["high-power"]
    assert staging["difference"] == pytest.approx(high["total"] - low["total"])
    # The high-power side is exactly what the spec would cost if staging were high-power.
    assert high["total"] == pytest.approx(sum(r["high-power"] or 0 for r in staging["items"]))
    assert low["total"] == pytest.approx(estimates_of(REFERENCE_SPEC)["staging"].total)


def test_compare_table_and_markdown(tmp_path: Path) -> None:
    table = cost(str(REFERENCE_SPEC), "--compare", "low-power", "high-power")
    assert table.exit_code == 0
    lines = table.output.splitlines()
    assert lines[0] == "== shop / dev: low-power vs high-power (eu-west-1, 2 AZs)"
    assert lines[1].split() == [
        "item",
        "low-power",
        "high-power",
        "difference",
        "what",
        "the",
        "difference",
        "buys",
    ]
    summary = lines.index(next(x for x in lines if x.startswith("environment")))
    assert [x.split()[0] for x in lines[summary : summary + 4]] == ["environment", "dev", "staging", "prod"]
    markdown = cost(str(REFERENCE_SPEC), "--compare", "low-power", "high-power", "-f", "markdown")
    assert (
        "| Item | low-power | high-power | Difference | What the difference buys |"
        in markdown.output.splitlines()
    )
    assert "| Environment | low-power | high-power | Difference |" in markdown.output.splitlines()


@pytest.mark.parametrize("override", ["", "    app:\n      min_size: 1\n"])
def test_compare_resolving_once_per_profile_answers_as_each_environment_alone(
    tmp_path: Path, override: str
) -> None:
    """The one-resolve-per-profile fast path gives what resolving each environment alone gives,
    both when every environment fits the profile and when one does not (dev's override)."""
    from tfgen.cost.compare import all_under_profile, under_profile

    app_spec = load_spec(write(tmp_path, BASE + override + "  prod:\n    profile: high-power\n"))
    table = PriceTable.load()
    names = [e.name for e in app_spec.environments]
    assert len(names) >= 2
    for profile in ("low-power", "high-power"):
        one_by_one = {env: under_profile(app_spec, env, profile, table) for env in names}
        assert all_under_profile(app_spec, names, profile, table) == one_by_one
    problems = [under_profile(app_spec, env, "high-power", table)[1] for env in names]
    assert bool(override) == any(problems)


def test_compare_reports_an_environment_the_other_profile_cannot_have(tmp_path: Path) -> None:
    # dev's own override is fine for low-power and refused by high-power's HA guarantees
    spec = write(tmp_path, BASE + "    app:\n      min_size: 1\n")
    result = cost(str(spec), "--compare", "low-power", "high-power")
    assert result.exit_code == 2
    assert "   under high-power: " in result.output
    assert "invalid" in result.output.splitlines()[-4]


# --------------------------------------------------------------------------- formats and errors


def test_json_and_markdown_formats_carry_the_same_figures() -> None:
    data = json.loads(cost(str(REFERENCE_SPEC), "-f", "json").output)
    ests = estimates_of(REFERENCE_SPEC)
    assert [e["env"] for e in data["environments"]] == ["dev", "staging", "prod"]
    assert data["prices"]["as_of"] == PRICES["as_of"]
    assert data["prices"]["source"] == "AWS public price list (Price List Bulk API)"
    for env in data["environments"]:
        assert env["total"] == pytest.approx(ests[env["env"]].total)
        assert env["total"] == pytest.approx(sum(i["monthly"] for i in env["items"]))
        for item in env["items"]:
            assert item["monthly"] == pytest.approx(item["quantity"] * item["unit_price"])
    markdown = cost(str(REFERENCE_SPEC), "--env", "prod", "--format", "markdown").output
    rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert rows[0] == "| Component | Item | Quantity x price | Monthly (USD) | Note |"
    assert len(rows) == 1 + len(ests["prod"].items) + 1  # header, items, total
    assert rows[-1] == f"| **total** | | | **${ests['prod'].total:,.2f}** | |"


def test_cost_without_spec_uses_the_projects(tmp_path: Path) -> None:
    assert cost("--project", str(REPO), "--env", "dev").exit_code == 0
    result = cost("--project", str(tmp_path))
    assert result.exit_code == 2
    assert result.output.startswith(f"error: no SPEC given and {tmp_path}/.tfgen/manifest.json")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--env", "qa"], "error: --env qa: the spec has no such environment (it has: dev, staging, prod)"),
        (["--format", "xml"], "error: --format xml: choose one of: table, json, markdown"),
        (["--compare", "low-power", "turbo"], "error: --compare turbo: choose one of: low-power, high-power"),
        (["--env", "dev", "--all"], "error: cost: pass --env ENV or --all, not both"),
    ],
)
def test_bad_options_are_one_line_errors(args: list[str], message: str) -> None:
    result = cost(str(REFERENCE_SPEC), *args)
    assert result.exit_code == 2
    assert result.output.splitlines() == [message]


def test_a_broken_price_table_is_an_error_to_act_on(tmp_path: Path) -> None:
    broken = tmp_path / "prices.json"
    broken.write_text('{"source": "x"}')
    result = cost(str(REFERENCE_SPEC), "--prices", str(broken))
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"error: price table {broken} is not a tfgen price table (KeyError: 'as_of'): rebuild it "
        "with tools/refresh_prices.py"
    ]


def test_the_shipped_table_says_its_date_and_source_and_covers_the_regions() -> None:
    assert PRICES["source"] == "AWS public price list (Price List Bulk API)"
    assert PRICES["as_of"] == "2025-06-01"
    assert "snapshot to refresh" in PRICES["snapshot"]
    required = {
        "us-east-1",
        "us-east-2",
        "us-west-2",
        "eu-west-1",
        "eu-west-2",
        "eu-central-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-northeast-1",
    }
    assert required <= set(PRICES["regions"])
    units = set(prices("us-east-1")["unit"])
    for region, table in PRICES["regions"].items():
        assert set(table["unit"]) == units, region
        assert set(table["ec2"]) == set(prices("us-east-1")["ec2"]), region
        for family in ("t3", "t4g", "m6i", "m7g", "c6i", "r6g", "r7g"):
            assert f"{family}.large" in table["ec2"], (region, family)
        for klass in ("db.t4g.micro", "db.m6g.large", "db.r6g.large", "db.r7g.large"):
            assert klass in table["rds"]["postgres"] and klass in table["rds"]["mysql"]
        for node in ("cache.t4g.micro", "cache.m6g.large", "cache.r6g.large", "cache.r7g.large"):
            assert node in table["elasticache"]["redis"] and node in table["elasticache"]["valkey"]
    # the spec's defaults are priced everywhere
    from tfgen.spec import AppTier, Cache, Database

    defaults = (
        AppTier.model_fields["instance_type"].default,
        Database.model_fields["instance_class"].default,
        Cache.model_fields["node_type"].default,
    )
    assert defaults == ("t3.micro", "db.t4g.micro", "cache.t4g.micro")
    for table in PRICES["regions"].values():
        assert defaults[0] in table["ec2"] and defaults[1] in table["rds"]["postgres"]


# --------------------------------------------------------------------------- counted like the code


def _count_expr(body: dict[str, Any]) -> str | None:
    raw = body.get("count", body.get("for_each"))
    if raw is None:
        return None
    text = str(raw)
    return text[2:-1] if text.startswith("${") and text.endswith("}") else text


@pytest.mark.parametrize("name", sorted(TEST_SPECS) + sorted(EXTRA_SPECS))
def test_priced_resources_are_exactly_those_the_rendered_modules_create(
    name: str, rendered: dict[str, Path], rendered_extra: dict[str, Path]
) -> None:
    spec = load_spec({**TEST_SPECS, **EXTRA_SPECS}[name])
    env = spec.environments[0]
    tree = {**rendered, **rendered_extra}[name]
    found = set()
    for module in modules_of(env):
        doc = parse(tree / "modules" / module / "main.tf")
        for type_ in PRICED_TYPES:
            for block, body in blocks(doc, "resource", type_).items():
                variant = unquote(body.get("vpc_endpoint_type", "")) if type_ == "aws_vpc_endpoint" else ""
                found.add((module, type_, block, _count_expr(body), variant, False))
    # The environment root's own resources (the monitoring part's NAT alarms and dashboard).
    root = parse(tree / "envs" / env.name / "main.tf")
    for type_ in PRICED_TYPES:
        for block, body in blocks(root, "resource", type_).items():
            found.add(("monitoring", type_, block, _count_expr(body), "", True))
    expected = {
        (p.module, p.type, p.name, p.count_expr, p.variant, p.root)
        for p in PRICED
        if p.module in modules_of(env)
        and (p.count_expr is not None or p.count(env) > 0)
        and (p.rendered is None or p.rendered(spec))
    }
    assert found == expected
    for module, address in MANAGED_SECRETS.items():
        if module in modules_of(env):
            type_, block = address.split(".")
            body = blocks(parse(tree / "modules" / module / "main.tf"), "resource", type_)[block]
            assert body["manage_master_user_password"] is True


# --------------------------------------------------------------------------- tfgen plan


def test_plan_cost_delta_on_a_fixture_by_hand() -> None:
    from tfgen.cost.plan_delta import plan_cost_delta

    plan = json.loads((REPO / "tests" / "fixtures" / "cost" / "plan.json").read_text())
    delta = plan_cost_delta(plan, "eu-west-1", PriceTable.load())
    small = EU["rds"]["postgres"]["db.t4g.small"]
    expected = {
        "module.vpc.aws_nat_gateway.this[1]": 1 * U["nat_gateway_hour"] * 730,
        "module.vpc.aws_eip.nat[1]": 1 * U["public_ipv4_hour"] * 730,
        # a replica: the engine comes from its source in the same module
        "module.rds.aws_db_instance.replica[0]": 1 * small * 730,
        # Multi-AZ on: a second instance and a second copy of the 20 GB
        "module.rds.aws_db_instance.this": 1 * small * 730 + 20 * U["rds_gp3_gb_month"],
        "module.rds.aws_cloudwatch_metric_alarm.replica_lag[0]": U["cloudwatch_alarm_month"],
        # desired 1 -> 3, the type from the (unchanged) launch template
        "module.asg.aws_autoscaling_group.this": 2 * EU["ec2"]["t3.small"] * 730,
        "module.elasticache.aws_elasticache_replication_group.this": 1
        * EU["elasticache"]["valkey"]["cache.t4g.small"]
        * 730,
        "module.vpc.aws_vpc_endpoint.ssm": 3 * U["interface_endpoint_hour"] * 730,
        "module.extra.aws_kms_key.this": 1 * U["kms_key_month"],
        "module.extra.aws_secretsmanager_secret.old": -1 * U["secret_month"],
        "module.extra.aws_instance.gpu": None,
        # t3.small -> t3.medium under an unchanged group of 2
        "module.web.aws_launch_template.web": 2 * (EU["ec2"]["t3.medium"] - EU["ec2"]["t3.small"]) * 730,
    }
    # not there: the gateway endpoint (free), the S3 bucket (usage only), the replaced ALB (same
    # price before and after), the unchanged group and launch template
    got = {i.address: i.monthly for i in delta.items}
    assert {k for k, v in got.items() if v is None} == {k for k, v in expected.items() if v is None}
    priced = {k: v for k, v in expected.items() if v is not None}
    assert {k: v for k, v in got.items() if v is not None} == pytest.approx(priced, rel=1e-12)
    assert delta.total == pytest.approx(sum(v for v in expected.values() if v is not None))
    assert delta.partial
    gpu = next(i for i in delta.items if i.address == "module.extra.aws_instance.gpu")
    assert gpu.missing == "no price for x9.mega in eu-west-1 in the price table"
    assert delta.headline() == (
        f"monthly cost: +${delta.total:,.2f} (eu-west-1, on-demand, before "
        "usage); partial: 1 resource(s) unpriced"
    )


def test_plan_report_and_json_show_the_cost_delta() -> None:
    from tfgen.cost.plan_delta import plan_cost_delta
    from tfgen.plans import PlanOutcome, PlanSummary, plan_report

    plan = json.loads((REPO / "tests" / "fixtures" / "cost" / "plan.json").read_text())
    delta = plan_cost_delta(plan, "eu-west-1", PriceTable.load())
    outcome = PlanOutcome("prod", PlanSummary.from_plan_json("prod", plan), Path("prod.tfplan"), cost=delta)
    lines = plan_report(outcome)
    start = lines.index(delta.headline())
    assert lines[start + 1 : start + 1 + len(delta.items)] == delta.lines()[1:]
    assert (
        "    unpriced  module.extra.aws_instance.gpu  (no price for x9.mega in eu-west-1 in the "
        "price table)" in lines
    )
    assert (
        "      -$0.40  module.extra.aws_secretsmanager_secret.old  secret (1 x $0.4/month) removed" in lines
    )
    data = outcome.to_json()["monthly_cost_delta"]
    assert data["total"] == pytest.approx(delta.total) and data["partial"] is True
    assert len(data["items"]) == len(delta.items)


@pytest.mark.slow
def test_tfgen_plan_of_a_new_environment_prices_what_the_estimate_counts(
    rendered: dict[str, Path], tmp_path: Path
) -> None:
    """The real terraform plans the reference project's prod through the provider twin
    (tools/twin); the plan's cost delta prices each created resource from the plan's own values,
    and must agree with the spec-only estimate of those resources."""
    mirror = REPO / ".tools" / "provider-mirror"
    twin = mirror / "registry.terraform.io/hashicorp/aws/6.69.1/linux_amd64/terraform-provider-aws_v6.69.1_x5"
    assert twin.is_file(), "the provider twin is missing: run `make setup`"
    tree = tmp_path / "ref"
    shutil.copytree(rendered["reference"], tree)
    (tree / "envs" / "prod" / "backend_override.tf").write_text('terraform {\n  backend "local" {}\n}\n')
    result = runner.invoke(
        app, ["plan", "--env", "prod", "--json", "--project", str(tree), "--plugin-dir", str(mirror)]
    )
    assert result.exit_code == 2, result.output[-3000:]  # changes
    delta = json.loads(result.stdout)["monthly_cost_delta"]
    assert delta["region"] == "eu-west-1" and delta["partial"] is False
    by_type: dict[str, float] = {}
    for item in delta["items"]:
        assert item["action"] == "create"
        by_type[item["type"]] = by_type.get(item["type"], 0.0) + item["monthly"]
    r7g, node = EU["rds"]["postgres"]["db.r7g.large"], EU["elasticache"]["valkey"]["cache.t4g.small"]
    assert by_type == pytest.approx(
        {
            "aws_nat_gateway": 3 * U["nat_gateway_hour"] * 730,
            "aws_eip": 3 * U["public_ipv4_hour"] * 730,
            "aws_lb": 1 * U["alb_hour"] * 730,
            "aws_autoscaling_group": 3 * EU["ec2"]["t3.small"] * 730,
            # primary Multi-AZ with 2 x 20 GB and its managed secret; the replica (storage unknown)
            "aws_db_instance": 2 * r7g * 730 + 40 * U["rds_gp3_gb_month"] + U["secret_month"] + r7g * 730,
            "aws_elasticache_replication_group": 2 * node * 730,
            # + the two backup vault keys and the origin header secret's key
            "aws_kms_key": (7 + 2 + 1) * U["kms_key_month"],
            "aws_secretsmanager_secret": 2 * U["secret_month"],  # the AUTH token, the origin header
            # billed per metric: 23 alarms, the ALB's and CloudFront's error rates on 3 and 2
            "aws_cloudwatch_metric_alarm": (21 + 3 + 2) * U["cloudwatch_alarm_month"],
            "aws_cloudwatch_dashboard": 1 * U["cloudwatch_dashboard_month"],
            "aws_vpc_endpoint": 6 * 3 * U["interface_endpoint_hour"] * 730,
        },
        rel=1e-12,
    )
    est = estimates_of(REFERENCE_SPEC)["prod"]
    same = (
        "app.instances",
        "network.nat",
        "load_balancer.hours",
        "database.instance",
        "database.storage",
        "database.replicas",
        "cache.primary",
        "cache.replicas",
        "security.kms",
        "security.secrets",
        "monitoring.alarms",
        "monitoring.dashboards",
        "network.endpoints",
    )
    nat_ips = 3 * U["public_ipv4_hour"] * 730  # the estimate's public IPv4 also counts the ALB's
    assert delta["total"] == pytest.approx(sum(est.item(k).monthly for k in same) + nat_ips, rel=1e-12)


def test_alike_changes_share_a_line_in_the_plan_report() -> None:
    from tfgen.cost.plan_delta import plan_cost_delta

    def alarm(name: str) -> dict[str, Any]:
        change = {"actions": ["create"], "before": None, "after": {"alarm_name": name}}
        return {
            "address": f"module.alb.aws_cloudwatch_metric_alarm.{name}",
            "module_address": "module.alb",
            "type": "aws_cloudwatch_metric_alarm",
            "change": change,
        }

    plan = {"resource_changes": [alarm("a"), alarm("b"), alarm("c")]}
    delta = plan_cost_delta(plan, "eu-west-1", PriceTable.load())
    assert len(delta.items) == 3 and delta.total == pytest.approx(3 * U["cloudwatch_alarm_month"])
    assert delta.lines() == [
        "monthly cost: +$0.30 (eu-west-1, on-demand, before usage)",
        "      +$0.30  3 x aws_cloudwatch_metric_alarm (create)  alarm (1 x $0.1/month) each",
    ]


def test_a_plan_without_priced_changes_prints_no_cost_line() -> None:
    from tfgen.cost.plan_delta import plan_cost_delta

    plan = json.loads((REPO / "tests" / "fixtures" / "scan" / "plan.json").read_text())
    delta = plan_cost_delta(plan, "eu-west-1", PriceTable.load())
    assert delta.items == () and delta.lines() == []


# --------------------------------------------------------------------------- the README stays true


def test_readme_cost_comparison_is_what_the_command_prints() -> None:
    one = cost(
        str(REFERENCE_SPEC), "--env", "prod", "--compare", "low-power", "high-power", "--format", "markdown"
    ).output
    table = one[one.index("### shop / prod") : one.index("| Environment |")].rstrip() + "\n"
    assert readme_block("tfgen cost examples/app.yaml --env prod --compare") == table
    every = cost(str(REFERENCE_SPEC), "--compare", "low-power", "high-power", "-f", "markdown").output
    summary = every[every.index("| Environment |") : every.index("_Prices")].rstrip() + "\n"
    assert readme_block("tfgen cost examples/app.yaml --compare") == summary


def test_a_metric_math_alarm_is_priced_per_metric_it_queries() -> None:
    from tfgen.cost.plan_delta import plan_cost_delta

    def query(id_: str, metric: bool) -> dict[str, Any]:
        return {
            "id": id_,
            "expression": "" if metric else "100 * e / r",
            "metric": [{"metric_name": id_}] if metric else [],
        }

    after = {
        "alarm_name": "rate",
        "metric_query": [query("rate", False), query("r", True), query("e", True), query("t", True)],
    }
    change = {"actions": ["create"], "before": None, "after": after}
    rc = {
        "address": "module.alb.aws_cloudwatch_metric_alarm.error_rate",
        "module_address": "module.alb",
        "type": "aws_cloudwatch_metric_alarm",
        "change": change,
    }
    delta = plan_cost_delta({"resource_changes": [rc]}, "eu-west-1", PriceTable.load())
    assert delta.total == pytest.approx(3 * U["cloudwatch_alarm_month"])
    assert delta.items[0].detail == "alarm on 3 metrics (3 x $0.1/month)"
