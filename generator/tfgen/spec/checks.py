"""Cross-field checks the models alone cannot express, one function per tier, and secret hunting."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..regions import REGIONS
from .fields import CLOUDWATCH_RETENTION, MAX_AZ_SLOTS, TIERS
from .model import Environment, default_subnet_prefix
from .names import reserved_usernames
from .problems import FromProfile, Problems, Where
from .profiles import PROFILE_KEYS

ALB_SUBNET_PREFIX = 27  # an ALB needs at least 8 free addresses per subnet: /27 or larger
MAX_TAGS = 50  # per resource
TFGEN_TAGS = 5  # App, Environment, Profile, ManagedBy, Name
# (section, key, rule, what it must be): what the HA policies check on high-power resources.
HA_GUARANTEES: tuple[tuple[str, str, Callable[[Any], bool], str], ...] = (
    ("app", "min_size", lambda v: v >= 2, ">= 2"),
    ("database", "multi_az", bool, "true"),
    ("database", "deletion_protection", bool, "true"),
    ("cache", "automatic_failover", bool, "true"),
    ("cache", "replicas", lambda v: v >= 1, ">= 1"),
    ("load_balancer", "deletion_protection", bool, "true"),
)


@dataclass(frozen=True)
class EnvCheck:
    """One environment under check: where each value came from, and how to report on it."""

    env: Environment
    data: dict[str, Any]
    problems: Problems

    @property
    def scope(self) -> str:
        return f"(environment {self.env.name}, profile {self.env.profile})"

    def at(self, section: str, key: str) -> Where:
        """Where a resolved value came from: the environment's override, its profile, or the base."""
        env_data = self.data["environments"][self.env.name]
        if section == "azs":
            return ("environments", self.env.name, "azs") if "azs" in env_data else ("azs",)
        override = env_data.get(section) or {}
        if key in override and override[key] is not None:
            return ("environments", self.env.name, section, key)
        if (section, key) in PROFILE_KEYS:
            return FromProfile(self.env.profile, section, key, environment=self.env.name)
        return (section, key)

    def written(self, section: str, keys: tuple[str, ...]) -> Where:
        """The first of `keys` the user wrote (environment override, then base), else keys[0]."""
        env_data = self.data["environments"][self.env.name]
        for layer, prefix in (
            (env_data.get(section) or {}, ("environments", self.env.name)),
            (self.data.get(section) or {}, ()),
        ):
            for key in keys:
                if isinstance(layer, dict) and layer.get(key) is not None:
                    return (*prefix, section, key)
        return self.at(section, keys[0])

    def say(self, where: Where, message: str) -> None:
        """Report a problem; one about a base-spec value is the same everywhere: say it once."""
        scoped = isinstance(where, FromProfile) or where[:1] == ("environments",)
        self.problems.add(where, f"{message} {self.scope}" if scoped else message)


def check_environment(
    env: Environment, data: dict[str, Any], problems: Problems, invalid: frozenset[str] = frozenset()
) -> None:
    """Every cross-field check of one resolved environment whose sections all validated."""
    check = EnvCheck(env, data, problems)
    for tier_check, needs in TIER_CHECKS:
        if not needs & invalid:
            tier_check(check)


def check_network(c: EnvCheck) -> None:
    network = c.env.network
    try:
        vpc = ipaddress.ip_network(network.cidr, strict=True)
    except ValueError as err:
        c.say(c.at("network", "cidr"), f"not a valid network CIDR: {err}")
        return
    if vpc.version != 4 or not vpc.is_private:
        c.say(c.at("network", "cidr"), "must be a private IPv4 range (RFC 1918), e.g. 10.0.0.0/16")
    elif not 16 <= vpc.prefixlen <= 24:
        c.say(c.at("network", "cidr"), "AWS VPCs are /16 to /24; use e.g. 10.0.0.0/16")
    else:
        prefix = network.subnet_prefix_length or default_subnet_prefix(vpc.prefixlen)
        slots = 2 ** (prefix - vpc.prefixlen - 2) if prefix >= vpc.prefixlen + 2 else 0
        need = c.env.azs if network.subnet_prefix_length else MAX_AZ_SLOTS
        if prefix > ALB_SUBNET_PREFIX or slots < need:
            c.say(
                c.at("network", "subnet_prefix_length")
                if network.subnet_prefix_length
                else c.at("network", "cidr"),
                f"{vpc} is too small for {len(TIERS)} subnet tiers x {need} AZ slots of /{prefix} "
                f"(a load balancer needs subnets of /{ALB_SUBNET_PREFIX} or larger): use a larger "
                "CIDR or set network.subnet_prefix_length",
            )
    if network.flow_log_retention_days not in CLOUDWATCH_RETENTION:
        c.say(c.at("network", "flow_log_retention_days"), f"CloudWatch accepts only {CLOUDWATCH_RETENTION}")


def check_azs(c: EnvCheck) -> None:
    region = REGIONS.get(str(c.data.get("region")))
    if region is not None and c.env.azs > region.az_count:
        where = c.at("azs", "")
        message = (
            f"{region.name} has {region.az_count} availability zones "
            f"({', '.join(region.zones)}), not {c.env.azs}"
        )
        c.say(where, message)


def check_monitoring(c: EnvCheck) -> None:
    if c.env.monitoring.log_retention_days not in CLOUDWATCH_RETENTION:
        c.say(c.at("monitoring", "log_retention_days"), f"CloudWatch accepts only {CLOUDWATCH_RETENTION}")


def check_app(c: EnvCheck) -> None:
    app = c.env.app
    if not app.min_size <= app.desired_capacity <= app.max_size:
        # Blame a size the user wrote (the profile chose the others).
        c.say(
            c.written("app", ("desired_capacity", "min_size", "max_size")),
            f"needs min_size <= desired_capacity <= max_size, got {app.min_size} <= "
            f"{app.desired_capacity} <= {app.max_size}",
        )


def check_database(c: EnvCheck) -> None:
    db = c.env.database
    if db is None:
        return
    if db.read_replicas and db.backup_retention_days < 1:
        c.say(
            c.at("database", "read_replicas"),
            "read replicas need automated backups: set backup_retention_days >= 1",
        )
    if db.engine == "mysql" and db.engine_version and "." not in db.engine_version:
        c.say(
            c.at("database", "engine_version"),
            f"MySQL versions are major.minor (e.g. 8.4 or 8.0), got {db.engine_version!r}",
        )
    elif db.engine_version and db.engine_version.count(".") >= (2 if db.engine == "mysql" else 1):
        major = ".".join(db.engine_version.split(".")[: 2 if db.engine == "mysql" else 1])
        c.say(
            c.at("database", "engine_version"),
            f"{db.engine_version!r} pins a minor version, but RDS upgrades minor versions itself "
            f"(auto_minor_version_upgrade) and the next plan would downgrade: write {major!r}",
        )
    if db.max_allocated_storage < db.allocated_storage:
        c.say(
            c.at("database", "max_allocated_storage"),
            f"must be >= allocated_storage ({db.allocated_storage})",
        )
    if db.iam_user == db.username:
        c.say(
            c.at("database", "iam_user"),
            f"is the master user {db.username!r}: the app connects with IAM as a user of its own, "
            "not as the master user (whose password RDS manages)",
        )
    elif db.iam_user.lower() in reserved_usernames(db.engine):
        c.say(
            c.at("database", "iam_user"),
            f"{db.iam_user!r} is a reserved word of {db.engine}: choose another, e.g. app",
        )
    if db.username.lower() in reserved_usernames(db.engine):
        c.say(
            c.at("database", "username"),
            f"{db.username!r} is a reserved word of {db.engine}, which RDS refuses as the master "
            "user name: choose another, e.g. app_admin",
        )


def check_cache(c: EnvCheck) -> None:
    cache = c.env.cache
    if cache is not None and cache.automatic_failover and cache.replicas < 1:
        c.say(c.at("cache", "automatic_failover"), "automatic failover needs replicas >= 1")


def check_high_power(c: EnvCheck) -> None:
    """A high-power environment keeps what tfgen's HA policies (TFGEN_AWS_006-008) check."""
    if c.env.profile != "high-power":
        return
    for section, key, ok, wants in HA_GUARANTEES:
        settings = c.env.section(section)
        if settings is not None and not ok(getattr(settings, key)):
            c.say(
                c.at(section, key),
                f"high-power environments keep {section}.{key} {wants} (the HA policies check "
                "it): remove the override, or give the environment profile low-power",
            )


def check_cdn(c: EnvCheck) -> None:
    cdn, lb = c.env.cdn, c.env.load_balancer
    if cdn is None:
        return
    if c.env.static is None:
        c.say(("cdn",), "a CDN needs the `static:` bucket section (its origin)")
    if cdn.aliases and not cdn.certificate_arn and c.env.dns is None:
        c.say(
            c.at("cdn", "certificate_arn"),
            "CloudFront aliases need an ACM certificate in us-east-1: set cdn.certificate_arn, "
            "or add a `dns:` section (tfgen then issues it)",
        )
    if cdn.dynamic_paths and not lb.domain_names:
        c.say(
            c.at("cdn", "dynamic_paths"),
            "CloudFront reaches the ALB over HTTPS by a name its certificate covers: "
            "set load_balancer.domain_names",
        )
    if cdn.lock_origin and not cdn.dynamic_paths:
        c.say(
            c.at("cdn", "lock_origin"),
            "lock_origin puts the ALB behind CloudFront, which sends it only cdn.dynamic_paths: "
            "set dynamic_paths (the app's paths), or remove lock_origin",
        )
    if lb.domain_names and lb.domain_names[0] in cdn.aliases:
        c.problems.add(
            c.at("cdn", "aliases"),
            f"{lb.domain_names[0]} is the ALB's origin name for CloudFront; as a CDN "
            "alias too, CloudFront would fetch from itself",
        )
    if cdn.certificate_arn and ":us-east-1:" not in cdn.certificate_arn:
        c.say(c.at("cdn", "certificate_arn"), "CloudFront only takes ACM certificates from us-east-1")
    if cdn.waf_web_acl_arn and not re.search(r":us-east-1:[0-9]{12}:global/webacl/", cdn.waf_web_acl_arn):
        c.say(
            c.at("cdn", "waf_web_acl_arn"),
            "CloudFront takes only a global web ACL (scope CLOUDFRONT, "
            "arn:aws:wafv2:us-east-1:ACCOUNT:global/webacl/...), not a regional one",
        )


def check_backup(c: EnvCheck) -> None:
    """An AWS Backup vault needs something to back up, a second region, and a lock its plan fits."""
    backup = c.env.backup_vault
    if backup is None:
        return
    region = str(c.data.get("region"))
    if c.env.database is None and not backup.static_bucket:
        c.say(
            c.at("backup", "vault"),
            "AWS Backup has nothing to back up: add a `database:` section or set backup.static_bucket",
        )
    if backup.static_bucket:
        if c.env.static is None:
            c.say(c.at("backup", "static_bucket"), "backing up the static bucket needs the `static:` section")
        elif not c.env.static.versioning:
            c.say(
                c.at("backup", "static_bucket"),
                "AWS Backup backs up S3 buckets only with versioning on: set static.versioning: true",
            )
    if backup.copy_region is None:
        c.say(
            c.at("backup", "copy_region"),
            "the vault's copies go to a second region: set backup.copy_region (e.g. "
            f"{'us-west-2' if region == 'us-east-1' else 'us-east-1'})",
        )
    elif backup.copy_region == region:
        c.say(
            c.at("backup", "copy_region"),
            f"must differ from the spec's region {region}: a copy in the same region shares its outage",
        )
    if backup.lock_min_retention_days > backup.retention_days:
        c.say(
            c.at("backup", "lock_min_retention_days"),
            f"longer than backup.retention_days ({backup.retention_days}): the locked vault "
            "would refuse every recovery point the plan makes",
        )
    if backup.lock_max_retention_days is not None and backup.lock_max_retention_days < backup.retention_days:
        c.say(
            c.at("backup", "lock_max_retention_days"),
            f"shorter than backup.retention_days ({backup.retention_days}): the locked vault "
            "would refuse every recovery point the plan makes",
        )


def check_load_balancer(c: EnvCheck) -> None:
    region = str(c.data.get("region"))
    lb = c.env.load_balancer
    if region not in REGIONS:
        return  # reported on `region` itself
    if lb.certificate_arn is None:
        if c.env.dns is None:
            c.say(
                c.at("load_balancer", "certificate_arn"),
                "the ALB needs an ACM certificate: set load_balancer.certificate_arn, or add a "
                "`dns:` section (tfgen then issues one for load_balancer.domain_names)",
            )
    elif f":{region}:" not in lb.certificate_arn:
        c.say(
            c.at("load_balancer", "certificate_arn"),
            f"the ALB's certificate must be in the spec's region {region}",
        )
    if lb.waf_web_acl_arn and not re.search(
        rf":{re.escape(region)}:[0-9]{{12}}:regional/webacl/", lb.waf_web_acl_arn
    ):
        c.say(
            c.at("load_balancer", "waf_web_acl_arn"),
            f"the ALB takes a regional web ACL (scope REGIONAL) in {region}: "
            f"arn:aws:wafv2:{region}:ACCOUNT:regional/webacl/...",
        )


def in_zone(name: str, zone: str) -> bool:
    """Whether a DNS name (a wildcard's too) is the zone's apex or below it."""
    name = name.removeprefix("*.")
    return name == zone or name.endswith(f".{zone}")


def check_dns(c: EnvCheck) -> None:
    """The zone can hold every name it is to certify and point; by ID it is not known here."""
    dns, lb, cdn = c.env.dns, c.env.load_balancer, c.env.cdn
    if dns is None:
        return
    if lb.certificate_arn is None and not lb.domain_names:
        c.say(
            c.at("load_balancer", "domain_names"),
            "with `dns:` and no load_balancer.certificate_arn, tfgen issues the ALB's certificate "
            "for load_balancer.domain_names: name at least one",
        )
    if cdn is not None:
        both = sorted(set(lb.domain_names) & set(cdn.aliases))
        if both:
            c.say(
                c.at("cdn", "aliases"),
                f"{', '.join(both)} {'is' if len(both) == 1 else 'are'} in load_balancer.domain_names "
                "too: with `dns:` each name gets one alias record, pointing at the ALB or at CloudFront",
            )
    if dns.zone_name is None:
        return  # a zone ID: its name is only known to AWS
    for section, key, names in (
        ("load_balancer", "domain_names", lb.domain_names),
        ("cdn", "aliases", cdn.aliases if cdn is not None else []),
    ):
        outside = [n for n in names if not in_zone(n, dns.zone_name)]
        if outside:
            c.say(
                c.at(section, key),
                f"{', '.join(outside)} {'is' if len(outside) == 1 else 'are'} not in the Route 53 "
                f"zone {dns.zone_name} (dns.zone): its certificate could not be validated nor its "
                "record created there",
            )


def check_dns_names_across_environments(
    environments: list[Environment], data: dict[str, Any], problems: Problems
) -> None:
    """With `dns:`, every environment writes alias records for its names: no two may share one."""
    owner: dict[str, str] = {}
    for env in environments:
        if env.dns is None:
            continue
        c = EnvCheck(env, data, problems)
        cdn = env.cdn
        for section, key, names in (
            ("load_balancer", "domain_names", env.load_balancer.domain_names),
            ("cdn", "aliases", cdn.aliases if cdn is not None else []),
        ):
            taken = [n for n in names if owner.get(n, env.name) != env.name]
            if taken:
                c.say(
                    c.at(section, key),
                    f"environments {owner[taken[0]]} and {env.name} both point {', '.join(taken)}: "
                    "with `dns:` each environment's names get its own alias records (override "
                    "the names per environment, e.g. staging.<name>)",
                )
            for n in names:
                owner.setdefault(n, env.name)


def check_names(c: EnvCheck) -> None:
    name = str(c.data.get("name"))
    if len(f"{name}-{c.env.name}") > 28:
        c.say(
            ("name",),
            f"`{name}-{c.env.name}` is too long for AWS resource names "
            "(ALB and target group names take at most 32 characters): shorten one",
        )


def check_tag_count(c: EnvCheck) -> None:
    # tfgen adds App, Environment, Profile, ManagedBy and a Name to what the spec asks for.
    own = len(c.env.tags)
    if own + TFGEN_TAGS > MAX_TAGS:
        where = (
            ("environments", c.env.name, "tags")
            if (c.data["environments"][c.env.name].get("tags"))
            else ("tags",)
        )
        c.say(
            where,
            f"{own} tags plus the {TFGEN_TAGS} tfgen sets is more than the {MAX_TAGS} "
            "AWS allows on a resource: drop some",
        )


# Each check, and the sections it reads: it runs when they all validated.
TIER_CHECKS: tuple[tuple[Callable[[EnvCheck], None], frozenset[str]], ...] = (
    (check_network, frozenset({"network"})),
    (check_azs, frozenset()),
    (check_monitoring, frozenset({"monitoring"})),
    (check_app, frozenset({"app"})),
    (check_database, frozenset({"database"})),
    (check_cache, frozenset({"cache"})),
    (check_high_power, frozenset({"app", "database", "cache", "load_balancer"})),
    (check_cdn, frozenset({"cdn", "load_balancer", "static", "dns"})),
    (check_backup, frozenset({"backup", "database", "static"})),
    (check_load_balancer, frozenset({"load_balancer", "dns"})),
    (check_dns, frozenset({"dns", "load_balancer", "cdn"})),
    (check_names, frozenset()),
    (check_tag_count, frozenset()),
)
