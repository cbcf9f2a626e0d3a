"""Profiles and merging: what `low-power` and `high-power` decide, and how an environment resolves.

Precedence, lowest first: model defaults < base spec < the environment's profile < the
environment's own overrides. Keys a profile decides (PROFILE_KEYS) cannot be set in the base
spec, because the profile would silently win; set them per environment instead.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from ..project import is_protected
from .fields import Section
from .model import Environment
from .problems import FromProfile, Problems, Where, message_for
from .sections import AssumeRole, Usage


def _per_az(azs: int) -> int:
    return max(azs, 2)  # high-power spreads over at least two AZs


def _three_per_az(azs: int) -> int:
    return max(azs, 2) * 3


ProfileValue = Any | Callable[[int], int]
"""A fixed value, or a function of the environment's AZ count."""

PROFILES: dict[str, dict[str, dict[str, ProfileValue]]] = {
    "low-power": {
        "network": {"nat": "single", "flow_log_traffic": "REJECT", "interface_endpoints": False},
        "load_balancer": {"deletion_protection": False},
        "app": {"min_size": 1, "desired_capacity": 1, "max_size": 2},
        "database": {
            "multi_az": False,
            "read_replicas": 0,
            "backup_retention_days": 7,
            "deletion_protection": False,
        },
        "cache": {"replicas": 0, "automatic_failover": False, "snapshot_retention_days": 1},
        "backup": {"vault": False},
        "monitoring": {"error_rate_percent": 5},
    },
    "high-power": {
        "network": {"nat": "per_az", "flow_log_traffic": "ALL", "interface_endpoints": True},
        "load_balancer": {"deletion_protection": True},
        "app": {"min_size": _per_az, "desired_capacity": _per_az, "max_size": _three_per_az},
        "database": {
            "multi_az": True,
            "read_replicas": 1,
            "backup_retention_days": 30,
            "deletion_protection": True,
        },
        "cache": {"replicas": 1, "automatic_failover": True, "snapshot_retention_days": 7},
        "backup": {"vault": True},
        "monitoring": {"error_rate_percent": 1},
    },
}
PROFILE_KEYS = {(section, key) for p in PROFILES.values() for section, d in p.items() for key in d}
# Decided once for all environments: the modules are rendered for them.
SHARED_KEYS = {("database", "engine"), ("cache", "engine"), ("app", "user_data")}


def profile_value(value: ProfileValue, azs: int) -> Any:
    return value(azs) if callable(value) else value


def resolve_environment(
    data: dict[str, Any], name: str, problems: Problems
) -> tuple[Environment, frozenset[str]]:
    """Merge defaults < base < profile < overrides for one environment and validate it.

    Returns the environment with the sections that validated, and the names of those that did
    not (their problems are reported): checks that need only the others can still run.
    """
    from ..catalog import MODULES

    env = data["environments"][name]
    azs = env.get("azs") or data.get("azs") or 2
    origin: dict[tuple[str, str], Where] = {}
    merged: dict[str, dict[str, Any]] = {}
    for module in MODULES:
        section = module.section
        base = data.get(section)
        if module.optional and base is None:
            continue
        layer = copy.deepcopy(base or {})
        for key in layer:
            origin[(section, key)] = (section, key)
        for key, value in PROFILES[env["profile"]].get(section, {}).items():
            layer[key] = profile_value(value, azs)
            origin[(section, key)] = FromProfile(env["profile"], section, key)
        for key, value in (env.get(section) or {}).items():
            if value is not None:
                layer[key] = value
                origin[(section, key)] = ("environments", name, section, key)
        merged[section] = layer
    sections: dict[str, Section] = {}
    invalid: set[str] = set()
    reported = {p.path for p in problems.items}  # the spec file's own check said it already
    for module in MODULES:
        if module.section not in merged:
            continue
        try:
            sections[module.section] = module.model.model_validate(merged[module.section])
        except ValidationError as err:
            invalid.add(module.section)
            for e in err.errors():
                where = _where(origin, module.section, tuple(e["loc"]))
                if isinstance(where, tuple) and ".".join(str(p) for p in where) in reported:
                    continue
                problems.add(where, message_for(e, module.model))
    usage, usage_origin = _resolve_usage(data, name)
    environment = Environment(
        name=name,
        profile=env["profile"],
        protected=is_protected(name, bool(env.get("protected"))),
        azs=azs,
        tags={**(data.get("tags") or {}), **(env.get("tags") or {})},
        sections=sections,
        usage=usage,
        usage_origin=usage_origin,
        account_id=env.get("account_id") if isinstance(env.get("account_id"), str) else None,
        assume_role=_assume_role(env.get("assume_role")),
        region=data["region"] if isinstance(data.get("region"), str) else "",
    )
    return environment, frozenset(invalid)


def _assume_role(value: Any) -> AssumeRole | None:
    """The environment's role (the spec file's check reported an invalid one already)."""
    if not isinstance(value, dict):
        return None
    try:
        return AssumeRole.model_validate(value)
    except ValidationError:
        return None


def _resolve_usage(data: dict[str, Any], name: str) -> tuple[Usage, dict[str, str]]:
    """The environment's usage volumes: top-level `usage:` < `environments.<env>.usage`.

    Usage is not a profile key (traffic is the environment's, whatever its profile). A layer
    the spec file's check refused (already reported) leaves the defaults.
    """
    merged: dict[str, Any] = {}
    origin: dict[str, str] = {}
    layers = [
        ("usage", data.get("usage")),
        (f"environments.{name}.usage", data["environments"][name].get("usage")),
    ]
    for where, layer in layers:
        for key, value in (layer or {}).items():
            if value is not None:
                merged[key] = value
                origin[key] = f"{where}.{key}"
    try:
        return Usage.model_validate(merged), origin
    except ValidationError:
        return Usage(), {}


def _where(origin: dict[tuple[str, str], Where], section: str, loc: tuple[Any, ...]) -> Where:
    """The spec location of a merged value's error: where the value was written (or chosen)."""
    if not loc:
        return (section,)
    found = origin.get((section, loc[0]), (section,))
    if isinstance(found, FromProfile):
        return FromProfile(found.profile, found.section, found.key, rest=tuple(loc[1:]))
    return (*found, *loc[1:])
