"""tfgen's own folders outside a project: a private cache in the user's cache folder."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import ToolError


def user_cache_dir() -> Path:
    """`$TFGEN_CACHE_DIR`, else `$XDG_CACHE_HOME/tfgen`, else `~/.cache/tfgen` (not created)."""
    if os.environ.get("TFGEN_CACHE_DIR"):
        return Path(os.environ["TFGEN_CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "tfgen"


def private_dir(*parts: str) -> Path:
    """A folder under the user cache folder that only this user can read or change.

    Created 0700 when missing; an existing one must belong to this user and not be writable
    by anyone else, or another local user could plant files tfgen then trusts.
    """
    path = user_cache_dir().joinpath(*parts)
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = path.lstat()
    except OSError as err:
        raise ToolError(
            f"cannot create tfgen's cache folder {path}: {err.strerror or err} "
            "(set TFGEN_CACHE_DIR to a folder of your own)"
        ) from None
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise ToolError(
            f"{path} is not a folder (a symbolic link?): tfgen keeps private files "
            "there; remove it or set TFGEN_CACHE_DIR"
        )
    if info.st_uid != os.getuid() or info.st_mode & 0o022:
        raise ToolError(
            f"{path} belongs to another user or others can write to it: tfgen keeps "
            "private files there; remove it or set TFGEN_CACHE_DIR"
        )
    return path
