"""What an estimate is made of: line items (factors x one unit price) and the environment's total.

Plain values, shared by the estimator, the profile comparison and the output formats.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from .prices import Price

COMPONENTS = (
    "app",
    "network",
    "load balancer",
    "database",
    "cache",
    "cdn",
    "static",
    "backup",
    "monitoring",
    "security",
)

NOT_ESTIMATED = (
    "free tiers, Savings Plans and Reserved Instances (on-demand prices only); data transfer "
    "between AZs; KMS, Secrets Manager and CloudWatch API requests; the log bucket's storage; "
    "WAF; AWS Budgets (the first two budgets are free); the S3 gateway endpoint (free); with "
    "`dns:`, the hosted zone (the account's, looked up, not created) and its queries (alias "
    "queries to the ALB and CloudFront are free), and the ACM public certificates (free)"
)


@dataclass(frozen=True)
class Factor:
    """One number of a line item's product, with what it counts (`2 instances`, `730 h`)."""

    value: float
    label: str


SINGULAR = {
    "instances": "instance",
    "volumes": "volume",
    "gateways": "gateway",
    "addresses": "address",
    "replicas": "replica",
    "nodes": "node",
    "alarms": "alarm",
    "alarm metrics": "alarm metric",
    "keys": "key",
    "secrets": "secret",
    "endpoints": "endpoint",
    "AZs": "AZ",
    "dashboards": "dashboard",
    "days kept": "day kept",
    "months kept": "month kept",
}


@dataclass(frozen=True)
class LineItem:
    """One priced thing: quantity (the product of its factors) times a unit price."""

    key: str
    """Stable id of the item across profiles and formats, e.g. `database.instance`."""
    component: str
    name: str
    factors: tuple[Factor, ...]
    unit: str
    """What the unit price is per: `h`, `GB`, `GB-month`, `month`, `10k requests`..."""
    price: Price
    note: str = ""

    @property
    def quantity(self) -> float:
        return math.prod(f.value for f in self.factors)

    @property
    def monthly(self) -> float | None:
        """USD per month, or None when the table has no price for it (unpriced)."""
        return None if self.price.amount is None else self.quantity * self.price.amount

    @property
    def unpriced(self) -> bool:
        return self.price.amount is None

    def formula(self) -> str:
        """`2 instances x 730 h x $0.0208/h`: the arithmetic behind the figure."""
        parts = [
            f"{number(f.value)} {SINGULAR.get(f.label, f.label) if f.value == 1 else f.label}"
            for f in self.factors
        ]
        if self.price.amount is not None:
            parts.append(f"${unit_price(self.price.amount)}/{self.unit}")
        return " x ".join(parts)


@dataclass(frozen=True)
class Estimate:
    """One environment's monthly estimate."""

    env: str
    profile: str
    region: str
    azs: int
    items: tuple[LineItem, ...]

    @property
    def total(self) -> float:
        """The sum of the priced items (see `partial`)."""
        return sum(i.monthly for i in self.items if i.monthly is not None)

    @property
    def unpriced(self) -> list[LineItem]:
        return [i for i in self.items if i.unpriced]

    @property
    def partial(self) -> bool:
        """Some item has no price: the total leaves it out and says so."""
        return bool(self.unpriced)

    def item(self, key: str) -> LineItem | None:
        return next((i for i in self.items if i.key == key), None)

    def total_text(self) -> str:
        """The total as printed: partial when some item is unpriced, no figure when all are."""
        if self.items and len(self.unpriced) == len(self.items):
            return f"unpriced (no price for any of its {len(self.items)} items)"
        text = money(self.total)
        if self.partial:
            text += f" (partial: {len(self.unpriced)} item(s) unpriced)"
        return text


def number(value: float) -> str:
    """A quantity as printed: integers without decimals, others to 4 significant digits."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.4g}" if value < 1000 else f"{value:,.1f}"


def unit_price(value: float) -> str:
    return f"{value:,.2f}" if value >= 1 else f"{value:.6g}"


def money(value: float) -> str:
    sign = "-" if value < -0.005 else ""
    return f"{sign}${abs(value):,.2f}"


def iter_components(est: Estimate) -> Iterator[tuple[str, list[LineItem]]]:
    """The items grouped by component, in COMPONENTS order."""
    for component in COMPONENTS:
        items = [i for i in est.items if i.component == component]
        if items:
            yield component, items
