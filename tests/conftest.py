"""Fixtures shared by the test modules (helpers to import are in helpers.py)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import tfgen.scan as scan_mod
from helpers import (
    EXTRA_SPECS,
    REPO,
    RUN_FIXTURE,
    SETUP_HINT,
    TEST_SPECS,
    find_checkov,
    find_terraform,
    find_trivy,
    render_tree,
)

NULL_PROVIDER = "terraform-provider-null_v2.1.2_x4"

os.environ.setdefault("CHECKPOINT_DISABLE", "1")
# The `tfgen` processes tests start run in-process, not through a warm server left running
# after the suite; tests/test_warm.py turns it on, each test with its own cache folder.
os.environ["TFGEN_WARM"] = "0"
# The warm checkov (tfgen.scan.server) stays off in the suite, so no test leaves a server behind
# or shares one; tests/test_scan_server.py turns it on, each test with its own cache folder.
os.environ["TFGEN_SCAN_SERVER"] = "0"


# --------------------------------------------------------------------------- rendered trees


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every test spec rendered once per session (read-only: copy before you modify)."""
    base = tmp_path_factory.mktemp("rendered")
    return {name: render_tree(path, base / name) for name, path in TEST_SPECS.items()}


@pytest.fixture(scope="session")
def rendered_extra(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every one-feature spec (EXTRA_SPECS) rendered once per session (read-only)."""
    base = tmp_path_factory.mktemp("rendered-extra")
    return {name: render_tree(path, base / name) for name, path in EXTRA_SPECS.items()}


@pytest.fixture
def writable_copy(tmp_path: Path):
    """Copy a rendered tree into tmp_path so a test may break it."""

    def copy(tree: Path) -> Path:
        target = tmp_path / tree.name
        shutil.copytree(tree, target)
        return target

    return copy


# --------------------------------------------------------------------------- real tools


@pytest.fixture(scope="session")
def checkov() -> Path:
    """The real checkov (TFGEN_CHECKOV, else .venv-checkov); exported as TFGEN_CHECKOV so
    code that looks it up the way users' machines do (plan --scan, pre-commit) finds it."""
    path = find_checkov()
    os.environ[scan_mod.CHECKOV_ENV_VAR] = str(path)
    return path


@pytest.fixture(scope="session")
def trivy() -> Path:
    """The real trivy (TFGEN_TRIVY, else .venv-trivy); exported as TFGEN_TRIVY, like checkov."""
    path = find_trivy()
    os.environ[scan_mod.TRIVY_ENV_VAR] = str(path)
    return path


@pytest.fixture(scope="session")
def terraform_bin() -> str:
    """The real terraform (TFGEN_TERRAFORM, else PATH); exported as TFGEN_TERRAFORM."""
    found = str(find_terraform())
    os.environ["TFGEN_TERRAFORM"] = found
    return found


@pytest.fixture(scope="session")
def provider_mirror(tmp_path_factory: pytest.TempPathFactory, terraform_bin: str) -> Path:
    """The null provider as a filesystem mirror: $TFGEN_PLUGIN_MIRROR (the Makefile sets it),
    else the one `make setup` builds in .tools/, else one built here from the provider binary
    `make setup` pip-installs into this venv. Exported as TFGEN_PLUGIN_MIRROR."""
    for candidate in (os.environ.get("TFGEN_PLUGIN_MIRROR"), REPO / ".tools" / "provider-mirror"):
        if candidate and Path(candidate).is_dir():
            os.environ["TFGEN_PLUGIN_MIRROR"] = str(candidate)
            return Path(candidate)
    candidates = [Path(sys.prefix) / "lib" / NULL_PROVIDER, *Path(sys.prefix).rglob(NULL_PROVIDER)]
    binary = next((p for p in candidates if p.is_file()), None)
    if binary is None:
        pytest.fail(f"the null provider ({NULL_PROVIDER}) is not installed: {SETUP_HINT}", pytrace=False)
    mirror = tmp_path_factory.mktemp("provider-mirror")
    target = mirror / "registry.terraform.io/hashicorp/null/2.1.2/linux_amd64"
    target.mkdir(parents=True)
    shutil.copy2(binary, target / NULL_PROVIDER)
    (target / NULL_PROVIDER).chmod(0o755)
    os.environ["TFGEN_PLUGIN_MIRROR"] = str(mirror)
    return mirror


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of tests/fixtures/run/project (envs dev/staging/prod, modules/app, manifest)."""
    root = tmp_path / "project"
    shutil.copytree(RUN_FIXTURE, root)
    return root


# --------------------------------------------------------------------------- scans


@pytest.fixture(scope="session")
def scans(
    rendered: dict[str, Path], rendered_extra: dict[str, Path], checkov: Path, trivy: Path
) -> dict[str, scan_mod.ScanResult]:
    """Every rendered tree (test specs and extra specs) scanned once per session, two at a
    time, with both engines: the real checkov with tfgen's policies, and the real trivy on
    each environment root. No cache: the trees stay untouched."""
    trees = {**rendered, **rendered_extra}

    def one(name: str) -> tuple[str, scan_mod.ScanResult]:
        return name, scan_mod.scan(trees[name], checkov=checkov, trivy=trivy, use_cache=False)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(one, sorted(trees)))


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """A local moto server (S3, STS, ... over HTTP), one per test module."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = shutil.which("moto_server") or str(Path(sys.executable).parent / "moto_server")
    proc = subprocess.Popen(
        [server, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
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
