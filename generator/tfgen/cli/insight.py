"""Commands that read the spec alone, offline: cost (a monthly estimate) and diagram."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import TfgenError, UsageError
from ._app import ProjectOpt, app, echo, fail

if TYPE_CHECKING:
    from ..spec import AppSpec, Environment

OptionalSpecArg = Annotated[
    Path | None,
    typer.Argument(
        help="The app spec (YAML); default: the spec of the project in --project "
        "(named in its .tfgen/manifest.json).",
        show_default=False,
    ),
]


def project_spec(spec: Path | None, project: Path) -> Path:
    """SPEC as given, else the spec the project's manifest names (relative to the project)."""
    from ..project import read_manifest

    if spec is not None:
        return spec
    named = read_manifest(project).get("spec")
    if not isinstance(named, str) or not named:
        raise UsageError(
            f"no SPEC given and {project / '.tfgen' / 'manifest.json'} names none: "
            "pass the spec, e.g. tfgen cost app.yaml"
        )
    return project / named


def select_envs(spec: AppSpec, env: str | None) -> list[Environment]:
    """One environment by name (an unknown name lists the known ones), or all of them."""
    if env is None:
        return list(spec.environments)
    for environment in spec.environments:
        if environment.name == env:
            return [environment]
    known = ", ".join(e.name for e in spec.environments)
    raise UsageError(f"--env {env}: the spec has no such environment (it has: {known})")


def _choice(value: str, allowed: tuple[str, ...], option: str) -> str:
    if value not in allowed:
        raise UsageError(f"{option} {value}: choose one of: {', '.join(allowed)}")
    return value


@app.command("cost")
def cost_cmd(
    spec: OptionalSpecArg = None,
    env: Annotated[str | None, typer.Option("--env", "-e", help="One environment (default: all).")] = None,
    all_envs: Annotated[
        bool, typer.Option("--all", help="Every environment, with a summary (the default).")
    ] = False,
    compare: Annotated[
        tuple[str, str] | None,
        typer.Option(
            "--compare",
            metavar="PROFILE PROFILE",
            help="Each environment under both profiles, side by side with the difference, "
            "e.g. --compare low-power high-power.",
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or markdown.")] = "table",
    prices: Annotated[
        Path | None,
        typer.Option("--prices", help="Another price table (default: the one shipped with tfgen)."),
    ] = None,
    project: ProjectOpt = Path("."),
) -> None:
    """Estimate each environment's monthly AWS cost from the spec.

    Offline, from the spec alone: no plan, no AWS account.
    """
    from ..cost import PriceTable, estimate
    from ..cost import report as rep
    from ..spec import PROFILES, load_spec

    try:
        if env is not None and all_envs:
            raise UsageError("cost: pass --env ENV or --all, not both")
        _choice(fmt, rep.FORMATS, "--format")
        app_spec = load_spec(project_spec(spec, project))
        envs = select_envs(app_spec, env)
        table = PriceTable.load(prices)
        code = 0
        if compare is not None:
            from ..cost.compare import compare as compare_profiles

            for profile in compare:
                _choice(profile, tuple(PROFILES), "--compare")
            comparisons = compare_profiles(app_spec, compare, [e.name for e in envs], table)
            text = rep.compare_output(app_spec.name, comparisons, table, fmt)
            code = 2 if any(c.errors for c in comparisons) else 0
        else:
            estimates = [estimate(e, app_spec.region, table) for e in envs]
            text = rep.output(app_spec.name, estimates, table, fmt)
    except TfgenError as err:
        fail(err)
    echo(text)
    if code:
        raise typer.Exit(code)


@app.command("diagram")
def diagram_cmd(
    spec: OptionalSpecArg = None,
    env: Annotated[
        str | None,
        typer.Option("--env", "-e", help="One environment (default: all, side by side)."),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="mermaid, dot, svg or png (svg/png need Graphviz).")
    ] = "mermaid",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to FILE (default: stdout).")
    ] = None,
    project: ProjectOpt = Path("."),
) -> None:
    """Draw the environments' architecture from the spec.

    Offline, before anything exists.
    """
    import sys

    from ..diagram import FORMATS, build, dot, mermaid
    from ..spec import load_spec

    try:
        _choice(fmt, FORMATS, "--format")
        app_spec = load_spec(project_spec(spec, project))
        diagram = build(app_spec, select_envs(app_spec, env))
        data: bytes
        if fmt == "mermaid":
            data = mermaid(diagram).encode()
        else:
            text = dot(diagram)
            if fmt == "dot":
                data = text.encode()
            else:
                from ..diagram.graphviz import render

                data = render(text, fmt)
        if output is not None:
            try:
                output.write_bytes(data)
            except OSError as err:
                raise UsageError(f"--output {output}: {err.strerror or err}") from None
            echo(f"{output}: {fmt} diagram of {diagram.title}")
            return
        if fmt == "png" and sys.stdout.isatty():
            raise UsageError("png is binary: pass --output FILE (or pipe the output)")
    except TfgenError as err:
        fail(err)
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
