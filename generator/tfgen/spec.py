"""The app spec: pydantic models, profiles, per-environment merging and semantic checks.

Precedence, lowest first: model defaults < base spec < the environment's profile < the
environment's own overrides. Keys a profile decides (PROFILE_KEYS) cannot be set in the base
spec, because the profile would silently win; set them per environment instead.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from .errors import Problem, SpecError
from .source import Loc, SourceDoc, read_yaml

SAFE_NAME = r"^[a-z]([a-z0-9]|-[a-z0-9])+$"  # no "--" or trailing dash: RDS refuses them
ENV_NAME = r"^[a-z][a-z0-9]{0,11}$"
REGION = r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$"
ACM_ARN = r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]+$"
WAF_ARN = r"^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:[0-9]{12}:(regional|global)/webacl/.+$"
POLICY_ARN = r"^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$"
DOMAIN = r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
WINDOW = r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$"
MAINT_WINDOW = (
    r"^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-"
    r"(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$"
)
AMI = r"^(ami-[0-9a-f]{8,17}|/[A-Za-z0-9_./-]+)$"
EMAIL = r"^[^@\s\"'\\]+@[^@\s\"'\\]+\.[a-z]{2,}$"
TAG_KEY = r"^[A-Za-z0-9 _.:/=+@-]{1,128}$"
RESERVED_TAGS = ("App", "Environment", "Profile", "ManagedBy")
CLOUDWATCH_RETENTION = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
                        1827, 2192, 2557, 2922, 3288, 3653]

TIERS = ("public", "private", "database", "cache")
MAX_AZ_SLOTS = 8  # subnets per tier are laid out for up to 8 AZs so adding an AZ never moves CIDRs

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


class Section(BaseModel):
    """Base of every spec section: unknown keys are errors, not silently ignored."""

    # strict: a YAML `true` or `"3"` is not a number, `2.0` is not an integer.
    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)


class Network(Section):
    """The VPC: one CIDR split into public, private (app), database and cache tiers."""

    cidr: str = Field("10.0.0.0/16", description="VPC CIDR block, e.g. 10.0.0.0/16.")
    subnet_prefix_length: int | None = Field(
        None, ge=16, le=28,
        description="Prefix length of every subnet; default leaves room for 8 AZs per tier.",
    )
    nat: Literal["single", "per_az"] = Field(
        "single", description="NAT gateways: one shared (cheap) or one per AZ (HA). Profile key."
    )
    flow_log_retention_days: int = Field(
        365, description="CloudWatch retention of the VPC flow logs, in days."
    )


class LoadBalancer(Section):
    """The public Application Load Balancer that terminates TLS."""

    certificate_arn: str = Field(
        ..., pattern=ACM_ARN, description="ACM certificate ARN (same region) for the HTTPS listener."
    )
    domain_names: list[Annotated[str, Field(pattern=DOMAIN)]] = Field(
        default_factory=list, description="DNS names served (documentation and outputs)."
    )
    health_check_path: str = Field(
        "/health", pattern=r"^/[A-Za-z0-9_./?=&-]*$", description="Target group health check path."
    )
    access_logs: bool = Field(True, description="Write ALB access logs to an S3 log bucket.")
    waf_web_acl_arn: str | None = Field(
        None, pattern=WAF_ARN, description="Optional WAFv2 web ACL (REGIONAL) to associate."
    )
    idle_timeout: int = Field(60, ge=1, le=4000, description="Idle timeout in seconds.")
    deletion_protection: bool = Field(False, description="ALB deletion protection. Profile key.")


class AppTier(Section):
    """The stateless app tier: an Auto Scaling group of EC2 instances behind the ALB."""

    ami: str = Field(
        "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
        pattern=AMI,
        description="An AMI id (ami-...) or an SSM parameter name (/...) that holds one.",
    )
    instance_type: str = Field(
        "t3.micro", pattern=r"^[a-z][a-z0-9-]*\.[a-z0-9]+$", description="EC2 instance type."
    )
    min_size: int = Field(1, ge=0, le=1000, description="ASG minimum size. Profile key.")
    desired_capacity: int = Field(1, ge=0, le=1000, description="ASG desired size. Profile key.")
    max_size: int = Field(2, ge=1, le=1000, description="ASG maximum size. Profile key.")
    cpu_target: int = Field(50, ge=10, le=90, description="Target average CPU % for scaling.")
    port: int = Field(8080, ge=1024, le=65535, description="Port the app listens on.")
    user_data: str | None = Field(
        None, description="Path (relative to the spec) of a shell script run at instance boot."
    )
    iam_policy_arns: list[Annotated[str, Field(pattern=POLICY_ARN)]] = Field(
        default_factory=list, description="Extra IAM policy ARNs for the instance role."
    )
    root_volume_size: int = Field(20, ge=8, le=16384, description="Root EBS volume, GiB.")
    health_check_grace_period: int = Field(
        300, ge=0, le=3600, description="Seconds; also the instance warm-up (AWS allows 0-3600)."
    )


class Database(Section):
    """RDS in the database subnets, password managed by RDS in Secrets Manager."""

    engine: Literal["postgres", "mysql"] = Field(..., description="postgres or mysql.")
    engine_version: str | None = Field(
        None, pattern=r"^[0-9]+(\.[0-9]+){0,2}$", description="Default: 17 (postgres), 8.4 (mysql)."
    )
    instance_class: str = Field(
        "db.t4g.micro", pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$", description="RDS instance class."
    )
    allocated_storage: int = Field(20, ge=20, le=65536, description="GiB.")
    max_allocated_storage: int = Field(100, ge=20, le=65536, description="Storage autoscaling cap.")
    db_name: str = Field("app", pattern=r"^[a-z][a-z0-9_]{0,62}$", description="Initial database.")
    username: str = Field("app_admin", pattern=r"^[a-z][a-z0-9_]{0,15}$", description="Master user.")
    multi_az: bool = Field(False, description="Multi-AZ standby. Profile key.")
    read_replicas: int = Field(0, ge=0, le=5, description="Read replicas. Profile key.")
    backup_retention_days: int = Field(7, ge=0, le=35, description="Profile key.")
    backup_window: str = Field("03:00-04:00", pattern=WINDOW, description="UTC, hh:mm-hh:mm.")
    maintenance_window: str = Field(
        "sun:04:30-sun:05:30", pattern=MAINT_WINDOW, description="UTC, ddd:hh:mm-ddd:hh:mm."
    )
    deletion_protection: bool = Field(False, description="Profile key.")
    performance_insights: bool = Field(True, description="Performance Insights (7 days free).")

    @property
    def version(self) -> str:
        return self.engine_version or {"postgres": "17", "mysql": "8.4"}[self.engine]

    @property
    def port(self) -> int:
        return {"postgres": 5432, "mysql": 3306}[self.engine]


class Cache(Section):
    """ElastiCache replication group for sessions."""

    engine: Literal["valkey", "redis"] = Field("valkey", description="valkey or redis.")
    engine_version: str | None = Field(
        None, pattern=r"^[0-9]+(\.[0-9]+)?$", description="Default: 8.0 (valkey), 7.1 (redis)."
    )
    node_type: str = Field(
        "cache.t4g.micro", pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$", description="Node type."
    )
    replicas: int = Field(0, ge=0, le=5, description="Replicas per shard. Profile key.")
    automatic_failover: bool = Field(False, description="Profile key; needs replicas >= 1.")
    snapshot_retention_days: int = Field(7, ge=0, le=35, description="Daily snapshots kept.")

    @property
    def version(self) -> str:
        return self.engine_version or {"valkey": "8.0", "redis": "7.1"}[self.engine]


class Static(Section):
    """The S3 bucket for static files (served through the CDN when there is one)."""

    versioning: bool = Field(True, description="Keep object versions.")
    noncurrent_version_expiration_days: int = Field(
        90, ge=1, le=3650, description="Delete old versions after this many days."
    )


class Cdn(Section):
    """CloudFront in front of the static bucket (and optionally the ALB)."""

    aliases: list[Annotated[str, Field(pattern=DOMAIN)]] = Field(
        default_factory=list, description="Alternate domain names."
    )
    certificate_arn: str | None = Field(
        None, pattern=ACM_ARN, description="ACM certificate in us-east-1; needed with aliases."
    )
    price_class: Literal["PriceClass_100", "PriceClass_200", "PriceClass_All"] = "PriceClass_100"
    dynamic_paths: list[Annotated[str, Field(pattern=r"^/[A-Za-z0-9_./*-]*$")]] = Field(
        default_factory=list, description="Path patterns sent to the ALB, e.g. /api/*."
    )
    waf_web_acl_arn: str | None = Field(
        None, pattern=WAF_ARN, description="Optional WAFv2 web ACL (CLOUDFRONT scope)."
    )


class Monitoring(Section):
    """CloudWatch alarms to an SNS topic and an optional monthly cost budget."""

    alarm_email: str | None = Field(None, pattern=EMAIL, description="Email subscribed to alarms.")
    monthly_budget_usd: int | None = Field(
        None, ge=1, le=100_000_000, description="Monthly AWS Budgets amount."
    )
    log_retention_days: int = Field(365, description="Retention of the app's CloudWatch logs.")


class State(Section):
    """Where Terraform state lives: one S3 bucket, one key per environment."""

    bucket: str | None = Field(
        None, pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", description="Default: <name>-tfstate."
    )
    region: str | None = Field(None, pattern=REGION, description="Default: the spec's region.")


SECTIONS: dict[str, type[Section]] = {
    "network": Network,
    "load_balancer": LoadBalancer,
    "app": AppTier,
    "database": Database,
    "cache": Cache,
    "static": Static,
    "cdn": Cdn,
    "monitoring": Monitoring,
}
OPTIONAL_TIERS = ("database", "cache", "static", "cdn")
# Decided once for all environments: the modules are rendered for them.
SHARED_KEYS = {("database", "engine"), ("cache", "engine"), ("app", "user_data")}

PROFILES: dict[str, dict[str, dict[str, Any]]] = {
    "low-power": {
        "network": {"nat": "single"},
        "load_balancer": {"deletion_protection": False},
        "app": {"min_size": 1, "desired_capacity": 1, "max_size": 2},
        "database": {
            "multi_az": False,
            "read_replicas": 0,
            "backup_retention_days": 7,
            "deletion_protection": False,
        },
        "cache": {"replicas": 0, "automatic_failover": False},
    },
    "high-power": {
        "network": {"nat": "per_az"},
        "load_balancer": {"deletion_protection": True},
        "app": {"min_size": "azs", "desired_capacity": "azs", "max_size": "azs*3"},
        "database": {
            "multi_az": True,
            "read_replicas": 1,
            "backup_retention_days": 30,
            "deletion_protection": True,
        },
        "cache": {"replicas": 1, "automatic_failover": True},
    },
}
PROFILE_KEYS = {(section, key) for p in PROFILES.values() for section, d in p.items() for key in d}
ProfileName = Literal["low-power", "high-power"]


Tags = dict[
    Annotated[str, Field(pattern=TAG_KEY)], Annotated[str, Field(max_length=256)]
]


def _partial(model: type[Section]) -> type[Section]:
    """The same section with every key optional: what an environment may override."""
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        fields[name] = (info.annotation | None, Field(None, description=info.description))
    return create_model(f"{model.__name__}Override", __base__=Section, **fields)


_OVERRIDES = {name: _partial(model) for name, model in SECTIONS.items()}

EnvironmentFile = create_model(
    "Environment",
    __base__=Section,
    __doc__="One environment: its profile, whether it is protected, and its overrides.",
    profile=(ProfileName, Field(..., description="low-power (cheap) or high-power (HA).")),
    protected=(bool, Field(False, description="Ask for confirmation before apply/destroy.")),
    azs=(int | None, Field(None, ge=1, le=6, description="Override the number of AZs.")),
    tags=(Tags | None, Field(None, description="Extra tags for this environment.")),
    **{name: (model | None, None) for name, model in _OVERRIDES.items()},
)

SpecFile = create_model(
    "SpecFile",
    __base__=Section,
    __doc__="A tfgen app spec.",
    name=(str, Field(..., pattern=SAFE_NAME, min_length=2, max_length=20,
                     description="App name: lowercase letters, digits, dashes.")),
    region=(str, Field(..., pattern=REGION, description="AWS region, e.g. eu-west-1.")),
    azs=(int, Field(2, ge=1, le=6, description="Number of availability zones to spread over.")),
    tags=(Tags, Field(default_factory=dict, description="Tags on every resource.")),
    state=(State, Field(default_factory=State)),
    network=(Network, Field(default_factory=Network)),
    load_balancer=(LoadBalancer, ...),
    app=(AppTier, Field(default_factory=AppTier)),
    database=(Database | None, None),
    cache=(Cache | None, None),
    static=(Static | None, None),
    cdn=(Cdn | None, None),
    monitoring=(Monitoring, Field(default_factory=Monitoring)),
    environments=(dict[str, EnvironmentFile], Field(..., min_length=1)),  # type: ignore[valid-type]
)


@dataclass(frozen=True)
class Environment:
    """One environment, fully resolved: defaults < base < profile < overrides."""

    name: str
    profile: str
    protected: bool
    azs: int
    tags: dict[str, str]
    network: Network
    load_balancer: LoadBalancer
    app: AppTier
    database: Database | None
    cache: Cache | None
    static: Static | None
    cdn: Cdn | None
    monitoring: Monitoring

    def subnet_cidrs(self) -> dict[str, list[str]]:
        """CIDRs per tier: each tier takes a quarter of the VPC, each AZ a fixed slot in it."""
        vpc = ipaddress.ip_network(self.network.cidr)
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

    def tier_used(self, tier: str) -> bool:
        return any(getattr(env, tier) is not None for env in self.environments)

    def first(self, tier: str) -> Any:
        """The tier's settings in the first environment using it (for shared, structural keys)."""
        return next(getattr(e, tier) for e in self.environments if getattr(e, tier) is not None)


def default_subnet_prefix(vpc_prefix: int) -> int:
    return min(vpc_prefix + 2 + 3, 28)


# --------------------------------------------------------------------------- loading


def load_spec(path: Path) -> AppSpec:
    """Read, validate and resolve a spec file; raise SpecError listing every problem."""
    doc = read_yaml(Path(path))
    return resolve(doc, Path(path).resolve().parent)


def resolve(doc: SourceDoc, source_dir: Path) -> AppSpec:
    """Validate a parsed spec and resolve every environment."""
    problems = Problems(doc)
    if not isinstance(doc.data, dict):
        problems.add((), "the spec must be a mapping of keys (name, region, environments, ...)")
        problems.raise_if_any()
    find_literal_secrets(doc.data, (), problems)
    data: dict[str, Any] = doc.data
    for tier in OPTIONAL_TIERS:
        if tier in data and data[tier] is None:
            problems.add((tier,), f"is empty, which would silently mean no {tier}: write "
                                  f"`{tier}: {{}}` for one with the defaults, or remove the key")
    envs = data.get("environments") if isinstance(data.get("environments"), dict) else {}
    for where, tags in [(("tags",), data.get("tags"))] + [
        (("environments", name, "tags"), env.get("tags"))
        for name, env in envs.items() if isinstance(env, dict)
    ]:
        if not isinstance(tags, dict):
            continue
        for key in sorted(set(tags) & set(RESERVED_TAGS)):
            problems.add((*where, key), "is set by tfgen on every resource (App, Environment, "
                                        "Profile, ManagedBy): choose another tag name")
        for key in sorted(k for k in tags if str(k).lower().startswith("aws:")):
            problems.add((*where, key), "the aws: prefix is reserved by AWS")
    try:
        SpecFile.model_validate(doc.data)
    except ValidationError as err:
        problems.from_validation(err, (), SpecFile)
    problems.raise_if_any()

    for section, key in sorted(PROFILE_KEYS):
        if isinstance(data.get(section), dict) and key in data[section]:
            problems.add(
                (section, key),
                f"is chosen by each environment's profile, which would override it here: set it "
                f"under environments.<env>.{section}.{key} (precedence: base < profile < environment)",
            )
    for env_name, env_data in data["environments"].items():
        if not re.match(ENV_NAME, env_name):
            problems.add(("environments", env_name),
                         "environment names are 1-12 lowercase letters or digits, starting with a "
                         "letter (they become folder and resource names)")
        for section, key in sorted(SHARED_KEYS):
            if isinstance(env_data.get(section), dict) and key in env_data[section]:
                problems.add(("environments", env_name, section, key),
                             "is shared by all environments (the module is rendered for it): set "
                             f"it once at {section}.{key}")
        for tier in OPTIONAL_TIERS:
            if isinstance(env_data.get(tier), dict) and data.get(tier) is None:
                problems.add(("environments", env_name, tier),
                             f"overrides a tier the base spec does not have: add a top-level "
                             f"`{tier}:` section first")
    problems.raise_if_any()

    user_data = read_user_data(data, source_dir, problems)
    environments = [resolve_environment(data, name, problems) for name in data["environments"]]
    problems.raise_if_any()
    envs = [e for e in environments if e is not None]
    for env in envs:
        check_environment(env, data, problems)
    problems.raise_if_any()

    raw = "\n".join(f"{k}={v}" for k, v in sorted(_flatten(data).items()))
    state = data.get("state") or {}
    return AppSpec(
        name=data["name"],
        region=data["region"],
        tags=dict(data.get("tags") or {}),
        state_bucket=state.get("bucket") or f"{data['name']}-tfstate",
        state_region=state.get("region") or data["region"],
        environments=envs,
        source_dir=source_dir,
        sha256=hashlib.sha256(raw.encode()).hexdigest(),
        user_data=user_data,
    )


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list):
        return {prefix: repr(value)}
    return {prefix: value}


def resolve_environment(data: dict[str, Any], name: str, problems: Problems) -> Environment | None:
    """Merge defaults < base < profile < overrides for one environment and validate it."""
    env = data["environments"][name]
    azs = env.get("azs") or data.get("azs") or 2
    origin: dict[Loc, Loc] = {}
    merged: dict[str, Any] = {}
    for section in SECTIONS:
        base = data.get(section)
        if section in OPTIONAL_TIERS and base is None:
            continue
        layer = copy.deepcopy(base or {})
        for key in layer:
            origin[(section, key)] = (section, key)
        for key, value in PROFILES[env["profile"]].get(section, {}).items():
            layer[key] = _profile_value(value, azs)
            origin[(section, key)] = ("profile", env["profile"], section, key)
        for key, value in (env.get(section) or {}).items():
            if value is not None:
                layer[key] = value
                origin[(section, key)] = ("environments", name, section, key)
        merged[section] = layer
    resolved: dict[str, Any] = {}
    ok = True
    for section, layer in merged.items():
        try:
            resolved[section] = SECTIONS[section].model_validate(layer)
        except ValidationError as err:
            ok = False
            for e in err.errors():
                key = e["loc"][0] if e["loc"] else None
                where = origin.get((section, key), (section,)) if key is not None else (section,)
                problems.add(where + tuple(e["loc"][1:]), _message(e, SECTIONS[section]))
    if not ok:
        return None
    tags = {**(data.get("tags") or {}), **(env.get("tags") or {})}
    return Environment(
        name=name,
        profile=env["profile"],
        protected=bool(env.get("protected")) or name == "prod",
        azs=azs,
        tags=tags,
        network=resolved["network"],
        load_balancer=resolved["load_balancer"],
        app=resolved["app"],
        database=resolved.get("database"),
        cache=resolved.get("cache"),
        static=resolved.get("static"),
        cdn=resolved.get("cdn"),
        monitoring=resolved["monitoring"],
    )


def _profile_value(value: Any, azs: int) -> Any:
    if value == "azs":
        return max(azs, 2)
    if value == "azs*3":
        return max(azs, 2) * 3
    return value


def _origin_path(env: Environment, data: dict[str, Any], section: str, key: str) -> Loc:
    """Where a resolved value came from: the environment override, or the base spec."""
    override = data["environments"][env.name].get(section) or {}
    if key in override and override[key] is not None:
        return ("environments", env.name, section, key)
    if (section, key) in PROFILE_KEYS:
        return ("environments", env.name, "profile", f"={env.profile} sets {section}.{key}")
    if section == "azs":
        return ("environments", env.name, "azs") if "azs" in data["environments"][env.name] \
            else ("azs",)
    return (section, key)


def check_environment(env: Environment, data: dict[str, Any], problems: Problems) -> None:
    """Cross-field checks the models alone cannot express."""

    def at(section: str, key: str) -> Loc:
        return _origin_path(env, data, section, key)

    where = f"(environment {env.name}, profile {env.profile})"

    def say(loc: Loc, message: str) -> None:
        # A value from the base spec is the same in every environment: say it once, unscoped.
        problems.add(loc, f"{message} {where}" if loc[:1] == ("environments",) else message)

    try:
        vpc = ipaddress.ip_network(env.network.cidr, strict=True)
    except ValueError as err:
        say(at("network", "cidr"), f"not a valid network CIDR: {err}")
        return
    if vpc.version != 4 or not vpc.is_private:
        say(at("network", "cidr"), "must be a private IPv4 range (RFC 1918), e.g. 10.0.0.0/16")
    elif not 16 <= vpc.prefixlen <= 24:
        say(at("network", "cidr"), "AWS VPCs are /16 to /24; use e.g. 10.0.0.0/16")
    else:
        prefix = env.network.subnet_prefix_length or default_subnet_prefix(vpc.prefixlen)
        slots = 2 ** (prefix - vpc.prefixlen - 2) if prefix >= vpc.prefixlen + 2 else 0
        need = env.azs if env.network.subnet_prefix_length else MAX_AZ_SLOTS
        if prefix > 28 or slots < need:
            say(
                at("network", "subnet_prefix_length") if env.network.subnet_prefix_length
                else at("network", "cidr"),
                f"{vpc} is too small for {len(TIERS)} subnet tiers x {need} AZ slots of /{prefix} "
                f"(AWS's smallest subnet is /28): use a larger CIDR or set "
                f"network.subnet_prefix_length",
            )
    if env.network.flow_log_retention_days not in CLOUDWATCH_RETENTION:
        say(at("network", "flow_log_retention_days"),
                     f"CloudWatch accepts only {CLOUDWATCH_RETENTION}")
    if env.monitoring.log_retention_days not in CLOUDWATCH_RETENTION:
        say(at("monitoring", "log_retention_days"),
                     f"CloudWatch accepts only {CLOUDWATCH_RETENTION}")
    app = env.app
    if not app.min_size <= app.desired_capacity <= app.max_size:
        say(at("app", "desired_capacity"),
                     f"needs min_size <= desired_capacity <= max_size, got {app.min_size} <= "
                     f"{app.desired_capacity} <= {app.max_size}")
    if env.profile == "high-power" and env.azs < 2:
        say(at("azs", ""), f"high-power needs at least 2 AZs, got {env.azs} {where}")
    db = env.database
    if db is not None:
        if db.multi_az and env.azs < 2:
            say(at("database", "multi_az"),
                         f"Multi-AZ needs azs >= 2, got {env.azs}")
        if db.read_replicas and db.backup_retention_days < 1:
            say(at("database", "read_replicas"),
                         "read replicas need automated backups: set backup_retention_days >= 1")
        if db.engine == "mysql" and db.engine_version and "." not in db.engine_version:
            say(at("database", "engine_version"),
                f"MySQL versions are major.minor (e.g. 8.4 or 8.0.40), got {db.engine_version!r}")
        if db.max_allocated_storage < db.allocated_storage:
            say(at("database", "max_allocated_storage"),
                         f"must be >= allocated_storage ({db.allocated_storage})")
    cache = env.cache
    if cache is not None:
        if cache.automatic_failover and cache.replicas < 1:
            say(at("cache", "automatic_failover"),
                         "automatic failover needs replicas >= 1")
        if cache.automatic_failover and env.azs < 2:
            say(at("cache", "automatic_failover"),
                         f"automatic failover needs azs >= 2, got {env.azs}")
    cdn = env.cdn
    if cdn is not None:
        if env.static is None:
            say(("cdn",), "a CDN needs the `static:` bucket section (its origin)")
        if cdn.aliases and not cdn.certificate_arn:
            say(at("cdn", "certificate_arn"),
                         "CloudFront aliases need an ACM certificate in us-east-1")
        if cdn.dynamic_paths and not env.load_balancer.domain_names:
            say(at("cdn", "dynamic_paths"),
                         "CloudFront reaches the ALB over HTTPS by a name its certificate covers: "
                         "set load_balancer.domain_names")
        if env.load_balancer.domain_names and env.load_balancer.domain_names[0] in cdn.aliases:
            problems.add(at("cdn", "aliases"),
                         f"{env.load_balancer.domain_names[0]} is the ALB's origin name for "
                         "CloudFront; as a CDN alias too, CloudFront would fetch from itself")
        if cdn.certificate_arn and ":us-east-1:" not in cdn.certificate_arn:
            say(at("cdn", "certificate_arn"),
                         "CloudFront only takes ACM certificates from us-east-1")
    lb = env.load_balancer
    if f":{data['region']}:" not in lb.certificate_arn:
        say(at("load_balancer", "certificate_arn"),
                     f"the ALB's certificate must be in the spec's region {data['region']}")
    if len(f"{data['name']}-{env.name}") > 28:
        say(("name",), f"`{data['name']}-{env.name}` is too long for AWS resource names "
                     "(ALB and target group names take at most 32 characters): shorten one")


def read_user_data(data: dict[str, Any], source_dir: Path, problems: Problems) -> str | None:
    """Read the app's user-data script (relative to the spec); it must exist and hold no key."""
    rel = (data.get("app") or {}).get("user_data")
    if rel is None:
        return None
    path = (source_dir / rel)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        reason = "file not found" if isinstance(err, FileNotFoundError) else str(err)
        problems.add(("app", "user_data"), f"cannot read {rel} (relative to the spec): {reason}")
        return None
    if any(line.strip() == "TFGEN_APP_BOOT_EOF" for line in text.splitlines()):
        problems.add(("app", "user_data"),
                     f"{rel} contains a line `TFGEN_APP_BOOT_EOF`, the marker tfgen's boot "
                     "script uses to embed it: rename that line")
    if AWS_ACCESS_KEY.search(text):
        problems.add(("app", "user_data"),
                     f"{rel} contains what looks like an AWS access key id: give the instance "
                     "role the access it needs (app.iam_policy_arns) instead of keys")
    if len(text.encode()) > 12000:
        problems.add(("app", "user_data"),
                     f"{rel} is {len(text.encode())} bytes; EC2 user data is limited to 16 KB "
                     "base64-encoded: fetch larger setup from S3 or bake it into the AMI")
    return text


def find_literal_secrets(value: Any, loc: Loc, problems: Problems) -> None:
    """Refuse password-like keys and anything that looks like an AWS key, anywhere in the spec."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and SECRET_KEYS.match(key):
                section = next((p for p in loc if p in SECRET_ADVICE), None)
                advice = SECRET_ADVICE.get(section or "", DEFAULT_SECRET_ADVICE)
                problems.add((*loc, key), f"literal secrets are not accepted: {advice}")
                continue
            find_literal_secrets(item, (*loc, key), problems)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            find_literal_secrets(item, (*loc, index), problems)
    elif isinstance(value, str):
        if AWS_ACCESS_KEY.search(value):
            problems.add(loc, "looks like an AWS access key id: tfgen uses IAM roles instead of "
                              "keys (instance profile for the app, your own credentials for terraform)")
        elif AWS_SECRET_KEY.search(value) and not value.startswith(("arn:", "/")):
            problems.add(loc, "looks like an AWS secret access key: remove it and use IAM roles")


# --------------------------------------------------------------------------- problems


class Problems:
    """Collects problems with their spec path and line."""

    def __init__(self, doc: SourceDoc) -> None:
        self.doc = doc
        self.items: list[Problem] = []

    def add(self, loc: Loc, message: str) -> None:
        exact = self.doc.lines.get(tuple(loc))  # an empty key ("") has a line of its own
        loc = tuple(p for p in loc if p != "")
        if loc and isinstance(loc[-1], str) and loc[-1].startswith("="):
            # a value the profile chose: point at the environment's `profile:` line
            message = f"profile {loc[-1][1:]}: {message}"
            loc = loc[:-1]
        if loc[:1] == ("profile",):
            path, line = ".".join(str(p) for p in loc[3:]), None
            message = f"{message} (value from profile {loc[1]})"
        else:
            path, line = ".".join(str(p) for p in loc), exact or self.doc.line_of(loc)
        problem = Problem(line, path, message, self.doc.name)
        if problem not in self.items:
            self.items.append(problem)

    def from_validation(self, err: ValidationError, prefix: Loc, model: type[BaseModel]) -> None:
        reported = {p.path for p in self.items}
        for e in err.errors():
            loc = tuple(p for p in e["loc"] if not _is_union_tag(p) and p != "[key]")
            if "[key]" in e["loc"]:
                self.add((*prefix, *loc), f"invalid key {e.get('input')!r}: tag keys are 1-128 "
                                          "letters, digits, spaces and _ . : / = + @ -")
                continue
            if ".".join(str(p) for p in (*prefix, *loc)) in reported:
                continue  # already explained better (e.g. a literal secret)
            self.add((*prefix, *loc), _message(e, model, loc))

    def raise_if_any(self) -> None:
        if self.items:
            raise SpecError(self.items)


def _is_union_tag(part: Any) -> bool:
    # pydantic inserts the union member's type name into locs of `X | None` fields.
    return isinstance(part, str) and (part.endswith("Override") or part in {
        "Database", "Cache", "Static", "Cdn", "Environment", "str", "int", "bool"})


def _message(e: dict[str, Any], model: type[BaseModel], loc: tuple[Any, ...] | None = None) -> str:
    kind = e["type"]
    loc = tuple(e["loc"]) if loc is None else loc
    if kind == "extra_forbidden":
        parent = _model_at(model, loc[:-1])
        valid = sorted(parent.model_fields) if parent else []
        guess = difflib.get_close_matches(str(loc[-1]), valid, n=1, cutoff=0.6)
        hint = f"did you mean `{guess[0]}`?" if guess else f"valid keys: {', '.join(valid)}"
        return f"unknown key: {hint}"
    if kind == "missing":
        return "is required"
    if kind == "string_pattern_mismatch":
        field = _field_at(model, loc)
        desc = f" ({field.description})" if field and field.description else ""
        return f"invalid value {e.get('input')!r}{desc}"
    if kind == "literal_error":
        return f"invalid value {e.get('input')!r}: expected {e['ctx']['expected']}"
    if "input" in e and not isinstance(e.get("input"), dict):
        shown = repr(e["input"])
        return f"{e['msg']} (got {shown[:60] + '...' if len(shown) > 60 else shown})"
    return e["msg"]


def _unwrap(annotation: Any) -> Any:
    """The model class inside `X | None`, `dict[str, X]`, or X itself."""
    import typing

    args = typing.get_args(annotation)
    for arg in args or (annotation,):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
        inner = _unwrap(arg) if typing.get_args(arg) else None
        if inner is not None:
            return inner
    return None


def _model_at(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> type[BaseModel] | None:
    for part in loc:
        if model is None:
            return None
        if part not in model.model_fields:
            # dict keys (environment names) and list indices: stay on the value type
            continue
        model = _unwrap(model.model_fields[part].annotation)
    return model


def _field_at(model: type[BaseModel], loc: tuple[Any, ...]) -> Any:
    parent = _model_at(model, loc[:-1])
    return parent.model_fields.get(loc[-1]) if parent else None


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a spec file, for editors (yaml-language-server)."""
    schema = SpecFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "tfgen app spec"
    return schema
