"""Commands on a spec and a rendered tree: init, validate, schema, check."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import TfgenError

if TYPE_CHECKING:
    from ..write import WriteResult
from ._app import SpecArg, app, echo, fail


@app.command()
def init(
    spec: Annotated[
        Path | None,
        typer.Argument(
            help="The app spec (YAML); default: the project's own (tfgen.yaml).",
            show_default=False,
            metavar="SPEC",
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Project folder to write.", metavar="DIR")] = Path(
        "."
    ),
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change, write nothing.")
    ] = False,
    diff: Annotated[
        bool,
        typer.Option("--diff", help="Show the unified diff of every file that would change; write nothing."),
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Take tfgen's version of files you edited (your edits are lost).")
    ] = False,
    skip: Annotated[
        bool, typer.Option("--skip", help="Keep files you edited as they are; write the rest.")
    ] = False,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only", help="Write only paths under this prefix (repeatable), e.g. modules.", metavar="PREFIX"
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="One line per file, unchanged ones included.")
    ] = False,
) -> None:
    """Render the project from SPEC into --out.

    With no SPEC, re-render from the project's own spec (tfgen.yaml). Edits you made are kept,
    and merged three ways with tfgen's changes when both touched a file.
    """
    from ..project_spec import render_project
    from ..write import write_tree

    try:
        if force and skip:
            raise TfgenError("--force and --skip contradict each other: choose one", exit_code=2)
        where, app_spec, files, meta = render_project(spec, out, force)
        _check_version(out, force)
        result = write_tree(
            out,
            files,
            dry_run=dry_run or diff,
            force=force,
            skip=skip,
            only=only or [],
            meta=meta,
            owned=where.owned,
        )
    except TfgenError as err:
        fail(err)
    if diff:
        for line in _diffs(out, result):
            echo(line)
    for line in result.status_lines(verbose=verbose):
        echo(line)
    if result.changed or result.orphans or verbose:
        echo(result.summary(dry_run=dry_run or diff))
    else:
        echo(f"{len(result.statuses)} files, all identical to the spec's rendering: nothing to write")
    if result.conflicts and not (force or skip):
        fail(result.conflict_error())
    if "create" in result.statuses.values() and not (dry_run or diff):
        for line in _next_steps(out, app_spec.environments[0].name, copied=where.copied):
            echo(line)


def _check_version(out: Path, force: bool) -> None:
    """Say so before writing when another tfgen version rendered the project; refuse a downgrade."""
    from .. import __version__
    from ..project import read_manifest
    from ..terraform_setup import version_tuple

    recorded = read_manifest(out).get("tfgen_version")
    if not isinstance(recorded, str) or recorded == __version__:
        return
    if version_tuple(recorded) > version_tuple(__version__) and not force:
        raise TfgenError(
            f"{out} was rendered by tfgen {recorded}, newer than this tfgen {__version__}: "
            "an older tfgen would undo its changes; upgrade tfgen (or pass --force to render anyway)"
        )
    echo(
        f"note: {out} was rendered by tfgen {recorded}; this is tfgen {__version__}: review the "
        "changes (tfgen init --diff shows them before they are written)"
    )


def _diffs(out: Path, result: WriteResult) -> list[str]:
    """Unified diffs (disk -> what tfgen would write) of every file that would change."""
    import difflib

    lines: list[str] = []
    for rel, text in result.contents.items():
        target = out / rel
        try:
            before = target.read_text(encoding="utf-8").splitlines(keepends=True)
            old_name = f"a/{rel}"
        except (FileNotFoundError, UnicodeDecodeError):
            before, old_name = [], "/dev/null"
        diff = difflib.unified_diff(before, text.splitlines(keepends=True), old_name, f"b/{rel}")
        lines.extend(line.rstrip("\n") for line in diff)
    return lines


def _next_steps(out: Path, first_env: str, copied: bool) -> list[str]:
    where = "" if out.resolve() == Path.cwd().resolve() else f"cd {out} && "
    steps = [
        "",
        "Next steps:",
        f"  {where}make setup    # tfgen, checkov and the pre-commit hooks",
        f"  make bootstrap ENV={first_env}    # the state bucket (needs AWS credentials)",
        f"  make plan ENV={first_env}    # review it, then: make apply ENV={first_env}",
    ]
    if copied:
        steps.append("The spec now lives in the project as tfgen.yaml: edit it there and run `tfgen init`.")
    return steps


@app.command()
def validate(spec: SpecArg) -> None:
    """Check SPEC and print one line per problem (exit 2 when invalid)."""
    from ..spec import load_spec

    try:
        app_spec = load_spec(spec)
    except TfgenError as err:
        fail(err)
    envs = ", ".join(f"{e.name} ({e.profile})" for e in app_spec.environments)
    echo(f"{spec}: valid: app {app_spec.name}, environments {envs}")


@app.command("schema")
def schema_cmd() -> None:
    """Print the spec's JSON Schema.

    Every project carries it as tfgen.schema.json, for editors and CI validators.
    """
    from ..render import schema_text

    typer.echo(schema_text(), nl=False)


@app.command()
def check(
    directory: Annotated[Path, typer.Argument(help="A rendered tfgen project.")] = Path("."),
) -> None:
    """Run the gates on a rendered project.

    HCL parse, terraform fmt, AWS provider schema, references, terraform validate.
    """
    from ..gates import run_all_gates

    try:
        report = run_all_gates(directory)
    except TfgenError as err:
        fail(err)
    for line in report.lines():
        echo(line)
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def setup(
    directory: Annotated[
        Path, typer.Argument(help="The rendered project.", metavar="DIR", show_default=False)
    ] = Path("."),
) -> None:
    """Install the scanners and a project's pre-commit hooks.

    checkov and trivy are tfgen's pinned ones, in your cache folder; the hooks run on every
    commit.
    """
    from ..scan import find_checkov, find_trivy

    try:
        echo(f"checkov: {find_checkov()}")
        echo(f"trivy: {find_trivy()}")
        echo(_install_hooks(directory))
    except TfgenError as err:
        fail(err)


def _install_hooks(directory: Path) -> str:
    """Install the project's pre-commit hooks when it is the root of a git repository."""
    import subprocess
    import sys

    if not (directory / ".pre-commit-config.yaml").is_file():
        return f"pre-commit hooks: {directory} has no .pre-commit-config.yaml (render it with tfgen init)"
    top = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], cwd=directory, capture_output=True, text=True, check=False
    )
    if top.returncode != 0:
        return (
            f"pre-commit hooks: not installed, {directory} is not in a git repository "
            "(git init, then make setup again)"
        )
    if Path(top.stdout.strip()).resolve() != directory.resolve():
        return (
            f"pre-commit hooks: not installed, {directory} is not the root of its git repository "
            f"({top.stdout.strip()}); pre-commit reads the config at the root"
        )
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise TfgenError(f"pre-commit install failed in {directory}: {(done.stderr or done.stdout).strip()}")
    return f"pre-commit hooks: installed in {directory / '.git' / 'hooks'} (they run on every commit)"
