"""Golden-tree comparison: a rendered tree must equal its committed reference exactly."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

IGNORED = {".tfgen/manifest.json"}


def tree_files(root: Path, prefixes: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Every file under root (or under the given top-level prefixes), by POSIX path."""
    out = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(root).as_posix()
        if rel in IGNORED or ".terraform" in rel.split("/") or "/.tfgen/" in rel:
            continue
        if prefixes and not rel.startswith(prefixes):
            continue
        out[rel] = path.read_bytes()
    return out


def assert_tree_matches(actual: Path, expected: Path, prefixes: tuple[str, ...] = (),
                        regenerate: str = "make golden") -> None:
    """Fail on a missing file, an extra file, or any differing byte, naming each path."""
    got, want = tree_files(actual, prefixes), tree_files(expected, prefixes)
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    changed = sorted(p for p in set(got) & set(want) if got[p] != want[p])
    problems = [f"missing: {p}" for p in missing] + [f"extra: {p}" for p in extra] + \
        [f"changed: {p}" for p in changed]
    assert not problems, (
        f"rendered tree differs from {expected} (review, then `{regenerate}`):\n  "
        + "\n  ".join(problems)
    )


def update_golden(actual: Path, expected: Path, prefixes: tuple[str, ...] = ()) -> None:
    """Replace the reference with the rendered tree (UPDATE_GOLDEN=1)."""
    if prefixes:
        for prefix in prefixes:
            shutil.rmtree(expected / prefix, ignore_errors=True)
    else:
        shutil.rmtree(expected, ignore_errors=True)
    for rel, data in tree_files(actual, prefixes).items():
        target = expected / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def updating() -> bool:
    return os.environ.get("UPDATE_GOLDEN") == "1"
