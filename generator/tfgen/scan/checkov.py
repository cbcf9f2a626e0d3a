"""The one adapter around checkov: find it, fingerprint it, run it offline, read its report.

checkov lives in its own virtual environment (its `bc-python-hcl2` pin collides with
python-hcl2 8.x), so it is always a subprocess.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ToolError
from ..provision import Tool, announce, ensure
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
    f"set {CHECKOV_ENV_VAR} to a checkov {CHECKOV_VERSION} executable, pass --checkov PATH, or "
    "let tfgen install its pinned checkov into your cache folder (tfgen setup)"
)
CHECKOV = Tool("checkov", CHECKOV_VERSION, "checkov", takes="about a minute")


_CHECKOV_OUTPUTS = {
    "json": "results_json.json",
    "sarif": "results_sarif.sarif",
    "junitxml": "results_junitxml.xml",
}


def find_checkov(option: Path | str | None = None, install: bool = True) -> Path:
    """The checkov executable: --checkov, else $TFGEN_CHECKOV, else tfgen's own pinned checkov.

    tfgen's own lives in the user cache folder (tfgen.provision), installed on first use
    unless `install` is false. A checkov merely on PATH is not used: its version decides the
    findings, so tfgen runs the one it pins unless told otherwise.
    """
    choices = (("--checkov", option), (CHECKOV_ENV_VAR, os.environ.get(CHECKOV_ENV_VAR)))
    for origin, candidate in choices:
        if candidate:
            path = Path(candidate).expanduser()
            if path.is_file() and os.access(path, os.X_OK):
                return path
            raise ToolError(f"{origin} points at {path}, not an executable: {INSTALL_HINT}")
    if not install:
        found = CHECKOV.installed()
        if found is None:
            raise ToolError(f"checkov {CHECKOV_VERSION} is not installed yet: {INSTALL_HINT}")
        return found
    return ensure(CHECKOV, announce)


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


@dataclass(frozen=True)
class CheckovRun:
    """How to run checkov on a staged copy of the scanned files."""

    framework: str  # terraform, or terraform_plan
    policies: Path | None  # --external-checks-dir
    plan_file: str | None = None  # a plan scan: the plan JSON's path among the staged files
    enrich: bool = False  # a plan scan reads inline skips from the staged Terraform files
    config: Path | None = None  # a checkov configuration the user passed (--checkov-config)
    skip_checks: tuple[str, ...] = ()  # checks tfgen turns off (listed with their reasons)
    formats: tuple[str, ...] = ("json", "sarif", "junitxml")  # the reports checkov writes


def checkov_command(executable: Path, work: Path, run: CheckovRun, out_dir: Path) -> list[str]:
    """The checkov command line: offline, the machine reports asked for written to out_dir."""
    if run.plan_file is not None:
        cmd = [str(executable), "-f", str(work / run.plan_file)]
        if run.enrich:
            cmd += ["--repo-root-for-plan-enrichment", str(work)]
    else:
        cmd = [str(executable), "-d", str(work)]
    cmd += ["--framework", run.framework, "--skip-download", "--soft-fail", "--compact"]
    if run.policies is not None:
        cmd += ["--external-checks-dir", str(run.policies)]
    if run.config is not None:
        cmd += ["--config-file", str(run.config)]
    if run.skip_checks:
        cmd += ["--skip-check", ",".join(run.skip_checks)]
    formats = [fmt for fmt in _CHECKOV_OUTPUTS if fmt in run.formats or fmt == "json"]  # json: the findings
    for fmt in formats:
        cmd += ["-o", fmt]
    return [*cmd, "--output-file-path", output_paths(formats, work, out_dir)]


def output_paths(formats: list[str], work: Path, out_dir: Path) -> str:
    """checkov's `--output-file-path` as its list form: one file per `-o`, comma-separated.

    Given a folder instead, checkov also prints every report to its standard output (the
    JSON indented: ~2 MB for the reference project, ~0.3 s of a scan spent formatting and
    writing text nobody reads); given a file per format, it only writes the files. One format
    takes a trailing comma (checkov reads the list form only when there is a comma). The
    paths are relative to checkov's working folder (`work`), so a comma in the temporary
    folder's path cannot split them."""
    paths = [os.path.relpath(out_dir / _CHECKOV_OUTPUTS[fmt], work) for fmt in formats]
    return ",".join(paths) + ("," if len(paths) == 1 else "")


# checkov reads options from variables with these prefixes (CKV_SKIP_CHECK, BC_API_KEY, ...):
# none of the caller's may change what tfgen decides; tfgen sets the ones it needs.
CHECKOV_VARIABLE_PREFIXES = ("CKV_", "BC_", "CHECKOV_", "PRISMA_")


def checkov_env(home: Path | None = None) -> dict[str, str]:
    """checkov's environment: the caller's without checkov's own variables, plus tfgen's.

    `home` replaces HOME, so a `~/.checkov.yaml` is not read either.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(CHECKOV_VARIABLE_PREFIXES)}
    env.update(OFFLINE_ENV)
    if home is not None:
        env["HOME"] = str(home)
    return env


def read_scanned(scanned: list[tuple[str, Path]]) -> dict[str, bytes]:
    """The bytes of every scanned file, read once: the cache key and checkov see the same."""
    files: dict[str, bytes] = {}
    for rel, path in scanned:
        try:
            files[rel] = path.read_bytes()
        except OSError as err:
            raise ToolError(f"cannot read {path} to scan it: {err.strerror or err}") from None
    return files


def stage(files: dict[str, bytes], into: Path) -> None:
    """Write the scanned files under `into`, keeping their relative paths.

    checkov reads a `.checkov.yaml` from the scanned folder, the working folder and HOME; the
    staged copy holds only Terraform files, so no configuration comes with it, and what
    checkov reads is exactly what the cache key hashed.
    """
    for rel, data in files.items():
        target = into / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def run_checkov(executable: Path, files: dict[str, bytes], run: CheckovRun) -> tuple[dict[str, str], Path]:
    """Run checkov once on a staged copy of `files`; its json, sarif and junitxml reports.

    Returns the reports and the staged root the report paths are relative to (gone by then:
    use it only to make paths relative).
    """
    with tempfile.TemporaryDirectory(prefix="tfgen-scan-") as tmp:
        work, out_dir, home = Path(tmp) / "tree", Path(tmp) / "out", Path(tmp) / "home"
        for folder in (work, out_dir, home):
            folder.mkdir()
        stage(files, work)
        cmd = checkov_command(executable, work, run, out_dir)
        env = checkov_env(home)
        reports = _run_warm(executable, cmd, work, env, Path(tmp), run, out_dir)
        if reports is not None:
            return reports, work
        try:
            proc = subprocess.run(
                cmd,
                cwd=work,
                env=env,
                capture_output=True,
                text=True,
                timeout=CHECKOV_TIMEOUT_S,
                check=False,
            )
        except OSError as err:
            raise ToolError(f"could not run {executable}: {err}. {INSTALL_HINT}") from None
        except subprocess.TimeoutExpired:
            raise ToolError(f"checkov did not finish within {CHECKOV_TIMEOUT_S}s") from None
        reports = _read_reports(out_dir)
    if proc.returncode != 0 or "json" not in reports:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        detail = "; ".join(line.strip() for line in tail) or "no output"
        raise ToolError(f"checkov failed (exit {proc.returncode}): {detail}")
    return reports, work


def _read_reports(out_dir: Path) -> dict[str, str]:
    return {
        fmt: (out_dir / name).read_text()
        for fmt, name in _CHECKOV_OUTPUTS.items()
        if (out_dir / name).is_file()
    }


def _run_warm(
    executable: Path,
    cmd: list[str],
    work: Path,
    env: dict[str, str],
    tmp: Path,
    run: CheckovRun,
    out_dir: Path,
) -> dict[str, str] | None:
    """The reports of `cmd` run by the warm checkov (tfgen.scan.server), or None: then the
    caller runs it cold. A warm run that fails is run again cold, so an error the user sees
    is always checkov's own."""
    from . import server

    if not server.enabled():
        return None
    logs = tmp / "logs"
    logs.mkdir(exist_ok=True)
    parse = [p for p in sorted(work.rglob("*")) if p.suffix in (".tf", ".tfvars", ".hcl") and p.is_file()]
    try:
        rc, _, stderr = server.run_warm(
            executable,
            checkov_fingerprint(executable),
            cmd[1:],
            cwd=work,
            env=env,
            logs=logs,
            policies=run.policies,
            parse=parse,
            timeout=CHECKOV_TIMEOUT_S,
        )
    except server.ServerUnavailable as why:
        server.note(f"cold checkov run: {why}")
        return None
    reports = _read_reports(out_dir)
    if rc == 0 and "json" in reports:
        server.note("scanned by the warm checkov")
        return reports
    tail = "; ".join(line.strip() for line in stderr.strip().splitlines()[-3:]) or "no output"
    server.note(f"the warm checkov failed (exit {rc}: {tail}): running it cold")
    for name in _CHECKOV_OUTPUTS.values():
        (out_dir / name).unlink(missing_ok=True)
    return None


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
