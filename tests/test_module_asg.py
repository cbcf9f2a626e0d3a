"""The asg module: hardened launch template, least-privilege role, boot script, scaling per profile."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from helpers import ENVS, SPECS, blocks, one, parse, resources, tfvars, unquote
from tfgen.render import TEMPLATES

HEAD = (TEMPLATES / "modules" / "asg" / "user_data_head.sh").read_text()
TAIL = (TEMPLATES / "modules" / "asg" / "user_data_tail.sh").read_text()


@pytest.fixture(scope="module")
def asg_main(rendered: dict[str, Path]) -> dict[str, dict[str, Any]]:
    return {name: parse(root / "modules" / "asg" / "main.tf") for name, root in rendered.items()}


@pytest.mark.parametrize("spec", list(ENVS))
def test_launch_template_is_hardened(spec: str, asg_main: dict[str, Any]) -> None:
    lt = resources(asg_main[spec], "aws_launch_template")["this"]
    meta = one(lt, "metadata_options")
    assert meta["http_tokens"] == '"required"'
    assert meta["http_put_response_hop_limit"] == 1
    assert meta["http_endpoint"] == '"enabled"'
    nic = one(lt, "network_interfaces")
    assert nic["associate_public_ip_address"] is False
    assert nic["security_groups"] == ["${var.security_group_id}"]
    assert "key_name" not in lt
    assert "vpc_security_group_ids" not in lt  # security groups go on the interface
    root = one(lt, "block_device_mappings")
    assert root["device_name"] == "${data.aws_ami.this.root_device_name}"
    ebs = one(root, "ebs")
    assert ebs["encrypted"] is True
    assert ebs["volume_type"] == '"gp3"'
    assert lt["image_id"] == "${local.image_id}"
    assert one(lt, "iam_instance_profile")["arn"] == "${aws_iam_instance_profile.this.arn}"
    assert 'templatefile("${path.module}/user_data.sh.tftpl"' in lt["user_data"]


@pytest.mark.parametrize("spec", list(ENVS))
def test_ami_ids_pass_through_and_ssm_names_resolve_at_plan_time(spec: str, asg_main: dict[str, Any]) -> None:
    locals_ = {k: v for block in asg_main[spec]["locals"] for k, v in block.items()}
    assert locals_["ami_from_ssm"] == '${startswith(var.ami, "/")}'
    # Resolved by Terraform, not by EC2 at launch: a new AMI is a plan change of the template.
    assert (
        locals_["image_id"]
        == "${local.ami_from_ssm ? data.aws_ssm_parameter.ami[0].insecure_value : var.ami}"
    )
    data = {
        k.strip('"'): v
        for block in asg_main[spec]["data"]
        for k, v in block.items()
        if k.strip('"') == "aws_ssm_parameter"
    }
    assert data["aws_ssm_parameter"]['"ami"'] == {
        "count": "${local.ami_from_ssm ? 1 : 0}",
        "name": "${var.ami}",
        "__is_block__": True,
    }
    lt = resources(asg_main[spec], "aws_launch_template")["this"]
    assert lt["image_id"] == "${local.image_id}"
    group = resources(asg_main[spec], "aws_autoscaling_group")["this"]
    assert one(group, "launch_template")["version"] == "${aws_launch_template.this.latest_version}"
    assert one(group, "instance_refresh")["strategy"] == '"Rolling"'


def test_tfvars_keep_the_spec_ami(rendered: dict[str, Path]) -> None:
    low = tfvars(rendered["low"], "dev")["app"]
    assert low["ami"] == '"ami-0123456789abcdef0"'
    high = tfvars(rendered["high"], "prod")["app"]
    assert high["ami"] == '"/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"'


@pytest.mark.parametrize("spec", list(ENVS))
def test_the_ami_lookup_names_its_owners(spec: str, asg_main: dict[str, Any]) -> None:
    """trivy AWS-0344: an AMI lookup without owners would take an image of anyone."""
    assert blocks(asg_main[spec], "data", "aws_ami")["this"]["owners"] == "${var.ami_owners}"


def test_tfvars_name_the_ami_owners_from_the_ami(rendered: dict[str, Path]) -> None:
    assert tfvars(rendered["low"], "dev")["app"]["ami_owners"] == ['"self"', '"amazon"']  # an AMI id
    assert tfvars(rendered["high"], "prod")["app"]["ami_owners"] == ['"amazon"']  # Amazon's parameter


@pytest.mark.parametrize(
    ("ami", "owners"),
    [
        ("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64", ["amazon"]),
        ("/aws/service/bottlerocket/aws-ecs-2/x86_64/latest/image_id", ["amazon"]),
        (
            "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id",
            ["099720109477"],
        ),
        ("/aws/service/debian/release/12/latest/amd64", ["136693071363"]),
        ("/shop/golden-ami", ["self"]),
        ("ami-0123456789abcdef0", ["self", "amazon"]),
    ],
)
def test_default_ami_owners_follow_the_publisher(ami: str, owners: list[str]) -> None:
    from tfgen.catalog.asg import default_ami_owners

    assert default_ami_owners(ami) == owners


def test_the_spec_can_name_the_ami_owners(tmp_path: Path) -> None:
    from helpers import render_inline

    text = (SPECS / "minimal.yaml").read_text() + "app:\n  ami_owners: ['679593333241']\n"
    out = render_inline(tmp_path, text)
    assert tfvars(out, "dev")["app"]["ami_owners"] == ['"679593333241"']


@pytest.mark.parametrize("spec", list(ENVS))
def test_instance_role_is_least_privilege(spec: str, asg_main: dict[str, Any]) -> None:
    doc = asg_main[spec]
    attach = resources(doc, "aws_iam_role_policy_attachment")["this"]
    assert "AmazonSSMManagedInstanceCore" in attach["for_each"]
    assert "var.iam_policy_arns" in attach["for_each"]
    assert not re.search(r"AdministratorAccess|PowerUserAccess|SecretsManagerReadWrite", attach["for_each"])
    policies: dict[str, dict[str, Any]] = {}
    for block in doc["data"]:
        for k, v in block.items():
            policies.setdefault(k.strip('"'), {}).update(v)
    secrets = policies["aws_iam_policy_document"]['"secrets"']
    assert secrets["count"] == "${length(var.secret_arns) > 0 ? 1 : 0}"
    read, decrypt = secrets["statement"]
    assert read["actions"] == ['"secretsmanager:GetSecretValue"', '"secretsmanager:DescribeSecret"']
    assert read["resources"] == "${var.secret_arns}"
    assert decrypt["actions"] == ['"kms:Decrypt"']
    conditions = {c["variable"].strip('"'): c["values"] for c in decrypt["condition"]}
    assert conditions["kms:EncryptionContext:SecretARN"] == "${var.secret_arns}"
    assert "kms:ViaService" in conditions
    inline = resources(doc, "aws_iam_role_policy")["secrets"]
    assert inline["count"] == "${length(var.secret_arns) > 0 ? 1 : 0}"


@pytest.mark.parametrize("spec", list(ENVS))
def test_app_role_reads_and_writes_the_static_bucket_with_its_key(
    spec: str, asg_main: dict[str, Any], rendered: dict[str, Path]
) -> None:
    doc = asg_main[spec]
    policies: dict[str, dict[str, Any]] = {}
    for block in doc["data"]:
        for k, v in block.items():
            policies.setdefault(k.strip('"'), {}).update(v)
    static = policies["aws_iam_policy_document"]['"static"']
    assert static["count"] == "${length(var.static_buckets) > 0 ? 1 : 0}"
    by_sid = {st["sid"].strip('"'): st for st in static["statement"]}
    assert set(by_sid) == {"ListStaticBucket", "ReadWriteStaticObjects", "UseStaticKey"}
    assert by_sid["ListStaticBucket"]["actions"] == ['"s3:ListBucket"']
    assert by_sid["ListStaticBucket"]["resources"] == "${[for b in var.static_buckets : b.arn]}"
    assert by_sid["ReadWriteStaticObjects"]["actions"] == [
        '"s3:GetObject"',
        '"s3:PutObject"',
        '"s3:DeleteObject"',
    ]
    assert by_sid["ReadWriteStaticObjects"]["resources"] == '${[for b in var.static_buckets : "${b.arn}/*"]}'
    assert by_sid["UseStaticKey"]["actions"] == ['"kms:Decrypt"', '"kms:GenerateDataKey"']
    assert by_sid["UseStaticKey"]["resources"] == "${[for b in var.static_buckets : b.kms_key_arn]}"
    inline = resources(doc, "aws_iam_role_policy")["static"]
    assert inline["count"] == "${length(var.static_buckets) > 0 ? 1 : 0}"
    with_static = {
        "reference": True,
        "minimal": False,
        "low": True,
        "high": True,
        "mysql": True,
        "dns": True,
    }[spec]
    for env in ENVS[spec]:
        block = blocks(parse(rendered[spec] / "envs" / env / "main.tf"), "module")["asg"]
        if with_static:
            assert block["static_buckets"] == [
                {"arn": "${module.s3.static_bucket_arn}", "kms_key_arn": "${module.s3.static_kms_key_arn}"}
            ], (spec, env)
        else:
            assert "static_buckets" not in block, (spec, env)


@pytest.mark.parametrize("spec", list(ENVS))
def test_app_role_may_connect_to_the_database_with_iam_auth_only_when_there_is_one(
    spec: str, asg_main: dict[str, Any], rendered: dict[str, Path]
) -> None:
    doc = asg_main[spec]
    policies: dict[str, dict[str, Any]] = {}
    for block in doc["data"]:
        for k, v in block.items():
            policies.setdefault(k.strip('"'), {}).update(v)
    connect = policies["aws_iam_policy_document"]['"db_connect"']
    assert connect["count"] == "${length(var.db_connect_arns) > 0 ? 1 : 0}"
    (statement,) = connect["statement"]
    assert (statement["actions"], statement["resources"]) == (['"rds-db:connect"'], "${var.db_connect_arns}")
    assert resources(doc, "aws_iam_role_policy")["db_connect"]["count"] == connect["count"]
    for env in ENVS[spec]:
        block = blocks(parse(rendered[spec] / "envs" / env / "main.tf"), "module")["asg"]
        if spec in ("minimal", "dns"):  # no database section
            assert "db_connect_arns" not in block
        else:
            assert block["db_connect_arns"] == "${module.rds.iam_connect_arns}"


@pytest.mark.parametrize("spec", list(ENVS))
def test_group_spreads_behind_the_load_balancer(spec: str, asg_main: dict[str, Any]) -> None:
    doc = asg_main[spec]
    group = resources(doc, "aws_autoscaling_group")["this"]
    assert group["vpc_zone_identifier"] == "${var.subnet_ids}"
    assert group["target_group_arns"] == "${var.target_group_arns}"
    assert group["health_check_type"] == '"ELB"'
    assert group["health_check_grace_period"] == "${var.health_check_grace_period}"
    assert one(group, "launch_template")["version"] == "${aws_launch_template.this.latest_version}"
    refresh = one(group, "instance_refresh")
    assert refresh["strategy"] == '"Rolling"'
    assert one(refresh, "preferences")["min_healthy_percentage"] >= 90
    # Plain tag blocks (scanners cannot read dynamic ones): the HA policy reads Profile here.
    assert "dynamic" not in group
    keys = {block["key"]: block["value"] for block in group["tag"]}
    assert set(keys) == {'"Name"', '"App"', '"Environment"', '"Profile"'}
    assert keys['"Profile"'] == '${lookup(local.instance_tags, "Profile", "")}'
    # Instances and volumes get every tag through the launch template instead.
    template = resources(doc, "aws_launch_template")["this"]
    assert {spec["resource_type"]: spec["tags"] for spec in template["tag_specifications"]} == {
        '"instance"': "${local.instance_tags}",
        '"volume"': "${local.instance_tags}",
        '"network-interface"': "${local.instance_tags}",
    }
    policy = resources(doc, "aws_autoscaling_policy")["cpu"]
    assert policy["policy_type"] == '"TargetTrackingScaling"'
    tracking = one(policy, "target_tracking_configuration")
    assert tracking["target_value"] == "${var.cpu_target}"
    assert (
        one(tracking, "predefined_metric_specification")["predefined_metric_type"]
        == '"ASGAverageCPUUtilization"'
    )
    alarm = resources(doc, "aws_cloudwatch_metric_alarm")["cpu_high"]
    assert alarm["alarm_actions"] == ["${var.alarm_topic_arn}"]
    assert alarm["metric_name"] == '"CPUUtilization"'
    logs = resources(doc, "aws_cloudwatch_log_group")["app"]
    assert logs["kms_key_id"] == "${aws_kms_key.logs.arn}"
    assert logs["retention_in_days"] == "${var.log_retention_days}"
    assert resources(doc, "aws_kms_key")["logs"]["enable_key_rotation"] is True


SIZES = {
    ("reference", "dev"): (1, 1, 2),
    ("reference", "prod"): (3, 3, 12),
    ("minimal", "dev"): (1, 1, 2),
    ("high", "prod"): (3, 3, 9),
    ("mysql", "staging"): (1, 1, 2),
    ("mysql", "prod"): (2, 2, 6),
}


@pytest.mark.parametrize(("spec", "env"), list(SIZES))
def test_group_sizes_follow_the_profile(spec: str, env: str, rendered: dict[str, Path]) -> None:
    app = tfvars(rendered[spec], env)["app"]
    assert (app["min_size"], app["desired_capacity"], app["max_size"]) == SIZES[(spec, env)]
    block = blocks(parse(rendered[spec] / "envs" / env / "main.tf"), "module")["asg"]
    for key in ("min_size", "desired_capacity", "max_size", "cpu_target", "ami"):
        assert block[key] == f"${{var.app.{key}}}"


@pytest.mark.parametrize("spec", list(ENVS))
def test_environment_wires_subnets_groups_and_target_group(spec: str, rendered: dict[str, Path]) -> None:
    for env in ENVS[spec]:
        block = blocks(parse(rendered[spec] / "envs" / env / "main.tf"), "module")["asg"]
        assert block["subnet_ids"] == "${module.vpc.private_subnet_ids}"
        assert block["security_group_id"] == "${module.vpc.app_security_group_id}"
        assert block["target_group_arns"] == ["${module.alb.target_group_arn}"]
        assert block["alarm_topic_arn"] == "${module.monitoring.sns_topic_arn}"
        assert block["tags"] == "${var.tags}"


# (spec, env) -> keys of app_environment, and the secrets the role may read
APP_ENV = {
    ("minimal", "dev"): ({"APP_PORT"}, []),
    ("mysql", "prod"): (
        {
            "APP_PORT",
            "DB_HOST",
            "DB_PORT",
            "DB_NAME",
            "DB_SECRET_ARN",
            "DB_IAM_USER",
            "DB_REPLICA_HOSTS",
            "STATIC_BUCKET",
        },
        ["${module.rds.master_user_secret_arn}"],
    ),
    ("mysql", "staging"): (
        {"APP_PORT", "DB_HOST", "DB_PORT", "DB_NAME", "DB_SECRET_ARN", "DB_IAM_USER", "STATIC_BUCKET"},
        ["${module.rds.master_user_secret_arn}"],
    ),
    ("high", "prod"): (
        {
            "APP_PORT",
            "DB_HOST",
            "DB_PORT",
            "DB_NAME",
            "DB_SECRET_ARN",
            "DB_IAM_USER",
            "DB_REPLICA_HOSTS",
            "CACHE_HOST",
            "CACHE_PORT",
            "CACHE_SECRET_ARN",
            "STATIC_BUCKET",
        },
        ["${module.rds.master_user_secret_arn}", "${module.elasticache.auth_token_secret_arn}"],
    ),
}


@pytest.mark.parametrize(("spec", "env"), list(APP_ENV))
def test_app_environment_has_endpoints_and_secret_arns_only(
    spec: str, env: str, rendered: dict[str, Path]
) -> None:
    block = blocks(parse(rendered[spec] / "envs" / env / "main.tf"), "module")["asg"]
    expr = block["app_environment"]
    if isinstance(expr, dict):  # a plain object when there is nothing to merge
        expr = (
            "{" + ", ".join(f"{k} = {v.removeprefix('${').removesuffix('}')}" for k, v in expr.items()) + "}"
        )
    keys = set(re.findall(r"\b([A-Z][A-Z0-9_]+) =", expr))
    want_keys, want_secrets = APP_ENV[(spec, env)]
    assert keys == want_keys
    # Every value is a reference or a conversion of one: no literal (let alone secret) values.
    values = re.findall(r"[A-Z][A-Z0-9_]+ = ([^,}]+(?:\([^)]*\))?)", expr)
    assert values and all(not v.strip().startswith('"') for v in values), values
    assert block["secret_arns"] == want_secrets
    if "DB_SECRET_ARN" in keys:
        assert "DB_SECRET_ARN = module.rds.master_user_secret_arn" in expr
    assert not re.search(r"(?i)password|auth_token\b", expr)


@pytest.mark.parametrize("spec", list(ENVS))
def test_no_ssh_anywhere(spec: str, rendered: dict[str, Path]) -> None:
    for path in (rendered[spec] / "modules" / "asg").iterdir():
        text = path.read_text()
        assert "key_name" not in text, path
        assert not re.search(r"\b22\b|sshd?\b", text), path


def test_boot_script_is_head_user_script_tail(rendered: dict[str, Path]) -> None:
    boot = (rendered["mysql"] / "modules" / "asg" / "user_data.sh.tftpl").read_text()
    user = (SPECS / "boot.sh").read_text()
    escaped = user.replace("${", "$${")
    assert boot == HEAD + escaped + TAIL
    # the user's script sits inside one quoted heredoc, closed exactly once
    assert boot.count("<<'TFGEN_APP_BOOT_EOF'\n") == 1
    assert boot.count("\nTFGEN_APP_BOOT_EOF\n") == 1
    minimal = (rendered["minimal"] / "modules" / "asg" / "user_data.sh.tftpl").read_text()
    assert minimal == HEAD + "#!/bin/bash\n" + TAIL


AGENT_CONFIG = (
    "${jsonencode({ logs = { logs_collected = { files = { collect_list = [for path in log_files : "
    '{ file_path = path, log_group_name = log_group, log_stream_name = "{instance_id}" }] } } } })}'
)


def test_head_writes_app_env_with_a_template_loop() -> None:
    assert "%{ for key, value in app_environment ~}\n${key}=${value}\n%{ endfor ~}\n" in HEAD
    assert HEAD.rstrip("\n").endswith("<<'TFGEN_APP_BOOT_EOF'")
    assert TAIL.startswith("TFGEN_APP_BOOT_EOF\n")
    # the agent's config is one jsonencode() line inside a quoted heredoc
    assert HEAD.count(f"<<'TFGEN_CWAGENT_EOF'\n{AGENT_CONFIG}\nTFGEN_CWAGENT_EOF\n") == 1
    # the head and tail are templates themselves: no stray interpolation
    rest = HEAD.replace(AGENT_CONFIG, "") + TAIL
    assert set(re.findall(r"(?<!\$)\$\{([^}]*)\}", rest)) == {"key", "value"}


@pytest.mark.parametrize("spec", list(ENVS))
def test_the_agent_ships_the_spec_log_files_to_the_app_log_group(
    spec: str, rendered: dict[str, Path]
) -> None:
    main = parse(rendered[spec] / "modules" / "asg" / "main.tf")
    template = re.sub(r"\s+", " ", blocks(main, "resource", "aws_launch_template")["this"]["user_data"])
    assert "log_group = local.log_group_name" in template
    assert "log_files = var.log_files" in template
    wiring = blocks(parse(rendered[spec] / "envs" / next(iter(ENVS[spec])) / "main.tf"), "module")["asg"]
    assert wiring["log_files"] == "${var.app.log_files}"
    expected = (
        ["/var/log/crm/*.log", "/var/log/crm/audit.json"] if spec == "mysql" else ["/var/log/app/*.log"]
    )
    for env, profile in ENVS[spec].items():  # the same in low-power and high-power environments
        assert unquote(tfvars(rendered[spec], env)["app"]["log_files"]) == expected, (env, profile)


@pytest.mark.slow
def test_boot_script_renders_and_runs(rendered: dict[str, Path], tmp_path: Path, terraform_bin: str) -> None:
    """templatefile() the real template, then run it with its paths moved into tmp_path."""
    (tmp_path / "cfg").mkdir()
    shutil.copy(rendered["mysql"] / "modules" / "asg" / "user_data.sh.tftpl", tmp_path / "cfg")
    expr = (
        'templatefile("user_data.sh.tftpl", { app_environment = { APP_PORT = "8080", '
        'DB_HOST = "db.example.internal", DB_SECRET_ARN = '
        '"arn:aws:secretsmanager:ap-southeast-2:111122223333:secret:rds!db-1" }, '
        'log_group = "/app/crm-prod", log_files = ["/var/log/crm/*.log", "/var/log/crm/audit.json"] })'
    )
    out = subprocess.run(
        [terraform_bin, "console"],
        input=expr,
        capture_output=True,
        text=True,
        cwd=tmp_path / "cfg",
        env={**os.environ, "CHECKPOINT_DISABLE": "1"},
        check=True,
        timeout=60,
    ).stdout
    script = re.sub(r"^<<EOT\n|\nEOT\n?$", "", out)
    script = script.replace("/etc/app.env", str(tmp_path / "app.env"))
    script = script.replace("/usr/local/sbin", str(tmp_path / "sbin"))
    script = script.replace("/var/log/crm-boot.log", str(tmp_path / "boot.log"))
    agent = tmp_path / "opt" / "amazon-cloudwatch-agent"
    script = script.replace("/opt/aws/amazon-cloudwatch-agent", str(agent))
    (tmp_path / "boot.sh").write_text(script)
    # Stand-ins for what cannot run here: dnf (no package repository) "installs" the agent as a
    # control script that records its arguments instead of starting a daemon.
    (tmp_path / "bin").mkdir()
    ctl = agent / "bin" / "amazon-cloudwatch-agent-ctl"
    dnf = tmp_path / "bin" / "dnf"
    dnf.write_text(
        f'#!/bin/bash\necho "$@" >>{tmp_path}/dnf.args\nmkdir -p {ctl.parent}\n'
        f"printf '#!/bin/bash\\necho \"$@\" >>{tmp_path}/ctl.args\\n' >{ctl}\nchmod +x {ctl}\n"
    )
    dnf.chmod(0o755)
    path = f"{tmp_path / 'bin'}:{os.environ['PATH']}"
    subprocess.run(
        ["bash", str(tmp_path / "boot.sh")], check=True, timeout=30, env={**os.environ, "PATH": path}
    )
    assert (tmp_path / "app.env").read_text() == (
        "APP_PORT=8080\nDB_HOST=db.example.internal\n"
        "DB_SECRET_ARN=arn:aws:secretsmanager:ap-southeast-2:111122223333:secret:rds!db-1\n"
    )
    assert (tmp_path / "boot.log").read_text() == "starting crm on 8080 with db.example.internal\n"
    config = agent / "etc" / "amazon-cloudwatch-agent.json"
    assert json.loads(config.read_text()) == {
        "logs": {
            "logs_collected": {
                "files": {
                    "collect_list": [
                        {
                            "file_path": f,
                            "log_group_name": "/app/crm-prod",
                            "log_stream_name": "{instance_id}",
                        }
                        for f in ("/var/log/crm/*.log", "/var/log/crm/audit.json")
                    ]
                }
            }
        }
    }
    assert (tmp_path / "dnf.args").read_text() == "install -y amazon-cloudwatch-agent\n"
    assert (tmp_path / "ctl.args").read_text() == f"-a fetch-config -m ec2 -s -c file:{config}\n"

    # Installed already (a second boot, or an AMI that has it): no install, the agent restarts.
    subprocess.run(
        ["bash", str(tmp_path / "boot.sh")], check=True, timeout=30, env={**os.environ, "PATH": path}
    )
    assert (tmp_path / "dnf.args").read_text() == "install -y amazon-cloudwatch-agent\n"
    assert (tmp_path / "ctl.args").read_text().count("-a fetch-config") == 2

    # No package (the install fails): the app still boots, and the console says why no logs ship.
    shutil.rmtree(agent / "bin")
    dnf.write_text("#!/bin/bash\nexit 1\n")
    (tmp_path / "boot.log").unlink()
    run = subprocess.run(
        ["bash", str(tmp_path / "boot.sh")],
        check=True,
        timeout=30,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": path},
    )
    assert "no amazon-cloudwatch-agent package (dnf/yum) on this AMI" in run.stderr
    assert (tmp_path / "boot.log").read_text() == "starting crm on 8080 with db.example.internal\n"
