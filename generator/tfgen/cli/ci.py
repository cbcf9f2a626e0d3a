"""Commands for running a project from CI: drift."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import TfgenError
from ._app import LockTimeoutOpt, PluginDirOpt, ProjectOpt, app, echo, fail


@app.command("drift")
def drift_cmd(
    env: Annotated[str | None, typer.Option("--env", "-e", help="Environment: a folder under envs/.")] = None,
    all_envs: Annotated[bool, typer.Option("--all", help="Check every environment.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="text, or markdown (a CI job summary or comment).")
    ] = "text",
    project: ProjectOpt = Path("."),
    lock_timeout: LockTimeoutOpt = None,
    plugin_dir: PluginDirOpt = None,
) -> None:
    """Refresh-only plan: has anything changed outside terraform? Exit 0 no drift, 2 drift, 1 error."""
    import json

    from .. import drift
    from ..project import Project

    try:
        if all_envs == bool(env):
            raise TfgenError("drift: pass --env ENV or --all (one of them)", exit_code=1)
        if fmt not in ("text", "markdown"):
            raise TfgenError(f"--format {fmt}: choose one of text, markdown", exit_code=1)
        if as_json and fmt != "text":
            raise TfgenError("--json and --format markdown: choose one", exit_code=1)
        proj = Project.load(project)
        names = proj.environments() if all_envs else [str(env)]
        if not all_envs:
            proj.env_dir(names[0])
        outcomes = drift.drift_all(proj, names, lock_timeout=lock_timeout, plugin_dir=plugin_dir)
    except TfgenError as err:
        fail(TfgenError("\n".join(err.lines()), exit_code=err.exit_code if err.exit_code > 2 else 1))
    if as_json:
        payload = [o.to_json() for o in outcomes]
        echo(json.dumps(payload if all_envs else payload[0], indent=2))
    elif fmt == "markdown":
        typer.echo(drift.drift_markdown(outcomes), nl=False)
    else:
        for outcome in outcomes:
            for line in drift.drift_text(outcome):
                typer.echo(line, err=outcome.error is not None)
    raise typer.Exit(drift.overall_exit_code(outcomes))
