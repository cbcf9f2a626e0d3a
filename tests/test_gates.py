"""The gates (parse, fmt, schema, references): a correct tree passes, each broken one fails.

The fifth gate, terraform validate, has its own tests (test_validate_gate.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from tfgen.errors import ToolError, UsageError
from tfgen.gates import (
    GateFinding,
    GateReport,
    check_fmt,
    check_parse,
    check_references,
    check_schema,
    run_all_gates,
)
from tfgen.gates.references import expression_code
from tfgen.gates.schema import SCHEMA_PATH, load_schema

NET_MAIN = """\
data "aws_region" "current" {}

# module-level comment: module.nope.x
locals {
  # local.nope
  azs  = slice(["${data.aws_region.current.region}a", "${data.aws_region.current.region}b"], 0, var.az_count)
  tags = merge(var.tags, { Module = "net" })
}

resource "aws_vpc" "this" {
  # a comment naming var.not_declared, local.nope and aws_nope.x is not a reference
  cidr_block           = var.cidr_block # nor is this one: var.nope
  enable_dns_hostnames = true
  tags                 = merge(local.tags, { Name = "${var.name}-vpc" })
}

resource "aws_subnet" "private" {
  count             = length(local.azs)
  vpc_id            = aws_vpc.this.id
  cidr_block        = cidrsubnet(var.cidr_block, 4, count.index)
  availability_zone = local.azs[count.index]
  tags              = local.tags
}

resource "aws_security_group" "app" {
  name_prefix = "${var.name}-app-"
  vpc_id      = aws_vpc.this.id
  description = "app: ${var.name} (not aws_fake.ref nor var.fake in a string)"

  dynamic "ingress" {
    for_each = var.ingress_ports
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = [var.cidr_block]
    }
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }

  lifecycle {
    create_before_destroy = true
  }
}
"""

NET_VARIABLES = """\
variable "name" {
  type = string
}

variable "cidr_block" {
  type = string
}

variable "az_count" {
  type    = number
  default = 2
}

variable "ingress_ports" {
  type    = list(number)
  default = [443]
}

variable "tags" {
  type    = map(string)
  default = {}
}
"""

NET_OUTPUTS = """\
output "vpc_id" {
  value = aws_vpc.this.id
}

output "subnet_ids" {
  value = aws_subnet.private[*].id
}

output "security_group_id" {
  value = aws_security_group.app.id
}
"""

APP_MAIN = """\
data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name_prefix        = "${var.name}-"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "random_password" "db" {
  length  = 32
  special = false
}

resource "aws_launch_template" "this" {
  name_prefix            = "${var.name}-"
  image_id               = var.image_id
  instance_type          = "t3.micro"
  vpc_security_group_ids = var.security_group_ids
  user_data = base64encode(<<-EOT
    #!/bin/bash
    echo "${var.name} $${HOME}" > /tmp/app
  EOT
  )

  metadata_options {
    http_tokens   = "required"
    http_endpoint = "enabled"
  }
}

resource "aws_lb_listener" "http" {
  for_each          = toset(var.listener_arns)
  load_balancer_arn = each.value
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }

  depends_on = [aws_iam_role.this]
}
"""

APP_VARIABLES = """\
variable "name" {
  type = string
}

variable "image_id" {
  type = string
}

variable "security_group_ids" {
  type = list(string)
}

variable "listener_arns" {
  type    = list(string)
  default = []
}
"""

APP_OUTPUTS = """\
output "role_name" {
  value = aws_iam_role.this.name
}

output "db_password" {
  value     = random_password.db.result
  sensitive = true
}
"""

ENV_MAIN = """\
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}

provider "aws" {
  region = var.region
}

locals {
  name = "shop-${terraform.workspace}"
}

module "net" {
  source     = "../../modules/net"
  name       = local.name
  cidr_block = "10.20.0.0/16"
  tags       = { Env = "dev", Path = path.module }
}

module "app" {
  source             = "../../modules/app"
  name               = local.name
  image_id           = var.image_id
  security_group_ids = [module.net.security_group_id]
  depends_on         = [module.net]
}

output "vpc_id" {
  value = module.net.vpc_id
}

output "role" {
  value = module.app.role_name
}
"""

ENV_VARIABLES = """\
variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "image_id" {
  type = string
}
"""

GOOD_TREE = {
    "modules/net/main.tf": NET_MAIN,
    "modules/net/variables.tf": NET_VARIABLES,
    "modules/net/outputs.tf": NET_OUTPUTS,
    "modules/app/main.tf": APP_MAIN,
    "modules/app/variables.tf": APP_VARIABLES,
    "modules/app/outputs.tf": APP_OUTPUTS,
    "envs/dev/main.tf": ENV_MAIN,
    "envs/dev/variables.tf": ENV_VARIABLES,
}


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write {relative path: text} under root and return root."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def tree(tmp_path: Path, replace: dict[str, str] | None = None) -> Path:
    """The good tree, with some files replaced or added."""
    return write_tree(tmp_path, {**GOOD_TREE, **(replace or {})})


def only(findings: list[GateFinding], gate: str) -> list[tuple[str, str]]:
    """(file, message) pairs of one gate, for exact comparisons."""
    assert all(f.gate == gate for f in findings), findings
    return sorted((f.file, f.message) for f in findings)


# --------------------------------------------------------------------------- the good tree


@pytest.mark.slow
def test_correct_two_module_tree_passes_all_gates(tmp_path: Path) -> None:
    root = tree(tmp_path)
    (tmp_path / "envs/dev/.terraform/modules/junk").mkdir(parents=True)
    (tmp_path / "envs/dev/.terraform/modules/junk/bad.tf").write_text("x = = =\n")
    report = run_all_gates(root)
    assert report.findings == [], "\n".join(report.lines())
    assert report.ok
    assert report.lines() == [
        "parse: ok (8 files)",
        "fmt: ok (8 files)",
        "schema: ok (7 resources, 2 data sources)",
        "references: ok (3 modules)",
        "validate: ok (1 environments)",
    ]


def test_report_lines_and_finding_str() -> None:
    f = GateFinding("schema", "modules/vpc/main.tf", 3, 'aws_vpc.x: unknown argument "a"')
    assert str(f) == 'modules/vpc/main.tf:3: [schema] aws_vpc.x: unknown argument "a"'
    assert str(GateFinding("fmt", "a.tf", None, "m")) == "a.tf: [fmt] m"
    report = GateReport(findings=[f], summaries={"parse": "1 files", "schema": "1 resources"})
    assert not report.ok
    assert report.lines() == [str(f), "parse: ok (1 files)", "schema: FAILED, 1 finding(s) (1 resources)"]


def test_missing_or_empty_root_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a directory"):
        check_parse(tmp_path / "nope")
    with pytest.raises(UsageError, match="no .tf files"):
        check_parse(tmp_path)


# --------------------------------------------------------------------------- parse


def test_parse_gate_fails_on_unparseable_hcl(tmp_path: Path) -> None:
    root = tree(tmp_path, {"modules/net/broken.tf": 'resource "aws_vpc" "x" {\n  cidr_block = \n}\n'})
    findings = check_parse(root)
    assert len(findings) == 1
    f = findings[0]
    assert (f.gate, f.file) == ("parse", "modules/net/broken.tf")
    assert f.message.startswith("does not parse as HCL")
    assert f.line == 2


# --------------------------------------------------------------------------- fmt


@pytest.mark.slow
def test_fmt_gate_fails_on_badly_formatted_file(tmp_path: Path) -> None:
    root = tree(tmp_path, {"envs/dev/extra.tf": 'output "x" {\nvalue=var.region\n}\n'})
    findings = check_fmt(root)
    assert only(findings, "fmt") == [("envs/dev/extra.tf", "not terraform fmt-clean; run terraform fmt")]


@pytest.mark.slow
def test_fmt_gate_still_judges_other_files_when_one_does_not_parse(tmp_path: Path) -> None:
    root = tree(tmp_path)
    (root / "envs/dev/extra.tf").write_text('output "x" {\nvalue=var.region\n}\n')
    (root / "modules/net/broken.tf").write_text("x = \n")
    findings = check_fmt(root)
    assert [(f.file, f.line) for f in findings] == [("envs/dev/extra.tf", None), ("modules/net/broken.tf", 1)]
    assert findings[0].message == "not terraform fmt-clean; run terraform fmt"
    assert findings[1].message.startswith("terraform fmt cannot read it: ")


def test_fmt_gate_without_terraform_is_a_tool_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tree(tmp_path)
    monkeypatch.delenv("TFGEN_TERRAFORM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(ToolError, match="terraform not found: install Terraform >= 1.11"):
        check_fmt(root)
    monkeypatch.setenv("TFGEN_TERRAFORM", str(tmp_path / "no-such-terraform"))
    with pytest.raises(ToolError, match="terraform not found"):
        check_fmt(root)


@pytest.mark.slow
def test_fmt_gate_uses_tfgen_terraform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, terraform_bin: str
) -> None:
    real = terraform_bin
    root = tree(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.setenv("TFGEN_TERRAFORM", real)
    assert check_fmt(root) == []


# --------------------------------------------------------------------------- schema

BAD_SCHEMA = """\
resource "aws_vpc" "typo" {
  cidr_blok = "10.0.0.0/16"
}

resource "aws_subnet" "orphan" {
  cidr_block = "10.0.1.0/24"
}

resource "aws_vpc" "tags_as_block" {
  cidr_block = "10.1.0.0/16"
  tags {
    Name = "x"
  }
}

resource "aws_launch_template" "lt" {
  name_prefix = "lt-"
  metadata_option {
    http_tokens = "required"
  }
  monitoring = { enabled = true }
  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size = 20
      volume_sise = 30
    }
  }
}

resource "aws_lb_listener" "l" {
  load_balancer_arn = "arn"
  default_action {
    target_group_arn = "tg"
  }
}

resource "aws_lb_listener" "no_default" {
  load_balancer_arn = "arn"
}

resource "aws_vpcc" "unknown" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_launch_template" "twice" {
  metadata_options {
    http_tokens = "required"
  }
  metadata_options {
    http_tokens = "optional"
  }
  dynamic "no_such_block" {
    for_each = [1]
    content {
      x = 1
    }
  }
}

data "aws_iam_policy_document" "p" {
  statement {
    actions = ["s3:GetObject"]
    principal {
      type = "AWS"
    }
  }
}

data "aws_no_such_thing" "x" {}

data "external" "not_ours" {
  program = ["true"]
}
"""


def test_schema_gate_fails_on_each_kind_of_mismatch(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"modules/bad/main.tf": BAD_SCHEMA})
    got = [(f.line, f.message) for f in check_schema(root)]
    assert all(f.file == "modules/bad/main.tf" and f.gate == "schema" for f in check_schema(root))
    assert sorted(got) == sorted(
        [
            (2, 'aws_vpc.typo: unknown argument "cidr_blok"'),
            (5, 'aws_subnet.orphan: missing required argument "vpc_id"'),
            (11, 'aws_vpc.tags_as_block: "tags" is an argument, not a block: write tags = ...'),
            (18, 'aws_launch_template.lt: unknown block "metadata_option"'),
            (
                21,
                'aws_launch_template.lt: "monitoring" is a block, not an argument: write monitoring { ... }',
            ),
            (26, 'aws_launch_template.lt.block_device_mappings.ebs: unknown argument "volume_sise"'),
            (33, 'aws_lb_listener.l.default_action: missing required argument "type"'),
            (38, 'aws_lb_listener.no_default: missing required block "default_action"'),
            (
                42,
                "aws_vpcc.unknown: unknown resource type; run `make schema` after adding it to "
                "tools/extract_schema.py",
            ),
            (47, 'aws_launch_template.twice: block "metadata_options" may appear at most once, found 2'),
            (53, 'aws_launch_template.twice: dynamic "no_such_block": unknown block'),
            (64, 'data.aws_iam_policy_document.p.statement: unknown block "principal"'),
            (
                70,
                "data.aws_no_such_thing.x: unknown data source type; run `make schema` after "
                "adding it to tools/extract_schema.py",
            ),
        ]
    )


def test_schema_gate_accepts_meta_arguments_dynamic_blocks_and_attributes_as_blocks(
    tmp_path: Path,
) -> None:
    text = """\
resource "aws_security_group" "sg" {
  count       = 1
  provider    = aws.use1
  name        = "sg"
  ingress = [{ from_port = 1, to_port = 1, protocol = "tcp", cidr_blocks = [], description = "",
    ipv6_cidr_blocks = [], prefix_list_ids = [], security_groups = [], self = false }]
  egress {
    from_port = 0
    to_port   = 0
    protocol  = "-1"
  }
  lifecycle {
    ignore_changes = [tags]
  }
  provisioner "local-exec" {
    command = "true"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "lc" {
  bucket = "b"
  dynamic "rule" {
    for_each = ["a"]
    content {
      id     = rule.value
      status = "Enabled"
      abort_incomplete_multipart_upload {
        days_after_initiation = 7
      }
    }
  }
}
"""
    root = write_tree(tmp_path, {"m/main.tf": text})
    assert check_schema(root) == []


def test_schema_file_header_and_known_provider_facts() -> None:
    schema = load_schema()
    assert schema["provider"] == "hashicorp/aws"
    assert schema["provider_version"] == "6.69.1"
    assert schema["source"] == "cdktn-provider-aws 25.8.1"
    assert SCHEMA_PATH.stat().st_size < 2 * 1024 * 1024
    r, d = schema["resources"], schema["data_sources"]
    assert r["aws_vpc"]["arguments"]["cidr_block"] == {"required": False}
    assert "arn" not in r["aws_vpc"]["arguments"]  # computed-only attributes are not arguments
    assert r["aws_subnet"]["arguments"]["vpc_id"]["required"] is True
    assert r["aws_lb_listener"]["blocks"]["default_action"]["required"] is True
    assert r["aws_lb_listener"]["arguments"]["load_balancer_arn"]["required"] is True
    assert "manage_master_user_password" in r["aws_db_instance"]["arguments"]
    rule = r["aws_s3_bucket_lifecycle_configuration"]["blocks"]["rule"]
    assert "abort_incomplete_multipart_upload" in rule["blocks"]
    assert "http_tokens" in r["aws_launch_template"]["blocks"]["metadata_options"]["arguments"]
    assert r["random_password"]["arguments"]["length"]["required"] is True
    assert set(d) == {
        "aws_ami",
        "aws_caller_identity",
        "aws_cloudfront_cache_policy",
        "aws_cloudfront_origin_request_policy",
        "aws_ec2_managed_prefix_list",  # CloudFront's origin-facing list (cdn.lock_origin)
        "aws_elb_service_account",
        "aws_iam_policy_document",
        "aws_partition",
        "aws_region",
        "aws_route53_zone",
        "aws_ssm_parameter",
    }
    # deterministic: keys sorted at every level the extractor writes
    assert list(r) == sorted(r)
    assert json.loads(SCHEMA_PATH.read_text())["resources"] == r


# --------------------------------------------------------------------------- references


def test_references_gate_fails_on_each_kind_of_broken_name(tmp_path: Path) -> None:
    env = ENV_MAIN.replace('  cidr_block = "10.20.0.0/16"\n', '  cidr_blocks = "10.20.0.0/16"\n').replace(
        'output "role" {\n  value = module.app.role_name\n}\n',
        'output "role" {\n  value = module.app.role_arn\n}\n\n'
        'output "zone" {\n  value = var.zone\n}\n\n'
        'output "prefix" {\n  value = local.prefix\n}\n\n'
        'output "nope" {\n  value = module.nope.x\n}\n',
    )
    app = APP_MAIN.replace(
        "assume_role_policy = data.aws_iam_policy_document.assume.json",
        "assume_role_policy = data.aws_iam_policy_document.trust.json",
    )
    app = app.replace("depends_on = [aws_iam_role.this]", "depends_on = [aws_iam_role.that]")
    root = tree(tmp_path, {"envs/dev/main.tf": env, "modules/app/main.tf": app})
    findings = check_references(root)
    got = sorted((f.file, f.line, f.message) for f in findings)
    assert all(f.gate == "references" for f in findings)
    assert got == sorted(
        [
            ("envs/dev/main.tf", 21, 'module "net": argument "cidr_blocks" is not a variable of modules/net'),
            (
                "envs/dev/main.tf",
                18,
                'module "net": required variable "cidr_block" of modules/net is not set',
            ),
            (
                "envs/dev/main.tf",
                38,
                'module "app" (modules/app) has no output "role_arn" (module.app.role_arn)',
            ),
            ("envs/dev/main.tf", 42, 'reference to undeclared input variable "zone" (var.zone)'),
            ("envs/dev/main.tf", 46, 'reference to undeclared local value "prefix" (local.prefix)'),
            ("envs/dev/main.tf", 50, 'reference to undeclared module "nope" (module.nope)'),
            (
                "modules/app/main.tf",
                13,
                "reference to undeclared data source data.aws_iam_policy_document.trust",
            ),
            ("modules/app/main.tf", 53, "reference to undeclared resource aws_iam_role.that"),
        ]
    )


def test_references_gate_reports_duplicates_and_missing_module_source(tmp_path: Path) -> None:
    root = tree(tmp_path)
    (root / "modules/net/variables2.tf").write_text('variable "name" {\n  type = string\n}\n')
    (root / "envs/dev/extra.tf").write_text('module "ghost" {\n  source = "../../modules/ghost"\n}\n')
    got = sorted((f.file, f.line, f.message) for f in check_references(root))
    assert got == [
        ("envs/dev/extra.tf", 1, 'module "ghost": source ../../modules/ghost is not a folder with .tf files'),
        ("modules/net/variables2.tf", 1, 'duplicate variable "name" (first in modules/net/variables.tf)'),
    ]


def test_references_gate_ignores_strings_and_non_resource_traversals(tmp_path: Path) -> None:
    text = """\
variable "m" {
  type    = map(string)
  default = {}
}

resource "aws_ssm_parameter" "p" {
  for_each = var.m
  name     = "/x/${each.key}/var.nothing/local.nothing"
  type     = "String"
  value    = "${path.module}-${terraform.workspace}-${each.value} $${var.escaped} aws_nope.x"
  tags     = { for k, v in var.m : k => "${v}" if v != "data.aws_x.y" }
}

output "x" {
  value = [for p in aws_ssm_parameter.p : p.arn]
}
"""
    root = write_tree(tmp_path, {"m/main.tf": text})
    assert check_references(root) == []


def test_expression_code_blanks_literals_and_keeps_interpolations() -> None:
    assert expression_code('"a${var.q}b $${var.no} %{ if local.c }x%{ endif }"').split() == [
        "(var.q)",
        "(",
        "if",
        "local.c",
        ")",
        "(",
        "endif",
        ")",
    ]
    assert "var.h" in expression_code('"<<-EOT\n  {"a": "${var.h}"}\n  EOT"')
    assert "aws_fake" not in expression_code('${x != "aws_fake.thing"}')


# --------------------------------------------------------------------------- all gates together


@pytest.mark.slow
def test_run_all_gates_collects_every_gate_in_order(tmp_path: Path) -> None:
    root = tree(tmp_path)
    (root / "modules/net/typo.tf").write_text('resource "aws_vpc" "t" {\ncidr_blok="x"\n}\n')
    (root / "modules/net/broken.tf").write_text("x = \n")
    report = run_all_gates(root)
    assert not report.ok
    assert [(f.gate, f.file) for f in report.findings] == [
        ("parse", "modules/net/broken.tf"),
        ("fmt", "modules/net/broken.tf"),
        ("fmt", "modules/net/typo.tf"),
        ("schema", "modules/net/typo.tf"),
        ("validate", "envs/dev"),  # terraform cannot even init a tree with a broken file
    ]
    assert report.lines()[-5:] == [
        "parse: FAILED, 1 finding(s) (10 files)",
        "fmt: FAILED, 2 finding(s) (10 files)",
        "schema: FAILED, 1 finding(s) (8 resources, 2 data sources, 1 unparsed file(s) skipped)",
        "references: ok (2 modules, 1 unparsed file(s) skipped)",
        "validate: FAILED, 1 finding(s) (1 environments)",
    ]


@pytest.mark.slow
def test_cli_check_prints_findings_and_exits_1(tmp_path: Path) -> None:
    from tfgen.cli import app
    from typer.testing import CliRunner

    root = tree(tmp_path)
    runner = CliRunner()
    ok = runner.invoke(app, ["check", str(root)])
    assert ok.exit_code == 0, ok.output
    # Progress on stderr: one line when the gates start, one with the time when they end.
    what = f"running the gates on {root} (parse, fmt, schema, references, validate)"
    assert re.fullmatch(rf"{re.escape(what)}\.\.\.\n{re.escape(what)}: done in \d+\.\ds\n", ok.stderr), (
        ok.stderr
    )
    assert "references: ok (3 modules)" in ok.output
    (root / "modules/net/typo.tf").write_text('resource "aws_vpc" "t" {\n  cidr_blok = "x"\n}\n')
    bad = runner.invoke(app, ["check", str(root)])
    assert bad.exit_code == 1
    assert 'modules/net/typo.tf:2: [schema] aws_vpc.t: unknown argument "cidr_blok"' in bad.output


# --------------------------------------------------------------------------- the extractor


def _extractor_module():
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "tools" / "extract_schema.py"
    spec = importlib.util.spec_from_file_location("extract_schema", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_extractor_reads_config_structs_blocks_and_names_from_a_jsii_assembly() -> None:
    ex_mod = _extractor_module()
    link = "{@link https://registry.terraform.io/providers/hashicorp/aws/6.69.1/docs/resources/thing"
    p = "@cdktn/provider-aws.thing."

    def prop(name, anchor=None, optional=True, type_=None, summary=None):
        docs = summary or (
            f"Docs at Terraform Registry: {link}#{anchor} Thing#{anchor}}}."
            if anchor
            else "Region where this resource will be managed."
        )
        out = {"name": name, "docs": {"summary": docs}, "type": type_ or {"primitive": "string"}}
        if optional:
            out["optional"] = True
        return out

    many = {
        "union": {
            "types": [
                {"fqn": "cdktn.IResolvable"},
                {"collection": {"elementtype": {"fqn": p + "ThingRule"}, "kind": "array"}},
            ]
        }
    }
    assembly = {
        "types": {
            p + "Thing": {
                "kind": "class",
                "base": "cdktn.TerraformResource",
                "docs": {"summary": f"Represents a {link} aws_thing}}."},
                "initializer": {
                    "parameters": [
                        {"name": "scope"},
                        {"name": "id"},
                        {"name": "config", "type": {"fqn": p + "ThingConfig"}},
                    ]
                },
            },
            p + "ThingConfig": {
                "datatype": True,
                "kind": "interface",
                "properties": [
                    prop("vpcId", "vpc_id", optional=False),
                    prop("selfAttribute", "self"),
                    prop("region"),
                    prop("rule", type_=many, summary="rule block."),
                    prop("opts", type_={"fqn": p + "ThingOpts"}, summary="opts block."),
                    prop("deep", type_={"primitive": "any"}, summary="deep block."),
                    prop(
                        "ingress",
                        "ingress",
                        type_={"collection": {"elementtype": {"fqn": p + "ThingOpts"}, "kind": "array"}},
                    ),
                ],
            },
            p + "ThingRule": {
                "datatype": True,
                "kind": "interface",
                "properties": [prop("ruleName", "rule_name", optional=False)],
            },
            p + "ThingOpts": {
                "datatype": True,
                "kind": "interface",
                "properties": [prop("httpTokens", "http_tokens")],
            },
        }
    }
    ex = ex_mod.Extractor(assembly, "hashicorp/aws", "6.69.1")
    opts = {"arguments": {"http_tokens": {"required": False}}, "blocks": {}}
    assert ex.type_schema("resource", "aws_thing") == {
        "arguments": {
            "ingress": {"required": False, "nested": opts},
            "region": {"required": False},
            "self": {"required": False},
            "vpc_id": {"required": True},
        },
        "blocks": {
            "deep": {"required": False, "any": True},
            "opts": {"required": False, "max_items": 1, **opts},
            "rule": {"required": False, "arguments": {"rule_name": {"required": True}}, "blocks": {}},
        },
    }


def test_project_scope_is_modules_and_envs_only(tmp_path: Path) -> None:
    # A tfgen project's tests or examples may hold deliberately broken Terraform (policy
    # fixtures): the gates judge what the project deploys, modules/ and envs/.
    from tfgen.gates import run_all_gates

    root = tree(tmp_path)
    (root / "tests/fixtures").mkdir(parents=True)
    (root / "tests/fixtures/bad.tf").write_text('resource "aws_vpc" "x" {\ncidr_blok="a"\n}\n')
    report = run_all_gates(root)
    assert report.ok, report.lines()
    assert not any("tests/" in line for line in report.lines())
