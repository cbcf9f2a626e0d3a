"""A diagram as Mermaid (for Markdown, GitHub renders it) or Graphviz DOT (for svg/png).

Both are plain functions of the graph, in its order: the same spec gives the same bytes.
"""

from __future__ import annotations

from .model import Cluster, Diagram, Node

MERMAID_SHAPES = {
    "box": ('["', '"]'),
    "cylinder": ('[("', '")]'),
    "stadium": ('(["', '"])'),
    "hexagon": ('{{"', '"}}'),
    "note": ('>"', '"]'),
    "empty": ('["', '"]'),
}
MERMAID_CLASSES = {
    "empty": "fill:none,stroke:#bbb,stroke-dasharray:3 3,color:#888",
    "az": "fill:none,stroke:#888,stroke-dasharray:6 3",
}


def _mermaid_text(text: str) -> str:
    return (
        text.replace("&", "#amp;")
        .replace('"', "#quot;")
        .replace("<", "#lt;")
        .replace(">", "#gt;")
        .replace("\n", "<br/>")
    )


def _mermaid_node(node: Node) -> str:
    left, right = MERMAID_SHAPES[node.shape]
    suffix = ":::empty" if node.shape == "empty" else ""
    return f"{node.id}{left}{_mermaid_text(node.label)}{right}{suffix}"


def _mermaid_cluster(cluster: Cluster, depth: int) -> list[str]:
    pad = "  " * depth
    lines = [f'{pad}subgraph {cluster.id}["{_mermaid_text(cluster.label)}"]']
    if cluster.kind in ("env", "az"):
        lines.append(f"{pad}  direction TB")
    lines += [f"{pad}  {_mermaid_node(n)}" for n in cluster.nodes]
    for inner in cluster.clusters:
        lines += _mermaid_cluster(inner, depth + 1)
    lines.append(f"{pad}end")
    return lines


def mermaid(diagram: Diagram) -> str:
    """A Mermaid flowchart: one subgraph per cluster, edges after the nodes."""
    lines = ["flowchart TB", f"  %% {_mermaid_text(diagram.title)}: drawn by tfgen from the spec"]
    for cluster in diagram.clusters:
        lines += _mermaid_cluster(cluster, 1)
    for e in diagram.edges:
        arrow = "-.->" if e.dashed else "-->"
        label = f'|"{_mermaid_text(e.label)}"|' if e.label else ""
        lines.append(f"  {e.src} {arrow}{label} {e.dst}")
    lines += [f"  classDef {name} {style}" for name, style in MERMAID_CLASSES.items()]
    azs = [c.id for top in diagram.clusters for c in top.walk() if c.kind == "az"]
    if azs:
        lines.append(f"  class {','.join(azs)} az")
    return "\n".join(lines) + "\n"


DOT_SHAPES = {
    "box": 'shape=box, style="rounded"',
    "cylinder": "shape=cylinder",
    "stadium": 'shape=box, style="rounded,filled", fillcolor="#eeeeee"',
    "hexagon": "shape=hexagon",
    "note": "shape=note",
    "empty": 'shape=plaintext, fontcolor="#888888"',
}
DOT_CLUSTERS = {
    "env": 'style="rounded,bold"',
    "vpc": 'style="rounded"; color="#1f77b4"',
    "az": 'style="dashed"; color="#888888"',
    "tier": 'style="rounded"; color="#bbbbbb"',
}


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _dot_cluster(cluster: Cluster, depth: int) -> list[str]:
    pad = "  " * depth
    lines = [
        f"{pad}subgraph cluster_{cluster.id} {{",
        f'{pad}  label="{_dot_text(cluster.label)}"; {DOT_CLUSTERS[cluster.kind]};',
    ]
    lines += [f'{pad}  {n.id} [label="{_dot_text(n.label)}", {DOT_SHAPES[n.shape]}];' for n in cluster.nodes]
    for inner in cluster.clusters:
        lines += _dot_cluster(inner, depth + 1)
    lines.append(f"{pad}}}")
    return lines


def _dot_layout(diagram: Diagram) -> list[str]:
    """Invisible edges that stack each AZ's tiers top down (public, private, database, cache).

    The AZs keep their order left to right because mincross is kept short (`mclimit`): the
    layout starts from the order the clusters are written in.
    """
    lines = []
    for top in diagram.clusters:
        for az in (c for c in top.walk() if c.kind == "az"):
            firsts = [t.nodes[0].id for t in az.clusters if t.nodes]
            lines += [f"  {a} -> {b} [style=invis];" for a, b in zip(firsts, firsts[1:], strict=False)]
    return lines


def dot(diagram: Diagram) -> str:
    """A Graphviz digraph: a `cluster_<id>` subgraph per cluster, edges after the nodes."""
    lines = [
        "digraph tfgen {",
        f'  label="{_dot_text(diagram.title)}"; labelloc=t; fontname="Helvetica";',
        "  rankdir=TB; newrank=true; compound=true; mclimit=0.01;",
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    for cluster in diagram.clusters:
        lines += _dot_cluster(cluster, 1)
    lines += _dot_layout(diagram)
    for e in diagram.edges:
        attrs = []
        if e.label:
            attrs.append(f'label="{_dot_text(e.label)}"')
        if e.dashed:
            attrs.append("style=dashed")
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f"  {e.src} -> {e.dst}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"
