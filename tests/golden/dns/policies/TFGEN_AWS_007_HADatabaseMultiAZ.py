"""Guide 4.x: "RDS with Multi-AZ ... it's what I recommend"; a production database also must
not be one click away from deletion. Applies to `Profile = "high-power"` resources."""

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

HIGH_PROFILES = {"high-power"}


def _first(value):
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def _tags(conf):
    raw = _first(conf.get("tags"))
    return raw if isinstance(raw, dict) else {}


class HADatabaseMultiAZ(BaseResourceCheck):
    def __init__(self):
        super().__init__(
            name="High-power environments: RDS is Multi-AZ with deletion protection",
            id="TFGEN_AWS_007",
            categories=[CheckCategories.BACKUP_AND_RECOVERY],
            supported_resources=["aws_db_instance"],
            guideline="Set multi_az = true and deletion_protection = true",
        )

    def scan_resource_conf(self, conf):
        profile = _tags(conf).get("Profile")
        if isinstance(profile, str) and "${" in profile:
            return CheckResult.UNKNOWN  # a Profile checkov could not resolve
        if profile not in HIGH_PROFILES:
            return CheckResult.PASSED
        if _first(conf.get("replicate_source_db")):
            # A read replica inherits HA from its source; deletion protection still applies.
            wanted = ("deletion_protection",)
        else:
            wanted = ("multi_az", "deletion_protection")
        for name in wanted:
            value = _first(conf.get(name))
            if isinstance(value, str) and "${" in value:
                return CheckResult.UNKNOWN
            if value is not True and str(value).lower() != "true":
                return CheckResult.FAILED
        return CheckResult.PASSED


check = HADatabaseMultiAZ()
