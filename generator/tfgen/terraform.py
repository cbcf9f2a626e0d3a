"""The one adapter over Terraform: python-terraform builds the commands, this module runs them.

Every terraform process tfgen starts goes through `Terraform` below, which returns `TfResult`
objects and raises tfgen errors. It works around the known bugs of python-terraform 0.10.1,
each covered by a test against the real binary in tests/test_run_terraform.py:

- `plan()` always adds `-detailed-exitcode`: exit 2 means "changes", not failure.
- variables go through a temporary `-var-file` even when empty, which terraform rejects when
  applying a saved plan: saved plans and destroys are run with `var=None`.
- `apply()` defaults to `-auto-approve=false` and `destroy()` to `-force` (removed from
  terraform): apply passes `skip_plan=True`, destroy `force=IsNotFlagged, auto_approve=True`.
- `output("name")` raises TypeError on modern terraform: named outputs use `full_value=True`;
  `output()` returns None on any failure, so the exit status is checked here.
- `cmd()` calls the deprecated `log.warn` on every non-zero exit (a DeprecationWarning that
  becomes an error under `-W error`); `init()` adds `-reconfigure`, which silently abandons
  the state of a changed backend: init passes `reconfigure=IsNotFlagged`.

Why `cmd()` is overridden (`_python_terraform_cli`): the library's own runner cannot pass an
environment (it copies `os.environ`, which threads must not mutate), leaks its
`synchronous=False` option into the command line as `-synchronous=false`, either captures all
output or writes straight to `sys.stdout` (no live progress for one environment *and* kept-
together output for `--all`), and leaves its child running when Ctrl-C arrives. So the
library still builds every argv (`generate_cmd_string`, options, var files) and this module
runs it: in its own session, so a terminal's Ctrl-C reaches terraform exactly once, through
`forward_sigint`, after which tfgen waits for terraform to stop and release the state lock.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import TfgenError, ToolError
from .terraform_process import (
    LineSink,
    TfResult,
    forward_sigint,
    interrupted,
    run_process,
    stop_signal,
)
from .terraform_setup import INSTALL_HINT, find_terraform, plugin_cache_lock, plugin_mirror, terraform_env

__all__ = [
    "INSTALL_HINT",
    "Interrupted",
    "LineSink",
    "LockInfo",
    "PlanRun",
    "StateLocked",
    "Terraform",
    "TerraformFailed",
    "TfResult",
    "clean_output",
    "find_terraform",
    "fmt_check",
    "forward_sigint",
    "interrupted",
    "plugin_mirror",
    "run_process",
    "terraform_env",
]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_BOX = re.compile(r"^[\s│╷╵]+")


class Interrupted(TfgenError):
    """Ctrl-C (or SIGTERM, SIGHUP): terraform was asked to stop, and it did.

    The exit code is 128 + the signal's number: 130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP.
    """

    exit_code = 130


class TerraformFailed(ToolError):
    """Terraform ran and exited non-zero; carries its error output and passes its status on."""

    def __init__(self, message: str, result: TfResult) -> None:
        super().__init__(message, exit_code=result.returncode or 1)
        self.result = result

    def lines(self) -> list[str]:
        detail = [line for line in clean_output(self.result.stderr).splitlines() if line.strip()]
        if not detail:
            detail = clean_output(self.result.stdout).splitlines()[-20:]
        return [self.message, *(f"  {line}" for line in detail)]


class StateLocked(TerraformFailed):
    """Another run holds the state lock."""


@dataclass(frozen=True)
class LockInfo:
    """The holder of a state lock, as terraform prints it."""

    id: str = ""
    who: str = ""
    operation: str = ""
    created: str = ""

    @classmethod
    def parse(cls, text: str) -> LockInfo:
        fields = dict(re.findall(r"^\s*(ID|Who|Operation|Created):\s*(.*?)\s*$", text, re.M))
        return cls(
            id=fields.get("ID", ""),
            who=fields.get("Who", ""),
            operation=fields.get("Operation", "").removeprefix("OperationType").lower(),
            created=fields.get("Created", ""),
        )


def clean_output(text: str) -> str:
    """Terraform's output without colour codes and the box drawn around diagnostics."""
    lines = (_BOX.sub("", _ANSI.sub("", line)).rstrip() for line in text.splitlines())
    return "\n".join(lines).strip("\n")


@dataclass(frozen=True)
class PlanRun:
    """What `terraform plan -json -detailed-exitcode` said."""

    changes: bool
    messages: list[dict[str, Any]]

    @property
    def terraform_version(self) -> str | None:
        return next((m.get("terraform") for m in self.messages if m.get("type") == "version"), None)


def json_messages(stdout: str) -> list[dict[str, Any]]:
    """The JSON objects of terraform's machine-readable output (`-json`), one per line."""
    messages = []
    for line in stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                messages.append(json.loads(line))
            except ValueError:
                continue
    return messages


def diagnostic_text(diagnostic: dict[str, Any]) -> str:
    """A `-json` diagnostic as terraform would print it: severity, summary, where, detail."""
    severity = "Error" if diagnostic.get("severity") == "error" else "Warning"
    lines = [f"{severity}: {diagnostic.get('summary', '')}"]
    where = diagnostic.get("range") or {}
    if where.get("filename"):
        lines.append(f"  on {where['filename']} line {where.get('start', {}).get('line', '?')}")
    if diagnostic.get("detail"):
        lines += ["", *str(diagnostic["detail"]).splitlines()]
    return "\n".join(lines)


def as_text(result: TfResult) -> TfResult:
    """A `-json` run's result with its diagnostics as text, for error messages."""
    text = []
    for message in json_messages(result.stdout):
        if message.get("type") == "diagnostic":
            text.append(diagnostic_text(message.get("diagnostic", {})))
    return dataclasses.replace(result, stdout="\n".join(text) or result.stdout)


def fmt_check(target: Path) -> TfResult:
    """`terraform fmt -check -list=true` of a file, or recursively of a folder.

    Exit 0: formatted; 3: some file would be rewritten (listed on stdout); other: an error.
    """
    argv = [find_terraform(), "fmt", "-check", "-list=true"]
    if target.is_dir():
        argv.append("-recursive")
    env, _ = terraform_env(None)
    return run_process([*argv, str(target)], cwd=Path.cwd(), env=env)


# --------------------------------------------------------------------------- python-terraform


@functools.lru_cache(maxsize=1)
def _python_terraform_cli() -> type:
    """python_terraform.Terraform with `cmd()` replaced by `run_process` (why: module docstring)."""
    import python_terraform

    class _Cli(python_terraform.Terraform):  # type: ignore[misc]
        def __init__(self, working_dir: Path, binary: str, env: dict[str, str]) -> None:
            super().__init__(working_dir=str(working_dir), terraform_bin_path=binary)
            self.env = env
            self.sink: LineSink | None = None
            self.last: TfResult | None = None

        def read_state_file(self, file_path: str | None = None) -> None:
            self.tfstate = None  # tfgen never reads state this way; S3 state is not local

        def cmd(self, cmd: str, *args: Any, **kwargs: Any) -> tuple[int, str, str]:
            for own_option in ("capture_output", "raise_on_error", "synchronous"):
                kwargs.pop(own_option, None)
            argv = self.generate_cmd_string(cmd, *args, **kwargs)
            try:
                self.last = run_process(argv, cwd=Path(self.working_dir), env=self.env, sink=self.sink)
            finally:
                self.temp_var_files.clean_up()
            return self.last.returncode, self.last.stdout, self.last.stderr

    return _Cli


@dataclass
class Terraform:
    """Terraform in one root module directory (an environment)."""

    working_dir: Path
    label: str = ""
    mirror: Path | None = None
    binary: str = field(default_factory=find_terraform)
    sink: LineSink | None = None

    def __post_init__(self) -> None:
        self.working_dir = Path(self.working_dir).resolve()
        self.env, self.init_needs_plugin_dir = terraform_env(self.mirror)
        self._cli = _python_terraform_cli()(self.working_dir, self.binary, self.env)
        self.label = self.label or self.working_dir.name

    # python-terraform methods, each with the options that work around its bugs -------------

    def _call(
        self, what: str, fn: Callable[..., Any], *args: Any, stream: bool = False, **kwargs: Any
    ) -> TfResult:
        self._cli.sink = self.sink if stream else None
        self._cli.last = None
        fn(*args, **kwargs)
        result: TfResult | None = self._cli.last
        assert result is not None, f"python-terraform did not run terraform {what}"
        if result.interrupted:
            signum = stop_signal()
            raise Interrupted(
                f"terraform {what} for env {self.label} was interrupted "
                f"({signal.Signals(signum).name}); terraform stopped and released the state lock",
                exit_code=128 + signum,
            )
        return result

    def _check(self, what: str, result: TfResult, *, ok_codes: tuple[int, ...] = (0,)) -> TfResult:
        if result.returncode in ok_codes:
            return result
        text = clean_output(result.stderr + "\n" + result.stdout)
        if "Error acquiring the state lock" in text:
            lock = LockInfo.parse(text)
            holder = f"{lock.who or 'another run'}"
            if lock.operation:
                holder += f" ({lock.operation}"
                holder += f" since {lock.created})" if lock.created else ")"
            unlock = (
                f"terraform -chdir={self.working_dir} force-unlock {lock.id}"
                if lock.id
                else ("terraform force-unlock LOCK_ID")
            )
            raise StateLocked(
                f"terraform {what} for env {self.label}: the state is locked by {holder}; "
                f"wait for it and retry, or pass --lock-timeout 5m; if that run crashed: {unlock}",
                result,
            )
        raise TerraformFailed(
            f"terraform {what} failed for env {self.label} (exit {result.returncode}):", result
        )

    def version(self) -> str:
        """The terraform version, e.g. "1.11.4"."""
        from python_terraform import IsFlagged

        result = self._check("version", self._call("version", self._cli.cmd, "version", json=IsFlagged))
        try:
            return str(json.loads(result.stdout)["terraform_version"])
        except (ValueError, KeyError):
            match = re.search(r"Terraform v(\S+)", result.stdout)
            return match.group(1) if match else "unknown"

    def init(self, *, lock_timeout: str | None = None, backend: bool = True) -> TfResult:
        """terraform init, never with -reconfigure (it would drop a changed backend's state).

        `backend=False` installs providers and modules only (for validate).
        """
        from python_terraform import IsNotFlagged

        options: dict[str, Any] = {"reconfigure": IsNotFlagged, "var": None, "input": False}
        if not backend:
            options["backend"] = False
        if self.mirror is not None and self.init_needs_plugin_dir:
            options["plugin_dir"] = str(self.mirror)
        if lock_timeout:
            options["lock_timeout"] = lock_timeout
        with plugin_cache_lock(self.env):
            return self._check("init", self._call("init", self._cli.init, **options))

    def plan(
        self,
        out: Path,
        *,
        destroy: bool = False,
        lock_timeout: str | None = None,
        refresh_only: bool = False,
    ) -> PlanRun:
        """terraform plan -out -json: whether there are changes, and the plan's messages.

        The messages (`planned_change`, `change_summary`, `outputs`, ...) are what the summary is
        built from, so no second terraform process (`show -json`) is needed for it.
        """
        from python_terraform import IsFlagged

        options: dict[str, Any] = {"out": str(out), "var": None, "json": IsFlagged}
        if destroy:
            options["destroy"] = IsFlagged
        if refresh_only:  # `tfgen drift`: read the cloud back, change nothing
            options["refresh_only"] = IsFlagged
        if lock_timeout:
            options["lock_timeout"] = lock_timeout
        result = self._call("plan", self._cli.plan, **options)
        self._check("plan", as_text(result), ok_codes=(0, 2))
        return PlanRun(result.returncode == 2, json_messages(result.stdout))

    def validate(self) -> dict[str, Any]:
        """terraform validate -json: {"valid": bool, "diagnostics": [...]} (exit 1 when invalid)."""
        from python_terraform import IsFlagged

        result = self._call("validate", self._cli.cmd, "validate", json=IsFlagged)
        try:
            return dict(json.loads(result.stdout))
        except ValueError:
            self._check("validate", result)  # not JSON: terraform failed before validating
            raise ToolError(f"terraform validate for env {self.label} printed no JSON") from None

    def show_json(self, plan: Path) -> dict[str, Any]:
        """terraform show -json of a saved plan."""
        from python_terraform import IsFlagged

        result = self._check("show", self._call("show", self._cli.cmd, "show", str(plan), json=IsFlagged))
        try:
            return dict(json.loads(result.stdout))
        except ValueError as err:
            raise ToolError(f"terraform show -json for env {self.label} printed no JSON") from err

    def apply_plan(self, plan: Path, *, lock_timeout: str | None = None) -> TfResult:
        """Apply a saved plan: no variables (terraform rejects them with a plan file)."""
        options: dict[str, Any] = {"var": None, "skip_plan": True}
        if lock_timeout:
            options["lock_timeout"] = lock_timeout
        return self._check("apply", self._call("apply", self._cli.apply, str(plan), stream=True, **options))

    def destroy(self, *, lock_timeout: str | None = None) -> TfResult:
        """terraform destroy -auto-approve (python-terraform's default -force no longer exists)."""
        from python_terraform import IsNotFlagged

        options: dict[str, Any] = {"var": None, "force": IsNotFlagged, "auto_approve": True}
        if lock_timeout:
            options["lock_timeout"] = lock_timeout
        return self._check("destroy", self._call("destroy", self._cli.destroy, stream=True, **options))

    def outputs(self) -> dict[str, Any]:
        """All outputs: name -> {"value", "type", "sensitive"}."""
        self._cli.sink = None
        self._cli.last = None
        value = self._cli.output()
        self._check("output", self._cli.last)
        return dict(value or {})

    def output(self, name: str) -> Any:
        """One output's value (python-terraform needs full_value=True, or it raises TypeError)."""
        self._cli.sink = None
        self._cli.last = None
        value = self._cli.output(name, full_value=True)
        self._check(f"output {name}", self._cli.last)
        return value
