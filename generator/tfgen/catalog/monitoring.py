"""monitoring: the alarm topic every module notifies, and the monthly cost budget."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..spec.sections import Monitoring
from ._record import ModuleDef

if TYPE_CHECKING:
    from ..spec.model import AppSpec, Environment


def budget_filters(spec: AppSpec, env: Environment) -> dict[str, list[str]]:
    """What the monthly budget measures: the environment's own account when no other environment
    shares it, else the cost carrying the environment's `Environment` tag (a cost-allocation tag
    that must be activated in the Billing console, or the budget reads 0)."""
    alone = env.account_id and all(
        e.account_id != env.account_id for e in spec.environments if e.name != env.name
    )
    if alone:
        return {"LinkedAccount": [str(env.account_id)]}
    return {"TagKeyValue": [f"user:Environment${env.name}"]}


def tfvars(spec: AppSpec, env: Environment) -> dict[str, Any]:
    return {
        "alarm_email": env.monitoring.alarm_email,
        "monthly_budget_usd": env.monitoring.monthly_budget_usd,
        "budget_cost_filters": budget_filters(spec, env),
        "log_retention_days": env.monitoring.log_retention_days,
        "error_rate_percent": env.monitoring.error_rate_percent,
    }


MODULE = ModuleDef(
    name="monitoring",
    section="monitoring",
    model=Monitoring,
    summary="SNS topic for alarms (encrypted, email subscription) and an AWS Budgets monthly cost budget.",
    tfvars=tfvars,
    contract=("sns_topic_arn",),
)
