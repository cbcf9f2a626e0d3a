"""The generated `.pre-commit-config.yaml` under the real pre-commit, offline.

A spec is rendered into a fresh git repository; `pre-commit run --all-files` runs its local
hooks (terraform fmt, tfgen validate, tfgen scan) with tfgen and terraform from PATH and
checkov and trivy from TFGEN_CHECKOV and TFGEN_TRIVY. The clean tree passes; an SSH rule open
to the world fails the scan hook (both engines), and only it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REFERENCE_SPEC, SSH_FROM_ANYWHERE, render_tree

HOOK_NAMES = ("terraform fmt", "tfgen validate", "tfgen scan")


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        [
            "git",
            "-c",
            "user.name=tfgen test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
            *args,
        ],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    )


def hook_status(output: str) -> dict[str, str]:
    """Hook name -> Passed/Failed/Skipped, from pre-commit's `name....Status` lines."""
    statuses = {}
    for line in output.splitlines():
        for name in HOOK_NAMES:
            if line.startswith(name):
                statuses[name] = line.rstrip().rsplit(".", 1)[-1].split()[-1]
    return statuses


@pytest.fixture
def precommit_env(tmp_path: Path, terraform_bin: str, checkov: Path, trivy: Path) -> dict[str, str]:
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        pytest.fail("pre-commit is not installed in this venv: run `make setup`")
    path = os.pathsep.join(
        [str(Path(sys.executable).parent), str(Path(terraform_bin).parent), "/usr/bin", "/bin"]
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "GIT_")) and k != "PATH"}
    env.update(
        PATH=path,
        TFGEN_CHECKOV=str(checkov),
        TFGEN_TRIVY=str(trivy),
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
        CHECKPOINT_DISABLE="1",
        PRE_COMMIT_COLOR="never",
    )
    return env


def pre_commit(repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.slow
def test_generated_pre_commit_config_passes_clean_and_fails_insecure(
    tmp_path: Path, precommit_env: dict[str, str]
) -> None:
    repo = render_tree(REFERENCE_SPEC, tmp_path / "shop")
    assert (repo / ".pre-commit-config.yaml").is_file()
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "rendered by tfgen")

    clean = pre_commit(repo, precommit_env)
    output = clean.stdout + clean.stderr
    assert hook_status(output) == dict.fromkeys(HOOK_NAMES, "Passed"), output
    assert clean.returncode == 0, output

    vpc = repo / "modules" / "vpc" / "main.tf"
    vpc.write_text(vpc.read_text() + SSH_FROM_ANYWHERE)
    git(repo, "add", "modules/vpc/main.tf")

    red = pre_commit(repo, precommit_env)
    output = red.stdout + red.stderr
    assert red.returncode != 0, output
    statuses = hook_status(output)
    assert statuses["tfgen scan"] == "Failed", output
    assert statuses["terraform fmt"] == "Passed", output  # the edit is formatted: only the scan
    assert "ssh_from_anywhere" in output and "CKV_AWS_24" in output, output
    assert "TFGEN_AWS_004" in output, output
    assert "AWS-0107" in output and "[trivy HIGH" in output, output  # both engines ran, both red


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False)


@pytest.mark.slow
def test_a_fresh_clone_goes_setup_then_hooks_then_plan_with_no_unstated_step(
    tmp_path: Path, precommit_env: dict[str, str], moto_endpoint: str
) -> None:
    """The generated project on its own: rendered by the real CLI, committed, cloned elsewhere;
    then exactly the README's steps, `make setup`, `pre-commit run --all-files`, `make plan`."""
    import boto3
    from test_e2e import point_backends_at

    tfgen = str(Path(sys.executable).parent / "tfgen")
    origin = tmp_path / "origin"
    rendered = run([tfgen, "init", str(REFERENCE_SPEC), "--out", str(origin)], tmp_path, precommit_env)
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr
    git(origin, "init", "-q")
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "rendered by tfgen")
    clone = tmp_path / "somewhere" / "else"
    clone.parent.mkdir()
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    assert (clone / "tfgen.yaml").read_text().split("\n", 1)[1] == REFERENCE_SPEC.read_text().split("\n", 1)[
        1
    ]

    setup = run(["make", "setup"], clone, precommit_env)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert f"checkov: {precommit_env['TFGEN_CHECKOV']}" in setup.stdout
    assert "pre-commit hooks: installed in .git/hooks (they run on every commit)" in setup.stdout
    assert (clone / ".git" / "hooks" / "pre-commit").is_file()

    first = pre_commit(clone, precommit_env)
    assert hook_status(first.stdout) == dict.fromkeys(HOOK_NAMES, "Passed"), first.stdout + first.stderr
    again = run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--verbose", "--color", "never"],
        clone,
        precommit_env,
    )
    assert again.returncode == 0 and "from cache" in again.stdout, again.stdout  # the second run is cached

    vpc = clone / "modules" / "vpc" / "main.tf"
    vpc.write_text(vpc.read_text() + SSH_FROM_ANYWHERE)
    git(clone, "add", "modules/vpc/main.tf")
    commit = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "insecure"],
        cwd=clone,
        env=precommit_env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert commit.returncode != 0, commit.stdout  # the hook make setup installed refuses it
    assert "CKV_AWS_24" in commit.stdout + commit.stderr
    git(clone, "reset", "-q", "--hard")

    envs = point_backends_at(clone, moto_endpoint)
    aws = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL": moto_endpoint,
    }
    s3 = boto3.client(
        "s3",
        region_name=envs["dev"]["state_region"],
        endpoint_url=moto_endpoint,
        **{"aws_access_key_id": "testing", "aws_secret_access_key": "testing"},
    )
    s3.create_bucket(
        Bucket=envs["dev"]["state_bucket"],
        CreateBucketConfiguration={"LocationConstraint": envs["dev"]["state_region"]},
    )
    plan = run(["make", "plan", "ENV=dev"], clone, {**precommit_env, **aws})
    output = plan.stdout + plan.stderr
    assert plan.returncode == 2, output  # tfgen plan: 2 = changes to make (make passes it on)
    assert re.search(r"^== dev: \d+ to create, 0 to update, 0 to delete, 0 to replace", output, re.M), output


def test_generated_makefile_says_how_to_get_tfgen_when_it_is_missing(tmp_path: Path) -> None:
    project = render_tree(REFERENCE_SPEC, tmp_path / "shop")
    bare = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    for target in (["setup"], ["validate"], ["plan", "ENV=dev"]):
        result = run(["make", "--no-print-directory", *target], project, bare)
        assert result.returncode == 2, (target, result.stdout, result.stderr)
        assert (
            "tfgen is not installed: pipx install <a tfgen clone or wheel>, or make setup "
            "TFGEN_PACKAGE=<a tfgen clone or wheel> (installs it into .venv)"
        ) in result.stdout + result.stderr, target
