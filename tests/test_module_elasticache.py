"""The elasticache module: encrypted both ways, a generated AUTH token in Secrets Manager, HA per profile."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from helpers import blocks, parse, resources, skips, terraform_eval, tfvars, unquote

# Environments of each test spec that has a cache, and the profile each one uses.
CACHE_ENVS = {
    "reference": {"dev": "low-power", "staging": "low-power", "prod": "high-power"},
    "low": {"dev": "low-power", "test": "low-power"},
    "high": {"prod": "high-power"},
}
ENGINE = {"reference": "valkey", "low": "redis", "high": "valkey"}
ENV_PARAMS = [(s, e, p) for s, envs in CACHE_ENVS.items() for e, p in envs.items()]
# Special characters ElastiCache accepts in an AUTH token.
AUTH_SPECIALS = set("!&#$^<>-")


@pytest.fixture(scope="module")
def cache(rendered: dict[str, Path]) -> dict[str, dict[str, Any]]:
    """modules/elasticache/main.tf of each spec with a cache, parsed."""
    return {n: parse(rendered[n] / "modules" / "elasticache" / "main.tf") for n in CACHE_ENVS}


@pytest.mark.parametrize("name", ["minimal", "mysql"])
def test_no_cache_no_elasticache(name: str, rendered: dict[str, Path]) -> None:
    tree = rendered[name]
    assert not (tree / "modules" / "elasticache").exists()
    for env in (tree / "envs").iterdir():
        assert "elasticache" not in blocks(parse(env / "main.tf"), "module")
        assert "cache" not in parse(env / "terraform.tfvars")
        # The random provider is only needed for the AUTH token.
        assert "hashicorp/random" not in (env / "versions.tf").read_text()


@pytest.mark.parametrize("spec", list(CACHE_ENVS))
def test_replication_group_is_private_and_encrypted_both_ways(spec: str, cache: dict[str, Any]) -> None:
    group = resources(cache[spec], "aws_elasticache_replication_group")["this"]
    assert group["engine"] == f'"{ENGINE[spec]}"'
    assert group["engine_version"] == "${var.engine_version}"
    assert group["node_type"] == "${var.node_type}"
    assert group["port"] == 6379
    assert group["subnet_group_name"] == "${var.subnet_group_name}"
    assert group["security_group_ids"] == ["${var.security_group_id}"]
    assert group["at_rest_encryption_enabled"] is True
    assert group["kms_key_id"] == "${aws_kms_key.this.arn}"
    assert group["transit_encryption_enabled"] is True
    assert group["transit_encryption_mode"] == '"required"'
    # Write-only: the token goes to AWS but never into the plan or the state.
    assert "auth_token" not in group
    assert group["auth_token_wo"] == "${ephemeral.random_password.auth_token.result}"
    assert group["auth_token_wo_version"] == "${var.auth_token_version}"
    assert group["auth_token_update_strategy"] == '"ROTATE"'
    assert group["auto_minor_version_upgrade"] is True


@pytest.mark.parametrize("spec", list(CACHE_ENVS))
def test_failover_and_snapshots_come_from_the_environment(spec: str, cache: dict[str, Any]) -> None:
    group = resources(cache[spec], "aws_elasticache_replication_group")["this"]
    assert group["num_cache_clusters"] == "${1 + var.replicas}"
    assert group["automatic_failover_enabled"] == "${var.automatic_failover}"
    assert group["multi_az_enabled"] == "${var.automatic_failover}"
    assert group["snapshot_retention_limit"] == "${var.snapshot_retention_days}"
    assert group["snapshot_window"] == "${var.snapshot_window}"
    assert group["maintenance_window"] == "${var.maintenance_window}"
    assert set(skips(group)) == {"CKV_AWS_31", "CKV2_AWS_50"}
    assert "auth_token_wo" in skips(group)["CKV_AWS_31"]


@pytest.mark.parametrize("spec", list(CACHE_ENVS))
def test_slow_log_goes_to_an_encrypted_log_group(spec: str, cache: dict[str, Any]) -> None:
    doc = cache[spec]
    group = resources(doc, "aws_elasticache_replication_group")["this"]
    (delivery,) = group["log_delivery_configuration"]
    assert delivery["log_type"] == '"slow-log"'
    assert delivery["destination_type"] == '"cloudwatch-logs"'
    assert delivery["destination"] == "${aws_cloudwatch_log_group.slow_log.name}"
    log_group = resources(doc, "aws_cloudwatch_log_group")["slow_log"]
    assert log_group["kms_key_id"] == "${aws_kms_key.this.arn}"
    assert log_group["retention_in_days"] == "${var.log_retention_days}"
    key = resources(doc, "aws_kms_key")["this"]
    assert key["enable_key_rotation"] is True
    assert "log-group:${local.slow_log_group}" in key["policy"]


@pytest.mark.parametrize("spec", list(CACHE_ENVS))
def test_auth_token_is_generated_and_kept_in_secrets_manager(spec: str, cache: dict[str, Any]) -> None:
    doc = cache[spec]
    # Ephemeral: generated at each run and never stored; no random_password resource holds it.
    assert resources(doc, "random_password") == {}
    (token,) = blocks(doc, "ephemeral", "random_password").values()
    assert blocks(doc, "ephemeral", "random_password") == {"auth_token": token}
    assert 16 <= token["length"] <= 128
    assert token["special"] is True
    assert set(unquote(token["override_special"])) <= AUTH_SPECIALS
    secret = resources(doc, "aws_secretsmanager_secret")["auth_token"]
    assert secret["kms_key_id"] == "${aws_kms_key.this.arn}"
    reason = skips(secret)["CKV2_AWS_57"]
    assert "Lambda" in reason and "cache.auth_token_version" in reason
    version = resources(doc, "aws_secretsmanager_secret_version")["auth_token"]
    assert version["secret_id"] == "${aws_secretsmanager_secret.auth_token.id}"
    assert "secret_string" not in version
    assert version["secret_string_wo"] == "${ephemeral.random_password.auth_token.result}"
    assert version["secret_string_wo_version"] == "${var.auth_token_version}"


@pytest.mark.parametrize("spec", list(CACHE_ENVS))
def test_auth_token_never_leaves_the_module(spec: str, rendered: dict[str, Path]) -> None:
    tree = rendered[spec]
    for path in (tree / "envs").rglob("*"):
        if path.is_file():
            assert "auth_token =" not in path.read_text(), path
            assert "random_password" not in path.read_text(), path
    outputs = blocks(parse(tree / "modules" / "elasticache" / "outputs.tf"), "output")
    for name, output in outputs.items():
        assert "random_password" not in output["value"], name
        assert "secret_string" not in output["value"], name


@pytest.mark.parametrize("spec", list(CACHE_ENVS))
def test_random_provider_is_required(spec: str, rendered: dict[str, Path]) -> None:
    tree = rendered[spec]
    versions = parse(tree / "modules" / "elasticache" / "versions.tf")
    providers = versions["terraform"][0]["required_providers"][0]
    assert unquote(providers["random"]["source"]) == "hashicorp/random"
    for env in CACHE_ENVS[spec]:
        assert "hashicorp/random" in (tree / "envs" / env / "versions.tf").read_text()


@pytest.mark.parametrize("spec", list(CACHE_ENVS))
def test_alarms_per_node_notify_the_alarm_topic(spec: str, cache: dict[str, Any]) -> None:
    doc = cache[spec]
    alarms = resources(doc, "aws_cloudwatch_metric_alarm")
    metrics = {unquote(a["metric_name"]) for a in alarms.values()}
    assert metrics == {"EngineCPUUtilization", "Evictions", "DatabaseMemoryUsagePercentage"}
    for name, alarm in alarms.items():
        assert alarm["namespace"] == '"AWS/ElastiCache"', name
        assert alarm["for_each"] == "${toset(local.member_clusters)}", name
        assert alarm["dimensions"] == {"CacheClusterId": "${each.key}"}, name
        assert alarm["alarm_actions"] == ["${var.alarm_topic_arn}"], name


@pytest.mark.slow
def test_member_cluster_names_match_elasticache_node_ids(cache: dict[str, Any], terraform_bin: str) -> None:
    locals_ = cache["reference"]["locals"][0]
    expression = (
        locals_["member_clusters"]
        .replace("var.replicas", "2")
        .replace("local.replication_group_id", '"shop-prod-cache"')
    )
    got = terraform_eval(terraform_bin, expression.removeprefix("${").removesuffix("}"))
    assert re.findall(r'"([^"]+)"', got) == [
        "shop-prod-cache-001",
        "shop-prod-cache-002",
        "shop-prod-cache-003",
    ]


@pytest.mark.parametrize(("spec", "env", "profile"), ENV_PARAMS)
def test_tfvars_carry_the_profile(spec: str, env: str, profile: str, rendered: dict[str, Path]) -> None:
    values = tfvars(rendered[spec], env)["cache"]
    if profile == "high-power":
        assert values["automatic_failover"] is True
        assert values["replicas"] >= 1  # failover needs a replica; counts: test_tfvars_values
    else:
        assert values["automatic_failover"] is False
        assert values["replicas"] == 0
    # Daily snapshots per profile: a week in high-power, the free last one in low-power.
    assert values["snapshot_retention_days"] == (7 if profile == "high-power" else 1)
    # The token's version (raised to rotate it), never the token.
    assert [key for key in values if "token" in key or "password" in key] == ["auth_token_version"]
    assert values["auth_token_version"] == 1


@pytest.mark.parametrize(
    ("spec", "env", "expected"),
    [
        ("reference", "prod", {"engine_version": '"8.0"', "node_type": '"cache.t4g.small"', "replicas": 1}),
        ("low", "dev", {"engine_version": '"7.1"'}),
        ("high", "prod", {"replicas": 2, "node_type": '"cache.r7g.large"'}),
    ],
)
def test_tfvars_values(spec: str, env: str, expected: dict[str, Any], rendered: dict[str, Path]) -> None:
    values = tfvars(rendered[spec], env)["cache"]
    assert {k: values[k] for k in expected} == expected


@pytest.mark.parametrize("spec", list(CACHE_ENVS))
def test_env_root_wires_the_module(spec: str, rendered: dict[str, Path]) -> None:
    tree = rendered[spec]
    declared = blocks(parse(tree / "modules" / "elasticache" / "variables.tf"), "variable")
    for env in CACHE_ENVS[spec]:
        block = blocks(parse(tree / "envs" / env / "main.tf"), "module")["elasticache"]
        assert block["subnet_group_name"] == "${module.vpc.cache_subnet_group_name}"
        assert block["security_group_id"] == "${module.vpc.cache_security_group_id}"
        assert block["alarm_topic_arn"] == "${module.monitoring.sns_topic_arn}"
        assert block["automatic_failover"] == "${var.cache.automatic_failover}"
        passed = set(block) - {"source", "__is_block__", "__comments__"}
        required = {name for name, body in declared.items() if "default" not in body}
        assert required <= passed <= set(declared)
        # Every declared input is passed, but the windows, which keep the module's defaults.
        assert passed == set(declared) - {"snapshot_window", "maintenance_window"}


@pytest.mark.parametrize("spec", list(CACHE_ENVS))
def test_outputs_keep_the_contract_names(spec: str, rendered: dict[str, Path]) -> None:
    outputs = blocks(parse(rendered[spec] / "modules" / "elasticache" / "outputs.tf"), "output")
    assert set(outputs) == {
        "primary_endpoint_address",
        "reader_endpoint_address",
        "port",
        "auth_token_secret_arn",
        "kms_key_arn",
        "replication_group_id",
        "member_cluster_ids",
    }
    assert outputs["member_cluster_ids"]["value"] == "${local.member_clusters}"  # the alarms' node ids
    assert outputs["auth_token_secret_arn"]["value"] == "${aws_secretsmanager_secret.auth_token.arn}"
    assert all(o.get("description") for o in outputs.values())
