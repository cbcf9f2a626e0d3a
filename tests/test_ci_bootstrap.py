"""`tfgen bootstrap --ci` against a local moto server (IAM and STS as boto3 sees AWS)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import render_inline
from tfgen.cli import app
from typer.testing import CliRunner

SPEC = """\
name: shop
region: eu-west-1
load_balancer:
  certificate_arn: arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978
ci:
  repository: acme/shop
  default_branch: trunk
environments:
  dev:
    profile: low-power
  prod:
    profile: high-power
"""
ISSUER = "token.actions.githubusercontent.com"
ACCOUNT = "123456789012"  # moto's


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """A moto server that knows AWS's managed policies (ReadOnlyAccess, ...), as IAM does."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = shutil.which("moto_server") or str(Path(sys.executable).parent / "moto_server")
    env = dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="true")
    proc = subprocess.Popen(
        [server, "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1)
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("moto_server did not start (pip install 'moto[server]')")
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    urllib.request.urlopen(urllib.request.Request(moto_endpoint + "/moto-api/reset", method="POST"))
    return moto_endpoint


def iam():
    import boto3

    return boto3.client("iam", region_name="eu-west-1")


def bootstrap(tree: Path, env: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["bootstrap", "--ci", "--env", env, "--project", str(tree)])
    return result.exit_code, result.stdout, result.stderr


def trust(role: str) -> dict:
    doc = iam().get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    return doc if isinstance(doc, dict) else json.loads(doc)


def test_bootstrap_ci_creates_the_provider_and_roles_once(aws: str, tmp_path: Path) -> None:
    tree = render_inline(tmp_path, SPEC)
    code, out, err = bootstrap(tree, "prod")
    assert code == 0, out + err
    assert out.splitlines() == [
        "bootstrap --ci prod:",
        f"  OIDC provider {ISSUER}: created",
        "  role tfgen-shop-prod-plan: created",
        "  role tfgen-shop-prod-apply: created",
        "  roles file: .tfgen/ci-roles.json (commit it: the workflows read the ARNs there)",
    ]
    provider_arn = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER}"
    provider = iam().get_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn)
    assert provider["ClientIDList"] == ["sts.amazonaws.com"]
    assert trust("tfgen-shop-prod-plan") == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{ISSUER}:aud": "sts.amazonaws.com",
                        f"{ISSUER}:sub": [
                            "repo:acme/shop:pull_request",
                            "repo:acme/shop:ref:refs/heads/trunk",
                        ],
                    },
                },
            }
        ],
    }
    apply_condition = trust("tfgen-shop-prod-apply")["Statement"][0]["Condition"]
    assert apply_condition == {
        "StringEquals": {
            f"{ISSUER}:aud": "sts.amazonaws.com",
            f"{ISSUER}:sub": ["repo:acme/shop:environment:prod"],
        }
    }
    attached = {
        role: [p["PolicyArn"] for p in iam().list_attached_role_policies(RoleName=role)["AttachedPolicies"]]
        for role in ("tfgen-shop-prod-plan", "tfgen-shop-prod-apply")
    }
    assert attached == {
        "tfgen-shop-prod-plan": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
        "tfgen-shop-prod-apply": ["arn:aws:iam::aws:policy/AdministratorAccess"],
    }
    state = iam().get_role_policy(RoleName="tfgen-shop-prod-plan", PolicyName="tfgen-state")["PolicyDocument"]
    state = state if isinstance(state, dict) else json.loads(state)
    by_sid = {s["Sid"]: (s["Action"], s["Resource"]) for s in state["Statement"]}
    assert by_sid == {
        "StateBucket": ("s3:ListBucket", "arn:aws:s3:::shop-tfstate"),
        "State": (["s3:GetObject"], "arn:aws:s3:::shop-tfstate/prod/terraform.tfstate"),
        "StateLock": (
            ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            "arn:aws:s3:::shop-tfstate/prod/terraform.tfstate.tflock",
        ),
    }
    roles = json.loads((tree / ".tfgen/ci-roles.json").read_text())
    assert roles == {
        "prod": {
            "apply_role_arn": f"arn:aws:iam::{ACCOUNT}:role/tfgen-shop-prod-apply",
            "plan_role_arn": f"arn:aws:iam::{ACCOUNT}:role/tfgen-shop-prod-plan",
        }
    }

    # Idempotent: nothing to do the second time; a second environment shares the provider.
    code, out, _ = bootstrap(tree, "prod")
    assert code == 0 and [line.split(": ")[-1] for line in out.splitlines()[1:4]] == ["ok", "ok", "ok"]
    code, out, _ = bootstrap(tree, "dev")
    assert code == 0 and f"  OIDC provider {ISSUER}: ok" in out.splitlines()
    assert set(json.loads((tree / ".tfgen/ci-roles.json").read_text())) == {"dev", "prod"}
    assert len(iam().list_open_id_connect_providers()["OpenIDConnectProviderList"]) == 1

    # A trust policy widened by hand is put back.
    loose = trust("tfgen-shop-prod-apply")
    loose["Statement"][0]["Condition"]["StringEquals"][f"{ISSUER}:sub"] = ["repo:acme/shop:*"]
    iam().update_assume_role_policy(RoleName="tfgen-shop-prod-apply", PolicyDocument=json.dumps(loose))
    code, out, _ = bootstrap(tree, "prod")
    assert "  role tfgen-shop-prod-apply: trust policy put back" in out.splitlines()
    assert trust("tfgen-shop-prod-apply")["Statement"][0]["Condition"] == apply_condition


def test_immutable_subject_prefix_from_the_spec(aws: str, tmp_path: Path) -> None:
    spec = SPEC.replace("  default_branch: trunk\n", "  oidc_subject_prefix: repo:acme-1234/shop-5678\n")
    tree = render_inline(tmp_path, spec)
    assert bootstrap(tree, "dev")[0] == 0
    sub = trust("tfgen-shop-dev-apply")["Statement"][0]["Condition"]["StringEquals"][f"{ISSUER}:sub"]
    assert sub == ["repo:acme-1234/shop-5678:environment:dev"]


def test_gitlab_trusts_the_instance_and_the_default_branch(aws: str, tmp_path: Path) -> None:
    spec = SPEC.replace("  repository: acme/shop\n", "  provider: gitlab\n  repository: acme/web/shop\n")
    tree = render_inline(tmp_path, spec)
    code, out, err = bootstrap(tree, "dev")
    assert code == 0, out + err
    plan = trust("tfgen-shop-dev-plan")["Statement"][0]
    assert plan["Principal"] == {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/gitlab.com"}
    assert plan["Condition"] == {
        "StringEquals": {"gitlab.com:aud": "https://gitlab.com"},
        "StringLike": {"gitlab.com:sub": ["project_path:acme/web/shop:ref_type:branch:ref:*"]},
    }
    apply = trust("tfgen-shop-dev-apply")["Statement"][0]["Condition"]
    assert apply["StringEquals"]["gitlab.com:sub"] == ["project_path:acme/web/shop:ref_type:branch:ref:trunk"]


def test_without_a_repository_it_says_which_key_to_set(aws: str, tmp_path: Path) -> None:
    tree = render_inline(tmp_path, SPEC.replace("  repository: acme/shop\n", ""))
    code, _, err = bootstrap(tree, "dev")
    assert code != 0
    assert err.strip() == (
        "error: bootstrap --ci: the spec has no ci.repository: set it (owner/name) and run tfgen init"
    )
    assert not (tree / ".tfgen/ci-roles.json").exists()
