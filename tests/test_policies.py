"""tfgen's policies: each has a fixture folder whose pass_*/fail_* resources it must sort exactly.

One checkov run covers every fixture folder (start-up dominates checkov's cost); results are
split per folder by file path, the way checkov's own tests compare expected.yaml files.
"""

from __future__ import annotations

import ast
import json
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest
import yaml
from helpers import FIXTURES, REPO
from tfgen.scan import checkov_env

POLICIES = REPO / "policies"
POLICY_FIXTURES = FIXTURES / "policies"


def policy_files() -> dict[str, Path]:
    """Policy id (TFGEN_AWS_001) -> its file (TFGEN_AWS_001_<Name>.yaml|.py)."""
    files = [p for p in POLICIES.iterdir() if p.suffix in (".yaml", ".py") and p.stem != "__init__"]
    return {"_".join(p.stem.split("_")[:3]): p for p in files}


FIXTURE_IDS = sorted(p.name for p in POLICY_FIXTURES.iterdir() if p.is_dir())


def test_sixteen_policies_each_with_a_fixture_folder() -> None:
    ids = policy_files()
    assert sorted(ids) == [f"TFGEN_AWS_{n:03d}" for n in range(1, 17)]
    assert sorted(ids) == FIXTURE_IDS


def test_policy_files_declare_the_id_in_their_name() -> None:
    for policy_id, path in policy_files().items():
        text = path.read_text()
        if path.suffix == ".yaml":
            assert yaml.safe_load(text)["metadata"]["id"] == policy_id, path.name
        else:
            assert f'id="{policy_id}"' in text, path.name


def test_python_policies_import_only_checkov_and_the_standard_library() -> None:
    allowed = {"checkov", "json", "re", "ipaddress"}
    for path in POLICIES.glob("TFGEN_*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                roots = {(node.module or "").split(".")[0]}
            else:
                continue
            assert roots <= allowed, f"{path.name} imports {roots - allowed}"


@pytest.fixture(scope="module")
def fixture_results(checkov: Path) -> dict[str, dict[str, set[str]]]:
    """Run checkov once over all fixture folders with only tfgen's checks."""
    cmd = [
        str(checkov),
        "-d",
        str(POLICY_FIXTURES),
        "--framework",
        "terraform",
        "--skip-download",
        "--soft-fail",
        "--compact",
        "--external-checks-dir",
        str(POLICIES),
        "--check",
        ",".join(FIXTURE_IDS),
        "-o",
        "json",
    ]
    proc = subprocess.run(cmd, env=checkov_env(), capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    results: dict[str, dict[str, set[str]]] = defaultdict(lambda: {"pass": set(), "fail": set()})
    for key, outcome in (("passed_checks", "pass"), ("failed_checks", "fail")):
        for check in report["results"][key]:
            folder = check["file_path"].strip("/").split("/")[0]
            if check["check_id"] == folder:
                results[folder][outcome].add(check["resource"])
    return results


@pytest.mark.slow
@pytest.mark.parametrize("policy_id", FIXTURE_IDS)
def test_policy_sorts_its_fixture_exactly(
    policy_id: str, fixture_results: dict[str, dict[str, set[str]]]
) -> None:
    expected = yaml.safe_load((POLICY_FIXTURES / policy_id / "expected.yaml").read_text())
    assert fixture_results[policy_id]["pass"] == set(expected["pass"] or [])
    assert fixture_results[policy_id]["fail"] == set(expected["fail"] or [])
    for address in expected["fail"] or []:
        assert address.split(".")[-1].startswith("fail"), address
