"""Guide 4.7.8: never open login ports (22 SSH, 3389 RDP) to the public internet.

Covers inline ingress blocks and the standalone rule resources, IPv4 and IPv6, and rules that
open every port (protocol -1 / "all"), which checkov's per-port checks treat separately.
"""

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

ADMIN_PORTS = (22, 3389)
INTERNET = {"0.0.0.0/0", "::/0"}


def _first(value):
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def _as_list(value):
    value = _first(value)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _opens_admin_port(rule):
    sources = set(_as_list(rule.get("cidr_blocks"))) | set(_as_list(rule.get("ipv6_cidr_blocks")))
    sources |= set(_as_list(rule.get("cidr_ipv4"))) | set(_as_list(rule.get("cidr_ipv6")))
    if not sources & INTERNET:
        return False
    protocol = str(_first(rule.get("protocol", rule.get("ip_protocol"))) or "").lower()
    if protocol in ("-1", "all"):
        return True
    try:
        low = int(_first(rule.get("from_port")))
        high = int(_first(rule.get("to_port")))
    except (TypeError, ValueError):
        return False
    return any(low <= port <= high for port in ADMIN_PORTS)


class NoAdminPortsFromInternet(BaseResourceCheck):
    def __init__(self):
        super().__init__(
            name="No SSH (22) or RDP (3389) open to 0.0.0.0/0 or ::/0",
            id="TFGEN_AWS_004",
            categories=[CheckCategories.NETWORKING],
            supported_resources=[
                "aws_security_group",
                "aws_security_group_rule",
                "aws_vpc_security_group_ingress_rule",
            ],
            guideline="Remove the rule; reach instances with SSM Session Manager (or a VPN)",
        )

    def scan_resource_conf(self, conf):
        if self.entity_type == "aws_security_group":
            rules = [r for r in conf.get("ingress", []) if isinstance(r, dict)]
        elif self.entity_type == "aws_security_group_rule":
            if _first(conf.get("type")) != "ingress":
                return CheckResult.PASSED
            rules = [conf]
        else:
            rules = [conf]
        for rule in rules:
            if _opens_admin_port(rule):
                return CheckResult.FAILED
        return CheckResult.PASSED


check = NoAdminPortsFromInternet()
