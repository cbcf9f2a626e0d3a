"""Guide 4.7.11 plus S3 privacy: viewers reach CloudFront only over HTTPS (TLS 1.2+), and an
S3 origin is read only through an origin access control, never a public bucket or legacy OAI."""

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

HTTPS_POLICIES = {"redirect-to-https", "https-only"}


def _first(value):
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def _blocks(conf, name):
    """The blocks of that name; a plan lists an absent block as an empty list ([[]])."""
    found = []
    for block in conf.get(name, []) or []:
        if isinstance(block, list):
            found += [b for b in block if isinstance(b, dict)]
        elif isinstance(block, dict):
            found.append(block)
    return found


class CloudFrontHTTPSOnly(BaseResourceCheck):
    def __init__(self):
        super().__init__(
            name="CloudFront serves only HTTPS (TLS 1.2+) and reads S3 origins through an OAC",
            id="TFGEN_AWS_012",
            categories=[CheckCategories.ENCRYPTION],
            supported_resources=["aws_cloudfront_distribution"],
            guideline="viewer_protocol_policy = redirect-to-https on every cache behavior; "
            "minimum_protocol_version = TLSv1.2_2021; origin_access_control_id on S3 origins",
        )

    def scan_resource_conf(self, conf):
        behaviors = _blocks(conf, "default_cache_behavior")
        behaviors += _blocks(conf, "ordered_cache_behavior")
        for behavior in behaviors:
            if _first(behavior.get("viewer_protocol_policy")) not in HTTPS_POLICIES:
                return CheckResult.FAILED
        for cert in _blocks(conf, "viewer_certificate"):
            if _first(cert.get("cloudfront_default_certificate")) is True:
                continue  # *.cloudfront.net: AWS manages TLS
            version = str(_first(cert.get("minimum_protocol_version")) or "TLSv1")
            if not version.startswith(("TLSv1.2", "TLSv1.3")):
                return CheckResult.FAILED
        for origin in _blocks(conf, "origin"):
            domain = str(_first(origin.get("domain_name")) or "")
            is_s3 = ".s3." in domain or "s3.amazonaws.com" in domain or "bucket_regional" in domain
            if not is_s3:
                continue
            if _blocks(origin, "s3_origin_config") or not _first(origin.get("origin_access_control_id")):
                return CheckResult.FAILED
        return CheckResult.PASSED


check = CloudFrontHTTPSOnly()
