"""Reading rendered HCL in tests: python-hcl2 8.x output, with its quirks smoothed over."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import hcl2


def unquote(value: Any) -> Any:
    """python-hcl2 8.x keeps the quotes of string literals; drop them."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    if isinstance(value, list):
        return [unquote(v) for v in value]
    return value


def parse(path: Path) -> dict[str, Any]:
    return hcl2.loads(path.read_text())


def blocks(doc: dict[str, Any], kind: str, type_: str | None = None) -> dict[str, Any]:
    """`resource`/`data` blocks of one type, or `variable`/`output`/`module` blocks, by name."""
    out: dict[str, Any] = {}
    for entry in doc.get(kind, []):
        for label, body in entry.items():
            if type_ is None:
                out[unquote(label)] = body
            elif unquote(label) == type_:
                out.update({unquote(name): b for name, b in body.items()})
    return out


def skips(body: dict[str, Any]) -> dict[str, str]:
    """checkov:skip comments of a block: check id -> reason."""
    out = {}
    for comment in body.get("__comments__", []):
        match = re.match(r"checkov:skip=([A-Z0-9_]+):\s*(.*)", comment["value"])
        if match:
            out[match.group(1)] = match.group(2)
    return out
