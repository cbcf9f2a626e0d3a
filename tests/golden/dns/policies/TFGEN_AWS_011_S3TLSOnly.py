"""Guide 4.7.11: data in transit is encrypted. A bucket policy must deny every request made
without TLS (`aws:SecureTransport = false`)."""

import json

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck


def _first(value):
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def _statements(policy):
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            return None
    if not isinstance(policy, dict):
        return None
    statements = policy.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def _denies_plain_http(statement):
    if not isinstance(statement, dict) or statement.get("Effect") != "Deny":
        return False
    condition = statement.get("Condition") or {}
    for operator in ("Bool", "BoolIfExists"):
        secure = (condition.get(operator) or {}).get("aws:SecureTransport")
        if str(_first(secure)).lower() == "false":
            return True
    return False


class S3TLSOnly(BaseResourceCheck):
    def __init__(self):
        super().__init__(
            name="S3 bucket policies deny requests that do not use TLS",
            id="TFGEN_AWS_011",
            categories=[CheckCategories.ENCRYPTION],
            supported_resources=["aws_s3_bucket_policy"],
            guideline='Add a Deny statement for "s3:*" on the bucket and its objects with '
            'Condition Bool aws:SecureTransport = "false"',
        )

    def scan_resource_conf(self, conf):
        policy = _first(conf.get("policy"))
        statements = _statements(policy)
        if statements is None:
            # Built elsewhere (a data source, a variable): not visible here.
            return CheckResult.UNKNOWN
        tls_only = any(map(_denies_plain_http, statements))
        return CheckResult.PASSED if tls_only else CheckResult.FAILED


check = S3TLSOnly()
