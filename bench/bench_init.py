"""Start-up and render speed of tfgen, each figure against `tfgen --help` in the same run.

Issue 17's targets: `tfgen init` of the reference spec at most 2x `tfgen --help`, both whole
processes, and at most 10 ms per added environment. `tfgen init` normally goes through the warm
server (tfgen.warm): the first command of a session starts it and runs in-process (the "cold"
rows, TFGEN_WARM=0), later ones are answered by it (the "warm" rows). Rows:
- a first render into an empty folder, and a re-render after a spec edit (the edit-render loop:
  the spec alternates between two versions, the project folder is kept);
- the reference spec with 1, 5, 10 and 20 environments, for the cost per environment.
The bench uses its own cache folder (a fresh bytecode cache and server) and stops its server.
Usage: .venv/bin/python bench/bench_init.py [--repeat N]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TFGEN = Path(sys.executable).parent / "tfgen"
RATIO_TARGET = 2.0
PER_ENV_TARGET_MS = 10.0


def best_of(cmd: list[str], repeat: int, env: dict[str, str], setup=None) -> float:
    times = []
    for _ in range(repeat):
        if setup:
            setup()
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
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


def start_server(env: dict[str, str], cache: Path) -> None:
    subprocess.run(
        [str(TFGEN), "validate", str(REPO / "examples/app.yaml")],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not list((cache / "warm").glob("*.sock")):
        if time.monotonic() > deadline:
            sys.exit("the warm server did not start")
        time.sleep(0.05)


def stop_server(cache: Path) -> None:
    for lock in (cache / "warm").glob("*.lock"):
        pid = lock.read_text().split("\n")[0]
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGTERM)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tfgen-bench-", dir="/tmp"))
    cache = work / "c"
    warm_env = {**os.environ, "TFGEN_CACHE_DIR": str(cache), "TFGEN_WARM": "1"}
    cold_env = {**warm_env, "TFGEN_WARM": "0"}
    out = work / "out"

    def fresh() -> None:
        shutil.rmtree(out, ignore_errors=True)

    spec_dir = work / "spec"
    spec_dir.mkdir()
    edited = spec_dir / "app.yaml"
    shutil.copy(REPO / "examples" / "user-data.sh", spec_dir)
    versions = [(REPO / "examples" / "app.yaml").read_text()]
    versions.append(versions[0].replace("max_size: 12", "max_size: 10", 1))
    assert versions[0] != versions[1], "the bench's spec edit no longer applies to examples/app.yaml"
    turn = [0]

    def edit() -> None:
        turn[0] += 1
        edited.write_text(versions[turn[0] % 2])

    try:
        start_server(warm_env, cache)
        baseline = best_of([sys.executable, "-c", "pass"], args.repeat, cold_env)
        help_time = best_of([str(TFGEN), "--help"], args.repeat, cold_env)
        rows: list[tuple[str, float, bool | None]] = [
            ("python -c pass", baseline, None),
            ("tfgen --help", help_time, None),
        ]
        for mode, env in (("warm", warm_env), ("cold", cold_env)):
            first = best_of(
                [str(TFGEN), "init", str(REPO / "examples/app.yaml"), "--out", str(out)],
                args.repeat,
                env,
                fresh,
            )
            rows.append((f"init reference, first render ({mode})", first, mode == "warm"))
            edit()
            subprocess.run(
                [str(TFGEN), "init", str(edited), "--out", str(out), "--force"],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            again = best_of([str(TFGEN), "init", str(edited), "--out", str(out)], args.repeat, env, edit)
            rows.append((f"init reference, after a spec edit ({mode})", again, mode == "warm"))
        slopes: dict[str, list[float]] = {}
        for mode, env in (("warm", warm_env), ("cold", cold_env)):
            per_env = {}
            for n in (1, 5, 10, 20):
                spec = large_spec(work, n)
                per_env[n] = best_of(
                    [str(TFGEN), "init", str(spec), "--out", str(out)], args.repeat, env, fresh
                )
                rows.append((f"init, {n} environments ({mode})", per_env[n], None))
            slopes[mode] = [(per_env[b] - per_env[a]) / (b - a) for a, b in ((1, 5), (5, 10), (10, 20))]
    finally:
        stop_server(cache)
        shutil.rmtree(work, ignore_errors=True)

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; best of {args.repeat}")
    print(f"{'command':44} {'best s':>8} {'x --help':>9}  target")
    missed = False
    for name, seconds, judged in rows:
        ratio = seconds / help_time
        verdict = ""
        if judged:
            verdict = f"<= {RATIO_TARGET:.1f}x " + ("ok" if ratio <= RATIO_TARGET else "MISSED")
            missed |= ratio > RATIO_TARGET
        print(f"{name:44} {seconds:8.3f} {ratio:9.2f}  {verdict}")
    for mode, values in slopes.items():
        median = statistics.median(values) * 1000
        verdict = ""
        if mode == "warm":
            verdict = f"  target <= {PER_ENV_TARGET_MS:.0f} ms " + (
                "ok" if median <= PER_ENV_TARGET_MS else "MISSED"
            )
            missed |= median > PER_ENV_TARGET_MS
        print(
            f"cost per environment ({mode}; 1->5, 5->10, 10->20): "
            + ", ".join(f"{s * 1000:.1f} ms" for s in values)
            + f"; median {median:.1f} ms{verdict}"
        )
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
