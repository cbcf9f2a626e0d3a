"""Commands that talk to AWS: bootstrap (the state bucket) and doctor."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import TfgenError
from ._app import EnvOpt, ProjectOpt, app, echo, fail


@app.command("bootstrap")
def bootstrap_cmd(
    env: EnvOpt,
    project: ProjectOpt = Path("."),
    ci: Annotated[
        bool,
        typer.Option("--ci", help="Instead: the CI's OIDC provider and the env's plan and apply roles."),
    ] = False,
) -> None:
    """Create the S3 state bucket of an environment's backend.

    Idempotent: a bucket that exists and is set up right is left as it is. With --ci: the
    CI's OIDC provider and the environment's plan and apply roles instead.
    """
    from ..bootstrap import bootstrap

    try:
        if ci:
            from ..ci.bootstrap import bootstrap_ci

            report: Any = bootstrap_ci(project, env)
        else:
            report = bootstrap(project, env)
    except TfgenError as err:
        fail(err)
    for line in report.lines():
        echo(line)


@app.command("doctor")
def doctor_cmd(
    env: Annotated[
        str | None, typer.Option("--env", "-e", help="Check only this env's state bucket.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the checks as JSON: name, ok, found, needed, hint.")
    ] = False,
    project: ProjectOpt = Path("."),
) -> None:
    """Check the tools and access tfgen needs.

    Each failing line says what to do.
    """
    from ..doctor import doctor

    report = doctor(project, env)
    if as_json:
        import json

        echo(json.dumps(report.to_json(), indent=2))
    else:
        for line in report.lines():
            echo(line)
    if not report.ok:
        raise typer.Exit(1)
