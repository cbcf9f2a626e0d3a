"""Guide 4.7.4: credentials stay out of code. checkov's CKV_AWS_41 only flags values shaped
like real keys; any access_key/secret_key/token in a provider block (even via a variable)
means keys are being passed around instead of roles."""

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.provider.base_check import BaseProviderCheck

CREDENTIAL_ARGUMENTS = ("access_key", "secret_key", "token")


class ProviderNoStaticCredentials(BaseProviderCheck):
    def __init__(self):
        super().__init__(
            name="The AWS provider block carries no access_key, secret_key or token",
            id="TFGEN_AWS_015",
            categories=[CheckCategories.SECRETS],
            supported_provider=["aws"],
            guideline="Remove them; let the provider use the environment's role "
            "(AWS_PROFILE, SSO, instance or OIDC role, assume_role)",
        )

    def scan_provider_conf(self, conf):
        for name in CREDENTIAL_ARGUMENTS:
            if name in conf:
                return CheckResult.FAILED
        return CheckResult.PASSED


check = ProviderNoStaticCredentials()
