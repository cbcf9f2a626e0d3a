"""Scan speed, in one run: raw `checkov -d` vs a cold `tfgen scan` vs a cached re-scan, then
the engines: trivy alone, checkov alone and `--engine all` (both side by side), then the
pre-commit loop: `tfgen scan` (the hook's command, a whole process) after a one-file edit
under envs/ and under modules/, with the warm checkov (and, for `--engine all`, the spare trivy
the previous scan left), against raw cold checkov (target
<= 0.3x) and, for `--engine all`, also against raw cold checkov + raw cold trivy.

Scans the repository's modules/ + envs/ (the reference project) when they hold Terraform, else
a policy fixture folder. Prints the timings and the ratios: overhead (cold tfgen / raw
checkov), speed-up (raw checkov / cached re-scan, target >= 20x), and per engine (median of
ROUNDS interleaved cold scans, wall and the children's CPU) trivy / checkov and all / checkov
(target <= 1.10x: trivy's processes run on the other core while checkov runs). The machine's
load average is printed with them: on a busy machine there is no free core, and `all` then
costs about checkov's CPU plus trivy's.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "generator"))

from tfgen import scan as scan_mod  # noqa: E402

CACHED_RUNS = 5
ROUNDS = 3
ALL_TARGET = 1.10
EDIT_TARGET = 0.30
EDIT_ROUNDS = 3
# The one-file edits of the pre-commit loop, a different one each round (no cache hit).
EDITS = {"envs/dev": "envs/dev/main.tf", "modules/rds": "modules/rds/main.tf"}


def pick_target(workdir: Path) -> tuple[Path, str]:
    """A copy of modules/+envs/ if they hold Terraform, else of a fixture folder."""
    dirs = [REPO / d for d in scan_mod.PROJECT_DIRS]
    if any(any(d.rglob("*.tf")) for d in dirs if d.is_dir()):
        for d in dirs:
            if d.is_dir():
                shutil.copytree(d, workdir / d.name, ignore=shutil.ignore_patterns(".*"))
        return workdir, "modules+envs"
    fixture = REPO / "tests" / "fixtures" / "policies" / "TFGEN_AWS_003"
    shutil.copytree(fixture, workdir / "tf")
    return workdir / "tf", f"fixture {fixture.relative_to(REPO)}"


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def engines(target: Path, checkov: Path, trivy: Path) -> dict[str, tuple[float, float]]:
    """engine -> (median wall s, median children CPU s) of ROUNDS interleaved cold scans."""
    runs: dict[str, list[tuple[float, float]]] = {"trivy": [], "checkov": [], "all": []}
    for _ in range(ROUNDS):
        for engine in runs:
            cpu = children_cpu()
            start = time.perf_counter()
            scan_mod.scan(target, checkov=checkov, trivy=trivy, engine=engine, use_cache=False)
            runs[engine].append((time.perf_counter() - start, children_cpu() - cpu))
    return {
        engine: (statistics.median(w for w, _ in r), statistics.median(c for _, c in r))
        for engine, r in runs.items()
    }


def edit(target: Path, rel: str, n: int) -> None:
    """A one-file edit checkov reads: a new local value, another one each round."""
    path = target / rel
    path.write_text(path.read_text() + f'\nlocals {{\n  bench_edit_{n} = "{n}"\n}}\n')


def raw_trivy_cmd(trivy: Path, target: Path, cache: Path) -> list[str]:
    return [
        str(trivy),
        "config",
        "--cache-dir",
        str(cache),
        "--skip-check-update",
        "--disable-telemetry",
        "--skip-version-check",
        "--misconfig-scanners",
        "terraform",
        "--format",
        "json",
        str(target),
    ]


def edits(
    target: Path, checkov: Path, trivy: Path, cache: Path, raw: Callable[[], None]
) -> tuple[dict[tuple[str, str], float], float]:
    """(edit, engine) -> median wall s of `tfgen scan` (whole process, warm checkov) after it,
    and the median of raw cold checkov runs interleaved with them (one per round: the same
    load for both)."""
    env = {**os.environ, "TFGEN_SCAN_SERVER": "1", "TFGEN_CACHE_DIR": str(cache)}
    cli = [
        sys.executable,
        "-m",
        "tfgen",
        "scan",
        str(target),
        "--checkov",
        str(checkov),
        "--trivy",
        str(trivy),
    ]
    # the hook's first run (the tree is in the scan cache by now: --no-cache, so it scans):
    # starts the warm checkov and leaves a spare trivy for `all`
    subprocess.run([*cli, "--engine", "all", "--no-cache"], env=env, capture_output=True, check=False)
    times: dict[tuple[str, str], list[float]] = {}
    raws: list[float] = []
    n = 0
    try:
        for _ in range(EDIT_ROUNDS):
            raws.append(timed(raw))
            for where, rel in EDITS.items():
                for engine in ("checkov", "all"):
                    n += 1
                    edit(target, rel, n)
                    start = time.perf_counter()
                    proc = subprocess.run(
                        [*cli, "--engine", engine, "-v"], env=env, capture_output=True, text=True
                    )
                    times.setdefault((where, engine), []).append(time.perf_counter() - start)
                    assert proc.returncode == 0, proc.stdout + proc.stderr
                    assert "(from cache)" not in proc.stdout, "an edit must not come from the cache"
                    assert "scanned by the warm checkov" in proc.stderr, proc.stderr
                    if engine == "all":
                        assert "scanned by a spare trivy" in proc.stderr, proc.stderr
    finally:
        subprocess.run([*cli, "--stop-server"], env=env, capture_output=True, check=False)
    return {key: statistics.median(values) for key, values in times.items()}, statistics.median(raws)


def main() -> int:
    os.environ["TFGEN_SCAN_SERVER"] = "0"  # the cold figures are cold; edits() turns it on
    checkov = scan_mod.find_checkov(None)
    trivy = scan_mod.find_trivy(None)
    policies = scan_mod.repo_policies_dir()
    with tempfile.TemporaryDirectory(prefix="tfgen-bench-") as tmp:
        target, label = pick_target(Path(tmp))
        raw_cmd = [
            str(checkov),
            "-d",
            str(target),
            "--framework",
            "terraform",
            "--skip-download",
            "--soft-fail",
            "-o",
            "json",
            # its report to a file only (the list form; a folder would also print it on stdout):
            # the fastest raw run, as tfgen's own runs write theirs, so the baseline is not
            # slowed by printing ~2 MB a tfgen scan does not print
            "--output-file-path",
            f"{tmp}/raw-checkov.json,",
        ]
        if policies is not None:
            raw_cmd += ["--external-checks-dir", str(policies)]

        def raw() -> None:
            subprocess.run(raw_cmd, env=scan_mod.checkov_env(), capture_output=True, check=True)

        raw_s = timed(raw)
        cold_s = timed(lambda: scan_mod.scan(target, checkov=checkov))  # empty cache: runs checkov
        cached = [timed(lambda: scan_mod.scan(target, checkov=checkov)) for _ in range(CACHED_RUNS)]
        tfgen_cli = [sys.executable, "-m", "tfgen", "scan", str(target), "--checkov", str(checkov)]
        cli_s = timed(lambda: subprocess.run(tfgen_cli, capture_output=True, check=False))
        result = scan_mod.scan(target, checkov=checkov)
        assert result.from_cache, "the re-scan should have come from the cache"
        cached_s = statistics.median(cached)
        load_before = os.getloadavg()[0]
        per_engine = engines(target, checkov, trivy)
        load_after = os.getloadavg()[0]
        # the pre-commit loop, with raw cold checkov runs interleaved (the same load)
        trivy_cache = Path(tmp) / "trivy-cache"
        raw_trivy_s = timed(
            lambda: subprocess.run(
                raw_trivy_cmd(trivy, target, trivy_cache), env=os.environ, capture_output=True, check=True
            )
        )
        edit_load_before = os.getloadavg()[0]
        per_edit, baseline = edits(target, checkov, trivy, Path(tmp) / "c", raw)
        edit_load_after = os.getloadavg()[0]

    print(f"target: {label} ({result.passed} passed, {len(result.failed)} failed checks)")
    print(f"raw checkov -d         {raw_s * 1000:9.1f} ms")
    print(f"tfgen scan (cold)      {cold_s * 1000:9.1f} ms   overhead x{cold_s / raw_s:.2f}")
    print(
        f"tfgen scan (cached)    {cached_s * 1000:9.1f} ms   "
        f"x{raw_s / cached_s:.0f} faster than raw (median of {CACHED_RUNS}; target >= 20x)"
    )
    print(f"tfgen scan CLI (cached) {cli_s * 1000:8.1f} ms   whole process, interpreter start-up included")
    checkov_wall, checkov_cpu = per_engine["checkov"]
    print(
        f"engines, cold, median of {ROUNDS} interleaved rounds "
        f"(load average {load_before:.1f} -> {load_after:.1f} on {os.cpu_count()} cores):"
    )
    for engine, label in (("trivy", "trivy alone"), ("checkov", "checkov alone"), ("all", "--engine all")):
        wall, cpu = per_engine[engine]
        print(
            f"  {label:<14} {wall * 1000:9.1f} ms wall  x{wall / checkov_wall:.2f}   "
            f"{cpu * 1000:9.1f} ms CPU  x{cpu / checkov_cpu:.2f}"
        )
    all_ratio = per_engine["all"][0] / checkov_wall
    print(f"  --engine all / checkov alone: x{all_ratio:.2f} wall (target <= x{ALL_TARGET:.2f})")
    print(
        f"one-file edit, then `tfgen scan` (whole process, warm checkov), median of {EDIT_ROUNDS} "
        f"(load average {edit_load_before:.1f} -> {edit_load_after:.1f}):"
    )
    print(
        f"  baselines: raw cold checkov {baseline * 1000:.1f} ms (median of {EDIT_ROUNDS}, one per round), "
        f"raw cold trivy {raw_trivy_s * 1000:.1f} ms"
    )
    met = True
    for (where, engine), wall in sorted(per_edit.items()):
        ratio = wall / baseline
        met = met and ratio <= EDIT_TARGET
        extra = ""
        if engine == "all":
            extra = f"   x{wall / (baseline + raw_trivy_s):.2f} of raw checkov + raw trivy"
        print(
            f"  edit {where:<12} --engine {engine:<8} {wall * 1000:9.1f} ms   "
            f"x{ratio:.2f} of raw checkov (target <= x{EDIT_TARGET:.2f}){extra}"
        )
    ok = raw_s / cached_s >= 20 and all_ratio <= ALL_TARGET and met
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
