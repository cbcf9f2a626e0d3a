"""A rendered tfgen project on disk: its environments and its manifest, read in one place.

`.tfgen/manifest.json` records what tfgen last wrote (a content hash per file) and what the
spec said about each environment (profile, protection, state backend). Every command that
works on a rendered project (write, plan/apply, bootstrap, doctor) reads it through here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import TfgenError, UsageError

MANIFEST = ".tfgen/manifest.json"
ALWAYS_PROTECTED = frozenset({"prod"})
# What the spec allows as an environment name; anything else (`..`, `a/b`) is no environment.
ENV_NAME = re.compile(r"[a-z][a-z0-9]{0,11}")


def is_protected(env_name: str, marked: bool) -> bool:
    """The one rule: `prod` is always protected, any other environment when the spec says so."""
    return env_name in ALWAYS_PROTECTED or marked


def read_manifest(root: Path) -> dict[str, Any]:
    """The project's manifest ({} when there is none); a damaged one is an error to act on."""
    path = Path(root) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        return {}
    except (OSError, ValueError) as err:
        raise _damaged(path, str(err)) from None
    problem = _shape_problem(data)
    if problem:
        raise _damaged(path, problem)
    return dict(data)


def _shape_problem(data: Any) -> str:
    """What is wrong with a parsed manifest's shape, or "" when nothing is."""
    if not isinstance(data, dict):
        return f"expected a JSON object, found {type(data).__name__}"
    files = data.get("files", {})
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        return '"files" must map paths to content hashes'
    environments = data.get("environments", {})
    if not isinstance(environments, dict) or not all(isinstance(v, dict) for v in environments.values()):
        return '"environments" must map names to their settings'
    return ""


def _damaged(path: Path, why: str) -> TfgenError:
    return TfgenError(
        f"{path} is not a valid tfgen manifest ({why}): delete it and run "
        "tfgen init again (files you edited are then reported as conflicts)"
    )


@dataclass(frozen=True)
class Project:
    """A rendered tfgen project: envs/<env>/ root modules, modules/, .tfgen/manifest.json."""

    root: Path
    manifest: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path | str = ".") -> Project:
        root = Path(root).resolve()
        if not (root / "envs").is_dir():
            raise UsageError(f"{root} has no envs/ folder: pass --project DIR of a rendered project")
        return cls(root, read_manifest(root))

    def environments(self) -> list[str]:
        """Environment names: the manifest's order, else the envs/ folders sorted."""
        on_disk = sorted(
            p.name for p in (self.root / "envs").iterdir() if (p / "main.tf").exists() or any(p.glob("*.tf"))
        )
        declared = list(self.manifest.get("environments", {}))
        return [e for e in declared if e in on_disk] or on_disk

    def env_dir(self, env: str) -> Path:
        """envs/<env>, after checking it is an environment the spec still has."""
        path = self.root / "envs" / env
        if not ENV_NAME.fullmatch(env) or not path.is_dir():
            known = ", ".join(self.environments()) or "none"
            raise UsageError(f"unknown environment {env!r}: choose one of: {known}")
        declared = self.manifest.get("environments")
        if declared and env not in declared:
            # An orphan: its protection and settings are no longer known, so do not run it.
            raise UsageError(
                f"environment {env!r} is no longer in the spec (envs/{env} is left over from an "
                f"earlier render): add it back to the spec and run tfgen init, or delete envs/{env}"
            )
        return path

    def env_info(self, env: str) -> dict[str, Any]:
        """What the manifest records of an environment (profile, protection, state backend)."""
        info = self.manifest.get("environments", {}).get(env, {})
        return dict(info) if isinstance(info, dict) else {}

    def protected(self, env: str) -> bool:
        return is_protected(env, bool(self.env_info(env).get("protected")))

    def region(self) -> str | None:
        """The region the manifest records, if any."""
        for info in self.manifest.get("environments", {}).values():
            if isinstance(info, dict) and info.get("region"):
                return str(info["region"])
        return None

    def state_dir(self, env: str) -> Path:
        return self.env_dir(env) / ".tfgen"

    def plan_path(self, env: str) -> Path:
        return self.state_dir(env) / f"{env}.tfplan"
