"""Cross-field checks the models alone cannot express, one function per tier, and secret hunting."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .fields import CLOUDWATCH_RETENTION, MAX_AZ_SLOTS, TIERS
from .model import Environment, default_subnet_prefix
from .problems import FromProfile, Problems, Where
from .profiles import PROFILE_KEYS
from .yaml_lines import Loc

SECRET_KEYS = re.compile(
    r"(?i)^(.*_)?(password|passwd|secret|secret_key|secret_access_key|access_key|auth_token|token|"
    r"api_key|private_key)$"
)
AWS_ACCESS_KEY = re.compile(r"\b(AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA)[0-9A-Z]{16}\b")
AWS_SECRET_KEY = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])")
SECRET_ADVICE = {
    "database": "the master password is generated and kept by RDS in Secrets Manager "
    "(manage_master_user_password); the app reads it through the secret ARN tfgen passes",
    "cache": "tfgen generates the cache auth token and keeps it in Secrets Manager",
}
DEFAULT_SECRET_ADVICE = (
    "keep secrets out of the spec: put them in AWS Secrets Manager or SSM Parameter Store and "
    "give the app's IAM role access (app.iam_policy_arns)"
)
BOOT_MARKER = "TFGEN_APP_BOOT_EOF"
USER_DATA_MAX_BYTES = 12000  # EC2 takes 16 KB base64-encoded


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

    def say(self, where: Where, message: str) -> None:
        """Report a problem; one about a base-spec value is the same everywhere: say it once."""
        scoped = isinstance(where, FromProfile) or where[:1] == ("environments",)
        self.problems.add(where, f"{message} {self.scope}" if scoped else message)


def check_environment(env: Environment, data: dict[str, Any], problems: Problems) -> None:
    """Every cross-field check of one resolved environment."""
    check = EnvCheck(env, data, problems)
    for tier_check in TIER_CHECKS:
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
        if prefix > 28 or slots < need:
            c.say(
                c.at("network", "subnet_prefix_length")
                if network.subnet_prefix_length
                else c.at("network", "cidr"),
                f"{vpc} is too small for {len(TIERS)} subnet tiers x {need} AZ slots of /{prefix} "
                f"(AWS's smallest subnet is /28): use a larger CIDR or set "
                f"network.subnet_prefix_length",
            )
    if network.flow_log_retention_days not in CLOUDWATCH_RETENTION:
        c.say(c.at("network", "flow_log_retention_days"), f"CloudWatch accepts only {CLOUDWATCH_RETENTION}")


def check_azs(c: EnvCheck) -> None:
    if c.env.profile == "high-power" and c.env.azs < 2:
        where = c.at("azs", "")
        message = f"high-power needs at least 2 AZs, got {c.env.azs}"
        # An AZ count from the base spec is reported once, but the profile is this environment's.
        scoped = isinstance(where, tuple) and where[:1] == ("environments",)
        c.say(where, message if scoped else f"{message} {c.scope}")


def check_monitoring(c: EnvCheck) -> None:
    if c.env.monitoring.log_retention_days not in CLOUDWATCH_RETENTION:
        c.say(c.at("monitoring", "log_retention_days"), f"CloudWatch accepts only {CLOUDWATCH_RETENTION}")


def check_app(c: EnvCheck) -> None:
    app = c.env.app
    if not app.min_size <= app.desired_capacity <= app.max_size:
        c.say(
            c.at("app", "desired_capacity"),
            f"needs min_size <= desired_capacity <= max_size, got {app.min_size} <= "
            f"{app.desired_capacity} <= {app.max_size}",
        )


def check_database(c: EnvCheck) -> None:
    db = c.env.database
    if db is None:
        return
    if db.multi_az and c.env.azs < 2:
        c.say(c.at("database", "multi_az"), f"Multi-AZ needs azs >= 2, got {c.env.azs}")
    if db.read_replicas and db.backup_retention_days < 1:
        c.say(
            c.at("database", "read_replicas"),
            "read replicas need automated backups: set backup_retention_days >= 1",
        )
    if db.engine == "mysql" and db.engine_version and "." not in db.engine_version:
        c.say(
            c.at("database", "engine_version"),
            f"MySQL versions are major.minor (e.g. 8.4 or 8.0.40), got {db.engine_version!r}",
        )
    if db.max_allocated_storage < db.allocated_storage:
        c.say(
            c.at("database", "max_allocated_storage"),
            f"must be >= allocated_storage ({db.allocated_storage})",
        )


def check_cache(c: EnvCheck) -> None:
    cache = c.env.cache
    if cache is None:
        return
    if cache.automatic_failover and cache.replicas < 1:
        c.say(c.at("cache", "automatic_failover"), "automatic failover needs replicas >= 1")
    if cache.automatic_failover and c.env.azs < 2:
        c.say(c.at("cache", "automatic_failover"), f"automatic failover needs azs >= 2, got {c.env.azs}")


def check_cdn(c: EnvCheck) -> None:
    cdn, lb = c.env.cdn, c.env.load_balancer
    if cdn is None:
        return
    if c.env.static is None:
        c.say(("cdn",), "a CDN needs the `static:` bucket section (its origin)")
    if cdn.aliases and not cdn.certificate_arn:
        c.say(c.at("cdn", "certificate_arn"), "CloudFront aliases need an ACM certificate in us-east-1")
    if cdn.dynamic_paths and not lb.domain_names:
        c.say(
            c.at("cdn", "dynamic_paths"),
            "CloudFront reaches the ALB over HTTPS by a name its certificate covers: "
            "set load_balancer.domain_names",
        )
    if lb.domain_names and lb.domain_names[0] in cdn.aliases:
        c.problems.add(
            c.at("cdn", "aliases"),
            f"{lb.domain_names[0]} is the ALB's origin name for CloudFront; as a CDN "
            "alias too, CloudFront would fetch from itself",
        )
    if cdn.certificate_arn and ":us-east-1:" not in cdn.certificate_arn:
        c.say(c.at("cdn", "certificate_arn"), "CloudFront only takes ACM certificates from us-east-1")


def check_load_balancer(c: EnvCheck) -> None:
    region = c.data["region"]
    if f":{region}:" not in c.env.load_balancer.certificate_arn:
        c.say(
            c.at("load_balancer", "certificate_arn"),
            f"the ALB's certificate must be in the spec's region {region}",
        )


def check_names(c: EnvCheck) -> None:
    if len(f"{c.data['name']}-{c.env.name}") > 28:
        c.say(
            ("name",),
            f"`{c.data['name']}-{c.env.name}` is too long for AWS resource names "
            "(ALB and target group names take at most 32 characters): shorten one",
        )


TIER_CHECKS = (
    check_network,
    check_azs,
    check_monitoring,
    check_app,
    check_database,
    check_cache,
    check_cdn,
    check_load_balancer,
    check_names,
)


# --------------------------------------------------------------------------- secrets


def read_user_data(data: dict[str, Any], source_dir: Path, problems: Problems) -> str | None:
    """Read the app's user-data script (relative to the spec); it must exist and hold no key."""
    rel = (data.get("app") or {}).get("user_data")
    if not isinstance(rel, str):
        return None  # absent (a wrong type is the model's problem)
    path = source_dir / rel
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        reason = "file not found" if isinstance(err, FileNotFoundError) else str(err)
        problems.add(("app", "user_data"), f"cannot read {rel} (relative to the spec): {reason}")
        return None
    if any(line.strip() == BOOT_MARKER for line in text.splitlines()):
        problems.add(
            ("app", "user_data"),
            f"{rel} contains a line `{BOOT_MARKER}`, the marker tfgen's boot "
            "script uses to embed it: rename that line",
        )
    if AWS_ACCESS_KEY.search(text):
        problems.add(
            ("app", "user_data"),
            f"{rel} contains what looks like an AWS access key id: give the instance "
            "role the access it needs (app.iam_policy_arns) instead of keys",
        )
    if len(text.encode()) > USER_DATA_MAX_BYTES:
        problems.add(
            ("app", "user_data"),
            f"{rel} is {len(text.encode())} bytes; EC2 user data is limited to 16 KB "
            "base64-encoded: fetch larger setup from S3 or bake it into the AMI",
        )
    return text


def find_literal_secrets(value: Any, loc: Loc, problems: Problems) -> None:
    """Refuse password-like keys and anything that looks like an AWS key, anywhere in the spec."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and SECRET_KEYS.match(key):
                section = next((p for p in loc if p in SECRET_ADVICE), None)
                advice = SECRET_ADVICE.get(str(section or ""), DEFAULT_SECRET_ADVICE)
                problems.add((*loc, key), f"literal secrets are not accepted: {advice}")
                continue
            find_literal_secrets(item, (*loc, key), problems)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            find_literal_secrets(item, (*loc, index), problems)
    elif isinstance(value, str):
        if AWS_ACCESS_KEY.search(value):
            problems.add(
                loc,
                "looks like an AWS access key id: tfgen uses IAM roles instead of "
                "keys (instance profile for the app, your own credentials for terraform)",
            )
        elif AWS_SECRET_KEY.search(value) and not value.startswith(("arn:", "/")):
            problems.add(loc, "looks like an AWS secret access key: remove it and use IAM roles")
