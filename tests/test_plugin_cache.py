"""The shared provider cache: environments link one copy of each provider instead of each their own."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from helpers import REPO
from tfgen.terraform import Terraform
from tfgen.terraform_setup import terraform_env

sys.path.insert(0, str(REPO / "bench"))
from bench_plugin_cache import MAIN_TF, disk_bytes, packed_mirror  # noqa: E402


@pytest.fixture
def user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TFGEN_CACHE_DIR", str(tmp_path / "user-cache"))
    monkeypatch.delenv("TF_PLUGIN_CACHE_DIR", raising=False)
    monkeypatch.delenv("TFGEN_PLUGIN_CACHE", raising=False)
    monkeypatch.delenv("TF_CLI_CONFIG_FILE", raising=False)
    monkeypatch.delenv("TERRAFORM_CONFIG", raising=False)
    return tmp_path / "user-cache"


def test_the_cache_is_under_the_user_cache_folder(user_cache: Path) -> None:
    env, _ = terraform_env(None)
    assert env["TF_PLUGIN_CACHE_DIR"] == str(user_cache / "plugin-cache")
    assert (user_cache / "plugin-cache").is_dir()
    assert (user_cache / "plugin-cache").stat().st_mode & 0o777 == 0o700


def test_the_users_own_cache_is_kept(
    user_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TF_PLUGIN_CACHE_DIR", "/somewhere/of/mine")
    assert terraform_env(None)[0]["TF_PLUGIN_CACHE_DIR"] == "/somewhere/of/mine"
    monkeypatch.delenv("TF_PLUGIN_CACHE_DIR")
    config = tmp_path / "terraformrc"
    config.write_text('plugin_cache_dir = "/mine/too"\n')
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(config))
    assert "TF_PLUGIN_CACHE_DIR" not in terraform_env(None)[0]
    monkeypatch.delenv("TF_CLI_CONFIG_FILE")
    monkeypatch.setenv("TFGEN_PLUGIN_CACHE", "0")
    assert "TF_PLUGIN_CACHE_DIR" not in terraform_env(None)[0]


def test_an_unpacked_mirror_is_linked_already_so_no_cache(user_cache: Path, provider_mirror: Path) -> None:
    """terraform symlinks an unpacked mirror into each root: nothing to share, nothing to race."""
    assert "TF_PLUGIN_CACHE_DIR" not in terraform_env(provider_mirror)[0]


def test_second_environment_links_the_cached_provider(
    user_cache: Path, tmp_path: Path, provider_mirror: Path
) -> None:
    mirror = packed_mirror(provider_mirror, tmp_path)  # extracted per root without a cache
    roots = []
    for name in ("dev", "prod"):
        root = tmp_path / "envs" / name
        root.mkdir(parents=True)
        (root / "main.tf").write_text(MAIN_TF)
        if roots:
            (root / ".terraform.lock.hcl").write_bytes((roots[0] / ".terraform.lock.hcl").read_bytes())
        Terraform(root, mirror=mirror).init(backend=False)
        roots.append(root)
    provider = "registry.terraform.io/hashicorp/null/2.1.2/linux_amd64"
    cached = user_cache / "plugin-cache" / provider
    assert disk_bytes(cached) > 10_000_000  # the one real copy
    for root in roots:
        installed = root / ".terraform/providers" / provider
        assert installed.is_symlink() and installed.resolve() == cached.resolve()
        assert disk_bytes(root / ".terraform") < 100_000
    assert os.environ.get("TF_PLUGIN_CACHE_DIR") is None  # set for terraform only, not for tfgen
