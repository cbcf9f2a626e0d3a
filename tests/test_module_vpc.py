"""The vpc module: four private-by-default subnet tiers per AZ, NAT per profile, chained groups."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import hcl2
import pytest
from helpers import blocks, parse, unquote
from tfgen.spec import load_spec

PROFILES = {  # env -> profile, per test spec
    "reference": {"dev": "low-power", "staging": "low-power", "prod": "high-power"},
    "minimal": {"dev": "low-power"},
    "low": {"dev": "low-power", "test": "low-power"},
    "high": {"prod": "high-power"},
    "mysql": {"staging": "low-power", "prod": "high-power"},
}
ALWAYS = [
    "alb_security_group_id",
    "app_security_group_id",
    "azs",
    "cache_subnet_ids",
    "database_subnet_ids",
    "flow_log_group_name",
    "nat_gateway_ids",
    "nat_public_ips",
    "private_subnet_ids",
    "public_subnet_ids",
    "vpc_cidr_block",
    "vpc_id",
]


def main_tf(tree: Path) -> dict[str, Any]:
    return parse(tree / "modules" / "vpc" / "main.tf")


def test_every_tier_has_one_subnet_per_az_and_none_gets_a_public_ip(
    rendered: dict[str, Path],
) -> None:
    subnets = blocks(main_tf(rendered["reference"]), "resource", "aws_subnet")
    assert sorted(subnets) == ["cache", "database", "private", "public"]
    for tier, body in subnets.items():
        assert body["count"] == "${length(var.azs)}"
        assert body["cidr_block"] == f"${{var.{tier}_subnets[count.index]}}"
        assert body["map_public_ip_on_launch"] is False


@pytest.mark.parametrize("spec", sorted(PROFILES))
def test_subnet_cidrs_follow_the_spec_and_nat_follows_the_profile(
    spec: str, rendered: dict[str, Path]
) -> None:
    resolved = {e.name: e for e in load_spec(rendered[spec] / "tfgen.yaml").environments}
    for env, profile in PROFILES[spec].items():
        network = parse(rendered[spec] / "envs" / env / "terraform.tfvars")["network"]
        cidrs = resolved[env].subnet_cidrs()
        for tier in ("public", "private", "database", "cache"):
            assert unquote(network[f"{tier}_subnets"]) == cidrs[tier]
            assert len(cidrs[tier]) == resolved[env].azs
        # One NAT gateway (a third of the cost) for low-power, one per AZ for high-power.
        assert network["single_nat_gateway"] is (profile == "low-power")
        # Flow logs: refused traffic only for low-power (cheap), every connection for high-power.
        assert unquote(network["flow_log_traffic_type"]) == ("REJECT" if profile == "low-power" else "ALL")
        # Interface endpoints (management, secrets, logs, keys off the NAT) for high-power only.
        services = ["ssm", "ssmmessages", "ec2messages", "secretsmanager", "logs", "kms"]
        assert unquote(network["interface_endpoints"]) == (services if profile == "high-power" else [])


def test_nat_gateways_count_follows_the_strategy(rendered: dict[str, Path]) -> None:
    doc = main_tf(rendered["reference"])
    nat = blocks(doc, "resource", "aws_nat_gateway")["this"]
    assert nat["count"] == "${local.nat_gateway_count}"
    locals_ = {k: v for entry in doc["locals"] for k, v in entry.items()}
    assert locals_["nat_gateway_count"] == "${var.single_nat_gateway ? 1 : length(var.azs)}"
    route = blocks(doc, "resource", "aws_route")["private_nat"]
    assert route["nat_gateway_id"] == "${aws_nat_gateway.this[var.single_nat_gateway ? 0 : count.index].id}"


@pytest.mark.parametrize("spec", sorted(PROFILES))
def test_each_nat_gateway_alarms_on_port_allocation_errors(spec: str, rendered: dict[str, Path]) -> None:
    """The alarms live in the environment root (they read vpc's and monitoring's outputs)."""
    tree = rendered[spec]
    assert not blocks(main_tf(tree), "resource", "aws_cloudwatch_metric_alarm")
    outputs = blocks(parse(tree / "modules/vpc/outputs.tf"), "output")
    assert outputs["nat_gateway_ids"]["value"] == "${aws_nat_gateway.this[*].id}"
    for env, profile in PROFILES[spec].items():
        root = parse(tree / "envs" / env / "main.tf")
        alarm = blocks(root, "resource", "aws_cloudwatch_metric_alarm")["nat_port_allocation"]
        # one per gateway: low-power's one, high-power's one per AZ
        assert alarm["count"] == "${length(module.vpc.nat_gateway_ids)}"
        network = parse(tree / "envs" / env / "terraform.tfvars")["network"]
        assert network["single_nat_gateway"] is (profile == "low-power")
        assert (unquote(alarm["namespace"]), unquote(alarm["metric_name"])) == (
            "AWS/NATGateway",
            "ErrorPortAllocation",
        )
        assert alarm["dimensions"] == {"NatGatewayId": "${module.vpc.nat_gateway_ids[count.index]}"}
        assert (unquote(alarm["statistic"]), alarm["period"], alarm["threshold"]) == ("Sum", 300, 0)
        assert unquote(alarm["comparison_operator"]) == "GreaterThanThreshold"
        assert unquote(alarm["treat_missing_data"]) == "notBreaching"
        assert alarm["alarm_actions"] == alarm["ok_actions"] == ["${module.monitoring.sns_topic_arn}"]
        assert unquote(alarm["alarm_name"]) == "${local.name}-nat-${local.azs[count.index]}-port-allocation"


def test_security_groups_are_chained_tier_to_tier(rendered: dict[str, Path]) -> None:
    doc = main_tf(rendered["reference"])
    ingress = blocks(doc, "resource", "aws_vpc_security_group_ingress_rule")
    chained = {
        name: (
            body["security_group_id"],
            body["referenced_security_group_id"],
            body["from_port"],
            body["to_port"],
        )
        for name, body in ingress.items()
        if "referenced_security_group_id" in body
    }
    assert chained == {
        "endpoints_from_app": (
            "${aws_security_group.endpoints[0].id}",
            "${aws_security_group.app.id}",
            443,
            443,
        ),
        "app_from_alb": (
            "${aws_security_group.app.id}",
            "${aws_security_group.alb.id}",
            "${var.app_port}",
            "${var.app_port}",
        ),
        "database_from_app": (
            "${aws_security_group.database.id}",
            "${aws_security_group.app.id}",
            "${var.database_port}",
            "${var.database_port}",
        ),
        "cache_from_app": (
            "${aws_security_group.cache.id}",
            "${aws_security_group.app.id}",
            "${var.cache_port}",
            "${var.cache_port}",
        ),
    }
    egress = blocks(doc, "resource", "aws_vpc_security_group_egress_rule")
    assert sorted(egress) == ["alb_to_app", "app_https", "app_to_cache", "app_to_database"]
    to_anywhere = {n for n, b in egress.items() if unquote(b.get("cidr_ipv4")) == "0.0.0.0/0"}
    assert to_anywhere == {"app_https"}
    assert (egress["app_https"]["from_port"], egress["app_https"]["to_port"]) == (443, 443)


def test_without_data_tiers_there_are_no_data_groups_ports_or_outputs(
    rendered: dict[str, Path],
) -> None:
    tree = rendered["minimal"]
    doc = main_tf(tree)
    assert sorted(blocks(doc, "resource", "aws_security_group")) == ["alb", "app", "endpoints"]
    assert not blocks(doc, "resource", "aws_db_subnet_group")
    assert not blocks(doc, "resource", "aws_elasticache_subnet_group")
    variables = blocks(parse(tree / "modules/vpc/variables.tf"), "variable")
    assert "database_port" not in variables and "cache_port" not in variables
    outputs = blocks(parse(tree / "modules/vpc/outputs.tf"), "output")
    assert sorted(outputs) == ALWAYS


def test_outputs_keep_the_contract_names(rendered: dict[str, Path]) -> None:
    outputs = blocks(parse(rendered["reference"] / "modules/vpc/outputs.tf"), "output")
    assert sorted(outputs) == sorted(
        [
            *ALWAYS,
            "cache_security_group_id",
            "cache_subnet_group_name",
            "database_security_group_id",
            "database_subnet_group_name",
        ]
    )


ZONES: dict[str, list[str]] = {  # spec -> region's zones in tfgen's region table
    "reference": ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
    "minimal": ["us-east-2a", "us-east-2b", "us-east-2c"],
    "low": ["eu-central-1a", "eu-central-1b", "eu-central-1c"],
    "high": ["us-west-2a", "us-west-2b", "us-west-2c", "us-west-2d"],
    "mysql": ["ap-southeast-2a", "ap-southeast-2b", "ap-southeast-2c"],
}


@pytest.mark.parametrize("spec", sorted(PROFILES))
def test_zone_names_are_pinned_at_render_time(spec: str, rendered: dict[str, Path]) -> None:
    from tfgen.regions import REGIONS

    resolved = load_spec(rendered[spec] / "tfgen.yaml")
    zones = list(REGIONS[resolved.region].zones)
    assert zones == ZONES[spec]
    for env in resolved.environments:
        doc = parse(rendered[spec] / "envs" / env.name / "main.tf")
        # No lookup of the zones that are `available` now: an impaired zone changes nothing.
        assert "data" not in doc or not blocks(doc, "data", "aws_availability_zones")
        locals_ = {k: v for entry in doc["locals"] for k, v in entry.items()}
        assert locals_["azs"] == "${slice(" + str(zones).replace("'", '"') + ", 0, var.az_count)}"
        assert parse(rendered[spec] / "envs" / env.name / "terraform.tfvars")["az_count"] == env.azs


def test_environment_wires_the_module_from_its_network_variable(rendered: dict[str, Path]) -> None:
    doc = parse(rendered["reference"] / "envs" / "prod" / "main.tf")
    vpc = blocks(doc, "module")["vpc"]
    assert vpc["source"] == '"../../modules/vpc"'
    assert vpc["azs"] == "${local.azs}"
    for key in (
        "cidr",
        "public_subnets",
        "private_subnets",
        "database_subnets",
        "cache_subnets",
        "single_nat_gateway",
        "flow_log_retention_days",
        "flow_log_traffic_type",
        "interface_endpoints",
        "app_port",
        "database_port",
        "cache_port",
    ):
        assert vpc[key] == f"${{var.network.{key}}}", key


def test_vpc_module_is_secure_by_default(rendered: dict[str, Path]) -> None:
    main = hcl2.loads((rendered["reference"] / "modules/vpc/main.tf").read_text())
    resources = {}
    for block in main["resource"]:
        for rtype, named in block.items():
            for name, body in named.items():
                resources[(rtype.strip('"'), name.strip('"'))] = body
    for tier in ("public", "private", "database", "cache"):
        assert resources[("aws_subnet", tier)]["map_public_ip_on_launch"] is False
    default_sg = resources[("aws_default_security_group", "this")]
    assert "ingress" not in default_sg and "egress" not in default_sg
    assert resources[("aws_flow_log", "this")]["traffic_type"] == "${var.flow_log_traffic_type}"
    assert resources[("aws_kms_key", "flow_logs")]["enable_key_rotation"] is True
    assert resources[("aws_vpc_endpoint", "s3")]["vpc_endpoint_type"] == '"Gateway"'
    interface = resources[("aws_vpc_endpoint", "interface")]
    assert interface["for_each"] == "${toset(var.interface_endpoints)}"
    assert interface["vpc_endpoint_type"] == '"Interface"' and interface["private_dns_enabled"] is True
    assert interface["subnet_ids"] == "${aws_subnet.private[*].id}"
    assert interface["security_group_ids"] == ["${aws_security_group.endpoints[0].id}"]
    from_app = resources[("aws_vpc_security_group_ingress_rule", "endpoints_from_app")]
    assert from_app["referenced_security_group_id"] == "${aws_security_group.app.id}"
    assert (from_app["from_port"], from_app["to_port"]) == (443, 443)
    # Only the ALB is open to the internet, and only on 80/443.
    open_rules = [
        (n, r)
        for (t, n), r in resources.items()
        if t == "aws_vpc_security_group_ingress_rule" and "cidr_ipv4" in r
    ]
    assert sorted(n for n, _ in open_rules) == ["alb_http", "alb_https"]
    assert sorted(r["from_port"] for _, r in open_rules) == [80, 443]
    assert not any(
        t == "aws_vpc_security_group_egress_rule" and n.startswith(("database", "cache"))
        for t, n in resources
    )
