"""monitoring: the alarm topic every module notifies, and the monthly cost budget."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..spec.sections import Monitoring
from ._record import ModuleDef

if TYPE_CHECKING:
    from ..spec.model import AppSpec, Environment


def tfvars(spec: AppSpec, env: Environment) -> dict[str, Any]:
    return {
        "alarm_email": env.monitoring.alarm_email,
        "monthly_budget_usd": env.monitoring.monthly_budget_usd,
        "log_retention_days": env.monitoring.log_retention_days,
    }


MODULE = ModuleDef(
    name="monitoring",
    section="monitoring",
    model=Monitoring,
    summary="SNS topic for alarms (encrypted, email subscription) and an AWS Budgets monthly cost budget.",
    tfvars=tfvars,
    contract=("sns_topic_arn",),
)
