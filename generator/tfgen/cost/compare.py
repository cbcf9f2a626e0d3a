"""The same spec under two profiles, side by side: the cost of each risk the profile buys down.

Each environment is resolved again with its `profile:` replaced (`resolve_with_profile`): the
real profile values, precedence and checks, not a re-implementation of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import SpecError
from ..spec.model import AppSpec
from .estimate import estimate
from .items import Estimate, LineItem
from .prices import PriceTable

WHY = {
    "app.instances": "an instance in every AZ keeps the site up when a server or an AZ fails",
    "app.volumes": "one root volume per instance",
    "network.nat": "a NAT gateway per AZ keeps outbound traffic up through an AZ outage",
    "network.public_ipv4": "one Elastic IP per NAT gateway",
    "database.instance": "a Multi-AZ standby takes over automatically, without data loss",
    "database.storage": "the standby keeps its own copy of the data",
    "database.replicas": "read replicas scale reads and keep a warm copy",
    "database.replica_storage": "each replica keeps its own copy of the data",
    "database.backup": "a longer point-in-time recovery window",
    "cache.replicas": "a cache replica with failover keeps the sessions when a node fails",
    "backup.database": "a locked daily recovery point of the database, copied to a second region",
    "backup.database_transfer": "the offsite copy: each day's changes sent to the second region",
    "backup.static": "a locked copy of the user content, offsite too",
    "monitoring.alarms": "alarms on the extra replicas, nodes and NAT gateways, and on failed backup jobs",
    "security.kms": "the backup vaults' own keys",
}
"""What the extra spending buys, per line item (the profiles table of the README, as money)."""


@dataclass(frozen=True)
class Row:
    """One line item under both profiles (None: the item does not exist under that profile)."""

    key: str
    name: str
    a: LineItem | None
    b: LineItem | None

    @property
    def difference(self) -> float:
        return _monthly(self.b) - _monthly(self.a)

    @property
    def why(self) -> str:
        return WHY.get(self.key, "") if abs(self.difference) >= 0.005 else ""


def _monthly(item: LineItem | None) -> float:
    if item is None or item.monthly is None:
        return 0.0
    return item.monthly


@dataclass(frozen=True)
class Comparison:
    """One environment under two profiles; `errors` when it is invalid under one of them."""

    env: str
    profiles: tuple[str, str]
    a: Estimate | None
    b: Estimate | None
    errors: tuple[str, ...] = ()

    @property
    def difference(self) -> float | None:
        if self.a is None or self.b is None:
            return None
        return self.b.total - self.a.total

    def rows(self) -> list[Row]:
        """Every line item of either profile, in the order of the first, then the second's."""
        if self.a is None or self.b is None:
            return []
        keys = [i.key for i in self.a.items]
        for index, item in enumerate(self.b.items):
            if item.key not in keys:  # after the item it follows under the second profile
                before = self.b.items[index - 1].key if index else None
                keys.insert(keys.index(before) + 1 if before in keys else len(keys), item.key)
        rows = []
        for key in keys:
            a, b = self.a.item(key), self.b.item(key)
            named = a if a is not None else b
            rows.append(Row(key, named.name if named is not None else key, a, b))
        return rows


def under_profile(
    spec: AppSpec, env: str, profile: str, table: PriceTable
) -> tuple[Estimate | None, tuple[str, ...]]:
    """One environment's estimate with its profile replaced, or the problems that causes."""
    from ..spec import resolve_with_profile

    try:
        resolved = resolve_with_profile(spec, profile, [env])
    except SpecError as err:
        return None, tuple(f"under {profile}: {line}" for line in err.lines())
    environment = next(e for e in resolved.environments if e.name == env)
    return estimate(environment, spec.region, table), ()


def all_under_profile(
    spec: AppSpec, envs: list[str], profile: str, table: PriceTable
) -> dict[str, tuple[Estimate | None, tuple[str, ...]]]:
    """`under_profile` of each of `envs`, resolving the spec once instead of once per environment.

    The same answers: an environment resolves and is checked from the base sections and its own
    entry only, and the checks across environments (state buckets, accounts) do not read
    profiles and passed when the spec loaded. So when every environment resolves under the
    profile at once, each one alone gives the same estimate and no problem. When some do not,
    each environment is resolved alone, so that each is blamed only for its own problems.
    """
    from ..spec import resolve_with_profile

    try:
        resolved = resolve_with_profile(spec, profile, envs)
    except SpecError:
        return {env: under_profile(spec, env, profile, table) for env in envs}
    by_name = {e.name: e for e in resolved.environments}
    return {env: (estimate(by_name[env], spec.region, table), ()) for env in envs}


def compare(spec: AppSpec, profiles: tuple[str, str], envs: list[str], table: PriceTable) -> list[Comparison]:
    """Each of `envs` under both profiles."""
    first, second = (all_under_profile(spec, envs, profile, table) for profile in profiles)
    out = []
    for env in envs:
        (a, errors_a), (b, errors_b) = first[env], second[env]
        out.append(Comparison(env, profiles, a, b, errors_a + errors_b))
    return out
