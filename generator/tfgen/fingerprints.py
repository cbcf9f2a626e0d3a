"""Fingerprints of a project's environments: when terraform init is needed, and when a plan is stale.

The init fingerprint lives in `envs/<env>/.terraform/`, so deleting `.terraform` also forces init.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from .errors import TfgenError
from .project import Project
from .terraform import Terraform

_MODULE_CALL = re.compile(
    r'module\s+"([^"]+)"\s*\{[^}]*?\bsource\s*=\s*"([^"]+)"'
    r'(?:[^}]*?\bversion\s*=\s*"([^"]*)")?',
    re.S,
)


def _terraform_blocks(text: str) -> list[str]:
    """The text of each top-level `terraform { ... }` block (backend, required_providers)."""
    blocks = []
    for match in re.finditer(r"(?m)^\s*terraform\s*\{", text):
        depth, i = 0, match.end() - 1
        while i < len(text):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            if depth == 0:
                break
            i += 1
        blocks.append(text[match.start() : i + 1])
    return blocks


def _read_tf(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError as err:
        hint = " (a dangling symbolic link?)" if path.is_symlink() else ""
        raise TfgenError(f"cannot read {path}{hint}: {err.strerror or err}") from None


def init_fingerprint(env_dir: Path, mirror: Path | None = None) -> str:
    """What `terraform init` depends on: backend and provider requirements, module calls, lock file.

    Follows local module sources (./ and ../) so a new provider or module inside a module
    counts too. Anything else (resources, variables) can change without a new init.
    """
    digest = hashlib.sha256()
    seen: set[Path] = set()
    todo = [env_dir.resolve()]
    while todo:
        folder = todo.pop()
        if folder in seen or not folder.is_dir():
            continue
        seen.add(folder)
        for tf in sorted(folder.glob("*.tf")):
            if tf.is_dir():
                continue  # terraform reads files only
            text = _read_tf(tf)
            for block in _terraform_blocks(text):
                digest.update(f"{tf.name}\0{block}\0".encode())
            for name, source, version in _MODULE_CALL.findall(text):
                digest.update(f"module\0{name}\0{source}\0{version}\0".encode())
                if source.startswith(("./", "../")):
                    todo.append((folder / source).resolve())
    lock_file = env_dir / ".terraform.lock.hcl"
    digest.update(lock_file.read_bytes() if lock_file.is_file() else b"no lock file")
    digest.update(f"\0mirror\0{mirror}".encode())
    return digest.hexdigest()


def _init_marker(env_dir: Path) -> Path:
    return env_dir / ".terraform" / "tfgen-init.json"


def ensure_init(tf: Terraform, env_dir: Path, *, lock_timeout: str | None = None) -> bool:
    """Run terraform init unless nothing it depends on changed since the last one; True if run."""
    marker = _init_marker(env_dir)
    before = init_fingerprint(env_dir, tf.mirror)
    try:
        if json.loads(marker.read_text()).get("fingerprint") == before:
            return False
    except (OSError, ValueError, AttributeError):
        pass
    from .progress import step

    with step(f"{tf.label or env_dir.name}: terraform init"):
        tf.init(lock_timeout=lock_timeout)
    marker.parent.mkdir(exist_ok=True)
    # The lock file may have been written by this init: remember the state after it.
    marker.write_text(json.dumps({"fingerprint": init_fingerprint(env_dir, tf.mirror)}))
    return True


def config_fingerprint(project: Project, env: str) -> str:
    """The environment's root module and the project's modules (.tf/.tfvars) plus the render."""
    digest = hashlib.sha256()
    digest.update(f"env\0{env}\0".encode())
    digest.update(str(project.manifest.get("render_sha256", "")).encode())
    folders = [project.env_dir(env), project.root / "modules"]
    for folder in folders:
        if not folder.is_dir():
            continue
        files = [
            p
            for p in folder.rglob("*")
            if p.suffix in (".tf", ".tfvars")
            and p.is_file()
            and ".terraform" not in p.parts
            and ".tfgen" not in p.parts
        ]
        for path in sorted(files):
            digest.update(f"{path.relative_to(project.root)}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
