"""The monitoring module: an alarm topic encrypted with a key CloudWatch may use, a topic policy
letting this account's alarms publish, the email subscription and the monthly cost budget."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import ENVS, blocks, parse, statements, tfvars, unquote


def module(tree: Path) -> dict[str, Any]:
    return parse(tree / "modules" / "monitoring" / "main.tf")


@pytest.mark.parametrize("name", ["reference", "minimal", "low", "high", "mysql"])
def test_topic_is_encrypted_with_a_key_cloudwatch_can_use(name: str, rendered: dict[str, Path]) -> None:
    main = module(rendered[name])
    topic = blocks(main, "resource", "aws_sns_topic")["alarms"]
    assert topic["kms_master_key_id"] == "${aws_kms_key.alarms.arn}"  # not alias/aws/sns
    key = blocks(main, "resource", "aws_kms_key")["alarms"]
    assert key["enable_key_rotation"] is True
    assert key["policy"] == "${data.aws_iam_policy_document.alarms_key.json}"
    use = statements(main, "alarms_key")["AlarmAndBudgetPublishers"]
    publishers = ["cloudwatch.amazonaws.com", "budgets.amazonaws.com"]
    if name != "minimal":  # every other spec has a database, whose events go to the topic
        publishers.append("events.rds.amazonaws.com")
    assert unquote(use["principals"][0]["identifiers"]) == publishers
    rds_events = statements(main, "alarms").get("RdsEventsPublish")
    if name == "minimal":
        assert rds_events is None
    else:
        assert rds_events is not None
        assert unquote(rds_events["principals"][0]["identifiers"]) == ["events.rds.amazonaws.com"]
        assert unquote(rds_events["condition"][0]["values"])[0].endswith(":${local.account_id}:es:*")
    assert set(unquote(use["actions"])) == {"kms:Decrypt", "kms:GenerateDataKey*"}


@pytest.mark.parametrize("name", ["reference", "minimal"])
def test_topic_policy_lets_only_this_accounts_alarms_publish(name: str, rendered: dict[str, Path]) -> None:
    main = module(rendered[name])
    stmts = statements(main, "alarms")
    alarms = stmts["CloudWatchAlarmsPublish"]
    assert unquote(alarms["actions"]) == ["sns:Publish"]
    assert unquote(alarms["principals"][0]["identifiers"]) == ["cloudwatch.amazonaws.com"]
    cond = alarms["condition"][0]
    assert unquote(cond["variable"]) == "aws:SourceArn"
    assert unquote(cond["values"])[0].endswith(":${local.account_id}:alarm:*")
    deny = stmts["DenyInsecureTransport"]
    assert unquote(deny["effect"]) == "Deny"
    assert unquote(deny["condition"][0]["values"]) == ["false"]
    for stmt in stmts.values():
        if unquote(stmt.get("effect", '"Allow"')) == "Allow":
            assert unquote(stmt["principals"][0]["identifiers"]) != ["*"], stmt["sid"]
    policy = blocks(main, "resource", "aws_sns_topic_policy")["alarms"]
    assert policy["policy"] == "${data.aws_iam_policy_document.alarms.json}"
    # Alarms are created only once CloudWatch may publish: the output goes through the policy.
    outputs = blocks(parse(rendered[name] / "modules" / "monitoring" / "outputs.tf"), "output")
    assert outputs["sns_topic_arn"]["value"] == "${aws_sns_topic_policy.alarms.arn}"


def test_email_subscription_and_budget_follow_the_spec(rendered: dict[str, Path]) -> None:
    main = module(rendered["reference"])
    sub = blocks(main, "resource", "aws_sns_topic_subscription")["email"]
    assert sub["count"] == "${var.alarm_email == null ? 0 : 1}"
    assert unquote(sub["protocol"]) == "email"
    assert sub["endpoint"] == "${var.alarm_email}"
    budget = blocks(main, "resource", "aws_budgets_budget")["monthly"]
    assert budget["count"] == "${var.monthly_budget_usd == null ? 0 : 1}"
    assert unquote(budget["budget_type"]) == "COST"
    assert unquote(budget["time_unit"]) == "MONTHLY"
    assert unquote(budget["limit_unit"]) == "USD"
    assert unquote(budget["name"]) == "${var.name}-monthly"
    alerts = {
        (unquote(n["notification_type"]), n["threshold"], unquote(n["threshold_type"]))
        for n in budget["notification"]
    }
    assert alerts == {("ACTUAL", 80, "PERCENTAGE"), ("FORECASTED", 100, "PERCENTAGE")}
    for n in budget["notification"]:
        assert n["subscriber_email_addresses"] == "${var.alarm_email == null ? null : [var.alarm_email]}"
    filters = blocks(budget, "dynamic")["cost_filter"]
    assert filters["for_each"] == "${var.budget_cost_filters}"
    content = {k: v for k, v in filters["content"][0].items() if k != "__is_block__"}
    assert content == {"name": "${cost_filter.key}", "values": "${cost_filter.value}"}
    for env in ("dev", "staging", "prod"):
        # One account for the three: each budget measures its Environment cost-allocation tag.
        assert tfvars(rendered["reference"], env)["monitoring"] == {
            "alarm_email": '"ops@example.com"',
            "monthly_budget_usd": 500,
            "budget_cost_filters": {"TagKeyValue": [f'"user:Environment${env}"']},
            "log_retention_days": 365,
            "error_rate_percent": 1 if env == "prod" else 5,  # the profile's (high-power: 1)
        }
        call = blocks(parse(rendered["reference"] / "envs" / env / "main.tf"), "module")["monitoring"]
        assert call["alarm_email"] == "${var.monitoring.alarm_email}"
        assert call["monthly_budget_usd"] == "${var.monitoring.monthly_budget_usd}"
        assert call["budget_cost_filters"] == "${var.monitoring.budget_cost_filters}"


def test_an_environment_alone_in_its_account_budgets_that_account(tmp_path: Path) -> None:
    from helpers import render_inline

    tree = render_inline(
        tmp_path,
        "name: acme\nregion: eu-west-1\nload_balancer:\n  certificate_arn: "
        "arn:aws:acm:eu-west-1:111122223333:certificate/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\n"
        "monitoring:\n  monthly_budget_usd: 100\nenvironments:\n"
        '  dev:\n    profile: low-power\n    account_id: "111122223333"\n'
        '  test:\n    profile: low-power\n    account_id: "111122223333"\n'
        '  prod:\n    profile: high-power\n    account_id: "444455556666"\n',
    )
    filters = {env: tfvars(tree, env)["monitoring"]["budget_cost_filters"] for env in ("dev", "test", "prod")}
    assert filters == {
        "dev": {"TagKeyValue": ['"user:Environment$dev"']},
        "test": {"TagKeyValue": ['"user:Environment$test"']},
        "prod": {"LinkedAccount": ['"444455556666"']},
    }


def test_per_environment_budget_and_email(rendered_extra: dict[str, Path]) -> None:
    tree = rendered_extra["quiet"]  # tests/specs/extra/quiet.yaml
    dev, prod = tfvars(tree, "dev")["monitoring"], tfvars(tree, "prod")["monitoring"]
    assert dev["alarm_email"] is None and dev["monthly_budget_usd"] == 40
    assert unquote(prod["alarm_email"]) == "prod-oncall@example.com" and prod["monthly_budget_usd"] == 900
    # Without an email the budget alerts go to the topic, whose policy lets Budgets publish.
    main = module(tree)
    budget = blocks(main, "resource", "aws_budgets_budget")["monthly"]
    for n in budget["notification"]:
        assert n["subscriber_sns_topic_arns"] == (
            "${var.alarm_email == null ? [aws_sns_topic_policy.alarms.arn] : null}"
        )
    budgets = statements(main, "alarms")["BudgetsPublish"]
    assert unquote(budgets["principals"][0]["identifiers"]) == ["budgets.amazonaws.com"]
    assert unquote(budgets["condition"][0]["variable"]) == "aws:SourceAccount"


def test_no_secret_and_no_default_email_in_the_module(rendered: dict[str, Path]) -> None:
    text = (rendered["reference"] / "modules" / "monitoring" / "variables.tf").read_text()
    assert "@" not in text  # the address lives in the environment's tfvars only
    variables = blocks(parse(rendered["reference"] / "modules" / "monitoring" / "variables.tf"), "variable")
    assert variables["alarm_email"]["default"] is None
    assert variables["monthly_budget_usd"]["default"] is None


def test_every_skip_has_a_reason(rendered: dict[str, Path]) -> None:
    text = (rendered["reference"] / "modules" / "monitoring" / "main.tf").read_text()
    found = re.findall(r"checkov:skip=([A-Z0-9_]+):(.*)", text)
    assert {c for c, _ in found} == {"CKV_AWS_109", "CKV_AWS_111", "CKV_AWS_356"}
    assert all("key policy" in reason for _, reason in found)


# --------------------------------------------------------------------------- us-east-1 topic


def test_cloudfronts_alarm_gets_a_topic_of_its_own_in_us_east_1(rendered: dict[str, Path]) -> None:
    tree = rendered["reference"]  # eu-west-1, a CDN in every environment
    main = module(tree)
    regional = {
        (type_, name)
        for type_ in (
            "aws_kms_key",
            "aws_kms_alias",
            "aws_sns_topic",
            "aws_sns_topic_policy",
            "aws_sns_topic_subscription",
        )
        for name, body in blocks(main, "resource", type_).items()
        if unquote(body.get("region", '""')) == "us-east-1"
    }
    assert regional == {
        ("aws_kms_key", "us_east_1"),
        ("aws_kms_alias", "us_east_1"),
        ("aws_sns_topic", "us_east_1"),
        ("aws_sns_topic_policy", "us_east_1"),
        ("aws_sns_topic_subscription", "us_east_1_email"),
    }
    topic = blocks(main, "resource", "aws_sns_topic")["us_east_1"]
    assert topic["count"] == "${var.us_east_1_topic ? 1 : 0}"
    assert topic["kms_master_key_id"] == "${aws_kms_key.us_east_1[0].arn}"  # its own key: KMS is regional
    key = blocks(main, "resource", "aws_kms_key")["us_east_1"]
    assert key["enable_key_rotation"] is True
    assert key["policy"] == "${data.aws_iam_policy_document.us_east_1_key[0].json}"
    use = statements(main, "us_east_1_key")["AlarmPublishers"]
    assert unquote(use["principals"][0]["identifiers"]) == ["cloudwatch.amazonaws.com"]
    stmts = statements(main, "us_east_1")
    assert set(stmts) == {"AccountManages", "CloudWatchAlarmsPublish", "DenyInsecureTransport"}
    cond = stmts["CloudWatchAlarmsPublish"]["condition"][0]
    assert unquote(cond["values"]) == [
        "arn:${local.partition}:cloudwatch:us-east-1:${local.account_id}:alarm:*"
    ]
    sub = blocks(main, "resource", "aws_sns_topic_subscription")["us_east_1_email"]
    assert sub["count"] == "${var.us_east_1_topic && var.alarm_email != null ? 1 : 0}"
    assert sub["endpoint"] == "${var.alarm_email}"
    outputs = blocks(parse(tree / "modules" / "monitoring" / "outputs.tf"), "output")
    assert outputs["us_east_1_sns_topic_arn"]["value"] == (
        "${var.us_east_1_topic ? aws_sns_topic_policy.us_east_1[0].arn : aws_sns_topic_policy.alarms.arn}"
    )
    for env in ("dev", "staging", "prod"):
        call = blocks(parse(tree / "envs" / env / "main.tf"), "module")["monitoring"]
        assert call["us_east_1_topic"] is True, env


def test_in_us_east_1_or_without_a_cdn_there_is_no_second_topic(
    rendered: dict[str, Path], rendered_extra: dict[str, Path]
) -> None:
    for env in ("dev", "prod"):  # mixed-cdn is in us-east-1: the main topic serves CloudFront
        call = blocks(parse(rendered_extra["mixed-cdn"] / "envs" / env / "main.tf"), "module")["monitoring"]
        assert call["us_east_1_topic"] is False, env
    for env in ("staging", "prod"):  # mysql has no CDN
        call = blocks(parse(rendered["mysql"] / "envs" / env / "main.tf"), "module")["monitoring"]
        assert "us_east_1_topic" not in call, env


# --------------------------------------------------------------------------- dashboard

ALWAYS = [
    "Load balancer: requests and 5xx",
    "Load balancer: p95 response time (s)",
    "App instances: healthy and unhealthy",
    "App instances: CPU (%)",
]
DB = ["Database: CPU (%) and connections", "Database: free memory and storage (bytes)"]
CACHE = ["Cache: engine CPU (%)", "Cache: memory used (%)"]
CDN = ["CloudFront: requests and 5xx rate (%)"]
NAT = ["NAT gateways: port allocation errors"]


@pytest.mark.parametrize(
    ("name", "titles"),
    [
        ("reference", ALWAYS + DB + CACHE + CDN + NAT),
        ("minimal", ALWAYS + NAT),
        ("low", ALWAYS + DB + CACHE + CDN + NAT),
        ("high", ALWAYS + DB + CACHE + CDN + NAT),
        ("mysql", ALWAYS + DB + NAT),
    ],
)
def test_one_dashboard_per_environment_graphs_the_tiers_it_has(
    name: str, titles: list[str], rendered: dict[str, Path]
) -> None:
    tree = rendered[name]
    # In the root, downstream of every module: not in the monitoring module, which the others
    # depend on (checkov's variable rendering would then loop and stop evaluating counts).
    assert not blocks(module(tree), "resource", "aws_cloudwatch_dashboard")
    for env in ENVS[name]:  # the same in low-power and high-power environments
        root = (tree / "envs" / env / "main.tf").read_text()
        dashboard = blocks(parse(tree / "envs" / env / "main.tf"), "resource", "aws_cloudwatch_dashboard")[
            "this"
        ]
        assert "count" not in dashboard and "for_each" not in dashboard
        assert dashboard["dashboard_name"] == "${local.name}"
        assert re.findall(r'^          title  = "(.*)"$', root, re.M) == titles, env
        regions = re.findall(r"^          region = (.*)$", root, re.M)
        region = f'"{manifest_region(tree, env)}"'
        assert regions == [('"us-east-1"' if t in CDN else region) for t in titles], env


def manifest_region(tree: Path, env: str) -> str:
    return str(json.loads((tree / ".tfgen" / "manifest.json").read_text())["environments"][env]["region"])


@pytest.mark.slow
def test_dashboard_and_alarms_apply_through_the_twin(
    rendered: dict[str, Path], tmp_path: Path, terraform_bin: str, provider_mirror: Path
) -> None:
    """store/prod (high-power, us-west-2, every tier) applied for real through the provider twin
    (tools/twin) with a local backend: the dashboard body terraform computes, and where the
    alarms and topics land."""
    tree = tmp_path / "high"
    shutil.copytree(rendered["high"], tree)
    root = tree / "envs" / "prod"
    (root / "backend_override.tf").write_text('terraform {\n  backend "local" {}\n}\n')
    env = {
        **os.environ,
        "CHECKPOINT_DISABLE": "1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }

    def tf(*args: str) -> str:
        return subprocess.run(
            [terraform_bin, *args], cwd=root, env=env, check=True, capture_output=True, text=True, timeout=300
        ).stdout

    tf("init", "-input=false", "-plugin-dir", str(provider_mirror))
    tf("apply", "-input=false", "-auto-approve")
    state = json.loads(tf("show", "-json"))

    def walk(mod: dict[str, Any]) -> Iterator[dict[str, Any]]:
        yield from mod.get("resources", [])
        for child in mod.get("child_modules", []):
            yield from walk(child)

    res = {r["address"]: r["values"] for r in walk(state["values"]["root_module"])}
    body = json.loads(res["aws_cloudwatch_dashboard.this"]["dashboard_body"])
    widgets = body["widgets"]
    titles = [w["properties"]["title"] for w in widgets]
    assert titles == [
        "Load balancer: requests and 5xx",
        "Load balancer: p95 response time (s)",
        "App instances: healthy and unhealthy",
        "App instances: CPU (%)",
        "Database: CPU (%) and connections",
        "Database: free memory and storage (bytes)",
        "Cache: engine CPU (%)",
        "Cache: memory used (%)",
        "CloudFront: requests and 5xx rate (%)",
        "NAT gateways: port allocation errors",
    ]
    assert [(w["x"], w["y"]) for w in widgets] == [(12 * (i % 2), 6 * (i // 2)) for i in range(10)]
    regions = {w["properties"]["title"]: w["properties"]["region"] for w in widgets}
    assert regions.pop("CloudFront: requests and 5xx rate (%)") == "us-east-1"
    assert set(regions.values()) == {"us-west-2"}
    nat_ids = [r["id"] for a, r in res.items() if a.startswith("module.vpc.aws_nat_gateway.this[")]
    nat_alarms = [
        r for a, r in res.items() if a.startswith("aws_cloudwatch_metric_alarm.nat_port_allocation[")
    ]
    assert sorted(a["dimensions"]["NatGatewayId"] for a in nat_alarms) == sorted(nat_ids)
    assert {a["alarm_actions"][0].split(":")[3] for a in nat_alarms} == {"us-west-2"}
    assert len(nat_ids) == 3  # high-power: one per AZ
    nat_graph = widgets[-1]["properties"]["metrics"]
    assert sorted(m[3] for m in nat_graph) == sorted(nat_ids)
    cache_graph = widgets[6]["properties"]["metrics"]
    assert [m[3] for m in cache_graph] == [
        "store-prod-cache-001",
        "store-prod-cache-002",
        "store-prod-cache-003",
    ]
    # CloudFront's alarm and its topic are in us-east-1, the rest in the environment's region.
    cdn_alarm = res["module.cloudfront.aws_cloudwatch_metric_alarm.error_rate"]
    assert cdn_alarm["arn"].split(":")[3] == "us-east-1"
    assert [a.split(":")[3] for a in cdn_alarm["alarm_actions"]] == ["us-east-1"]
    assert res["module.monitoring.aws_sns_topic.us_east_1[0]"]["arn"].split(":")[3] == "us-east-1"
    alb_alarm = res["module.alb.aws_cloudwatch_metric_alarm.error_rate"]
    assert alb_alarm["threshold"] == 1  # high-power
    assert [a.split(":")[3] for a in alb_alarm["alarm_actions"]] == ["us-west-2"]
