"""The `tfgen` command's entry point: the warm server when it can answer, else tfgen itself.

Kept to the standard library, so that a command the warm server answers (tfgen.warm) costs
the interpreter's start-up and a socket round trip, not typer's and pydantic's imports.
"""

from __future__ import annotations

import sys


def main() -> None:
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
