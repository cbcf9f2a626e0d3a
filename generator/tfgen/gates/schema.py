"""Gate 3, schema: resource and data blocks use only arguments and blocks the provider has.

The schema is generator/tfgen/data/aws_provider_schema.json (AWS provider 6.69.1 plus
random_password), written by tools/extract_schema.py (`make schema`).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from ._model import GateFinding
from ._tree import (
    ParsedTree,
    TfFile,
    block_line,
    block_offset,
    is_block_list,
    is_labelled_block_list,
    is_meta,
    labelled,
    parse_tree,
    unquote,
)

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "data" / "aws_provider_schema.json"

# Terraform meta-arguments, allowed at the top level of every resource/data block.
META_ARGUMENTS = {"count", "for_each", "depends_on", "provider"}
META_BLOCKS = {"lifecycle", "connection", "provisioner"}
UNKNOWN_TYPE = "unknown resource type; run `make schema` after adding it to tools/extract_schema.py"


@lru_cache(maxsize=1)
def load_schema(path: Path = SCHEMA_PATH) -> dict[str, Any]:
    """The trimmed provider schema (read once per process)."""
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


class _Walker:
    """Checks one block body against one schema node, recursively."""

    def __init__(self, tf: TfFile, start: int) -> None:
        self.tf = tf
        self.start = start
        self.findings: list[GateFinding] = []

    @staticmethod
    def _key_pattern(key: str) -> str:
        return rf'^[ \t]*(?:{re.escape(key)}\s*[={{]|dynamic\s+"{re.escape(key)}")'

    def offset(self, key: str, start: int) -> int:
        """Best-effort offset of `key =` / `key {` / `dynamic "key"` after `start`."""
        return self.tf.offset_of(self._key_pattern(key), start)

    def line_at(self, offset: int) -> int:
        """1-based line of a text offset."""
        return self.tf.text.count("\n", 0, offset) + 1

    def add(self, key: str, message: str, start: int) -> None:
        line = self.tf.line_of(self._key_pattern(key), start)
        self.findings.append(GateFinding("schema", self.tf.rel, line, message))

    def body(
        self, body: dict[str, Any], node: dict[str, Any], where: str, top: bool, start: int | None = None
    ) -> None:
        """Check `body` (hcl2 dict) against `node` ({arguments, blocks}); `where` names it."""
        start = self.start if start is None else start
        arguments: dict[str, Any] = node.get("arguments", {})
        blocks: dict[str, Any] = node.get("blocks", {})
        present: set[str] = set()
        for key, value in body.items():
            if is_meta(key):
                continue
            if top and (key in META_ARGUMENTS or key in META_BLOCKS):
                continue
            if key == "dynamic" and is_labelled_block_list(value):
                for item in value:
                    for label, dyn in item.items():
                        if is_meta(label):
                            continue
                        name = unquote(label)
                        present.add(name)
                        self.dynamic(name, dyn, arguments, blocks, where, start)
                continue
            present.add(key)
            block_form = is_block_list(value) or is_labelled_block_list(value)
            if key in arguments:
                nested = arguments[key].get("nested")
                if block_form and nested is None:
                    self.add(key, f'{where}: "{key}" is an argument, not a block: write {key} = ...', start)
                elif block_form:  # SDKv2 attribute of object type: blocks are allowed too
                    for item in value:
                        self.body(item, nested, f"{where}.{key}", False, self.offset(key, start))
            elif key in blocks:
                spec = blocks[key]
                if not block_form:
                    self.add(
                        key, f'{where}: "{key}" is a block, not an argument: write {key} {{ ... }}', start
                    )
                    continue
                if spec.get("max_items") == 1 and len(value) > 1:
                    self.add(
                        key, f'{where}: block "{key}" may appear at most once, found {len(value)}', start
                    )
                if not spec.get("any"):
                    for item in value:
                        self.body(item, spec, f"{where}.{key}", False, self.offset(key, start))
            else:
                kind = "block" if block_form else "argument"
                self.add(key, f'{where}: unknown {kind} "{key}"', start)
        self.missing(arguments, blocks, present, where, start)

    def missing(
        self,
        arguments: dict[str, Any],
        blocks: dict[str, Any],
        present: set[str],
        where: str,
        start: int,
    ) -> None:
        """A finding for each required argument or block the body lacks."""
        for kind, specs in (("argument", arguments), ("block", blocks)):
            for name, spec in sorted(specs.items()):
                if spec.get("required") and name not in present:
                    message = f'{where}: missing required {kind} "{name}"'
                    self.findings.append(GateFinding("schema", self.tf.rel, self.line_at(start), message))

    def dynamic(
        self,
        name: str,
        dyn: dict[str, Any],
        arguments: dict[str, Any],
        blocks: dict[str, Any],
        where: str,
        start: int,
    ) -> None:
        """A `dynamic "name" { for_each ... content { ... } }` block stands for block `name`."""
        if name in arguments and arguments[name].get("nested") is not None:
            spec: dict[str, Any] | None = arguments[name]["nested"]
        elif name in blocks:
            spec = None if blocks[name].get("any") else blocks[name]
        else:
            kind = "argument, not a block" if name in arguments else "unknown block"
            self.add(name, f'{where}: dynamic "{name}": {kind}', start)
            return
        contents = [v for v in dyn.get("content", []) if isinstance(v, dict)]
        if not contents:
            self.add(name, f'{where}: dynamic "{name}" has no content block', start)
        for content in contents:
            if spec is not None:
                self.body(content, spec, f"{where}.{name}", False, self.offset(name, start))


def schema_findings(project: ParsedTree) -> tuple[list[GateFinding], int, int]:
    """(findings, resource blocks checked, data blocks checked) for a loaded project."""
    schema = load_schema()
    resources: dict[str, Any] = schema["resources"]
    data_sources: dict[str, Any] = schema["data_sources"]
    findings: list[GateFinding] = []
    n_res = n_data = 0
    for tf in project.files:
        if tf.doc is None:
            continue
        for (rtype, rname), body in labelled(tf.doc, "resource", 2):
            n_res += 1
            if rtype not in resources:
                line = block_line(tf, "resource", (rtype, rname))
                findings.append(GateFinding("schema", tf.rel, line, f"{rtype}.{rname}: {UNKNOWN_TYPE}"))
                continue
            walker = _Walker(tf, block_offset(tf, "resource", (rtype, rname)))
            walker.body(body, resources[rtype], f"{rtype}.{rname}", True)
            findings += walker.findings
        for (dtype, dname), body in labelled(tf.doc, "data", 2):
            if dtype not in data_sources:
                if dtype.startswith("aws_"):  # our provider: a type we lack is a mistake
                    findings.append(
                        GateFinding(
                            "schema",
                            tf.rel,
                            block_line(tf, "data", (dtype, dname)),
                            f"data.{dtype}.{dname}: unknown data source type; run `make schema` "
                            "after adding it to tools/extract_schema.py",
                        )
                    )
                continue
            n_data += 1
            walker = _Walker(tf, block_offset(tf, "data", (dtype, dname)))
            walker.body(body, data_sources[dtype], f"data.{dtype}.{dname}", True)
            findings += walker.findings
    return findings, n_res, n_data


def check_schema(root: Path) -> list[GateFinding]:
    """Every resource/data block matches the AWS provider 6.x schema."""
    return schema_findings(parse_tree(root))[0]
