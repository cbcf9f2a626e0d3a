"""Every resource says which app and environment it belongs to (cost, ownership, cleanup).

tfgen tags through the AWS provider's `default_tags`, which reach every resource the provider
creates, in every module, without each resource repeating them. A resource check cannot see
provider default tags, so this is a provider check: each `aws` provider must set
`default_tags` with App and Environment. A tags value checkov cannot resolve is unknown.
"""

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.provider.base_check import BaseProviderCheck

REQUIRED_TAGS = ("App", "Environment")


def _first(value):
    return value[0] if isinstance(value, list) and len(value) == 1 else value


class DefaultTags(BaseProviderCheck):
    def __init__(self):
        super().__init__(
            name="The AWS provider tags every resource with App and Environment (default_tags)",
            id="TFGEN_AWS_016",
            categories=[CheckCategories.CONVENTION],
            supported_provider=["aws"],
            guideline="Add default_tags { tags = { App = ..., Environment = ... } } to the "
            "aws provider block",
        )

    def scan_provider_conf(self, conf):
        default_tags = _first(conf.get("default_tags"))
        if not isinstance(default_tags, dict):
            return CheckResult.FAILED
        tags = _first(default_tags.get("tags"))
        if isinstance(tags, str) and ("${" in tags or tags.startswith(("var.", "local."))):
            return CheckResult.UNKNOWN
        if not isinstance(tags, dict):
            return CheckResult.FAILED
        return CheckResult.PASSED if all(t in tags for t in REQUIRED_TAGS) else CheckResult.FAILED


check = DefaultTags()
