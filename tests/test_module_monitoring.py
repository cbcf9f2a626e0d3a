"""The monitoring module: an alarm topic encrypted with a key CloudWatch may use, a topic policy
letting this account's alarms publish, the email subscription and the monthly cost budget."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from helpers import blocks, parse, statements, tfvars, unquote


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
