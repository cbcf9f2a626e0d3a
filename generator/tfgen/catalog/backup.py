"""backup: AWS Backup for the data tiers, a locked vault copied to a second region (high-power)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..spec.sections import Backup
from ._record import ModuleDef, envs_where

if TYPE_CHECKING:
    from ..spec.model import AppSpec, Environment


def facts(spec: AppSpec) -> dict[str, Any]:
    """What the environments with a vault back up; the module is rendered once for all of them."""
    envs = [e for e in spec.environments if e.backup_vault is not None]
    return {
        "database": any(e.database is not None for e in envs),
        "static_bucket": any(e.backup_vault is not None and e.backup_vault.static_bucket for e in envs),
        # Environments whose break-glass role trusts the whole account (named in the skip).
        "break_glass_account": envs_where(
            spec, lambda e: e.backup_vault is not None and not e.backup_vault.break_glass_principals
        ),
    }


def tfvars(spec: AppSpec, env: Environment) -> dict[str, Any]:
    backup = env.backup_vault
    assert backup is not None
    return {
        "schedule": backup.schedule,
        "retention_days": backup.retention_days,
        "copy_region": backup.copy_region,
        "copy_vault_arn": backup.copy_vault_arn,
        "lock_mode": backup.lock_mode,
        "lock_min_retention_days": backup.lock_min_retention_days,
        "lock_max_retention_days": backup.lock_max_retention_days,
        "lock_changeable_days": backup.lock_changeable_days,
        "break_glass_principals": backup.break_glass_principals,
        "database": env.database is not None,
        "static_bucket": backup.static_bucket,
        "restore_testing": backup.restore_testing and env.database is not None,
        "restore_test_schedule": backup.restore_test_schedule,
    }


MODULE = ModuleDef(
    name="backup",
    section="backup",
    model=Backup,
    optional=True,
    present=lambda env: env.backup_vault is not None,
    summary="AWS Backup for the database (and the static bucket): a KMS-encrypted vault under "
    "Vault Lock, a copy to a second region, deletion only by a break-glass role, failed-job "
    "alarms, a scheduled restore test.",
    facts=facts,
    tfvars=tfvars,
    contract=("vault_name", "vault_arn", "copy_vault_arn", "plan_id", "break_glass_role_arn"),
)


def names(spec: AppSpec, env: Environment) -> dict[str, str]:
    """The names the backup and rds modules give an environment's resources (docs/RESTORE.md).

    They repeat the modules' own expressions (`local.vault_name`, `local.identifier`, ...);
    tests/test_module_backup.py checks that the rendered modules agree.
    """
    name = f"{spec.name}-{env.name}"
    return {
        "name": name,
        "database": f"{name}-db",
        "subnet_group": name,
        "vault": f"{name}-backup",
        "copy_vault": f"{name}-backup-copy",
        "plan": f"{name}-backup",
        "role": f"{name}-backup",
        "break_glass": f"{name}-backup-break-glass",
        "restore_test": f"{name.replace('-', '_')}_restore_test",
    }


def restore_facts(spec: AppSpec) -> list[dict[str, Any]]:
    """What docs/RESTORE.md says per environment with a database or a vault."""
    from ..regions import REGIONS

    region = REGIONS.get(spec.region)
    partition = region.partition if region is not None else "aws"
    out = []
    for env in spec.environments:
        if env.database is None and env.backup_vault is None:
            continue
        out.append(
            {
                "env": env,
                "partition": partition,
                "names": names(spec, env),
                "database": env.database,
                "vault": env.backup_vault,
                "replicas": env.database.read_replicas if env.database is not None else 0,
                "engine_port": env.database.port if env.database is not None else None,
            }
        )
    return out
