"""The architecture of an environment as a graph, from the spec alone (nothing exists yet).

Clusters nest environment > VPC > AZ > subnet tier (public, private, database, cache), one
tier cluster per AZ as the VPC module creates them; what the profile decides shows as nodes
(one NAT gateway or one per AZ, a database standby or not, replicas or not). Node ids are
`<env>_<part>`, stable and readable, so the same spec always gives the same graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..cost import inventory
from ..spec.fields import TIERS
from ..spec.model import AppSpec, Environment

TIER_LABELS = {"public": "public", "private": "private (app)", "database": "database", "cache": "cache"}


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    """Lines separated by newlines."""
    shape: str = "box"
    """box, cylinder (data stores), stadium (the internet), hexagon (managed services),
    note (budgets and subscriptions), empty (a subnet with nothing in it)."""


@dataclass(frozen=True)
class Edge:
    src: str
    dst: str
    label: str = ""
    dashed: bool = False
    """Control or replication rather than request traffic."""


@dataclass
class Cluster:
    id: str
    label: str
    kind: str
    """env, vpc, az or tier."""
    nodes: list[Node] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)

    def walk(self) -> list[Cluster]:
        """This cluster and every cluster inside it, depth first."""
        out = [self]
        for c in self.clusters:
            out += c.walk()
        return out


@dataclass
class Diagram:
    title: str
    clusters: list[Cluster]
    edges: list[Edge]

    def nodes(self) -> list[Node]:
        return [n for top in self.clusters for c in top.walk() for n in c.nodes]


def build(spec: AppSpec, envs: list[Environment]) -> Diagram:
    """The diagram of these environments of the spec, one top-level cluster each."""
    clusters: list[Cluster] = []
    edges: list[Edge] = []
    for env in envs:
        cluster, env_edges = environment(spec, env)
        clusters.append(cluster)
        edges += env_edges
    names = ", ".join(e.name for e in envs)
    return Diagram(f"{spec.name} ({names}), {spec.region}", clusters, edges)


@dataclass
class _Env:
    """What one environment's diagram is built up from."""

    env: Environment
    top: Cluster
    vpc: Cluster
    tiers: dict[tuple[int, str], Cluster]
    edges: list[Edge] = field(default_factory=list)

    def id(self, part: str) -> str:
        return f"{self.env.name}_{part}"

    def put(self, where: Cluster, part: str, label: str, shape: str = "box") -> str:
        node = Node(self.id(part), label, shape)
        where.nodes.append(node)
        return node.id

    def tier(self, az: int, tier: str) -> Cluster:
        return self.tiers[(az, tier)]

    def link(self, src: str, dst: str, label: str = "", dashed: bool = False) -> None:
        self.edges.append(Edge(src, dst, label, dashed))


def environment(spec: AppSpec, env: Environment) -> tuple[Cluster, list[Edge]]:
    """One environment's cluster (VPC, AZs, tiers and what runs in them) and its edges."""
    name = env.name
    top = Cluster(name, f"{spec.name} / {name} ({env.profile})", "env")
    vpc = Cluster(f"{name}_vpc", f"VPC {env.network.cidr}, {env.azs} AZs of {spec.region}", "vpc")
    top.clusters.append(vpc)
    cidrs = env.subnet_cidrs()
    tiers: dict[tuple[int, str], Cluster] = {}
    for az in range(1, env.azs + 1):
        az_cluster = Cluster(f"{name}_az{az}", f"AZ {az}", "az")
        vpc.clusters.append(az_cluster)
        for tier in TIERS:
            label = f"{TIER_LABELS[tier]} {cidrs[tier][az - 1]}"
            tiers[(az, tier)] = Cluster(f"{name}_az{az}_{tier}", label, "tier")
            az_cluster.clusters.append(tiers[(az, tier)])
    d = _Env(env, top, vpc, tiers)
    for part in (_edge, _network, _app, _database, _cache, _backup, _monitoring, _dns):
        part(d)
    for (az, tier), cluster in tiers.items():
        if not cluster.nodes:  # the subnet exists (the VPC module makes every tier in every AZ)
            d.put(cluster, f"az{az}_{tier}_empty", "no resources", "empty")
    return top, d.edges


def _edge(d: _Env) -> None:
    env = d.env
    internet = d.put(d.top, "internet", "Internet (users)", "stadium")
    lb = env.load_balancer
    names = f"\n{', '.join(lb.domain_names)}" if lb.domain_names else ""
    alb = d.put(d.vpc, "alb", f"Application Load Balancer{names}\npublic subnets of {env.azs} AZs")
    locked = env.cdn is not None and env.cdn.locks_origin()
    if not locked:  # with cdn.lock_origin only CloudFront reaches the ALB
        d.link(internet, alb, "HTTPS")
    if env.cdn is not None:
        aliases = f"\n{', '.join(env.cdn.aliases)}" if env.cdn.aliases else ""
        cdn = d.put(d.top, "cdn", f"CloudFront{aliases}\n{env.cdn.price_class}", "hexagon")
        d.link(internet, cdn, "HTTPS")
        if env.cdn.dynamic_paths:
            paths = ", ".join(env.cdn.dynamic_paths)
            d.link(cdn, alb, f"{paths}\n(origin header)" if locked else paths)
    if env.static is not None:
        static = d.put(d.top, "static", "S3 static files", "cylinder")
        if env.cdn is not None:
            d.link(d.id("cdn"), static, "origin access control")


def _network(d: _Env) -> None:
    env = d.env
    igw = d.put(d.vpc, "igw", "Internet gateway")
    d.link(igw, d.id("internet"), "egress")
    for i in range(1, inventory.nat_gateways(env) + 1):
        nat = d.put(d.tier(i, "public"), f"nat_{i}", "NAT gateway")
        d.link(nat, igw)


def _nat_of(d: _Env, az: int) -> str:
    return d.id(f"nat_{az}" if d.env.network.nat == "per_az" else "nat_1")


def _app(d: _Env) -> None:
    env = d.env
    app = env.app
    asg = d.put(
        d.vpc,
        "asg",
        f"Auto Scaling group\n{app.min_size}-{app.max_size} x "
        f"{app.instance_type}, desired {app.desired_capacity}",
        "hexagon",
    )
    for j in range(1, app.desired_capacity + 1):
        az = (j - 1) % env.azs + 1
        instance = d.put(d.tier(az, "private"), f"app_{j}", f"EC2 {app.instance_type}")
        d.link(d.id("alb"), instance)
        d.link(asg, instance, dashed=True)
        d.link(instance, _nat_of(d, az), "egress")
    if env.static is not None and env.cdn is None:
        d.link(asg, d.id("static"), "S3 gateway endpoint")


def _app_instances(d: _Env) -> list[str]:
    return [d.id(f"app_{j}") for j in range(1, d.env.app.desired_capacity + 1)]


def _database(d: _Env) -> None:
    env, db = d.env, d.env.database
    if db is None:
        return
    primary = d.put(
        d.tier(1, "database"),
        "db_primary",
        f"RDS {db.engine} {db.version}\n{db.instance_class} primary",
        "cylinder",
    )
    for instance in _app_instances(d):
        d.link(instance, primary)
    if db.multi_az:
        standby = d.put(
            d.tier(2, "database"), "db_standby", f"RDS standby (Multi-AZ)\n{db.instance_class}", "cylinder"
        )
        d.link(primary, standby, "synchronous", dashed=True)
    for j in range(1, db.read_replicas + 1):
        az = (j + 1) % env.azs + 1
        replica = d.put(
            d.tier(az, "database"),
            f"db_replica_{j}",
            f"RDS read replica {j}\n{db.instance_class}",
            "cylinder",
        )
        d.link(primary, replica, "asynchronous", dashed=True)


def _cache(d: _Env) -> None:
    env, cache = d.env, d.env.cache
    if cache is None:
        return
    primary = d.put(
        d.tier(1, "cache"),
        "cache_primary",
        f"ElastiCache {cache.engine} {cache.version}\n{cache.node_type} primary",
        "cylinder",
    )
    for instance in _app_instances(d):
        d.link(instance, primary)
    failover = ", failover" if cache.automatic_failover else ""
    for j in range(1, cache.replicas + 1):
        az = j % env.azs + 1
        replica = d.put(
            d.tier(az, "cache"),
            f"cache_replica_{j}",
            f"ElastiCache replica {j}{failover}\n{cache.node_type}",
            "cylinder",
        )
        d.link(primary, replica, "replication", dashed=True)


def _backup(d: _Env) -> None:
    """The AWS Backup vault (high-power) and its copy in the second region."""
    env, backup = d.env, d.env.backup_vault
    if backup is None:
        return
    vault = d.put(
        d.top,
        "backup_vault",
        f"AWS Backup vault, {backup.lock_mode} lock\n{backup.retention_days} days, KMS",
        "cylinder",
    )
    if env.database is not None:
        d.link(d.id("db_primary"), vault, "daily backup")
    if backup.static_bucket and env.static is not None:
        d.link(d.id("static"), vault, "daily backup")
    copy = d.put(d.top, "backup_copy", f"Vault copy in {backup.copy_region}", "cylinder")
    d.link(vault, copy, "copy", dashed=True)
    if backup.copy_vault_arn:
        second = d.put(d.top, "backup_account", "Vault in a second account", "cylinder")
        d.link(vault, second, "copy", dashed=True)


def _monitoring(d: _Env) -> None:
    env = d.env
    alarms = inventory.count(env, "aws_cloudwatch_metric_alarm")
    alarm = d.put(d.top, "alarms", f"CloudWatch alarms ({alarms})", "hexagon")
    topic = d.put(d.top, "sns", "SNS alarm topic", "hexagon")
    d.link(alarm, topic)
    email = None
    if env.monitoring.alarm_email:
        email = d.put(d.top, "email", f"email {env.monitoring.alarm_email}", "note")
        d.link(topic, email)
    if env.monitoring.monthly_budget_usd is not None:
        budget = d.put(d.top, "budget", f"AWS Budget\n${env.monitoring.monthly_budget_usd:,}/month", "note")
        d.link(budget, email or topic, "80% actual, 100% forecast")


def _dns(d: _Env) -> None:
    """Route 53 with a `dns:` section: the zone's alias records point the names at the ALB and
    CloudFront, and ACM issues the certificates tfgen validates in it."""
    from ..catalog.dns import issues_alb_certificate, issues_cdn_certificate

    dns = d.env.dns
    if dns is None:
        return
    zone = d.put(d.top, "route53", f"Route 53 zone {dns.zone}", "hexagon")
    d.link(d.id("internet"), zone, "DNS")
    d.link(zone, d.id("alb"), "alias A")
    if d.env.cdn is not None and d.env.cdn.aliases:
        d.link(zone, d.id("cdn"), "alias A, AAAA")
    if issues_alb_certificate(d.env) or issues_cdn_certificate(d.env):
        acm = d.put(d.top, "acm", "ACM certificates (DNS-validated)", "note")
        d.link(acm, zone, "validation CNAMEs", dashed=True)
        if issues_alb_certificate(d.env):
            d.link(acm, d.id("alb"), "regional", dashed=True)
        if issues_cdn_certificate(d.env):
            d.link(acm, d.id("cdn"), "us-east-1", dashed=True)
