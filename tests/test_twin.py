"""The offline provider twin (tools/twin) under the real terraform binary: no mocks.

A small AWS configuration goes through init/validate/plan/apply/plan/destroy; broken copies of
it must fail with terraform's own messages (so the twin's schema is faithful enough for
terraform's checks to bite); policy JSON, drift, ephemeral and write-only values, the go-plugin
handshake, and finally the whole reference project rendered by tfgen, every environment.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

from twin import schemas as twin_schemas  # noqa: E402

MIRROR = Path(os.environ.get("TFGEN_PLUGIN_MIRROR") or REPO / ".tools" / "provider-mirror")
AWS_BIN = MIRROR / "registry.terraform.io/hashicorp/aws/6.69.1/linux_amd64/terraform-provider-aws_v6.69.1_x5"
RANDOM_BIN = (
    MIRROR / "registry.terraform.io/hashicorp/random/3.9.1/linux_amd64/terraform-provider-random_v3.9.1_x5"
)
MAGIC = {"TF_PLUGIN_MAGIC_COOKIE": "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"}

VERSIONS_TF = """
terraform {
  required_version = ">= 1.11"
  required_providers {
    aws    = { source = "hashicorp/aws", version = "~> 6.0" }
    random = { source = "hashicorp/random", version = "~> 3.6" }
  }
}

provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["210987654321"]
  default_tags {
    tags = { Project = "twin", Env = "test" }
  }
}
"""

MAIN_TF = """
data "aws_availability_zones" "available" {
  state = "available"
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  azs   = slice(data.aws_availability_zones.available.names, 0, 2)
  tiers = { app = 10, data = 20 }
}

resource "aws_vpc" "main" {
  cidr_block           = "10.20.0.0/16"
  enable_dns_hostnames = true
  tags                 = { Name = "twin-main" }
}

resource "aws_subnet" "public" {
  count             = length(local.azs)
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
  availability_zone = local.azs[count.index]
  tags              = { Name = "public-${count.index}" }
}

resource "aws_subnet" "tier" {
  for_each          = local.tiers
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, each.value)
  availability_zone = local.azs[0]
  tags              = { Name = each.key }
}

resource "aws_security_group" "db" {
  name_prefix = "twin-db-"
  description = "database"
  vpc_id      = aws_vpc.main.id
}

resource "aws_vpc_security_group_ingress_rule" "db" {
  security_group_id = aws_security_group.db.id
  cidr_ipv4         = aws_vpc.main.cidr_block
  from_port         = 5432
  to_port           = 5432
  ip_protocol       = "tcp"
}

data "aws_iam_policy_document" "assume" {
  statement {
    sid     = "EC2Assume"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "app" {
  name_prefix        = "twin-app-"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "random_password" "db" {
  length  = 24
  special = false
}

resource "random_id" "suffix" {
  byte_length = 4
  prefix      = "twin-"
}

resource "random_string" "token" {
  length  = 12
  upper   = false
  special = false
}

resource "aws_db_subnet_group" "db" {
  name       = "twin-db"
  subnet_ids = [for s in aws_subnet.tier : s.id]
}

resource "aws_db_instance" "db" {
  identifier                  = "twin-db"
  engine                      = "postgres"
  engine_version              = "16.4"
  instance_class              = "db.t4g.micro"
  allocated_storage           = 20
  username                    = "app"
  manage_master_user_password = true
  db_subnet_group_name        = aws_db_subnet_group.db.name
  vpc_security_group_ids      = [aws_security_group.db.id]
  skip_final_snapshot         = true
}

output "secret_arn" {
  value = aws_db_instance.db.master_user_secret[0].secret_arn
}

output "db_endpoint" {
  value = aws_db_instance.db.endpoint
}

output "public_subnets" {
  value = aws_subnet.public[*].id
}

output "tier_subnets" {
  value = { for k, s in aws_subnet.tier : k => s.id }
}

output "account" {
  value = data.aws_caller_identity.current.account_id
}

output "partition" {
  value = data.aws_partition.current.partition
}

output "role_arn" {
  value = aws_iam_role.app.arn
}

output "vpc_tags_all" {
  value = aws_vpc.main.tags_all
}

output "password_length" {
  value = nonsensitive(length(random_password.db.result))
}

output "azs" {
  value = local.azs
}

output "suffix" {
  value = random_id.suffix.hex
}

output "token" {
  value = random_string.token.result
}
"""


def _require_twin() -> None:
    missing = [p for p in (AWS_BIN, RANDOM_BIN) if not os.access(p, os.X_OK)]
    assert not missing, f"twin launchers missing: {missing}; run `make setup` (or make twin-install)"
    assert shutil.which("terraform"), "no terraform on PATH; run `make setup`"


def tf_env(**extra: str) -> dict[str, str]:
    """Environment for terraform: no checkpoint, no CLI config, the twin in strict mode."""
    env = dict(
        os.environ,
        CHECKPOINT_DISABLE="1",
        TF_CLI_CONFIG_FILE=os.devnull,
        TF_INPUT="0",
        TF_IN_AUTOMATION="1",
        TFGEN_TWIN_STRICT="1",
    )
    env.pop("TF_LOG", None)
    env.update(extra)
    return env


def tf(
    cwd: Path,
    *args: str,
    env: dict[str, str] | None = None,
    ok: tuple[int, ...] = (0,),
) -> subprocess.CompletedProcess[str]:
    """Run terraform with -no-color; fail the test with its output unless the exit code is ok."""
    cmd = ["terraform", args[0], "-no-color", *args[1:]]
    proc = subprocess.run(cmd, cwd=cwd, env=env or tf_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode in ok, (
        f"{' '.join(cmd)} -> {proc.returncode}\n{proc.stdout[-6000:]}\n{proc.stderr[-6000:]}"
    )
    return proc


def init(cwd: Path, env: dict[str, str] | None = None) -> None:
    """terraform init from the offline mirror only."""
    tf(cwd, "init", "-input=false", f"-plugin-dir={MIRROR}", env=env)


def write_project(root: Path, main: str = MAIN_TF, versions: str = VERSIONS_TF) -> Path:
    """A root module of two files."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "versions.tf").write_text(versions, encoding="utf-8")
    (root / "main.tf").write_text(main, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def initialized(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The base configuration, initialised once (copies keep .terraform)."""
    _require_twin()
    root = write_project(tmp_path_factory.mktemp("twin-base") / "base")
    init(root)
    return root


def copy_of(base: Path, dest: Path, main: str | None = None) -> Path:
    """A copy of an initialised root module, optionally with another main.tf."""
    shutil.copytree(base, dest, symlinks=True)
    if main is not None:
        (dest / "main.tf").write_text(main, encoding="utf-8")
    return dest


def outputs(cwd: Path) -> dict[str, object]:
    """terraform output -json, values only."""
    return {k: v["value"] for k, v in json.loads(tf(cwd, "output", "-json").stdout).items()}


# -- protocol ----------------------------------------------------------------------------------
def _start(binary: Path) -> tuple[subprocess.Popen[str], str, float]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [str(binary)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, **MAGIC, PLUGIN_CLIENT_CERT="unused", PLUGIN_PROTOCOL_VERSIONS="5,6"),
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    return proc, line, time.perf_counter() - t0


def test_handshake_schema_and_shutdown_over_grpc() -> None:
    """go-plugin handshake line, TLS with the advertised certificate, GetProviderSchema, Shutdown."""
    _require_twin()
    import grpc
    from cryptography import x509
    from twin.proto import pb

    proc, line, _ = _start(AWS_BIN)
    try:
        m = re.fullmatch(r"1\|6\|tcp\|127\.0\.0\.1:(\d+)\|grpc\|([A-Za-z0-9+/]+)", line)
        assert m, line
        der = base64.b64decode(m.group(2) + "=" * (-len(m.group(2)) % 4))
        cert = x509.load_der_x509_certificate(der)
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert san.get_values_for_type(x509.DNSName) == ["localhost"]
        pem = cert.public_bytes(
            __import__("cryptography.hazmat.primitives.serialization", fromlist=["Encoding"]).Encoding.PEM
        )
        creds = grpc.ssl_channel_credentials(root_certificates=pem)
        with grpc.secure_channel(
            f"127.0.0.1:{m.group(1)}",
            creds,
            options=[
                ("grpc.ssl_target_name_override", "localhost"),
                ("grpc.max_receive_message_length", 64 << 20),
            ],
        ) as ch:
            get = ch.unary_unary(
                "/tfplugin6.Provider/GetProviderSchema",
                request_serializer=lambda m: m.SerializeToString(),
                response_deserializer=pb.GetProviderSchema.Response.FromString,
            )
            resp = get(pb.GetProviderSchema.Request(), timeout=10)
            assert {"aws_vpc", "aws_db_instance", "aws_route53_record"} <= set(resp.resource_schemas)
            assert {"aws_iam_policy_document", "aws_availability_zones"} <= set(resp.data_source_schemas)
            assert "aws_secretsmanager_secret_version" in resp.ephemeral_resource_schemas
            db = {a.name: a for a in resp.resource_schemas["aws_db_instance"].block.attributes}
            assert db["password_wo"].write_only and db["password_wo"].sensitive
            assert json.loads(db["master_user_secret"].type) == [
                "list",
                ["object", {"kms_key_id": "string", "secret_arn": "string", "secret_status": "string"}],
            ]
            assert db["master_user_secret"].computed and not db["master_user_secret"].optional
            region = {a.name: a for a in resp.provider.block.attributes}["region"]
            assert region.optional and json.loads(region.type) == "string"
            shutdown = ch.unary_unary(
                "/plugin.GRPCController/Shutdown",
                request_serializer=lambda b: b,
                response_deserializer=lambda b: b,
            )
            shutdown(b"", timeout=10)
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_run_by_hand_says_what_it_is() -> None:
    """Without terraform's magic cookie the launcher explains itself instead of listening."""
    _require_twin()
    env = {k: v for k, v in os.environ.items() if k != "TF_PLUGIN_MAGIC_COOKIE"}
    proc = subprocess.run([str(AWS_BIN)], env=env, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "not meant to be run by hand" in proc.stderr and "terraform-provider-aws" in proc.stderr


def test_cache_rebuilds_when_missing(tmp_path: Path) -> None:
    """The binary schema cache is rebuilt from the committed JSON when absent."""
    env = dict(os.environ, TFGEN_TWIN_CACHE=str(tmp_path / "cache"))
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from twin import schemas; "
        "d = schemas.load('random'); print(sorted(k for k in d['blocks']))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(REPO / "tools")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "resource.random_password" in proc.stdout and "ephemeral.random_password" in proc.stdout
    assert (tmp_path / "cache" / "random-3.9.1.marshal").is_file()


# -- the schema file ---------------------------------------------------------------------------
def test_schema_covers_templates_and_extras() -> None:
    """Every type the templates name and every extra is served, with its provider versions."""
    sys.path.insert(0, str(REPO / "tools" / "twin"))
    import extract

    aws = json.loads(twin_schemas.schema_json("aws").read_text())
    rnd = json.loads(twin_schemas.schema_json("random").read_text())
    assert (aws["provider_version"], rnd["provider_version"]) == ("6.69.1", "3.9.1")
    assert aws["missing"] == [] and rnd["missing"] == []
    section = {
        "resource": "resource_schemas",
        "data": "data_source_schemas",
        "ephemeral": "ephemeral_resource_schemas",
    }
    for short, doc in (("aws", aws), ("random", rnd)):
        for kind, name in extract.wanted_types()[short]:
            assert name in doc[section[kind]], f"{kind} {name} not in the {short} schema"
    rg = aws["resource_schemas"]["aws_elasticache_replication_group"]["block"]["attributes"]
    assert rg["auth_token_wo"]["write_only"] and rg["auth_token_wo_version"].get("write_only") is None
    sv = aws["resource_schemas"]["aws_secretsmanager_secret_version"]["block"]["attributes"]
    assert sv["secret_string_wo"]["write_only"]
    sg = aws["resource_schemas"]["aws_security_group"]["block"]["attributes"]["ingress"]
    assert sg["type"][0] == "set" and sg["optional"] and sg["computed"]
    pd = aws["data_source_schemas"]["aws_iam_policy_document"]["block"]["block_types"]["statement"]
    assert pd["nesting"] == "list" and pd["block"]["block_types"]["principals"]["nesting"] == "set"
    tags = aws["provider_schema"]["block_types"]["default_tags"]
    assert tags["block"]["attributes"]["tags"]["type"] == ["map", "string"]
    assert {"allowed_account_ids", "skip_credentials_validation", "region"} <= set(
        aws["provider_schema"]["attributes"]
    )


# -- the life cycle of a small configuration ---------------------------------------------------
def test_lifecycle_apply_replan_destroy(initialized: Path, tmp_path: Path) -> None:
    """validate -> plan -> apply -> plan shows no changes -> destroy, with realistic values."""
    root = copy_of(initialized, tmp_path / "life")
    assert "Success! The configuration is valid." in tf(root, "validate").stdout
    plan = tf(root, "plan", "-out=tfplan").stdout
    assert "Plan: 13 to add, 0 to change, 0 to destroy." in plan
    assert "(known after apply)" in plan
    tf(root, "apply", "tfplan")
    out = outputs(root)
    assert out["account"] == "210987654321" and out["partition"] == "aws"
    assert out["azs"] == ["eu-west-1a", "eu-west-1b"]
    assert re.fullmatch(
        r"arn:aws:secretsmanager:eu-west-1:210987654321:secret:rds!db-[0-9a-f-]{36}-\w{6}", out["secret_arn"]
    ), out["secret_arn"]
    assert re.fullmatch(r"twin-db\.[a-z0-9]{12}\.eu-west-1\.rds\.amazonaws\.com:5432", out["db_endpoint"])
    assert all(re.fullmatch(r"subnet-0[0-9a-f]{16}", s) for s in out["public_subnets"])
    assert len(set(out["public_subnets"]) | set(out["tier_subnets"].values())) == 4
    assert re.fullmatch(r"arn:aws:iam::210987654321:role/twin-app-\d{26}", out["role_arn"])
    assert out["vpc_tags_all"] == {"Name": "twin-main", "Project": "twin", "Env": "test"}
    assert out["password_length"] == 24
    assert re.fullmatch(r"twin-[0-9a-f]{8}", out["suffix"]), out["suffix"]
    assert re.fullmatch(r"[a-z0-9]{12}", out["token"]), out["token"]
    again = tf(root, "plan", "-detailed-exitcode")
    assert "No changes." in again.stdout
    state = json.loads(tf(root, "show", "-json").stdout)
    res = {r["address"]: r for r in state["values"]["root_module"]["resources"]}
    assert res["random_password.db"]["values"]["result"].isalnum()
    assert res["aws_security_group.db"]["values"]["id"].startswith("sg-")
    done = tf(root, "destroy", "-auto-approve").stdout
    assert "Destroy complete! Resources: 13 destroyed." in done


def test_policy_document_renders_iam_json(initialized: Path, tmp_path: Path) -> None:
    """aws_iam_policy_document gives the provider's JSON: collapsed singles, reverse-sorted lists."""
    main = """
data "aws_iam_policy_document" "doc" {
  statement {
    sid       = "Read"
    actions   = ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"]
    resources = ["arn:aws:s3:::b", "arn:aws:s3:::b/&{aws:username}/*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:root"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["true"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalTag/team"
      values   = ["b", "a"]
    }
  }
  statement {
    effect        = "Deny"
    not_actions   = ["iam:*"]
    not_resources = ["*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}

data "aws_iam_policy_document" "merged" {
  source_policy_documents = [data.aws_iam_policy_document.doc.json]
  statement {
    sid       = "Read"
    actions   = ["s3:PutObject"]
    resources = ["*"]
  }
}

output "json" {
  value = data.aws_iam_policy_document.doc.json
}

output "minified" {
  value = data.aws_iam_policy_document.doc.minified_json
}

output "merged" {
  value = jsondecode(data.aws_iam_policy_document.merged.json)
}
"""
    root = copy_of(initialized, tmp_path / "policy", main)
    tf(root, "apply", "-auto-approve")
    out = outputs(root)
    expected = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Read",
                "Effect": "Allow",
                "Action": ["s3:ListBucket", "s3:GetObject", "s3:GetBucketLocation"],
                "Resource": ["arn:aws:s3:::b/${aws:username}/*", "arn:aws:s3:::b"],
                "Principal": {"AWS": ["arn:aws:iam::222222222222:root", "arn:aws:iam::111111111111:root"]},
                "Condition": {
                    "Bool": {"aws:SecureTransport": "true"},
                    "StringEquals": {"aws:PrincipalTag/team": ["b", "a"]},
                },
            },
            {"Effect": "Deny", "NotAction": "iam:*", "NotResource": "*", "Principal": "*"},
        ],
    }
    assert out["json"] == json.dumps(expected, indent=2)
    assert out["minified"] == json.dumps(expected, separators=(",", ":"))
    assert out["merged"]["Statement"] == [
        {"Sid": "Read", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"},
        expected["Statement"][1],
    ]


# -- terraform's own checks bite on broken copies ------------------------------------------------
MUTATIONS = [
    # (id, old text, new text, failing command, terraform's message)
    (
        "string-for-number",
        "allocated_storage           = 20",
        'allocated_storage           = "twenty"',
        "validate",
        "a number is required",
    ),
    (
        "unknown-argument",
        'cidr_block           = "10.20.0.0/16"',
        'cidr_block           = "10.20.0.0/16"\n  no_such_argument     = true',
        "validate",
        'An argument named "no_such_argument" is not expected here.',
    ),
    (
        "missing-required",
        '  instance_class              = "db.t4g.micro"\n',
        "",
        "validate",
        'The argument "instance_class" is required, but no definition was found.',
    ),
    (
        "no-such-attribute",
        "value = aws_db_instance.db.endpoint",
        "value = aws_db_instance.db.no_such_attribute",
        "validate",
        'This object has no argument, nested block, or exported attribute named "no_such_attribute".',
    ),
    (
        "block-as-attribute",
        """  statement {
    sid     = "EC2Assume"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }""",
        '  statement = [{ actions = ["sts:AssumeRole"] }]',
        "validate",
        'Did you mean to define a block of type "statement"?',
    ),
    (
        "index-a-set",
        "value = aws_db_instance.db.endpoint",
        "value = aws_db_instance.db.vpc_security_group_ids[0]",
        "validate",
        "Elements of a set are identified only by their value",
    ),
    (
        "for-each-unknown",
        'resource "aws_iam_role" "app" {',
        'resource "aws_route_table" "per_subnet" {\n  for_each = toset(aws_subnet.public[*].id)\n'
        '  vpc_id   = aws_vpc.main.id\n}\n\nresource "aws_iam_role" "app" {',
        "plan",
        'The "for_each" set includes values derived from resource attributes that cannot be '
        "determined until apply",
    ),
    (
        "bad-function-call",
        "cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)",
        "cidr_block        = cidrsubnet(aws_vpc.main.cidr_block)",
        "validate",
        "Not enough function arguments",
    ),
    (
        "unknown-function",
        "value = nonsensitive(length(random_password.db.result))",
        "value = nonsensitive(no_such_function(random_password.db.result))",
        "validate",
        'There is no function named "no_such_function".',
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "command", "message"), [m[1:] for m in MUTATIONS], ids=[m[0] for m in MUTATIONS]
)
def test_broken_copy_fails_with_terraforms_message(
    initialized: Path, tmp_path: Path, old: str, new: str, command: str, message: str
) -> None:
    """Each mutation makes validate (or plan) fail with terraform's own diagnostic."""
    assert old in MAIN_TF
    root = copy_of(initialized, tmp_path / "broken", MAIN_TF.replace(old, new, 1))
    if command == "plan":
        tf(root, "validate")
    proc = tf(root, command, ok=(1,))
    text = re.sub(r"\s*\n[│ ]*", " ", proc.stderr)
    assert "Error: " in text and re.sub(r"\s+", " ", message) in text, proc.stderr


# -- drift through the cloud store -------------------------------------------------------------
def test_drift_shows_in_refresh_only_plan(initialized: Path, tmp_path: Path) -> None:
    """With TFGEN_TWIN_CLOUD, objects changed or deleted behind terraform's back show as drift."""
    cloud = tmp_path / "cloud"
    env = tf_env(TFGEN_TWIN_CLOUD=str(cloud))
    root = copy_of(initialized, tmp_path / "drift")
    tf(root, "apply", "-auto-approve", env=env)
    assert "No changes." in tf(root, "plan", "-refresh-only", env=env).stdout
    vpcs = list((cloud / "aws_vpc").glob("*.json"))
    assert len(vpcs) == 1
    doc = json.loads(vpcs[0].read_text())
    assert doc["attributes"]["cidr_block"] == "10.20.0.0/16" and doc["id"].startswith("vpc-")
    doc["attributes"]["tags"]["Name"] = "renamed-by-hand"
    vpcs[0].write_text(json.dumps(doc))
    role = next((cloud / "aws_iam_role").glob("*.json"))
    role.unlink()
    drift = tf(root, "plan", "-refresh-only", "-detailed-exitcode", env=env, ok=(2,)).stdout
    assert "Objects have changed outside of Terraform" in drift
    assert '~ "Name" = "twin-main" -> "renamed-by-hand"' in drift
    assert "# aws_iam_role.app has been deleted" in drift
    normal = tf(root, "plan", "-detailed-exitcode", env=env, ok=(2,)).stdout
    assert "# aws_iam_role.app will be created" in normal
    assert "# aws_vpc.main will be updated in-place" in normal
    tf(root, "destroy", "-auto-approve", env=env)
    assert not list((cloud / "aws_vpc").glob("*.json"))


# -- ephemeral resources and write-only arguments ------------------------------------------------
def test_ephemeral_password_into_write_only_argument(initialized: Path, tmp_path: Path) -> None:
    """ephemeral random_password feeds secret_string_wo; nothing of it lands in state."""
    main = """
ephemeral "random_password" "db" {
  length = 32
}

resource "aws_secretsmanager_secret" "db" {
  name = "twin/db"
}

resource "aws_secretsmanager_secret_version" "db" {
  secret_id                = aws_secretsmanager_secret.db.id
  secret_string_wo         = ephemeral.random_password.db.result
  secret_string_wo_version = 1
}

ephemeral "aws_secretsmanager_secret_version" "read" {
  secret_id = aws_secretsmanager_secret_version.db.secret_id
}

output "version_arn" {
  value = aws_secretsmanager_secret_version.db.arn
}
"""
    root = copy_of(initialized, tmp_path / "ephemeral", main)
    applied = tf(root, "apply", "-auto-approve").stdout
    assert "ephemeral.random_password.db: Opening..." in applied
    state = (root / "terraform.tfstate").read_text()
    sv = next(r for r in json.loads(state)["resources"] if r["type"] == "aws_secretsmanager_secret_version")
    attrs = sv["instances"][0]["attributes"]
    assert attrs["secret_string_wo"] is None and attrs["secret_string_wo_version"] == 1
    assert attrs["has_secret_string_wo"] is True
    assert re.fullmatch(
        r"arn:aws:secretsmanager:eu-west-1:210987654321:secret:twin/db-\w{6}", outputs(root)["version_arn"]
    )
    assert "No changes." in tf(root, "plan").stdout


def test_import_block_reads_the_object_from_the_cloud(initialized: Path, tmp_path: Path) -> None:
    """An import block adopts an object another state created (found in TFGEN_TWIN_CLOUD)."""
    env = tf_env(TFGEN_TWIN_CLOUD=str(tmp_path / "cloud"))
    vpc = 'resource "aws_vpc" "main" {\n  cidr_block = "10.30.0.0/16"\n  tags = { Name = "shared" }\n}\n'
    first = copy_of(initialized, tmp_path / "first", vpc + 'output "id" {\n  value = aws_vpc.main.id\n}\n')
    tf(first, "apply", "-auto-approve", env=env)
    vpc_id = outputs(first)["id"]
    second = copy_of(
        initialized, tmp_path / "second", vpc + f'import {{\n  to = aws_vpc.main\n  id = "{vpc_id}"\n}}\n'
    )
    plan = tf(second, "plan", "-out=tfplan", env=env).stdout
    assert "Plan: 1 to import, 0 to add, 0 to change, 0 to destroy." in plan
    tf(second, "apply", "tfplan", env=env)
    shown = json.loads(tf(second, "show", "-json", env=env).stdout)
    values = shown["values"]["root_module"]["resources"][0]["values"]
    assert values["id"] == vpc_id and values["cidr_block"] == "10.30.0.0/16"
    assert "No changes." in tf(second, "plan", env=env).stdout


def test_update_in_place_and_replace(initialized: Path, tmp_path: Path) -> None:
    """An argument change updates in place (recomputing what AWS recomputes); random_* replace."""
    main = """
resource "aws_launch_template" "app" {
  name_prefix   = "twin-"
  instance_type = var.size
}

resource "random_password" "p" {
  length = var.length
}

variable "size" {
  type    = string
  default = "t3.micro"
}

variable "length" {
  type    = number
  default = 16
}

output "version" {
  value = aws_launch_template.app.latest_version
}

output "id" {
  value = aws_launch_template.app.id
}
"""
    root = copy_of(initialized, tmp_path / "update", main)
    tf(root, "apply", "-auto-approve")
    first = outputs(root)
    assert first["version"] == 1 and first["id"].startswith("lt-0")
    plan = tf(root, "plan", "-var=size=t3.small", "-var=length=20").stdout
    assert "# aws_launch_template.app will be updated in-place" in plan
    assert "~ latest_version" in plan and "(known after apply)" in plan
    assert "# random_password.p must be replaced" in plan
    assert "Plan: 1 to add, 1 to change, 1 to destroy." in plan
    tf(root, "apply", "-auto-approve", "-var=size=t3.small", "-var=length=20")
    second = outputs(root)
    assert second == {"version": 2, "id": first["id"]}
    assert "No changes." in tf(root, "plan", "-var=size=t3.small", "-var=length=20").stdout
