"""The command line: parse options, call one core function, turn its result into an exit code.

Heavy modules (pydantic, jinja2, hcl2, python-terraform) are imported inside the commands so
that `tfgen --help` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .errors import TfgenError

app = typer.Typer(
    name="tfgen",
    help="Turn a YAML app spec into a production-grade Terraform project for AWS, then run it.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

SpecArg = Annotated[Path, typer.Argument(help="The app spec (YAML).", show_default=False)]


def echo(line: str = "") -> None:
    typer.echo(line)


def fail(err: TfgenError) -> None:
    for line in err.lines():
        typer.echo(f"error: {line}" if not line.startswith(("error:",)) else line, err=True)
    raise typer.Exit(err.exit_code)


# --------------------------------------------------------------------------- spec and render


@app.command()
def init(
    spec: SpecArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Project folder to write.")] = Path("."),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change, write nothing.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite files you edited since tfgen wrote them.")] = False,
    skip: Annotated[bool, typer.Option("--skip", help="Keep files you edited; write the rest.")] = False,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help="Write only paths under this prefix (repeatable), e.g. modules."),
    ] = None,
) -> None:
    """Validate SPEC and render the Terraform project into --out."""
    from .render import render
    from .spec import load_spec
    from .write import write_tree

    try:
        if force and skip:
            raise TfgenError("--force and --skip contradict each other: choose one", exit_code=2)
        app_spec = load_spec(spec)
        files = render(app_spec, spec_path=spec)
        result = write_tree(out, files, dry_run=dry_run, force=force, skip=skip, only=only or [])
    except TfgenError as err:
        fail(err)
        return
    for line in result.status_lines():
        echo(line)
    echo(result.summary(dry_run=dry_run))
    if result.conflicts and not (force or skip):
        fail(result.conflict_error())


@app.command()
def validate(spec: SpecArg) -> None:
    """Check SPEC and print one line per problem (exit 2 when invalid)."""
    from .spec import load_spec

    try:
        app_spec = load_spec(spec)
    except TfgenError as err:
        fail(err)
        return
    envs = ", ".join(f"{e.name} ({e.profile})" for e in app_spec.environments)
    echo(f"{spec}: valid: app {app_spec.app}, environments {envs}")


@app.command("schema")
def schema_cmd() -> None:
    """Print the spec's JSON Schema (point your editor's YAML plugin at it)."""
    import json

    from .spec import json_schema

    echo(json.dumps(json_schema(), indent=2, sort_keys=False))


@app.command()
def check(
    directory: Annotated[Path, typer.Argument(help="A rendered tfgen project.")] = Path("."),
) -> None:
    """Run the gates on a rendered project: HCL parse, terraform fmt, AWS schema, references."""
    from .gates import run_all_gates

    try:
        report = run_all_gates(directory)
    except TfgenError as err:
        fail(err)
        return
    for line in report.lines():
        echo(line)
    if not report.ok:
        raise typer.Exit(1)


# ---- scan (issue 4)


@app.command("scan")
def scan_cmd(
    directory: Annotated[
        Path | None,
        typer.Argument(
            help="Terraform folder; for a tfgen project only modules/ and envs/. Default: .",
            show_default=False,
        ),
    ] = None,
    plan: Annotated[
        Path | None, typer.Option("--plan", help="Scan a `terraform show -json` plan instead.")
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="text, json, sarif (code scanning), junitxml.")
    ] = "text",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the --format report here (default: stdout)."),
    ] = None,
    checkov: Annotated[
        Path | None,
        typer.Option("--checkov", help="checkov executable (else $TFGEN_CHECKOV, else PATH)."),
    ] = None,
    policies: Annotated[
        Path | None,
        typer.Option(
            "--policies",
            help="Custom policies folder (else the project's policies/, else tfgen's).",
        ),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Always run checkov; ignore .tfgen-cache/scan/.")
    ] = False,
) -> None:
    """Security scan: checkov + tfgen policies, offline. Exit 0 clean, 1 findings, 2 error."""
    from .errors import UsageError
    from .scan import FORMATS, report_text, scan

    try:
        if fmt not in FORMATS:
            raise UsageError(f"--format {fmt}: choose one of {', '.join(FORMATS)}")
        if plan is not None and directory is not None:
            raise UsageError("give a folder or --plan PLAN.json, not both")
        result = scan(
            None if plan is not None else (directory or Path(".")),
            plan=plan,
            checkov=checkov,
            policies=policies,
            use_cache=not no_cache,
        )
        report = report_text(result, fmt) if fmt != "text" else ""
        if report and output is not None:
            try:
                output.parent.mkdir(parents=True, exist_ok=True)
                output.write_text(report)
            except OSError as err:
                raise UsageError(f"--output {output}: {err.strerror}") from None
    except TfgenError as err:
        fail(err)
        return
    # The machine report owns stdout when it goes there; the summary then goes to stderr.
    summary_to_stderr = bool(report) and output is None
    if summary_to_stderr:
        typer.echo(report, nl=not report.endswith("\n"))
    for line in result.summary_lines():
        typer.echo(line, err=summary_to_stderr)
    if report and output is not None:
        echo(f"{fmt} report: {output}")
    raise typer.Exit(result.exit_code)

# ---- run (issue 5)


def main() -> None:
    """Console entry point: no traceback for errors a user can act on, 130 on Ctrl-C."""
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
