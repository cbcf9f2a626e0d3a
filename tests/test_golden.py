"""Golden trees: every test spec renders to exactly its committed tree; the repository root's
modules/ and envs/ are exactly what the reference spec renders (the root is a tfgen project)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import GOLDEN, REPO, TEST_SPECS, assert_tree_matches, update_golden, updating


@pytest.mark.parametrize("name", [n for n in TEST_SPECS if n != "reference"])
def test_spec_renders_its_golden_tree(name: str, rendered: dict[str, Path]) -> None:
    if updating():
        update_golden(rendered[name], GOLDEN / name)
    assert_tree_matches(rendered[name], GOLDEN / name)


def test_repository_root_is_in_sync_with_the_reference_spec(tmp_path: Path) -> None:
    from tfgen.render import render
    from tfgen.spec import load_spec
    from tfgen.write import write_tree

    files = render(load_spec(TEST_SPECS["reference"]))
    write_tree(tmp_path, files)
    assert_tree_matches(tmp_path, REPO, prefixes=("modules/", "envs/"), regenerate="make render")
    envs = sorted(p.name for p in (REPO / "envs").iterdir())
    assert envs == ["dev", "prod", "staging"]


def test_reference_project_has_all_modules() -> None:
    modules = sorted(p.name for p in (REPO / "modules").iterdir() if p.is_dir())
    assert modules == ["alb", "asg", "backup", "cloudfront", "elasticache", "monitoring", "rds", "s3", "vpc"]


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_golden_comparison_fails_on_missing_extra_and_changed_files(tmp_path: Path) -> None:
    expected = _tree(tmp_path / "expected", {"a.tf": "a\n", "m/b.tf": "b\n", "m/c.tf": "c\n"})
    same = _tree(tmp_path / "same", {"a.tf": "a\n", "m/b.tf": "b\n", "m/c.tf": "c\n"})
    assert_tree_matches(same, expected)
    missing = _tree(tmp_path / "missing", {"a.tf": "a\n", "m/b.tf": "b\n"})
    with pytest.raises(AssertionError, match="missing: m/c.tf"):
        assert_tree_matches(missing, expected)
    extra = _tree(tmp_path / "extra", {"a.tf": "a\n", "m/b.tf": "b\n", "m/c.tf": "c\n", "m/d.tf": "d\n"})
    with pytest.raises(AssertionError, match="extra: m/d.tf"):
        assert_tree_matches(extra, expected)
    changed = _tree(tmp_path / "changed", {"a.tf": "A\n", "m/b.tf": "b\n", "m/c.tf": "c\n"})
    with pytest.raises(AssertionError, match="changed: a.tf"):
        assert_tree_matches(changed, expected)
