"""Guide 2.6: no single point of failure. A high-power cache is a replication group with a
replica in another AZ and automatic failover. Applies to `Profile = "high-power"` resources."""

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

HIGH_PROFILES = {"high-power"}


def _first(value):
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def _tags(conf):
    raw = _first(conf.get("tags"))
    return raw if isinstance(raw, dict) else {}


def _true(value):
    return value is True or str(value).lower() == "true"


class HACacheFailover(BaseResourceCheck):
    def __init__(self):
        super().__init__(
            name="High-power environments: cache has automatic failover, Multi-AZ and a replica",
            id="TFGEN_AWS_008",
            categories=[CheckCategories.BACKUP_AND_RECOVERY],
            supported_resources=["aws_elasticache_replication_group", "aws_elasticache_cluster"],
            guideline="Use aws_elasticache_replication_group with automatic_failover_enabled, "
            "multi_az_enabled and num_cache_clusters >= 2",
        )

    def scan_resource_conf(self, conf):
        profile = _tags(conf).get("Profile")
        if isinstance(profile, str) and "${" in profile:
            return CheckResult.UNKNOWN  # a Profile checkov could not resolve
        if profile not in HIGH_PROFILES:
            return CheckResult.PASSED
        if self.entity_type == "aws_elasticache_cluster":
            # A single-node cluster cannot fail over unless it belongs to a replication group.
            in_group = _first(conf.get("replication_group_id"))
            return CheckResult.PASSED if in_group else CheckResult.FAILED
        values = [_first(conf.get(k)) for k in ("automatic_failover_enabled", "multi_az_enabled")]
        if any(isinstance(v, str) and "${" in v for v in values):
            return CheckResult.UNKNOWN
        if not all(_true(v) for v in values):
            return CheckResult.FAILED
        nodes = _first(conf.get("num_cache_clusters"))
        replicas = _first(conf.get("replicas_per_node_group"))
        try:
            if nodes is not None:
                return CheckResult.PASSED if int(nodes) >= 2 else CheckResult.FAILED
            if replicas is not None:
                return CheckResult.PASSED if int(replicas) >= 1 else CheckResult.FAILED
        except (TypeError, ValueError):
            return CheckResult.UNKNOWN
        return CheckResult.FAILED


check = HACacheFailover()
