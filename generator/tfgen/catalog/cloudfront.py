"""cloudfront: the CDN in front of the static bucket (and of the ALB for dynamic paths)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..spec.sections import Cdn
from ._record import ModuleDef, envs_where, locks_origin

if TYPE_CHECKING:
    from ..spec.model import AppSpec, Environment


def facts(spec: AppSpec) -> dict[str, Any]:
    """What the environments using a CDN ask for; the module is rendered once for all of them."""
    cdn_envs = [e for e in spec.environments if e.cdn is not None]
    # An environment with a `dns:` zone and aliases gets its certificate from the dns module.
    without_cert = [
        e.name
        for e in cdn_envs
        if e.cdn is not None and not e.cdn.certificate_arn and not (e.dns is not None and e.cdn.aliases)
    ]
    return {
        "dynamic": any(e.cdn.dynamic_paths for e in cdn_envs if e.cdn is not None),
        "without_cert": without_cert,
        # Environments whose HSTS header leaves `preload` out (named in the CKV_AWS_259 skip).
        "no_preload": ", ".join(e.name for e in cdn_envs if e.cdn is not None and not e.cdn.hsts_preload),
        "without_waf": [e.name for e in cdn_envs if e.cdn is not None and not e.cdn.waf_web_acl_arn],
        "any_cert": len(without_cert) < len(cdn_envs),
        # Environments where CloudFront is the ALB's only way in (cdn.lock_origin).
        "lock_origin": envs_where(spec, locks_origin),
    }


def tfvars(spec: AppSpec, env: Environment) -> dict[str, Any]:
    cdn = env.cdn
    assert cdn is not None
    lb_names = env.load_balancer.domain_names
    values: dict[str, Any] = {
        "aliases": cdn.aliases,
        "certificate_arn": cdn.certificate_arn,
        "price_class": cdn.price_class,
        "waf_web_acl_arn": cdn.waf_web_acl_arn,
        "hsts_preload": cdn.hsts_preload,
        "dynamic_paths": cdn.dynamic_paths,
        # CloudFront reaches the ALB by the first name on its certificate.
        "alb_domain_name": lb_names[0] if cdn.dynamic_paths and lb_names else None,
        "lock_origin": locks_origin(env),
        "origin_header_version": cdn.origin_header_version,
    }
    return values


def extra_providers(spec: AppSpec) -> tuple[str, ...]:
    """The origin header secret is a random_password: only where some environment locks."""
    return ("random",) if any(locks_origin(e) for e in spec.environments) else ()


MODULE = ModuleDef(
    name="cloudfront",
    section="cdn",
    model=Cdn,
    optional=True,
    summary="CloudFront in front of the static bucket (origin access control) and the ALB "
    "for dynamic paths: HTTPS only, TLS 1.2+, HSTS, managed cache policies, logging.",
    facts=facts,
    tfvars=tfvars,
    extra_providers=extra_providers,
    contract=("distribution_id", "distribution_arn", "domain_name", "hosted_zone_id"),
)
