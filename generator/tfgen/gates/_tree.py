"""Finding and parsing the .tf files of a rendered project, and helpers over hcl2 8.x output.

python-hcl2 8.x output shape: a block type maps to a list of bodies; labels are keys that keep
their quotes (`'"aws_vpc"'`); each block body carries `"__is_block__": True`; expressions are
strings `"${...}"`; string literals keep their quotes (`'"10.0.0.0/16"'`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError

BLOCK_MARK = "__is_block__"


def is_meta(key: object) -> bool:
    """True for keys hcl2 adds itself (`__is_block__`, `__comments__`, `__inline_comments__`)."""
    return isinstance(key, str) and key.startswith("__") and key.endswith("__")


@dataclass
class TfFile:
    """One .tf file: its text and either its parsed body or the parse error."""

    path: Path
    rel: str
    text: str
    doc: dict[str, Any] | None = None
    error: str | None = None
    error_line: int | None = None

    def line_of(self, pattern: str, start: int = 0) -> int | None:
        """1-based line of the first regex match at or after `start`, else None."""
        m = re.compile(pattern, re.MULTILINE).search(self.text, start)
        return self.text.count("\n", 0, m.start()) + 1 if m else None

    def offset_of(self, pattern: str, start: int = 0) -> int:
        """Offset of the first regex match at or after `start`, else `start`."""
        m = re.compile(pattern, re.MULTILINE).search(self.text, start)
        return m.start() if m else start


@dataclass
class ParsedTree:
    """The parsed .tf files of a folder tree, grouped by module folder."""

    root: Path
    files: list[TfFile] = field(default_factory=list)

    def module_dirs(self) -> dict[Path, list[TfFile]]:
        """Folder -> its .tf files (a Terraform module is a folder)."""
        out: dict[Path, list[TfFile]] = {}
        for f in self.files:
            out.setdefault(f.path.parent, []).append(f)
        return out


PROJECT_FOLDERS = ("modules", "envs")


def scope(root: Path) -> list[Path]:
    """What to check: a tfgen project's modules/ and envs/ (not, say, its tests), else root."""
    folders = [Path(root) / name for name in PROJECT_FOLDERS if (Path(root) / name).is_dir()]
    return folders or [Path(root)]


def find_tf_files(root: Path) -> list[Path]:
    """Every .tf file in scope under root, sorted, skipping hidden folders such as .terraform."""
    found: list[Path] = []
    for top in scope(root):
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            found += [Path(dirpath) / n for n in sorted(filenames) if n.endswith(".tf")]
    return found


def parse_file(path: Path, rel: str) -> TfFile:
    """Read and parse one file with python-hcl2; a failure is kept on the TfFile."""
    import hcl2  # slow first import and parser build: keep it out of `tfgen --help`

    text = path.read_text(encoding="utf-8", errors="replace")
    tf = TfFile(path=path, rel=rel, text=text)
    try:
        doc = hcl2.loads(text)
    except Exception as err:  # lark raises several types; all mean "does not parse"
        line = getattr(err, "line", None)
        tf.error_line = line if isinstance(line, int) and line > 0 else None
        first = str(err).strip().splitlines()
        detail = f": {first[0]}" if first else ""
        tf.error = f"does not parse as HCL: {type(err).__name__}{detail}"
        return tf
    tf.doc = doc if isinstance(doc, dict) else {}
    return tf


def parse_tree(root: Path) -> ParsedTree:
    """Parse every .tf file under root (no cache on disk)."""
    root = Path(root)
    if not root.is_dir():
        raise UsageError(f"{root}: not a directory")
    tree = ParsedTree(root=root)
    for path in find_tf_files(root):
        tree.files.append(parse_file(path, path.relative_to(root).as_posix()))
    if not tree.files:
        raise UsageError(f"{root}: no .tf files found (render a project first: tfgen init)")
    return tree


def unquote(label: str) -> str:
    """`'"aws_vpc"'` -> `aws_vpc`."""
    if len(label) >= 2 and label[0] == '"' and label[-1] == '"':
        return label[1:-1]
    return label


def is_block_list(value: Any) -> bool:
    """True when an hcl2 value is one or more blocks (not an attribute holding objects)."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, dict) and v.get(BLOCK_MARK) is True for v in value)
    )


Labelled = list[tuple[tuple[str, ...], dict[str, Any]]]


def is_labelled_block_list(value: Any) -> bool:
    """True for labelled blocks (`dynamic "x" {}`, `provisioner "y" {}`): [{'"x"': {body}}]."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(
            isinstance(v, dict) and v and all(is_meta(k) or is_block_list([b]) for k, b in v.items())
            for v in value
        )
    )


def labelled(doc: dict[str, Any], block_type: str, depth: int) -> Labelled:
    """All `block_type` blocks with `depth` labels: [((label, ...), body)]."""
    out: Labelled = []

    def walk(node: Any, labels: tuple[str, ...]) -> None:
        if not isinstance(node, dict):
            return
        if len(labels) == depth:
            out.append((labels, node))
            return
        for key, sub in node.items():
            if not is_meta(key):
                walk(sub, (*labels, unquote(key)))

    for item in doc.get(block_type, []) or []:
        walk(item, ())
    return out


def block_line(tf: TfFile, block_type: str, labels: tuple[str, ...]) -> int | None:
    """Line of `block_type "l1" "l2" {` in the file text."""
    pat = (
        r"^[ \t]*"
        + re.escape(block_type)
        + "".join(r"\s+\"?" + re.escape(lab) + r"\"?" for lab in labels)
        + r"\s*\{"
    )
    return tf.line_of(pat)


def block_offset(tf: TfFile, block_type: str, labels: tuple[str, ...]) -> int:
    """Offset of `block_type "l1" "l2" {` in the file text (0 when not found)."""
    pat = (
        r"^[ \t]*"
        + re.escape(block_type)
        + "".join(r"\s+\"?" + re.escape(lab) + r"\"?" for lab in labels)
        + r"\s*\{"
    )
    return tf.offset_of(pat)
