"""cdn.lock_origin: the ALB behind CloudFront (prefix-list ingress and a secret origin header).

The reference spec locks staging (low-power) and prod (high-power) and keeps dev (low-power)
public; tests/specs/high.yaml locks its only environment (high-power); the low spec's CDN has no
dynamic paths, so nothing is locked and none of the lock's code is rendered.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import blocks, one, parse, resources, skips, tfvars, unquote
from test_spec import BASE, errors_of

# env -> (profile, locked), per test spec with a CDN
LOCKS = {
    "reference": {"dev": ("low-power", False), "staging": ("low-power", True), "prod": ("high-power", True)},
    "high": {"prod": ("high-power", True)},
    "low": {"dev": ("low-power", False), "test": ("low-power", False)},
}
PREFIX_LIST = "com.amazonaws.global.cloudfront.origin-facing"


def module(tree: Path, name: str) -> dict[str, Any]:
    return parse(tree / "modules" / name / "main.tf")


@pytest.mark.parametrize("spec", list(LOCKS))
def test_tfvars_carry_the_lock_per_environment(spec: str, rendered: dict[str, Path]) -> None:
    any_lock = any(locked for _, locked in LOCKS[spec].values())
    manifest = json.loads((rendered[spec] / ".tfgen" / "manifest.json").read_text())
    for env, (profile, locked) in LOCKS[spec].items():
        assert manifest["environments"][env]["profile"] == profile  # a lock in either profile
        values = tfvars(rendered[spec], env)
        assert values["cdn"]["lock_origin"] is locked
        assert values["cdn"]["origin_header_version"] == 1
        if any_lock:
            assert values["network"]["alb_cloudfront_only"] is locked
            assert values["load_balancer"]["origin_lock"] is locked
        else:  # rendered only for specs where some environment locks
            assert "alb_cloudfront_only" not in values["network"]
            assert "origin_lock" not in values["load_balancer"]


@pytest.mark.parametrize("spec", list(LOCKS))
def test_alb_ingress_is_the_cloudfront_prefix_list_where_locked(spec: str, rendered: dict[str, Path]) -> None:
    vpc = module(rendered[spec], "vpc")
    rules = resources(vpc, "aws_vpc_security_group_ingress_rule")
    states = {locked for _, locked in LOCKS[spec].values()}
    public = {"alb_https", "alb_http"} & set(rules)
    locked_rule = rules.get("alb_https_from_cloudfront")
    if states == {False}:
        assert public == {"alb_https", "alb_http"} and locked_rule is None
        assert "count" not in rules["alb_https"]
        assert blocks(vpc, "data", "aws_ec2_managed_prefix_list") == {}
        return
    assert locked_rule is not None
    assert locked_rule["count"] == "${var.alb_cloudfront_only ? 1 : 0}"
    assert locked_rule["prefix_list_id"] == "${data.aws_ec2_managed_prefix_list.cloudfront[0].id}"
    assert (locked_rule["from_port"], locked_rule["to_port"], locked_rule["ip_protocol"]) == (
        443,
        443,
        '"tcp"',
    )
    assert "cidr_ipv4" not in locked_rule
    (prefix,) = blocks(vpc, "data", "aws_ec2_managed_prefix_list").values()
    assert unquote(prefix["name"]) == PREFIX_LIST
    if states == {True}:  # every environment locked: no internet ingress, and so no skip for it
        assert public == set()
        assert "0.0.0.0/0" not in "".join(str(r.get("cidr_ipv4")) for r in rules.values())
    else:  # mixed: the public rules exist only where the ALB stays public, with their skip
        assert public == {"alb_https", "alb_http"}
        for name in public:
            assert rules[name]["count"] == "${var.alb_cloudfront_only ? 0 : 1}"
            assert rules[name]["cidr_ipv4"] == '"0.0.0.0/0"'
        assert set(skips(rules["alb_http"])) == {"CKV_AWS_260"}
    for env in LOCKS[spec]:
        block = blocks(parse(rendered[spec] / "envs" / env / "main.tf"), "module")["vpc"]
        assert block["alb_cloudfront_only"] == "${var.network.alb_cloudfront_only}"


@pytest.mark.parametrize("spec", list(LOCKS))
def test_listener_forwards_only_cloudfronts_requests_where_locked(
    spec: str, rendered: dict[str, Path]
) -> None:
    alb = module(rendered[spec], "alb")
    local = alb["locals"][0]
    rule = resources(alb, "aws_lb_listener_rule")["app"]
    header = blocks(rule, "dynamic").get("condition")
    if not any(locked for _, locked in LOCKS[spec].values()):
        assert local["forwarded_names"] == "${var.host_names}"
        assert local["default_status"] == "${length(var.host_names) > 0 ? 404 : null}"
        assert header is None
        return
    # CloudFront sends only the first name as Host; anything without the header gets a 403.
    assert local["forwarded_names"] == "${var.origin_lock ? slice(var.host_names, 0, 1) : var.host_names}"
    assert local["default_status"] == "${var.origin_lock ? 403 : length(var.host_names) > 0 ? 404 : null}"
    assert header["for_each"] == "${var.origin_lock ? [var.origin_header_name] : []}"
    http_header = one(header["content"][0], "http_header")
    assert {k: v for k, v in http_header.items() if not k.startswith("__")} == {
        "http_header_name": "${condition.value}",
        "values": ["${var.origin_header_value}"],
    }
    declared = blocks(parse(rendered[spec] / "modules" / "alb" / "variables.tf"), "variable")
    assert declared["origin_header_value"]["sensitive"] is True
    for env in LOCKS[spec]:
        block = blocks(parse(rendered[spec] / "envs" / env / "main.tf"), "module")["alb"]
        assert block["origin_lock"] == "${var.load_balancer.origin_lock}"
        assert block["origin_header_name"] == "${module.cloudfront.origin_header_name}"
        assert block["origin_header_value"] == "${module.cloudfront.origin_header_value}"


@pytest.mark.parametrize("spec", list(LOCKS))
def test_cloudfront_sends_the_generated_header_kept_in_secrets_manager(
    spec: str, rendered: dict[str, Path]
) -> None:
    doc = module(rendered[spec], "cloudfront")
    versions = (rendered[spec] / "modules" / "cloudfront" / "versions.tf").read_text()
    if not any(locked for _, locked in LOCKS[spec].values()):
        assert resources(doc, "random_password") == {}
        assert resources(doc, "aws_secretsmanager_secret") == {}
        assert "hashicorp/random" not in versions
        return
    assert "hashicorp/random" in versions
    password = resources(doc, "random_password")["origin_header"]
    assert password["count"] == "${var.lock_origin ? 1 : 0}"
    assert (password["length"], password["special"]) == (48, False)
    assert password["keepers"] == {"version": "${tostring(var.origin_header_version)}"}
    secret = resources(doc, "aws_secretsmanager_secret")["origin_header"]
    assert secret["kms_key_id"] == "${aws_kms_key.origin_header[0].arn}"
    assert "cdn.origin_header_version" in skips(secret)["CKV2_AWS_57"]
    version = resources(doc, "aws_secretsmanager_secret_version")["origin_header"]
    assert "secret_string" not in version  # write-only: the secret version holds no copy in state
    assert version["secret_string_wo"] == "${random_password.origin_header[0].result}"
    assert version["secret_string_wo_version"] == "${var.origin_header_version}"
    assert resources(doc, "aws_kms_key")["origin_header"]["enable_key_rotation"] is True
    dist = resources(doc, "aws_cloudfront_distribution")["this"]
    origin = blocks(dist, "dynamic")["origin"]
    custom = blocks(origin["content"][0], "dynamic")["custom_header"]
    assert custom["for_each"] == "${var.lock_origin ? [local.origin_header_name] : []}"
    assert custom["content"][0]["value"] == "${random_password.origin_header[0].result}"
    assert unquote(doc["locals"][0]["origin_header_name"]) == "X-Origin-Verify"
    outputs = blocks(parse(rendered[spec] / "modules" / "cloudfront" / "outputs.tf"), "output")
    assert outputs["origin_header_value"]["sensitive"] is True
    for env in LOCKS[spec]:
        block = blocks(parse(rendered[spec] / "envs" / env / "main.tf"), "module")["cloudfront"]
        assert block["lock_origin"] == "${var.cdn.lock_origin}"
        assert block["origin_header_version"] == "${var.cdn.origin_header_version}"
        # The value goes module to module, never through the env root's outputs or tfvars.
        env_outputs = (rendered[spec] / "envs" / env / "outputs.tf").read_text()
        assert "origin_header_value" not in env_outputs


def test_lock_origin_needs_dynamic_paths(tmp_path: Path) -> None:
    text = BASE + "static: {}\ncdn:\n  lock_origin: true\n"
    lines = errors_of(tmp_path, text)
    assert len(lines) == 1, lines
    assert lines[0].endswith(
        "app.yaml:17: cdn.lock_origin: lock_origin puts the ALB behind CloudFront, which sends it only "
        "cdn.dynamic_paths: set dynamic_paths (the app's paths), or remove lock_origin"
    ), lines


def test_origin_header_version_rotates_the_header(tmp_path: Path) -> None:
    from tfgen.render import render
    from tfgen.spec import load_spec

    text = (Path(__file__).parent / "specs" / "high.yaml").read_text()
    text = text.replace("  lock_origin: true\n", "  lock_origin: true\n  origin_header_version: 3\n")
    path = tmp_path / "tfgen.yaml"
    path.write_text(text)
    files = render(load_spec(path))
    assert "  origin_header_version = 3\n" in files["envs/prod/terraform.tfvars"]
