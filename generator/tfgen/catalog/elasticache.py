"""elasticache: the session cache, a replication group with a generated AUTH token."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..spec.sections import CACHE_DEFAULT_VERSIONS, Cache
from ._record import ModuleDef, short_log_retention

if TYPE_CHECKING:
    from ..spec.model import AppSpec, Environment


def facts(spec: AppSpec) -> dict[str, Any]:
    cache = spec.shared_settings("cache")
    return {
        "engine": cache.engine,
        "default_version": CACHE_DEFAULT_VERSIONS[cache.engine],
        "short_log_retention": short_log_retention(spec),
    }


def tfvars(spec: AppSpec, env: Environment) -> dict[str, Any]:
    cache = env.cache
    assert cache is not None
    return {
        "engine_version": cache.version,
        "node_type": cache.node_type,
        "replicas": cache.replicas,
        "automatic_failover": cache.automatic_failover,
        "snapshot_retention_days": cache.snapshot_retention_days,
        "auth_token_version": cache.auth_token_version,
        "log_retention_days": env.monitoring.log_retention_days,
    }


MODULE = ModuleDef(
    name="elasticache",
    section="cache",
    model=Cache,
    optional=True,
    providers=("aws", "random"),
    summary="ElastiCache replication group for sessions: encryption at rest and in "
    "transit, generated auth token (write-only, never in the state) in Secrets Manager, "
    "failover per profile, alarms.",
    facts=facts,
    tfvars=tfvars,
    contract=("primary_endpoint_address", "reader_endpoint_address", "port", "auth_token_secret_arn"),
)
