"""Speed of `tfgen cost` and `tfgen diagram` as whole processes, against `tfgen --help` in the same run.

Target on the project's machines: `tfgen cost --all` and `tfgen diagram` of the reference spec
each under 0.5 s (best of N). The ratio to `tfgen --help` (start-up alone) shows what the
commands add, and stays meaningful on a loaded machine where absolute times drift.
Usage: .venv/bin/python bench/bench_insight.py [--repeat N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TFGEN = Path(sys.executable).parent / "tfgen"
SPEC = str(REPO / "examples" / "app.yaml")


def best_of(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    runs = [
        ("tfgen --help", [str(TFGEN), "--help"], None),
        ("tfgen cost --all", [str(TFGEN), "cost", SPEC, "--all"], 0.5),
        (
            "tfgen cost --compare (3 envs x 2)",
            [str(TFGEN), "cost", SPEC, "--compare", "low-power", "high-power"],
            None,
        ),
        ("tfgen diagram (mermaid)", [str(TFGEN), "diagram", SPEC], 0.5),
        ("tfgen diagram --format dot", [str(TFGEN), "diagram", SPEC, "--format", "dot"], None),
    ]
    results = [(name, best_of(cmd, args.repeat), target) for name, cmd, target in runs]
    baseline = results[0][1]
    print(f"{'command (best of ' + str(args.repeat) + ')':38} {'best s':>8} {'x --help':>9} {'target':>10}")
    for name, seconds, target in results:
        verdict = "" if target is None else ("ok" if seconds < target else "MISSED")
        target_text = "" if target is None else f"<{target}s {verdict}"
        print(f"{name:38} {seconds:8.3f} {seconds / baseline:9.2f} {target_text:>10}")


if __name__ == "__main__":
    main()
