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
    if plan is not None:
        if not plan.is_file():
            raise UsageError(f"--plan {plan}: no such file")
        root = plan.resolve().parent
        scanned = [(plan.name, plan.resolve())]
        targets: list[Path] = [plan.resolve()]
        project = plan_project(plan)
        label = str(plan)
    else:
        assert directory is not None
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
        project = root
        label = str(directory)

    executable = find_checkov(checkov)
    policies_dir = resolve_policies_dir(policies, project)
    framework = "terraform_plan" if plan is not None else "terraform"
    options = [f"framework={framework}", f"mode={'plan' if plan else 'dir'}"]
    options += [f"target={t.relative_to(root).as_posix() if t != root else '.'}" for t in targets]
    cache_dir = root / CACHE_DIR
    key = ""
    if use_cache:
        key = cache_key(scanned, policies_dir, checkov_fingerprint(executable), options)
        cached = load_cached(cache_dir, key)
        if cached is not None:
            cached.target = label
            return cached

    started = time.monotonic()
    reports = run_checkov(
        executable, root, targets, framework, policies_dir, is_plan=plan is not None
    )
    result = parse_report(reports["json"], root=root)
    result.target = label
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
