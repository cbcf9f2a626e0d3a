"""Write a rendered tree: one status per file, user edits protected, all-or-nothing.

tfgen records the sha256 of every file it wrote in `.tfgen/manifest.json`. A file on disk
whose content differs from both the new rendering and that record was edited by the user: it
is a conflict, left alone unless --force (overwrite) or --skip (keep it, write the rest).

Atomicity: every new content is first written to a temporary file next to its target; only
when all of them are on disk are they renamed into place (os.replace, atomic per file). If
anything fails before or during the renames, the files already replaced get their previous
content back, and files and folders this run created are removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConflictError, TfgenError, UsageError
from .project import MANIFEST, read_manifest

STATUSES = ("create", "identical", "overwrite", "conflict", "skip")


def sha256(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


@dataclass
class WriteResult:
    """What happened (or, with --dry-run, would happen) to each file."""

    statuses: dict[str, str] = field(default_factory=dict)
    orphans: list[str] = field(default_factory=list)

    @property
    def conflicts(self) -> list[str]:
        return [p for p, s in self.statuses.items() if s == "conflict"]

    def status_lines(self) -> list[str]:
        lines = [f"{status:>9}  {path}" for path, status in self.statuses.items()]
        return lines + [
            f"{'orphan':>9}  {path}  (no longer rendered from the spec: delete it when you are done with it)"
            for path in self.orphans
        ]

    def summary(self, dry_run: bool = False) -> str:
        counts = {s: 0 for s in STATUSES}
        for status in self.statuses.values():
            counts[status] += 1
        text = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        if self.orphans:
            text += f", {len(self.orphans)} orphan"
        return f"{'dry run, nothing written: ' if dry_run else ''}{text or 'no files'}"

    def conflict_error(self) -> ConflictError:
        paths = ", ".join(self.conflicts)
        return ConflictError(
            f"{len(self.conflicts)} file(s) changed since tfgen last wrote them, nothing was "
            f"written: {paths}. Re-run with --force to overwrite them or --skip to keep your "
            "edits and write the rest."
        )


def _in_scope(rel: str, only: list[str] | None) -> bool:
    prefixes = [p.strip("/") for p in only or []]
    return not prefixes or any(rel == p or rel.startswith(p + "/") for p in prefixes)


def orphans(root: Path, files: dict[str, str], manifest: dict[str, Any], only: list[str] | None) -> list[str]:
    """Files tfgen wrote before that this rendering no longer produces, still on disk."""
    return [
        rel
        for rel in sorted(manifest.get("files", {}))
        if rel not in files and _in_scope(rel, only) and (root / rel).is_file()
    ]


def plan_writes(
    root: Path, files: dict[str, str], manifest: dict[str, Any], force: bool, skip: bool
) -> WriteResult:
    """Decide each file's status by comparing disk, new content and what tfgen last wrote."""
    written: dict[str, str] = manifest.get("files", {})
    result = WriteResult()
    for rel, text in files.items():
        target = root / rel
        if target.is_dir():
            raise UsageError(f"{target} is a folder; tfgen needs to write a file there")
        try:
            current = target.read_bytes()
        except FileNotFoundError:
            result.statuses[rel] = "create"
            continue
        except OSError as err:
            raise TfgenError(f"cannot read {target}: {err}") from None
        if current == text.encode("utf-8"):
            result.statuses[rel] = "identical"
        elif written.get(rel) == sha256(current):
            result.statuses[rel] = "overwrite"  # unchanged since tfgen wrote it
        elif force:
            result.statuses[rel] = "overwrite"
        elif skip:
            result.statuses[rel] = "skip"
        else:
            result.statuses[rel] = "conflict"
    return result


def write_tree(
    root: Path,
    files: dict[str, str],
    *,
    dry_run: bool = False,
    force: bool = False,
    skip: bool = False,
    only: list[str] | None = None,
    meta: dict[str, Any] | None = None,
) -> WriteResult:
    """Write `files` under `root`; with conflicts (and neither force nor skip) write nothing."""
    root = Path(root)
    if only:
        prefixes = [p.strip("/") for p in only]
        files = {
            p: t for p, t in files.items() if any(p == pre or p.startswith(pre + "/") for pre in prefixes)
        }
        if not files:
            raise UsageError(f"--only {' '.join(only)} matches none of the rendered files")
    existing = root
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"--out {root}: {existing} exists and is not a folder")
    manifest = read_manifest(root)
    result = plan_writes(root, files, manifest, force, skip)
    result.orphans = orphans(root, files, manifest, only)
    if dry_run or (result.conflicts and not force and not skip):
        return result
    to_write = {p: files[p] for p, s in result.statuses.items() if s in ("create", "overwrite")}
    # Files no longer rendered stay recorded (and reported) until the user deletes them;
    # records outside --only are kept as they are.
    recorded = {
        p: h
        for p, h in manifest.get("files", {}).items()
        if p in files or p in result.orphans or not _in_scope(p, only)
    }
    for rel, status in result.statuses.items():
        if status in ("create", "overwrite", "identical"):
            recorded[rel] = sha256(files[rel])
    new_manifest = {**manifest, **(meta or {}), "files": dict(sorted(recorded.items()))}
    manifest_text = json.dumps(new_manifest, indent=2, sort_keys=True) + "\n"
    if to_write or manifest_text.encode() != _read_or_none(root / MANIFEST):
        _commit(root, {**to_write, MANIFEST: manifest_text})
    return result


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _commit(root: Path, files: dict[str, str]) -> None:
    """Stage every file as a temp file, then rename all into place; undo everything on failure."""
    created_dirs: list[Path] = []
    staged: list[tuple[Path, Path]] = []
    replaced: list[tuple[Path, bytes | None]] = []
    try:
        for rel, text in files.items():
            target = root / rel
            _make_dirs(target.parent, created_dirs)
            fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tfgen-tmp", dir=target.parent)
            tmp = Path(tmp_name)
            staged.append((tmp, target))
            with os.fdopen(fd, "wb") as handle:
                handle.write(text.encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
            mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
            os.chmod(tmp, mode)
        for staged_file, target in staged:
            replaced.append((target, _read_or_none(target)))
            os.replace(staged_file, target)
    except BaseException as err:  # includes KeyboardInterrupt: leave the tree as it was
        for staged_file, _ in staged:
            with contextlib.suppress(OSError):
                staged_file.unlink()
        for target, previous in reversed(replaced):
            with contextlib.suppress(OSError):
                if previous is None:
                    target.unlink()
                else:
                    target.write_bytes(previous)
        for folder in reversed(created_dirs):
            with contextlib.suppress(OSError):
                folder.rmdir()
        if isinstance(err, OSError):
            where = getattr(err, "filename", None) or root
            raise TfgenError(f"could not write {where}: {err.strerror or err}; nothing was changed") from None
        raise


def _make_dirs(folder: Path, created: list[Path]) -> None:
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir()
        created.append(path)
