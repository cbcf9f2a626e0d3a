"""Timing of the offline provider twin (tools/twin).

1. start-up: launcher exec to go-plugin handshake line on stdout, best of N (target < 0.3 s);
2. the reference project (`tfgen init examples/app.yaml`), each environment with a local backend
   override: terraform validate, plan -out, apply of that plan (seconds, one run each; init is
   not counted).
BENCH_RUNS sets N (default 10).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MIRROR = Path(os.environ.get("TFGEN_PLUGIN_MIRROR") or REPO / ".tools" / "provider-mirror")
AWS = MIRROR / "registry.terraform.io/hashicorp/aws/6.69.1/linux_amd64/terraform-provider-aws_v6.69.1_x5"
RANDOM = (
    MIRROR
    / "registry.terraform.io/hashicorp/random/3.9.1/linux_amd64"
    / "terraform-provider-random_v3.9.1_x5"
)
COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
RUNS = int(os.environ.get("BENCH_RUNS", "10"))


def start_up(binary: Path) -> list[float]:
    """Seconds from exec to the handshake line, RUNS times."""
    env = dict(
        os.environ, TF_PLUGIN_MAGIC_COOKIE=COOKIE, PLUGIN_CLIENT_CERT="unused", PLUGIN_PROTOCOL_VERSIONS="5,6"
    )
    out = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        proc = subprocess.Popen([str(binary)], stdout=subprocess.PIPE, env=env)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        out.append(time.perf_counter() - t0)
        proc.kill()
        proc.wait()
        if not line.startswith(b"1|6|tcp|"):
            raise SystemExit(f"{binary}: no handshake ({line!r})")
    return out


def terraform(cwd: Path, *args: str) -> float:
    """Seconds one terraform command takes (exit 0 required)."""
    env = dict(os.environ, CHECKPOINT_DISABLE="1", TF_CLI_CONFIG_FILE=os.devnull, TF_INPUT="0")
    t0 = time.perf_counter()
    proc = subprocess.run(
        ["terraform", args[0], "-no-color", *args[1:]], cwd=cwd, env=env, capture_output=True, text=True
    )
    took = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"terraform {' '.join(args)} in {cwd}: {proc.stderr[-3000:]}")
    return took


def main() -> None:
    for name, binary in (("aws", AWS), ("random", RANDOM)):
        if not os.access(binary, os.X_OK):
            raise SystemExit(f"{binary} missing: run `make setup`")
        times = start_up(binary)
        print(
            f"twin start-up {name:6s}: best {min(times):.3f} s, median "
            f"{sorted(times)[len(times) // 2]:.3f} s over {len(times)} (target < 0.3 s)"
        )
    with tempfile.TemporaryDirectory(prefix="bench-twin-") as tmp:
        out = Path(tmp) / "ref"
        subprocess.run(
            [
                str(Path(sys.executable).parent / "tfgen"),
                "init",
                str(REPO / "examples" / "app.yaml"),
                "--out",
                str(out),
            ],
            check=True,
            capture_output=True,
        )
        print(f"{'env':8s} {'resources':>9s} {'validate':>9s} {'plan':>7s} {'apply':>7s}")
        for env_dir in sorted(p for p in (out / "envs").iterdir() if p.is_dir()):
            (env_dir / "backend_override.tf").write_text('terraform {\n  backend "local" {}\n}\n')
            terraform(env_dir, "init", "-input=false", f"-plugin-dir={MIRROR}")
            v = terraform(env_dir, "validate")
            p = terraform(env_dir, "plan", "-out=tfplan")
            shown = subprocess.run(
                ["terraform", "show", "-no-color", "tfplan"],
                cwd=env_dir,
                capture_output=True,
                text=True,
                env=dict(os.environ, CHECKPOINT_DISABLE="1", TF_CLI_CONFIG_FILE=os.devnull),
            ).stdout
            m = re.search(r"Plan: (\d+) to add", shown)
            a = terraform(env_dir, "apply", "tfplan")
            print(f"{env_dir.name:8s} {m.group(1) if m else '?':>9s} {v:8.2f}s {p:6.2f}s {a:6.2f}s")
            terraform(env_dir, "destroy", "-auto-approve")


if __name__ == "__main__":
    main()
