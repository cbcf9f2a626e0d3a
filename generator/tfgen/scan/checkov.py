"""The one adapter around checkov: find it, fingerprint it, run it offline, read its report.

checkov lives in its own virtual environment (its `bc-python-hcl2` pin collides with
python-hcl2 8.x), so it is always a subprocess.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from ..errors import ToolError
from .results import ScanFinding, ScanResult

CHECKOV_ENV_VAR = "TFGEN_CHECKOV"
CHECKOV_VERSION = "3.3.30"
CHECKOV_TIMEOUT_S = 900

# The environment that keeps checkov offline and quiet: no vendor API, no update check.
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

_CHECKOV_OUTPUTS = {
    "json": "results_json.json",
    "sarif": "results_sarif.sarif",
    "junitxml": "results_junitxml.xml",
}


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
        match = re.search(r"version\s*=\s*['\"]([^'\"]+)", _read(site / "checkov" / "version.py"))
        if match:
            return match.group(1)
    return "?"


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


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
        cmd = checkov_command(executable, root, targets, framework, policies, out_dir, is_plan=is_plan)
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


def _finding(check: dict[str, Any], root: Path) -> ScanFinding:
    path = check.get("file_abs_path") or check.get("file_path") or "?"
    line_range = check.get("file_line_range") or [0, 0]
    check_result = check.get("check_result") or {}
    return ScanFinding(
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
