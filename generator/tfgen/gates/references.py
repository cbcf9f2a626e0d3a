"""Gate 4, references: what `terraform validate` would say about names, checked statically.

Per Terraform module (a folder of .tf files): every `var.X` has a `variable "X"`, every
`local.X` a `locals { X = ... }`, every `module.M.O` a `module "M"` whose local source declares
`output "O"`, every `data.T.N` / `T.N` (T an aws_* or random_* type) a declared block; every
argument of a `module "M" {}` block is a variable of its source and every variable of the source
without a default is passed.

References are found by a small lexer over the expression strings python-hcl2 returns: string
literals are blanked (so "aws_fake.thing" in a string is not a reference), template
interpolations `${...}` / `%{...}` inside them are kept, `$${` escapes are skipped. Known limits:
a `for` expression or dynamic-block iterator named like `var`/`local`/`aws_*` would be misread,
and only modules with a local (./ or ../) source are followed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._model import GateFinding
from ._tree import (
    ParsedTree,
    TfFile,
    block_line,
    is_meta,
    labelled,
    parse_file,
    parse_tree,
    unquote,
)

MODULE_META = {"source", "version", "count", "for_each", "depends_on", "providers"}

_NOT_AFTER = r"(?<![\w.])"
_NAME = r"[A-Za-z_][\w-]*"
REF_PATTERNS = {
    "var": re.compile(_NOT_AFTER + rf"var\.({_NAME})"),
    "local": re.compile(_NOT_AFTER + rf"local\.({_NAME})"),
    "module": re.compile(_NOT_AFTER + rf"module\.({_NAME})(?:\s*\[[^\]]*\])?(?:\s*\.\s*({_NAME}))?"),
    "data": re.compile(_NOT_AFTER + rf"data\.({_NAME})\.({_NAME})"),
    "resource": re.compile(_NOT_AFTER + rf"((?:aws|random)_[a-z0-9_]+)\.({_NAME})"),
}


# --------------------------------------------------------------------------- expression lexer


def _scan_expr(s: str, i: int, out: list[str], stop_at_brace: bool) -> int:
    """Copy expression code from s[i:] to out with string literals blanked; return end index."""
    depth = 0
    n = len(s)
    while i < n:
        c = s[i]
        if c == '"':
            out.append('""')
            i = _scan_template(s, i + 1, out, quoted=True)
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            if stop_at_brace and depth == 0:
                return i + 1
            depth -= 1
        out.append(c)
        i += 1
    return i


def _scan_template(s: str, i: int, out: list[str], quoted: bool) -> int:
    """Skip template text, copying only its interpolations; return the index after it."""
    n = len(s)
    while i < n:
        c = s[i]
        if quoted and c == "\\":
            i += 2
            continue
        if quoted and c == '"':
            return i + 1
        if s.startswith(("$${", "%%{"), i):
            i += 3
            continue
        if s.startswith(("${", "%{"), i):
            out.append(" (")
            i = _scan_expr(s, i + 2, out, stop_at_brace=True)
            out.append(") ")
            continue
        i += 1
    return i


def expression_code(value: str) -> str:
    """The code parts of one hcl2 value string: literals blanked, interpolations kept."""
    out: list[str] = []
    if value.startswith('"<<') and value.endswith('"'):  # heredoc: hcl2 keeps it raw
        body = value[1:-1]
        nl = body.find("\n")
        _scan_template(body[nl + 1 :] if nl >= 0 else "", 0, out, quoted=False)
    elif len(value) >= 2 and value.startswith('"') and value.endswith('"'):
        _scan_template(value, 1, out, quoted=True)
    elif value.startswith("${") and value.endswith("}"):
        _scan_expr(value[2:-1], 0, out, stop_at_brace=False)
    else:
        _scan_expr(value, 0, out, stop_at_brace=False)
    return "".join(out)


def value_codes(value: Any) -> list[str]:
    """Expression code of every string inside an hcl2 value (lists, objects, block bodies)."""
    codes: list[str] = []

    def walk(v: Any) -> None:
        if isinstance(v, str):
            codes.append(expression_code(v))
        elif isinstance(v, list):
            for item in v:
                walk(item)
        elif isinstance(v, dict):
            for k, item in v.items():
                if is_meta(k):
                    continue
                if isinstance(k, str) and k.startswith("${"):  # computed object key
                    codes.append(expression_code(k))
                walk(item)

    walk(value)
    return codes


# --------------------------------------------------------------------------- module model


@dataclass
class Module:
    """What one folder of .tf files declares, and the references its expressions make."""

    path: Path
    files: list[TfFile]
    variables: dict[str, bool] = field(default_factory=dict)  # name -> has a default
    locals: set[str] = field(default_factory=set)
    outputs: set[str] = field(default_factory=set)
    resources: set[tuple[str, str]] = field(default_factory=set)
    data: set[tuple[str, str]] = field(default_factory=set)
    modules: dict[str, tuple[TfFile, dict[str, Any]]] = field(default_factory=dict)
    duplicates: list[tuple[TfFile, int | None, str]] = field(default_factory=list)

    @property
    def parsed(self) -> bool:
        """True when every file of the folder parsed."""
        return all(f.doc is not None for f in self.files)


def build_module(path: Path, files: list[TfFile]) -> Module:
    """Collect the declarations of one module folder."""
    mod = Module(path=path, files=files)
    seen: dict[str, str] = {}

    def declare(tf: TfFile, kind: str, key: str, line: int | None) -> None:
        if key in seen:
            mod.duplicates.append((tf, line, f"duplicate {kind} (first in {seen[key]})"))
        else:
            seen[key] = tf.rel

    for tf in files:
        if tf.doc is None:
            continue
        for (name,), body in labelled(tf.doc, "variable", 1):
            declare(tf, f'variable "{name}"', f"var.{name}", block_line(tf, "variable", (name,)))
            mod.variables[name] = "default" in body
        for (name,), _ in labelled(tf.doc, "output", 1):
            declare(tf, f'output "{name}"', f"output.{name}", block_line(tf, "output", (name,)))
            mod.outputs.add(name)
        for (name,), body in labelled(tf.doc, "module", 1):
            declare(tf, f'module "{name}"', f"module.{name}", block_line(tf, "module", (name,)))
            mod.modules[name] = (tf, body)
        for (rtype, name), _ in labelled(tf.doc, "resource", 2):
            declare(
                tf,
                f'resource "{rtype}" "{name}"',
                f"{rtype}.{name}",
                block_line(tf, "resource", (rtype, name)),
            )
            mod.resources.add((rtype, name))
        for (dtype, name), _ in labelled(tf.doc, "data", 2):
            declare(
                tf, f'data "{dtype}" "{name}"', f"data.{dtype}.{name}", block_line(tf, "data", (dtype, name))
            )
            mod.data.add((dtype, name))
        for body in tf.doc.get("locals", []) or []:
            for name in body:
                if is_meta(name):
                    continue
                declare(tf, f'local "{name}"', f"local.{name}", tf.line_of(rf"^[ \t]*{re.escape(name)}\s*="))
                mod.locals.add(name)
    return mod


def _ref_line(tf: TfFile, ref: str) -> int | None:
    """Line of the first occurrence of `ref` (a dotted name) in the file text."""
    return tf.line_of(_NOT_AFTER + re.escape(ref).replace(r"\.", r"\s*\.\s*") + r"(?![\w-])")


def local_source(module_dir: Path, body: dict[str, Any]) -> Path | None:
    """The folder a `module` block's relative `source` points at, else None."""
    source = body.get("source")
    if not isinstance(source, str):
        return None
    source = unquote(source)
    if not source.startswith(("./", "../")):
        return None
    return (module_dir / source).resolve()


class _Checker:
    """Runs the reference checks over every module folder of a project."""

    def __init__(self, project: ParsedTree) -> None:
        self.project = project
        self.root = project.root.resolve()
        self.modules: dict[Path, Module | None] = {
            path.resolve(): build_module(path.resolve(), files)
            for path, files in project.module_dirs().items()
        }
        self.findings: list[GateFinding] = []

    def module_at(self, path: Path) -> Module | None:
        """The module in folder `path`, parsing it when it lies outside the project tree."""
        if path not in self.modules:
            files = [parse_file(p, p.as_posix()) for p in sorted(path.glob("*.tf"))]
            self.modules[path] = build_module(path, files) if files else None
        return self.modules[path]

    def add(self, tf: TfFile, line: int | None, message: str) -> None:
        self.findings.append(GateFinding("references", tf.rel, line, message))

    def run(self) -> int:
        """Check every module folder of the project; return how many were checked."""
        checked = 0
        for path in sorted(self.modules):
            mod = self.modules[path]
            if mod is None or not mod.files or not mod.parsed:
                continue  # the parse gate reports it; names would be guessed wrong
            if not mod.files[0].path.resolve().is_relative_to(self.root):
                continue
            checked += 1
            self.check_module(mod)
        return checked

    def check_module(self, mod: Module) -> None:
        """All checks for one module folder."""
        for tf, line, message in mod.duplicates:
            self.add(tf, line, message)
        for tf in mod.files:
            assert tf.doc is not None
            seen: set[tuple[str, ...]] = set()
            for code in value_codes(tf.doc):
                for kind, pattern in REF_PATTERNS.items():
                    for m in pattern.finditer(code):
                        key = (kind, *[g or "" for g in m.groups()])
                        if key not in seen:
                            seen.add(key)
                            self.check_ref(mod, tf, kind, m)
        for name, (tf, body) in sorted(mod.modules.items()):
            self.check_module_call(mod, tf, name, body)

    def check_ref(self, mod: Module, tf: TfFile, kind: str, m: re.Match[str]) -> None:
        """One reference found in `tf`."""
        if kind == "var" and m.group(1) not in mod.variables:
            self.add(
                tf,
                _ref_line(tf, f"var.{m.group(1)}"),
                f'reference to undeclared input variable "{m.group(1)}" (var.{m.group(1)})',
            )
        elif kind == "local" and m.group(1) not in mod.locals:
            self.add(
                tf,
                _ref_line(tf, f"local.{m.group(1)}"),
                f'reference to undeclared local value "{m.group(1)}" (local.{m.group(1)})',
            )
        elif kind == "data" and (m.group(1), m.group(2)) not in mod.data:
            ref = f"data.{m.group(1)}.{m.group(2)}"
            self.add(tf, _ref_line(tf, ref), f"reference to undeclared data source {ref}")
        elif kind == "resource" and (m.group(1), m.group(2)) not in mod.resources:
            ref = f"{m.group(1)}.{m.group(2)}"
            self.add(tf, _ref_line(tf, ref), f"reference to undeclared resource {ref}")
        elif kind == "module":
            name, output = m.group(1), m.group(2)
            if name not in mod.modules:
                self.add(
                    tf,
                    _ref_line(tf, f"module.{name}"),
                    f'reference to undeclared module "{name}" (module.{name})',
                )
                return
            if not output:
                return
            source = local_source(mod.path, mod.modules[name][1])
            target = self.module_at(source) if source and source.is_dir() else None
            if target is not None and target.parsed and output not in target.outputs:
                line = _ref_line(tf, f"module.{name}.{output}") or _ref_line(tf, f"module.{name}")
                self.add(
                    tf,
                    line,
                    f'module "{name}" ({self.show(source)}) has no output "{output}" '
                    f"(module.{name}.{output})",
                )

    def show(self, path: Path | None) -> str:
        """A module folder for messages: relative to the project root when inside it."""
        if path is None:
            return "?"
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def check_module_call(self, mod: Module, tf: TfFile, name: str, body: dict[str, Any]) -> None:
        """A `module "name" {}` block: its source exists, passes exactly the variables it has."""
        line = block_line(tf, "module", (name,))
        if "source" not in body:
            self.add(tf, line, f'module "{name}": missing required argument "source"')
            return
        source = local_source(mod.path, body)
        if source is None:
            return  # registry/git source: not followed
        target = self.module_at(source) if source.is_dir() else None
        if target is None:
            self.add(
                tf, line, f'module "{name}": source {unquote(body["source"])} is not a folder with .tf files'
            )
            return
        if not target.parsed:
            return
        where = self.show(source)
        for arg in body:
            if is_meta(arg) or arg in MODULE_META:
                continue
            if arg not in target.variables:
                self.add(
                    tf,
                    tf.line_of(
                        rf"^[ \t]*{re.escape(arg)}\s*=", tf.offset_of(rf'^[ \t]*module\s+"{re.escape(name)}"')
                    ),
                    f'module "{name}": argument "{arg}" is not a variable of {where}',
                )
        for var, has_default in sorted(target.variables.items()):
            if not has_default and var not in body:
                self.add(tf, line, f'module "{name}": required variable "{var}" of {where} is not set')


def reference_findings(project: ParsedTree) -> tuple[list[GateFinding], int]:
    """(findings, module folders checked) for a loaded project."""
    checker = _Checker(project)
    checked = checker.run()
    return checker.findings, checked


def check_references(root: Path) -> list[GateFinding]:
    """Every var/local/module/data/resource reference resolves, per module folder."""
    return reference_findings(parse_tree(root))[0]
