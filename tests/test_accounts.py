"""Accounts: each environment pins its AWS account, may assume a role, and keeps its state in its own
account when the environments span several (provider, backend, manifest, bootstrap against moto)."""

from __future__ import annotations

import json
import textwrap
import urllib.request
from pathlib import Path

import pytest
from helpers import blocks, parse, render_inline, unquote
from tfgen.bootstrap import bootstrap, state_backend
from tfgen.errors import SpecError, TfgenError
from tfgen.spec import load_spec

SPLIT = """\
name: acme
region: eu-west-1
load_balancer:
  certificate_arn: arn:aws:acm:eu-west-1:111122223333:certificate/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee
environments:
  dev:
    profile: low-power
    account_id: "111122223333"
  prod:
    profile: high-power
    account_id: "444455556666"
    assume_role:
      role_arn: arn:aws:iam::444455556666:role/deploy
      external_id: acme-ci
      session_name: tfgen-prod
"""


def provider(tree: Path, env: str) -> dict:
    return blocks(parse(tree / "envs" / env / "versions.tf"), "provider")["aws"]


def backend(tree: Path, env: str) -> dict:
    doc = parse(tree / "envs" / env / "backend.tf")
    return doc["terraform"][0]["backend"][0]['"s3"']


def test_reference_pins_every_environment_to_its_account(rendered: dict[str, Path]) -> None:
    tree = rendered["reference"]
    for env in ("dev", "staging", "prod"):
        assert unquote(provider(tree, env)["allowed_account_ids"]) == ["123456789012"]
        assert unquote(backend(tree, env)["allowed_account_ids"]) == ["123456789012"]
        # One account: one state bucket for every environment.
        assert unquote(backend(tree, env)["bucket"]) == "shop-tfstate"
    role = provider(tree, "prod")["assume_role"][0]
    assert {k: unquote(v) for k, v in role.items() if k != "__is_block__"} == {
        "role_arn": "arn:aws:iam::123456789012:role/shop-deploy",
        "session_name": "tfgen-prod",
    }
    assert {k: unquote(v) for k, v in backend(tree, "prod")["assume_role"].items()} == {
        "role_arn": "arn:aws:iam::123456789012:role/shop-deploy",
        "session_name": "tfgen-prod",
    }
    assert "assume_role" not in provider(tree, "dev") and "assume_role" not in backend(tree, "dev")


def test_without_account_ids_the_provider_takes_any_account(rendered: dict[str, Path]) -> None:
    body = provider(rendered["minimal"], "dev")
    assert "allowed_account_ids" not in body and "assume_role" not in body
    assert "allowed_account_ids" not in backend(rendered["minimal"], "dev")


def test_environments_in_different_accounts_get_a_state_bucket_each(tmp_path: Path) -> None:
    tree = render_inline(tmp_path, SPLIT)
    assert unquote(backend(tree, "dev")["bucket"]) == "acme-tfstate-111122223333"
    assert unquote(backend(tree, "prod")["bucket"]) == "acme-tfstate-444455556666"
    assert {k: unquote(v) for k, v in backend(tree, "prod")["assume_role"].items()} == {
        "role_arn": "arn:aws:iam::444455556666:role/deploy",
        "external_id": "acme-ci",
        "session_name": "tfgen-prod",
    }
    manifest = json.loads((tree / ".tfgen/manifest.json").read_text())["environments"]
    assert manifest["prod"]["state_bucket"] == "acme-tfstate-444455556666"
    assert manifest["prod"]["account_id"] == "444455556666"
    assert manifest["prod"]["assume_role"]["external_id"] == "acme-ci"
    assert "assume_role" not in manifest["dev"]
    got = state_backend(tree, "prod")
    assert (got.bucket, got.account_id, got.assume_role) == (
        "acme-tfstate-444455556666",
        "444455556666",
        {
            "role_arn": "arn:aws:iam::444455556666:role/deploy",
            "external_id": "acme-ci",
            "session_name": "tfgen-prod",
        },
    )


def errors_of(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "app.yaml"
    path.write_text(textwrap.dedent(text))
    with pytest.raises(SpecError) as info:
        load_spec(path)
    return info.value.lines()


def test_a_role_in_another_account_than_the_environment_is_refused(tmp_path: Path) -> None:
    text = SPLIT.replace("arn:aws:iam::444455556666", "arn:aws:iam::111122223333")
    lines = errors_of(tmp_path, text)
    assert len(lines) == 1, lines
    assert "environments.prod.assume_role.role_arn" in lines[0] and "app.yaml:13: " in lines[0]
    assert "role of account 111122223333" in lines[0] and "account_id is 444455556666" in lines[0]


def test_account_id_must_be_twelve_digits(tmp_path: Path) -> None:
    lines = errors_of(tmp_path, SPLIT.replace('"111122223333"', '"1111"'))
    assert len(lines) == 1 and "environments.dev.account_id" in lines[0] and "app.yaml:8: " in lines[0], lines


def test_a_bucket_name_too_long_for_the_account_suffix_is_refused(tmp_path: Path) -> None:
    text = SPLIT.replace("environments:", "state:\n  bucket: " + "a" * 55 + "\nenvironments:")
    lines = errors_of(tmp_path, text)
    assert len(lines) == 1 and "state.bucket" in lines[0] and "<account id>" in lines[0], lines


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


def test_bootstrap_creates_the_bucket_in_the_environments_account_through_its_role(
    aws: str, tmp_path: Path
) -> None:
    """moto (a stand-in for STS and S3) keeps each account's buckets apart, like AWS."""
    import boto3

    tree = render_inline(tmp_path, SPLIT.replace('"111122223333"', '"123456789012"'))
    # dev: the default credentials are moto's account 123456789012, the one dev names.
    assert bootstrap(tree, "dev").created
    # prod: created through the role, in account 444455556666, not in the caller's.
    assert bootstrap(tree, "prod").created
    creds = boto3.client("sts").assume_role(
        RoleArn="arn:aws:iam::444455556666:role/deploy", RoleSessionName="check"
    )["Credentials"]
    theirs = boto3.client(
        "s3",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    assert [b["Name"] for b in theirs.list_buckets()["Buckets"]] == ["acme-tfstate-444455556666"]
    ours = [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
    assert ours == ["acme-tfstate-123456789012"]


def test_bootstrap_refuses_credentials_of_another_account(aws: str, tmp_path: Path) -> None:
    tree = render_inline(tmp_path, SPLIT)  # dev names 111122223333; moto's caller is 123456789012
    with pytest.raises(TfgenError, match=r"credentials are for account 123456789012, but environment dev "):
        bootstrap(tree, "dev")
