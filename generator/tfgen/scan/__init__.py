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

import json
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..errors import ToolError, UsageError
from ..progress import step
from .cache import CACHE_DIR, cache_key, load_cached, store_cached
from .checkov import (
    CHECKOV_ENV_VAR,
    CHECKOV_VERSION,
    INSTALL_HINT,
    OFFLINE_ENV,
    CheckovRun,
    checkov_command,
    checkov_env,
    checkov_fingerprint,
    find_checkov,
    installed_checkov_version,
    parse_report,
    read_scanned,
    run_checkov,
)
from .results import ScanFinding, ScanResult
from .sarif import enrich_sarif, merge_sarif, trivy_run
from .targets import (
    PROJECT_DIRS,
    SCANNED_SUFFIXES,
    plan_project,
    repo_policies_dir,
    resolve_policies_dir,
    scan_targets,
    walk_files,
)
from .trivy import (
    TRIVY_ENV_VAR,
    TRIVY_INSTALL_HINT,
    TRIVY_VERSION,
    find_trivy,
    inline_ignores,
    keep_spare,
    parse_trivy,
    run_trivy,
    trivy_fingerprint,
)

__all__ = [
    "CACHE_DIR",
    "CHECKOV_ENV_VAR",
    "CHECKOV_VERSION",
    "ENGINES",
    "FORMATS",
    "TRIVY_ENV_VAR",
    "TRIVY_INSTALL_HINT",
    "TRIVY_VERSION",
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
    "find_trivy",
    "installed_checkov_version",
    "merged_reports",
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
ENGINES = ("all", "checkov", "trivy")


# Skips whose reason says the setting is the profile's: a folder scan must take them on trust
# (checkov evaluates a shared module with one root's values), a high-power plan proves them.
PROFILE_SKIP = re.compile(
    rb"^[ \t]*#[ \t]*checkov:skip=[A-Z0-9_]+:[^\n]*set per environment by its profile[^\n]*\n", re.M
)
# Checks a plan cannot answer; the folder scan does.
PLAN_SKIPS = {
    "TFGEN_AWS_016": "a plan keeps the provider's default_tags only as an expression (var.tags), "
    "so this provider check reads nothing; the folder scan checks it",
}


@dataclass(frozen=True)
class ScanInput:
    """What one scan reads: its files (relative to `root`), and how checkov is pointed at them."""

    root: Path
    scanned: list[tuple[str, Path]]
    label: str
    project: Path | None
    cache_root: Path
    plan_file: str | None = None  # a plan scan: the plan's path among `scanned`
    profile: str | None = None  # a plan of a tfgen environment: its profile

    @property
    def framework(self) -> str:
        return "terraform_plan" if self.plan_file else "terraform"

    def options(self) -> list[str]:
        """The options that change a result (part of the cache key)."""
        return [f"framework={self.framework}", f"plan={self.plan_file}", f"profile={self.profile}"]

    def files(self) -> dict[str, bytes]:
        """The scanned files' bytes; a high-power plan's code without the profile's skips."""
        files = read_scanned(self.scanned)
        if self.profile == "high-power":
            files = {
                rel: PROFILE_SKIP.sub(b"", data) if rel.endswith(".tf") else data
                for rel, data in files.items()
            }
        return files


def scan_step(what: ScanInput) -> str:
    """The progress line of a checkov run: what it reads, e.g. `scanning 3 roots with checkov`."""
    if what.plan_file:
        return f"scanning the plan {what.label} with checkov"
    roots = {Path(rel).parent for rel, _ in what.scanned if rel.endswith((".tf", ".tf.json"))}
    return f"scanning {len(roots)} {'root' if len(roots) == 1 else 'roots'} in {what.label} with checkov"


def plan_input(plan: Path) -> ScanInput:
    """A `terraform show -json` plan; one of a tfgen project is read with the project's code.

    With the code next to it, checkov's plan enrichment applies the code's inline skips to the
    plan's resources, and the project's policies judge it.
    """
    if not plan.is_file():
        raise UsageError(f"--plan {plan}: no such file")
    resolved = plan.resolve()
    project = plan_project(plan)
    if project is None:
        return ScanInput(
            resolved.parent, [(plan.name, resolved)], str(plan), None, resolved.parent, plan_file=plan.name
        )
    rel = resolved.relative_to(project).as_posix()
    code = [
        (p.relative_to(project).as_posix(), p)
        for target in scan_targets(project)
        for p in walk_files(target, (".tf", ".tfvars"))
    ]
    return ScanInput(
        project,
        [(rel, resolved), *code],
        str(plan),
        project,
        resolved.parent,
        plan_file=rel,
        profile=plan_profile(project, resolved),
    )


def plan_profile(project: Path, plan: Path) -> str | None:
    """The profile of the environment a plan under envs/<env>/ belongs to (from the manifest)."""
    from ..project import read_manifest

    env = plan.relative_to(project).parts[1] if len(plan.relative_to(project).parts) > 1 else ""
    info = read_manifest(project).get("environments", {}).get(env, {})
    return str(info["profile"]) if isinstance(info, dict) and info.get("profile") else None


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
    return ScanInput(root, scanned, str(directory), root, root)


def engines_for(engine: str, plan: bool) -> list[str]:
    """The engines a scan runs: `all` is checkov and trivy, but a plan is checkov's alone.

    trivy reads a plan's JSON without the code's inline ignores and with synthesized names, so
    it would report what the folder scan has explained; the folder scan runs trivy for real.
    """
    if engine not in ENGINES:
        raise UsageError(f"--engine {engine}: choose one of {', '.join(ENGINES)}")
    if plan and engine == "trivy":
        raise UsageError(
            "--engine trivy scans the code, each environment with its tfvars, not a plan: "
            "scan the project folder, or the plan with --engine checkov"
        )
    if engine == "all":
        return ["checkov"] if plan else ["checkov", "trivy"]
    return [engine]


def scan(
    directory: Path | None = None,
    *,
    plan: Path | None = None,
    checkov: Path | str | None = None,
    trivy: Path | str | None = None,
    engine: str = "all",
    policies: Path | None = None,
    config: Path | None = None,
    use_cache: bool = True,
    formats: tuple[str, ...] = FORMATS,
) -> ScanResult:
    """Scan a Terraform folder or a `terraform show -json` plan; unchanged input hits the cache.

    `engine`: checkov, trivy, or all (both, side by side; a plan is checkov's alone). Only tfgen
    decides what runs: checkov sees a staged copy of the scanned files (so no `.checkov.yaml`
    comes with them), none of the caller's checkov variables, and a configuration file only
    when one is passed here (`config`), whose skips are then listed; trivy runs with its
    embedded checks, no configuration or ignore file and none of the caller's TRIVY_* or
    TF_VAR_* variables.

    `formats`: the reports the caller will read (`report_text`); checkov writes only those
    (its json always: the findings come from it). A cached answer without one of them is
    scanned again.
    """
    if (directory is None) == (plan is None):
        raise UsageError("scan takes a folder or --plan PLAN.json, not both")
    engines = engines_for(engine, plan is not None)
    what = plan_input(plan) if plan is not None else folder_input(directory or Path("."))
    use_checkov, use_trivy = "checkov" in engines, "trivy" in engines
    executable = find_checkov(checkov) if use_checkov else None
    trivy_exe = find_trivy(trivy) if use_trivy else None
    policies_dir = resolve_policies_dir(policies, what.project) if use_checkov else None
    config_skips = read_config_skips(config) if config is not None and use_checkov else []
    config = config.resolve() if config is not None and use_checkov else None  # checkov runs elsewhere
    plan_skips = dict(PLAN_SKIPS) if what.plan_file else {}
    files = what.files()
    cache_dir = what.cache_root / CACHE_DIR
    key = ""
    if use_cache:
        fingerprints = []
        if executable is not None:
            fingerprints.append(checkov_fingerprint(executable))
        if trivy_exe is not None:
            fingerprints.append(trivy_fingerprint(trivy_exe))
        options = [
            *what.options(),
            f"engines={','.join(engines)}",
            f"tfgen={__version__}",
            *sorted(plan_skips),
        ]
        key = cache_key(files, policies_dir, "\n".join(fingerprints), options, config)
        cached = load_cached(cache_dir, key)
        if cached is not None and all(cached.has_format(fmt) for fmt in formats):
            cached.target = what.label
            return cached

    started = time.monotonic()
    result = ScanResult(target=what.label, checkov_version="", policies="", engines=engines)
    cancel = threading.Event()
    with ThreadPoolExecutor(max_workers=2) as pool:
        try:
            trivy_job = (
                pool.submit(run_trivy, trivy_exe, files, executable is not None, cancel)
                if trivy_exe is not None
                else None
            )
            if executable is not None:
                _checkov_part(
                    result, executable, what, files, policies_dir, config, config_skips, plan_skips, formats
                )
            trivy_reports, unparsed = trivy_job.result() if trivy_job is not None else ({}, [])
        except BaseException:
            cancel.set()  # a spare trivy gets no Ctrl-C of the terminal: end it before leaving
            raise
    if trivy_exe is not None:
        _trivy_part(result, trivy_reports, unparsed, files, what.label)
        result.sources["trivy"] = trivy_reports
        keep_spare(trivy_exe, files, executable is not None)  # for the next scan, now both are done
    result.target = what.label
    result.seconds = round(time.monotonic() - started, 2)
    if use_cache:
        store_cached(cache_dir, key, result)
    return result


def _checkov_part(
    result: ScanResult,
    executable: Path,
    what: ScanInput,
    files: dict[str, bytes],
    policies_dir: Path | None,
    config: Path | None,
    config_skips: list[str],
    plan_skips: dict[str, str],
    formats: tuple[str, ...],
) -> None:
    run = CheckovRun(
        what.framework,
        policies_dir,
        plan_file=what.plan_file,
        enrich=what.project is not None and what.plan_file is not None,
        config=config,
        skip_checks=tuple(sorted(plan_skips)),
        formats=tuple(fmt for fmt in formats if fmt != "text"),
    )
    with step(scan_step(what)):
        reports, staged = run_checkov(executable, files, run)
    part = parse_report(reports["json"], root=staged)
    if part.passed == 0 and not part.failed and not part.parsing_errors:
        raise ToolError(
            f"scan {what.label}: checkov ran no check at all (passed 0, failed 0), "
            "so nothing was proven: is the folder a Terraform project?"
        )
    result.checkov_version = part.checkov_version or installed_checkov_version(executable)
    result.policies = _display(policies_dir)
    result.passed += part.passed
    result.failed += part.failed
    result.parsing_errors += part.parsing_errors
    result.skipped += part.skipped
    result.skipped += [
        ScanFinding(
            check_id, "", "(every resource)", _display(config), 0, reason=f"skip-check in {_display(config)}"
        )
        for check_id in config_skips
        if config is not None
    ]
    result.skipped += [
        ScanFinding(check_id, "", "(the plan)", what.label, 0, reason=reason)
        for check_id, reason in sorted(plan_skips.items())
    ]
    result.sources["checkov"] = reports


# An ignore that names no check silences every check on its block.
WILDCARD_IGNORE = "TRIVY_IGNORE_ALL"


def _trivy_part(
    result: ScanResult, reports: dict[str, str], unparsed: list[str], files: dict[str, bytes], label: str
) -> None:
    failed, passed, version = parse_trivy(reports)
    if passed == 0 and not failed:
        raise ToolError(
            f"scan {label}: trivy ran no check at all (passed 0, failed 0), so nothing was proven"
        )
    result.trivy_version = version or "?"
    if result.trivy_version != TRIVY_VERSION:
        result.notes.append(
            f"note: trivy {result.trivy_version} is not the pinned {TRIVY_VERSION}: "
            "its checks and ids may differ from the ones tfgen's templates explain"
        )
    ignores = inline_ignores(files)
    for ignore in ignores:
        if ignore.check_id in ("*", ""):
            failed.append(
                ScanFinding(
                    WILDCARD_IGNORE,
                    "a trivy:ignore without a check id silences every check: name the check",
                    ignore.resource,
                    ignore.file,
                    ignore.line,
                    engine="trivy",
                    severity="HIGH",
                )
            )
    result.passed += passed
    result.failed += failed
    result.skipped += [i for i in ignores if i.check_id not in ("*", "")]
    result.parsing_errors += [p for p in unparsed if p not in result.parsing_errors]


def merged_reports(result: ScanResult) -> dict[str, str]:
    """The machine reports: json (tfgen's merged list plus each engine's raw report), sarif
    (a run per tool, checkov's with severities and help links), junitxml (checkov's suites
    plus one for trivy)."""
    checkov_reports = result.sources.get("checkov", {})
    trivy_reports = result.sources.get("trivy", {})
    trivy_findings = [f for f in result.failed if f.engine == "trivy"]
    raw_checkov: object = None
    if "json" in checkov_reports:
        try:
            raw_checkov = json.loads(checkov_reports["json"])
        except ValueError:
            raw_checkov = checkov_reports["json"]
    merged = {
        "target": result.target,
        "engines": {
            **({"checkov": result.checkov_version} if "checkov" in result.engines else {}),
            **({"trivy": result.trivy_version} if "trivy" in result.engines else {}),
        },
        "summary": {
            "passed": result.passed,
            "failed": len(result.failed),
            "skipped": len(result.skipped),
            "parsing_errors": result.parsing_errors,
        },
        "failed": [_row(f) for f in result.failed],
        "skipped": [_row(f) for f in result.skipped],
        "checkov": raw_checkov,
        "trivy": {root: json.loads(text) for root, text in sorted(trivy_reports.items())} or None,
    }
    runs = (
        [trivy_run(trivy_findings, result.trivy_version, result.target)] if "trivy" in result.engines else []
    )
    return {
        "json": json.dumps(merged, indent=2) + "\n",
        "sarif": merge_sarif(enrich_sarif(checkov_reports.get("sarif", ""), result.target), runs),
        "junitxml": _merge_junit(
            checkov_reports.get("junitxml", ""), trivy_findings, "trivy" in result.engines
        ),
    }


def _row(f: ScanFinding) -> dict[str, object]:
    return {
        "engine": f.engine,
        "check_id": f.check_id,
        "severity": f.severity,
        "resource": f.resource,
        "file": f.file,
        "line": f.line,
        "guideline": f.guideline or f.check_name,
        "root": f.root,
        "reason": f.reason,
    }


def _merge_junit(checkov_xml: str, trivy_findings: list[ScanFinding], with_trivy: bool) -> str:
    import xml.etree.ElementTree as ET

    root = ET.fromstring(checkov_xml) if checkov_xml.strip() else ET.Element("testsuites")
    if root.tag != "testsuites":
        wrapper = ET.Element("testsuites")
        wrapper.append(root)
        root = wrapper
    if with_trivy:
        suite = ET.SubElement(
            root, "testsuite", name="trivy", tests=str(len(trivy_findings)), failures=str(len(trivy_findings))
        )
        for f in trivy_findings:
            case = ET.SubElement(
                suite, "testcase", name=f"[{f.severity}][{f.check_id}] {f.resource}", classname=f.file
            )
            failure = ET.SubElement(case, "failure", type="failure", message=f.check_name)
            failure.text = f"{f.file}:{f.line} ({f.root}) {f.guideline}"
    return ET.tostring(root, encoding="unicode") + "\n"


def read_config_skips(config: Path) -> list[str]:
    """The checks a checkov configuration file turns off (its `skip-check`), to list them.

    A file that keeps only some checks (`check:`) is refused: tfgen could not say which of its
    own policies it silenced.
    """
    import yaml

    try:
        data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise UsageError(f"--checkov-config {config}: no such file") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise UsageError(f"--checkov-config {config}: not a readable YAML file ({err})") from None
    if not isinstance(data, dict):
        raise UsageError(f"--checkov-config {config}: expected a mapping of checkov options")
    if data.get("check"):
        raise UsageError(
            f"--checkov-config {config}: `check:` runs only the listed checks and "
            "silences tfgen's policies; use skip-check for the ones to leave out"
        )
    skips = data.get("skip-check") or []
    items = skips.split(",") if isinstance(skips, str) else [str(s) for s in skips]
    return sorted({item.strip() for item in items if item.strip()})


def _display(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def report_text(result: ScanResult, fmt: str) -> str:
    """The report in the requested machine format (json, sarif or junitxml)."""
    if not result.has_format(fmt) or fmt not in result.reports:
        raise ToolError(f"the scan wrote no {fmt} report")
    return result.reports[fmt]
