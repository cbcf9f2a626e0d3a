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


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in WARM_COMMANDS:
        from . import warm

        try:
            code = warm.run(sys.argv)
        except KeyboardInterrupt:
            sys.stderr.write("interrupted\n")
            sys.exit(130)
        if code is not None:
            sys.exit(code)
    from .cli import main as cli_main

    cli_main()
