"""A saved plan's `terraform show -json`, prepared for a plan scan and safe to keep on disk.

Sensitive values: terraform marks them with a mask beside each value (`after_sensitive`,
`before_sensitive`, `sensitive_values`, an output's `sensitive`, a variable's declaration):
`true` for a whole value, or a structure of the value's shape with `true` at the sensitive
leaves. Every masked value is replaced by REDACTED; the structure, addresses and actions (what
the summary and the plan scan read) stay.

Unknown values:
a plan lists every value it knows; what terraform computes during apply (ids, ARNs, a bucket's
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


REDACTED = "(sensitive value redacted by tfgen)"


def mask(value: Any, sensitive: Any) -> Any:
    """`value` with every part the `sensitive` mask marks replaced by REDACTED."""
    if sensitive is True:
        return REDACTED if value is not None else None
    if isinstance(value, dict) and isinstance(sensitive, dict):
        return {k: mask(v, sensitive.get(k, False)) for k, v in value.items()}
    if isinstance(value, list) and isinstance(sensitive, list):
        return [mask(v, sensitive[i] if i < len(sensitive) else False) for i, v in enumerate(value)]
    return value


def _change(change: dict[str, Any]) -> None:
    for side in ("before", "after"):
        if side in change:
            change[side] = mask(change[side], change.get(f"{side}_sensitive", False))


def _module(module: dict[str, Any]) -> None:
    """A `root_module` of planned_values or prior_state, recursively."""
    for resource in module.get("resources", []):
        if "values" in resource:
            resource["values"] = mask(resource["values"], resource.get("sensitive_values", {}))
    for child in module.get("child_modules", []):
        _module(child)


def _outputs(outputs: dict[str, Any]) -> None:
    for output in outputs.values():
        if isinstance(output, dict) and output.get("sensitive"):
            output["value"] = REDACTED


def redact_plan(plan: dict[str, Any]) -> dict[str, Any]:
    """A copy of the plan with every sensitive value replaced."""
    plan = copy.deepcopy(plan)
    for key in ("resource_changes", "resource_drift"):
        for rc in plan.get(key, []):
            _change(rc.get("change", {}))
    for oc in plan.get("output_changes", {}).values():
        _change(oc)
    planned = plan.get("planned_values", {})
    _module(planned.get("root_module", {}))
    _outputs(planned.get("outputs", {}))
    prior = plan.get("prior_state", {}).get("values", {})
    _module(prior.get("root_module", {}))
    _outputs(prior.get("outputs", {}))
    declared = plan.get("configuration", {}).get("root_module", {}).get("variables", {})
    for name, variable in plan.get("variables", {}).items():
        if declared.get(name, {}).get("sensitive") and isinstance(variable, dict):
            variable["value"] = REDACTED
    return plan


def prepare_for_scan(plan: dict[str, Any]) -> dict[str, Any]:
    """What `tfgen plan --scan` keeps: unknowns read as set, no sensitive value."""
    return redact_plan(mark_unknowns(plan))
