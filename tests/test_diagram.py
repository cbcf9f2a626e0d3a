"""tfgen diagram: the structure of the Mermaid and DOT it draws, parsed back, not snapshots.

Mermaid is read with a strict parser of the subset tfgen writes (any other line fails the
test); DOT is read by Graphviz itself (`dot -Tjson0`), and drawn to SVG with the real `dot`
(the SVG parsed as XML). Both must give the same clusters, nodes and edges.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers import REFERENCE_SPEC, REPO, TEST_SPECS, readme_block
from tfgen.cli import app
from tfgen.diagram import build, dot, mermaid
from tfgen.spec import load_spec, resolve_with_profile
from typer.testing import CliRunner

runner = CliRunner()
DOT = shutil.which("dot")


@dataclass
class Graph:
    """Clusters as {id: (label, parent)}, nodes as {id: (label, cluster)}, edges as tuples."""

    clusters: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    nodes: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    edges: set[tuple[str, str, str, bool]] = field(default_factory=set)

    def in_cluster(self, cluster: str) -> set[str]:
        return {n for n, (_, c) in self.nodes.items() if c == cluster}

    def children(self, cluster: str | None) -> list[str]:
        return [c for c, (_, parent) in self.clusters.items() if parent == cluster]


LABEL = r'"((?:[^"\\]|\\.)*)"'
SHAPES = [
    r"\[" + LABEL + r"\]",
    r"\[\(" + LABEL + r"\)\]",
    r"\(\[" + LABEL + r"\]\)",
    r"\{\{" + LABEL + r"\}\}",
    r">" + LABEL + r"\]",
]
NODE = re.compile(r"^(\w+)(?:" + "|".join(SHAPES) + r")(:::\w+)?$")
EDGE = re.compile(r"^(\w+) (-->|-\.->)(?:\|" + LABEL + r"\|)? (\w+)$")


def parse_mermaid(text: str) -> Graph:
    """Read tfgen's Mermaid back; a line outside the subset it writes fails the test."""
    g = Graph()
    lines = text.splitlines()
    assert lines[0] == "flowchart TB"
    stack: list[str] = []
    for raw in lines[1:]:
        line = raw.strip()
        if line.startswith("%%") or line == "direction TB" or line.startswith(("classDef ", "class ")):
            continue
        if m := re.match(r"^subgraph (\w+)\[" + LABEL + r"\]$", line):
            g.clusters[m.group(1)] = (m.group(2), stack[-1] if stack else None)
            stack.append(m.group(1))
        elif line == "end":
            stack.pop()
        elif m := EDGE.match(line):
            src, arrow, label, dst = m.groups()
            g.edges.add((src, dst, (label or "").replace("<br/>", "\n"), arrow == "-.->"))
        elif m := NODE.match(line):
            label = next(x for x in m.groups()[1:-1] if x is not None)
            assert m.group(1) not in g.nodes, f"node declared twice: {line}"
            g.nodes[m.group(1)] = (label.replace("<br/>", "\n"), stack[-1] if stack else None)
        else:
            raise AssertionError(f"not tfgen's Mermaid: {raw!r}")
    assert not stack, "unclosed subgraph"
    for src, dst, _, _ in g.edges:
        assert src in g.nodes and dst in g.nodes, (src, dst)
    return g


def parse_dot(text: str) -> Graph:
    """Graphviz's own reading of the DOT (`dot -Tjson0`), as the same kind of graph."""
    assert DOT is not None, "Graphviz dot is needed: apt-get install graphviz (make setup does it)"
    done = subprocess.run(
        [DOT, "-Tjson0"], input=text, capture_output=True, text=True, check=True, timeout=60
    )
    data = json.loads(done.stdout)
    objects = data["objects"]
    clusters = {o["_gvid"]: o for o in objects if o["name"].startswith("cluster_")}
    g = Graph()
    parent_of: dict[int, int] = {}
    for gid, o in clusters.items():
        for child in o.get("subgraphs", []):
            parent_of[child] = gid
    for gid, o in clusters.items():
        parent = parent_of.get(gid)
        g.clusters[o["name"].removeprefix("cluster_")] = (
            o["label"],
            clusters[parent]["name"].removeprefix("cluster_") if parent is not None else None,
        )
    for o in objects:
        if "nodes" in o or "subgraphs" in o:
            continue
        owners = [c for c in clusters.values() if o["_gvid"] in c.get("nodes", [])]
        inner = min(owners, key=lambda c: len(c.get("nodes", [])), default=None)
        g.nodes[o["name"]] = (
            o["label"].replace("\\n", "\n"),
            inner["name"].removeprefix("cluster_") if inner else None,
        )
    for e in data.get("edges", []):
        if e.get("style") == "invis":
            continue
        src, dst = objects[e["tail"]]["name"], objects[e["head"]]["name"]
        g.edges.add((src, dst, e.get("label", "").replace("\\n", "\n"), e.get("style") == "dashed"))
    return g


def graphs(spec_path: Path, env: str) -> tuple[Graph, Graph, str, str]:
    spec = load_spec(spec_path)
    (environment,) = [e for e in spec.environments if e.name == env]
    diagram = build(spec, [environment])
    m, d = mermaid(diagram), dot(diagram)
    return parse_mermaid(m), parse_dot(d), m, d


def tiers(g: Graph, env: str, az: int) -> dict[str, set[str]]:
    prefix = f"{env}_"
    return {
        tier: {n.removeprefix(prefix) for n in g.in_cluster(f"{env}_az{az}_{tier}")}
        for tier in ("public", "private", "database", "cache")
    }


def test_reference_dev_low_power_structure() -> None:
    g, from_dot, _, _ = graphs(REFERENCE_SPEC, "dev")
    assert g == from_dot  # Mermaid and DOT draw the same graph
    assert g.children(None) == ["dev"]
    assert g.children("dev") == ["dev_vpc"]
    assert g.children("dev_vpc") == ["dev_az1", "dev_az2"]
    for az in (1, 2):
        assert g.children(f"dev_az{az}") == [
            f"dev_az{az}_{t}" for t in ("public", "private", "database", "cache")
        ]
    assert g.clusters["dev_az1_public"] == ("public 10.20.0.0/21", "dev_az1")
    assert g.clusters["dev_az2_cache"] == ("cache 10.20.200.0/21", "dev_az2")
    assert tiers(g, "dev", 1) == {
        "public": {"nat_1"},
        "private": {"app_1"},
        "database": {"db_primary"},
        "cache": {"cache_primary"},
    }
    # low-power: one NAT, one instance, no standby, no replicas: AZ 2 is empty
    assert tiers(g, "dev", 2) == {t: {f"az2_{t}_empty"} for t in ("public", "private", "database", "cache")}
    assert g.in_cluster("dev_vpc") == {"dev_alb", "dev_igw", "dev_asg"}
    assert g.in_cluster("dev") == {
        "dev_internet",
        "dev_cdn",
        "dev_static",
        "dev_alarms",
        "dev_sns",
        "dev_email",
        "dev_budget",
    }
    assert g.edges == {
        ("dev_internet", "dev_alb", "HTTPS", False),
        ("dev_internet", "dev_cdn", "HTTPS", False),
        ("dev_cdn", "dev_alb", "/api/*", False),
        ("dev_cdn", "dev_static", "origin access control", False),
        ("dev_igw", "dev_internet", "egress", False),
        ("dev_nat_1", "dev_igw", "", False),
        ("dev_alb", "dev_app_1", "", False),
        ("dev_asg", "dev_app_1", "", True),
        ("dev_app_1", "dev_nat_1", "egress", False),
        ("dev_app_1", "dev_db_primary", "", False),
        ("dev_app_1", "dev_cache_primary", "", False),
        ("dev_alarms", "dev_sns", "", False),
        ("dev_sns", "dev_email", "", False),
        ("dev_budget", "dev_email", "80% actual, 100% forecast", False),
    }
    assert g.nodes["dev_db_primary"] == ("RDS postgres 17\ndb.t4g.micro primary", "dev_az1_database")
    assert g.nodes["dev_asg"][0] == "Auto Scaling group\n1-2 x t3.micro, desired 1"


def test_reference_prod_high_power_structure() -> None:
    g, from_dot, _, _ = graphs(REFERENCE_SPEC, "prod")
    assert g == from_dot
    assert g.children("prod_vpc") == ["prod_az1", "prod_az2", "prod_az3"]
    assert tiers(g, "prod", 1) == {
        "public": {"nat_1"},
        "private": {"app_1"},
        "database": {"db_primary"},
        "cache": {"cache_primary"},
    }
    assert tiers(g, "prod", 2) == {
        "public": {"nat_2"},
        "private": {"app_2"},
        "database": {"db_standby"},
        "cache": {"cache_replica_1"},
    }
    assert tiers(g, "prod", 3) == {
        "public": {"nat_3"},
        "private": {"app_3"},
        "database": {"db_replica_1"},
        "cache": {"az3_cache_empty"},
    }
    # each instance leaves through its own AZ's NAT gateway
    assert {(s, d) for s, d, label, _ in g.edges if label == "egress" and "app" in s} == {
        ("prod_app_1", "prod_nat_1"),
        ("prod_app_2", "prod_nat_2"),
        ("prod_app_3", "prod_nat_3"),
    }
    assert ("prod_db_primary", "prod_db_standby", "synchronous", True) in g.edges
    assert ("prod_db_primary", "prod_db_replica_1", "asynchronous", True) in g.edges
    assert ("prod_cache_primary", "prod_cache_replica_1", "replication", True) in g.edges
    assert g.nodes["prod_cache_replica_1"][0] == "ElastiCache replica 1, failover\ncache.t4g.small"
    # alb 4 (the 5xx rate, latency, unhealthy, none healthy), asg 1, rds 5, cache 2 x 3, 3 NAT
    # gateways, CloudFront's 5xx rate, failed backup, copy, restore
    assert g.nodes["prod_alarms"][0] == "CloudWatch alarms (23)"
    # high-power: the database's daily backup into the locked vault, copied to the second region
    assert g.nodes["prod_backup_vault"][0] == "AWS Backup vault, governance lock\n35 days, KMS"
    assert g.nodes["prod_backup_copy"][0] == "Vault copy in eu-central-1"
    assert ("prod_db_primary", "prod_backup_vault", "daily backup", False) in g.edges
    assert ("prod_backup_vault", "prod_backup_copy", "copy", True) in g.edges
    low, _, _, _ = graphs(REFERENCE_SPEC, "dev")
    assert not [n for n in low.nodes if "backup" in n]  # low-power: RDS's own backups only


def counts(g: Graph) -> dict[str, int]:
    kinds = ("nat_", "app_", "db_standby", "db_replica_", "cache_replica_")
    return {k: sum(1 for n in g.nodes if n.split("_", 1)[1].startswith(k)) for k in kinds}


def test_the_profile_difference_is_visible() -> None:
    spec = load_spec(REFERENCE_SPEC)
    high = resolve_with_profile(spec, "high-power", ["dev"])
    low = [e for e in spec.environments if e.name == "dev"]
    high_dev = [e for e in high.environments if e.name == "dev"]
    assert counts(parse_mermaid(mermaid(build(spec, low)))) == {
        "nat_": 1,
        "app_": 1,
        "db_standby": 0,
        "db_replica_": 0,
        "cache_replica_": 0,
    }
    assert counts(parse_mermaid(mermaid(build(high, high_dev)))) == {
        "nat_": 2,
        "app_": 2,
        "db_standby": 1,
        "db_replica_": 1,
        "cache_replica_": 1,
    }


def test_high_spec_replicas_and_minimal_spec_without_data_tiers() -> None:
    g, from_dot, _, _ = graphs(TEST_SPECS["high"], "prod")
    assert g == from_dot
    assert counts(g) == {"nat_": 3, "app_": 3, "db_standby": 1, "db_replica_": 2, "cache_replica_": 2}
    assert {n for n in g.nodes if "replica" in n} == {
        "prod_db_replica_1",
        "prod_db_replica_2",
        "prod_cache_replica_1",
        "prod_cache_replica_2",
    }
    # cdn.lock_origin: CloudFront (with its origin header) is the ALB's only way in
    assert ("prod_cdn", "prod_alb", "/api/*, /cart/*\n(origin header)", False) in g.edges
    assert {(a, b) for a, b, _, _ in g.edges if b == "prod_alb"} == {("prod_cdn", "prod_alb")}
    # the static bucket is backed up too, and copied to a second account's vault as well
    assert ("prod_static", "prod_backup_vault", "daily backup", False) in g.edges
    assert ("prod_backup_vault", "prod_backup_account", "copy", True) in g.edges
    m, from_dot, _, _ = graphs(TEST_SPECS["minimal"], "dev")
    assert m == from_dot
    # the database and cache subnets exist (the VPC module makes them), with nothing in them
    assert tiers(m, "dev", 1) == {
        "public": {"nat_1"},
        "private": {"app_1"},
        "database": {"az1_database_empty"},
        "cache": {"az1_cache_empty"},
    }
    assert not [n for n in m.nodes if n.endswith(("_cdn", "_static"))]
    assert m.in_cluster("dev") == {"dev_internet", "dev_alarms", "dev_sns"}  # no email, no budget
    assert "dev_route53" not in m.nodes  # no `dns:` section


def test_a_dns_zone_points_the_names_and_validates_the_certificates() -> None:
    g, from_dot, _, _ = graphs(TEST_SPECS["dns"], "prod")
    assert g == from_dot
    assert g.nodes["prod_route53"] == ("Route 53 zone example.net", "prod")
    assert {e for e in g.edges if "prod_route53" in e[:2] or "prod_acm" in e[:2]} == {
        ("prod_internet", "prod_route53", "DNS", False),
        ("prod_route53", "prod_alb", "alias A", False),
        ("prod_route53", "prod_cdn", "alias A, AAAA", False),
        ("prod_acm", "prod_route53", "validation CNAMEs", True),
        ("prod_acm", "prod_alb", "regional", True),
        ("prod_acm", "prod_cdn", "us-east-1", True),
    }


def test_static_without_cdn_is_read_through_the_gateway_endpoint() -> None:
    g, _, _, _ = graphs(TEST_SPECS["mysql"], "staging")
    assert ("staging_asg", "staging_static", "S3 gateway endpoint", False) in g.edges
    assert "staging_cdn" not in g.nodes


@pytest.mark.parametrize("name", sorted(TEST_SPECS))
def test_every_test_spec_draws_all_environments_in_one_graph(name: str) -> None:
    spec = load_spec(TEST_SPECS[name])
    diagram = build(spec, spec.environments)
    g = parse_mermaid(mermaid(diagram))
    assert g == parse_dot(dot(diagram))
    assert g.children(None) == [e.name for e in spec.environments]
    for env in spec.environments:
        assert len([c for c in g.clusters if c.startswith(f"{env.name}_az")]) == env.azs * 5


def test_output_is_deterministic_and_the_cli_prints_it() -> None:
    spec = load_spec(REFERENCE_SPEC)
    first = mermaid(build(spec, spec.environments))
    again = mermaid(build(load_spec(REFERENCE_SPEC), load_spec(REFERENCE_SPEC).environments))
    assert first == again
    result = runner.invoke(app, ["diagram", str(REFERENCE_SPEC)], catch_exceptions=False)
    assert result.exit_code == 0 and result.output == first
    dot_out = runner.invoke(app, ["diagram", str(REFERENCE_SPEC), "-e", "prod", "-f", "dot"])
    assert dot_out.output == dot(build(spec, [spec.environments[2]]))


def test_dot_draws_a_valid_svg_with_every_node_and_cluster(tmp_path: Path) -> None:
    out = tmp_path / "prod.svg"
    result = runner.invoke(
        app,
        ["diagram", str(REFERENCE_SPEC), "--env", "prod", "--format", "svg", "--output", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert result.output == f"{out}: svg diagram of shop (prod), eu-west-1\n"
    root = ET.fromstring(out.read_bytes())
    ns = {"svg": "http://www.w3.org/2000/svg"}
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    groups = root.findall(".//svg:g", ns)
    titles = {g.get("class"): set() for g in groups}
    for g in groups:
        title = g.find("svg:title", ns)
        if title is not None:
            titles[g.get("class")].add(title.text)
    graph = parse_mermaid(
        mermaid(build(load_spec(REFERENCE_SPEC), [load_spec(REFERENCE_SPEC).environments[2]]))
    )
    assert titles["node"] == set(graph.nodes)
    assert titles["cluster"] == {f"cluster_{c}" for c in graph.clusters}
    assert "NAT gateway" in out.read_text()


def test_png_is_drawn_to_a_file_and_dot_missing_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    png = tmp_path / "dev.png"
    result = runner.invoke(app, ["diagram", str(REFERENCE_SPEC), "-e", "dev", "-f", "png", "-o", str(png)])
    assert result.exit_code == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH without Graphviz
    missing = runner.invoke(app, ["diagram", str(REFERENCE_SPEC), "-f", "svg"], catch_exceptions=False)
    assert missing.exit_code == 2
    assert missing.output.splitlines() == [
        "error: Graphviz's `dot` is not on PATH: it draws svg and png. Install the Debian/Ubuntu "
        "package graphviz (apt-get install graphviz), or brew install graphviz; --format mermaid "
        "and --format dot need nothing"
    ]
    assert runner.invoke(app, ["diagram", str(REFERENCE_SPEC), "-f", "dot"]).exit_code == 0


def test_bad_input_is_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "app.yaml"
    shutil.copy(REFERENCE_SPEC.parent / "user-data.sh", tmp_path)
    bad.write_text(REFERENCE_SPEC.read_text().replace("  cidr: 10.20.0.0/16", "  cidr: 10.20.0.0/33"))
    result = runner.invoke(app, ["diagram", str(bad)], catch_exceptions=False)
    assert result.exit_code == 2
    assert result.output.splitlines()[0].startswith(f"error: {bad}:11: network.cidr: ")
    unknown = runner.invoke(app, ["diagram", str(REFERENCE_SPEC), "--env", "qa"])
    assert unknown.output == (
        "error: --env qa: the spec has no such environment (it has: dev, staging, prod)\n"
    )
    fmt = runner.invoke(app, ["diagram", str(REFERENCE_SPEC), "--format", "jpeg"])
    assert fmt.exit_code == 2
    assert fmt.output == "error: --format jpeg: choose one of: mermaid, dot, svg, png\n"


def test_the_project_readme_carries_each_environments_diagram_between_markers(
    rendered: dict[str, Path],
) -> None:
    readme = (rendered["reference"] / "README.md").read_text()
    block = readme.split("<!-- BEGIN_TFGEN_DIAGRAM -->\n", 1)[1].split("<!-- END_TFGEN_DIAGRAM -->", 1)[0]
    spec = load_spec(REPO / "examples" / "app.yaml")
    fences = re.findall(r"```mermaid\n(.*?)```", block, re.S)
    assert fences == [mermaid(build(spec, [e])) for e in spec.environments]
    assert re.findall(r"^### (\w+) \(", block, re.M) == ["dev", "staging", "prod"]


def test_readme_diagram_is_what_the_command_draws() -> None:

    drawn = runner.invoke(app, ["diagram", str(REFERENCE_SPEC), "--env", "prod"]).output
    assert readme_block("tfgen diagram examples/app.yaml --env prod") == f"```mermaid\n{drawn}```\n"
