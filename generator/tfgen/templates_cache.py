"""Compiled templates kept between runs, so a render does not compile ~80 templates every time.

Jinja's own FileSystemBytecodeCache does the work: a template's code is stored under a key
from its name, and reused only while the template's source has the checksum it was compiled
from, so an edited template is always compiled again. What the compiled code also depends on —
the environment's settings (delimiters, whitespace control), Jinja's and Python's versions,
tfgen's version — names the folder, so a change to any of them starts a fresh folder.

The folder is private to the user (tfgen.paths.private_dir: 0700, owned by the user), because
Jinja executes what it loads from it. When it cannot be had (read-only home, a folder another
user can write to), templates are compiled in memory as before: slower, never wrong.
`TFGEN_TEMPLATE_CACHE=0` turns the cache off.
"""

from __future__ import annotations

import hashlib
import os
import sys
from typing import Any

from . import __version__
from .errors import ToolError


def cache_key(settings: dict[str, Any]) -> str:
    """A short hash of everything besides a template's source that its compiled code depends on."""
    import jinja2

    described = {name: getattr(value, "__qualname__", value) for name, value in sorted(settings.items())}
    text = repr((__version__, jinja2.__version__, sys.implementation.cache_tag, described))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def bytecode_cache(settings: dict[str, Any]) -> Any:
    """A Jinja bytecode cache in the user's cache folder, or None when there is none to be had."""
    if os.environ.get("TFGEN_TEMPLATE_CACHE", "1") == "0":
        return None
    import jinja2

    from .paths import private_dir

    try:
        folder = private_dir("templates", cache_key(settings))
    except ToolError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))
