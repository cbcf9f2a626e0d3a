"""Progress on what takes more than a second: a status line with what runs and for how long.

`step("scanning 3 roots with checkov")` around the slow part. What the user sees depends on
where stderr goes, set once per command by the CLI (`configure`):
- a terminal: a rich status line (spinner, what, elapsed time) while it runs, replaced by one
  line with the time it took (colourless under NO_COLOR; TERM=dumb counts as no terminal);
- anything else (CI logs, pipes): one plain line when it starts (`... ...`) and one when it
  ends (`...: done in 4.2s`);
- `--quiet`, or a library caller that never configured it: nothing.

Always on stderr, so that machine output on stdout (--json, --format) stays clean. rich is
imported only when a status line is drawn (start-up stays light). One step at a time: a step
that starts while another runs (nested, or in a worker thread of `plan --all`) prints
nothing, so the outer one speaks for it and reports printed meanwhile stay whole.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_state = {"enabled": False, "quiet": False}
_lock = threading.Lock()
_running: list[str] = []  # the step being shown, if any


def configure(*, quiet: bool = False, enabled: bool = True) -> None:
    """What `step` prints from now on: the CLI calls this for every command."""
    _state["enabled"] = enabled
    _state["quiet"] = quiet


def quiet() -> bool:
    return bool(_state["quiet"]) or not _state["enabled"]


def _terminal() -> bool:
    stream = sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)()) and os.environ.get("TERM") != "dumb"


def _plain(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def elapsed(seconds: float) -> str:
    return f"{seconds:.1f}s" if seconds < 60 else f"{int(seconds // 60)}m{seconds % 60:04.1f}s"


@contextmanager
def step(what: str) -> Iterator[None]:
    """Show `what` while the block runs, then how long it took (or that it failed)."""
    with _lock:
        shown = not quiet() and not _running
        if shown:
            _running.append(what)
    if not shown:
        yield
        return
    started = time.monotonic()
    live = None
    try:
        if _terminal() and threading.current_thread() is threading.main_thread():
            live = _start_live(what)
        else:
            _plain(f"{what}...")
        ok = False
        try:
            yield
            ok = True
        finally:
            took = elapsed(time.monotonic() - started)
            end = f"{what}: done in {took}" if ok else f"{what}: failed after {took}"
            if live is not None:
                live.stop()
                live.console.print(end, style=("green" if ok else "red"), highlight=False)
            else:
                _plain(end)
    finally:
        with _lock:
            _running.clear()


def _start_live(what: str) -> Any:
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True, no_color="NO_COLOR" in os.environ or None)
    live = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    live.add_task(what, total=None)
    live.start()
    return live
