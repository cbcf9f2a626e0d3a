"""The command line: parse options, call one core function, turn its result into an exit code.

Heavy modules (pydantic, jinja2, hcl2, python-terraform) are imported inside the commands so
that `tfgen --help` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .errors import TfgenError

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
    from .render import project_meta, render, spec_reference
    from .spec import load_spec
    from .write import write_tree

    try:
        if force and skip:
            raise TfgenError("--force and --skip contradict each other: choose one", exit_code=2)
        app_spec = load_spec(spec)
        files = render(app_spec, spec_ref=spec_reference(spec, out))
        meta = project_meta(app_spec, files, spec, out)
        result = write_tree(
            out, files, dry_run=dry_run, force=force, skip=skip, only=only or [], meta=meta
        )
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
    echo(f"{spec}: valid: app {app_spec.name}, environments {envs}")


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


# --------------------------------------------------------------------------- scan


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

# --------------------------------------------------------------------------- run

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
YesOpt = Annotated[
    bool, typer.Option("--yes", "-y", help="Do not ask; a protected env also needs CI=true.")
]


def _live_echo(stream: str, line: str) -> None:
    typer.echo(line, err=stream == "stderr")


def _hot(line: str, hot: bool) -> str:
    return typer.style(line, fg="red", bold=True) if hot else line


def _ask(question: str) -> str:
    return str(typer.prompt(question, default="", show_default=False))


@app.command("plan")
def plan_cmd(
    env: Annotated[
        str | None, typer.Option("--env", "-e", help="Environment: a folder under envs/.")
    ] = None,
    all_envs: Annotated[
        bool, typer.Option("--all", help="Plan every environment in parallel.")
    ] = False,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", help="Parallel plans with --all (0: auto).")
    ] = 0,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the summary as JSON (CI).")
    ] = False,
    scan: Annotated[
        bool, typer.Option("--scan", help="Scan the plan JSON (tfgen scan --plan).")
    ] = False,
    project: ProjectOpt = Path("."),
    lock_timeout: LockTimeoutOpt = None,
    plugin_dir: PluginDirOpt = None,
) -> None:
    """Plan an environment into a saved plan; exit 0 no changes, 2 changes, 1 error."""
    import json

    from . import run
    from .plans import combined_table, overall_exit_code, plan_report
    from .project import Project

    try:
        if all_envs == bool(env):
            raise TfgenError("plan: pass --env ENV or --all (one of them)", exit_code=1)
        proj = Project.load(project)
        if all_envs:
            outcomes = run.plan_all(
                proj,
                jobs=jobs,
                lock_timeout=lock_timeout,
                plugin_dir=plugin_dir,
                on_done=None if as_json else lambda o: echo("\n".join(plan_report(o, _hot))),
            )
        else:
            assert env is not None
            outcomes = [run.plan_env(proj, env, lock_timeout=lock_timeout, plugin_dir=plugin_dir)]
            if not as_json:
                echo("\n".join(plan_report(outcomes[0], _hot)))
    except TfgenError as err:
        fail(err if err.exit_code == 130 else TfgenError("\n".join(err.lines()), exit_code=1))
        return
    code = overall_exit_code(outcomes)
    if all_envs and not as_json:
        echo()
        for line in combined_table(outcomes):
            echo(line)
    if scan and not _scan_plans(outcomes, summary_to_stderr=as_json) and code != 130:
        code = 1
    if as_json:
        payload = [o.to_json() for o in outcomes]
        echo(json.dumps(payload if all_envs else payload[0], indent=2))
    raise typer.Exit(code)


def _scan_plans(outcomes: list[Any], *, summary_to_stderr: bool) -> bool:
    """`plan --scan`: scan each saved plan's JSON; False when any scan found something."""
    from .scan import scan

    clean = True
    for outcome in outcomes:
        if outcome.plan_json is None:
            continue
        try:
            result = scan(plan=outcome.plan_json)
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
    from . import run
    from .project import Project

    try:
        proj = Project.load(project)
        run.apply_env(
            proj,
            env,
            yes=yes,
            ask=_ask,
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
    from . import run
    from .project import Project

    try:
        proj = Project.load(project)
        run.destroy_env(
            proj,
            env,
            yes=yes,
            ask=_ask,
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
    """Print an environment's outputs (sensitive ones hidden unless --json or named)."""
    import json

    from . import run
    from .project import Project

    try:
        values = run.outputs(Project.load(project), env, name, plugin_dir=plugin_dir)
    except TfgenError as err:
        fail(err)
        return
    if name is not None:
        echo(json.dumps(values, indent=2) if as_json or not isinstance(values, str) else values)
    elif as_json:
        echo(json.dumps({k: v.get("value") for k, v in values.items()}, indent=2, sort_keys=True))
    else:
        for key in sorted(values):
            shown = (
                "<sensitive>" if values[key].get("sensitive") else json.dumps(values[key]["value"])
            )
            echo(f"{key} = {shown}")


@app.command("bootstrap")
def bootstrap_cmd(env: EnvOpt, project: ProjectOpt = Path(".")) -> None:
    """Create the S3 state bucket an environment's backend expects (idempotent)."""
    from .bootstrap import bootstrap

    try:
        report = bootstrap(project, env)
    except TfgenError as err:
        fail(err)
        return
    for line in report.lines():
        echo(line)


@app.command("doctor")
def doctor_cmd(
    env: Annotated[
        str | None, typer.Option("--env", "-e", help="Check only this env's state bucket.")
    ] = None,
    project: ProjectOpt = Path("."),
) -> None:
    """Check the tools and access tfgen needs; each failing line says what to do."""
    from .doctor import doctor

    report = doctor(project, env)
    for line in report.lines():
        echo(line)
    if not report.ok:
        raise typer.Exit(1)


def main() -> None:
    """Console entry point: no traceback for errors a user can act on, 130 on Ctrl-C."""
    import os

    try:
        app()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as err:  # a bug in tfgen, not the user's fault: still no traceback
        if os.environ.get("TFGEN_DEBUG"):
            raise
        typer.echo(f"internal error: {type(err).__name__}: {err} (this is a bug in tfgen; "
                   "TFGEN_DEBUG=1 shows the traceback)", err=True)
        sys.exit(70)


if __name__ == "__main__":
    main()
