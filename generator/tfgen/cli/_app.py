"""The Typer app every command registers on, and the two ways a command speaks to the user."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperCommand, TyperGroup
from typer.models import CommandFunctionType

from ..errors import TfgenError
from ..launch import Stopped

# The word a value reads as, by parameter name, where the command does not set a metavar.
METAVARS = {
    "out": "DIR",
    "only": "PREFIX",
    "directory": "DIR",
    "jobs": "N",
    "fmt": "FORMAT",
    "output": "FILE",
    "plan": "FILE",
    "plan_file": "FILE",
    "checkov": "FILE",
    "policies": "DIR",
    "checkov_config": "FILE",
    "prices": "FILE",
    "name": "NAME",
    "spec": "SPEC",
}


def _word(param: Any) -> str:
    """How a parameter reads in usage and help: its metavar, a word such as ENV, DIR, FILE."""
    name = param.name or ""
    return str(param.metavar or METAVARS.get(name, name.upper()))


def first_sentence(text: str) -> str:
    """The first sentence of a help text's first paragraph (all of it when no word ends in `.`)."""
    words = text.strip().split("\n\n")[0].split()
    for i, word in enumerate(words):
        if word.endswith("."):
            return " ".join(words[: i + 1])
    return " ".join(words)


class Command(TyperCommand):
    """A command whose usage line and help read as words: `tfgen init [OPTIONS] SPEC`.

    Typer's own rendering shows `{spec}` for a required argument and `<path>` or
    `<list[str]>` for a value; here an argument is its word (`[WORD]` when optional) and an
    option's value its metavar (every value-taking option without one gets its name in capitals).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:  # errors name them the same way: "Missing argument 'SPEC'"
            if param.param_type_name == "argument" or not getattr(param, "is_flag", False):
                param.metavar = param.metavar or _word(param)

    def get_short_help_str(self, limit: int = 45) -> str:
        """The line in `tfgen --help`'s command list: the help's whole first sentence.

        click cuts it at `limit` characters with `...`; a sentence longer than the column is
        wrapped instead (keep first sentences short: one line).
        """
        if self.short_help:
            return super().get_short_help_str(limit)
        return first_sentence(self.help or "")

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                word = _word(param) + ("..." if param.nargs != 1 else "")
                pieces.append(word if param.required else f"[{word}]")
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        args: list[tuple[str, str]] = []
        opts: list[tuple[str, str]] = []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                args.append((_word(param), getattr(param, "help", None) or ""))
            elif param.param_type_name == "option":
                record = param.get_help_record(ctx)
                if record is not None:
                    opts.append(record)
        for title, rows in (("Arguments", args), ("Options", opts)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


class Group(TyperGroup):
    """The `tfgen` group. typer turns a Ctrl-C while it reads the arguments or runs a command
    into exit 130 with no word; here it leaves as `Stopped`, so `cli.main` says `interrupted`
    as for every other signal (the command's files have rolled back on the way out)."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        with _ctrl_c_stops():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        with _ctrl_c_stops():
            return super().invoke(ctx)


@contextlib.contextmanager
def _ctrl_c_stops() -> Iterator[None]:
    import signal

    try:
        yield
    except KeyboardInterrupt:
        raise Stopped(signal.SIGINT) from None


class App(typer.Typer):
    """typer.Typer whose commands are `Command`s unless a command says otherwise."""

    def command(self, *args: Any, **kwargs: Any) -> Callable[[CommandFunctionType], CommandFunctionType]:
        kwargs.setdefault("cls", Command)
        return super().command(*args, **kwargs)


app = App(
    cls=Group,
    name="tfgen",
    help="Turn a YAML app spec into a production-grade Terraform project for AWS, then run it.",
    # `tfgen --install-completion` / `--show-completion` (bash, zsh, fish, PowerShell).
    add_completion=True,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Plain click help: rich's formatter costs ~130 ms of start-up for `tfgen --help`.
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"tfgen {__version__}")
        raise typer.Exit()


@app.callback()
def _global_options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="No progress lines (what runs, how long); results and errors stay."
        ),
    ] = False,
) -> None:
    from .. import progress

    progress.configure(quiet=quiet)


SpecArg = Annotated[Path, typer.Argument(help="The app spec (YAML).", metavar="SPEC", show_default=False)]
EnvOpt = Annotated[str, typer.Option("--env", "-e", metavar="ENV", help="Environment: a folder under envs/.")]
ProjectOpt = Annotated[
    Path,
    typer.Option("--project", "-p", metavar="DIR", help="The rendered project (holds envs/, modules/)."),
]
LockTimeoutOpt = Annotated[
    str | None,
    typer.Option(
        "--lock-timeout",
        metavar="DURATION",
        help="Wait this long for a held state lock, e.g. 30s, 5m.",
    ),
]
PluginDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--plugin-dir",
        metavar="DIR",
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
