"""The command line as a person meets it: --version, completion, usage words, the command list,
progress lines (plain, on a terminal, NO_COLOR, --quiet) and `doctor --json`.

Real tfgen processes and the real terraform with the null provider (tests/fixtures/run); the
terminal is a real pseudo-terminal (helpers.run_in_terminal).
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO, run_in_terminal
from tfgen import __version__
from tfgen.cli import app
from typer.main import get_command
from typer.testing import CliRunner

TFGEN = [sys.executable, "-c", "from tfgen.cli import main; main()"]
COMMANDS = sorted(get_command(app).commands)  # type: ignore[attr-defined]


def cli(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)


def tfgen(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TFGEN, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=300,
        check=False,
    )


# --------------------------------------------------------------------------- version, completion


def test_version_prints_name_and_version() -> None:
    done = tfgen("--version")
    assert (done.returncode, done.stdout, done.stderr) == (0, f"tfgen {__version__}\n", "")


def test_completion_is_offered_and_installs_for_bash(tmp_path: Path) -> None:
    top = cli("--help").output
    assert "--install-completion" in top and "--show-completion" in top
    # Typer detects the shell from the parent process, which under pytest is python, not a
    # shell; its own switch makes it take the shell's name as the option's value instead.
    named = {"HOME": str(tmp_path), "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    shown = tfgen("--show-completion", "bash", env=named)
    assert shown.returncode == 0, shown.stderr
    assert (
        "_tfgen_completion()" in shown.stdout
        and "complete -o default -F _tfgen_completion tfgen" in shown.stdout
    )
    installed = tfgen("--install-completion", "bash", env=named)
    assert installed.returncode == 0, installed.stderr
    script = tmp_path / ".bash_completions" / "tfgen.sh"
    assert "_tfgen_completion()" in script.read_text()
    assert f"source '{script}'" in (tmp_path / ".bashrc").read_text()
    # The script asks tfgen itself: completing `tfgen pl` offers plan, `plan --pro` --project.
    env = {"_TFGEN_COMPLETE": "complete_bash", "COMP_WORDS": "tfgen pl", "COMP_CWORD": "1"}
    assert tfgen(env=env).stdout.split() == ["plan"]
    env |= {"COMP_WORDS": "tfgen plan --pro", "COMP_CWORD": "2"}
    assert tfgen(env=env).stdout.split() == ["--project"]


# --------------------------------------------------------------------------- help that reads well


@pytest.mark.parametrize("command", COMMANDS)
def test_usage_and_options_read_as_words(command: str) -> None:
    """`tfgen init [OPTIONS] SPEC`, `--env ENV`: no `{spec}`, `<path>`, `<list[str]>`."""
    text = cli(command, "--help").output
    usage = text.splitlines()[0]
    assert re.fullmatch(r"Usage: tfgen [a-z]+ \[OPTIONS\]( \[?[A-Z]+\]?)*", usage), usage
    assert not re.search(r"[<>{}]", text), text
    for line in text.splitlines():
        option = re.match(r"\s+(?:-\w, )?(--[\w-]+) (\S+)  ", line)
        if option:
            assert re.fullmatch(r"[A-Z]+( [A-Z]+)*", option.group(2)), line


def test_known_usage_lines() -> None:
    first = {c: cli(c, "--help").output.splitlines()[0] for c in ("init", "cost", "scan", "check", "output")}
    assert first == {
        "init": "Usage: tfgen init [OPTIONS] [SPEC]",
        "cost": "Usage: tfgen cost [OPTIONS] [SPEC]",
        "scan": "Usage: tfgen scan [OPTIONS] [DIR]",
        "check": "Usage: tfgen check [OPTIONS] [DIR]",
        "output": "Usage: tfgen output [OPTIONS] [NAME]",
    }
    plan = cli("plan", "--help").output
    assert "-p, --project DIR" in plan and "--lock-timeout DURATION" in plan and "-e, --env ENV" in plan
    assert "-o, --out DIR" in cli("init", "--help").output
    missing = tfgen("validate")
    assert missing.returncode == 2 and "Error: Missing argument 'SPEC'." in missing.stderr


def _command_list() -> dict[str, str]:
    """`tfgen --help`'s command list: name -> its one-line help (wrapped lines joined)."""
    lines = cli("--help").output.split("Commands:\n", 1)[1].splitlines()
    listed: dict[str, str] = {}
    name = ""
    for line in lines:
        match = re.match(r"  (\S+)\s+(.*)", line)
        if match and not line.startswith("   "):
            name = match.group(1)
            listed[name] = match.group(2)
        elif name and line.strip():
            listed[name] += " " + line.strip()
    return listed


def test_command_list_shows_whole_first_sentences() -> None:
    listed = _command_list()
    commands = get_command(app).commands  # type: ignore[attr-defined]
    assert sorted(listed) == COMMANDS
    for name, text in listed.items():
        help_text = " ".join((commands[name].help or "").split("\n\n")[0].split())
        first = re.match(r"(.*?\.)(\s|$)", help_text)
        assert first is not None, name
        assert text == first.group(1), name  # the whole sentence, never `...`
        assert not text.endswith("..."), name


def test_command_list_lines_of_the_run_and_insight_commands_fit_one_line() -> None:
    listed = _command_list()
    mine = ("cost", "diagram", "scan", "plan", "apply", "destroy", "output", "bootstrap", "doctor")
    width = 80 - 2 - max(len(n) for n in listed) - 2
    assert {n: listed[n] for n in mine if len(listed[n]) > width} == {}


# --------------------------------------------------------------------------- progress


PLAIN_STEP = r"(?P<what>.+?)\.\.\.\n(?P=what): done in \d+\.\ds\n"


@pytest.mark.usefixtures("provider_mirror")
def test_plan_prints_plain_progress_lines_on_stderr_and_quiet_silences_them(project: Path) -> None:
    first = tfgen("plan", "--env", "dev", "--project", str(project))
    assert first.returncode == 2, first.stderr
    steps = re.findall(PLAIN_STEP, first.stderr)
    assert steps == ["dev: terraform init", "dev: terraform plan"], first.stderr
    assert re.fullmatch(f"({PLAIN_STEP})+", first.stderr), first.stderr  # nothing else on stderr
    assert first.stdout.startswith("== dev: 2 to create")
    quiet = tfgen("--quiet", "plan", "--env", "dev", "--project", str(project))
    assert (quiet.returncode, quiet.stderr) == (2, "")
    assert quiet.stdout.splitlines()[1:] == first.stdout.splitlines()[1:]  # same report
    short = tfgen("-q", "plan", "--env", "dev", "--json", "--project", str(project))
    assert short.stderr == "" and json.loads(short.stdout)["env"] == "dev"


@pytest.mark.usefixtures("provider_mirror")
def test_plan_all_is_one_step(project: Path) -> None:
    done = tfgen("plan", "--all", "--project", str(project))
    assert done.returncode == 2, done.stderr
    assert re.findall(PLAIN_STEP, done.stderr) == [
        "planning 3 environments (dev, staging, prod), 3 at a time"
    ]
    markdown = tfgen("plan", "--all", "--format", "markdown", "--project", str(project))
    assert markdown.returncode == 2, markdown.stderr
    assert re.findall(r"^### tfgen plan: .*$", markdown.stdout, re.M) == [
        "### tfgen plan: `dev` (profile `low-power`)",
        "### tfgen plan: `staging` (profile `low-power`)",
        "### tfgen plan: `prod` (profile `high-power`)",
    ]
    assert "== dev" not in markdown.stdout and "env  create" not in markdown.stdout  # no text report


def _terminal_plan(project: Path, monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("TFGEN_PLUGIN_MIRROR", os.environ["TFGEN_PLUGIN_MIRROR"])
    code, out = run_in_terminal([*TFGEN, "plan", "--env", "dev", "--project", str(project)], "", "\0never")
    assert code == 2, out
    return out


@pytest.mark.usefixtures("provider_mirror")
def test_on_a_terminal_a_status_line_is_drawn_and_replaced(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = _terminal_plan(project, monkeypatch)
    assert "\x1b[?25l" in out  # rich hides the cursor while it draws the status line
    assert "dev: terraform plan...\r\n" not in out  # not the plain start line
    assert re.search(r"\x1b\[32mdev: terraform plan: done in \d+\.\ds\x1b\[0m", out), out  # green
    assert re.search(r"0:00:0\d", out)  # the elapsed time column


@pytest.mark.usefixtures("provider_mirror")
def test_no_color_keeps_the_status_line_without_colour(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Applied, then renamed: the replacements are the red lines a terminal shows.
    assert cli("plan", "--env", "dev", "--project", str(project)).exit_code == 2
    assert cli("apply", "--env", "dev", "--project", str(project)).exit_code == 0
    (project / "envs/dev/terraform.tfvars").write_text('name = "renamed"\nworkers = 1\n')
    out = _terminal_plan(project, monkeypatch, NO_COLOR="1")
    assert "-/+  replace  module.app  null_resource.this       forced by triggers\r\n" in out
    assert "\x1b[?25l" in out
    assert re.search(r"dev: terraform plan: done in \d+\.\ds", out), out
    assert not re.search(r"\x1b\[[0-9;]*m", out), out  # no colour or style sequence at all


@pytest.mark.usefixtures("provider_mirror")
def test_quiet_on_a_terminal_draws_nothing(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    code, out = run_in_terminal(
        [*TFGEN, "-q", "plan", "--env", "dev", "--project", str(project)], "", "\0never"
    )
    assert code == 2
    assert "terraform plan" not in out and "\x1b[?25l" not in out


def test_start_up_does_not_import_rich() -> None:
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys; from tfgen.cli import app; print('rich' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "False"


# --------------------------------------------------------------------------- doctor


def test_required_terraform_is_one_constant_every_versions_tf_renders() -> None:
    from tfgen.render import render
    from tfgen.spec import load_spec
    from tfgen.terraform_setup import INSTALL_HINT, REQUIRED_TERRAFORM, required_terraform, satisfies

    files = render(load_spec(REPO / "examples" / "app.yaml"))
    stated = {
        path: re.findall(r'required_version\s*=\s*"([^"]+)"', text)
        for path, text in files.items()
        if path.endswith("versions.tf")
    }
    assert len(stated) > 3 and set(map(tuple, stated.values())) == {(REQUIRED_TERRAFORM,)}
    assert required_terraform() == ">= 1.11"
    assert "install Terraform >= 1.11 " in INSTALL_HINT
    assert [satisfies(v, ">= 1.10") for v in ("1.5.7", "1.9.8", "1.10.0", "1.11.4", "2.0.0")] == [
        False,
        False,
        True,
        True,
        True,
    ]
    assert satisfies("1.10.5", ">= 1.10, < 1.11") and not satisfies("1.11.0", ">= 1.10, < 1.11")
    assert [satisfies(v, "~> 1.10") for v in ("1.9.0", "1.10.0", "1.99.0", "2.0.0")] == [
        False,
        True,
        True,
        False,
    ]


def _doctor_json(project: Path, **env: str) -> dict[str, dict[str, object]]:
    # No AWS here: doctor still answers every check, the AWS ones failing with their hint.
    done = tfgen(
        "doctor",
        "--json",
        "--project",
        str(project),
        env={
            "AWS_ACCESS_KEY_ID": "",
            "AWS_SECRET_ACCESS_KEY": "",
            "AWS_PROFILE": "",
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "AWS_EC2_METADATA_DISABLED": "true",
            **env,
        },
    )
    assert done.returncode == 1, done.stderr
    assert re.fullmatch(PLAIN_STEP, done.stderr), done.stderr  # checkov --version alone takes seconds
    report = json.loads(done.stdout)
    assert report["ok"] is False
    assert all(set(c) == {"name", "ok", "detail", "found", "needed", "hint"} for c in report["checks"])
    return {c["name"]: c for c in report["checks"]}


def test_doctor_json_checks_the_versions_with_the_real_tools(project: Path, checkov: Path) -> None:
    from tfgen.scan import CHECKOV_VERSION
    from tfgen.terraform import Terraform, find_terraform

    checks = _doctor_json(project, TFGEN_CHECKOV=str(checkov))
    version = Terraform(project, binary=find_terraform()).version()
    assert checks["terraform"] == {
        "name": "terraform",
        "ok": True,
        "detail": f"{version} at {find_terraform()} (needs >= 1.11)",
        "found": f"{version} at {find_terraform()}",
        "needed": ">= 1.11",
        "hint": None,
    }
    assert checks["checkov"]["ok"] is True
    assert checks["checkov"]["found"] == f"{CHECKOV_VERSION} at {checkov}"
    assert checks["checkov"]["needed"] == f"== {CHECKOV_VERSION}"
    assert checks["AWS credentials"]["ok"] is False and "aws configure" in str(
        checks["AWS credentials"]["hint"]
    )
    assert sorted(n for n in checks if n.startswith("state bucket")) == [
        "state bucket (dev)",
        "state bucket (prod)",
        "state bucket (staging)",
    ]


def _stand_in(folder: Path, name: str, script: str) -> Path:
    path = folder / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def test_doctor_fails_a_terraform_or_checkov_too_old(project: Path, tmp_path: Path) -> None:
    """Stand-ins (shell scripts): an old terraform and another checkov cannot be installed
    offline here; the scripts answer `version -json` / `--version` the way the real ones do."""
    old_tf = _stand_in(tmp_path, "terraform", 'echo \'{"terraform_version": "1.5.7"}\'\n')
    other_ck = _stand_in(tmp_path, "checkov", "echo 3.2.0\n")
    checks = _doctor_json(project, TFGEN_TERRAFORM=str(old_tf), TFGEN_CHECKOV=str(other_ck))
    tf = checks["terraform"]
    assert (tf["ok"], tf["found"], tf["needed"]) == (False, f"1.5.7 at {old_tf}", ">= 1.11")
    assert tf["detail"] == f"1.5.7 at {old_tf}, but the generated versions.tf requires >= 1.11"
    assert str(tf["hint"]).startswith("install Terraform >= 1.11 ")
    ck = checks["checkov"]
    assert (ck["ok"], ck["found"], ck["needed"]) == (False, f"3.2.0 at {other_ck}", "== 3.3.30")
    assert ck["hint"] == (
        "unset TFGEN_CHECKOV to use tfgen's own (tfgen setup installs it), or point it at a checkov 3.3.30"
    )
    text = tfgen(
        "doctor",
        "--project",
        str(project),
        env={"TFGEN_TERRAFORM": str(old_tf), "TFGEN_CHECKOV": str(other_ck)},
    )
    assert f"FAIL terraform: 1.5.7 at {old_tf}, but the generated versions.tf requires >= 1.11" in text.stdout
