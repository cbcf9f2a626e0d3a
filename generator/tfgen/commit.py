"""Putting a rendered tree in place all at once: locked, staged, journaled, recoverable.

- One writer at a time: `.tfgen/lock` is held (flock) for the whole write; a second `tfgen
  init` on the same project fails at once instead of mixing two specs.
- Every new content is staged as a temp file next to its target; only then is a journal
  (`.tfgen/journal.json`) written (and fsynced) that lists the renames with each content's
  sha256, then the renames happen, then the journal goes. An error or a signal rolls
  everything back. A crash (kill -9, power) during the renames leaves the journal: the next run
  rolls the renames forward, so the manifest and the files agree again.
- A staged file that replaces an existing one is fsynced before the journal is written, so a
  power loss can never put a half-written file in place of one the user had. A file that did
  not exist is not (a first render writes ~170 files; fsyncing each cost seconds on a busy
  disk): after a power loss the next run checks it against the journal's sha256 and removes
  it, staged or in place, when its content did not reach the disk. Nothing the user had is lost,
  and the next render writes it again.
- Temp files left by a crash before the journal are removed by the next run.
- Nothing is written through a symbolic link inside the project.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import TfgenError, UsageError

LOCK = ".tfgen/lock"
JOURNAL = ".tfgen/journal.json"
TEMP_SUFFIX = ".tfgen-tmp"


def check_no_symlinks(root: Path, rel_paths: Iterable[str]) -> None:
    """Refuse when a file or folder tfgen would write under `root` is a symbolic link."""
    checked: set[Path] = set()
    for rel in rel_paths:
        path = root
        for part in Path(rel).parts:
            path = path / part
            if path in checked:
                continue
            checked.add(path)
            if path.is_symlink():
                raise UsageError(
                    f"{path} is a symbolic link (to {os.readlink(path)}): tfgen writes only "
                    "inside the project folder, never through a link; replace it with a real "
                    "file or folder, or render elsewhere with --out"
                )


@contextlib.contextmanager
def project_lock(root: Path) -> Iterator[None]:
    """Hold the project's write lock; fail at once when another tfgen holds it."""
    import fcntl

    lock_path = root / LOCK
    made: list[Path] = []  # the folders this run may have created, outermost first
    handle = None
    locked = False
    new_lock = False  # this run may have created the lock file
    try:
        for folder in reversed(_missing_dirs(lock_path)):
            _make_dir(folder, made)
        new_lock = not lock_path.exists()
        handle = lock_path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            new_lock = False  # another tfgen holds it: never ours to remove
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise TfgenError(
                f"another tfgen is writing {root} ({holder}): wait for it to finish, then run "
                "tfgen init again",
                exit_code=1,
            ) from None
        locked = True
        handle.seek(0)
        handle.truncate()
        handle.write(f"tfgen init, pid {os.getpid()}\n")
        handle.flush()
        yield
    except BaseException:
        # A project this run started leaves no trace (an error, or a signal at any point); an
        # existing one keeps its lock file. A lock file is removed only while this run holds it
        # or nobody does (it may be another tfgen's), a folder only when empty.
        if made or new_lock:
            if locked:
                lock_path.unlink(missing_ok=True)
            elif new_lock:
                _unlink_unheld(lock_path)
            for folder in reversed(made):
                with contextlib.suppress(OSError):
                    folder.rmdir()
        raise
    finally:
        if handle is not None:
            handle.close()


def _unlink_unheld(lock_path: Path) -> None:
    """Remove a lock file that no process holds (take it first, so none can meanwhile)."""
    import fcntl

    try:
        fd = os.open(lock_path, os.O_RDWR)
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        lock_path.unlink(missing_ok=True)
    except OSError:
        pass  # held: another tfgen's
    finally:
        os.close(fd)


def _make_dir(folder: Path, made: list[Path]) -> None:
    """mkdir, `folder` listed in `made` first (a signal right after the mkdir still finds it);
    one another process made meanwhile is not listed (never removed by this run)."""
    made.append(folder)
    try:
        folder.mkdir()
    except FileExistsError:
        made.pop()
        if not folder.is_dir():
            raise


def _missing_dirs(path: Path) -> list[Path]:
    """The ancestors of `path` that do not exist yet, deepest first."""
    missing = []
    folder = path.parent
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    return missing


def recover(root: Path, folders: Iterable[Path]) -> int:
    """Finish a write a crash interrupted, and remove stray temp files; how many were put in place.

    `folders` are where tfgen writes (searched for temp files a crash left before journaling).
    """
    root = root.resolve()
    journal = root / JOURNAL
    finished = 0
    if journal.is_file():
        try:
            renames = json.loads(journal.read_text(encoding="utf-8"))["renames"]
            # [tmp, target, sha256, new]; journals from before the sha256 was kept: [tmp, target]
            entries = [(root / str(e[0]), root / str(e[1]), *(e[2:] or [None, False])) for e in renames]
        except (OSError, ValueError, KeyError, TypeError, IndexError) as err:
            raise TfgenError(
                f"{journal} is damaged ({err}): check the project's files, then delete it"
            ) from None
        for tmp, target, digest, new in entries:
            if tmp.is_file():
                if new and digest is not None and _sha256(tmp) != digest:
                    tmp.unlink()  # a new file whose content did not reach the disk
                    continue
                os.replace(tmp, target)
                finished += 1
            elif new and digest is not None and target.is_file() and _sha256(target) != digest:
                target.unlink()  # renamed in place, but its content did not reach the disk
        journal.unlink()
    for folder in folders:
        if folder.is_dir() and not folder.is_symlink():
            for stray in folder.glob(f".*{TEMP_SUFFIX}"):
                with contextlib.suppress(OSError):
                    stray.unlink()
    return finished


def commit(root: Path, files: dict[str, str]) -> None:
    """Stage every file, journal the renames, rename all into place; undo everything on failure."""
    root = root.resolve()
    created_dirs: list[Path] = []
    staged: list[tuple[Path, Path]] = []
    replaced: list[tuple[Path, bytes | None]] = []
    journal = root / JOURNAL
    target = root
    try:
        digests: list[tuple[str, bool]] = []
        for rel, text in files.items():
            target = root / rel
            _make_dirs(target.parent, created_dirs)
            data = text.encode("utf-8")
            existed = target.exists()
            staged.append((_stage(target, data, durable=existed), target))
            digests.append((hashlib.sha256(data).hexdigest(), not existed))
        target = journal
        _write_journal(journal, root, staged, digests)
        for staged_file, target in staged:
            replaced.append((target, _read_or_none(target)))
            os.replace(staged_file, target)
        journal.unlink()
    except BaseException as err:  # includes KeyboardInterrupt: leave the tree as it was
        _roll_back(staged, replaced, created_dirs, journal)
        if isinstance(err, OSError):
            raise TfgenError(
                f"could not write {target}: {err.strerror or err}; nothing was changed"
            ) from None
        raise


def _stage(target: Path, data: bytes, durable: bool) -> Path:
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o644)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_journal(
    journal: Path, root: Path, staged: list[tuple[Path, Path]], digests: list[tuple[str, bool]]
) -> None:
    renames = [
        [str(tmp.relative_to(root)), str(target.relative_to(root)), digest, new]
        for (tmp, target), (digest, new) in zip(staged, digests, strict=True)
    ]
    tmp = journal.with_name(f".journal.{os.getpid()}{TEMP_SUFFIX}")
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump({"renames": renames}, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, journal)


def _roll_back(
    staged: list[tuple[Path, Path]],
    replaced: list[tuple[Path, bytes | None]],
    created_dirs: list[Path],
    journal: Path,
) -> None:
    for staged_file, _ in staged:
        with contextlib.suppress(OSError):
            staged_file.unlink()
    for target, previous in reversed(replaced):
        with contextlib.suppress(OSError):
            if previous is None:
                target.unlink()
            else:
                target.write_bytes(previous)
    with contextlib.suppress(OSError):
        journal.unlink()
    for folder in reversed(created_dirs):
        with contextlib.suppress(OSError):
            folder.rmdir()


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _make_dirs(folder: Path, created: list[Path]) -> None:
    """Create `folder` and its missing parents, outermost first, each listed in `created`
    before it is made (so a signal between the two still leaves it to the roll-back)."""
    for path in reversed(_missing_dirs(folder / "x")):
        _make_dir(path, created)
