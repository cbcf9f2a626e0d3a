"""rds: the database in the database subnets, password managed by RDS in Secrets Manager."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..spec.sections import DATABASE_DEFAULT_VERSIONS, Database
from ._record import ModuleDef, envs_where, short_log_retention

if TYPE_CHECKING:
    from ..spec.model import AppSpec, Environment

GIB = 1073741824
# Memory of an instance class by size, GiB, for t/m classes (4 GiB per vCPU).
SIZE_GIB = {
    "micro": 1,
    "small": 2,
    "medium": 4,
    "large": 8,
    "xlarge": 16,
    "2xlarge": 32,
    "4xlarge": 64,
    "8xlarge": 128,
    "12xlarge": 192,
    "16xlarge": 256,
    "24xlarge": 384,
    "32xlarge": 512,
    "48xlarge": 768,
}


def instance_memory(instance_class: str) -> float:
    """Bytes of memory RDS counts for a class: r and z families have twice t/m's, x four times.

    RDS's parameter formulas use DBInstanceClassMemory, which is what the instance has minus
    what the OS and RDS keep (about a tenth).
    """
    _, family, size = instance_class.split(".")
    factor = 4 if family.startswith("x") else (2 if family.startswith(("r", "z")) else 1)
    return SIZE_GIB.get(size, 8) * factor * GIB * 0.9


def default_max_connections(engine: str, instance_class: str) -> int:
    """RDS's default max_connections: postgres LEAST(memory/9531392, 5000), mysql memory/12582880."""
    memory = instance_memory(instance_class)
    if engine == "postgres":
        return min(int(memory / 9531392), 5000)
    return min(int(memory / 12582880), 16000)


def performance_insights_supported(engine: str, instance_class: str) -> bool:
    """RDS for MySQL has no Performance Insights on micro and small classes."""
    return engine == "postgres" or instance_class.split(".")[2] not in ("micro", "small")


def facts(spec: AppSpec) -> dict[str, Any]:
    db = spec.shared_settings("database")
    return {
        "engine": db.engine,
        "postgres": db.engine == "postgres",
        "port": db.port,
        "default_version": DATABASE_DEFAULT_VERSIONS[db.engine],
        "short_log_retention": short_log_retention(spec),
        # Environments whose spec turns Performance Insights off (named in the skip).
        "insights_off": envs_where(
            spec, lambda env: env.database is not None and not env.database.performance_insights
        ),
    }


def tfvars(spec: AppSpec, env: Environment) -> dict[str, Any]:
    db = env.database
    assert db is not None
    max_connections = default_max_connections(db.engine, db.instance_class)
    return {
        "engine_version": db.version,
        "allow_major_version_upgrade": db.allow_major_version_upgrade,
        "instance_class": db.instance_class,
        "allocated_storage": db.allocated_storage,
        "max_allocated_storage": db.max_allocated_storage,
        "db_name": db.db_name,
        "username": db.username,
        "iam_user": db.iam_user,
        "multi_az": db.multi_az,
        "read_replicas": db.read_replicas,
        "backup_retention_days": db.backup_retention_days,
        "backup_window": db.backup_window,
        "maintenance_window": db.maintenance_window,
        "deletion_protection": db.deletion_protection,
        "skip_final_snapshot": not (env.profile == "high-power" or db.deletion_protection),
        "performance_insights": db.performance_insights
        and performance_insights_supported(db.engine, db.instance_class),
        "log_retention_days": env.monitoring.log_retention_days,
        "connections_alarm_threshold": max(int(max_connections * 0.8), 1),
        "memory_alarm_threshold": int(instance_memory(db.instance_class) / 0.9 * 0.1),
    }


MODULE = ModuleDef(
    name="rds",
    section="database",
    model=Database,
    optional=True,
    summary="RDS in the database subnets: password managed in Secrets Manager, TLS forced, "
    "encryption, backups, Multi-AZ and read replicas per profile, enhanced monitoring, alarms.",
    facts=facts,
    tfvars=tfvars,
    contract=("endpoint", "port", "master_user_secret_arn", "replica_endpoints", "instance_id"),
)
