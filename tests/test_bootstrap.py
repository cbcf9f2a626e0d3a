"""bootstrap and doctor against a local moto server (S3 and STS over HTTP, as boto3 sees AWS)."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
from tfgen.bootstrap import bootstrap, is_tls_only, state_backend, tls_only_policy
from tfgen.doctor import doctor
from tfgen.errors import TfgenError


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch) -> str:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    urllib.request.urlopen(urllib.request.Request(moto_endpoint + "/moto-api/reset", method="POST"))
    return moto_endpoint


def s3():
    import boto3

    return boto3.client("s3", region_name="eu-west-1")


def test_bootstrap_creates_a_safe_state_bucket_once(aws: str, project: Path) -> None:
    first = bootstrap(project, "dev")
    assert first.created
    bucket = "shop-tfstate-dev-123"
    assert "s3://shop-tfstate-dev-123 (eu-west-1) created" in first.lines()[0]
    client = s3()
    assert client.get_bucket_location(Bucket=bucket)["LocationConstraint"] == "eu-west-1"
    assert client.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rules = client.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    assert rules["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    block = client.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    policy = json.loads(client.get_bucket_policy(Bucket=bucket)["Policy"])
    deny = policy["Statement"][0]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}

    again = bootstrap(project, "dev")
    assert not again.created
    assert again.steps == [
        ("region", "ok (eu-west-1)"),
        ("versioning", "ok"),
        ("encryption", "ok"),
        ("public access block", "ok"),
        ("TLS-only policy", "ok"),
    ]


def test_bootstrap_repairs_an_existing_bucket_and_keeps_a_foreign_policy(aws, project) -> None:
    client = s3()
    client.create_bucket(
        Bucket="shop-tfstate-prod-123", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    client.put_bucket_policy(
        Bucket="shop-tfstate-prod-123",
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:DeleteBucket",
                        "Resource": "arn:aws:s3:::shop-tfstate-prod-123",
                    }
                ],
            }
        ),
    )
    report = bootstrap(project, "prod")
    steps = dict(report.steps)
    assert not report.created and steps["versioning"] == "enabled"
    # A policy without the TLS-only Deny is not a pass: the Deny is added next to its statements.
    assert steps["TLS-only policy"].startswith("added")
    policy = json.loads(client.get_bucket_policy(Bucket="shop-tfstate-prod-123")["Policy"])
    assert [s["Action"] for s in policy["Statement"]] == ["s3:DeleteBucket", "s3:*"]
    assert is_tls_only(policy)
    assert dict(bootstrap(project, "prod").steps)["TLS-only policy"] == "ok"


def test_tls_only_means_a_deny_of_insecure_transport() -> None:
    deny = tls_only_policy("b", "eu-west-1")
    assert is_tls_only(deny)
    allow = json.loads(json.dumps(deny).replace('"Deny"', '"Allow"'))
    assert not is_tls_only(allow)  # an Allow conditioned on insecure transport is not TLS-only
    some_actions = json.loads(json.dumps(deny).replace('"s3:*"', '"s3:GetObject"'))
    assert not is_tls_only(some_actions)
    secure = json.loads(json.dumps(deny).replace('"false"', '"true"'))
    assert not is_tls_only(secure)
    assert not is_tls_only({"Statement": []})


def test_a_bucket_in_another_region_is_reported(aws, project) -> None:
    import boto3

    # In us-east-1 (no location constraint), while the backend says eu-west-1.
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="shop-tfstate-prod-123")
    with pytest.raises(
        TfgenError,
        match=r"is in us-east-1, but the backend says eu-west-1: set "
        r"state.region to us-east-1",
    ):
        bootstrap(project, "prod")


def test_bucket_and_region_come_from_backend_tf_without_a_manifest(aws, project) -> None:
    (project / ".tfgen/manifest.json").unlink()
    (project / "envs/dev/backend.tf").write_text(
        'terraform {\n  backend "s3" {\n    bucket       = "from-backend-tf"\n'
        '    key          = "dev/terraform.tfstate"\n    region       = "us-east-1"\n'
        "    encrypt      = true\n    use_lockfile = true\n  }\n}\n"
    )
    backend = state_backend(project, "dev")
    assert (backend.bucket, backend.region, backend.key) == (
        "from-backend-tf",
        "us-east-1",
        "dev/terraform.tfstate",
    )
    assert bootstrap(project, "dev").created


def test_doctor_reports_each_check_with_a_fix(aws, project, monkeypatch) -> None:
    monkeypatch.setenv("TFGEN_CHECKOV", str(project / "no-checkov"))
    monkeypatch.setenv("TFGEN_TRIVY", str(project / "no-trivy"))
    report = doctor(project, "dev")
    lines = "\n".join(report.lines())
    assert not report.ok
    assert "ok   terraform: 1." in lines
    assert f"FAIL checkov: TFGEN_CHECKOV points at {project / 'no-checkov'}, not an executable" in lines
    assert (
        "-> tfgen setup (installs tfgen's pinned checkov into your cache folder), or set TFGEN_CHECKOV"
        in lines
    )
    assert f"FAIL trivy: TFGEN_TRIVY points at {project / 'no-trivy'}, not an executable" in lines
    assert (
        "-> tfgen setup (installs tfgen's pinned trivy into your cache folder), or set TFGEN_TRIVY" in lines
    )
    assert "ok   AWS credentials: arn:aws:" in lines
    assert "FAIL state bucket (dev)" in lines and "-> tfgen bootstrap --env dev" in lines
    bootstrap(project, "dev")
    assert "ok   state bucket (dev): s3://shop-tfstate-dev-123" in "\n".join(doctor(project, "dev").lines())


def test_unknown_env_is_a_usage_error(project: Path) -> None:
    from tfgen.errors import UsageError

    with pytest.raises(UsageError, match="choose one of: dev, staging, prod"):
        state_backend(project, "qa")


# --------------------------------------------------------------------------- the commands


def _cli(*args: str):
    from tfgen.cli import app
    from typer.testing import CliRunner

    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_bootstrap_command_is_idempotent_and_reports_each_setting(aws, project) -> None:
    first = _cli("bootstrap", "--env", "dev", "--project", str(project))
    assert first.exit_code == 0, first.output
    second = _cli("bootstrap", "--env", "dev", "--project", str(project))
    assert second.exit_code == 0, second.output
    assert first.output != second.output  # the second run finds everything in place
    assert "shop-tfstate-dev-123" in first.output and "shop-tfstate-dev-123" in second.output
    assert s3().get_bucket_versioning(Bucket="shop-tfstate-dev-123")["Status"] == "Enabled"


def test_bootstrap_command_errors_are_one_line_and_exit_non_zero(aws, project, monkeypatch) -> None:
    unknown = _cli("bootstrap", "--env", "qa", "--project", str(project))
    assert unknown.exit_code == 2 and "choose one of: dev, staging, prod" in unknown.output
    # Nothing listens on port 9 (discard): AWS cannot be reached.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    down = _cli("bootstrap", "--env", "dev", "--project", str(project))
    assert down.exit_code != 0
    assert "Traceback" not in down.output and "dev" in down.output


def test_doctor_command_exit_status_follows_the_checks(aws, project, monkeypatch) -> None:
    monkeypatch.setenv("TFGEN_CHECKOV", str(project / "no-checkov"))
    failing = _cli("doctor", "--env", "dev", "--project", str(project))
    assert failing.exit_code == 1
    assert (
        f"FAIL checkov: TFGEN_CHECKOV points at {project / 'no-checkov'}, not an executable" in failing.output
    )
    assert "-> tfgen bootstrap --env dev" in failing.output


def test_tls_only_policy_uses_the_region_partition() -> None:
    from tfgen.bootstrap import tls_only_policy

    def resources(region: str) -> list[str]:
        return tls_only_policy("b", region)["Statement"][0]["Resource"]

    assert resources("eu-west-1") == ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]
    assert resources("cn-north-1")[0] == "arn:aws-cn:s3:::b"
    assert resources("us-gov-west-1")[0] == "arn:aws-us-gov:s3:::b"
