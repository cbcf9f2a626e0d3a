"""Python values as HCL literals: the `hcl` filter every spec value goes through into a .tf file.

Each function returns the HCL literal that means the same value (strings escaped, `${` and `%{`
neutralised), laid out the way `terraform fmt` would.
"""

from __future__ import annotations

import re
from typing import Any

IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
# What needs an escape: the backslash, the quote, control characters and DEL.
_SPECIAL = re.compile(r'[\\"\x00-\x1f\x7f]')


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    return _ESCAPES.get(ch) or f"\\u{ord(ch):04x}"


def hcl_string(value: str) -> str:
    """A Python string as an HCL quoted string literal with the same value."""
    text = _SPECIAL.sub(_escape, value)
    # `${` and `%{` would start an interpolation or a directive. Terraform's own escape is
    # `$${`, but python-hcl2 cannot parse an unbalanced `$${` or `%%{` (found by the property
    # test), so the sigil is written as a unicode escape, which every HCL parser reads as text.
    text = text.replace("${", "\\u0024{").replace("%{", "\\u0025{")
    return f'"{text}"'


def hcl(value: Any, indent: int = 0) -> str:
    """Any spec value as an HCL literal; objects come out multi-line and `terraform fmt`-aligned."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return hcl_string(value)
    if isinstance(value, list | tuple):
        items = [hcl(v, indent) for v in value]
        if any("\n" in i for i in items):
            pad = " " * (indent + 2)
            body = "".join(f"{pad}{i},\n" for i in items)
            return f"[\n{body}{' ' * indent}]"
        return "[" + ", ".join(items) + "]"
    if isinstance(value, dict):
        return hcl_object(value, indent)
    raise TypeError(f"cannot express {type(value).__name__} in HCL")


def hcl_key(key: str) -> str:
    return key if IDENT.match(key) else hcl_string(key)


def hcl_object(value: dict[str, Any], indent: int = 0) -> str:
    """A mapping as a multi-line HCL object, equals signs aligned the way `terraform fmt` does."""
    if not value:
        return "{}"
    pad = " " * (indent + 2)
    lines: list[str] = []
    group: list[tuple[str, str]] = []

    def flush() -> None:
        width = max(len(k) for k, _ in group)
        lines.extend(f"{pad}{k.ljust(width)} = {v}" for k, v in group)
        group.clear()

    for key, item in value.items():
        text = hcl(item, indent + 2)
        if "\n" in text:
            # terraform fmt aligns runs of single-line attributes; a multi-line value ends the run
            # before it and is aligned with nothing
            if group:
                flush()
            lines.append(f"{pad}{hcl_key(str(key))} = {text}")
            continue
        group.append((hcl_key(str(key)), text))
    if group:
        flush()
    return "{\n" + "\n".join(lines) + "\n" + " " * indent + "}"
