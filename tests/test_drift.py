"""`tfgen drift`: a refresh-only plan per environment, against the AWS provider twin.

The twin (tools/twin) with TFGEN_TWIN_CLOUD keeps each applied object in a folder: a test edits
or deletes those files behind terraform's back, which is drift as a real cloud would show it.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from helpers import REPO
from tfgen.cli import app
from tfgen.drift import changed_attributes
from typer.testing import CliRunner

MAIN_TF = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 6.0" }
  }
  backend "local" {}
}

provider "aws" {
  region = "eu-west-1"
}

resource "aws_vpc" "main" {
  cidr_block = "10.20.0.0/16"
  tags       = { Name = "NAME-main" }
}

resource "aws_sns_topic" "alarms" {
  name = "NAME-alarms"
}
"""


@pytest.fixture(scope="module")
def provider_mirror() -> Path:
    """The offline mirror with the AWS twin (`make setup` lays it out)."""
    mirror = Path(os.environ.get("TFGEN_PLUGIN_MIRROR") or REPO / ".tools" / "provider-mirror")
    if not (mirror / "registry.terraform.io/hashicorp/aws/6.69.1").is_dir():
        pytest.fail(f"the AWS provider twin is not in {mirror}: run `make setup`", pytrace=False)
    return mirror


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory, provider_mirror: Path) -> tuple[Path, Path]:
    """A project with envs dev and prod, both applied into one twin cloud folder."""
    base = tmp_path_factory.mktemp("drift")
    root, cloud = base / "project", base / "cloud"
    env = dict(os.environ, TFGEN_TWIN_CLOUD=str(cloud), TFGEN_TWIN_STRICT="1", CHECKPOINT_DISABLE="1")
    for name in ("dev", "prod"):
        folder = root / "envs" / name
        folder.mkdir(parents=True)
        (folder / "main.tf").write_text(MAIN_TF.replace("NAME", name))
        for argv in (["init", f"-plugin-dir={provider_mirror}"], ["apply", "-auto-approve"]):
            proc = subprocess.run(
                ["terraform", *argv, "-no-color", "-input=false"],
                cwd=folder,
                env=env,
                capture_output=True,
                text=True,
            )
            assert proc.returncode == 0, proc.stdout + proc.stderr
    return root, cloud


def drift(root: Path, cloud: Path, mirror: Path, *args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["drift", "--project", str(root), "--plugin-dir", str(mirror), *args],
        env={"TFGEN_TWIN_CLOUD": str(cloud), "TFGEN_TWIN_STRICT": "1"},
    )
    return result.exit_code, result.stdout, result.stderr


def cloud_object(cloud: Path, rtype: str, name_tag: str | None = None, name: str | None = None) -> Path:
    for path in (cloud / rtype).glob("*.json"):
        attrs = json.loads(path.read_text())["attributes"]
        if (name_tag and (attrs.get("tags") or {}).get("Name") == name_tag) or (
            name and attrs.get("name") == name
        ):
            return path
    raise AssertionError(f"no {rtype} {name_tag or name} in {cloud}")


def test_no_drift_then_drift_then_its_summary(applied: tuple[Path, Path], provider_mirror: Path) -> None:
    root, cloud = applied
    code, out, _ = drift(root, cloud, provider_mirror, "--all")
    assert code == 0, out
    assert out.splitlines() == [
        "env dev: no drift (the cloud matches the state)",
        "env prod: no drift (the cloud matches the state)",
    ]

    vpc = cloud_object(cloud, "aws_vpc", name_tag="prod-main")
    doc = json.loads(vpc.read_text())
    doc["attributes"]["tags"]["Name"] = "renamed-by-hand"
    doc["attributes"]["tags"]["Owner"] = "ops"
    doc["attributes"]["tags_all"] = dict(doc["attributes"]["tags"])
    vpc.write_text(json.dumps(doc))
    cloud_object(cloud, "aws_sns_topic", name="prod-alarms").unlink()

    code, out, _ = drift(root, cloud, provider_mirror, "--env", "prod")
    assert code == 2, out
    assert out.splitlines() == [
        "env prod: 2 resources drifted",
        "  - aws_sns_topic.alarms: deleted outside terraform",
        "  ~ aws_vpc.main: changed outside terraform",
        '      tags.Name: "prod-main" -> "renamed-by-hand"',
        '      tags.Owner: null -> "ops"',
        '      tags_all.Name: "prod-main" -> "renamed-by-hand"',
        '      tags_all.Owner: null -> "ops"',
    ]

    code, out, _ = drift(root, cloud, provider_mirror, "--all", "--json")
    assert code == 2
    report = {r["env"]: r for r in json.loads(out)}
    assert report["dev"] == {"env": "dev", "drifted": False, "exit_code": 0, "resources": []}
    prod = report["prod"]
    assert (prod["drifted"], prod["exit_code"]) == (True, 2)
    assert [(r["address"], r["action"]) for r in prod["resources"]] == [
        ("aws_sns_topic.alarms", "delete"),
        ("aws_vpc.main", "update"),
    ]
    assert prod["resources"][1]["attributes"][0] == {
        "path": "tags.Name",
        "before": "prod-main",
        "after": "renamed-by-hand",
    }

    code, out, _ = drift(root, cloud, provider_mirror, "--all", "--format", "markdown")
    assert code == 2
    assert "### tfgen drift: `dev`\n\nNo drift: every object matches the state.\n" in out
    assert "**2 resources drifted** from the state" in out
    assert "| `aws_sns_topic.alarms` | deleted outside terraform | - |" in out
    assert (
        '| `aws_vpc.main` | changed outside terraform | `tags.Name: "prod-main" -> "renamed-by-hand"`<br>'
        in out
    )

    # Drift changed nothing: the state still has the topic and the old name; no plan is left.
    state = json.loads((root / "envs/prod/terraform.tfstate").read_text())
    assert {r["type"] for r in state["resources"]} == {"aws_vpc", "aws_sns_topic"}
    assert not list((root / "envs/prod/.tfgen").glob("*.tfplan"))


def test_an_error_is_exit_1_and_the_usage_errors(tmp_path: Path, provider_mirror: Path) -> None:
    folder = tmp_path / "envs" / "dev"
    folder.mkdir(parents=True)
    (folder / "main.tf").write_text('resource "null_resource" "x" {\n  triggers = {\n')  # broken HCL
    code, out, err = drift(tmp_path, tmp_path / "cloud", provider_mirror, "--env", "dev")
    assert code == 1
    assert "\nenv dev: error\n  terraform init failed for env dev (exit 1):\n" in err  # after progress lines
    assert "Expected the start of an expression" in err
    code, _, err = drift(tmp_path, tmp_path / "cloud", provider_mirror)
    assert (code, err.strip()) == (1, "error: drift: pass --env ENV or --all (one of them)")
    code, _, err = drift(tmp_path, tmp_path / "cloud", provider_mirror, "--env", "nope")
    assert code == 1 and "unknown environment 'nope'" in err


def test_sensitive_attributes_show_no_values() -> None:
    changes = changed_attributes(
        {"password": "old", "tags": {"a": "1"}}, {"password": "new", "tags": {"a": "2"}}, {"password": True}
    )
    assert [c.shown() for c in changes] == ["password (sensitive)", 'tags.a: "1" -> "2"']
