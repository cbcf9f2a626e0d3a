"""The cloudfront module: S3 origin through an origin access control, optional ALB origin for
dynamic paths, HTTPS only with TLSv1.2_2021 when the spec has a certificate, security headers,
standard logging to the log bucket, optional WAF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import ENVS, EXTRA_SPECS, blocks, dynamic, parse, render_inline, skips, tfvars, unquote


def distribution(tree: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    main = parse(tree / "modules" / "cloudfront" / "main.tf")
    return main, blocks(main, "resource", "aws_cloudfront_distribution")["this"]


# --------------------------------------------------------------------------- rendering


@pytest.mark.parametrize("name", ["minimal", "mysql"])
def test_no_cdn_no_module(name: str, rendered: dict[str, Path]) -> None:
    tree = rendered[name]
    assert not (tree / "modules" / "cloudfront").exists()
    for env in (tree / "envs").iterdir():
        assert "cloudfront" not in blocks(parse(env / "main.tf"), "module")
        assert "cdn" not in tfvars(tree, env.name)


@pytest.mark.parametrize("name", ["reference", "low", "high"])
def test_static_origin_is_s3_through_origin_access_control(name: str, rendered: dict[str, Path]) -> None:
    main, dist = distribution(rendered[name])
    oac = blocks(main, "resource", "aws_cloudfront_origin_access_control")["this"]
    assert (
        unquote(oac["origin_access_control_origin_type"]),
        unquote(oac["signing_behavior"]),
        unquote(oac["signing_protocol"]),
    ) == ("s3", "always", "sigv4")
    (origin,) = dist["origin"]
    assert origin["domain_name"] == "${var.static_bucket_regional_domain_name}"
    assert origin["origin_access_control_id"] == "${aws_cloudfront_origin_access_control.this.id}"
    assert "s3_origin_config" not in origin  # no legacy origin access identity
    default = dist["default_cache_behavior"][0]
    assert default["target_origin_id"] == "${local.s3_origin_id}"
    assert unquote(default["viewer_protocol_policy"]) == "redirect-to-https"
    assert default["compress"] is True
    assert default["cache_policy_id"] == "${data.aws_cloudfront_cache_policy.caching_optimized.id}"
    assert (
        unquote(blocks(main, "data", "aws_cloudfront_cache_policy")["caching_optimized"]["name"])
        == "Managed-CachingOptimized"
    )
    assert default["response_headers_policy_id"] == "${aws_cloudfront_response_headers_policy.this.id}"
    assert unquote(default["allowed_methods"]) == ["GET", "HEAD", "OPTIONS"]


@pytest.mark.parametrize("name", ["reference", "low", "high"])
def test_security_headers_logging_and_basics(name: str, rendered: dict[str, Path]) -> None:
    main, dist = distribution(rendered[name])
    policy = blocks(main, "resource", "aws_cloudfront_response_headers_policy")["this"]
    headers = policy["security_headers_config"][0]
    hsts = headers["strict_transport_security"][0]
    assert hsts["access_control_max_age_sec"] == 31536000
    assert hsts["include_subdomains"] is True and hsts["preload"] == "${var.hsts_preload}"
    assert headers["content_type_options"][0]["override"] is True
    assert unquote(headers["frame_options"][0]["frame_option"]) == "DENY"
    assert unquote(headers["referrer_policy"][0]["referrer_policy"]) == "strict-origin-when-cross-origin"
    assert headers["xss_protection"][0]["protection"] is True
    assert headers["xss_protection"][0]["mode_block"] is True
    log = dist["logging_config"][0]
    assert log["bucket"] == "${var.log_bucket_domain_name}"
    assert unquote(log["prefix"]) == "cloudfront/"
    assert dist["price_class"] == "${var.price_class}"
    assert dist["web_acl_id"] == "${var.web_acl_id}"
    assert unquote(dist["default_root_object"]) == "index.html"
    errors = dynamic(dist, "custom_error_response")
    assert errors is not None and set(errors["for_each"]) == {"403", "404", "500", "502", "503", "504"}
    for env in (rendered[name] / "envs").iterdir():
        call = blocks(parse(env / "main.tf"), "module")["cloudfront"]
        assert call["log_bucket_domain_name"] == "${module.s3.log_bucket_domain_name}"
        assert call["static_bucket_regional_domain_name"] == (
            "${module.s3.static_bucket_regional_domain_name}"
        )
        assert call["web_acl_id"] == "${var.cdn.waf_web_acl_arn}"


def test_custom_domain_gets_tls12_2021_and_sni(rendered: dict[str, Path]) -> None:
    _, dist = distribution(rendered["high"])
    cert = dist["viewer_certificate"][0]
    assert cert == {
        "acm_certificate_arn": "${var.certificate_arn}",
        "ssl_support_method": '"sni-only"',
        "minimum_protocol_version": '"TLSv1.2_2021"',
        "__is_block__": True,
    }
    assert dist["aliases"] == "${var.aliases}"
    assert not {"CKV_AWS_174", "CKV2_AWS_42"} & set(skips(dist))
    prod = tfvars(rendered["high"], "prod")["cdn"]
    assert unquote(prod["aliases"]) == ["cdn.store.example.com"]
    assert unquote(prod["certificate_arn"]).startswith("arn:aws:acm:us-east-1:")
    assert unquote(prod["price_class"]) == "PriceClass_All"


def test_no_certificate_uses_the_cloudfront_name_and_says_why_in_the_skip(rendered: dict[str, Path]) -> None:
    main, dist = distribution(rendered["low"])
    cert = dist["viewer_certificate"][0]
    assert cert["cloudfront_default_certificate"] is True
    assert "acm_certificate_arn" not in cert and "aliases" not in dist
    reasons = skips(dist)
    assert "dev, test" in reasons["CKV_AWS_174"] and "cdn.certificate_arn" in reasons["CKV_AWS_174"]
    variables = blocks(parse(rendered["low"] / "modules" / "cloudfront" / "variables.tf"), "variable")
    assert "certificate_arn" not in variables and "aliases" not in variables


@pytest.mark.parametrize("name", ["reference", "high"])
def test_dynamic_paths_go_uncached_to_the_alb_over_https(name: str, rendered: dict[str, Path]) -> None:
    main, dist = distribution(rendered[name])
    origin = dynamic(dist, "origin")
    assert origin is not None
    assert origin["for_each"] == "${length(var.dynamic_paths) > 0 ? [var.alb_domain_name] : []}"
    custom = origin["content"][0]["custom_origin_config"][0]
    assert unquote(custom["origin_protocol_policy"]) == "https-only"
    assert unquote(custom["origin_ssl_protocols"]) == ["TLSv1.2"]
    behavior = dynamic(dist, "ordered_cache_behavior")
    assert behavior is not None and behavior["for_each"] == "${var.dynamic_paths}"
    content = behavior["content"][0]
    assert unquote(content["viewer_protocol_policy"]) == "redirect-to-https"
    assert content["target_origin_id"] == "${local.alb_origin_id}"
    assert "POST" in unquote(content["allowed_methods"])
    assert content["cache_policy_id"] == "${data.aws_cloudfront_cache_policy.caching_disabled.id}"
    assert content["origin_request_policy_id"] == (
        "${data.aws_cloudfront_origin_request_policy.all_viewer_except_host_header.id}"
    )
    assert (
        unquote(
            blocks(main, "data", "aws_cloudfront_origin_request_policy")["all_viewer_except_host_header"][
                "name"
            ]
        )
        == "Managed-AllViewerExceptHostHeader"
    )
    assert (
        unquote(blocks(main, "data", "aws_cloudfront_cache_policy")["caching_disabled"]["name"])
        == "Managed-CachingDisabled"
    )


def test_alb_origin_is_the_first_load_balancer_domain_name(rendered: dict[str, Path]) -> None:
    cdn = tfvars(rendered["high"], "prod")["cdn"]
    assert unquote(cdn["alb_domain_name"]) == "store.example.com"
    assert unquote(cdn["dynamic_paths"]) == ["/api/*", "/cart/*"]
    call = blocks(parse(rendered["high"] / "envs" / "prod" / "main.tf"), "module")["cloudfront"]
    assert call["alb_domain_name"] == "${var.cdn.alb_domain_name}"
    assert call["dynamic_paths"] == "${var.cdn.dynamic_paths}"


def test_static_only_cdn_has_no_alb_origin(rendered: dict[str, Path]) -> None:
    main, dist = distribution(rendered["low"])
    assert dynamic(dist, "origin") is None and dynamic(dist, "ordered_cache_behavior") is None
    assert blocks(main, "data", "aws_cloudfront_origin_request_policy") == {}
    assert tfvars(rendered["low"], "dev")["cdn"]["alb_domain_name"] is None


def test_mixed_environments(rendered_extra: dict[str, Path]) -> None:
    tree = rendered_extra["mixed-cdn"]  # tests/specs/extra/mixed-cdn.yaml
    _, dist = distribution(tree)
    cert = dist["viewer_certificate"][0]
    assert cert["cloudfront_default_certificate"] == "${var.certificate_arn == null}"
    assert cert["minimum_protocol_version"] == '${var.certificate_arn == null ? "TLSv1" : "TLSv1.2_2021"}'
    reasons = skips(dist)
    # The skips name exactly the environments that lack the setting.
    assert reasons["CKV_AWS_174"].startswith("dev uses ")
    assert reasons["CKV_AWS_68"].startswith("no WAF web ACL in the spec for dev:")
    dev, prod = tfvars(tree, "dev")["cdn"], tfvars(tree, "prod")["cdn"]
    assert dev["certificate_arn"] is None and dev["dynamic_paths"] == [] and dev["alb_domain_name"] is None
    assert unquote(prod["waf_web_acl_arn"]).startswith("arn:aws:wafv2:us-east-1:")
    assert unquote(prod["alb_domain_name"]) == "app.example.org"
    assert unquote(prod["dynamic_paths"]) == ["/api/*", "/auth/*"]


def test_waf_everywhere_means_no_waf_skip(tmp_path: Path) -> None:
    cdn = "cdn:\n  price_class: PriceClass_All\n"
    waf = "  waf_web_acl_arn: arn:aws:wafv2:us-east-1:111122223333:global/webacl/x/1\n"
    text = EXTRA_SPECS["mixed-cdn"].read_text().replace(cdn, cdn + waf)
    _, dist = distribution(render_inline(tmp_path, text))
    assert "CKV_AWS_68" not in skips(dist)
    assert "managed outside" in skips(dist)["CKV2_AWS_47"]


def test_env_outputs_and_wiring(rendered: dict[str, Path]) -> None:
    outputs = blocks(parse(rendered["reference"] / "envs" / "prod" / "outputs.tf"), "output")
    assert outputs["cloudfront_domain_name"]["value"] == "${module.cloudfront.domain_name}"
    assert outputs["cloudfront_distribution_id"]["value"] == "${module.cloudfront.distribution_id}"
    mod_outputs = blocks(parse(rendered["reference"] / "modules" / "cloudfront" / "outputs.tf"), "output")
    assert set(mod_outputs) == {
        "distribution_id",
        "distribution_arn",
        "domain_name",
        "hosted_zone_id",
        # the reference spec locks staging and prod (cdn.lock_origin): test_origin_lock.py
        "origin_header_name",
        "origin_header_value",
        "origin_header_secret_arn",
    }


@pytest.mark.parametrize("spec", ["reference", "high"])
def test_hsts_preload_only_when_the_spec_asks(spec: str, rendered: dict[str, Path], tmp_path: Path) -> None:
    import shutil

    from helpers import ENVS, render_tree

    for env in ENVS[spec]:
        assert tfvars(rendered[spec], env)["cdn"]["hsts_preload"] is False, (spec, env)
        call = blocks(parse(rendered[spec] / "envs" / env / "main.tf"), "module")["cloudfront"]
        assert call["hsts_preload"] == "${var.cdn.hsts_preload}"
    variables = blocks(parse(rendered[spec] / "modules/cloudfront/variables.tf"), "variable")
    assert variables["hsts_preload"]["default"] is False
    text = (rendered[spec] / "tfgen.yaml").read_text().replace("cdn:\n", "cdn:\n  hsts_preload: true\n", 1)
    source = tmp_path / "spec"
    source.mkdir()
    (source / "app.yaml").write_text(text)
    for script in rendered[spec].glob("*.sh"):
        shutil.copy(script, source)
    asked = render_tree(source / "app.yaml", tmp_path / "out")
    for env in ENVS[spec]:
        assert tfvars(asked, env)["cdn"]["hsts_preload"] is True, (spec, env)


@pytest.mark.parametrize("name", ["reference", "low", "high"])
def test_5xx_error_rate_alarm_lives_in_us_east_1_with_a_topic_there(
    name: str, rendered: dict[str, Path]
) -> None:
    main, _ = distribution(rendered[name])
    alarm = blocks(main, "resource", "aws_cloudwatch_metric_alarm")["error_rate"]
    # CloudFront's metrics exist only in us-east-1: the resource's own region puts the alarm there.
    assert unquote(alarm["region"]) == "us-east-1"
    assert alarm["threshold"] == "${var.error_rate_percent}"
    assert unquote(alarm["treat_missing_data"]) == "notBreaching"
    assert alarm["alarm_actions"] == alarm["ok_actions"] == ["${var.alarm_topic_arn}"]
    queries = {unquote(q["id"]): q for q in alarm["metric_query"]}
    assert (
        unquote(queries["rate"]["expression"]) == "IF(requests >= ${var.error_rate_min_requests}, errors, 0)"
    )
    assert queries["rate"]["return_data"] is True
    metrics = {id_: q["metric"][0] for id_, q in queries.items() if id_ != "rate"}
    assert {id_: (unquote(m["metric_name"]), unquote(m["stat"])) for id_, m in metrics.items()} == {
        "requests": ("Requests", "Sum"),
        "errors": ("5xxErrorRate", "Average"),  # a percentage already
    }
    for m in metrics.values():
        assert unquote(m["namespace"]) == "AWS/CloudFront"
        assert m["dimensions"] == {
            "DistributionId": "${aws_cloudfront_distribution.this.id}",
            "Region": '"Global"',
        }
    variables = blocks(parse(rendered[name] / "modules" / "cloudfront" / "variables.tf"), "variable")
    assert "us-east-1" in variables["alarm_topic_arn"]["validation"][0]["condition"]
    for env, profile in ENVS[name].items():
        call = blocks(parse(rendered[name] / "envs" / env / "main.tf"), "module")["cloudfront"]
        assert call["alarm_topic_arn"] == "${module.monitoring.us_east_1_sns_topic_arn}"
        assert call["error_rate_percent"] == "${var.monitoring.error_rate_percent}"
        assert tfvars(rendered[name], env)["monitoring"]["error_rate_percent"] == (
            1 if profile == "high-power" else 5
        )
