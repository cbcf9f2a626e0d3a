"""A rendered tfgen project on disk: its environments and its manifest, read in one place.

`.tfgen/manifest.json` records what tfgen last wrote (a content hash per file) and what the
spec said about each environment (profile, protection, state backend). Every command that
works on a rendered project (write, plan/apply, bootstrap, doctor) reads it through here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import TfgenError, UsageError

MANIFEST = ".tfgen/manifest.json"
ALWAYS_PROTECTED = frozenset({"prod"})


def is_protected(env_name: str, marked: bool) -> bool:
    """The one rule: `prod` is always protected, any other environment when the spec says so."""
    return env_name in ALWAYS_PROTECTED or marked


def read_manifest(root: Path) -> dict[str, Any]:
    """The project's manifest ({} when there is none); a corrupted one is an error to act on."""
    path = Path(root) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as err:
        raise TfgenError(f"{path} is unreadable ({err}): delete it to start over") from None
    return data if isinstance(data, dict) else {}


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
        path = root / MANIFEST
        manifest: dict[str, Any] = {}
        if path.is_file():
            try:
                manifest = json.loads(path.read_text())
            except ValueError as err:
                raise TfgenError(f"{path} is not valid JSON ({err}): render again") from err
        return cls(root, manifest if isinstance(manifest, dict) else {})

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
        if not env or "/" in env or not path.is_dir():
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
