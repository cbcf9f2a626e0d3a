"""Lay the twin out in a provider mirror (make twin-install; `make setup` runs it).

Writes, for each provider, `DIR/registry.terraform.io/hashicorp/<name>/<version>/linux_amd64/
terraform-provider-<name>_v<version>_x5`: a small shell script that execs this clone's virtual
environment Python on tools/twin/run.py. Also builds the binary schema caches (schemas.py), so
the first terraform command does not pay for them.

Usage: python tools/twin/install.py --mirror DIR [--python PATH]
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from twin.schemas import VERSIONS, write_cache  # noqa: E402

LAUNCHER = """#!/bin/sh
# tfgen offline twin of hashicorp/{name} {version} (tools/twin; a test double, not the real provider)
exec {python} -I {run} {name} "$@"
"""


def install(mirror: Path, python: str) -> list[Path]:
    """Write the launchers and caches; return the launcher paths."""
    out = []
    for name, version in VERSIONS.items():
        d = mirror / "registry.terraform.io" / "hashicorp" / name / version / "linux_amd64"
        d.mkdir(parents=True, exist_ok=True)
        path = d / f"terraform-provider-{name}_v{version}_x5"
        text = LAUNCHER.format(
            name=name, version=version, python=shlex.quote(python), run=shlex.quote(str(HERE / "run.py"))
        )
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.chmod(0o755)
        os.replace(tmp, path)
        write_cache(name)
        out.append(path)
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line entry."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mirror", type=Path, required=True)
    ap.add_argument("--python", default=sys.executable)
    args = ap.parse_args(argv)
    python = str(Path(args.python).absolute())
    for p in install(args.mirror.resolve(), python):
        print(f"twin: {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
