"""Shared fixtures: the repository's specs and a helper that renders one into a folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from tfgen.render import project_meta, render, spec_reference
from tfgen.spec import load_spec
from tfgen.write import write_tree

REPO = Path(__file__).resolve().parents[1]
REFERENCE_SPEC = REPO / "examples" / "app.yaml"
SPECS = REPO / "tests" / "specs"
TEST_SPECS = {
    "reference": REFERENCE_SPEC,
    "minimal": SPECS / "minimal.yaml",
    "low": SPECS / "low.yaml",
    "high": SPECS / "high.yaml",
    "mysql": SPECS / "mysql.yaml",
}

os.environ.setdefault("CHECKPOINT_DISABLE", "1")


def render_tree(spec_path: Path, dest: Path) -> Path:
    """Render a spec into `dest` the way `tfgen init SPEC --out DEST` does; return `dest`.

    The spec (and its user-data script) is copied into `dest` first, so the rendered project
    refers to it as `app.yaml` wherever the test runs: trees are comparable byte for byte.
    """
    dest.mkdir(parents=True, exist_ok=True)
    spec_copy = dest / "app.yaml"
    shutil.copy(spec_path, spec_copy)
    for extra in spec_path.parent.glob("*.sh"):
        shutil.copy(extra, dest / extra.name)
    spec = load_spec(spec_copy)
    files = render(spec, spec_ref=spec_reference(spec_copy, dest))
    write_tree(dest, files, meta=project_meta(spec, files, spec_copy, dest))
    return dest


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every test spec rendered once per session (read-only: copy before you modify)."""
    base = tmp_path_factory.mktemp("rendered")
    return {name: render_tree(path, base / name) for name, path in TEST_SPECS.items()}


@pytest.fixture
def writable_copy(tmp_path: Path):
    """Copy a rendered tree into tmp_path so a test may break it."""

    def copy(tree: Path) -> Path:
        target = tmp_path / tree.name
        shutil.copytree(tree, target)
        return target

    return copy
