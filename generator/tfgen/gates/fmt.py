"""Gate 2, fmt: the real `terraform fmt -check` finds nothing to rewrite."""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..terraform import fmt_check
from ._model import GateFinding

MESSAGE = "not terraform fmt-clean; run terraform fmt"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _error(stderr: str) -> tuple[str, int | None]:
    """(first `Error: ...` summary, its line) from terraform's stderr; CLI warnings ignored."""
    text = ANSI.sub("", stderr)
    m = re.search(r"Error: ([^\n]+)", text)
    summary = m.group(1).strip() if m else "terraform fmt failed"
    ln = re.search(r" line (\d+)", text[m.start() :]) if m else None
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


def check_fmt(root: Path) -> list[GateFinding]:
    """`terraform fmt -check -recursive -list=true` over the scope: each listed file is a finding."""
    from ._tree import scope

    root_abs = Path(root).resolve()
    findings: list[GateFinding] = []
    for top in scope(root_abs):
        findings += _check_folder(top, root_abs)
    return sorted(findings, key=lambda f: (f.file, f.line or 0))


def _check_folder(top: Path, root_abs: Path) -> list[GateFinding]:
    proc = fmt_check(top)
    listed = _listed(proc.stdout, root_abs)
    if proc.returncode in (0, 3) or listed:
        return [GateFinding("fmt", rel, None, MESSAGE) for rel in listed]
    # A file terraform cannot parse stops the recursive run before it lists anything:
    # check file by file so the other files are still judged.
    findings: list[GateFinding] = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(n for n in filenames if n.endswith(".tf")):
            path = Path(dirpath) / name
            rel = path.relative_to(root_abs).as_posix()
            one = fmt_check(path)
            if one.returncode == 0:
                continue
            if one.returncode == 3 or _listed(one.stdout, root_abs):
                findings.append(GateFinding("fmt", rel, None, MESSAGE))
            else:
                summary, line = _error(one.stderr)
                findings.append(GateFinding("fmt", rel, line, f"terraform fmt cannot read it: {summary}"))
    if not findings:
        summary, _ = _error(proc.stderr)
        findings.append(
            GateFinding(
                "fmt", top.relative_to(root_abs).as_posix() or ".", None, f"terraform fmt failed: {summary}"
            )
        )
    return findings
