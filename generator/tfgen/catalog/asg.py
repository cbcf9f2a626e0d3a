"""asg: the stateless app tier, an Auto Scaling group behind the load balancer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..spec.sections import AppTier
from ._record import ModuleDef, short_log_retention

if TYPE_CHECKING:
    from ..spec.model import AppSpec, Environment


def tfvars(spec: AppSpec, env: Environment) -> dict[str, Any]:
    app = env.app
    return {
        "ami": app.ami,
        "ami_owners": app.ami_owners or default_ami_owners(app.ami),
        "instance_type": app.instance_type,
        "min_size": app.min_size,
        "desired_capacity": app.desired_capacity,
        "max_size": app.max_size,
        "cpu_target": app.cpu_target,
        "port": app.port,
        "iam_policy_arns": app.iam_policy_arns,
        "root_volume_size": app.root_volume_size,
        "health_check_grace_period": app.health_check_grace_period,
        "log_retention_days": env.monitoring.log_retention_days,
        "log_files": app.log_files,
    }


# The publishers of the public SSM parameters that name an AMI (/aws/service/<publisher>/...).
AMI_PUBLISHERS = {"canonical": "099720109477", "debian": "136693071363"}


def default_ami_owners(ami: str) -> list[str]:
    """Who may own the AMI when the spec does not say: the publisher of a public parameter,
    `self` for a parameter of your own, `self` and `amazon` for an AMI id."""
    if ami.startswith("/aws/service/"):
        publisher = ami.split("/")[3]
        return [AMI_PUBLISHERS.get(publisher, "amazon")]
    return ["self"] if ami.startswith("/") else ["self", "amazon"]


def facts(spec: AppSpec) -> dict[str, Any]:
    return {"short_log_retention": short_log_retention(spec)}


MODULE = ModuleDef(
    name="asg",
    section="app",
    model=AppTier,
    summary="Stateless app tier: launch template (IMDSv2, encrypted root volume, no public IP, no "
    "SSH) and an Auto Scaling group across the private subnets with CPU target tracking and "
    "rolling instance refresh.",
    facts=facts,
    tfvars=tfvars,
    contract=(
        "autoscaling_group_name",
        "iam_role_name",
        "iam_role_arn",
        "launch_template_id",
        "log_group_name",
    ),
)
