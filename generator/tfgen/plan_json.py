"""A saved plan's `terraform show -json`, prepared for a plan scan.

A plan lists every value it knows; what terraform computes during apply (ids, ARNs, a bucket's
domain name) it marks in `after_unknown` and leaves out. A scanner reading the plan would take
"not known yet" for "not set" and report, say, CloudFront logging as off because the log
bucket's name is not known before the bucket exists. Each unknown value is filled with
UNKNOWN, which every check reads as "set": terraform will set it. Only values the
configuration sets (from a reference) are filled: an attribute AWS computes on its own (a
route's `instance_id`, a lifecycle filter's defaults) may well stay empty, so it stays absent.
"""

from __future__ import annotations

import copy
import re
from typing import Any

UNKNOWN = "(known after apply)"


def _configured(expr: Any) -> bool:
    """An attribute's expression in the plan's configuration (rather than a nested block's)."""
    return isinstance(expr, dict) and ("references" in expr or "constant_value" in expr)


def _sub_expression(expr: Any, key: str | int) -> Any:
    """The configuration of a part of a value: the attribute's own, a block's, or none."""
    if _configured(expr):
        return expr  # the whole attribute is set from an expression
    if isinstance(key, str):
        return expr.get(key) if isinstance(expr, dict) else None
    return expr[min(key, len(expr) - 1)] if isinstance(expr, list) and expr else None


def fill_unknown(value: Any, unknown: Any, expr: Any) -> Any:
    """`value` with the parts the `after_unknown` mask marks, and the configuration sets, filled."""
    if unknown is True:
        return UNKNOWN if value is None and expr is not None else value
    if isinstance(unknown, dict):
        base = value if isinstance(value, dict) else {}
        out = dict(base)
        for key, mask in unknown.items():
            sub = _sub_expression(expr, key)
            if mask and (sub is not None or key in base):
                out[key] = fill_unknown(base.get(key), mask, sub)
        return out
    if isinstance(unknown, list):
        items = list(value) if isinstance(value, list) else []
        for index, mask in enumerate(unknown):
            sub = _sub_expression(expr, index)
            if index >= len(items):
                if sub is None:
                    break
                items.append({} if isinstance(mask, dict) else None)
            items[index] = fill_unknown(items[index], mask, sub)
        return items
    return value


def configured_expressions(plan: dict[str, Any]) -> dict[str, Any]:
    """Each resource's expressions in the plan's configuration, by address without indexes."""
    found: dict[str, Any] = {}

    def walk(module: dict[str, Any], prefix: str) -> None:
        for resource in module.get("resources", []):
            found[prefix + str(resource.get("address", ""))] = resource.get("expressions", {})
        for name, call in module.get("module_calls", {}).items():
            walk(call.get("module", {}), f"{prefix}module.{name}.")

    walk(plan.get("configuration", {}).get("root_module", {}), "")
    return found


def _config_address(address: str) -> str:
    return re.sub(r"\[[^\]]*\]", "", address)


def _fill_module(module: dict[str, Any], unknown: dict[str, Any], config: dict[str, Any]) -> None:
    for resource in module.get("resources", []):
        address = resource.get("address", "")
        if unknown.get(address):
            expr = config.get(_config_address(address), {})
            resource["values"] = fill_unknown(resource.get("values", {}), unknown[address], expr)
    for child in module.get("child_modules", []):
        _fill_module(child, unknown, config)


def mark_unknowns(plan: dict[str, Any]) -> dict[str, Any]:
    """A copy of the plan in which every value known only after apply reads as set."""
    plan = copy.deepcopy(plan)
    config = configured_expressions(plan)
    unknown: dict[str, Any] = {}
    for rc in plan.get("resource_changes", []):
        change = rc.get("change", {})
        mask = change.get("after_unknown")
        if mask:
            address = rc.get("address", "")
            unknown[address] = mask
            expr = config.get(_config_address(address), {})
            change["after"] = fill_unknown(change.get("after"), mask, expr)
    _fill_module(plan.get("planned_values", {}).get("root_module", {}), unknown, config)
    return plan
