"""Running one terraform process: output collected (and streamed), Ctrl-C forwarded to it.

Each process runs in its own session, so a terminal's Ctrl-C reaches terraform exactly once,
through `forward_sigint`, after which tfgen waits for terraform to stop and release the state
lock.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import ToolError
from .terraform_setup import INSTALL_HINT

LineSink = Callable[[str, str], None]
"""Receives (stream, line) as terraform prints them; stream is "stdout" or "stderr"."""


@dataclass(frozen=True)
class TfResult:
    """What one terraform command did."""

    command: str
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0


_live: set[subprocess.Popen[str]] = set()
_live_lock = threading.Lock()
# What arrived while terraform ran: how many stop signals, and the first one's number.
_sigint = {"depth": 0, "count": 0, "signal": 0}

# Ctrl-C, `kill`/CI cancel/`timeout`/`docker stop`, and a closed terminal all mean "stop".
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _forward(signum: int, frame: object) -> None:
    """Ask every running terraform to stop, the way a terminal's Ctrl-C does."""
    _sigint["count"] += 1
    _sigint["signal"] = _sigint["signal"] or signum
    with _live_lock:
        procs = list(_live)
    for proc in procs:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGINT)


@contextlib.contextmanager
def forward_sigint() -> Iterator[dict[str, int]]:
    """While active, a stop signal goes to the running terraform processes instead of raising.

    SIGINT, SIGTERM and SIGHUP are all forwarded as SIGINT: terraform stops gracefully on the
    first one (and releases the state lock), and exits at once on a second, as at a terminal.
    tfgen then waits for it, and exits 128 + the number of the signal it got. Only the main
    thread can install the handlers; a nested use or another thread gets the ones installed.
    """
    if threading.current_thread() is not threading.main_thread() or _sigint["depth"]:
        yield _sigint
        return
    previous = {signum: signal.signal(signum, _forward) for signum in STOP_SIGNALS}
    _sigint.update(depth=1, count=0, signal=0)
    try:
        yield _sigint
    finally:
        _sigint["depth"] = 0
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def interrupted() -> bool:
    """Whether a stop signal arrived since the outermost `forward_sigint` began."""
    return _sigint["count"] > 0


def stop_signal() -> int:
    """The first stop signal since the outermost `forward_sigint` began (SIGINT if none)."""
    return _sigint["signal"] or int(signal.SIGINT)


def run_process(argv: list[str], *, cwd: Path, env: dict[str, str], sink: LineSink | None = None) -> TfResult:
    """Run one terraform command, collecting its output and forwarding Ctrl-C to it."""
    started = time.monotonic()
    with forward_sigint() as state:
        count_before = state["count"]
        try:
            proc = subprocess.Popen(
                argv,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                errors="replace",
                bufsize=1,
                start_new_session=True,  # a terminal's Ctrl-C reaches terraform only via us
            )
        except FileNotFoundError as err:
            raise ToolError(f"terraform not found at {argv[0]}: {INSTALL_HINT}") from err
        with _live_lock:
            _live.add(proc)
        chunks: dict[str, list[str]] = {"stdout": [], "stderr": []}

        def pump(name: str) -> None:
            with getattr(proc, name) as stream:
                for line in stream:
                    chunks[name].append(line)
                    if sink is not None:
                        sink(name, line.rstrip("\n"))

        readers = [threading.Thread(target=pump, args=(n,), daemon=True) for n in chunks]
        for reader in readers:
            reader.start()
        try:
            while True:
                try:
                    proc.wait()
                    break
                except KeyboardInterrupt:  # a handler other than ours was active
                    _forward(signal.SIGINT, None)
        finally:
            with _live_lock:
                _live.discard(proc)
        for reader in readers:
            reader.join()
        was_interrupted = state["count"] > count_before
    return TfResult(
        command=argv[1] if len(argv) > 1 else "",
        argv=argv,
        returncode=proc.returncode,
        stdout="".join(chunks["stdout"]),
        stderr="".join(chunks["stderr"]),
        seconds=time.monotonic() - started,
        interrupted=was_interrupted,
    )
