"""Write a rendered tree: one status per file, user edits protected, all-or-nothing.

tfgen records the sha256 of every file it wrote in `.tfgen/manifest.json`. A file on disk
whose content differs from both the new rendering and that record was edited by the user: it
is a conflict, left alone unless --force (overwrite) or --skip (keep it, write the rest).

Atomicity, locking and crash recovery: tfgen.commit (staged temp files, a journal of the
renames, rollback on any error or signal, roll-forward after a crash, one writer at a time).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .commit import check_no_symlinks, commit, project_lock, recover
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
    check_no_symlinks(root, [*files, MANIFEST])
    if dry_run:
        return _decide(root, files, read_manifest(root), force, skip, only)
    with project_lock(root):
        recover(root, {(root / rel).parent for rel in files} | {root / ".tfgen"})
        manifest = read_manifest(root)
        result = _decide(root, files, manifest, force, skip, only)
        if result.conflicts and not force and not skip:
            return result
        to_write = {p: files[p] for p, s in result.statuses.items() if s in ("create", "overwrite")}
        manifest_text = _new_manifest(manifest, files, result, only, meta)
        if to_write or manifest_text.encode() != _read_or_none(root / MANIFEST):
            commit(root, {**to_write, MANIFEST: manifest_text})
    return result


def _decide(
    root: Path,
    files: dict[str, str],
    manifest: dict[str, Any],
    force: bool,
    skip: bool,
    only: list[str] | None,
) -> WriteResult:
    result = plan_writes(root, files, manifest, force, skip)
    result.orphans = orphans(root, files, manifest, only)
    return result


def _new_manifest(
    manifest: dict[str, Any],
    files: dict[str, str],
    result: WriteResult,
    only: list[str] | None,
    meta: dict[str, Any] | None,
) -> str:
    """The manifest after this write: hashes of what tfgen wrote, plus the render's metadata.

    Files no longer rendered stay recorded (and reported) until the user deletes them;
    records outside --only are kept as they are.
    """
    recorded = {
        p: h
        for p, h in manifest.get("files", {}).items()
        if p in files or p in result.orphans or not _in_scope(p, only)
    }
    for rel, status in result.statuses.items():
        if status in ("create", "overwrite", "identical"):
            recorded[rel] = sha256(files[rel])
    new_manifest = {**manifest, **(meta or {}), "files": dict(sorted(recorded.items()))}
    return json.dumps(new_manifest, indent=2, sort_keys=True) + "\n"


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
