"""Every gate (parse, real terraform fmt, AWS provider schema, references, real terraform
validate through the provider twin) passes on every tree tfgen renders in tests: the reference
spec, the repository root, and the test specs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import REPO, TEST_SPECS
from tfgen.gates import run_all_gates


def environments(tree: Path) -> int:
    return sum(1 for p in (tree / "envs").iterdir() if p.is_dir())


@pytest.fixture(autouse=True)
def twin_mirror() -> None:
    if not os.environ.get("TFGEN_PLUGIN_MIRROR"):
        pytest.fail("TFGEN_PLUGIN_MIRROR is not set: run the tests with `make test`")


@pytest.mark.slow
@pytest.mark.parametrize("name", list(TEST_SPECS))
def test_gates_pass_on_rendered_tree(name: str, rendered: dict[str, Path]) -> None:
    report = run_all_gates(rendered[name])
    assert report.ok, "\n".join(report.lines())
    assert report.lines()[-1] == f"validate: ok ({environments(rendered[name])} environments)"
    assert not list((rendered[name] / "envs").glob("*/.terraform"))  # validated in a scratch copy


@pytest.mark.slow
def test_gates_pass_on_repository_root() -> None:
    report = run_all_gates(REPO)
    assert report.ok, "\n".join(report.lines())
    assert report.lines()[-1] == f"validate: ok ({environments(REPO)} environments)"
