"""The generated `.pre-commit-config.yaml` under the real pre-commit, offline.

A spec is rendered into a fresh git repository; `pre-commit run --all-files` runs its local
hooks (terraform fmt, tfgen validate, tfgen scan) with tfgen and terraform from PATH and
checkov and trivy from TFGEN_CHECKOV and TFGEN_TRIVY. The clean tree passes; an SSH rule open
to the world fails the scan hook (both engines), and only it.
"""

from __future__ import annotations

import os
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
    assert "AWS-0107  trivy  HIGH" in output, output  # both engines ran, and both are red
