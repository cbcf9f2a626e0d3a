"""Module READMEs: a usage block, then inputs/outputs tables between terraform-docs markers.

Built from the rendered variables.tf/outputs.tf without an external binary. The files are
tfgen's own `terraform fmt`-clean output, so a line-based reader is enough (and keeps render
fast: python-hcl2 costs seconds on first use); tests cross-check it against python-hcl2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BEGIN, END = "<!-- BEGIN_TF_DOCS -->", "<!-- END_TF_DOCS -->"
BLOCK = re.compile(r'^(variable|output) "([^"]+)" \{\n(.*?)^\}', re.M | re.S)


@dataclass(frozen=True)
class Item:
    kind: str
    name: str
    description: str
    type: str
    default: str | None


def _attr(body: str, name: str) -> str | None:
    """The value of a top-level attribute in a block body (multi-line values included)."""
    match = re.search(rf"^  {name}\s*=\s*(.*)$", body, re.M)
    if not match:
        return None
    value = match.group(1)
    if value.rstrip().endswith(("{", "[", "(")):
        rest = body[match.end() :]
        depth = (
            value.count("{")
            + value.count("[")
            + value.count("(")
            - value.count("}")
            - value.count("]")
            - value.count(")")
        )
        lines = [value]
        for line in rest.splitlines()[1:]:
            lines.append(line.strip())
            depth += line.count("{") + line.count("[") + line.count("(")
            depth -= line.count("}") + line.count("]") + line.count(")")
            if depth <= 0:
                break
        value = " ".join(lines)
    return value.strip()


def _unquote(value: str | None) -> str:
    if value is None:
        return ""
    if value.startswith('"') and value.endswith('"'):
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value


def read_blocks(text: str, kind: str) -> list[Item]:
    """Variables or outputs declared in a file, in order."""
    items = []
    for match in BLOCK.finditer(text):
        if match.group(1) != kind:
            continue
        body = match.group(3)
        items.append(
            Item(
                kind=kind,
                name=match.group(2),
                description=_unquote(_attr(body, "description")),
                type=_attr(body, "type") or "any",
                default=_attr(body, "default"),
            )
        )
    return items


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def docs_tables(variables_tf: str, outputs_tf: str) -> str:
    """The inputs and outputs tables (what terraform-docs puts between its markers)."""
    inputs = read_blocks(variables_tf, "variable")
    outputs = read_blocks(outputs_tf, "output")
    lines = [
        BEGIN,
        "## Inputs",
        "",
        "| Name | Description | Type | Default | Required |",
        "|------|-------------|------|---------|:--------:|",
    ]
    for v in inputs:
        default = f"`{_cell(v.default)}`" if v.default is not None else "n/a"
        required = "no" if v.default is not None else "yes"
        lines.append(f"| {v.name} | {_cell(v.description)} | `{_cell(v.type)}` | {default} | {required} |")
    lines += ["", "## Outputs", "", "| Name | Description |", "|------|-------------|"]
    lines += [f"| {o.name} | {_cell(o.description)} |" for o in outputs]
    lines.append(END)
    return "\n".join(lines)


def module_readme(module: str, summary: str, files: dict[str, str]) -> str:
    """README.md of one rendered module (its summary comes from the module catalog)."""
    variables_tf = files[f"modules/{module}/variables.tf"]
    outputs_tf = files[f"modules/{module}/outputs.tf"]
    required = [v for v in read_blocks(variables_tf, "variable") if v.default is None]
    width = max((len(v.name) for v in required), default=0)
    usage = "\n".join(f"  {v.name.ljust(width)} = ..." for v in required)
    return (
        f"# {module}\n\n{summary}\n\n"
        "Rendered by tfgen from the app spec: edit the spec and run `tfgen init`, not this "
        "module.\n\n## Usage\n\n```hcl\n"
        f'module "{module}" {{\n  source = "../../modules/{module}"\n\n{usage}\n}}\n```\n\n'
        f"{docs_tables(variables_tf, outputs_tf)}\n"
    )
