"""Guide 4.7.11: "Use SSL/TLS at all times". An ALB listener either serves HTTPS with a
TLS 1.2+ policy or only redirects to HTTPS; checkov's CKV_AWS_2 accepts any HTTPS policy."""

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

TLS12_POLICY_PREFIXES = (
    "ELBSecurityPolicy-TLS13-",
    "ELBSecurityPolicy-TLS-1-2-",
    "ELBSecurityPolicy-FS-1-2-",
)


def _first(value):
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def _redirects_to_https(conf):
    for action in conf.get("default_action", []) or []:
        if not isinstance(action, dict) or _first(action.get("type")) != "redirect":
            continue
        for redirect in action.get("redirect", []) or []:
            if isinstance(redirect, dict) and _first(redirect.get("protocol")) == "HTTPS":
                return True
    return False


class ALBListenerHTTPS(BaseResourceCheck):
    def __init__(self):
        super().__init__(
            name="Load balancer listeners serve HTTPS with a TLS 1.2+ policy or redirect to HTTPS",
            id="TFGEN_AWS_009",
            categories=[CheckCategories.ENCRYPTION],
            supported_resources=["aws_lb_listener", "aws_alb_listener"],
            guideline="protocol = HTTPS with ssl_policy = ELBSecurityPolicy-TLS13-1-2-2021-06, "
            "or a default_action redirect to HTTPS (status HTTP_301)",
        )

    def scan_resource_conf(self, conf):
        protocol = str(_first(conf.get("protocol")) or "HTTP").upper()
        if protocol in ("TCP", "UDP", "TCP_UDP", "GENEVE"):
            return CheckResult.UNKNOWN  # network/gateway load balancers: not an HTTP listener
        if protocol in ("HTTPS", "TLS"):
            policy = str(_first(conf.get("ssl_policy")) or "")
            if "${" in policy:
                return CheckResult.UNKNOWN
            strong = policy.startswith(TLS12_POLICY_PREFIXES)
            return CheckResult.PASSED if strong else CheckResult.FAILED
        return CheckResult.PASSED if _redirects_to_https(conf) else CheckResult.FAILED


check = ALBListenerHTTPS()
