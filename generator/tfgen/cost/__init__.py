"""`tfgen cost`: a monthly estimate of each environment from the spec alone, offline.

- `prices`: the price table shipped in the package (`data/prices.json`), dated and sourced;
- `inventory`: the priced resources each module creates, counted per environment;
- `items`: line items (factors x unit price) and totals, partial when a price is missing;
- `estimate`: the line items of an environment, tier by tier, from the spec;
- `compare`: the same spec under two profiles, side by side;
- `report`: table, Markdown and JSON output;
- `plan_delta`: the monthly cost change of a saved plan's priced resources.
"""

from __future__ import annotations

from .estimate import estimate
from .items import Estimate, LineItem
from .prices import PriceTable

__all__ = ["Estimate", "LineItem", "PriceTable", "estimate"]
