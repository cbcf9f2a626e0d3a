"""Gate 1, parse: every .tf file parses with python-hcl2 8.x."""

from __future__ import annotations

from pathlib import Path

from ._model import GateFinding
from ._tree import ParsedTree, parse_tree


def parse_findings(project: ParsedTree) -> list[GateFinding]:
    """Findings for the files of an already loaded project that did not parse."""
    return [GateFinding("parse", f.rel, f.error_line, f.error) for f in project.files if f.error is not None]


def check_parse(root: Path) -> list[GateFinding]:
    """Every .tf file under root parses as HCL."""
    return parse_findings(parse_tree(root))
