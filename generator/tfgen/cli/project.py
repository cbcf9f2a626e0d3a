"""Commands on a spec and a rendered tree: init, validate, schema, check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import TfgenError
from ._app import SpecArg, app, echo, fail


@app.command()
def init(
    spec: SpecArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Project folder to write.")] = Path("."),
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change, write nothing.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite files you edited since tfgen wrote them.")
    ] = False,
    skip: Annotated[bool, typer.Option("--skip", help="Keep files you edited; write the rest.")] = False,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help="Write only paths under this prefix (repeatable), e.g. modules."),
    ] = None,
) -> None:
    """Validate SPEC and render the Terraform project into --out."""
    from ..render import project_meta, render, spec_reference
    from ..spec import load_spec
    from ..write import write_tree

    try:
        if force and skip:
            raise TfgenError("--force and --skip contradict each other: choose one", exit_code=2)
        app_spec = load_spec(spec)
        files = render(app_spec, spec_ref=spec_reference(spec, out))
        meta = project_meta(app_spec, files, spec, out)
        result = write_tree(out, files, dry_run=dry_run, force=force, skip=skip, only=only or [], meta=meta)
    except TfgenError as err:
        fail(err)
    for line in result.status_lines():
        echo(line)
    echo(result.summary(dry_run=dry_run))
    if result.conflicts and not (force or skip):
        fail(result.conflict_error())


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
    """Print the spec's JSON Schema (point your editor's YAML plugin at it)."""
    import json

    from ..spec import json_schema

    echo(json.dumps(json_schema(), indent=2, sort_keys=False))


@app.command()
def check(
    directory: Annotated[Path, typer.Argument(help="A rendered tfgen project.")] = Path("."),
) -> None:
    """Run the gates on a rendered project: HCL parse, terraform fmt, AWS schema, references."""
    from ..gates import run_all_gates

    try:
        report = run_all_gates(directory)
    except TfgenError as err:
        fail(err)
    for line in report.lines():
        echo(line)
    if not report.ok:
        raise typer.Exit(1)
