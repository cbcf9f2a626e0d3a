"""The backup module: AWS Backup into a locked, KMS-encrypted vault, copied to a second region.

Per profile: a high-power environment of a spec with a `backup:` section gets the module
(vault, lock, copy, break-glass-only deletion, failed-job alarms, restore test); a low-power one
keeps RDS's automated backups only. The spec refuses a copy region equal to the app's and a
lock its own plan would not fit, with the key and its line.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    ENVS,
    blocks,
    dynamic,
    one,
    parse,
    render_inline,
    resources,
    skips,
    statements,
    terraform_eval,
    tfvars,
    unquote,
)
from tfgen.catalog import backup as backup_record
from tfgen.errors import SpecError
from tfgen.spec import load_spec

# Environments that get the module: the high-power ones of the specs with a `backup:` section.
VAULT_ENVS = {"reference": ["prod"], "high": ["prod"]}
COPY_REGION = {"reference": "eu-central-1", "high": "us-east-1"}
SPEC_NAME = {"reference": "shop", "high": "store"}


@pytest.fixture(scope="module")
def backup(rendered: dict[str, Path]) -> dict[str, dict[str, Any]]:
    """modules/backup/main.tf of each spec with a vault, parsed."""
    return {n: parse(rendered[n] / "modules" / "backup" / "main.tf") for n in VAULT_ENVS}


def env_uses_backup(tree: Path, env: str) -> bool:
    return "backup" in blocks(parse(tree / "envs" / env / "main.tf"), "module")


@pytest.mark.parametrize("spec", list(ENVS))
def test_only_high_power_environments_of_a_spec_with_a_backup_section_get_the_module(
    spec: str, rendered: dict[str, Path]
) -> None:
    tree = rendered[spec]
    with_vault = {env for env in ENVS[spec] if env_uses_backup(tree, env)}
    assert with_vault == set(VAULT_ENVS.get(spec, []))
    assert (tree / "modules" / "backup").is_dir() is bool(with_vault)
    for env in ENVS[spec]:
        values = tfvars(tree, env)
        assert ("backup" in values) is (env in with_vault)
        if "database" in values:
            # Low-power keeps RDS's automated backups, with the profile's retention.
            days = 30 if ENVS[spec][env] == "high-power" else 7
            assert values["database"]["backup_retention_days"] == days


@pytest.mark.parametrize("spec", list(VAULT_ENVS))
def test_each_vault_has_its_own_rotated_key_and_the_copy_lives_in_the_copy_region(
    spec: str, backup: dict[str, Any]
) -> None:
    doc = backup[spec]
    keys = resources(doc, "aws_kms_key")
    assert set(keys) == {"vault", "copy"}
    for key in keys.values():
        assert key["enable_key_rotation"] is True
        assert key["deletion_window_in_days"] == 30
        # Only the account administers the key (IAM policies grant the backup role its use).
        assert key["policy"] == (
            '${jsonencode({Version = "2012-10-17", Statement = [{Sid = "AccountAdministers", '
            'Effect = "Allow", Principal = {AWS = local.account_root}, Action = "kms:*", Resource = "*"}]})}'
        )
    vaults = resources(doc, "aws_backup_vault")
    assert set(vaults) == {"this", "copy"}
    assert vaults["this"]["kms_key_arn"] == "${aws_kms_key.vault.arn}"
    assert vaults["copy"]["kms_key_arn"] == "${aws_kms_key.copy.arn}"
    assert "force_destroy" not in vaults["this"] and "force_destroy" not in vaults["copy"]
    # Everything of the copy vault is in the second region (provider 6's resource `region`).
    for rtype, name in [
        ("aws_kms_key", "copy"),
        ("aws_kms_alias", "copy"),
        ("aws_backup_vault", "copy"),
        ("aws_backup_vault_lock_configuration", "copy"),
        ("aws_backup_vault_policy", "copy"),
    ]:
        assert resources(doc, rtype)[name]["region"] == "${var.copy_region}", (rtype, name)
    for rtype in ("aws_kms_key", "aws_backup_vault", "aws_backup_vault_lock_configuration"):
        assert "region" not in resources(doc, rtype)["this" if rtype != "aws_kms_key" else "vault"]


@pytest.mark.parametrize("spec", list(VAULT_ENVS))
def test_both_vaults_are_locked_with_the_spec_s_retention_and_mode(spec: str, backup: dict[str, Any]) -> None:
    doc = backup[spec]
    locks = resources(doc, "aws_backup_vault_lock_configuration")
    assert set(locks) == {"this", "copy"}
    for name, lock in locks.items():
        assert lock["backup_vault_name"] == f"${{aws_backup_vault.{name}.name}}"
        assert lock["min_retention_days"] == "${var.lock_min_retention_days}"
        assert lock["max_retention_days"] == "${var.lock_max_retention_days}"
        assert lock["changeable_for_days"] == "${local.lock_changeable}"
    # Governance mode is a lock without changeable_for_days; compliance sets it.
    assert doc["locals"][0]["lock_changeable"] == (
        '${var.lock_mode == "compliance" ? var.lock_changeable_days : null}'
    )


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            "reference",
            {
                "schedule": '"cron(0 5 * * ? *)"',
                "retention_days": 35,
                "copy_region": '"eu-central-1"',
                "copy_vault_arn": None,
                "lock_mode": '"governance"',
                "lock_min_retention_days": 7,
                "lock_max_retention_days": None,
                "lock_changeable_days": 3,
                "break_glass_principals": [],
                "database": True,
                "static_bucket": False,
                "restore_testing": True,
                "restore_test_schedule": '"cron(0 6 ? * SAT *)"',
            },
        ),
        (
            "high",
            {
                "schedule": '"cron(0 5 * * ? *)"',
                "retention_days": 90,
                "copy_region": '"us-east-1"',
                "copy_vault_arn": '"arn:aws:backup:us-east-1:444455556666:backup-vault:store-offsite"',
                "lock_mode": '"compliance"',
                "lock_min_retention_days": 30,
                "lock_max_retention_days": 365,
                "lock_changeable_days": 3,
                "break_glass_principals": ['"arn:aws:iam::111122223333:role/security-admin"'],
                "database": True,
                "static_bucket": True,
                "restore_testing": True,
                "restore_test_schedule": '"cron(0 6 ? * SAT *)"',
            },
        ),
    ],
)
def test_tfvars_carry_the_resolved_backup_settings(
    spec: str, expected: dict[str, Any], rendered: dict[str, Path]
) -> None:
    assert tfvars(rendered[spec], "prod")["backup"] == expected


@pytest.mark.parametrize("spec", list(VAULT_ENVS))
def test_the_plan_keeps_each_point_retention_days_and_copies_it_offsite(
    spec: str, backup: dict[str, Any]
) -> None:
    doc = backup[spec]
    plan = resources(doc, "aws_backup_plan")["this"]
    rule = one(plan, "rule")
    assert rule["target_vault_name"] == "${aws_backup_vault.this.name}"
    assert rule["schedule"] == "${var.schedule}"
    assert one(rule, "lifecycle")["delete_after"] == "${var.retention_days}"
    copy = one(rule, "copy_action")
    assert copy["destination_vault_arn"] == "${aws_backup_vault.copy.arn}"
    assert one(copy, "lifecycle")["delete_after"] == "${var.retention_days}"
    second_account = dynamic(rule, "copy_action")
    assert second_account is not None
    assert second_account["for_each"] == "${var.copy_vault_arn == null ? [] : [var.copy_vault_arn]}"
    (content,) = second_account["content"]
    assert content["destination_vault_arn"] == "${copy_action.value}"
    assert one(content, "lifecycle")["delete_after"] == "${var.retention_days}"
    selection = resources(doc, "aws_backup_selection")["this"]
    assert selection["plan_id"] == "${aws_backup_plan.this.id}"
    assert selection["iam_role_arn"] == "${aws_iam_role.backup.arn}"
    assert selection["resources"] == "${local.protected}"


def test_the_static_bucket_is_selected_only_where_the_spec_asks(backup: dict[str, Any]) -> None:
    protected = {spec: backup[spec]["locals"][0]["protected"] for spec in VAULT_ENVS}
    assert "static_bucket_arn" not in protected["reference"]
    assert "local.database_arn" in protected["reference"]
    assert "var.static_bucket ? var.static_bucket_arn : null" in protected["high"]
    assert "local.database_arn" in protected["high"]


@pytest.mark.parametrize("spec", list(VAULT_ENVS))
def test_only_the_break_glass_role_may_delete_recovery_points(spec: str, backup: dict[str, Any]) -> None:
    doc = backup[spec]
    policies = resources(doc, "aws_backup_vault_policy")
    assert policies["this"]["policy"] == '${data.aws_iam_policy_document.vault["this"].json}'
    assert policies["copy"]["policy"] == '${data.aws_iam_policy_document.vault["copy"].json}'
    deny = statements(doc, "vault")["OnlyBreakGlassDeletesRecoveryPoints"]
    assert unquote(deny["effect"]) == "Deny"
    assert unquote(deny["actions"]) == ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"]
    assert unquote(one(deny, "principals")["identifiers"]) == ["*"]
    condition = one(deny, "condition")
    assert unquote(condition["test"]) == "ArnNotEquals"
    assert unquote(condition["variable"]) == "aws:PrincipalArn"
    assert condition["values"] == ["${aws_iam_role.break_glass.arn}"]
    role = resources(doc, "aws_iam_role")["break_glass"]
    assert role["name"] == '"${var.name}-backup-break-glass"'
    assert role["assume_role_policy"] == (
        '${jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Principal = '
        "{AWS = length(var.break_glass_principals) > 0 ? var.break_glass_principals : [local.account_root]}, "
        'Action = "sts:AssumeRole", Condition = {Bool = {"aws:MultiFactorAuthPresent" = "true"}}}]})}'
    )
    allowed = resources(doc, "aws_iam_role_policy")["break_glass"]["policy"]
    assert '"backup:DeleteRecoveryPoint"' in allowed
    assert "Resource = [aws_backup_vault.this.arn, aws_backup_vault.copy.arn," in allowed


def test_break_glass_role_trusts_the_named_principals_or_the_account_with_a_skip(
    backup: dict[str, Any], rendered: dict[str, Path]
) -> None:
    for spec in VAULT_ENVS:
        role = resources(backup[spec], "aws_iam_role")["break_glass"]
        principal = (
            "length(var.break_glass_principals) > 0 ? var.break_glass_principals : [local.account_root]"
        )
        assert f"Principal = {{AWS = {principal}}}" in role["assume_role_policy"]
    # The reference names nobody: the account is trusted, and the plan scan's CKV_AWS_61 is
    # skipped naming the environment and the key; the high spec names a role: no skip.
    assert skips(resources(backup["reference"], "aws_iam_role")["break_glass"]) == {
        "CKV_AWS_61": "the break-glass role of prod trusts the account, whose IAM policies decide who may "
        "assume it (with MFA); set backup.break_glass_principals to name the roles"
    }
    assert skips(resources(backup["high"], "aws_iam_role")["break_glass"]) == {}
    assert tfvars(rendered["high"], "prod")["backup"]["break_glass_principals"] == [
        '"arn:aws:iam::111122223333:role/security-admin"'
    ]


@pytest.mark.parametrize("spec", list(VAULT_ENVS))
def test_backup_role_is_least_privilege(spec: str, backup: dict[str, Any]) -> None:
    doc = backup[spec]
    role = resources(doc, "aws_iam_role")["backup"]
    assert role["assume_role_policy"] == (
        '${jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Principal = '
        '{Service = "backup.amazonaws.com"}, Action = "sts:AssumeRole", Condition = {StringEquals = '
        '{"aws:SourceAccount" = local.account_id}}}]})}'
    )
    # No AWS managed policy (AWSBackupServiceRolePolicyForBackup allows every resource).
    assert not resources(doc, "aws_iam_role_policy_attachment")
    assert (
        resources(doc, "aws_iam_role_policy")["backup"]["policy"]
        == "${data.aws_iam_policy_document.backup.json}"
    )
    found = statements(doc, "backup")
    expected = {
        "FindResources",
        "VaultKeys",
        "VaultKeyGrants",
        "DatabaseSnapshots",
        "CopyAndExpireSnapshots",
        "RestoreTests",
    }
    if spec == "high":
        expected |= {"StaticBucket", "StaticObjects", "StaticChangeEvents", "StaticMetrics"}
    assert set(found) == expected
    # "*" only for the actions AWS cannot scope to a resource, all of them read-only.
    wildcard = {sid for sid, s in found.items() if s["resources"] == ['"*"']}
    assert wildcard == {"FindResources"} | ({"StaticMetrics"} if spec == "high" else set())
    for sid in wildcard:
        assert all(re.match(r"[a-z]+:(Get|List|Describe)", a) for a in unquote(found[sid]["actions"])), sid
    assert found["VaultKeys"]["resources"] == "${local.kms_keys}"
    grant = one(found["VaultKeyGrants"], "condition")
    assert unquote(grant["variable"]) == "kms:GrantIsForAWSResource"
    assert "db:awsbackup-restore-test-*" in " ".join(found["RestoreTests"]["resources"])
    assert all(":snapshot:awsbackup:*" in r for r in [found["CopyAndExpireSnapshots"]["resources"]])


@pytest.mark.parametrize("spec", list(VAULT_ENVS))
def test_failed_backup_copy_and_restore_jobs_raise_alarms(
    spec: str, backup: dict[str, Any], rendered: dict[str, Path]
) -> None:
    doc = backup[spec]
    alarm = resources(doc, "aws_cloudwatch_metric_alarm")["jobs_failed"]
    assert alarm["for_each"] == "${local.job_alarms}"
    job_alarms = next(block["job_alarms"] for block in doc["locals"] if "job_alarms" in block)
    metrics = {k: v["metric"] for k, v in job_alarms.items()}
    assert {k: unquote(v) for k, v in metrics.items()} == {
        "backup": "NumberOfBackupJobsFailed",
        "copy": "NumberOfCopyJobsFailed",
        "restore": "NumberOfRestoreJobsFailed",
    }
    assert alarm["namespace"] == '"AWS/Backup"'
    assert alarm["dimensions"] == {"BackupVaultName": "${aws_backup_vault.this.name}"}
    assert alarm["comparison_operator"] == '"GreaterThanOrEqualToThreshold"'
    assert alarm["threshold"] == 1
    assert alarm["alarm_actions"] == ["${var.alarm_topic_arn}"]
    for env in VAULT_ENVS[spec]:
        block = blocks(parse(rendered[spec] / "envs" / env / "main.tf"), "module")["backup"]
        assert block["alarm_topic_arn"] == "${module.monitoring.sns_topic_arn}"


@pytest.mark.parametrize("spec", list(VAULT_ENVS))
def test_the_restore_is_rehearsed(spec: str, backup: dict[str, Any]) -> None:
    doc = backup[spec]
    plan = resources(doc, "aws_backup_restore_testing_plan")["this"]
    assert plan["count"] == "${var.database && var.restore_testing ? 1 : 0}"
    assert plan["schedule_expression"] == "${var.restore_test_schedule}"
    points = one(plan, "recovery_point_selection")
    assert points["include_vaults"] == ["${aws_backup_vault.this.arn}"]
    assert unquote(points["algorithm"]) == "LATEST_WITHIN_WINDOW"
    selection = resources(doc, "aws_backup_restore_testing_selection")["database"]
    assert selection["protected_resource_type"] == '"RDS"'
    assert selection["protected_resource_arns"] == ["${local.database_arn}"]
    assert selection["iam_role_arn"] == "${aws_iam_role.backup.arn}"
    overrides = selection["restore_metadata_overrides"]
    assert overrides["dbsubnetgroupname"] == "${var.database_subnet_group_name}"
    assert overrides["vpcsecuritygroupids"] == "${jsonencode([var.database_security_group_id])}"


@pytest.mark.parametrize("spec", list(VAULT_ENVS))
def test_env_root_wires_the_module(spec: str, rendered: dict[str, Path]) -> None:
    tree = rendered[spec]
    declared = blocks(parse(tree / "modules" / "backup" / "variables.tf"), "variable")
    for env in VAULT_ENVS[spec]:
        block = blocks(parse(tree / "envs" / env / "main.tf"), "module")["backup"]
        assert block["database_instance_id"] == "${module.rds.instance_id}"
        assert block["database_kms_key_arn"] == "${module.rds.kms_key_arn}"
        assert block["database_subnet_group_name"] == "${module.vpc.database_subnet_group_name}"
        assert block["database_security_group_id"] == "${module.vpc.database_security_group_id}"
        assert ("static_bucket_arn" in block) is (spec == "high")
        passed = set(block) - {"source", "__is_block__", "__comments__"}
        required = {name for name, body in declared.items() if "default" not in body}
        assert required <= passed
        assert passed == set(declared)


@pytest.mark.parametrize("spec", list(VAULT_ENVS))
def test_outputs_keep_the_contract_names(spec: str, rendered: dict[str, Path]) -> None:
    outputs = blocks(parse(rendered[spec] / "modules" / "backup" / "outputs.tf"), "output")
    assert set(backup_record.MODULE.contract) <= set(outputs)
    assert all(o.get("description") for o in outputs.values())
    env_outputs = blocks(parse(rendered[spec] / "envs" / "prod" / "outputs.tf"), "output")
    assert env_outputs["backup_vault_name"]["value"] == "${module.backup.vault_name}"
    assert env_outputs["backup_break_glass_role_arn"]["value"] == "${module.backup.break_glass_role_arn}"


@pytest.mark.parametrize("spec", list(VAULT_ENVS))
def test_no_secret_in_the_backup_values(spec: str, rendered: dict[str, Path]) -> None:
    values = tfvars(rendered[spec], "prod")["backup"]
    assert not any(word in key for key in values for word in ("password", "secret", "token"))


# --------------------------------------------------------------------------- docs/RESTORE.md


@pytest.mark.parametrize("spec", list(VAULT_ENVS))
def test_names_in_restore_doc_are_the_ones_the_modules_create(
    spec: str, rendered: dict[str, Path], backup: dict[str, Any]
) -> None:
    tree = rendered[spec]
    loaded = load_spec(tree / "tfgen.yaml")
    env = next(e for e in loaded.environments if e.name == "prod")
    names = backup_record.names(loaded, env)
    base = f"{SPEC_NAME[spec]}-prod"
    # The module's expressions, evaluated for name = "<app>-prod".
    local = backup[spec]["locals"][0]
    assert unquote(local["vault_name"]).replace("${var.name}", base) == names["vault"]
    assert unquote(local["copy_vault_name"]).replace("${var.name}", base) == names["copy_vault"]
    iam = resources(backup[spec], "aws_iam_role")
    assert unquote(iam["backup"]["name"]).replace("${var.name}", base) == names["role"]
    assert unquote(iam["break_glass"]["name"]).replace("${var.name}", base) == names["break_glass"]
    rds_locals = parse(tree / "modules" / "rds" / "main.tf")["locals"][0]
    assert unquote(rds_locals["identifier"]).replace("${var.name}", base) == names["database"]
    vpc = resources(parse(tree / "modules" / "vpc" / "main.tf"), "aws_db_subnet_group")["this"]
    assert vpc["name"] == "${var.name}" and names["subnet_group"] == base

    doc = (tree / "docs" / "RESTORE.md").read_text()
    section = doc[doc.index("## prod (high-power)") :]
    for name in ("database", "vault", "copy_vault", "role", "break_glass", "restore_test"):
        assert f"`{names[name]}`" in section, name
    assert f"export AWS_REGION={COPY_REGION[spec]}" in section
    assert f"--backup-vault-name {names['copy_vault']} --by-resource-type RDS" in section
    assert (
        "aws rds restore-db-instance-to-point-in-time \\\n"
        f"  --source-db-instance-identifier {names['database']}" in section
    )
    assert f"terraform import module.rds.aws_db_instance.this {names['database']}" in section
    assert ("### Restore the static bucket" in section) is (spec == "high")


@pytest.mark.slow
def test_restore_test_name_matches_the_module_expression(backup: dict[str, Any], terraform_bin: str) -> None:
    """Restore testing names take only letters, digits and underscores: the module makes one."""
    plan = resources(backup["reference"], "aws_backup_restore_testing_plan")["this"]
    expression = '"' + unquote(plan["name"]).replace("var.name", '"shop-prod"') + '"'
    got = terraform_eval(terraform_bin, expression)
    assert json.loads(got) == "shop_prod_restore_test"
    assert re.fullmatch(r"[A-Za-z0-9_]+", json.loads(got))


def test_low_power_environments_get_point_in_time_restore_only(rendered: dict[str, Path]) -> None:
    doc = (rendered["reference"] / "docs" / "RESTORE.md").read_text()
    dev = doc[doc.index("## dev (low-power)") : doc.index("## staging")]
    assert "--source-db-instance-identifier shop-dev-db" in dev
    assert "backup-vault" not in dev and "Vault Lock" not in dev
    assert "| Automated backups | 7 days, window 03:00-04:00 UTC |" in dev


def test_no_database_and_no_vault_no_restore_doc(rendered: dict[str, Path]) -> None:
    assert not (rendered["minimal"] / "docs" / "RESTORE.md").exists()
    assert "docs/RESTORE.md" not in (rendered["minimal"] / "README.md").read_text()
    assert (rendered["mysql"] / "docs" / "RESTORE.md").is_file()  # a database, no backup section
    assert "[`docs/RESTORE.md`](docs/RESTORE.md)" in (rendered["mysql"] / "README.md").read_text()


# --------------------------------------------------------------------------- the spec

SPEC = """\
name: shop
region: eu-west-1
load_balancer:
  certificate_arn: arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978
database:
  engine: postgres
static: {}
backup:
  copy_region: eu-central-1
environments:
  dev:
    profile: low-power
  prod:
    profile: high-power
"""


def problems(tmp_path: Path, text: str) -> list[str]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "app.yaml"
    path.write_text(textwrap.dedent(text))
    with pytest.raises(SpecError) as info:
        load_spec(path)
    return [line.replace(f"{tmp_path}/", "") for line in info.value.lines()]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_copy_region_equal_to_the_app_region_is_refused(tmp_path: Path) -> None:
    text = SPEC.replace("copy_region: eu-central-1", "copy_region: eu-west-1")
    assert problems(tmp_path, text) == [
        f"app.yaml:{line_of(text, 'copy_region')}: backup.copy_region: must differ from the spec's "
        "region eu-west-1: a copy in the same region shares its outage"
    ]


def test_a_copy_region_equal_to_the_app_region_in_one_environment_is_refused(tmp_path: Path) -> None:
    text = SPEC.replace(
        "    profile: high-power\n", "    profile: high-power\n    backup:\n      copy_region: eu-west-1\n"
    )
    assert problems(tmp_path, text) == [
        f"app.yaml:{line_of(text, 'copy_region: eu-west-1')}: environments.prod.backup.copy_region: must "
        "differ from the spec's region eu-west-1: a copy in the same region shares its outage "
        "(environment prod, profile high-power)"
    ]


def test_a_lock_the_plan_does_not_fit_is_refused(tmp_path: Path) -> None:
    text = SPEC.replace(
        "  copy_region: eu-central-1\n",
        "  copy_region: eu-central-1\n  retention_days: 14\n"
        "  lock_min_retention_days: 30\n  lock_max_retention_days: 10\n",
    )
    assert problems(tmp_path, text) == [
        f"app.yaml:{line_of(text, 'lock_min_retention_days')}: backup.lock_min_retention_days: longer than "
        "backup.retention_days (14): the locked vault would refuse every recovery point the plan makes",
        f"app.yaml:{line_of(text, 'lock_max_retention_days')}: backup.lock_max_retention_days: shorter than "
        "backup.retention_days (14): the locked vault would refuse every recovery point the plan makes",
    ]


def test_a_vault_needs_a_copy_region_and_something_to_back_up(tmp_path: Path) -> None:
    text = SPEC.replace("  copy_region: eu-central-1\n", "  static_bucket: true\n").replace(
        "static: {}", "static:\n  versioning: false"
    )
    assert problems(tmp_path, text) == [
        f"app.yaml:{line_of(text, 'backup:')}: backup.copy_region: the vault's copies go to a second "
        "region: set backup.copy_region (e.g. us-east-1)",
        f"app.yaml:{line_of(text, 'static_bucket: true')}: backup.static_bucket: AWS Backup backs up S3 "
        "buckets only with versioning on: set static.versioning: true",
    ]


def test_a_low_power_environment_needs_no_copy_region(tmp_path: Path) -> None:
    text = SPEC.replace("  copy_region: eu-central-1\n", "  retention_days: 14\n").replace(
        "  prod:\n    profile: high-power\n", ""
    )
    spec = load_spec_text(tmp_path, text)
    (dev,) = spec.environments
    assert dev.backup is not None and dev.backup_vault is None


def test_the_profile_decides_the_vault_and_an_environment_may_override_it(tmp_path: Path) -> None:
    text = SPEC.replace(
        "    profile: low-power\n", "    profile: low-power\n    backup:\n      vault: true\n"
    )
    tree = render_inline(tmp_path, textwrap.dedent(text))
    assert env_uses_backup(tree, "dev") and env_uses_backup(tree, "prod")
    # A profile key cannot be set in the base spec, where the profile would silently win.
    refused = SPEC.replace("backup:\n", "backup:\n  vault: true\n")
    (problem,) = problems(tmp_path / "refused", refused)
    assert problem.startswith(
        f"app.yaml:{line_of(refused, 'vault: true')}: backup.vault: is chosen by each environment"
    )


def load_spec_text(tmp_path: Path, text: str) -> Any:
    path = tmp_path / "app.yaml"
    path.write_text(textwrap.dedent(text))
    return load_spec(path)
