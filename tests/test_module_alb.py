"""The alb module: TLS-only public entry point, hardened, logged, alarmed, and wired per profile."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from helpers import ENVS, blocks, one, parse, resources, tfvars, unquote


@pytest.fixture(scope="module")
def alb_main(rendered: dict[str, Path]) -> dict[str, dict[str, Any]]:
    return {name: parse(root / "modules" / "alb" / "main.tf") for name, root in rendered.items()}


@pytest.mark.parametrize("spec", list(ENVS))
def test_load_balancer_is_public_and_hardened(spec: str, alb_main: dict[str, Any]) -> None:
    lb = resources(alb_main[spec], "aws_lb")["this"]
    assert lb["load_balancer_type"] == '"application"'
    assert lb["internal"] is False
    assert lb["subnets"] == "${var.subnet_ids}"
    assert lb["security_groups"] == ["${var.security_group_id}"]
    assert lb["drop_invalid_header_fields"] is True
    assert lb["desync_mitigation_mode"] == '"strictest"'
    assert lb["enable_deletion_protection"] == "${var.deletion_protection}"
    logs = one(lb, "access_logs")
    assert logs["bucket"] == "${var.access_logs_bucket_id}"
    assert logs["enabled"] == "${var.access_logs_enabled}"


@pytest.mark.parametrize("spec", list(ENVS))
def test_http_only_redirects_and_https_uses_tls13(spec: str, alb_main: dict[str, Any]) -> None:
    doc = alb_main[spec]
    listeners = resources(doc, "aws_lb_listener")
    assert set(listeners) == {"http", "https"}

    http = listeners["http"]
    assert (http["port"], http["protocol"]) == (80, '"HTTP"')
    action = one(http, "default_action")
    assert action["type"] == '"redirect"'
    redirect = one(action, "redirect")
    assert redirect == {**redirect, "protocol": '"HTTPS"', "port": '"443"', "status_code": '"HTTP_301"'}
    assert "target_group_arn" not in action, "plain HTTP must never reach the app"

    https = listeners["https"]
    assert (https["port"], https["protocol"]) == (443, '"HTTPS"')
    assert https["certificate_arn"] == "${var.certificate_arn}"
    assert https["ssl_policy"] == "${local.ssl_policy}"
    policy = doc["locals"][0]["ssl_policy"].strip('"')
    assert policy.startswith("ELBSecurityPolicy-TLS13-1-2-"), policy
    assert "max-age=" in https["routing_http_response_strict_transport_security_header_value"]


@pytest.mark.parametrize("spec", list(ENVS))
def test_https_forwards_only_the_apps_host_names_and_404s_the_rest(
    spec: str, alb_main: dict[str, Any], rendered: dict[str, Path]
) -> None:
    https = resources(alb_main[spec], "aws_lb_listener")["https"]
    default = one(https, "default_action")
    assert default["type"] == '${local.default_status == null ? "forward" : "fixed-response"}'
    forward = "${local.default_status == null ? aws_lb_target_group.app.arn : null}"
    assert default["target_group_arn"] == forward
    fixed = blocks(default, "dynamic")["fixed_response"]
    assert fixed["for_each"] == "${local.default_status == null ? [] : [local.default_status]}"
    assert fixed["content"][0]["status_code"] == "${tostring(fixed_response.value)}"
    # 404 for another Host; 403 where some environment locks the origin (test_origin_lock.py)
    local = alb_main[spec]["locals"][0]
    if spec in ("reference", "high"):
        assert local["default_status"] == "${var.origin_lock ? 403 : length(var.host_names) > 0 ? 404 : null}"
    else:
        assert local["default_status"] == "${length(var.host_names) > 0 ? 404 : null}"
        assert local["forwarded_names"] == "${var.host_names}"
    rule = resources(alb_main[spec], "aws_lb_listener_rule")["app"]
    chunks = "${{for i, names in chunklist(local.forwarded_names, 5) : tostring(i) => names}}"
    assert rule["for_each"] == chunks
    assert one(one(rule, "condition"), "host_header")["values"] == "${each.value}"
    action = one(rule, "action")
    assert (action["type"], action["target_group_arn"]) == ('"forward"', "${aws_lb_target_group.app.arn}")
    names = {
        "reference": ['"shop.example.com"'],
        "minimal": [],
        "low": ['"blog.example.org"'],
        "high": ['"store.example.com"', '"www.store.example.com"'],
        "mysql": [],
        "dns": {
            "staging": ['"staging.news.example.net"'],
            "prod": ['"news.example.net"', '"www.news.example.net"'],
        },
    }
    for env in ENVS[spec]:
        block = blocks(parse(rendered[spec] / "envs" / env / "main.tf"), "module")["alb"]
        assert block["host_names"] == "${var.load_balancer.domain_names}"
        expected = names[spec][env] if isinstance(names[spec], dict) else names[spec]
        assert tfvars(rendered[spec], env)["load_balancer"]["domain_names"] == expected, (spec, env)


@pytest.mark.parametrize("spec", list(ENVS))
def test_target_group_checks_health_on_the_app_port(spec: str, alb_main: dict[str, Any]) -> None:
    tg = resources(alb_main[spec], "aws_lb_target_group")["app"]
    assert tg["port"] == "${var.app_port}"
    assert tg["vpc_id"] == "${var.vpc_id}"
    check = one(tg, "health_check")
    assert check["enabled"] is True
    assert check["path"] == "${var.health_check_path}"
    assert check["port"] == '"traffic-port"'


@pytest.mark.parametrize("spec", list(ENVS))
def test_waf_association_follows_the_spec(spec: str, alb_main: dict[str, Any]) -> None:
    waf = resources(alb_main[spec], "aws_wafv2_web_acl_association")["this"]
    assert waf["count"] == "${var.waf_web_acl_arn == null ? 0 : 1}"
    assert waf["resource_arn"] == "${aws_lb.this.arn}"
    assert waf["web_acl_arn"] == "${var.waf_web_acl_arn}"


@pytest.mark.parametrize("spec", list(ENVS))
def test_alarms_cover_errors_latency_and_health(spec: str, alb_main: dict[str, Any]) -> None:
    alarms = resources(alb_main[spec], "aws_cloudwatch_metric_alarm")
    assert set(alarms) == {"error_rate", "target_response_time", "unhealthy_hosts", "no_healthy_hosts"}
    metrics = {name: unquote(a["metric_name"]) for name, a in alarms.items() if name != "error_rate"}
    assert metrics == {
        "target_response_time": "TargetResponseTime",
        "unhealthy_hosts": "UnHealthyHostCount",
        "no_healthy_hosts": "HealthyHostCount",
    }
    for name, alarm in alarms.items():
        assert alarm["alarm_actions"] == ["${var.alarm_topic_arn}"], name
        if name != "error_rate":
            assert alarm["namespace"] == '"AWS/ApplicationELB"', name
            assert alarm["dimensions"]["LoadBalancer"] == "${aws_lb.this.arn_suffix}", name


@pytest.mark.parametrize("spec", list(ENVS))
def test_5xx_alarm_is_an_error_rate_over_requests_not_a_count(spec: str, alb_main: dict[str, Any]) -> None:
    alarm = resources(alb_main[spec], "aws_cloudwatch_metric_alarm")["error_rate"]
    assert "metric_name" not in alarm and "namespace" not in alarm  # metric math only
    assert alarm["threshold"] == "${var.error_rate_percent}"
    assert unquote(alarm["comparison_operator"]) == "GreaterThanThreshold"
    assert unquote(alarm["treat_missing_data"]) == "notBreaching"
    assert alarm["ok_actions"] == ["${var.alarm_topic_arn}"]
    queries = {unquote(q["id"]): q for q in alarm["metric_query"]}
    assert set(queries) == {"rate", "requests", "elb", "target"}
    rate = queries.pop("rate")
    assert rate["return_data"] is True
    # Below the minimum request count the rate reads 0; missing 5xx metrics (no errors) read 0.
    assert unquote(rate["expression"]) == (
        "IF(requests >= ${var.error_rate_min_requests}, 100 * (FILL(elb, 0) + FILL(target, 0)) / requests, 0)"
    )
    shown = {}
    for id_, q in queries.items():
        assert "return_data" not in q, id_
        (metric,) = q["metric"]
        assert unquote(metric["namespace"]) == "AWS/ApplicationELB"
        assert (unquote(metric["stat"]), metric["period"]) == ("Sum", 300)
        assert metric["dimensions"] == {"LoadBalancer": "${aws_lb.this.arn_suffix}"}
        shown[id_] = unquote(metric["metric_name"])
    assert shown == {
        "requests": "RequestCount",
        "elb": "HTTPCode_ELB_5XX_Count",
        "target": "HTTPCode_Target_5XX_Count",
    }


@pytest.mark.parametrize("spec", list(ENVS))
def test_error_rate_threshold_follows_the_profile(spec: str, rendered: dict[str, Path]) -> None:
    variables = blocks(parse(rendered[spec] / "modules" / "alb" / "variables.tf"), "variable")
    assert variables["error_rate_min_requests"]["default"] == 50
    for env, profile in ENVS[spec].items():
        block = blocks(parse(rendered[spec] / "envs" / env / "main.tf"), "module")["alb"]
        assert block["error_rate_percent"] == "${var.monitoring.error_rate_percent}"
        expected = 1 if profile == "high-power" else 5
        assert tfvars(rendered[spec], env)["monitoring"]["error_rate_percent"] == expected, (spec, env)


@pytest.mark.parametrize("spec", list(ENVS))
def test_environment_wires_the_module_to_vpc_s3_and_monitoring(spec: str, rendered: dict[str, Path]) -> None:
    for env in ENVS[spec]:
        block = blocks(parse(rendered[spec] / "envs" / env / "main.tf"), "module")["alb"]
        assert block["source"] == '"../../modules/alb"'
        assert block["subnet_ids"] == "${module.vpc.public_subnet_ids}"
        assert block["security_group_id"] == "${module.vpc.alb_security_group_id}"
        assert block["vpc_id"] == "${module.vpc.vpc_id}"
        assert block["access_logs_bucket_id"] == "${module.s3.log_bucket_id}"
        assert block["alarm_topic_arn"] == "${module.monitoring.sns_topic_arn}"
        assert block["deletion_protection"] == "${var.load_balancer.deletion_protection}"
        # With `dns:` and no certificate ARN, the dns module issues and validates the certificate.
        issued = spec == "dns"
        assert block["certificate_arn"] == (
            "${module.dns.alb_certificate_arn}" if issued else "${var.load_balancer.certificate_arn}"
        )
        assert block["app_port"] == "${var.app.port}"
        assert block["tags"] == "${var.tags}"


@pytest.mark.parametrize("spec", list(ENVS))
def test_tfvars_follow_the_profile(spec: str, rendered: dict[str, Path]) -> None:
    for env, profile in ENVS[spec].items():
        lb = tfvars(rendered[spec], env)["load_balancer"]
        assert lb["deletion_protection"] is (profile == "high-power"), (spec, env)
        if spec == "dns":
            assert lb["certificate_arn"] is None  # issued by the dns module
        else:
            assert lb["certificate_arn"].startswith('"arn:aws:acm:')
        assert lb["access_logs"] is True


def test_tfvars_carry_the_spec_values(rendered: dict[str, Path]) -> None:
    high = tfvars(rendered["high"], "prod")["load_balancer"]
    assert high["health_check_path"] == '"/status"'
    assert high["waf_web_acl_arn"] == '"arn:aws:wafv2:us-west-2:111122223333:regional/webacl/store/abcd1234"'
    assert high["domain_names"] == ['"store.example.com"', '"www.store.example.com"']
    minimal = tfvars(rendered["minimal"], "dev")["load_balancer"]
    assert minimal["health_check_path"] == '"/health"'
    assert minimal["waf_web_acl_arn"] is None
    ref = tfvars(rendered["reference"], "prod")["load_balancer"]
    assert ref["health_check_path"] == '"/healthz"'


@pytest.mark.parametrize("spec", list(ENVS))
def test_no_ssh_and_no_plain_http_to_the_world(spec: str, rendered: dict[str, Path]) -> None:
    text = (rendered[spec] / "modules" / "alb" / "main.tf").read_text()
    assert not re.search(r"\b22\b", text)
    assert "0.0.0.0/0" not in text  # the ingress rules live in the vpc module's ALB group
