"""`tfgen diagram`: the architecture of each environment, drawn from the spec before anything exists.

- `model`: the graph (clusters environment > VPC > AZ > subnet tier, nodes, edges);
- `emit`: Mermaid and Graphviz DOT text, deterministic;
- `graphviz`: svg/png through Graphviz's `dot`.
"""

from __future__ import annotations

from .emit import dot, mermaid
from .model import Cluster, Diagram, Edge, Node, build

FORMATS = ("mermaid", "dot", "svg", "png")

__all__ = ["FORMATS", "Cluster", "Diagram", "Edge", "Node", "build", "dot", "mermaid"]
