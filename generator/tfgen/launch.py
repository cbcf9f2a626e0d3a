"""The `tfgen` command's entry point: the warm server when it can answer, else tfgen itself.

Kept to the standard library, so that a command the warm server answers (tfgen.warm) costs
the interpreter's start-up and a socket round trip, not typer's and pydantic's imports; other
commands do not even import tfgen.warm.
"""

from __future__ import annotations

import sys

# The commands tfgen.warm may answer: where start-up is the wait (the render loop, and the
# pre-commit hook's scan: its checkov runs in the warm checkov, tfgen.scan.server).
WARM_COMMANDS = frozenset({"init", "validate", "scan"})


class Stopped(BaseException):
    """A signal tfgen unwinds on like Ctrl-C (files roll back): SIGTERM or SIGHUP outside a
    terraform run, and Ctrl-C inside a command (typer would end it with 130 and no word)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def stopped_by(signum: int) -> int:
    """Say what stopped tfgen (`interrupted` for Ctrl-C, else `stopped by SIGTERM`...) on stderr;
    the exit status for it, 128 + the signal's number. Every way tfgen ends on a signal uses it."""
    import signal

    name = signal.Signals(signum).name
    sys.stderr.write("interrupted\n" if signum == signal.SIGINT else f"stopped by {name}\n")
    return 128 + signum


def main() -> None:
    try:  # a Ctrl-C while tfgen starts (its imports take a while) is `interrupted` too
        code = None
        if len(sys.argv) > 1 and sys.argv[1] in WARM_COMMANDS:
            from . import warm

            code = warm.run(sys.argv)
        if code is None:
            from .cli import main as cli_main
    except KeyboardInterrupt:
        import signal

        sys.exit(stopped_by(signal.SIGINT))
    if code is not None:
        sys.exit(code)
    cli_main()
