"""The shared provider cache: bytes on disk and init time of the 2nd and later environments.

N environment roots that each need the same provider are initialised one after the other
through tfgen's own adapter (tfgen.terraform.Terraform, as `tfgen plan` does), from a packed
offline mirror (zip archives, which terraform extracts like a registry download; an unpacked
mirror is only symlinked into each root and costs nothing either way), twice: with the cache
off (TFGEN_PLUGIN_CACHE=0: each root gets its own copy, tfgen's behaviour before) and on (a
fresh TF_PLUGIN_CACHE_DIR under the user cache folder). The later roots get the first one's lock
file, as a project commits them. Printed: the bytes under every root's .terraform/ plus the
cache's, and the init times of environments 2..N. The provider here is the real null provider
binary (about 20 MB); the AWS provider is several hundred MB, and each environment saves its
whole size the same way.

Usage: .venv/bin/python bench/bench_plugin_cache.py [--envs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "generator"))

MAIN_TF = """
terraform {
  required_providers {
    null = { source = "hashicorp/null", version = "2.1.2" }
  }
}

resource "null_resource" "x" {}
"""


def disk_bytes(folder: Path) -> int:
    """Bytes of regular files under `folder`, not following symbolic links (what a copy costs)."""
    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            path = Path(root) / name
            if not path.is_symlink():
                total += path.lstat().st_size
    return total


def packed_mirror(unpacked: Path, base: Path) -> Path:
    """The null provider as a packed mirror (a zip, like a registry download): terraform
    extracts it into each root, where an unpacked mirror would only be linked to."""
    import zipfile

    source = next((unpacked / "registry.terraform.io/hashicorp/null/2.1.2/linux_amd64").iterdir())
    target = base / "packed" / "registry.terraform.io" / "hashicorp" / "null"
    target.mkdir(parents=True)
    with zipfile.ZipFile(target / "terraform-provider-null_2.1.2_linux_amd64.zip", "w") as archive:
        info = zipfile.ZipInfo(source.name)
        info.external_attr = 0o755 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, source.read_bytes())
    return base / "packed"


def run(envs: int, cached: bool, base: Path, mirror: Path) -> tuple[int, int, list[float]]:
    from tfgen.terraform import Terraform

    os.environ["TFGEN_CACHE_DIR"] = str(base / "user-cache")
    os.environ["TFGEN_PLUGIN_CACHE"] = "1" if cached else "0"
    os.environ.pop("TF_PLUGIN_CACHE_DIR", None)
    times = []
    roots = []
    for index in range(envs):
        root = base / "envs" / f"env{index}"
        root.mkdir(parents=True)
        (root / "main.tf").write_text(MAIN_TF)
        if roots:  # a project commits its lock files: the later roots have env0's
            (root / ".terraform.lock.hcl").write_bytes((roots[0] / ".terraform.lock.hcl").read_bytes())
        roots.append(root)
        tf = Terraform(root, mirror=mirror)
        start = time.perf_counter()
        tf.init(backend=False)
        times.append(time.perf_counter() - start)
    in_roots = sum(disk_bytes(r / ".terraform") for r in roots)
    cache = base / "user-cache" / "plugin-cache"
    return in_roots, disk_bytes(cache) if cache.exists() else 0, times[1:]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--envs", type=int, default=4)
    args = parser.parse_args()
    mirror = Path(os.environ.get("TFGEN_PLUGIN_MIRROR") or REPO / ".tools" / "provider-mirror")
    os.environ.setdefault("CHECKPOINT_DISABLE", "1")
    keep = tempfile.TemporaryDirectory()
    mirror = packed_mirror(mirror, Path(keep.name))
    print(f"{args.envs} environments, provider hashicorp/null 2.1.2 from a packed (zip) mirror")
    head = f"{'':10} {'in envs/*/.terraform':>22} {'in the cache':>14} {'total':>10}"
    print(f"{head}   init of env 2..N (median)")
    for cached in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            in_roots, in_cache, times = run(args.envs, cached, Path(tmp), mirror)
        label = "cache on" if cached else "cache off"
        mb = 1024 * 1024
        sizes = f"{in_roots / mb:>19.1f} MB {in_cache / mb:>11.1f} MB {(in_roots + in_cache) / mb:>7.1f} MB"
        each = ", ".join(f"{t:.2f}" for t in times)
        print(f"{label:10} {sizes}   {statistics.median(times):.2f} s ({each})")


if __name__ == "__main__":
    main()
