"""The scan cache: an unchanged input is answered from `.tfgen-cache/scan/<key>.json`.

The key hashes the scanned files, the policy files, the checkov installation (without
running `checkov --version`, which costs seconds) and the options that change results.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from .results import ScanResult
from .targets import POLICY_SUFFIXES, walk_files

CACHE_DIR = Path(".tfgen-cache") / "scan"
CACHE_FORMAT = "3"
CACHE_KEEP = 20


def cache_key(
    files: Mapping[str, bytes],
    policies: Path | None,
    fingerprint: str,
    options: Iterable[str],
    config: Path | None = None,
) -> str:
    """sha256 over everything that can change a result: the scanned files, the policies,
    checkov's installation, tfgen's options and version, and a checkov configuration file."""
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    add("format", CACHE_FORMAT.encode())
    add("checkov", fingerprint.encode())
    for option in options:
        add("option", option.encode())
    for rel in sorted(files):
        add(f"file:{rel}", files[rel])
    if config is not None:
        add("config", config.read_bytes() if config.is_file() else b"missing")
    if policies is not None:
        for path in walk_files(policies, POLICY_SUFFIXES):
            add(f"policy:{path.relative_to(policies).as_posix()}", path.read_bytes())
    return digest.hexdigest()


def load_cached(cache_dir: Path, key: str) -> ScanResult | None:
    entry = cache_dir / f"{key}.json"
    try:
        data = json.loads(entry.read_text())
        result = ScanResult.from_cache_data(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    os.utime(entry)  # keep recently used entries when pruning
    return result


def store_cached(cache_dir: Path, key: str, result: ScanResult) -> None:
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache_dir / f".{key}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(result.to_cache()))
        os.replace(tmp, cache_dir / f"{key}.json")
        entries = sorted(cache_dir.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in entries[CACHE_KEEP:]:
            stale.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only tree still scans; it just cannot remember
