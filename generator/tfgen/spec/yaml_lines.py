"""A YAML loader that keeps the line of every key, so every spec error can name its line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Problem, SpecError

Loc = tuple[str | int, ...]


@dataclass
class YamlDoc:
    """A parsed YAML document: its plain data and the 1-based line of each path in it."""

    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)
    name: str = "spec"

    def line_of(self, loc: Loc) -> int | None:
        """The line of `loc`, or of its nearest ancestor present in the file."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), None)


MAX_NODES = 100_000  # a spec is a page of YAML; more nodes means aliases expanding without end


class _Budget:
    def __init__(self) -> None:
        self.left = MAX_NODES


def _walk(
    node: Any, loc: Loc, lines: dict[Loc, int], problems: list[Problem], name: str, budget: _Budget
) -> None:
    import yaml

    budget.left -= 1
    if budget.left < 0:
        raise SpecError(
            [
                Problem(
                    node.start_mark.line + 1,
                    "",
                    f"the spec expands to more than {MAX_NODES} values (YAML aliases nested too deep?)",
                    name,
                )
            ]
        )
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            line = key_node.start_mark.line + 1
            if (
                not (isinstance(key_node, yaml.ScalarNode) and key_node.tag == "tag:yaml.org,2002:str")
                and key != "<<"
            ):
                dotted = ".".join(str(p) for p in (*loc, key))
                problems.append(Problem(line, dotted, f'keys must be text: quote it ("{key}")', name))
            if key in seen and key != "<<":
                dotted = ".".join(str(p) for p in (*loc, key))
                problems.append(
                    Problem(line, dotted, f"duplicate key (first given on line {seen[key]})", name)
                )
            seen.setdefault(key, line)
            lines[loc + (key,)] = line
            _walk(value_node, (*loc, key), lines, problems, name, budget)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[loc + (index,)] = item.start_mark.line + 1
            _walk(item, (*loc, index), lines, problems, name, budget)


def fast_loader(text: str) -> Any:
    """libyaml's safe loader when PyYAML has it and the text is one the pure loader reads too.

    libyaml only scans and parses (about 10x faster); the constructor and the resolver are the
    same Python code, so data and line marks are the same. The pure-Python reader also refuses
    non-printable characters, which libyaml lets through: such text takes the pure loader.
    """
    import yaml

    fast = getattr(yaml, "CSafeLoader", None)
    if fast is None or yaml.reader.Reader.NON_PRINTABLE.search(text):
        return yaml.SafeLoader
    return fast


def parse_yaml(text: str, name: str = "spec") -> YamlDoc:
    """Parse YAML text; syntax errors and duplicate keys become a SpecError with line:column."""
    import yaml

    loader_class = fast_loader(text)
    if loader_class is not yaml.SafeLoader:
        try:
            return _parse(text, name, loader_class)
        except SpecError:
            pass  # say it the way the pure loader does: its messages are the ones users see
    return _parse(text, name, yaml.SafeLoader)


def _parse(text: str, name: str, loader_class: Any) -> YamlDoc:
    import yaml

    try:
        loader = loader_class(text)
    except yaml.reader.ReaderError as err:  # a control character: the reader refuses the text
        at = text[: err.position].count("\n") + 1
        message = f"character {err.character:#06x} at line {at} is not allowed in YAML"
        raise SpecError([Problem(at, "", message, name)]) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDoc({}, {(): 1}, name)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        column = f":{mark.column + 1}" if mark else ""
        what = err.problem or err.context or "invalid YAML"
        if "'\\t'" in what or "\t" in what:
            what = "a tab character: indent with spaces (YAML does not allow tabs)"
        raise SpecError(
            [Problem(line, "", f"YAML syntax error at line {line}{column}: {what}", name)]
        ) from None
    except yaml.YAMLError as err:
        raise SpecError([Problem(None, "", f"YAML error: {err}", name)]) from None
    finally:
        loader.dispose()
    lines: dict[Loc, int] = {(): node.start_mark.line + 1}
    problems: list[Problem] = []
    _walk(node, (), lines, problems, name, _Budget())
    if problems:
        raise SpecError(problems)
    return YamlDoc(data, lines, name)


def read_yaml(path: Path) -> YamlDoc:
    """Read and parse a YAML file; a missing or unreadable file is a SpecError."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SpecError([Problem(None, "", "spec file not found", str(path))]) from None
    except OSError as err:
        raise SpecError([Problem(None, "", f"cannot read spec: {err.strerror or err}", str(path))]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise SpecError(
            [
                Problem(
                    line,
                    "",
                    f"byte {raw[err.start]:#04x} is not UTF-8 text: save the spec as UTF-8",
                    str(path),
                )
            ]
        ) from None
    return parse_yaml(text, str(path))
