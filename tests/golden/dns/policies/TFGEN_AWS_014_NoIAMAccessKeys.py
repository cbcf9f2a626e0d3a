"""Guide 4.7.4/4.7.5: never create long-lived API keys in code; use IAM roles instead."""

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck


class NoIAMAccessKeys(BaseResourceCheck):
    def __init__(self):
        super().__init__(
            name="No IAM access keys are created (use IAM roles)",
            id="TFGEN_AWS_014",
            categories=[CheckCategories.IAM],
            supported_resources=["aws_iam_access_key"],
            guideline="Remove aws_iam_access_key; give the workload an IAM role "
            "(instance profile, OIDC for CI)",
        )

    def scan_resource_conf(self, conf):
        return CheckResult.FAILED


check = NoIAMAccessKeys()
