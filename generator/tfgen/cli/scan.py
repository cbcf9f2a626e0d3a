"""`tfgen scan`: the security scan."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import TfgenError
from ._app import app, echo, fail


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
    trivy: Annotated[
        Path | None,
        typer.Option("--trivy", help="trivy executable (else $TFGEN_TRIVY, else PATH)."),
    ] = None,
    engine: Annotated[
        str,
        typer.Option(
            "--engine", "-e", help="checkov, trivy, or all (both, side by side; a plan is checkov's)."
        ),
    ] = "all",
    policies: Annotated[
        Path | None,
        typer.Option(
            "--policies",
            help="Custom policies folder (else the project's policies/, else tfgen's).",
        ),
    ] = None,
    checkov_config: Annotated[
        Path | None,
        typer.Option(
            "--checkov-config", help="A checkov config file to use (its skip-check entries are listed)."
        ),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Always run the scanners; ignore .tfgen-cache/scan/.")
    ] = False,
    show_skips: Annotated[
        bool, typer.Option("--show-skips", help="List every skipped check with its reason.")
    ] = False,
    stop_server: Annotated[
        bool,
        typer.Option(
            "--stop-server",
            help="Stop the warm checkov and the spare trivy (kept between scans; TFGEN_SCAN_SERVER=0: none).",
        ),
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Say whether the warm checkov ran the scan, and why not.")
    ] = False,
) -> None:
    """Security scan: checkov + tfgen policies and trivy, offline.

    One line per finding (engine, file:line, check, resource, what to change); the skips as a
    count (--show-skips lists them with their reasons). Exit 0 clean, 1 findings, 2 error.
    """
    from ..errors import UsageError
    from ..scan import FORMATS, report_text, scan, server

    if stop_server:
        from ..scan import spare

        pid = server.stop_server()
        spares = spare.stop_spares()
        echo(f"stopped the warm checkov (pid {pid})" if pid else "no warm checkov was running")
        if spares:
            echo(f"stopped {spares} spare {'trivy' if spares == 1 else 'trivies'}")
        raise typer.Exit(0)
    server.set_verbose(verbose)
    try:
        if fmt not in FORMATS:
            raise UsageError(f"--format {fmt}: choose one of {', '.join(FORMATS)}")
        if plan is not None and directory is not None:
            raise UsageError("give a folder or --plan PLAN.json, not both")
        result = scan(
            None if plan is not None else (directory or Path(".")),
            plan=plan,
            checkov=checkov,
            trivy=trivy,
            engine=engine,
            policies=policies,
            config=checkov_config,
            use_cache=not no_cache,
            formats=(fmt,),
        )
        report = report_text(result, fmt) if fmt != "text" else ""
        if report and output is not None:
            _write_report(output, report)
    except TfgenError as err:
        fail(err)
    # The machine report owns stdout when it goes there; the summary then goes to stderr.
    summary_to_stderr = bool(report) and output is None
    if summary_to_stderr:
        typer.echo(report, nl=not report.endswith("\n"))
    for line in result.summary_lines(show_skips=show_skips):
        typer.echo(line, err=summary_to_stderr)
    if report and output is not None:
        echo(f"{fmt} report: {output}")
    raise typer.Exit(result.exit_code)


def _write_report(output: Path, report: str) -> None:
    from ..errors import UsageError

    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(report)
    except OSError as err:
        raise UsageError(f"--output {output}: {err.strerror}") from None
