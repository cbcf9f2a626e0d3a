"""vpc: the network every other module lives in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..spec.sections import CACHE_PORT, Network
from ._record import ONE_YEAR, ModuleDef, envs_where, locks_origin

if TYPE_CHECKING:
    from ..spec.model import AppSpec, Environment


# The services an instance talks to for management (Session Manager), secrets, logs and keys.
INTERFACE_ENDPOINTS = ("ssm", "ssmmessages", "ec2messages", "secretsmanager", "logs", "kms")


def facts(spec: AppSpec) -> dict[str, Any]:
    return {
        "database": spec.tier_used("database"),
        "cache": spec.tier_used("cache"),
        "short_flow_log_retention": envs_where(
            spec, lambda env: env.network.flow_log_retention_days < ONE_YEAR
        ),
        # The ALB's ingress: from the internet where it stays public, from CloudFront's
        # origin-facing prefix list where cdn.lock_origin puts it behind the CDN.
        "public_alb": envs_where(spec, lambda env: not locks_origin(env)),
        "cloudfront_only_alb": envs_where(spec, locks_origin),
    }


def tfvars(spec: AppSpec, env: Environment) -> dict[str, Any]:
    cidrs = env.subnet_cidrs()
    network: dict[str, Any] = {
        "cidr": env.network.cidr,
        "public_subnets": cidrs["public"],
        "private_subnets": cidrs["private"],
        "database_subnets": cidrs["database"],
        "cache_subnets": cidrs["cache"],
        "single_nat_gateway": env.network.nat == "single",
        "flow_log_retention_days": env.network.flow_log_retention_days,
        "flow_log_traffic_type": env.network.flow_log_traffic,
        "interface_endpoints": list(INTERFACE_ENDPOINTS) if env.network.interface_endpoints else [],
        "app_port": env.app.port,
    }
    if any(locks_origin(e) for e in spec.environments):
        network["alb_cloudfront_only"] = locks_origin(env)
    # The security groups are rendered for every tier some environment has.
    if spec.tier_used("database"):
        network["database_port"] = spec.shared_settings("database").port
    if spec.tier_used("cache"):
        network["cache_port"] = CACHE_PORT
    return network


MODULE = ModuleDef(
    name="vpc",
    section="network",
    model=Network,
    summary="VPC spread over the AZs: public, private (app), database and cache subnets, NAT, "
    "flow logs to CloudWatch Logs (KMS), a locked-down default security group and an S3 "
    "gateway endpoint.",
    facts=facts,
    tfvars=tfvars,
    contract=(
        "vpc_id",
        "vpc_cidr_block",
        "azs",
        "public_subnet_ids",
        "private_subnet_ids",
        "database_subnet_ids",
        "cache_subnet_ids",
        "alb_security_group_id",
        "app_security_group_id",
        "nat_public_ips",
    ),
)
