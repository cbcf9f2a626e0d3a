"""Spare trivy processes: one started after a scan, that has loaded its checks and waits for the
next scan's tree.

A `trivy config` run spends its first ~0.9 s loading and compiling the 563 checks embedded in
the binary before it reads a file; no flag loads fewer, and a Go process cannot be forked warm
the way the warm checkov is. But trivy reads its `--config-data` folders right after loading
its checks and before it looks at its target. So a spare is a trivy started ahead of need with a
target folder that does not exist yet and a `--config-data` folder holding one FIFO: it loads
its checks, then blocks opening the FIFO. The next scan claims it, stages its tree where the
target points, and writes `{}` (no data) into the FIFO; trivy goes on and scans that tree.

Why the answer is a fresh trivy's: everything the scan depends on is read after the release -
the target did not exist before it (a trivy that looked at it earlier fails, and the scan then
runs cold), the cache and module folders are the spare's own and empty, and a spare is used only
by a scan whose key matches: the same trivy binary (fingerprint), command line, environment,
tfgen and keeper. The empty data document adds nothing to rego's `data` (a test compares the
reports with a cold run's). Any trouble - no spare, a dead one, one not at its FIFO within
READY_S, a failed run - and the scan runs trivy cold, so an error a user sees is a cold trivy's.

Each spare is a folder under the user cache folder's `trivy-spares/` and a keeper process
(trivy_keeper.py) that started it, records its exit status and ends it when nobody claimed it
for `TFGEN_SCAN_SERVER_IDLE` seconds (default 900). On with the warm checkov's switch
(`TFGEN_SCAN_SERVER`, else `TFGEN_WARM`, off in CI); `tfgen scan --stop-server` ends them.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .. import __version__
from ..paths import private_dir

KEEPER = Path(__file__).with_name("trivy_keeper.py")
FIFO = "tfgen.json"
READY_S = 10.0  # a spare still loading its checks is waited for this long, then the scan runs cold
MAX_SPARES = 2  # unclaimed spares kept at most (all keys): each holds ~300 MB while it waits
POLL_S = 0.01
# Variables that differ from shell to shell and that trivy does not read: left out of the key.
UNKEYED = {"PWD", "OLDPWD", "SHLVL", "_", "COLUMNS", "LINES", "PYTEST_CURRENT_TEST"}
UNKEYED_PREFIXES = ("TFGEN_",)
PLACEHOLDER = "/tfgen-spare"
# trivy writes its report with Go's encoder: the target it was given is the first ArtifactName.
ARTIFACT_NAME = re.compile(r'"ArtifactName": "(?:[^"\\]|\\.)*"')


class SpareRun:
    """What a spare's trivy left: its exit status, stderr and report."""

    def __init__(self, rc: int, stderr: str, report: str | None) -> None:
        self.rc, self.stderr, self.report = rc, stderr, report


def enabled() -> bool:
    from . import server

    return server.enabled()


def spares_dir() -> Path:
    return private_dir("trivy-spares").resolve()  # the keeper and trivy run in other folders


def spare_key(fingerprint: str, command: list[str], env: dict[str, str]) -> str:
    """The key of a spare: what decides a trivy's answer besides the tree it scans. `command`
    is built with PLACEHOLDER as the spare's folder."""
    digest = hashlib.sha256()
    kept = {k: v for k, v in env.items() if k not in UNKEYED and not k.startswith(UNKEYED_PREFIXES)}
    for part in (
        __version__,
        KEEPER.read_text(),
        fingerprint,
        json.dumps(command),
        json.dumps(sorted(kept.items())),
    ):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    return digest.hexdigest()[:24]


def tree_of(folder: Path) -> Path:
    """Where a spare's trivy looks for its target (absent until a scan stages it)."""
    return folder / "tree"


def claim(key: str) -> Path | None:
    """An idle spare with `key`, now this process's; None when there is none."""
    try:
        candidates = sorted(spares_dir().glob(f"{key}-*"))
    except Exception:  # noqa: BLE001 - a cache folder tfgen cannot use: no spare
        return None
    for folder in candidates:
        try:
            (folder / "claimed").mkdir(mode=0o700)
        except OSError:
            continue  # another scan's, or being ended
        try:
            (folder / "claimed" / "by").write_text(str(os.getpid()))
        except OSError:  # removed meanwhile (--stop-server), or a full disk
            discard(folder)
            continue
        if _gone(folder):
            _note(f"a spare trivy had ended ({folder.name}): cleared away")
            discard(folder)
            continue
        return folder
    return None


def run(
    folder: Path, files: dict[str, bytes], timeout: float, cancel: threading.Event | None = None
) -> SpareRun | str:
    """Scan `files` with the claimed spare in `folder`; why not when it cannot (the caller then
    runs trivy cold), or when `cancel` is set. The folder is gone afterwards."""
    from .checkov import stage

    try:
        part = folder / "tree.part"
        stage(files, part)
        if not files:
            part.mkdir()
        part.rename(tree_of(folder))
        why = _release(folder, cancel)
        if why:
            return why
        deadline = time.monotonic() + timeout
        rc_file = folder / "rc"
        checked = time.monotonic()
        while not rc_file.exists():
            now = time.monotonic()
            if cancel is not None and cancel.is_set():
                return "the scan was interrupted"
            if now > deadline:
                return f"it did not finish within {timeout:.0f}s"
            if now - checked > 0.5:
                checked = now
                if _pid(folder / "keeper.pid") is None and not rc_file.exists():
                    return "it was ended while it scanned"  # by --stop-server
            time.sleep(POLL_S)
        rc = int(rc_file.read_text().strip() or "-1")
        stderr = (folder / "stderr.log").read_text(errors="replace")
        report_file = folder / "report.json"
        report = report_file.read_text() if report_file.is_file() else None
        if report is not None:
            # the one trace of the spare's folder in trivy's report: the target it was given
            report = ARTIFACT_NAME.sub('"ArtifactName": "."', report, count=1)
        return SpareRun(rc, stderr, report)
    except OSError as err:
        return f"its folder could not be used ({err})"
    finally:
        discard(folder)


def _release(folder: Path, cancel: threading.Event | None = None) -> str:
    """Let the spare's trivy go on: write the empty data document into the FIFO it is blocked
    opening. Why not, when no trivy opens it within READY_S; "" once released."""
    deadline = time.monotonic() + READY_S
    while True:
        try:
            fd = os.open(folder / "data" / FIFO, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError as err:
            if err.errno != errno.ENXIO:  # ENXIO: no reader yet (still loading its checks)
                return f"its FIFO could not be opened ({err})"
        if _gone(folder):
            return "its trivy had ended"
        if cancel is not None and cancel.is_set():
            return "the scan was interrupted"
        if time.monotonic() > deadline:
            return f"it was not waiting at its FIFO within {READY_S:.0f}s"
        time.sleep(POLL_S)
    try:
        os.set_blocking(fd, True)
        os.write(fd, b"{}")
    except OSError as err:
        return f"its FIFO could not be written ({err})"
    finally:
        os.close(fd)
    return ""


def launch(command: list[str], env: dict[str, str], key: str, idle: float) -> Path | None:
    """Start a spare for `key` unless an idle one is there; `command` is the trivy command with
    PLACEHOLDER as the spare's folder. At most MAX_SPARES idle spares are kept: the oldest go."""
    try:
        base = spares_dir()
        idle_spares = sorted(
            (f for f in base.iterdir() if f.is_dir() and not (f / "claimed").exists()),
            key=lambda f: f.stat().st_mtime,
        )
        for old in list(idle_spares):  # a spare whose keeper died (killed): of no use
            if _gone(old) and _claim_quietly(old):
                discard(old)
                idle_spares.remove(old)
        for gone in base.iterdir():  # a claimed one whose keeper died before it could clean up
            if (gone / "claimed").exists() and _pid(gone / "keeper.pid") is None:
                with contextlib.suppress(OSError):
                    if time.time() - gone.stat().st_mtime > 3600:
                        shutil.rmtree(gone, ignore_errors=True)
        if any(f.name.startswith(f"{key}-") for f in idle_spares):
            return None
        for old in idle_spares[: max(0, len(idle_spares) - MAX_SPARES + 1)]:
            if _claim_quietly(old):
                discard(old)
        folder = Path(tempfile.mkdtemp(prefix=f"{key}-", dir=base))
        for sub in ("data", "cache", "modules"):
            (folder / sub).mkdir(mode=0o700)
        os.mkfifo(folder / "data" / FIFO, 0o600)
        real = [part.replace(PLACEHOLDER, str(folder)) for part in command]
        keeper = subprocess.Popen(
            [sys.executable, "-I", str(KEEPER), str(folder), str(idle), "--", *real],
            cwd=folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
        )
        pid_file = folder / "keeper.pid"  # now, so a scan right after this one finds it starting
        (folder / "keeper.pid.tmp").write_text(str(keeper.pid))
        os.replace(folder / "keeper.pid.tmp", pid_file)
        return folder
    except Exception:  # noqa: BLE001 - a spare is an optimisation: never a scan's failure
        return None


def _claim_quietly(folder: Path) -> bool:
    try:
        (folder / "claimed").mkdir(mode=0o700)
    except OSError:
        return False
    return True


def discard(folder: Path) -> None:
    """End a claimed spare's trivy (if it runs) and remove its folder. Where a pid cannot be
    proven the spare's (no /proc), nothing is signalled: its keeper ends it once the folder is
    gone (it looks every 30 s)."""
    pid = _pid(folder / "trivy.pid")
    if pid is not None and _proven(pid, folder):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 2.0
        while not (folder / "rc").exists() and time.monotonic() < deadline:
            time.sleep(POLL_S)  # its keeper writes the exit status: then nothing writes here
    for _ in range(20):  # a keeper's last write may land while the folder is removed
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            return
        time.sleep(0.05)


def stop_spares() -> int:
    """End every spare of this user's cache folder; how many there were."""
    try:
        folders = [f for f in spares_dir().iterdir() if f.is_dir()]
    except Exception:  # noqa: BLE001
        return 0
    for folder in folders:
        discard(folder)
    return len(folders)


def _gone(folder: Path) -> bool:
    """Whether the spare in `folder` can no longer answer: its trivy ended, or its keeper is not
    running. One launched less than READY_S ago may still be starting (its pid not yet written,
    or its command line not yet readable while it execs): not gone."""
    if (folder / "rc").exists():
        return True
    try:
        young = time.time() - (folder / "data").stat().st_mtime < READY_S  # made at launch
    except OSError:
        return True
    if not (folder / "keeper.pid").exists():
        return not young
    return _pid(folder / "keeper.pid", starting=young) is None


def _note(message: str) -> None:
    from . import server

    server.note(message)


def _proven(pid: int, folder: Path) -> bool:
    """Whether `pid` is proven the spare's, so it may be signalled: on Linux its command line
    names the folder; without /proc nothing is proven."""
    try:
        return os.fsencode(folder) in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _pid(path: Path, starting: bool = False) -> int | None:
    """The pid in `path` if that process runs (not a zombie) and is the spare's: on Linux its
    command line names the spare's folder, so a reused pid is not taken for it. `starting`: a
    spare just launched, whose keeper may still be exec'ing (its command line empty for that
    moment): a running process is taken for it. Without /proc a running pid is trusted."""
    try:
        pid = int(path.read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    proc = Path("/proc")
    if proc.is_dir():
        try:
            with open(proc / str(pid) / "stat") as handle:
                if handle.read().rsplit(") ", 1)[-1][:1] == "Z":
                    return None
        except OSError:
            return None
        if not starting and not _proven(pid, path.parent):
            return None
    return pid
