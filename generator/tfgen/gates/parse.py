"""Gate 1, parse: every .tf file parses with python-hcl2 8.x."""

from __future__ import annotations

from pathlib import Path

from ._model import Finding
from ._project import Project, load_project


def parse_findings(project: Project) -> list[Finding]:
    """Findings for the files of an already loaded project that did not parse."""
    return [
        Finding("parse", f.rel, f.error_line, f.error)
        for f in project.files
        if f.error is not None
    ]


def check_parse(root: Path) -> list[Finding]:
    """Every .tf file under root parses as HCL."""
    return parse_findings(load_project(root))
