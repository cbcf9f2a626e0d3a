"""Tools tfgen runs, provisioned the way pre-commit provisions hooks.

On first use tfgen creates a private virtual environment for the pinned version of a tool
(checkov) in the user's cache folder, `~/.cache/tfgen/tools/<name>-<version>/`, and reuses it
afterwards. An environment is complete only once its `.complete` marker exists: one left
half-built by a crash or an interrupt is removed and built again. One provisioning at a time
per tool (a file lock), so two scans started together do not both install it.

`$TFGEN_PIP_REQUIREMENT_<NAME>` replaces the requirement pip installs (a wheel file, a local
folder, or `name==version` from a private index), for mirrors and air-gapped machines.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import ToolError
from .paths import private_dir

COMPLETE = ".complete"


@dataclass(frozen=True)
class Tool:
    """A Python-packaged tool tfgen installs for itself: what, which version, which script."""

    name: str
    version: str
    script: str
    takes: str  # how long an install takes, for the line that announces it
    package: str = ""  # the PyPI requirement, when it is not `name==version`

    @property
    def pinned(self) -> str:
        return self.package or f"{self.name}=={self.version}"

    @property
    def requirement(self) -> str:
        override = os.environ.get(f"TFGEN_PIP_REQUIREMENT_{self.name.upper()}")
        return override or self.pinned

    def home(self) -> Path:
        return private_dir("tools") / f"{self.name}-{self.version}"

    def installed(self) -> Path | None:
        """The tool's executable when its environment is complete, else None."""
        home = self.home()
        executable = home / "bin" / self.script
        if (home / COMPLETE).is_file() and os.access(executable, os.X_OK):
            return executable
        return None

    def manual_command(self) -> str:
        home = self.home()
        return f"python3 -m venv {home} && {home}/bin/pip install '{self.pinned}' && touch {home}/{COMPLETE}"


def announce(line: str) -> None:
    """How an install speaks: on stderr, so a scan's report on stdout stays whole."""
    print(line, file=sys.stderr, flush=True)


def ensure(tool: Tool, say: Callable[[str], None]) -> Path:
    """The tool's executable, installing it into the user cache first when it is not there."""
    found = tool.installed()
    if found is not None:
        return found
    home = tool.home()
    with _lock(home.with_name(home.name + ".lock")):
        found = tool.installed()  # another tfgen may have finished it while we waited
        if found is not None:
            return found
        if home.exists():
            shutil.rmtree(home)  # half-built: no marker
        say(
            f"tfgen: installing {tool.name} {tool.version} into {home} "
            f"(once per machine, {tool.takes}; later runs reuse it)"
        )
        started = time.monotonic()
        try:
            _build(tool, home)
        except BaseException:
            shutil.rmtree(home, ignore_errors=True)
            raise
        say(f"tfgen: {tool.name} {tool.version} installed in {time.monotonic() - started:.0f} s")
    executable = tool.installed()
    if executable is None:
        raise ToolError(f"{tool.name} was installed into {home} but {home}/bin/{tool.script} is missing")
    return executable


def _build(tool: Tool, home: Path) -> None:
    venv = subprocess.run(
        [sys.executable, "-m", "venv", str(home)], capture_output=True, text=True, check=False
    )
    if venv.returncode != 0:
        raise ToolError(f"could not create a virtual environment in {home}: {_last_line(venv.stderr)}")
    env = {k: v for k, v in os.environ.items() if k != "PIP_REQUIRE_VIRTUALENV"}
    pip = subprocess.run(
        [str(home / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        + [tool.requirement],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if pip.returncode != 0:
        raise ToolError(
            f"could not install {tool.name} {tool.version} ({tool.requirement}): pip says "
            f"{_last_line(pip.stderr or pip.stdout)!r}. No package index reachable? On a machine "
            f"that has one, or with a wheelhouse (pip --find-links), run: {tool.manual_command()} "
            f"(or point TFGEN_{tool.name.upper()} at an installed {tool.script})"
        )
    (home / COMPLETE).write_text(f"{tool.requirement}\n", encoding="utf-8")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    import fcntl

    with path.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
