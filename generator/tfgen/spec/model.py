"""The validated spec as the renderer sees it: the app and each environment, fully resolved."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .ci import Ci
from .fields import TIERS, Section
from .sections import (
    AppTier,
    AssumeRole,
    Backup,
    Cache,
    Cdn,
    Database,
    Dns,
    LoadBalancer,
    Monitoring,
    Network,
    Static,
    Usage,
)

if TYPE_CHECKING:
    from .yaml_lines import YamlDoc


def default_subnet_prefix(vpc_prefix: int) -> int:
    """Subnets sized so each of the four tiers has room for 8 AZs (at most /28)."""
    return min(vpc_prefix + 2 + 3, 28)


@dataclass(frozen=True)
class Environment:
    """One environment, fully resolved: defaults < base < profile < overrides.

    `sections` holds the section models this environment has (an optional tier it lacks is
    absent); the typed properties below read them. `usage` is the traffic `tfgen cost` prices
    (top-level `usage:` < the environment's own); `usage_origin` names the spec path of each
    usage key the spec sets (the others are defaults).
    """

    name: str
    profile: str
    protected: bool
    azs: int
    tags: dict[str, str]
    sections: dict[str, Section]
    usage: Usage = field(default_factory=Usage)
    usage_origin: dict[str, str] = field(default_factory=dict)
    account_id: str | None = None
    """The AWS account the environment must run in (the provider's allowed_account_ids)."""
    assume_role: AssumeRole | None = None
    region: str = ""
    """The spec's region (the environment's provider region)."""

    def section(self, name: str) -> Any:
        """A section's settings, or None when this environment does not have the tier."""
        return self.sections.get(name)

    @property
    def network(self) -> Network:
        return cast(Network, self.sections["network"])

    @property
    def load_balancer(self) -> LoadBalancer:
        return cast(LoadBalancer, self.sections["load_balancer"])

    @property
    def app(self) -> AppTier:
        return cast(AppTier, self.sections["app"])

    @property
    def monitoring(self) -> Monitoring:
        return cast(Monitoring, self.sections["monitoring"])

    @property
    def database(self) -> Database | None:
        return cast("Database | None", self.sections.get("database"))

    @property
    def cache(self) -> Cache | None:
        return cast("Cache | None", self.sections.get("cache"))

    @property
    def static(self) -> Static | None:
        return cast("Static | None", self.sections.get("static"))

    @property
    def cdn(self) -> Cdn | None:
        return cast("Cdn | None", self.sections.get("cdn"))

    @property
    def dns(self) -> Dns | None:
        """The Route 53 zone that issues the certificates and holds the records, if any."""
        return cast("Dns | None", self.sections.get("dns"))

    @property
    def backup(self) -> Backup | None:
        return cast("Backup | None", self.sections.get("backup"))

    @property
    def backup_vault(self) -> Backup | None:
        """The backup settings when this environment has an AWS Backup vault (high-power)."""
        backup = self.backup
        return backup if backup is not None and backup.vault else None

    def subnet_cidrs(self) -> dict[str, list[str]]:
        """CIDRs per tier: each tier takes a quarter of the VPC, each AZ a fixed slot in it."""
        vpc = ipaddress.IPv4Network(self.network.cidr)
        prefix = self.network.subnet_prefix_length or default_subnet_prefix(vpc.prefixlen)
        quarters = list(vpc.subnets(prefixlen_diff=2))
        out: dict[str, list[str]] = {}
        for tier, quarter in zip(TIERS, quarters, strict=True):
            slots = list(quarter.subnets(new_prefix=prefix)) if prefix > quarter.prefixlen else []
            out[tier] = [str(s) for s in slots[: self.azs]]
        return out


@dataclass(frozen=True)
class AppSpec:
    """The validated spec: what the renderer consumes."""

    name: str
    region: str
    tags: dict[str, str]
    state_bucket: str
    state_region: str
    environments: list[Environment]
    source_dir: Path
    sha256: str
    user_data: str | None
    source: YamlDoc | None = field(default=None, repr=False, compare=False)
    """The parsed spec this was resolved from: to resolve it again under another profile."""
    ci: Ci = field(default_factory=Ci)
    """The `ci:` section (GitHub Actions with the defaults when the spec has none)."""

    def needs_approval(self, environment: Environment) -> bool:
        """Whether CI applies to this environment wait for a reviewer: protected ones always do."""
        from ..project import is_protected

        marked = environment.name in self.ci.require_approval
        return is_protected(environment.name, environment.protected) or marked

    @property
    def zones(self) -> tuple[str, ...]:
        """The region's zone names from tfgen's region table, in order: the first `azs` are used."""
        from ..regions import REGIONS

        return REGIONS[self.region].zones

    @property
    def split_accounts(self) -> bool:
        """Whether the environments name more than one AWS account (then one state bucket each)."""
        return len({e.account_id for e in self.environments if e.account_id}) > 1

    def state_bucket_of(self, env: Environment) -> str:
        """The environment's state bucket: in its own account when the environments span several."""
        if self.split_accounts and env.account_id:
            return f"{self.state_bucket}-{env.account_id}"
        return self.state_bucket

    def tier_used(self, section: str) -> bool:
        """Whether any environment has this (optional) section."""
        return any(env.section(section) is not None for env in self.environments)

    def shared_settings(self, section: str) -> Any:
        """A section's settings for the keys every environment shares (engine, user data).

        Shared keys cannot be overridden per environment, so the first environment that has
        the tier speaks for all of them.
        """
        return next(e.section(section) for e in self.environments if e.section(section) is not None)
