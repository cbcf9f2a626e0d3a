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

Cache: `.tfgen-cache/scan/<key>.json` under the scanned folder (the plan's folder for a plan).
The key hashes the scanned files, the policy files, the checkov installation (without
running `checkov --version`, which costs seconds) and the options that change results.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ToolError, UsageError

CHECKOV_ENV_VAR = "TFGEN_CHECKOV"
CHECKOV_VERSION = "3.3.30"
FORMATS = ("text", "json", "sarif", "junitxml")
CACHE_DIR = Path(".tfgen-cache") / "scan"
CACHE_FORMAT = "1"
CACHE_KEEP = 20
CHECKOV_TIMEOUT_S = 900

# The environment that keeps checkov offline and quiet (FACTS.md).
OFFLINE_ENV = {
    "BC_SKIP_MAPPING": "TRUE",
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
}

INSTALL_HINT = (
    "checkov is not installed: run `make setup`, or "
    "`python3 -m venv .venv-checkov && .venv-checkov/bin/pip install checkov=="
    f"{CHECKOV_VERSION}` and set {CHECKOV_ENV_VAR}=$PWD/.venv-checkov/bin/checkov "
    "(or pass --checkov PATH)"
)

PROJECT_DIRS = ("modules", "envs")
SCANNED_SUFFIXES = (".tf", ".tfvars", ".tf.json", ".json")
POLICY_SUFFIXES = (".yaml", ".yml", ".json", ".py")
SKIPPED_DIR_NAMES = {"node_modules", ".terraform", ".serverless", "__pycache__"}
_CHECKOV_OUTPUTS = {"json": "results_json.json", "sarif": "results_sarif.sarif",
                    "junitxml": "results_junitxml.xml"}


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Finding:
    """One check result on one resource."""

    check_id: str
    check_name: str
    resource: str
    file: str
    line: int
    guideline: str = ""
    reason: str = ""

    def advice(self) -> str:
        """What to change: the check's name, plus its guideline when it says more."""
        if self.guideline and self.guideline != self.check_name:
            return f"{self.check_name} -> {self.guideline}"
        return self.check_name


@dataclass
class ScanResult:
    """What a scan found, the raw reports for CI, and whether it came from the cache."""

    target: str
    checkov_version: str
    policies: str
    failed: list[Finding] = field(default_factory=list)
    skipped: list[Finding] = field(default_factory=list)
    passed: int = 0
    parsing_errors: list[str] = field(default_factory=list)
    reports: dict[str, str] = field(default_factory=dict)
    from_cache: bool = False
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        """0 clean, 1 findings (a file checkov could not parse counts as one)."""
        return 1 if self.failed or self.parsing_errors else 0

    def summary_lines(self) -> list[str]:
        """The readable summary: failures grouped by resource, skips with reasons, counts."""
        source = "from cache" if self.from_cache else f"{self.seconds:.1f}s"
        lines = [
            f"scan {self.target}: checkov {self.checkov_version}, "
            f"policies {self.policies or 'built-in only'} ({source})"
        ]
        by_resource: dict[str, list[Finding]] = {}
        for finding in self.failed:
            by_resource.setdefault(finding.resource, []).append(finding)
        for resource in sorted(by_resource):
            lines.append(resource)
            for f in sorted(by_resource[resource], key=lambda f: (f.file, f.line, f.check_id)):
                lines.append(f"  {f.file}:{f.line}  {f.check_id}  {f.advice()}")
        if self.skipped:
            # A module used by several environments is reported once per use: list each skip
            # once, with how many times it applied.
            lines.append("skipped:")
            counts: dict[tuple[str, str, int, str, str], int] = {}
            for f in self.skipped:
                key = (f.resource, f.file, f.line, f.check_id, (f.reason or "").strip() or "no reason given")
                counts[key] = counts.get(key, 0) + 1
            for (resource, file, line, check_id, reason), n in sorted(counts.items()):
                times = f" (x{n})" if n > 1 else ""
                lines.append(f"  {resource}  {file}:{line}  {check_id}{times}  {reason}")
        for path in self.parsing_errors:
            lines.append(f"could not parse: {path} (not scanned)")
        lines.append(
            f"passed {self.passed}, failed {len(self.failed)}, skipped {len(self.skipped)}"
        )
        return lines

    def to_cache(self) -> dict[str, object]:
        return {
            "target": self.target,
            "checkov_version": self.checkov_version,
            "policies": self.policies,
            "failed": [f.__dict__ for f in self.failed],
            "skipped": [f.__dict__ for f in self.skipped],
            "passed": self.passed,
            "parsing_errors": self.parsing_errors,
            "reports": self.reports,
            "seconds": self.seconds,
        }

    @classmethod
    def from_cache_data(cls, data: dict) -> ScanResult:
        return cls(
            target=data["target"],
            checkov_version=data["checkov_version"],
            policies=data["policies"],
            failed=[Finding(**f) for f in data["failed"]],
            skipped=[Finding(**f) for f in data["skipped"]],
            passed=data["passed"],
            parsing_errors=list(data["parsing_errors"]),
            reports=dict(data["reports"]),
            from_cache=True,
            seconds=data.get("seconds", 0.0),
        )


# --------------------------------------------------------------------------- locating things


def find_checkov(option: Path | str | None = None) -> Path:
    """The checkov executable: --checkov, else $TFGEN_CHECKOV, else PATH; ToolError if none."""
    choices = (("--checkov", option), (CHECKOV_ENV_VAR, os.environ.get(CHECKOV_ENV_VAR)))
    for origin, candidate in choices:
        if candidate:
            path = Path(candidate).expanduser()
            if path.is_file() and os.access(path, os.X_OK):
                return path
            raise ToolError(f"{origin} points at {path}, not an executable. {INSTALL_HINT}")
    found = shutil.which("checkov")
    if found:
        return Path(found)
    raise ToolError(INSTALL_HINT)


def repo_policies_dir() -> Path | None:
    """tfgen's own policies: shipped inside the package (`tfgen/policies`, in a source checkout
    a link to the repository's top-level policies/)."""
    candidate = Path(__file__).resolve().parent / "policies"
    return candidate if candidate.is_dir() else None


def resolve_policies_dir(option: Path | None, project: Path | None) -> Path | None:
    """--policies, else the project's own policies/, else tfgen's policies/, else none."""
    if option is not None:
        if not option.is_dir():
            raise UsageError(f"--policies {option}: no such folder")
        chosen: Path | None = option
    elif project is not None and _has_policies(project / "policies"):
        chosen = project / "policies"
    else:
        chosen = repo_policies_dir()
    if chosen is not None and any(chosen.glob("*.py")) and not (chosen / "__init__.py").is_file():
        raise UsageError(
            f"{chosen}: Python policies need an __init__.py next to them, "
            "or checkov silently ignores them"
        )
    return chosen


def _has_policies(folder: Path) -> bool:
    return folder.is_dir() and any(p.suffix in POLICY_SUFFIXES for p in folder.iterdir())


def scan_targets(directory: Path) -> list[Path]:
    """The folders to scan: modules/ and envs/ of a tfgen project, else the folder itself."""
    project_dirs = [directory / d for d in PROJECT_DIRS if (directory / d).is_dir()]
    return project_dirs or [directory]


def _walk_files(root: Path, suffixes: Iterable[str]) -> list[Path]:
    suffixes = tuple(suffixes)
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and d not in SKIPPED_DIR_NAMES
        )
        found.extend(Path(dirpath) / f for f in sorted(filenames) if f.endswith(suffixes))
    return found


# --------------------------------------------------------------------------- cache key


def checkov_fingerprint(checkov: Path) -> str:
    """Identify the checkov installation cheaply: its path plus its version.py and METADATA.

    Running `checkov --version` costs seconds, so the key reads the files of the virtual
    environment the executable's shebang points at; a reinstall changes them.
    """
    resolved = checkov.resolve()
    parts = [str(resolved)]
    stat = resolved.stat()
    parts.append(f"{stat.st_size}:{stat.st_mtime_ns}")
    for site in _site_packages(resolved):
        version_py = site / "checkov" / "version.py"
        if version_py.is_file():
            parts.append(version_py.read_text(errors="replace"))
            for meta in sorted(site.glob("checkov-*.dist-info/METADATA")):
                meta_stat = meta.stat()
                parts.append(f"{meta}:{meta_stat.st_size}:{meta_stat.st_mtime_ns}")
            break
    return "\n".join(parts)


def _site_packages(checkov: Path) -> list[Path]:
    venvs = [checkov.parent.parent]
    try:
        with checkov.open("rb") as handle:
            first = handle.readline(4096).decode(errors="replace")
        if first.startswith("#!"):
            interpreter = Path(first[2:].strip().split()[0])
            venvs.insert(0, interpreter.parent.parent)
    except OSError:
        pass
    return [site for venv in venvs for site in sorted(venv.glob("lib/python*/site-packages"))]


def installed_checkov_version(checkov: Path) -> str:
    """The version from the installation's version.py (fast); `?` when it cannot be read."""
    for site in _site_packages(checkov.resolve()):
        match = re.search(
            r"version\s*=\s*['\"]([^'\"]+)", _read(site / "checkov" / "version.py")
        )
        if match:
            return match.group(1)
    return "?"


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def cache_key(
    scanned: Iterable[tuple[str, Path]],
    policies: Path | None,
    fingerprint: str,
    options: Iterable[str],
) -> str:
    """sha256 over the scanned files, the policies, checkov's fingerprint and the options."""
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    add("format", CACHE_FORMAT.encode())
    add("checkov", fingerprint.encode())
    for option in options:
        add("option", option.encode())
    for rel, path in sorted(scanned):
        add(f"file:{rel}", path.read_bytes())
    if policies is not None:
        for path in _walk_files(policies, POLICY_SUFFIXES):
            add(f"policy:{path.relative_to(policies).as_posix()}", path.read_bytes())
    return digest.hexdigest()


def _load_cached(cache_dir: Path, key: str) -> ScanResult | None:
    entry = cache_dir / f"{key}.json"
    try:
        data = json.loads(entry.read_text())
        result = ScanResult.from_cache_data(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    os.utime(entry)  # keep recently used entries when pruning
    return result


def _store_cached(cache_dir: Path, key: str, result: ScanResult) -> None:
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache_dir / f".{key}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(result.to_cache()))
        os.replace(tmp, cache_dir / f"{key}.json")
        entries = sorted(cache_dir.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in entries[CACHE_KEEP:]:
            stale.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only tree still scans; it just cannot remember


# --------------------------------------------------------------------------- running checkov


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
            for path in _walk_files(target, SCANNED_SUFFIXES)
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
        cached = _load_cached(cache_dir, key)
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
        _store_cached(cache_dir, key, result)
    return result


def plan_project(plan: Path) -> Path | None:
    """The tfgen project a plan belongs to (the parent of the `envs/` it lives under), if any.

    `tfgen plan` keeps plans in `envs/<env>/.tfgen/`; the project's own `policies/` then
    judge the plan, as they judge the project's files.
    """
    for ancestor in plan.resolve().parents:
        if ancestor.name == "envs":
            return ancestor.parent
    return None


def scan_plan(
    plan_json_path: Path,
    *,
    checkov: Path | str | None = None,
    policies: Path | None = None,
    use_cache: bool = True,
) -> ScanResult:
    """Scan a `terraform show -json` plan: what `tfgen plan --scan` and `tfgen scan --plan` run.

    The result's `summary_lines()` and `exit_code` are what the plan command prints and
    returns; an unchanged plan is answered from the cache next to it.
    """
    return scan(
        None, plan=Path(plan_json_path), checkov=checkov, policies=policies, use_cache=use_cache
    )


def _display(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def checkov_command(
    executable: Path,
    root: Path,
    targets: list[Path],
    framework: str,
    policies: Path | None,
    out_dir: Path,
    *,
    is_plan: bool = False,
) -> list[str]:
    """The checkov command line: offline, all three machine formats written to out_dir."""
    cmd = [str(executable)]
    if is_plan:
        cmd += ["-f", str(targets[0])]
    else:
        cmd += ["-d", str(root)]
        if targets != [root]:
            # A tfgen project: scan modules/ and envs/ under one root so report paths stay
            # relative to the project; skip every other top-level folder.
            wanted = {t.name for t in targets}
            for entry in sorted(root.iterdir()):
                if entry.is_dir() and entry.name not in wanted and not entry.name.startswith("."):
                    cmd += ["--skip-path", f"^{re.escape(str(entry))}$"]
    cmd += ["--framework", framework, "--skip-download", "--soft-fail", "--compact"]
    if policies is not None:
        cmd += ["--external-checks-dir", str(policies)]
    for fmt in _CHECKOV_OUTPUTS:
        cmd += ["-o", fmt]
    cmd += ["--output-file-path", str(out_dir)]
    return cmd


def checkov_env() -> dict[str, str]:
    """The process environment plus the variables that keep checkov offline."""
    return {**os.environ, **OFFLINE_ENV}


def run_checkov(
    executable: Path,
    root: Path,
    targets: list[Path],
    framework: str,
    policies: Path | None,
    *,
    is_plan: bool = False,
) -> dict[str, str]:
    """Run checkov once and return its json, sarif and junitxml reports as text."""
    with tempfile.TemporaryDirectory(prefix="tfgen-scan-") as tmp:
        out_dir = Path(tmp)
        cmd = checkov_command(
            executable, root, targets, framework, policies, out_dir, is_plan=is_plan
        )
        try:
            proc = subprocess.run(
                cmd,
                env=checkov_env(),
                capture_output=True,
                text=True,
                timeout=CHECKOV_TIMEOUT_S,
                check=False,
            )
        except OSError as err:
            raise ToolError(f"could not run {executable}: {err}. {INSTALL_HINT}") from None
        except subprocess.TimeoutExpired:
            raise ToolError(f"checkov did not finish within {CHECKOV_TIMEOUT_S}s") from None
        reports = {
            fmt: (out_dir / name).read_text()
            for fmt, name in _CHECKOV_OUTPUTS.items()
            if (out_dir / name).is_file()
        }
    if proc.returncode != 0 or "json" not in reports:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        detail = "; ".join(line.strip() for line in tail) or "no output"
        raise ToolError(f"checkov failed (exit {proc.returncode}): {detail}")
    return reports


def parse_report(text: str, *, root: Path) -> ScanResult:
    """Turn checkov's JSON report (one object, a list of them, or a bare summary) into a result."""
    try:
        data = json.loads(text)
    except ValueError as err:
        raise ToolError(f"checkov wrote a JSON report tfgen cannot read: {err}") from None
    reports = data if isinstance(data, list) else [data]
    result = ScanResult(target="", checkov_version="", policies="")
    for report in reports:
        if not isinstance(report, dict):
            continue
        summary = report.get("summary", report)
        result.checkov_version = result.checkov_version or str(summary.get("checkov_version", ""))
        results = report.get("results", {})
        result.passed += len(results.get("passed_checks", []))
        result.failed += [_finding(c, root) for c in results.get("failed_checks", [])]
        result.skipped += [_finding(c, root) for c in results.get("skipped_checks", [])]
        result.parsing_errors += [_relative(p, root) for p in results.get("parsing_errors", [])]
    return result


def _finding(check: dict, root: Path) -> Finding:
    path = check.get("file_abs_path") or check.get("file_path") or "?"
    line_range = check.get("file_line_range") or [0, 0]
    check_result = check.get("check_result") or {}
    return Finding(
        check_id=str(check.get("check_id", "?")),
        check_name=str(check.get("check_name") or ""),
        resource=str(check.get("resource_address") or check.get("resource") or "?"),
        file=_relative(path, root),
        line=int(line_range[0] or 0),
        guideline=str(check.get("guideline") or ""),
        reason=str(check_result.get("suppress_comment") or ""),
    )


def _relative(path: str, root: Path) -> str:
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            return candidate.relative_to(root).as_posix()
        except ValueError:
            return candidate.as_posix().lstrip("/") if not candidate.exists() else str(candidate)
    return path.lstrip("/")


def report_text(result: ScanResult, fmt: str) -> str:
    """The report in the requested machine format (json, sarif or junitxml)."""
    if fmt not in result.reports:
        raise ToolError(f"checkov wrote no {fmt} report")
    return result.reports[fmt]
