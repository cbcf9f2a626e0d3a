"""Guide 2.6/4.x: a high-power environment runs its web tier in at least two AZs.

tfgen tags every resource of an environment with `Profile = <profile>`; these HA checks apply
where the profile is `"high-power"` and pass elsewhere (a dev environment may run in one AZ).
"""

import re

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

HIGH_PROFILES = {"high-power"}


def _first(value):
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def _tags(conf):
    tags = {}
    raw = _first(conf.get("tags"))
    if isinstance(raw, dict):
        tags.update(raw)
    for block in conf.get("tag", []) or []:
        if isinstance(block, dict) and _first(block.get("key")):
            tags[_first(block.get("key"))] = _first(block.get("value"))
    return tags


# An expression checkov could not evaluate: interpolated, or a bare reference it left as text
# (e.g. a module output that becomes "aws_subnet.private[*].id").
REFERENCE = re.compile(r"^(aws_|data\.|module\.|var\.|local\.)[A-Za-z0-9_.\[\]*\"-]+$")


def _is_unresolved(value):
    return isinstance(value, str) and ("${" in value or REFERENCE.match(value) is not None)


def _has_dynamic_tags(conf):
    return any(isinstance(d, dict) and "tag" in d for d in conf.get("dynamic", []) or [])


class HAAutoScalingMultiAZ(BaseResourceCheck):
    def __init__(self):
        super().__init__(
            name="High-power environments: auto scaling group spans at least 2 AZs with "
            "min_size >= 2",
            id="TFGEN_AWS_006",
            categories=[CheckCategories.BACKUP_AND_RECOVERY],
            supported_resources=["aws_autoscaling_group"],
            guideline="Give vpc_zone_identifier one private subnet per AZ (>= 2) and min_size >= 2",
        )

    def scan_resource_conf(self, conf):
        profile = _tags(conf).get("Profile")
        if _is_unresolved(profile) or (profile is None and _has_dynamic_tags(conf)):
            # checkov renders neither `dynamic "tag"` blocks nor, next to one, the variables
            # of plain tag blocks: give the Profile its own static tag block to be judged.
            return CheckResult.UNKNOWN
        if profile not in HIGH_PROFILES:
            return CheckResult.PASSED
        zones = conf.get("vpc_zone_identifier") or conf.get("availability_zones")
        zones = _first(zones)
        min_size = _first(conf.get("min_size"))
        if _is_unresolved(zones) or _is_unresolved(min_size):
            return CheckResult.UNKNOWN
        if not isinstance(zones, list) or len(zones) < 2:
            return CheckResult.FAILED
        try:
            return CheckResult.PASSED if int(min_size) >= 2 else CheckResult.FAILED
        except (TypeError, ValueError):
            return CheckResult.FAILED


check = HAAutoScalingMultiAZ()
