"""Start-up and render speed of tfgen, each command timed against `python -c pass` in the same run.

Targets on the project's machines: `tfgen --help` under 0.3 s, `tfgen init` of the reference
spec under 0.6 s, cost linear in the number of environments.
Usage: .venv/bin/python bench/bench_init.py [--repeat N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TFGEN = Path(sys.executable).parent / "tfgen"


def best_of(cmd: list[str], repeat: int, setup=None) -> float:
    times = []
    for _ in range(repeat):
        if setup:
            setup()
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return min(times)


def large_spec(folder: Path, environments: int) -> Path:
    """The reference spec with N environments, alternating profiles."""
    text = (REPO / "examples" / "app.yaml").read_text()
    head = text[: text.index("environments:")]
    envs = "".join(
        f"  env{i}:\n    profile: {'high-power' if i % 2 else 'low-power'}\n" for i in range(environments)
    )
    shutil.copy(REPO / "examples" / "user-data.sh", folder / "user-data.sh")
    path = folder / f"app{environments}.yaml"
    path.write_text(head + "environments:\n" + envs)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tfgen-bench-"))
    out = work / "out"

    def fresh() -> None:
        shutil.rmtree(out, ignore_errors=True)

    baseline = best_of([sys.executable, "-c", "pass"], args.repeat)
    rows = [("python -c pass", baseline, None)]
    help_time = best_of([str(TFGEN), "--help"], args.repeat)
    rows.append(("tfgen --help", help_time, 0.3))
    ref = best_of(
        [str(TFGEN), "init", str(REPO / "examples/app.yaml"), "--out", str(out)], args.repeat, fresh
    )
    rows.append(("tfgen init reference (3 envs)", ref, 0.6))
    per_env = {}
    for n in (1, 5, 10, 20):
        spec = large_spec(work, n)
        per_env[n] = best_of([str(TFGEN), "init", str(spec), "--out", str(out)], args.repeat, fresh)
        rows.append((f"tfgen init, {n} environments", per_env[n], None))

    print(f"{'command':38} {'best s':>8} {'x python':>9} {'target':>8}")
    for name, seconds, target in rows:
        verdict = "" if target is None else ("ok" if seconds < target else "MISSED")
        target_text = "" if target is None else f"<{target}s {verdict}"
        print(f"{name:38} {seconds:8.3f} {seconds / baseline:9.1f} {target_text:>8}")
    slopes = [(per_env[b] - per_env[a]) / (b - a) for a, b in ((1, 5), (5, 10), (10, 20))]
    print(
        "cost per environment (1->5, 5->10, 10->20): "
        + ", ".join(f"{s * 1000:.1f} ms" for s in slopes)
        + f"; spread {max(slopes) / max(min(slopes), 1e-9):.2f}x (linear when close to 1)"
    )
    print(f"median slope {statistics.median(slopes) * 1000:.1f} ms/env")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
