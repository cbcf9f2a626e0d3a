"""s3: the log bucket (always) and the static-files bucket (with a `static:` section)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..spec.sections import Static
from ._record import ModuleDef

if TYPE_CHECKING:
    from ..spec.model import AppSpec, Environment

# Regions opened before ap-southeast-3 deliver ALB access logs from a regional ELB account; the
# provider's aws_elb_service_account knows exactly these (and fails elsewhere).
ELB_ACCOUNT_REGIONS = frozenset(
    {
        "af-south-1",
        "ap-east-1",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-south-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ca-central-1",
        "cn-north-1",
        "cn-northwest-1",
        "eu-central-1",
        "eu-north-1",
        "eu-south-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "me-south-1",
        "sa-east-1",
        "us-east-1",
        "us-east-2",
        "us-gov-east-1",
        "us-gov-west-1",
        "us-west-1",
        "us-west-2",
    }
)


def facts(spec: AppSpec) -> dict[str, Any]:
    return {
        "cdn": spec.tier_used("cdn"),
        "static": spec.tier_used("static"),
        "elb_account_region": spec.region in ELB_ACCOUNT_REGIONS,
        # Environments whose spec turns static versioning off (named in the checkov skip).
        "unversioned": [
            e.name for e in spec.environments if e.static is not None and not e.static.versioning
        ],
    }


def tfvars(spec: AppSpec, env: Environment) -> dict[str, Any] | None:
    if env.static is None:
        return None  # the log bucket needs no settings of its own
    return {
        "versioning": env.static.versioning,
        "noncurrent_version_expiration_days": env.static.noncurrent_version_expiration_days,
    }


MODULE = ModuleDef(
    name="s3",
    section="static",
    model=Static,
    optional=True,
    always=True,  # the log bucket always exists (ALB, S3 and CloudFront access logs)
    summary="The log bucket and the static-files bucket: public access blocked, owner-enforced "
    "(the log bucket keeps ACLs only for CloudFront classic logging), versioned, encrypted, "
    "lifecycle rules, access logging, TLS-only policies.",
    facts=facts,
    tfvars=tfvars,
    contract=("log_bucket_id", "log_bucket_arn", "log_bucket_domain_name"),
)
