"""Security scan: run checkov (built-in checks + tfgen's policies) offline, cache the answer.

checkov lives in its own virtual environment (its `bc-python-hcl2` pin collides with
python-hcl2 8.x), so it is always a subprocess; this module is the one adapter around it.

What gets scanned (`scan_targets`):
- a tfgen project (DIR holds `modules/` or `envs/`): only `modules/` and `envs/`, so test
  fixtures or examples next to them are not reported;
- any other folder: every Terraform file under it (hidden folders and `.terraform` skipped);
- `--plan PLAN.json`: the `terraform show -json` plan, with checkov's `terraform_plan` framework.

Which policies (`resolve_policies_dir`), first match wins:
1. `--policies DIR`;
2. the scanned project's own `policies/` folder (a generated project carries its copy);
3. tfgen's own policies, shipped in the package (`tfgen/policies`);
4. none: checkov's built-in checks only.

Cache: `.tfgen-cache/scan/<key>.json` under the scanned folder (the plan's folder for a plan),
see `cache`.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import ToolError, UsageError
from .cache import CACHE_DIR, cache_key, load_cached, store_cached
from .checkov import (
    CHECKOV_ENV_VAR,
    CHECKOV_VERSION,
    INSTALL_HINT,
    OFFLINE_ENV,
    checkov_command,
    checkov_env,
    checkov_fingerprint,
    find_checkov,
    installed_checkov_version,
    parse_report,
    run_checkov,
)
from .results import ScanFinding, ScanResult
from .targets import (
    PROJECT_DIRS,
    SCANNED_SUFFIXES,
    plan_project,
    repo_policies_dir,
    resolve_policies_dir,
    scan_targets,
    walk_files,
)

__all__ = [
    "CACHE_DIR",
    "CHECKOV_ENV_VAR",
    "CHECKOV_VERSION",
    "FORMATS",
    "INSTALL_HINT",
    "OFFLINE_ENV",
    "PROJECT_DIRS",
    "ScanFinding",
    "ScanResult",
    "cache_key",
    "checkov_command",
    "checkov_env",
    "checkov_fingerprint",
    "find_checkov",
    "installed_checkov_version",
    "parse_report",
    "plan_project",
    "repo_policies_dir",
    "report_text",
    "resolve_policies_dir",
    "run_checkov",
    "scan",
    "scan_targets",
]

FORMATS = ("text", "json", "sarif", "junitxml")


@dataclass(frozen=True)
class ScanInput:
    """What one scan reads: the folder reports are relative to, the files, checkov's targets."""

    root: Path
    scanned: list[tuple[str, Path]]
    targets: list[Path]
    project: Path | None
    label: str
    is_plan: bool

    @property
    def framework(self) -> str:
        return "terraform_plan" if self.is_plan else "terraform"

    def options(self) -> list[str]:
        """The options that change a result (part of the cache key)."""
        options = [f"framework={self.framework}", f"mode={'plan' if self.is_plan else 'dir'}"]
        return options + [
            f"target={t.relative_to(self.root).as_posix() if t != self.root else '.'}" for t in self.targets
        ]


def plan_input(plan: Path) -> ScanInput:
    """A `terraform show -json` plan; a plan under envs/ is judged by its project's policies."""
    if not plan.is_file():
        raise UsageError(f"--plan {plan}: no such file")
    resolved = plan.resolve()
    return ScanInput(
        resolved.parent, [(plan.name, resolved)], [resolved], plan_project(plan), str(plan), is_plan=True
    )


def folder_input(directory: Path) -> ScanInput:
    """A folder: a tfgen project's modules/ and envs/, else every Terraform file under it."""
    if not directory.is_dir():
        raise UsageError(f"{directory}: no such folder")
    root = directory.resolve()
    targets = scan_targets(root)
    scanned = [
        (path.relative_to(root).as_posix(), path)
        for target in targets
        for path in walk_files(target, SCANNED_SUFFIXES)
    ]
    if not any(rel.endswith((".tf", ".tf.json")) for rel, _ in scanned):
        where = ", ".join(str(t.relative_to(root)) or "." for t in targets)
        raise UsageError(f"{directory}: no Terraform files to scan (looked in {where})")
    return ScanInput(root, scanned, targets, root, str(directory), is_plan=False)


def scan(
    directory: Path | None = None,
    *,
    plan: Path | None = None,
    checkov: Path | str | None = None,
    policies: Path | None = None,
    use_cache: bool = True,
) -> ScanResult:
    """Scan a Terraform folder or a `terraform show -json` plan; unchanged input hits the cache."""
    if (directory is None) == (plan is None):
        raise UsageError("scan takes a folder or --plan PLAN.json, not both")
    what = plan_input(plan) if plan is not None else folder_input(directory or Path("."))
    executable = find_checkov(checkov)
    policies_dir = resolve_policies_dir(policies, what.project)
    cache_dir = what.root / CACHE_DIR
    key = ""
    if use_cache:
        key = cache_key(what.scanned, policies_dir, checkov_fingerprint(executable), what.options())
        cached = load_cached(cache_dir, key)
        if cached is not None:
            cached.target = what.label
            return cached

    started = time.monotonic()
    reports = run_checkov(
        executable, what.root, what.targets, what.framework, policies_dir, is_plan=what.is_plan
    )
    result = parse_report(reports["json"], root=what.root)
    result.target = what.label
    result.policies = _display(policies_dir)
    result.reports = reports
    result.seconds = round(time.monotonic() - started, 2)
    if not result.checkov_version:
        result.checkov_version = installed_checkov_version(executable)
    if use_cache:
        store_cached(cache_dir, key, result)
    return result


def _display(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def report_text(result: ScanResult, fmt: str) -> str:
    """The report in the requested machine format (json, sarif or junitxml)."""
    if fmt not in result.reports:
        raise ToolError(f"checkov wrote no {fmt} report")
    return result.reports[fmt]
