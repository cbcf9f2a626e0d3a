"""Gate 5, validate: `terraform validate` of every environment root, with real providers.

It runs where providers can be had: an environment already initialised (its `.terraform/`,
the user's real providers after `tfgen plan` or `terraform init`), or a provider mirror
(`--plugin-dir`, `TFGEN_PLUGIN_MIRROR`: the offline one the tests use). Each environment is
validated in a scratch copy of the project after `terraform init -backend=false`, so the
project's own `.terraform/` and state are never touched. Without providers the gate says so
and judges nothing.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..errors import TfgenError
from ._model import GateFinding

NOT_RUN = "not run: no providers (run tfgen plan once, or set TFGEN_PLUGIN_MIRROR to a provider mirror)"


def environment_roots(root: Path) -> list[Path]:
    envs = root / "envs"
    if not envs.is_dir():
        return []
    return sorted(p for p in envs.iterdir() if p.is_dir() and any(p.glob("*.tf")))


def check_validate(root: Path, mirror: Path | None = None) -> tuple[list[GateFinding], str]:
    """Findings of `terraform validate` per environment, and the gate's one-line summary."""
    from ..terraform import plugin_mirror

    root = Path(root).resolve()
    envs = environment_roots(root)
    if not envs:
        return [], "no environment roots"
    mirror = mirror or plugin_mirror()
    initialised = [e for e in envs if (e / ".terraform" / "providers").is_dir()]
    if mirror is None and len(initialised) < len(envs):
        return [], NOT_RUN
    findings: list[GateFinding] = []
    with tempfile.TemporaryDirectory(prefix="tfgen-validate-") as tmp:
        copy = Path(tmp) / "project"
        for folder in ("modules", "envs"):
            if (root / folder).is_dir():
                shutil.copytree(
                    root / folder, copy / folder, ignore=shutil.ignore_patterns(".tfgen", ".terraform")
                )
        for env in envs:
            if mirror is None:  # the environment's own providers, read in place (never copied)
                (copy / "envs" / env.name / ".terraform").symlink_to(env / ".terraform")
            findings += _validate_env(copy / "envs" / env.name, root, mirror)
    return findings, f"{len(envs)} environments"


def _validate_env(env_dir: Path, root: Path, mirror: Path | None) -> list[GateFinding]:
    from ..terraform import Terraform

    rel_env = f"envs/{env_dir.name}"
    try:
        tf = Terraform(env_dir, label=env_dir.name, mirror=mirror)
        if mirror is not None:
            tf.init(backend=False)
        report = tf.validate()
    except TfgenError as err:
        return [GateFinding("validate", rel_env, None, " ".join(err.lines()))]
    return [_finding(d, rel_env) for d in report.get("diagnostics", []) if d.get("severity") == "error"]


def _finding(diagnostic: dict[str, Any], rel_env: str) -> GateFinding:
    where = diagnostic.get("range") or {}
    filename = where.get("filename")
    rel = os.path.normpath(os.path.join(rel_env, filename)) if filename else rel_env
    line = (where.get("start") or {}).get("line")
    detail = " ".join(str(diagnostic.get("detail", "")).split())
    message = str(diagnostic.get("summary", ""))
    return GateFinding("validate", Path(rel).as_posix(), line, f"{message}: {detail}" if detail else message)
