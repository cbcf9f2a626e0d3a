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
from typing import Any

import typer

from ..launch import Stopped, stopped_by
from ._app import app, echo, fail

# Each module registers its commands on `app`; this order is the order of `tfgen --help`.
for _group in ("project", "insight", "scan", "terraform", "ci", "aws"):
    importlib.import_module(f"{__name__}.{_group}")

__all__ = ["app", "command", "echo", "fail", "main"]

_command: Any = None


def command() -> Any:
    """`app` as the click command typer builds from it on every call (~20 ms of every command):
    built once per process. The warm server builds it before it forks, so its children start
    with it built; a cold process builds it once, as before."""
    global _command
    if _command is None:
        import typer.main

        _command = typer.main.get_command(app)
    return _command


def _run_app() -> None:
    """What `app(prog_name="tfgen")` does (typer.Typer.__call__), with the command built once:
    typer's exception hook, and its note on an exception for that hook (where this typer has
    one) for the tracebacks TFGEN_DEBUG shows."""
    import typer.main as typer_main

    if sys.excepthook != typer_main.except_hook:
        sys.excepthook = typer_main.except_hook
    try:
        command()(prog_name="tfgen")  # also as `python -m tfgen`: completion scripts name tfgen
    except Exception as err:
        config = getattr(typer_main, "DeveloperExceptionConfig", None)
        attribute = getattr(typer_main, "_typer_developer_exception_attr_name", None)
        if config is not None and attribute:
            setattr(
                err,
                attribute,
                config(
                    pretty_exceptions_enable=app.pretty_exceptions_enable,
                    pretty_exceptions_show_locals=app.pretty_exceptions_show_locals,
                    pretty_exceptions_short=app.pretty_exceptions_short,
                ),
            )
        raise


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
        _run_app()
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
