"""Drawing DOT into svg or png with Graphviz's `dot` (Debian package `graphviz`)."""

from __future__ import annotations

import shutil
import subprocess

from ..errors import ToolError

INSTALL = (
    "Graphviz's `dot` is not on PATH: it draws svg and png. Install the Debian/Ubuntu "
    "package graphviz (apt-get install graphviz), or brew install graphviz; "
    "--format mermaid and --format dot need nothing"
)


def render(dot_text: str, fmt: str) -> bytes:
    """`dot -T<fmt>` of the text; a missing or failing dot is a ToolError."""
    exe = shutil.which("dot")
    if exe is None:
        raise ToolError(INSTALL)
    try:
        done = subprocess.run(
            [exe, f"-T{fmt}"], input=dot_text.encode(), capture_output=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise ToolError(f"dot -T{fmt} failed to run: {err}") from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise ToolError(
            f"dot -T{fmt} failed (exit {done.returncode}): {message[0] if message else 'no message'}"
        )
    return done.stdout
