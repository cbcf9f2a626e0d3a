"""The priced resources each module creates, and how many of each an environment gets.

One record per resource block of a priced type in `templates/modules/*/main.tf.j2` (or, marked
`root`, in a module's part of the environment root), with the `count`/`for_each` expression
the module gives it. `tests/test_cost.py` renders every test
spec and checks this list against the rendered modules block for block: a module that gains a
KMS key, an alarm or an endpoint fails that test until it is counted here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..spec.model import AppSpec, Environment

PRICED_TYPES = frozenset(
    {
        "aws_autoscaling_group",
        "aws_instance",
        "aws_nat_gateway",
        "aws_eip",
        "aws_lb",
        "aws_vpc_endpoint",
        "aws_flow_log",
        "aws_db_instance",
        "aws_elasticache_replication_group",
        "aws_kms_key",
        "aws_secretsmanager_secret",
        "aws_cloudwatch_metric_alarm",
        "aws_cloudwatch_dashboard",
        "aws_cloudfront_distribution",
    }
)
"""Resource types with a cost of their own (the rest are free or priced by usage)."""


def _one(env: Environment) -> int:
    return 1


def nat_gateways(env: Environment) -> int:
    """vpc's `local.nat_gateway_count`: one, or one per AZ."""
    return 1 if env.network.nat == "single" else env.azs


def _read_replicas(env: Environment) -> int:
    return env.database.read_replicas if env.database is not None else 0


def cache_nodes(env: Environment) -> int:
    """elasticache's `local.member_clusters`: the primary and its replicas."""
    return 1 + env.cache.replicas if env.cache is not None else 0


def _static(env: Environment) -> int:
    return 1 if env.static is not None else 0


def _origin_lock(env: Environment) -> int:
    """cloudfront's origin header secret and its key: only with cdn.lock_origin."""
    return 1 if env.cdn is not None and env.cdn.locks_origin() else 0


def _any_origin_lock(spec: AppSpec) -> bool:
    """The cloudfront module renders the origin header blocks when some environment locks."""
    return any(_origin_lock(env) for env in spec.environments)


@dataclass(frozen=True)
class Priced:
    """A priced resource block of a module: its type, name, count expression, and count."""

    module: str
    type: str
    name: str
    count_expr: str | None
    """The block's `count` or `for_each` as rendered (None: neither, the block exists once)."""
    count: Callable[[Environment], int] = _one
    variant: str = ""
    """What distinguishes blocks of one type for pricing (an endpoint's type)."""
    rendered: Callable[[AppSpec], bool] | None = None
    """Whether the module's template renders the block for this spec (None: always)."""
    metrics: int = 1
    """Metrics an alarm queries: a metric-math alarm is billed per metric in it."""
    root: bool = False
    """Declared in the environment root (by the module's part of it), not in the module: the
    alarms and the dashboard that read several modules."""


def _interface_endpoints(env: Environment) -> int:
    from ..catalog.vpc import INTERFACE_ENDPOINTS

    return len(INTERFACE_ENDPOINTS) if env.network.interface_endpoints else 0


def us_east_1_topic(env: Environment) -> int:
    """monitoring's `var.us_east_1_topic`: CloudFront's alarm needs a topic (and key) in us-east-1."""
    return 1 if env.cdn is not None and env.region != "us-east-1" else 0


_ALB_ALARMS = ("target_response_time", "unhealthy_hosts", "no_healthy_hosts")
_CACHE_ALARMS = ("engine_cpu", "evictions", "memory")

PRICED: tuple[Priced, ...] = (
    Priced("vpc", "aws_eip", "nat", "local.nat_gateway_count", nat_gateways),
    Priced("vpc", "aws_nat_gateway", "this", "local.nat_gateway_count", nat_gateways),
    Priced("vpc", "aws_vpc_endpoint", "s3", None, variant="Gateway"),
    Priced(
        "vpc",
        "aws_vpc_endpoint",
        "interface",
        "toset(var.interface_endpoints)",
        _interface_endpoints,
        variant="Interface",
    ),
    Priced("vpc", "aws_kms_key", "flow_logs", None),
    Priced("vpc", "aws_flow_log", "this", None),
    Priced("alb", "aws_lb", "this", None),
    # 100 * (ELB 5xx + target 5xx) / requests: three metrics.
    Priced("alb", "aws_cloudwatch_metric_alarm", "error_rate", None, metrics=3),
    *(Priced("alb", "aws_cloudwatch_metric_alarm", name, None) for name in _ALB_ALARMS),
    Priced("asg", "aws_kms_key", "logs", None),
    Priced("asg", "aws_autoscaling_group", "this", None),
    Priced("asg", "aws_cloudwatch_metric_alarm", "cpu_high", None),
    Priced("rds", "aws_kms_key", "this", None),
    Priced("rds", "aws_db_instance", "this", None),
    Priced("rds", "aws_db_instance", "replica", "var.read_replicas", _read_replicas),
    *(
        Priced("rds", "aws_cloudwatch_metric_alarm", name, None)
        for name in ("cpu", "freeable_memory", "free_storage", "connections")
    ),
    Priced("rds", "aws_cloudwatch_metric_alarm", "replica_lag", "var.read_replicas", _read_replicas),
    Priced("elasticache", "aws_kms_key", "this", None),
    Priced("elasticache", "aws_secretsmanager_secret", "auth_token", None),
    Priced("elasticache", "aws_elasticache_replication_group", "this", None),
    *(
        Priced(
            "elasticache", "aws_cloudwatch_metric_alarm", name, "toset(local.member_clusters)", cache_nodes
        )
        for name in _CACHE_ALARMS
    ),
    Priced("s3", "aws_kms_key", "static", None, _static),
    Priced("cloudfront", "aws_cloudfront_distribution", "this", None),
    Priced(
        "cloudfront",
        "aws_kms_key",
        "origin_header",
        "var.lock_origin ? 1 : 0",
        _origin_lock,
        rendered=_any_origin_lock,
    ),
    Priced(
        "cloudfront",
        "aws_secretsmanager_secret",
        "origin_header",
        "var.lock_origin ? 1 : 0",
        _origin_lock,
        rendered=_any_origin_lock,
    ),
    # 5xxErrorRate, guarded by Requests: two metrics.
    Priced("cloudfront", "aws_cloudwatch_metric_alarm", "error_rate", None, metrics=2),
    Priced("monitoring", "aws_kms_key", "alarms", None),
    Priced("monitoring", "aws_kms_key", "us_east_1", "var.us_east_1_topic ? 1 : 0", us_east_1_topic),
    Priced(
        "monitoring",
        "aws_cloudwatch_metric_alarm",
        "nat_port_allocation",
        "length(module.vpc.nat_gateway_ids)",
        nat_gateways,
        root=True,
    ),
    Priced("monitoring", "aws_cloudwatch_dashboard", "this", None, root=True),
    Priced("backup", "aws_kms_key", "vault", None),
    Priced("backup", "aws_kms_key", "copy", None),
    Priced("backup", "aws_cloudwatch_metric_alarm", "jobs_failed", "local.job_alarms", lambda env: 3),
)

MANAGED_SECRETS = {"rds": "aws_db_instance.this"}
"""Secrets a service creates for a module's resource (RDS's master password,
`manage_master_user_password = true`): billed like any secret, absent from the code."""


def modules_of(env: Environment) -> list[str]:
    """The modules this environment instantiates (the catalog's rule)."""
    from ..catalog import MODULES

    return [m.name for m in MODULES if m.in_environment(env)]


def count_by_module(env: Environment, type_: str, variant: str = "") -> dict[str, int]:
    """How many resources of one type each module creates in this environment (non-zero)."""
    modules = set(modules_of(env))
    out: dict[str, int] = {}
    for p in PRICED:
        if p.type == type_ and p.variant == variant and p.module in modules:
            n = p.count(env)
            if n:
                out[p.module] = out.get(p.module, 0) + n
    if type_ == "aws_secretsmanager_secret":
        for module in MANAGED_SECRETS:
            if module in modules:
                out[module] = out.get(module, 0) + 1
    return out


def alarm_metrics_by_module(env: Environment) -> dict[str, int]:
    """The metrics each module's alarms query (what CloudWatch bills alarms by), non-zero."""
    modules = set(modules_of(env))
    out: dict[str, int] = {}
    for p in PRICED:
        if p.type == "aws_cloudwatch_metric_alarm" and p.module in modules:
            n = p.count(env) * p.metrics
            if n:
                out[p.module] = out.get(p.module, 0) + n
    return out


def count(env: Environment, type_: str, variant: str = "") -> int:
    """How many resources of one type this environment gets."""
    return sum(count_by_module(env, type_, variant).values())
