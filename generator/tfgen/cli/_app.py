"""The Typer app every command registers on, and the two ways a command speaks to the user."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from ..errors import TfgenError

app = typer.Typer(
    name="tfgen",
    help="Turn a YAML app spec into a production-grade Terraform project for AWS, then run it.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Plain click help: rich's formatter costs ~130 ms of start-up for `tfgen --help`.
    rich_markup_mode=None,
)

SpecArg = Annotated[Path, typer.Argument(help="The app spec (YAML).", show_default=False)]
EnvOpt = Annotated[str, typer.Option("--env", "-e", help="Environment: a folder under envs/.")]
ProjectOpt = Annotated[
    Path, typer.Option("--project", "-p", help="The rendered project (holds envs/, modules/).")
]
LockTimeoutOpt = Annotated[
    str | None,
    typer.Option("--lock-timeout", help="Wait this long for a held state lock, e.g. 30s, 5m."),
]
PluginDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--plugin-dir",
        help="Offline provider mirror (filesystem mirror layout); default $TFGEN_PLUGIN_MIRROR.",
    ),
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask; a protected env also needs CI=true.")]


def echo(line: str = "") -> None:
    typer.echo(line)


def fail(err: TfgenError) -> NoReturn:
    """Print the error (its indented detail lines as they are) and exit with its code."""
    for line in err.lines():
        detail = line.startswith((" ", "\t")) or line.startswith("error:")
        typer.echo(line if detail else f"error: {line}", err=True)
    raise typer.Exit(err.exit_code)
