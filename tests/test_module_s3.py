"""The s3 module: a log bucket always, a KMS-encrypted static bucket with `static:`, readable
only by the app's CloudFront distribution when there is a CDN."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from helpers import blocks, parse, skips, statements, tfvars, unquote

ELB_PRINCIPAL = "logdelivery.elasticloadbalancing.amazonaws.com"


def module(tree: Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    base = tree / "modules" / "s3"
    return parse(base / "main.tf"), parse(base / "variables.tf"), parse(base / "outputs.tf")


# --------------------------------------------------------------------------- log bucket


@pytest.mark.parametrize("name", ["reference", "minimal", "low", "high", "mysql"])
def test_log_bucket_is_always_private_versioned_encrypted_and_expiring(
    name: str, rendered: dict[str, Path]
) -> None:
    main, _, outputs = module(rendered[name])
    pab = blocks(main, "resource", "aws_s3_bucket_public_access_block")["log"]
    for key in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"):
        assert pab[key] is True, key
    versioning = blocks(main, "resource", "aws_s3_bucket_versioning")["log"]
    assert unquote(versioning["versioning_configuration"][0]["status"]) == "Enabled"
    sse = blocks(main, "resource", "aws_s3_bucket_server_side_encryption_configuration")["log"]
    default = sse["rule"][0]["apply_server_side_encryption_by_default"][0]
    assert unquote(default["sse_algorithm"]) == "AES256"  # ALB logs cannot use SSE-KMS
    rule = blocks(main, "resource", "aws_s3_bucket_lifecycle_configuration")["log"]["rule"][0]
    assert unquote(rule["status"]) == "Enabled"
    assert rule["expiration"][0]["days"] == "${var.log_expiration_days}"
    assert rule["abort_incomplete_multipart_upload"][0]["days_after_initiation"] == 7
    assert rule["noncurrent_version_expiration"][0]["noncurrent_days"] == 30
    # The ALB must not be created before ELB may write: the output goes through the policy.
    assert blocks(outputs, "output")["log_bucket_id"]["value"] == "${aws_s3_bucket_policy.log.bucket}"
    bucket = blocks(main, "resource", "aws_s3_bucket")["log"]
    assert set(skips(bucket)) == {"CKV_AWS_18", "CKV_AWS_144", "CKV_AWS_145", "CKV2_AWS_62"}
    assert "SSE-S3" in skips(bucket)["CKV_AWS_145"]


@pytest.mark.parametrize("name", ["reference", "minimal", "mysql"])
def test_log_bucket_policy_is_tls_only_and_admits_only_log_delivery(
    name: str, rendered: dict[str, Path]
) -> None:
    main, _, _ = module(rendered[name])
    stmts = statements(main, "log")
    deny = stmts["DenyInsecureTransport"]
    assert unquote(deny["effect"]) == "Deny"
    assert unquote(deny["actions"]) == ["s3:*"]
    cond = deny["condition"][0]
    assert (unquote(cond["test"]), unquote(cond["variable"]), unquote(cond["values"])) == (
        "Bool",
        "aws:SecureTransport",
        ["false"],
    )
    elb = stmts["ELBLogDelivery"]
    assert unquote(elb["principals"][0]["identifiers"]) == [ELB_PRINCIPAL]
    assert unquote(elb["actions"]) == ["s3:PutObject"]
    assert "AWSLogs/${data.aws_caller_identity.current.account_id}/" in unquote(elb["resources"][0])
    s3 = stmts["S3ServerAccessLogDelivery"]
    assert unquote(s3["principals"][0]["identifiers"]) == ["logging.s3.amazonaws.com"]
    assert unquote(s3["condition"][0]["variable"]) == "aws:SourceAccount"
    # Nothing but the three delivery services is allowed anything.
    allowed = [s for s in stmts.values() if unquote(s.get("effect", '"Allow"')) == "Allow"]
    for stmt in allowed:
        assert unquote(stmt["actions"]) == ["s3:PutObject"], stmt["sid"]
        assert unquote(stmt["principals"][0]["identifiers"]) != ["*"]


def test_old_regions_also_admit_the_regional_elb_account(rendered: dict[str, Path]) -> None:
    main, _, _ = module(rendered["reference"])  # eu-west-1
    assert "this" in blocks(main, "data", "aws_elb_service_account")
    stmt = statements(main, "log")["ELBRegionalAccountLogDelivery"]
    assert stmt["principals"][0]["identifiers"] == ["${data.aws_elb_service_account.this.arn}"]


def test_new_regions_use_only_the_log_delivery_service_principal(rendered_extra: dict[str, Path]) -> None:
    main, _, _ = module(rendered_extra["new-region"])  # ap-south-2 has no ELB account
    assert blocks(main, "data", "aws_elb_service_account") == {}
    stmts = statements(main, "log")
    assert "ELBRegionalAccountLogDelivery" not in stmts
    assert unquote(stmts["ELBLogDelivery"]["principals"][0]["identifiers"]) == [ELB_PRINCIPAL]


def test_log_bucket_keeps_acls_only_for_cloudfront_logging(rendered: dict[str, Path]) -> None:
    for name, expected in (
        ("reference", "BucketOwnerPreferred"),
        ("low", "BucketOwnerPreferred"),
        ("mysql", "BucketOwnerEnforced"),
        ("minimal", "BucketOwnerEnforced"),
    ):
        main, _, outputs = module(rendered[name])
        controls = blocks(main, "resource", "aws_s3_bucket_ownership_controls")["log"]
        assert unquote(controls["rule"][0]["object_ownership"]) == expected, name
        has_cdn = expected == "BucketOwnerPreferred"
        assert ("CKV2_AWS_65" in skips(controls)) is has_cdn, name
        domain = blocks(outputs, "output")["log_bucket_domain_name"]
        assert ("depends_on" in domain) is has_cdn, name


def test_log_retention_comes_from_the_spec(rendered_extra: dict[str, Path]) -> None:
    tree = rendered_extra["new-region"]  # monitoring.log_retention_days: 90
    call = blocks(parse(tree / "envs" / "dev" / "main.tf"), "module")["s3"]
    assert call["log_expiration_days"] == "${var.monitoring.log_retention_days}"
    assert tfvars(tree, "dev")["monitoring"]["log_retention_days"] == 90


# --------------------------------------------------------------------------- static bucket


def test_no_static_tier_no_static_bucket(rendered: dict[str, Path]) -> None:
    tree = rendered["minimal"]
    main, variables, outputs = module(tree)
    assert set(blocks(main, "resource", "aws_s3_bucket")) == {"log"}
    assert blocks(main, "resource", "aws_kms_key") == {}
    assert not any(n.startswith("static") for n in blocks(variables, "variable"))
    assert not any(n.startswith("static") for n in blocks(outputs, "output"))
    env = tree / "envs" / "dev"
    assert "static" not in blocks(parse(env / "variables.tf"), "variable")
    assert "static" not in tfvars(tree, "dev")
    call = blocks(parse(env / "main.tf"), "module")["s3"]
    assert set(call) - {"__is_block__"} == {"source", "name", "log_expiration_days", "tags"}


@pytest.mark.parametrize("name", ["reference", "low", "high", "mysql"])
def test_static_bucket_is_private_kms_encrypted_logged_and_tls_only(
    name: str, rendered: dict[str, Path]
) -> None:
    main, _, outputs = module(rendered[name])
    pab = blocks(main, "resource", "aws_s3_bucket_public_access_block")["static"]
    assert all(
        pab[k] is True
        for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )
    controls = blocks(main, "resource", "aws_s3_bucket_ownership_controls")["static"]
    assert unquote(controls["rule"][0]["object_ownership"]) == "BucketOwnerEnforced"
    sse = blocks(main, "resource", "aws_s3_bucket_server_side_encryption_configuration")["static"]
    default = sse["rule"][0]["apply_server_side_encryption_by_default"][0]
    assert unquote(default["sse_algorithm"]) == "aws:kms"
    assert default["kms_master_key_id"] == "${aws_kms_key.static.arn}"
    key = blocks(main, "resource", "aws_kms_key")["static"]
    assert key["enable_key_rotation"] is True
    assert key["policy"] == "${data.aws_iam_policy_document.static_key.json}"
    logging = blocks(main, "resource", "aws_s3_bucket_logging")["static"]
    assert logging["target_bucket"] == "${aws_s3_bucket_policy.log.bucket}"
    rule = blocks(main, "resource", "aws_s3_bucket_lifecycle_configuration")["static"]["rule"][0]
    assert rule["abort_incomplete_multipart_upload"][0]["days_after_initiation"] == 7
    assert rule["noncurrent_version_expiration"][0]["noncurrent_days"] == (
        "${var.static_noncurrent_version_expiration_days}"
    )
    assert rule["expiration"][0]["expired_object_delete_marker"] is True
    deny = statements(main, "static")["DenyInsecureTransport"]
    assert unquote(deny["effect"]) == "Deny"
    assert unquote(deny["condition"][0]["values"]) == ["false"]
    assert set(blocks(outputs, "output")) == {
        "log_bucket_id",
        "log_bucket_arn",
        "log_bucket_domain_name",
        "static_bucket_id",
        "static_bucket_arn",
        "static_bucket_regional_domain_name",
        "static_kms_key_arn",
    }


def test_static_bucket_without_cdn_grants_cloudfront_nothing(rendered: dict[str, Path]) -> None:
    main, variables, _ = module(rendered["mysql"])
    assert set(statements(main, "static")) == {"DenyInsecureTransport"}
    assert set(statements(main, "static_key")) == {"AccountAdministers"}
    assert "cloudfront_distribution_arn" not in blocks(variables, "variable")
    for env in ("staging", "prod"):
        call = blocks(parse(rendered["mysql"] / "envs" / env / "main.tf"), "module")["s3"]
        assert "cloudfront_distribution_arn" not in call


@pytest.mark.parametrize("name", ["reference", "low", "high"])
def test_only_this_distribution_may_read_and_decrypt(name: str, rendered: dict[str, Path]) -> None:
    main, variables, _ = module(rendered[name])
    for doc, sid, action in (
        ("static", "CloudFrontRead", "s3:GetObject"),
        ("static_key", "CloudFrontDecrypt", "kms:Decrypt"),
    ):
        stmt = statements(main, doc)[sid]
        assert unquote(stmt["actions"]) == [action]
        assert unquote(stmt["principals"][0]["identifiers"]) == ["cloudfront.amazonaws.com"]
        cond = stmt["condition"][0]
        assert unquote(cond["test"]) == "StringEquals"
        assert unquote(cond["variable"]) == "AWS:SourceArn"
        assert cond["values"] == ["${statement.value}"]
    assert "cloudfront_distribution_arn" in blocks(variables, "variable")
    envs = sorted(p.name for p in (rendered[name] / "envs").iterdir())
    for env in envs:
        call = blocks(parse(rendered[name] / "envs" / env / "main.tf"), "module")["s3"]
        assert call["cloudfront_distribution_arn"] == "${module.cloudfront.distribution_arn}"


def test_static_settings_per_environment_reach_the_module(rendered_extra: dict[str, Path]) -> None:
    tree = rendered_extra["new-region"]  # static.versioning: false, but true in prod
    for env, versioning in (("dev", False), ("prod", True)):
        assert tfvars(tree, env)["static"] == {
            "versioning": versioning,
            "noncurrent_version_expiration_days": 30,
        }
        call = blocks(parse(tree / "envs" / env / "main.tf"), "module")["s3"]
        assert call["static_versioning"] == "${var.static.versioning}"
    main, _, _ = module(tree)
    versioning = blocks(main, "resource", "aws_s3_bucket_versioning")["static"]
    assert versioning["versioning_configuration"][0]["status"] == (
        '${var.static_versioning ? "Enabled" : "Suspended"}'
    )
    # Versioning off is the spec's choice: the skip says whose and where to change it.
    reason = skips(blocks(main, "resource", "aws_s3_bucket")["static"])["CKV_AWS_21"]
    assert "dev" in reason and "prod" not in reason and "static.versioning" in reason


def test_versioned_everywhere_means_no_versioning_skip(rendered: dict[str, Path]) -> None:
    main, _, _ = module(rendered["reference"])
    assert "CKV_AWS_21" not in skips(blocks(main, "resource", "aws_s3_bucket")["static"])


def test_every_skip_has_a_reason(rendered: dict[str, Path]) -> None:
    text = (rendered["reference"] / "modules" / "s3" / "main.tf").read_text()
    found = re.findall(r"checkov:skip=([A-Z0-9_]+):(.*)", text)
    # log bucket; its ownership controls (CDN); the static key policy; the static bucket
    assert [check for check, _ in found] == [
        "CKV_AWS_18",
        "CKV_AWS_144",
        "CKV_AWS_145",
        "CKV2_AWS_62",
        "CKV2_AWS_65",
        "CKV_AWS_109",
        "CKV_AWS_111",
        "CKV_AWS_356",
        "CKV_AWS_144",
        "CKV2_AWS_62",
    ]
    for check, reason in found:
        assert len(reason.strip()) > 20, check
