"""The monthly cost change of a plan: its created, deleted and changed priced resources.

A pure function of `terraform show -json` of the saved plan: each changed resource of a priced
type is priced before and after (from the values in the plan), and the difference is its
delta. Usage-based charges (data, requests, logs) are not in a plan and not in the delta.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .items import money, unit_price
from .prices import Price, PriceTable, RegionPrices

Values = dict[str, Any]


@dataclass(frozen=True)
class Priced:
    """What one resource costs a month with given values, or why it cannot be priced."""

    monthly: float | None
    detail: str
    missing: str = ""


@dataclass(frozen=True)
class DeltaItem:
    """One changed resource and how much more (or less) it costs a month."""

    address: str
    type: str
    action: str
    monthly: float | None
    detail: str
    missing: str = ""


@dataclass(frozen=True)
class CostDelta:
    """The plan's monthly cost change, item by item; partial when some item has no price."""

    region: str
    items: tuple[DeltaItem, ...]

    @property
    def total(self) -> float:
        return sum(i.monthly for i in self.items if i.monthly is not None)

    @property
    def partial(self) -> bool:
        return any(i.monthly is None for i in self.items)

    def headline(self) -> str:
        sign = "+" if self.total > 0.005 else ""
        text = f"monthly cost: {sign}{money(self.total)} ({self.region}, on-demand, before usage)"
        if self.partial:
            unpriced = sum(i.monthly is None for i in self.items)
            text += f"; partial: {unpriced} resource(s) unpriced"
        return text

    def lines(self) -> list[str]:
        """The headline and one line per item, for `tfgen plan`; alike items share a line
        (a new environment's sixteen alarms are one line, not sixteen)."""
        if not self.items:
            return []
        groups: dict[tuple[str, str, str, float | None], list[DeltaItem]] = {}
        for i in self.items:
            groups.setdefault((i.type, i.action, i.detail, i.monthly), []).append(i)
        out = [self.headline()]
        for (type_, action, detail, monthly), items in groups.items():
            first = items[0]
            if monthly is None:
                what = first.address if len(items) == 1 else f"{len(items)} x {type_} ({action})"
                out.append(f"  {'unpriced':>10}  {what}  ({first.missing})")
                continue
            total = monthly * len(items)
            figure = ("+" if total > 0 else "") + money(total)
            if len(items) == 1:
                out.append(f"  {figure:>10}  {first.address}  {detail}")
            else:
                out.append(f"  {figure:>10}  {len(items)} x {type_} ({action})  {detail} each")
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "total": self.total,
            "partial": self.partial,
            "items": [
                {
                    "address": i.address,
                    "type": i.type,
                    "action": i.action,
                    "monthly": i.monthly,
                    "detail": i.detail,
                    "unpriced": i.missing or None,
                }
                for i in self.items
            ],
        }


class _Plan:
    """The plan's resources by module, to find a resource's neighbours (launch template, engine)."""

    def __init__(self, plan: dict[str, Any]) -> None:
        self.changes: list[dict[str, Any]] = list(plan.get("resource_changes", []))

    def sibling(self, rc: dict[str, Any], type_: str, side: str, key: str | None = None) -> Values | None:
        """The values of a resource of `type_` in the same module (one that has `key`, if given)."""
        for other in self.changes:
            if other.get("type") == type_ and other.get("module_address") == rc.get("module_address"):
                values = other.get("change", {}).get(side)
                if isinstance(values, dict) and (key is None or values.get(key)):
                    return values
        return None

    def changed(self, rc: dict[str, Any], type_: str) -> bool:
        for other in self.changes:
            if other.get("type") == type_ and other.get("module_address") == rc.get("module_address"):
                return _action(other) not in ("no-op", "read", None)
        return False


def _action(rc: dict[str, Any]) -> str | None:
    actions = list(rc.get("change", {}).get("actions", []))
    if sorted(actions) == ["create", "delete"]:
        return "replace"
    return actions[0] if len(actions) == 1 else None


Pricer = Callable[[RegionPrices, float, Values, dict[str, Any], _Plan, str], Priced]


def _hourly(price: Price, count: float, hours: float, what: str) -> Priced:
    if price.amount is None:
        return Priced(None, what, price.missing)
    return Priced(
        count * hours * price.amount, f"{what} ({count:g} x {hours:g} h x ${unit_price(price.amount)}/h)"
    )


def _monthly(price: Price, count: float, what: str) -> Priced:
    if price.amount is None:
        return Priced(None, what, price.missing)
    return Priced(count * price.amount, f"{what} ({count:g} x ${unit_price(price.amount)}/month)")


def _sum(parts: list[Priced]) -> Priced:
    missing = [p.missing for p in parts if p.monthly is None]
    if missing:
        return Priced(None, "; ".join(p.detail for p in parts), "; ".join(missing))
    return Priced(sum(p.monthly or 0.0 for p in parts), " + ".join(p.detail for p in parts))


def _nat(r: RegionPrices, h: float, v: Values, rc: dict[str, Any], p: _Plan, side: str) -> Priced:
    return _hourly(r.unit("nat_gateway_hour"), 1, h, "NAT gateway")


def _eip(r: RegionPrices, h: float, v: Values, rc: dict[str, Any], p: _Plan, side: str) -> Priced:
    return _hourly(r.unit("public_ipv4_hour"), 1, h, "public IPv4 address")


def _lb(r: RegionPrices, h: float, v: Values, rc: dict[str, Any], p: _Plan, side: str) -> Priced:
    kind = v.get("load_balancer_type") or "application"
    if kind != "application":
        return Priced(None, f"{kind} load balancer", f"no price for a {kind} load balancer")
    return _hourly(r.unit("alb_hour"), 1, h, "Application Load Balancer (hours, before LCUs)")


def _db(r: RegionPrices, h: float, v: Values, rc: dict[str, Any], p: _Plan, side: str) -> Priced:
    # A read replica takes its engine from its source, another instance of the module.
    engine = v.get("engine") or (p.sibling(rc, "aws_db_instance", side, "engine") or {}).get("engine")
    klass = v.get("instance_class")
    if not engine or not klass:
        return Priced(None, "RDS instance", "the plan does not say the engine or instance class")
    multi = bool(v.get("multi_az"))
    copies = 2 if multi else 1
    what = f"RDS {engine} {klass}" + (", Multi-AZ" if multi else "")
    parts = [_hourly(r.rds(str(engine), str(klass)), copies, h, what)]
    storage = v.get("allocated_storage")
    if isinstance(storage, int | float) and storage:
        gp3 = r.unit("rds_gp3_gb_month")
        gb = copies * storage
        parts.append(
            Priced(None, "gp3 storage", gp3.missing)
            if gp3.amount is None
            else Priced(gb * gp3.amount, f"gp3 storage ({gb:g} GB x ${unit_price(gp3.amount)}/GB-month)")
        )
    if v.get("manage_master_user_password"):
        parts.append(_monthly(r.unit("secret_month"), 1, "master password secret"))
    return _sum(parts)


def _ec2(r: RegionPrices, h: float, v: Values, rc: dict[str, Any], p: _Plan, side: str) -> Priced:
    kind = str(v.get("instance_type") or "")
    return _hourly(r.ec2(kind), 1, h, f"EC2 {kind}")


def _asg(r: RegionPrices, h: float, v: Values, rc: dict[str, Any], p: _Plan, side: str) -> Priced:
    template = p.sibling(rc, "aws_launch_template", side) or {}
    kind = template.get("instance_type")
    count = v.get("desired_capacity")
    if count is None:
        count = v.get("min_size") or 0
    if not kind:
        return Priced(None, f"{count} instances", "the launch template's instance type is not in the plan")
    return _hourly(r.ec2(str(kind)), float(count), h, f"{count} x EC2 {kind}")


def _launch_template(r: RegionPrices, h: float, v: Values, rc: dict[str, Any], p: _Plan, side: str) -> Priced:
    """An instance type change under an unchanged group: the group's instances change price."""
    group = p.sibling(rc, "aws_autoscaling_group", side)
    if group is None or p.changed(rc, "aws_autoscaling_group"):
        return Priced(0.0, "")  # priced with the group itself
    return _asg(r, h, group, {**rc, "type": "aws_autoscaling_group"}, p, side)


def _cache(r: RegionPrices, h: float, v: Values, rc: dict[str, Any], p: _Plan, side: str) -> Priced:
    node = str(v.get("node_type") or "")
    engine = str(v.get("engine") or "redis")
    nodes = v.get("num_cache_clusters")
    if not nodes:
        groups = v.get("num_node_groups") or 1
        nodes = groups * (1 + (v.get("replicas_per_node_group") or 0))
    return _hourly(r.elasticache(engine, node), float(nodes), h, f"ElastiCache {engine} {node}")


def _endpoint(r: RegionPrices, h: float, v: Values, rc: dict[str, Any], p: _Plan, side: str) -> Priced:
    if (v.get("vpc_endpoint_type") or "Gateway") != "Interface":
        return Priced(0.0, "")  # gateway endpoints are free
    subnets = v.get("subnet_ids")
    if not isinstance(subnets, list):
        return Priced(None, "interface endpoint", "the plan does not say its subnets (AZs) yet")
    return _hourly(
        r.unit("interface_endpoint_hour"), len(subnets), h, f"interface endpoint in {len(subnets)} AZs"
    )


def _fixed(key: str, what: str) -> Pricer:
    def price(r: RegionPrices, h: float, v: Values, rc: dict[str, Any], p: _Plan, side: str) -> Priced:
        return _monthly(r.unit(key), 1, what)

    return price


def _alarm(r: RegionPrices, h: float, v: Values, rc: dict[str, Any], p: _Plan, side: str) -> Priced:
    # A metric-math alarm is billed per metric it queries; a plain alarm is one metric.
    queries = v.get("metric_query")
    metrics = (
        [q for q in queries if isinstance(q, dict) and q.get("metric")] if isinstance(queries, list) else []
    )
    if len(metrics) > 1:
        return _monthly(r.unit("cloudwatch_alarm_month"), len(metrics), f"alarm on {len(metrics)} metrics")
    return _monthly(r.unit("cloudwatch_alarm_month"), 1, "alarm")


PRICERS: dict[str, Pricer] = {
    "aws_nat_gateway": _nat,
    "aws_eip": _eip,
    "aws_lb": _lb,
    "aws_db_instance": _db,
    "aws_instance": _ec2,
    "aws_autoscaling_group": _asg,
    "aws_launch_template": _launch_template,
    "aws_elasticache_replication_group": _cache,
    "aws_vpc_endpoint": _endpoint,
    "aws_kms_key": _fixed("kms_key_month", "KMS key"),
    "aws_secretsmanager_secret": _fixed("secret_month", "secret"),
    "aws_cloudwatch_metric_alarm": _alarm,
    "aws_cloudwatch_dashboard": _fixed("cloudwatch_dashboard_month", "dashboard"),
}


def plan_cost_delta(plan: dict[str, Any], region: str, table: PriceTable) -> CostDelta:
    """The monthly cost change of the plan's priced resources in `region`."""
    prices = table.region(region)
    hours = table.hours_per_month
    index = _Plan(plan)
    items = []
    for rc in index.changes:
        pricer = PRICERS.get(str(rc.get("type")))
        action = _action(rc)
        if pricer is None or action not in ("create", "delete", "update", "replace"):
            continue
        change = rc.get("change", {})
        sides = {}
        for side in ("before", "after"):
            values = change.get(side)
            sides[side] = (
                pricer(prices, hours, values, rc, index, side)
                if isinstance(values, dict)
                else Priced(0.0, "")
            )
        before, after = sides["before"], sides["after"]
        if before.monthly is None or after.monthly is None:
            missing = after.missing or before.missing
            items.append(
                DeltaItem(rc["address"], rc["type"], action, None, after.detail or before.detail, missing)
            )
            continue
        delta = after.monthly - before.monthly
        if abs(delta) < 0.005:
            continue
        if action == "create":
            detail = after.detail
        elif action == "delete":
            detail = f"{before.detail} removed"
        else:
            detail = f"{before.detail} -> {after.detail}"
        items.append(DeltaItem(rc["address"], rc["type"], action, delta, detail))
    return CostDelta(region, tuple(items))
