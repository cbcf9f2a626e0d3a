"""dns: a Route 53 zone the app's names live in: DNS-validated ACM certificates, alias records."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..spec.sections import Dns
from ._record import ModuleDef

if TYPE_CHECKING:
    from ..spec.model import AppSpec, Environment


def issues_alb_certificate(env: Environment) -> bool:
    """Whether tfgen issues the ALB's certificate (a `dns:` section, no certificate ARN)."""
    return env.dns is not None and env.load_balancer.certificate_arn is None


def issues_cdn_certificate(env: Environment) -> bool:
    """Whether tfgen issues CloudFront's certificate (`dns:`, aliases, no certificate ARN)."""
    cdn = env.cdn
    return env.dns is not None and cdn is not None and bool(cdn.aliases) and cdn.certificate_arn is None


def facts(spec: AppSpec) -> dict[str, Any]:
    """What the environments with a zone ask of the module; it is rendered once for all."""
    envs = [e for e in spec.environments if e.dns is not None]
    return {
        # The CloudFront inputs exist when some environment with a zone has a CDN.
        "cdn": any(e.cdn is not None for e in envs),
    }


def tfvars(spec: AppSpec, env: Environment) -> dict[str, Any]:
    dns, lb, cdn = env.dns, env.load_balancer, env.cdn
    assert dns is not None
    aliases = cdn.aliases if cdn is not None else []
    return {
        "zone_id": dns.zone_id,
        "zone_name": dns.zone_name,
        "alb_certificate_names": lb.domain_names if issues_alb_certificate(env) else [],
        "alb_record_names": lb.domain_names,
        "cdn_certificate_names": aliases if issues_cdn_certificate(env) else [],
        "cdn_record_names": aliases,
    }


MODULE = ModuleDef(
    name="dns",
    section="dns",
    model=Dns,
    optional=True,
    summary="Route 53 for the app's names, in an existing public hosted zone: ACM certificates "
    "with DNS validation (the ALB's in its region, CloudFront's in us-east-1), alias records "
    "for the load balancer's names (A) and the CDN aliases (A and AAAA).",
    facts=facts,
    tfvars=tfvars,
    contract=("zone_id", "alb_certificate_arn", "cdn_certificate_arn", "record_names"),
)
