"""alb: the public Application Load Balancer that terminates TLS."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..spec.sections import LoadBalancer
from ._record import ModuleDef, envs_where, locks_origin

if TYPE_CHECKING:
    from ..spec.model import AppSpec, Environment


def tfvars(spec: AppSpec, env: Environment) -> dict[str, Any]:
    lb = env.load_balancer
    values: dict[str, Any] = {
        "certificate_arn": lb.certificate_arn,
        "domain_names": lb.domain_names,
        "health_check_path": lb.health_check_path,
        "access_logs": lb.access_logs,
        "waf_web_acl_arn": lb.waf_web_acl_arn,
        "idle_timeout": lb.idle_timeout,
        "deletion_protection": lb.deletion_protection,
    }
    if any(locks_origin(e) for e in spec.environments):
        values["origin_lock"] = locks_origin(env)
    return values


def facts(spec: AppSpec) -> dict[str, Any]:
    return {
        # Environments without a web ACL (named in the CKV2_AWS_28 skip; a plan scan sees them).
        "no_waf": envs_where(spec, lambda env: not env.load_balancer.waf_web_acl_arn),
        "no_access_logs": envs_where(spec, lambda env: not env.load_balancer.access_logs),
        # Environments whose ALB forwards only CloudFront's requests (the origin header).
        "origin_lock": envs_where(spec, locks_origin),
    }


MODULE = ModuleDef(
    name="alb",
    section="load_balancer",
    model=LoadBalancer,
    summary="Application Load Balancer terminating TLS: HTTP->HTTPS redirect, TLS 1.3 policy, "
    "health-checked target group, access logs, optional WAF, alarms.",
    facts=facts,
    tfvars=tfvars,
    contract=(
        "lb_arn",
        "lb_arn_suffix",
        "lb_dns_name",
        "lb_zone_id",
        "target_group_arn",
        "target_group_arn_suffix",
        "https_listener_arn",
    ),
)
