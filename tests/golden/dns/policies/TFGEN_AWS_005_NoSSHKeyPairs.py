"""Guide 4.7.6/4.7.8: no SSH keys floating around; log in through Session Manager instead."""

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck


class NoSSHKeyPairs(BaseResourceCheck):
    def __init__(self):
        super().__init__(
            name="No SSH key pairs on app instances",
            id="TFGEN_AWS_005",
            categories=[CheckCategories.IAM],
            supported_resources=[
                "aws_key_pair",
                "aws_instance",
                "aws_launch_template",
                "aws_launch_configuration",
            ],
            guideline="Drop key_name and aws_key_pair; attach AmazonSSMManagedInstanceCore "
            "to the instance role and use SSM Session Manager",
        )

    def scan_resource_conf(self, conf):
        if self.entity_type == "aws_key_pair":
            return CheckResult.FAILED
        key_name = conf.get("key_name")
        if key_name and key_name[0] not in (None, "", [None]):
            return CheckResult.FAILED
        return CheckResult.PASSED


check = NoSSHKeyPairs()
