"""The four gates (parse, real terraform fmt, AWS provider schema, references) pass on every
tree tfgen renders in tests: the reference spec, the repository root, and the test specs."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import REPO, TEST_SPECS
from tfgen.gates import run_all_gates


@pytest.mark.slow
@pytest.mark.parametrize("name", list(TEST_SPECS))
def test_gates_pass_on_rendered_tree(name: str, rendered: dict[str, Path]) -> None:
    report = run_all_gates(rendered[name])
    assert report.ok, "\n".join(report.lines())


@pytest.mark.slow
def test_gates_pass_on_repository_root() -> None:
    report = run_all_gates(REPO)
    assert report.ok, "\n".join(report.lines())
