"""Commands that run terraform: plan, apply, destroy, output."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import TfgenError
from ._app import EnvOpt, LockTimeoutOpt, PluginDirOpt, ProjectOpt, YesOpt, app, echo, fail


def _live_echo(stream: str, line: str) -> None:
    typer.echo(line, err=stream == "stderr")


def _hot(line: str, hot: bool) -> str:
    """A destructive change in red (not under NO_COLOR; click strips it when not a terminal)."""
    import os

    return typer.style(line, fg="red", bold=True) if hot and not os.environ.get("NO_COLOR") else line


def _ask(question: str) -> str:
    return str(typer.prompt(question, default="", show_default=False))


def _asker() -> Callable[[str], str] | None:
    """A typed confirmation needs a person at a terminal: piped input is not one."""
    import sys

    return _ask if sys.stdin.isatty() else None


@app.command("plan")
def plan_cmd(
    env: Annotated[str | None, typer.Option("--env", "-e", help="Environment: a folder under envs/.")] = None,
    all_envs: Annotated[bool, typer.Option("--all", help="Plan every environment in parallel.")] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Parallel plans with --all (0: auto).")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON (CI).")] = False,
    scan: Annotated[bool, typer.Option("--scan", help="Scan the plan JSON (tfgen scan --plan).")] = False,
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", help="text, or markdown (the summary for a pull-request comment)."),
    ] = "text",
    detail: Annotated[
        bool, typer.Option("--detail", help="List every resource (a module's many creates too).")
    ] = False,
    project: ProjectOpt = Path("."),
    lock_timeout: LockTimeoutOpt = None,
    plugin_dir: PluginDirOpt = None,
) -> None:
    """Plan an environment into a saved plan.

    Exit 0: no changes, 2: changes, 1: error.
    """
    import json

    from .. import run
    from ..plans import combined_table, overall_exit_code, plan_markdown, plan_report
    from ..project import Project
    from ..terraform import Interrupted

    text = not as_json and fmt == "text"

    def report(outcome: Any) -> None:
        echo("\n".join(plan_report(outcome, _hot, detail=detail)))

    try:
        if all_envs == bool(env):
            raise TfgenError("plan: pass --env ENV or --all (one of them)", exit_code=1)
        if fmt not in ("text", "markdown"):
            raise TfgenError(f"--format {fmt}: choose one of text, markdown", exit_code=1)
        if as_json and fmt != "text":
            raise TfgenError("--json and --format markdown: choose one", exit_code=1)
        proj = Project.load(project)
        if all_envs:
            outcomes = run.plan_all(
                proj,
                jobs=jobs,
                lock_timeout=lock_timeout,
                plugin_dir=plugin_dir,
                on_done=report if text else None,
                keep_json=scan,
            )
        else:
            assert env is not None
            outcomes = [
                run.plan_env(proj, env, lock_timeout=lock_timeout, plugin_dir=plugin_dir, keep_json=scan)
            ]
            if text:
                report(outcomes[0])
    except TfgenError as err:
        fail(err if isinstance(err, Interrupted) else TfgenError("\n".join(err.lines()), exit_code=1))
    code = overall_exit_code(outcomes)
    if all_envs and text:
        echo()
        for line in combined_table(outcomes):
            echo(line)
    if scan and not _scan_plans(outcomes, summary_to_stderr=not text) and code in (0, 2):
        code = 1
    if fmt == "markdown":
        profiles = {o.env: str(proj.env_info(o.env).get("profile") or "") for o in outcomes}
        typer.echo(plan_markdown(outcomes, {k: v for k, v in profiles.items() if v}), nl=False)
    if as_json:
        payload = [o.to_json() for o in outcomes]
        echo(json.dumps(payload if all_envs else payload[0], indent=2))
    raise typer.Exit(code)


def _scan_plans(outcomes: list[Any], *, summary_to_stderr: bool) -> bool:
    """`plan --scan`: scan each saved plan's JSON; False when any scan found something.

    The scans run side by side (each is a checkov process, mostly start-up); their summaries
    are printed whole, in the environments' order.
    """
    import os
    from concurrent.futures import ThreadPoolExecutor

    from ..progress import step
    from ..scan import scan

    plans = [o.plan_json for o in outcomes if o.plan_json is not None]
    if not plans:
        return True
    what = f"scanning {len(plans)} {'plan' if len(plans) == 1 else 'plans'} with checkov"
    with step(what), ThreadPoolExecutor(max_workers=min(len(plans), os.cpu_count() or 1)) as pool:
        futures = [pool.submit(scan, plan=plan) for plan in plans]
        clean = True
        for future in futures:
            try:
                result = future.result()
            except TfgenError as err:
                fail(TfgenError(err.message, exit_code=1))
            for line in result.summary_lines():
                typer.echo(line, err=summary_to_stderr)
            clean = clean and result.exit_code == 0
    return clean


@app.command("apply")
def apply_cmd(
    env: EnvOpt,
    yes: YesOpt = False,
    plan_file: Annotated[
        Path | None,
        typer.Option("--plan", help="A saved plan file (default: the last plan of --env)."),
    ] = None,
    project: ProjectOpt = Path("."),
    lock_timeout: LockTimeoutOpt = None,
    plugin_dir: PluginDirOpt = None,
) -> None:
    """Apply the saved plan of an environment (made by tfgen plan)."""
    from .. import run
    from ..project import Project

    try:
        proj = Project.load(project)
        run.apply_env(
            proj,
            env,
            yes=yes,
            ask=_asker(),
            plan_file=plan_file,
            lock_timeout=lock_timeout,
            plugin_dir=plugin_dir,
            sink=_live_echo,
        )
    except TfgenError as err:
        fail(err)


@app.command("destroy")
def destroy_cmd(
    env: EnvOpt,
    yes: YesOpt = False,
    destroy_protected: Annotated[
        bool, typer.Option("--destroy-protected", help="Required to destroy a protected env.")
    ] = False,
    project: ProjectOpt = Path("."),
    lock_timeout: LockTimeoutOpt = None,
    plugin_dir: PluginDirOpt = None,
) -> None:
    """Destroy every resource of an environment."""
    from .. import run
    from ..project import Project

    try:
        proj = Project.load(project)
        run.destroy_env(
            proj,
            env,
            yes=yes,
            ask=_asker(),
            destroy_protected=destroy_protected,
            lock_timeout=lock_timeout,
            plugin_dir=plugin_dir,
            sink=_live_echo,
        )
    except TfgenError as err:
        fail(err)


@app.command("output")
def output_cmd(
    env: EnvOpt,
    name: Annotated[str | None, typer.Argument(help="One output (default: all).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    project: ProjectOpt = Path("."),
    plugin_dir: PluginDirOpt = None,
) -> None:
    """Print an environment's outputs.

    Sensitive ones are hidden unless --json is given or the output is named.
    """
    import json

    from .. import run
    from ..project import Project

    try:
        values = run.outputs(Project.load(project), env, name, plugin_dir=plugin_dir)
    except TfgenError as err:
        fail(err)
    if name is not None:
        echo(json.dumps(values, indent=2) if as_json or not isinstance(values, str) else values)
    elif as_json:
        echo(json.dumps({k: v.get("value") for k, v in values.items()}, indent=2, sort_keys=True))
    else:
        for key in sorted(values):
            shown = "<sensitive>" if values[key].get("sensitive") else json.dumps(values[key]["value"])
            echo(f"{key} = {shown}")
