"""Scan speed, in one run: raw `checkov -d` vs a cold `tfgen scan` vs a cached re-scan.

Scans the repository's modules/ + envs/ when they hold Terraform, else a policy fixture
folder. Prints the three timings and two ratios: overhead (cold tfgen / raw checkov) and
speed-up (raw checkov / cached re-scan, target >= 20x).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "generator"))

from tfgen import scan as scan_mod  # noqa: E402

CACHED_RUNS = 5


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


def main() -> int:
    checkov = scan_mod.find_checkov(None)
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
        ]
        if policies is not None:
            raw_cmd += ["--external-checks-dir", str(policies)]

        def raw() -> None:
            subprocess.run(raw_cmd, env=scan_mod.checkov_env(), capture_output=True, check=True)

        raw_s = timed(raw)
        cold_s = timed(lambda: scan_mod.scan(target, checkov=checkov))  # empty cache: runs checkov
        cached = [timed(lambda: scan_mod.scan(target, checkov=checkov)) for _ in range(CACHED_RUNS)]
        tfgen_cli = [sys.executable, "-m", "tfgen.cli", "scan", str(target), "--checkov", str(checkov)]
        cli_s = timed(lambda: subprocess.run(tfgen_cli, capture_output=True, check=False))
        result = scan_mod.scan(target, checkov=checkov)
        assert result.from_cache, "the re-scan should have come from the cache"
        cached_s = statistics.median(cached)

    print(f"target: {label} ({result.passed} passed, {len(result.failed)} failed checks)")
    print(f"raw checkov -d         {raw_s * 1000:9.1f} ms")
    print(f"tfgen scan (cold)      {cold_s * 1000:9.1f} ms   overhead x{cold_s / raw_s:.2f}")
    print(
        f"tfgen scan (cached)    {cached_s * 1000:9.1f} ms   "
        f"x{raw_s / cached_s:.0f} faster than raw (median of {CACHED_RUNS}; target >= 20x)"
    )
    print(f"tfgen scan CLI (cached) {cli_s * 1000:8.1f} ms   whole process, interpreter start-up included")
    return 0 if raw_s / cached_s >= 20 else 1


if __name__ == "__main__":
    sys.exit(main())
