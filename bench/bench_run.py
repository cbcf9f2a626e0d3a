"""Timing of `tfgen plan` on the null-provider fixture (tests/fixtures/run/project).

1. tfgen plan (init skipped) against raw `terraform plan -out` on the same env:
   target at most 1.3x, or at most 0.3 s added.
2. a second tfgen plan (init skipped) against the first (init ran).
3. tfgen plan --all over three envs against three tfgen plans one after another:
   target at least 1.7x faster.
4. the reference project's prod root (about 140 resources) through the provider twin
   (tools/twin): tfgen plan against raw `terraform plan -out` on the same root; target: tfgen
   adds under 10 %.
Each figure is the median of several runs, each in a fresh tfgen process.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "run" / "project"
NULL = "terraform-provider-null_v2.1.2_x4"
TFGEN = [sys.executable, "-c", "from tfgen.cli import main; main()"]
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def mirror(tmp: Path) -> Path:
    configured = os.environ.get("TFGEN_PLUGIN_MIRROR")
    if configured and Path(configured).is_dir():
        return Path(configured)
    binary = next(Path(sys.prefix).rglob(NULL))
    target = tmp / "mirror/registry.terraform.io/hashicorp/null/2.1.2/linux_amd64"
    target.mkdir(parents=True)
    shutil.copy2(binary, target / NULL)
    return tmp / "mirror"


def timed(argv: list[str], cwd: Path | None = None, ok: tuple[int, ...] = (0, 2)) -> float:
    started = time.perf_counter()
    code = subprocess.run(argv, cwd=cwd, capture_output=True).returncode
    elapsed = time.perf_counter() - started
    if code not in ok:
        raise SystemExit(f"{argv} exited {code}")
    return elapsed


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        os.environ["TFGEN_PLUGIN_MIRROR"] = str(mirror(tmp))
        os.environ["CHECKPOINT_DISABLE"] = "1"
        from tfgen.terraform import find_terraform, terraform_env

        terraform = find_terraform()
        env, _ = terraform_env(Path(os.environ["TFGEN_PLUGIN_MIRROR"]))
        os.environ.update(env)
        project = tmp / "project"

        first, second, raw, raw_show = [], [], [], []
        for _ in range(RUNS):
            shutil.rmtree(project, ignore_errors=True)
            shutil.copytree(FIXTURE, project)
            plan = [*TFGEN, "plan", "--env", "dev", "--project", str(project)]
            first.append(timed(plan))
            second.append(timed(plan))
            raw.append(
                timed(
                    [
                        terraform,
                        f"-chdir={project}/envs/dev",
                        "plan",
                        "-input=false",
                        "-out=raw.tfplan",
                        "-detailed-exitcode",
                    ]
                )
            )
            show = [terraform, f"-chdir={project}/envs/dev", "show", "-json", "raw.tfplan"]
            raw_show.append(raw[-1] + timed(show))
        t_first, t_second, t_raw = median(first), median(second), median(raw)

        seq, par = [], []
        for _ in range(RUNS):
            envs = ("dev", "staging", "prod")
            seq.append(sum(timed([*TFGEN, "plan", "--env", e, "--project", str(project)]) for e in envs))
            par.append(timed([*TFGEN, "plan", "--all", "--project", str(project)]))
        t_seq, t_par = median(seq), median(par)

    ratio = t_second / t_raw
    added = t_second - t_raw
    ok1 = ratio <= 1.3 or added <= 0.3
    print(f"terraform: {terraform}; {RUNS} runs each, medians")
    print(f"raw terraform plan            {t_raw:6.2f} s")
    print(f"raw plan + show -json         {median(raw_show):6.2f} s  (what the summary needs)")
    print(
        f"tfgen plan (init skipped)     {t_second:6.2f} s  = {ratio:.2f}x, +{added:.2f} s  "
        f"target <=1.3x or <=+0.3 s: {'PASS' if ok1 else 'FAIL'}"
    )
    print(
        f"tfgen plan (first, init ran)  {t_first:6.2f} s  second/first = "
        f"{t_second / t_first:.2f} ({t_first - t_second:.2f} s saved by skipping init)"
    )
    speedup = t_seq / t_par
    print(f"3 envs one after another      {t_seq:6.2f} s")
    print(
        f"tfgen plan --all (3 envs)     {t_par:6.2f} s  = {speedup:.2f}x faster  "
        f"target >=1.7x: {'PASS' if speedup >= 1.7 else 'FAIL'} ({os.cpu_count()} cores)"
    )


TWIN = "registry.terraform.io/hashicorp/aws/6.69.1/linux_amd64/terraform-provider-aws_v6.69.1_x5"


def reference_prod() -> None:
    """tfgen plan vs raw terraform plan -out on the reference prod root, through the twin."""
    mirror_dir = Path(os.environ.get("TFGEN_PLUGIN_MIRROR") or REPO / ".tools/provider-mirror")
    if not (mirror_dir / TWIN).is_file():
        raise SystemExit(f"the provider twin is not in {mirror_dir}: run `make setup`")
    from tfgen.terraform import find_terraform, terraform_env

    terraform = find_terraform()
    with tempfile.TemporaryDirectory() as tmp_name:
        project = Path(tmp_name) / "ref"
        subprocess.run(
            [*TFGEN, "init", str(REPO / "examples/app.yaml"), "--out", str(project)],
            check=True,
            capture_output=True,
        )
        prod = project / "envs" / "prod"
        (prod / "backend_override.tf").write_text('terraform {\n  backend "local" {}\n}\n')
        env = {**os.environ, "TFGEN_PLUGIN_MIRROR": str(mirror_dir), "CHECKPOINT_DISABLE": "1"}
        os.environ.update(env)
        os.environ.update(terraform_env(mirror_dir)[0])
        plan = [*TFGEN, "plan", "--env", "prod", "--project", str(project)]
        timed(plan)  # init once
        raw_cmd = [terraform, f"-chdir={prod}", "plan", "-input=false", "-out=raw.tfplan"]
        tfgen_t, raw_t = [], []
        for _ in range(RUNS):
            raw_t.append(timed(raw_cmd, ok=(0,)))
            tfgen_t.append(timed(plan))
    t_tfgen, t_raw = median(tfgen_t), median(raw_t)
    overhead = t_tfgen / t_raw - 1
    print(f"reference prod through the twin ({RUNS} runs, medians):")
    print(f"raw terraform plan -out       {t_raw:6.2f} s")
    print(
        f"tfgen plan --env prod         {t_tfgen:6.2f} s  = {overhead * 100:+.1f} %  "
        f"target < 10 %: {'PASS' if overhead < 0.10 else 'FAIL'}"
    )


if __name__ == "__main__":
    main()
    reference_prod()
