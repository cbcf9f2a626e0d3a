"""A monthly estimate of one environment from the spec alone: line items priced from the table.

Each line item is a product of factors (counts, hours, GB) times one unit price, so every
figure can be recomputed by hand from what is printed next to it. Usage-based items take their
volumes from the environment's `usage` and say when they use a default. A price the table lacks
makes an *unpriced* item and a partial total: never a silent $0.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..spec.model import Environment
from ..spec.sections import Usage
from . import inventory
from .items import Estimate, Factor, LineItem, number
from .prices import Price, PriceTable, RegionPrices


@dataclass
class _Builder:
    """Collects the line items of one environment."""

    env: Environment
    prices: RegionPrices
    hours: float
    items: list[LineItem] = field(default_factory=list)

    def add(
        self,
        key: str,
        component: str,
        name: str,
        factors: list[tuple[float, str]],
        unit: str,
        price: Price,
        note: str = "",
    ) -> None:
        self.items.append(
            LineItem(key, component, name, tuple(Factor(v, label) for v, label in factors), unit, price, note)
        )

    def hourly(
        self, key: str, component: str, name: str, count: float, label: str, price: Price, note: str = ""
    ) -> None:
        self.add(key, component, name, [(count, label), (self.hours, "h")], "h", price, note)

    def usage(self, key: str) -> float:
        return float(getattr(self.env.usage, key))

    def usage_note(self, *keys: str) -> str:
        """`(default: 50 GB/month; set usage.egress_gb)` or where the spec sets it."""
        notes = []
        for key in keys:
            value = f"{number(self.usage(key))} {USAGE_UNITS[key]}"
            where = self.env.usage_origin.get(key)
            notes.append(f"{where}: {value}" if where else f"default: {value}; set usage.{key}")
        return "; ".join(f"({n})" for n in notes)


USAGE_UNITS = {  # one per Usage key (a test checks they match)
    "requests_per_month": "requests/month",
    "egress_gb": "GB/month",
    "nat_gb": "GB/month",
    "log_gb": "GB/month",
    "flow_log_gb": "GB/month",
    "static_storage_gb": "GB",
    "static_requests_per_month": "requests/month",
    "db_change_gb_per_day": "GB/day",
}


def estimate(env: Environment, region: str, table: PriceTable) -> Estimate:
    """The monthly estimate of one resolved environment in a region."""
    b = _Builder(env, table.region(region), table.hours_per_month)
    for part in (_app, _network, _load_balancer, _database, _cache, _edge, _backup, _monitoring, _security):
        part(b)
    return Estimate(env.name, env.profile, region, env.azs, tuple(b.items))


def _app(b: _Builder) -> None:
    app = b.env.app
    n = app.desired_capacity
    b.hourly(
        "app.instances",
        "app",
        f"EC2 instances {app.instance_type}",
        n,
        "instances",
        b.prices.ec2(app.instance_type),
        f"desired capacity; the group scales {app.min_size}-{app.max_size}",
    )
    b.add(
        "app.volumes",
        "app",
        "EBS gp3 root volumes",
        [(n, "volumes"), (app.root_volume_size, "GB")],
        "GB-month",
        b.prices.unit("ebs_gp3_gb_month"),
    )


def _network(b: _Builder) -> None:
    env = b.env
    nat = inventory.count(env, "aws_nat_gateway")
    which = "one per AZ" if env.network.nat == "per_az" else "single, shared by the AZs"
    b.hourly(
        "network.nat",
        "network",
        f"NAT gateways ({which})",
        nat,
        "gateways",
        b.prices.unit("nat_gateway_hour"),
    )
    b.add(
        "network.nat_data",
        "network",
        "NAT data processed",
        [(b.usage("nat_gb"), "GB")],
        "GB",
        b.prices.unit("nat_gateway_gb"),
        b.usage_note("nat_gb"),
    )
    eips = inventory.count(env, "aws_eip")
    alb_nodes = env.azs * inventory.count(env, "aws_lb")
    b.hourly(
        "network.public_ipv4",
        "network",
        "Public IPv4 addresses",
        eips + alb_nodes,
        "addresses",
        b.prices.unit("public_ipv4_hour"),
        f"{eips} NAT Elastic IP(s) + the ALB's {alb_nodes} (one per AZ)",
    )
    endpoints = inventory.count(env, "aws_vpc_endpoint", "Interface")
    if endpoints:
        b.add(
            "network.endpoints",
            "network",
            "Interface VPC endpoints",
            [(endpoints, "endpoints"), (env.azs, "AZs"), (b.hours, "h")],
            "h",
            b.prices.unit("interface_endpoint_hour"),
        )
    if inventory.count(env, "aws_flow_log"):
        retention = env.network.flow_log_retention_days
        b.add(
            "network.flow_logs",
            "network",
            "VPC flow logs ingestion",
            [(b.usage("flow_log_gb"), "GB")],
            "GB",
            b.prices.unit("vended_logs_ingest_gb"),
            b.usage_note("flow_log_gb"),
        )
        b.add(
            "network.flow_log_storage",
            "network",
            f"VPC flow logs storage ({retention} days kept)",
            [(b.usage("flow_log_gb"), "GB/month"), (_months(retention), "months kept")],
            "GB-month",
            b.prices.unit("logs_storage_gb_month"),
            "steady state, once the retention period is full",
        )


def _months(days: int) -> float:
    return days * 12 / 365


def alb_lcus(usage: Usage, hours: float) -> tuple[float, str]:
    """Average LCUs from the volumes: the larger of new connections/25 per second and GB/hour.

    Each request is counted as a new connection (an upper bound: keep-alive reuses them).
    """
    per_second = usage.requests_per_month / (hours * 3600)
    per_hour_gb = usage.egress_gb / hours
    lcus = max(per_second / 25, per_hour_gb / 1)
    return lcus, (f"max({number(per_second)} new connections/s / 25, {number(per_hour_gb)} GB/h / 1)")


def _load_balancer(b: _Builder) -> None:
    if not inventory.count(b.env, "aws_lb"):
        return
    b.hourly(
        "load_balancer.hours",
        "load balancer",
        "Application Load Balancer",
        1,
        "ALB",
        b.prices.unit("alb_hour"),
    )
    lcus, how = alb_lcus(b.env.usage, b.hours)
    b.add(
        "load_balancer.lcus",
        "load balancer",
        "ALB capacity units (LCU)",
        [(lcus, "LCU"), (b.hours, "h")],
        "LCU-h",
        b.prices.unit("alb_lcu_hour"),
        f"{how} {b.usage_note('requests_per_month', 'egress_gb')}",
    )
    if b.env.cdn is None:
        b.add(
            "load_balancer.egress",
            "load balancer",
            "Data transfer out to the internet",
            [(b.usage("egress_gb"), "GB")],
            "GB",
            b.prices.unit("data_transfer_out_gb"),
            b.usage_note("egress_gb"),
        )


def _database(b: _Builder) -> None:
    db = b.env.database
    if db is None:
        return
    price = b.prices.rds(db.engine, db.instance_class)
    if db.multi_az:
        b.hourly(
            "database.instance",
            "database",
            f"RDS {db.engine} {db.instance_class}, Multi-AZ",
            2,
            "instances (primary + standby)",
            price,
            "Multi-AZ doubles the instance price",
        )
    else:
        b.hourly(
            "database.instance",
            "database",
            f"RDS {db.engine} {db.instance_class}",
            1,
            "instance",
            price,
            "single-AZ: no standby",
        )
    gp3 = b.prices.unit("rds_gp3_gb_month")
    copies = 2 if db.multi_az else 1
    b.add(
        "database.storage",
        "database",
        "RDS gp3 storage",
        [(copies, "copies (Multi-AZ)" if db.multi_az else "copy"), (db.allocated_storage, "GB")],
        "GB-month",
        gp3,
        f"allocated storage; autoscaling may grow it to {db.max_allocated_storage} GB",
    )
    if db.read_replicas:
        b.hourly(
            "database.replicas",
            "database",
            f"RDS read replicas {db.instance_class}",
            db.read_replicas,
            "replicas",
            price,
        )
        b.add(
            "database.replica_storage",
            "database",
            "RDS gp3 storage of the replicas",
            [(db.read_replicas, "replicas"), (db.allocated_storage, "GB")],
            "GB-month",
            gp3,
        )
    b.add(
        "database.backup",
        "database",
        "RDS backup storage beyond the free allowance",
        [(db.backup_retention_days, "days kept"), (b.usage("db_change_gb_per_day"), "GB/day")],
        "GB-month",
        b.prices.unit("rds_backup_gb_month"),
        f"backups up to the DB size ({db.allocated_storage} GB) are free "
        f"{b.usage_note('db_change_gb_per_day')}",
    )


def _cache(b: _Builder) -> None:
    cache = b.env.cache
    if cache is None:
        return
    price = b.prices.elasticache(cache.engine, cache.node_type)
    b.hourly(
        "cache.primary", "cache", f"ElastiCache {cache.engine} {cache.node_type} primary", 1, "node", price
    )
    if cache.replicas:
        failover = "automatic failover" if cache.automatic_failover else "no automatic failover"
        b.hourly(
            "cache.replicas",
            "cache",
            f"ElastiCache {cache.engine} replicas",
            cache.replicas,
            "nodes",
            price,
            failover,
        )


def _edge(b: _Builder) -> None:
    env = b.env
    if env.cdn is not None:
        b.add(
            "cdn.requests",
            "cdn",
            "CloudFront HTTPS requests",
            [(b.usage("requests_per_month") / 10_000, "x 10k requests")],
            "10k requests",
            b.prices.cloudfront("https_requests_per_10000"),
            f"{b.usage_note('requests_per_month')}",
        )
        b.add(
            "cdn.egress",
            "cdn",
            "CloudFront data transfer out",
            [(b.usage("egress_gb"), "GB")],
            "GB",
            b.prices.cloudfront("data_transfer_out_gb"),
            f"{b.usage_note('egress_gb')}; {b.prices.cloudfront_table.get('edge', '')}".rstrip("; "),
        )
    if env.static is not None:
        b.add(
            "static.storage",
            "static",
            "S3 Standard storage (static files)",
            [(b.usage("static_storage_gb"), "GB")],
            "GB-month",
            b.prices.unit("s3_standard_gb_month"),
            b.usage_note("static_storage_gb"),
        )
        b.add(
            "static.requests",
            "static",
            "S3 GET requests",
            [(b.usage("static_requests_per_month") / 1000, "x 1k requests")],
            "1k requests",
            b.prices.unit("s3_get_per_1000"),
            b.usage_note("static_requests_per_month"),
        )


DAYS_PER_MONTH = 365 / 12


def _backup(b: _Builder) -> None:
    """AWS Backup: the recovery points in the vault and in each copy, and the copies' transfer.

    Steady state: a full first recovery point, then the daily changes for the retention period
    (RDS snapshots and S3 backups are incremental), kept in the vault and again in every copy.
    """
    env, backup = b.env, b.env.backup_vault
    if backup is None:
        return
    copies = 1 + (1 if backup.copy_vault_arn else 0)
    where = f"the copy in {backup.copy_region}" + (
        " and the one in the second account's vault" if backup.copy_vault_arn else ""
    )
    db = env.database
    if db is not None:
        change = b.usage("db_change_gb_per_day")
        kept = db.allocated_storage + change * backup.retention_days
        how = (
            f"{db.allocated_storage} GB full + {number(change)} GB/day x {backup.retention_days} days "
            f"kept {b.usage_note('db_change_gb_per_day')}"
        )
        b.add(
            "backup.database",
            "backup",
            "AWS Backup storage of the database (vault and copies)",
            [(1 + copies, "vaults"), (kept, "GB")],
            "GB-month",
            b.prices.unit("backup_rds_gb_month"),
            f"the vault, {where}; {how}",
        )
        b.add(
            "backup.database_transfer",
            "backup",
            "Cross-region copy transfer of the database",
            [(copies, "copies"), (change, "GB/day"), (DAYS_PER_MONTH, "days")],
            "GB",
            b.prices.unit("inter_region_transfer_gb"),
            f"each day's changes, to {backup.copy_region}"
            + (" and to the second account's vault" if backup.copy_vault_arn else "")
            + "; the first full copy is a one-off",
        )
    if backup.static_bucket and env.static is not None:
        stored = b.usage("static_storage_gb")
        b.add(
            "backup.static",
            "backup",
            "AWS Backup storage of the static bucket (vault and copies)",
            [(1 + copies, "vaults"), (stored, "GB")],
            "GB-month",
            b.prices.unit("backup_s3_gb_month"),
            f"the bucket's size, versions included {b.usage_note('static_storage_gb')}",
        )


def _breakdown(counts: dict[str, int]) -> str:
    return ", ".join(f"{module} {n}" for module, n in counts.items())


def _monitoring(b: _Builder) -> None:
    env = b.env
    # An alarm is billed per metric it queries: a metric-math alarm (the error rates) counts each.
    alarms = inventory.alarm_metrics_by_module(env)
    b.add(
        "monitoring.alarms",
        "monitoring",
        "CloudWatch alarms",
        [(sum(alarms.values()), "alarm metrics")],
        "alarm metric-month",
        b.prices.unit("cloudwatch_alarm_month"),
        _breakdown(alarms),
    )
    dashboards = inventory.count(env, "aws_cloudwatch_dashboard")
    if dashboards:
        b.add(
            "monitoring.dashboards",
            "monitoring",
            "CloudWatch dashboards",
            [(dashboards, "dashboards")],
            "dashboard-month",
            b.prices.unit("cloudwatch_dashboard_month"),
            "one per environment; the free tier's 3 dashboards per account are not subtracted",
        )
    retention = env.monitoring.log_retention_days
    b.add(
        "monitoring.logs",
        "monitoring",
        "CloudWatch Logs ingestion (app, database, cache)",
        [(b.usage("log_gb"), "GB")],
        "GB",
        b.prices.unit("logs_ingest_gb"),
        b.usage_note("log_gb"),
    )
    b.add(
        "monitoring.log_storage",
        "monitoring",
        f"CloudWatch Logs storage ({retention} days kept)",
        [(b.usage("log_gb"), "GB/month"), (_months(retention), "months kept")],
        "GB-month",
        b.prices.unit("logs_storage_gb_month"),
        "steady state, once the retention period is full",
    )


def _security(b: _Builder) -> None:
    keys = inventory.count_by_module(b.env, "aws_kms_key")
    b.add(
        "security.kms",
        "security",
        "KMS customer managed keys",
        [(sum(keys.values()), "keys")],
        "key-month",
        b.prices.unit("kms_key_month"),
        _breakdown(keys),
    )
    secrets = inventory.count_by_module(b.env, "aws_secretsmanager_secret")
    if secrets:
        b.add(
            "security.secrets",
            "security",
            "Secrets Manager secrets",
            [(sum(secrets.values()), "secrets")],
            "secret-month",
            b.prices.unit("secret_month"),
            _breakdown(secrets),
        )
