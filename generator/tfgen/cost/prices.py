"""The price table shipped with tfgen (`data/prices.json`): on-demand USD per region, offline.

A snapshot of the AWS public price list (Price List Bulk API), dated and sourced in the file;
`tools/refresh_prices.py` rebuilds it where the API is reachable. A lookup that finds nothing
returns a `Price` without an amount and says why, so nothing is ever silently priced at $0.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UsageError

PRICES = Path(__file__).resolve().parent.parent / "data" / "prices.json"


@dataclass(frozen=True)
class Price:
    """A unit price in USD, or None with the reason the table has none."""

    amount: float | None
    missing: str = ""


@dataclass(frozen=True)
class PriceTable:
    """The table: where its figures come from, their date, and the prices per region."""

    source: str
    as_of: str
    snapshot: str
    hours_per_month: float
    regions: dict[str, Any]
    cloudfront: dict[str, Any]
    path: Path

    @classmethod
    def load(cls, path: Path | None = None) -> PriceTable:
        """Read a price table (default: the one in the package)."""
        where = Path(path) if path is not None else PRICES
        try:
            data = json.loads(where.read_text(encoding="utf-8"))
            return cls(
                source=str(data["source"]),
                as_of=str(data["as_of"]),
                snapshot=str(data.get("snapshot", "")),
                hours_per_month=float(data["hours_per_month"]),
                regions=dict(data["regions"]),
                cloudfront=dict(data.get("global", {}).get("cloudfront", {})),
                path=where,
            )
        except FileNotFoundError:
            raise UsageError(f"price table {where} not found") from None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
            raise UsageError(
                f"price table {where} is not a tfgen price table ({type(err).__name__}: {err}): "
                "rebuild it with tools/refresh_prices.py"
            ) from None

    def region(self, name: str) -> RegionPrices:
        return RegionPrices(name, self.regions.get(name), self.cloudfront)


@dataclass(frozen=True)
class RegionPrices:
    """One region's prices; `table` is None when the region is not in the price table."""

    name: str
    table: dict[str, Any] | None
    cloudfront_table: dict[str, Any]

    def _find(self, path: tuple[str, ...], what: str) -> Price:
        if self.table is None:
            return Price(None, f"region {self.name} is not in the price table")
        node: Any = self.table
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, int | float) and not isinstance(node, bool):
            return Price(float(node))
        return Price(None, f"no price for {what} in {self.name} in the price table")

    def ec2(self, instance_type: str) -> Price:
        return self._find(("ec2", instance_type), instance_type)

    def rds(self, engine: str, instance_class: str) -> Price:
        return self._find(("rds", engine, instance_class), f"{engine} {instance_class}")

    def elasticache(self, engine: str, node_type: str) -> Price:
        return self._find(("elasticache", engine, node_type), f"{engine} {node_type}")

    def unit(self, key: str) -> Price:
        return self._find(("unit", key), key)

    def cloudfront(self, key: str) -> Price:
        value = self.cloudfront_table.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return Price(float(value))
        return Price(None, f"no CloudFront price {key} in the price table")
