"""Every resource says which app and environment it belongs to (cost, ownership, cleanup).

Tags set through the provider's default_tags are invisible to a resource check, so tfgen's
modules pass tags explicitly. A tags value checkov cannot resolve (a module variable without
a default) is left unknown rather than reported.
"""

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

REQUIRED_TAGS = ("App", "Environment")
TAGGABLE = [
    "aws_vpc", "aws_subnet", "aws_internet_gateway", "aws_nat_gateway", "aws_eip",
    "aws_route_table", "aws_security_group", "aws_flow_log", "aws_vpc_endpoint",
    "aws_lb", "aws_alb", "aws_lb_target_group", "aws_alb_target_group", "aws_lb_listener",
    "aws_launch_template", "aws_autoscaling_group", "aws_instance",
    "aws_iam_role", "aws_iam_instance_profile",
    "aws_db_instance", "aws_rds_cluster", "aws_db_subnet_group", "aws_db_parameter_group",
    "aws_elasticache_replication_group", "aws_elasticache_cluster",
    "aws_elasticache_subnet_group", "aws_elasticache_parameter_group",
    "aws_s3_bucket", "aws_cloudfront_distribution", "aws_kms_key", "aws_secretsmanager_secret",
    "aws_cloudwatch_metric_alarm", "aws_cloudwatch_log_group", "aws_sns_topic",
    "aws_acm_certificate", "aws_wafv2_web_acl",
]


def _first(value):
    return value[0] if isinstance(value, list) and len(value) == 1 else value


class RequiredTags(BaseResourceCheck):
    def __init__(self):
        super().__init__(
            name="Resources carry the App and Environment tags",
            id="TFGEN_AWS_016",
            categories=[CheckCategories.CONVENTION],
            supported_resources=TAGGABLE,
            guideline="Pass tags = merge(var.tags, {...}) with App and Environment "
            "(for an ASG: tag blocks with propagate_at_launch)",
        )

    def scan_resource_conf(self, conf):
        if self.entity_type == "aws_autoscaling_group" and conf.get("tag"):
            keys = {_first(b.get("key")) for b in conf["tag"] if isinstance(b, dict)}
        else:
            tags = _first(conf.get("tags"))
            if isinstance(tags, str) and "${" in tags:
                return CheckResult.UNKNOWN
            if not isinstance(tags, dict):
                return CheckResult.FAILED
            if any(isinstance(v, str) and v.startswith("${") and k.startswith("${")
                   for k, v in tags.items()):
                return CheckResult.UNKNOWN
            keys = set(tags)
        return CheckResult.PASSED if all(t in keys for t in REQUIRED_TAGS) else CheckResult.FAILED


check = RequiredTags()
