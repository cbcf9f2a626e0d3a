"""Write a rendered tree: one status per file, user edits kept, all-or-nothing.

tfgen records the sha256 of every file it wrote in `.tfgen/manifest.json`, and keeps that
content (the merge base) in `.tfgen/base/<sha256>`. A file on disk whose content differs from
the record was edited by the user. When the new rendering changed it too, the two are merged
three ways, as `git merge-file` does (copier's update): a clean merge is `merged`, an
overlapping one is written with standard conflict markers and is a `conflict`; an edited file
the rendering did not change is `kept`. Without a base (a project rendered by an older tfgen,
or git missing) an edited file is a conflict and nothing is written unless --force (take
tfgen's version) or --skip (keep yours, write the rest).

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

STATUSES = ("create", "identical", "overwrite", "merged", "kept", "conflict", "skip")
BASE_DIR = ".tfgen/base"
MARKERS = ("<<<<<<< ", ">>>>>>> ")


def sha256(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


@dataclass
class WriteResult:
    """What happened (or, with --dry-run, would happen) to each file."""

    statuses: dict[str, str] = field(default_factory=dict)
    orphans: list[str] = field(default_factory=list)
    # What each written file gets: the new rendering, or a (clean or marked) merge.
    contents: dict[str, str] = field(default_factory=dict)
    # Conflicts that could be merged (markers written) vs those with no base to merge from.
    marked: list[str] = field(default_factory=list)
    # The project's own spec files: not rendered, not orphans, their records kept.
    owned: frozenset[str] = frozenset()

    @property
    def conflicts(self) -> list[str]:
        return [p for p, s in self.statuses.items() if s == "conflict"]

    @property
    def unmergeable(self) -> list[str]:
        return [p for p in self.conflicts if p not in self.marked]

    @property
    def changed(self) -> list[str]:
        return [p for p, s in self.statuses.items() if s != "identical"]

    def status_lines(self, verbose: bool = True) -> list[str]:
        lines = [
            f"{status:>9}  {path}"
            for path, status in self.statuses.items()
            if verbose or status != "identical"
        ]
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
        if self.unmergeable:
            paths = ", ".join(self.unmergeable)
            return ConflictError(
                f"{len(self.unmergeable)} file(s) changed since tfgen last wrote them and tfgen "
                f"has no base to merge them from, nothing was written: {paths}. Re-run with "
                "--force to overwrite them or --skip to keep your edits and write the rest "
                "(tfgen init --diff shows the changes)."
            )
        paths = ", ".join(self.marked)
        return ConflictError(
            f"{len(self.marked)} file(s) have edits of yours that overlap tfgen's changes: {paths}. "
            "The other files were written; these hold conflict markers (<<<<<<< yours, "
            ">>>>>>> tfgen): edit each to keep what you want, remove the markers, then run "
            "tfgen init again (--force takes tfgen's version, --skip keeps yours as it is)."
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
        new = text.encode("utf-8")
        if current == new:
            result.statuses[rel] = "identical"
        elif written.get(rel) == sha256(current):
            result.statuses[rel] = "overwrite"  # unchanged since tfgen wrote it
        elif force:
            result.statuses[rel] = "overwrite"
        elif skip:
            result.statuses[rel] = "skip"
        else:
            _merge_one(root, rel, current, text, written.get(rel), result)
    for rel, status in result.statuses.items():
        if status in ("create", "overwrite"):
            result.contents[rel] = files[rel]
    return result


def _merge_one(
    root: Path, rel: str, current: bytes, new: str, base_sha: str | None, result: WriteResult
) -> None:
    """The user edited `rel`: keep the edit, merge it with the new rendering, or report it."""
    base = _read_base(root, base_sha)
    try:
        mine = current.decode("utf-8")
    except UnicodeDecodeError:
        base = None  # not text: nothing to merge
        mine = ""
    if base is None:
        result.statuses[rel] = "conflict"
        return
    if any(line.startswith(MARKERS) for line in mine.splitlines()):
        # markers left from an earlier merge: the user has not finished it
        result.statuses[rel] = "conflict"
        result.marked.append(rel)
        return
    if base == new:  # the rendering did not change this file: the edit stands as it is
        result.statuses[rel] = "kept"
        return
    merged, clean = merge3(mine, base, new)
    if merged == mine:
        result.statuses[rel] = "kept"
        return
    result.statuses[rel] = "merged" if clean else "conflict"
    result.contents[rel] = merged
    if not clean:
        result.marked.append(rel)


def merge3(mine: str, base: str, theirs: str) -> tuple[str, bool]:
    """A three-way merge with `git merge-file` (standard markers); (text, True when clean)."""
    import shutil
    import subprocess
    import tempfile

    git = shutil.which("git")
    if git is None:
        raise TfgenError(
            "merging your edits with the new rendering needs git (git merge-file), which is not "
            "on PATH: install git, or re-run with --force (take tfgen's version) or --skip (keep yours)"
        )
    with tempfile.TemporaryDirectory(prefix="tfgen-merge-") as tmp:
        paths = []
        for name, text in (("mine", mine), ("base", base), ("theirs", theirs)):
            path = Path(tmp) / name
            path.write_bytes(text.encode("utf-8"))
            paths.append(str(path))
        proc = subprocess.run(
            [git, "merge-file", "-p", "-L", "yours", "-L", "base", "-L", "tfgen", *paths],
            capture_output=True,
            check=False,
        )
    if proc.returncode < 0 or proc.returncode > 127:
        raise TfgenError(f"git merge-file failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout.decode("utf-8"), proc.returncode == 0


def _read_base(root: Path, sha: str | None) -> str | None:
    """What tfgen last wrote to a file (by its hash), if the base store still has it."""
    if not sha:
        return None
    try:
        data = (root / BASE_DIR / sha).read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != sha:
        return None  # damaged: no base rather than a wrong one
    return data.decode("utf-8", errors="replace")


def write_tree(
    root: Path,
    files: dict[str, str],
    *,
    dry_run: bool = False,
    force: bool = False,
    skip: bool = False,
    only: list[str] | None = None,
    meta: dict[str, Any] | None = None,
    owned: frozenset[str] = frozenset(),
) -> WriteResult:
    """Write `files` under `root`, merging the user's edits; see the module's docstring.

    With a conflict tfgen cannot merge (no base) and neither force nor skip, nothing is written.
    """
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
    check_no_symlinks(root, [*files, MANIFEST, f"{BASE_DIR}/x"])
    if dry_run:
        return _decide(root, files, read_manifest(root), force, skip, only, owned)
    with project_lock(root):
        recover(root, {(root / rel).parent for rel in files} | {root / ".tfgen", root / BASE_DIR})
        manifest = read_manifest(root)
        result = _decide(root, files, manifest, force, skip, only, owned)
        if result.unmergeable and not force and not skip:
            return result
        manifest_text = _new_manifest(manifest, files, result, only, meta)
        recorded: dict[str, str] = json.loads(manifest_text)["files"]
        bases = _missing_bases(root, files, recorded)
        if result.contents or bases or manifest_text.encode() != _read_or_none(root / MANIFEST):
            commit(root, {**result.contents, **bases, MANIFEST: manifest_text})
        _drop_unused_bases(root, set(recorded.values()))
    return result


def _decide(
    root: Path,
    files: dict[str, str],
    manifest: dict[str, Any],
    force: bool,
    skip: bool,
    only: list[str] | None,
    owned: frozenset[str] = frozenset(),
) -> WriteResult:
    result = plan_writes(root, files, manifest, force, skip)
    result.orphans = [p for p in orphans(root, files, manifest, only) if p not in owned]
    result.owned = owned
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
        if p in files or p in result.orphans or p in result.owned or not _in_scope(p, only)
    }
    for rel, status in result.statuses.items():
        if status != "skip":  # the new rendering is the base of the next merge
            recorded[rel] = sha256(files[rel])
    new_manifest = {**manifest, **(meta or {}), "files": dict(sorted(recorded.items()))}
    return json.dumps(new_manifest, indent=2, sort_keys=True) + "\n"


def _missing_bases(root: Path, files: dict[str, str], recorded: dict[str, str]) -> dict[str, str]:
    """The merge bases to store: what this render wrote, for every file recorded with it."""
    bases = {}
    for rel, text in files.items():
        sha = recorded.get(rel)
        if sha is not None and sha == sha256(text) and not (root / BASE_DIR / sha).is_file():
            bases[f"{BASE_DIR}/{sha}"] = text
    return bases


def _drop_unused_bases(root: Path, used: set[str]) -> None:
    """Remove stored bases no recorded file refers to any more (best effort)."""
    import contextlib

    folder = root / BASE_DIR
    if not folder.is_dir():
        return
    for blob in folder.iterdir():
        if blob.name not in used and len(blob.name) == 64:
            with contextlib.suppress(OSError):
                blob.unlink()


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
