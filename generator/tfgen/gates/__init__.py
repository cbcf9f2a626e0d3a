"""The gates that prove a rendered Terraform tree is right.

parse (python-hcl2), fmt (the real `terraform fmt -check`), schema (AWS provider 6.x arguments
and blocks), references (what `terraform validate` would say about names, without providers)
and validate (the real `terraform validate`, wherever providers can be had). hcl2 is imported
only when a gate runs.
"""

from __future__ import annotations

from pathlib import Path

from ._model import GATES, GateFinding, GateReport, sort_findings
from ._tree import parse_tree
from .fmt import check_fmt
from .parse import check_parse, parse_findings
from .references import check_references, reference_findings
from .schema import check_schema, schema_findings
from .validate import check_validate

__all__ = [
    "GATES",
    "GateFinding",
    "GateReport",
    "check_fmt",
    "check_parse",
    "check_references",
    "check_schema",
    "check_validate",
    "run_all_gates",
]


def run_all_gates(root: Path) -> GateReport:
    """Run every gate over a rendered project (files parsed once)."""
    from ..progress import step

    root = Path(root)
    with step(f"running the gates on {root} (parse, fmt, schema, references, validate)"):
        return _run_all_gates(root)


def _run_all_gates(root: Path) -> GateReport:
    tree = parse_tree(root)
    n_files = len(tree.files)
    parse = parse_findings(tree)
    fmt = check_fmt(root)
    schema, n_res, n_data = schema_findings(tree)
    refs, n_mods = reference_findings(tree)
    validate, validate_summary = check_validate(root)
    unparsed = sum(1 for f in tree.files if f.doc is None)
    skipped = f", {unparsed} unparsed file(s) skipped" if unparsed else ""
    return GateReport(
        findings=sort_findings(parse + fmt + schema + refs + validate),
        summaries={
            "parse": f"{n_files} files",
            "fmt": f"{n_files} files",
            "schema": f"{n_res} resources, {n_data} data sources{skipped}",
            "references": f"{n_mods} modules{skipped}",
            "validate": validate_summary,
        },
    )
