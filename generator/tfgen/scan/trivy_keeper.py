"""Keeps one spare trivy for tfgen (see tfgen.scan.spare): standard library only, never imported.

    python -I trivy_keeper.py FOLDER IDLE_S -- TRIVY_COMMAND...

Starts the command in FOLDER with its stderr in FOLDER/stderr.log, writes its pid to
FOLDER/trivy.pid and, when it ends, its exit status to FOLDER/rc (atomically: the scan that
claimed the spare waits for that file; while this keeper lives - its pid is FOLDER/keeper.pid,
written by whoever started it - that file will come). The trivy loads its checks, then blocks opening the
FIFO its `--config-data` folder holds, until a scan claims the spare and writes to it.

A spare nobody claims within IDLE_S seconds is ended and its folder removed; so is one whose
claimer is gone, or whose folder is gone (a cache folder deleted under it), looked at every
CHECK_S seconds. SIGTERM ends it now.
Claiming is `mkdir FOLDER/claimed`: whoever makes it first, a scan or this keeper, owns the spare.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

CHECK_S = 30.0  # how often the keeper looks at its spare (its folder, its claimer)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _again(at: float) -> None:
    """Look at the spare again at monotonic time `at`, and at least every CHECK_S."""
    signal.setitimer(signal.ITIMER_REAL, max(0.01, min(at - time.monotonic(), CHECK_S)))


def _die_with_parent() -> None:
    """On Linux, trivy is killed when this keeper dies (even by SIGKILL), so no trivy waits on
    at its FIFO without a keeper to end it; elsewhere the keeper's own checks are all there is."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def _write(path: str, text: str) -> None:
    try:
        with open(path + ".tmp", "w") as handle:
            handle.write(text)
        os.replace(path + ".tmp", path)
    except OSError:
        pass  # the folder was removed meanwhile: nobody waits for it


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[2] != "--":
        print("usage: trivy_keeper.py FOLDER IDLE_S -- COMMAND...", file=sys.stderr)
        return 2
    folder, idle, command = argv[0], float(argv[1]), argv[3:]
    claimed = os.path.join(folder, "claimed")
    ended = {"by_keeper": False}

    with open(os.path.join(folder, "stderr.log"), "wb") as err:
        proc = subprocess.Popen(
            command,
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            preexec_fn=_die_with_parent,  # this keeper is one thread: safe before exec
        )
    _write(os.path.join(folder, "trivy.pid"), str(proc.pid))

    def end() -> None:
        ended["by_keeper"] = True
        if proc.poll() is None:
            proc.kill()

    started = time.monotonic()
    unknown = {"looks": 0}  # looks that found a claim without its claimer's pid

    def check(*_: object) -> None:
        if not os.path.isdir(folder):
            return end()
        if not os.path.isdir(claimed):
            if time.monotonic() - started < idle:
                return _again(started + idle)
            try:
                os.mkdir(claimed)
            except FileExistsError:
                pass  # a scan claimed it just now
            except OSError:
                return end()
            else:
                return end()  # unclaimed for IDLE_S: this keeper claimed it, to end it
        try:
            with open(os.path.join(claimed, "by")) as handle:
                claimer = int(handle.read().strip() or "0")
        except (OSError, ValueError):
            claimer = 0  # being written: look again later, but not for ever
        unknown["looks"] = 0 if claimer else unknown["looks"] + 1
        if (claimer and not _alive(claimer)) or unknown["looks"] > 2:
            return end()
        _again(time.monotonic() + CHECK_S)

    signal.signal(signal.SIGALRM, check)
    signal.signal(signal.SIGTERM, lambda *_: end())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C in the terminal is not for it
    _again(started + idle)
    rc = proc.wait()
    signal.setitimer(signal.ITIMER_REAL, 0)
    if ended["by_keeper"]:
        shutil.rmtree(folder, ignore_errors=True)
        return 0
    _write(os.path.join(folder, "rc"), str(rc))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
