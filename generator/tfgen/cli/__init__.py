"""The command line: parse options, call one core function, turn its result into an exit code.

One module per group of commands (`project`: init/validate/schema/check, `insight`:
cost/diagram, `scan`, `terraform`: plan/apply/destroy/output, `aws`: bootstrap/doctor); they
register on the one `app`. Heavy
modules (pydantic, jinja2, hcl2, python-terraform, boto3) are imported inside the commands so
that `tfgen --help` stays fast.
"""

from __future__ import annotations

import importlib
import sys

import typer

from ..launch import Stopped, stopped_by
from ._app import app, echo, fail

# Each module registers its commands on `app`; this order is the order of `tfgen --help`.
for _group in ("project", "insight", "scan", "terraform", "ci", "aws"):
    importlib.import_module(f"{__name__}.{_group}")

__all__ = ["app", "echo", "fail", "main"]


def _stop(signum: int, frame: object) -> None:
    raise Stopped(signum)


def main() -> None:
    """Console entry point: no traceback for errors a user can act on; 128+n on signal n.

    Ctrl-C is 130, SIGTERM (CI cancel, `timeout`, `docker stop`) 143, SIGHUP 129. While
    terraform runs, these signals are forwarded to it instead (tfgen.terraform_process).
    """
    import os
    import signal

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop)
    try:
        app(prog_name="tfgen")  # also as `python -m tfgen`: completion scripts name tfgen
    except KeyboardInterrupt:
        sys.exit(stopped_by(signal.SIGINT))
    except Stopped as stopped:
        sys.exit(stopped_by(stopped.signum))
    except Exception as err:  # a bug in tfgen, not the user's fault: still no traceback
        if os.environ.get("TFGEN_DEBUG"):
            raise
        typer.echo(
            f"internal error: {type(err).__name__}: {err} (this is a bug in tfgen; "
            "TFGEN_DEBUG=1 shows the traceback)",
            err=True,
        )
        sys.exit(70)


if __name__ == "__main__":
    main()
