"""What a scan looks at: the folders of a project, the files that key the cache, the policies."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ..errors import UsageError

PROJECT_DIRS = ("modules", "envs")
SCANNED_SUFFIXES = (".tf", ".tfvars", ".tf.json", ".json")
POLICY_SUFFIXES = (".yaml", ".yml", ".json", ".py")
SKIPPED_DIR_NAMES = {"node_modules", ".terraform", ".serverless", "__pycache__"}


def repo_policies_dir() -> Path | None:
    """tfgen's own policies: shipped inside the package (`tfgen/policies`, in a source checkout
    a link to the repository's top-level policies/)."""
    candidate = Path(__file__).resolve().parents[1] / "policies"
    return candidate if candidate.is_dir() else None


def resolve_policies_dir(option: Path | None, project: Path | None) -> Path | None:
    """--policies, else the project's own policies/, else tfgen's policies/, else none."""
    if option is not None:
        if not option.is_dir():
            raise UsageError(f"--policies {option}: no such folder")
        chosen: Path | None = option
    elif project is not None and _has_policies(project / "policies"):
        chosen = project / "policies"
    else:
        chosen = repo_policies_dir()
    if chosen is not None and any(chosen.glob("*.py")) and not (chosen / "__init__.py").is_file():
        raise UsageError(
            f"{chosen}: Python policies need an __init__.py next to them, or checkov silently ignores them"
        )
    return chosen


def _has_policies(folder: Path) -> bool:
    return folder.is_dir() and any(p.suffix in POLICY_SUFFIXES for p in folder.iterdir())


def scan_targets(directory: Path) -> list[Path]:
    """The folders to scan: modules/ and envs/ of a tfgen project, else the folder itself."""
    project_dirs = [directory / d for d in PROJECT_DIRS if (directory / d).is_dir()]
    return project_dirs or [directory]


def walk_files(root: Path, suffixes: Iterable[str]) -> list[Path]:
    suffixes = tuple(suffixes)
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIPPED_DIR_NAMES)
        found.extend(Path(dirpath) / f for f in sorted(filenames) if f.endswith(suffixes))
    return found


def plan_project(plan: Path) -> Path | None:
    """The tfgen project a plan belongs to (the parent of the `envs/` it lives under), if any.

    `tfgen plan` keeps plans in `envs/<env>/.tfgen/`; the project's own `policies/` then
    judge the plan, as they judge the project's files.
    """
    for ancestor in plan.resolve().parents:
        if ancestor.name == "envs":
            return ancestor.parent
    return None
