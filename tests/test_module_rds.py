"""The rds module: private, encrypted, TLS-only, password kept by RDS, HA and protection per profile."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from helpers import blocks, parse, resources, skips, terraform_eval, tfvars, unquote

# Environments of each test spec that has a database, and the profile each one uses.
DB_ENVS = {
    "reference": {"dev": "low-power", "staging": "low-power", "prod": "high-power"},
    "low": {"dev": "low-power", "test": "low-power"},
    "high": {"prod": "high-power"},
    "mysql": {"staging": "low-power", "prod": "high-power"},
}
ENGINE = {"reference": "postgres", "low": "postgres", "high": "postgres", "mysql": "mysql"}
ENV_PARAMS = [(spec, env, profile) for spec, envs in DB_ENVS.items() for env, profile in envs.items()]
# The DatabaseConnections alarm's threshold: a share of the instance class's max_connections.
CONNECTIONS_THRESHOLD = {
    ("reference", "dev"): 80,  # db.t4g.micro
    ("reference", "staging"): 161,  # db.t4g.small
    ("reference", "prod"): 1297,  # db.r7g.large
    ("low", "dev"): 80,
    ("low", "test"): 80,
    ("high", "prod"): 1297,
    ("mysql", "staging"): 60,  # db.t4g.micro, MySQL
    ("mysql", "prod"): 60,
}


@pytest.fixture(scope="module")
def rds(rendered: dict[str, Path]) -> dict[str, dict[str, Any]]:
    """modules/rds/main.tf of each spec with a database, parsed."""
    return {name: parse(rendered[name] / "modules" / "rds" / "main.tf") for name in DB_ENVS}


# --------------------------------------------------------------------------- presence


def test_no_database_no_rds(rendered: dict[str, Path]) -> None:
    tree = rendered["minimal"]
    assert not (tree / "modules" / "rds").exists()
    main = parse(tree / "envs" / "dev" / "main.tf")
    assert "rds" not in blocks(main, "module")
    assert "database" not in tfvars(tree, "dev")
    assert "database" not in blocks(parse(tree / "envs" / "dev" / "variables.tf"), "variable")


# --------------------------------------------------------------------------- primary


@pytest.mark.parametrize("spec", list(DB_ENVS))
def test_primary_is_private_encrypted_and_its_password_managed_by_rds(spec: str, rds: dict[str, Any]) -> None:
    db = resources(rds[spec], "aws_db_instance")["this"]
    assert db["engine"] == f'"{ENGINE[spec]}"'
    assert db["port"] == (5432 if ENGINE[spec] == "postgres" else 3306)
    assert db["engine_version"] == "${var.engine_version}"
    assert db["instance_class"] == "${var.instance_class}"
    # Network: the database subnet group and security group only, never public.
    assert db["db_subnet_group_name"] == "${var.db_subnet_group_name}"
    assert db["vpc_security_group_ids"] == ["${var.security_group_id}"]
    assert db["publicly_accessible"] is False
    # Secrets: RDS generates and keeps the password, encrypted with the module's key.
    assert db["manage_master_user_password"] is True
    assert db["master_user_secret_kms_key_id"] == "${aws_kms_key.this.arn}"
    assert not {"password", "password_wo"} & set(db)
    assert db["iam_database_authentication_enabled"] is True
    # Storage: gp3, autoscaling, encrypted with the customer-managed key.
    assert db["storage_type"] == '"gp3"'
    assert db["allocated_storage"] == "${var.allocated_storage}"
    assert db["max_allocated_storage"] == "${var.max_allocated_storage}"
    assert db["storage_encrypted"] is True
    assert db["kms_key_id"] == "${aws_kms_key.this.arn}"
    assert db["parameter_group_name"] == "${aws_db_parameter_group.this.name}"
    assert db["ca_cert_identifier"] == '"rds-ca-rsa2048-g1"'


@pytest.mark.parametrize("spec", list(DB_ENVS))
def test_primary_ha_backups_and_protection_come_from_the_profile(spec: str, rds: dict[str, Any]) -> None:
    db = resources(rds[spec], "aws_db_instance")["this"]
    assert db["multi_az"] == "${var.multi_az}"
    assert db["deletion_protection"] == "${var.deletion_protection}"
    assert db["skip_final_snapshot"] == "${var.skip_final_snapshot}"
    assert db["backup_retention_period"] == "${var.backup_retention_days}"
    assert db["backup_window"] == "${var.backup_window}"
    assert db["maintenance_window"] == "${var.maintenance_window}"
    assert db["copy_tags_to_snapshot"] is True
    assert db["auto_minor_version_upgrade"] is True
    # A stable prefix; the creation timestamp is frozen by ignore_changes.
    assert db["final_snapshot_identifier"].startswith('"${local.identifier}-final-')
    assert db["lifecycle"][0]["ignore_changes"] == ["final_snapshot_identifier"]


@pytest.mark.parametrize("spec", list(DB_ENVS))
def test_primary_is_monitored(spec: str, rds: dict[str, Any]) -> None:
    doc = rds[spec]
    db = resources(doc, "aws_db_instance")["this"]
    assert db["monitoring_interval"] == 60
    assert db["monitoring_role_arn"] == "${aws_iam_role.monitoring.arn}"
    assert db["performance_insights_enabled"] == "${var.performance_insights}"
    assert db["performance_insights_kms_key_id"] == (
        "${var.performance_insights ? aws_kms_key.this.arn : null}"
    )
    assert db["performance_insights_retention_period"] == "${var.performance_insights ? 7 : null}"
    assert db["enabled_cloudwatch_logs_exports"] == "${local.log_exports}"
    exports = [unquote(x) for x in doc["locals"][0]["log_exports"]]
    if ENGINE[spec] == "postgres":
        assert exports == ["postgresql", "upgrade"]
    else:
        assert exports == ["error", "general", "slowquery"]

    role = resources(doc, "aws_iam_role")["monitoring"]
    assert "monitoring.rds.amazonaws.com" in role["assume_role_policy"]
    attachment = resources(doc, "aws_iam_role_policy_attachment")["monitoring"]
    assert attachment["policy_arn"].endswith(':iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"')

    # The exported logs land in log groups created first, encrypted, with a retention.
    groups = resources(doc, "aws_cloudwatch_log_group")["this"]
    assert groups["kms_key_id"] == "${aws_kms_key.this.arn}"
    assert groups["retention_in_days"] == "${var.log_retention_days}"
    assert "${aws_cloudwatch_log_group.this}" in db["depends_on"]


@pytest.mark.parametrize("spec", list(DB_ENVS))
def test_kms_key_rotates_and_has_a_policy(spec: str, rds: dict[str, Any]) -> None:
    key = resources(rds[spec], "aws_kms_key")["this"]
    assert key["enable_key_rotation"] is True
    assert key["deletion_window_in_days"] == 30
    assert "AccountAdministers" in key["policy"]
    assert "logs.${data.aws_region.current.region}.amazonaws.com" in key["policy"]
    # Only this database's log groups may use the key through CloudWatch Logs.
    assert "log-group:/aws/rds/instance/${local.identifier}*" in key["policy"]


# --------------------------------------------------------------------------- parameter group


@pytest.mark.parametrize("spec", list(DB_ENVS))
def test_parameter_group_requires_tls_and_logs_queries(spec: str, rds: dict[str, Any]) -> None:
    group = resources(rds[spec], "aws_db_parameter_group")["this"]
    params = {unquote(p["name"]): unquote(p["value"]) for p in group["parameter"]}
    assert group["family"] == "${local.family}"
    assert group["lifecycle"][0]["create_before_destroy"] is True
    if ENGINE[spec] == "postgres":
        assert params["rds.force_ssl"] == "1"
        assert params["log_statement"] == "ddl"
        assert params["log_min_duration_statement"] == "1000"  # ms
        assert "require_secure_transport" not in params
    else:
        assert params["require_secure_transport"] == "1"
        assert params["slow_query_log"] == "1"
        assert params["log_output"] == "FILE"
        assert "rds.force_ssl" not in params


@pytest.mark.parametrize("spec", sorted(DB_ENVS))
def test_minor_versions_are_rds_s_and_major_upgrades_only_on_request(
    spec: str, rds: dict[str, Any], rendered: dict[str, Path]
) -> None:
    doc = rds[spec]
    primary = resources(doc, "aws_db_instance")["this"]
    assert primary["auto_minor_version_upgrade"] is True
    assert primary["allow_major_version_upgrade"] == "${var.allow_major_version_upgrade}"
    assert primary["engine_version"] == "${var.engine_version}"
    assert "engine_version" not in resources(doc, "aws_db_instance")["replica"]  # follows its source
    for env in DB_ENVS[spec]:
        db = tfvars(rendered[spec], env)["database"]
        assert db["allow_major_version_upgrade"] is False, (spec, env)
        # A major version only: postgres "17", mysql "8.4".
        assert re.fullmatch(r'"[0-9]+"' if spec != "mysql" else r'"[0-9]+\.[0-9]+"', db["engine_version"])
        call = blocks(parse(rendered[spec] / "envs" / env / "main.tf"), "module")["rds"]
        assert call["allow_major_version_upgrade"] == "${var.database.allow_major_version_upgrade}"


@pytest.mark.parametrize("spec", sorted(DB_ENVS))
def test_alarms_cover_memory_storage_cpu_lag_and_events_go_to_the_topic(
    spec: str, rds: dict[str, Any], rendered: dict[str, Path]
) -> None:
    alarms = resources(rds[spec], "aws_cloudwatch_metric_alarm")
    assert {name: unquote(a["metric_name"]) for name, a in alarms.items()} == {
        "cpu": "CPUUtilization",
        "freeable_memory": "FreeableMemory",
        "free_storage": "FreeStorageSpace",
        "connections": "DatabaseConnections",
        "replica_lag": "ReplicaLag",
    }
    assert alarms["replica_lag"]["count"] == "${var.read_replicas}"
    assert alarms["freeable_memory"]["threshold"] == "${var.memory_alarm_threshold}"
    assert unquote(alarms["freeable_memory"]["comparison_operator"]) == "LessThanThreshold"
    for alarm in alarms.values():
        assert alarm["alarm_actions"] == ["${var.alarm_topic_arn}"]
    events = resources(rds[spec], "aws_db_event_subscription")["this"]
    assert events["sns_topic"] == "${var.alarm_topic_arn}"
    assert unquote(events["source_type"]) == "db-instance"
    assert (
        events["source_ids"]
        == "${concat([aws_db_instance.this.identifier], aws_db_instance.replica[*].identifier)}"
    )
    assert {"availability", "failover", "failure", "low storage"} <= set(unquote(events["event_categories"]))
    # 10% of the class's memory: db.t4g.micro 1 GiB, db.r7g.large 16 GiB, db.t3.small (mysql) 2 GiB.
    classes = {"db.t4g.micro": 1, "db.t4g.small": 2, "db.r7g.large": 16, "db.t3.medium": 4, "db.m7g.large": 8}
    from tfgen.spec import load_spec

    for env in load_spec(rendered[spec] / "app.yaml").environments:
        db = tfvars(rendered[spec], env.name)["database"]
        gib = classes.get(env.database.instance_class)
        if gib is not None:
            assert db["memory_alarm_threshold"] == int(gib * 1073741824 * 0.1), (spec, env.name)


@pytest.mark.parametrize("spec", sorted(DB_ENVS))
def test_iam_auth_grants_connect_as_the_named_user_on_every_instance(
    spec: str, rds: dict[str, Any], rendered: dict[str, Path]
) -> None:
    primary = resources(rds[spec], "aws_db_instance")["this"]
    replica = resources(rds[spec], "aws_db_instance")["replica"]
    assert primary["iam_database_authentication_enabled"] is True
    assert replica["iam_database_authentication_enabled"] is True
    outputs = blocks(parse(rendered[spec] / "modules" / "rds" / "outputs.tf"), "output")
    value = outputs["iam_connect_arns"]["value"]
    assert "concat([aws_db_instance.this.resource_id], aws_db_instance.replica[*].resource_id)" in value
    assert ":rds-db:${data.aws_region.current.region}:" in value and ":dbuser:${id}/${var.iam_user}" in value
    for env in DB_ENVS[spec]:
        assert tfvars(rendered[spec], env)["database"]["iam_user"] == '"app"'
        call = blocks(parse(rendered[spec] / "envs" / env / "main.tf"), "module")
        assert call["rds"]["iam_user"] == "${var.database.iam_user}"
        assert call["asg"]["db_connect_arns"] == "${module.rds.iam_connect_arns}"
        assert (
            "DB_IAM_USER   = var.database.iam_user" in (rendered[spec] / "envs" / env / "main.tf").read_text()
        )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("spec", "version", "family"),
    [
        ("reference", "17", "postgres17"),
        ("high", "16", "postgres16"),
        ("mysql", "8.4", "mysql8.4"),
        ("mysql", "8.0.40", "mysql8.0"),
    ],
)
def test_parameter_group_family_follows_the_engine_version(
    spec: str, version: str, family: str, rds: dict[str, Any], terraform_bin: str
) -> None:
    expression = rds[spec]["locals"][0]["family"].replace("var.engine_version", f'"{version}"')
    assert terraform_eval(terraform_bin, expression) == f'"{family}"'


# --------------------------------------------------------------------------- replicas


@pytest.mark.parametrize("spec", list(DB_ENVS))
def test_read_replicas_copy_the_primary(spec: str, rds: dict[str, Any]) -> None:
    replica = resources(rds[spec], "aws_db_instance")["replica"]
    assert replica["count"] == "${var.read_replicas}"
    # The source's ARN lets a same-region replica name the DB subnet group explicitly.
    assert replica["replicate_source_db"] == "${aws_db_instance.this.arn}"
    assert replica["instance_class"] == "${var.instance_class}"
    assert replica["db_subnet_group_name"] == "${var.db_subnet_group_name}"
    assert replica["vpc_security_group_ids"] == ["${var.security_group_id}"]
    assert replica["parameter_group_name"] == "${aws_db_parameter_group.this.name}"
    assert replica["publicly_accessible"] is False
    assert replica["storage_encrypted"] is True
    assert replica["kms_key_id"] == "${aws_kms_key.this.arn}"
    assert replica["iam_database_authentication_enabled"] is True
    assert replica["deletion_protection"] == "${var.deletion_protection}"
    assert replica["monitoring_interval"] == 60
    # What RDS refuses on a replica: credentials, a database name, a final snapshot.
    assert not {"username", "db_name", "manage_master_user_password", "password"} & set(replica)
    assert replica["skip_final_snapshot"] is True
    assert "final_snapshot_identifier" not in replica


# --------------------------------------------------------------------------- alarms


@pytest.mark.parametrize("spec", list(DB_ENVS))
def test_alarms_notify_the_alarm_topic(spec: str, rds: dict[str, Any]) -> None:
    alarms = resources(rds[spec], "aws_cloudwatch_metric_alarm")
    metrics = {unquote(a["metric_name"]) for a in alarms.values()}
    assert metrics == {
        "CPUUtilization",
        "FreeableMemory",
        "FreeStorageSpace",
        "DatabaseConnections",
        "ReplicaLag",
    }
    for name, alarm in alarms.items():
        assert alarm["namespace"] == '"AWS/RDS"', name
        assert alarm["alarm_actions"] == ["${var.alarm_topic_arn}"], name
        assert alarm["ok_actions"] == ["${var.alarm_topic_arn}"], name
    assert alarms["replica_lag"]["count"] == "${var.read_replicas}"
    assert alarms["free_storage"]["comparison_operator"] == '"LessThanThreshold"'


# --------------------------------------------------------------------------- environments


@pytest.mark.parametrize(("spec", "env", "profile"), ENV_PARAMS)
def test_tfvars_carry_the_profile(spec: str, env: str, profile: str, rendered: dict[str, Path]) -> None:
    db = tfvars(rendered[spec], env)["database"]
    if profile == "high-power":
        assert db["multi_az"] is True
        assert db["read_replicas"] >= 1  # the profile's rule; counts: test_tfvars_values
        assert db["deletion_protection"] is True
        assert db["skip_final_snapshot"] is False
        assert db["backup_retention_days"] == 30
    else:
        assert db["multi_az"] is False
        assert db["read_replicas"] == 0
        assert db["deletion_protection"] is False
        assert db["skip_final_snapshot"] is True
        assert db["backup_retention_days"] == 7
    assert db["connections_alarm_threshold"] == CONNECTIONS_THRESHOLD[(spec, env)]
    assert not any("password" in key or "secret" in key for key in db)


@pytest.mark.parametrize(
    ("spec", "env", "expected"),
    [
        (
            "reference",
            "dev",
            {"engine_version": '"17"', "instance_class": '"db.t4g.micro"', "performance_insights": True},
        ),
        (
            "reference",
            "prod",
            {"instance_class": '"db.r7g.large"', "read_replicas": 1, "max_allocated_storage": 200},
        ),
        ("low", "dev", {"engine_version": '"17"'}),
        ("high", "prod", {"engine_version": '"16"', "read_replicas": 2, "allocated_storage": 100}),
        # RDS for MySQL has no Performance Insights on micro/small classes.
        ("mysql", "prod", {"engine_version": '"8.4"', "performance_insights": False, "read_replicas": 1}),
    ],
)
def test_tfvars_values(spec: str, env: str, expected: dict[str, Any], rendered: dict[str, Path]) -> None:
    db = tfvars(rendered[spec], env)["database"]
    assert {k: db[k] for k in expected} == expected


@pytest.mark.parametrize("spec", list(DB_ENVS))
def test_env_root_wires_the_module(spec: str, rendered: dict[str, Path]) -> None:
    tree = rendered[spec]
    declared = blocks(parse(tree / "modules" / "rds" / "variables.tf"), "variable")
    for env in DB_ENVS[spec]:
        block = blocks(parse(tree / "envs" / env / "main.tf"), "module")["rds"]
        assert block["source"] == '"../../modules/rds"'
        assert block["db_subnet_group_name"] == "${module.vpc.database_subnet_group_name}"
        assert block["security_group_id"] == "${module.vpc.database_security_group_id}"
        assert block["alarm_topic_arn"] == "${module.monitoring.sns_topic_arn}"
        assert block["multi_az"] == "${var.database.multi_az}"
        assert block["read_replicas"] == "${var.database.read_replicas}"
        assert block["deletion_protection"] == "${var.database.deletion_protection}"
        passed = set(block) - {"source", "__is_block__", "__comments__"}
        required = {name for name, body in declared.items() if "default" not in body}
        assert required <= passed, required - passed
        assert passed <= set(declared), passed - set(declared)
        assert passed == set(declared)  # every input is wired, none left to its default
        # Every key of the database object is declared and set.
        variable = blocks(parse(tree / "envs" / env / "variables.tf"), "variable")["database"]
        assert set(tfvars(tree, env)["database"]) == set(re.findall(r"(\w+)\s*=", variable["type"]))


@pytest.mark.parametrize("spec", list(DB_ENVS))
def test_outputs_keep_the_contract_names(spec: str, rendered: dict[str, Path]) -> None:
    outputs = blocks(parse(rendered[spec] / "modules" / "rds" / "outputs.tf"), "output")
    assert set(outputs) == {
        "endpoint",
        "port",
        "master_user_secret_arn",
        "replica_endpoints",
        "instance_id",
        "iam_connect_arns",
        "db_name",
        "kms_key_arn",
        "parameter_group_name",
    }
    assert outputs["endpoint"]["value"] == "${aws_db_instance.this.address}"
    assert outputs["master_user_secret_arn"]["value"] == (
        "${aws_db_instance.this.master_user_secret[0].secret_arn}"
    )
    assert all(o.get("description") for o in outputs.values())


@pytest.mark.parametrize("spec", list(DB_ENVS))
def test_no_password_anywhere(spec: str, rendered: dict[str, Path]) -> None:
    tree = rendered[spec]
    for path in [*(tree / "modules" / "rds").glob("*.tf"), *(tree / "envs").rglob("*.tf*")]:
        text = path.read_text()
        assert not re.search(r"^\s*(master_)?password(_wo)?\s*=", text, re.M), path


def test_every_skip_has_a_profile_or_engine_reason(rds: dict[str, Any]) -> None:
    instances = resources(rds["reference"], "aws_db_instance")
    assert set(skips(instances["this"])) == {"CKV_AWS_157", "CKV_AWS_293"}
    assert set(skips(instances["replica"])) == {"CKV_AWS_157", "CKV_AWS_133", "CKV_AWS_293"}
    mysql = resources(rds["mysql"], "aws_db_instance")
    # MySQL adds CKV_AWS_353: no Performance Insights on the small classes low-power uses.
    assert set(skips(mysql["this"])) == {"CKV_AWS_157", "CKV_AWS_293", "CKV_AWS_353"}
    assert set(skips(mysql["replica"])) == {"CKV_AWS_157", "CKV_AWS_133", "CKV_AWS_293", "CKV_AWS_353"}
    for body in [*instances.values(), *mysql.values()]:
        for check, reason in skips(body).items():
            assert len(reason) > 40, check
