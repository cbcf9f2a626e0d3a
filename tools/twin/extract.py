"""Extract the provider schemas the twin serves from the CDK-Terrain bindings (make twin-schema).

The AWS provider binary is out of reach here, so `terraform providers schema -json` is too. The
PyPI wheels cdktn-provider-aws 25.8.1 (= hashicorp/aws 6.69.1) and cdktn-provider-random 15.0.1
(= hashicorp/random 3.9.1) carry, in `<pkg>/_jsii/*.jsii.tgz`, the generated JavaScript of every
resource, data source and ephemeral resource, and that JavaScript says more than the `.jsii`
assembly does:

- above every attribute getter a comment `// <name> - computed: B, optional: B, required: B`;
- the getter kind gives the type (`getStringAttribute`, `getNumberListAttribute`, ...;
  `cdktn.Fn.tolist(...)` around it marks a set), `new <X>List(this, "x", wrapsSet)` and
  `new <X>OutputReference(this, "x")` mark nested objects (list/set, or a single one);
- `synthesizeHclAttributes()` and `<struct>ToHclTerraform()` list the configurable names with
  `isBlock`, the nesting `type` ("simple" | "list" | "set" | "map" | "struct") and a
  `storageClassType` ("stringList", "numberMap", ...) that spells the full collection type;
- `this.markWriteOnlyAttribute(...)` marks write-only arguments.

From that this script builds, per type, a Terraform-style schema block (attributes with cty
types and required/optional/computed/sensitive/write_only flags, nested blocks with nesting mode
and min/max items) and writes tools/twin/schema/{aws-6.69.1,random-3.9.1}.json: trimmed to the
types tfgen's templates name plus tools/twin/extra_types.txt, sorted, deterministic.

What the JavaScript cannot tell, and how it is settled here:
- sensitive flags: a fixed table (SENSITIVE) of the attributes the real provider marks;
- an Optional+Computed nested block (SDKv2 `ConfigMode: Attr`, e.g. aws_security_group
  `ingress`) is served as an attribute of list/set-of-object type, which terraform lets the
  configuration write either as blocks or as a list expression;
- a set-nested block holding a dynamically typed attribute is served as a list (terraform
  refuses such sets);
- schema versions, defaults, validators and ForceNew are not known: the twin plans no replace.

Usage: python tools/twin/extract.py [--wheel-dir DIR] [--out-dir DIR]
"""

from __future__ import annotations

import argparse
import contextlib
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

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TEMPLATES = ROOT / "generator" / "tfgen" / "templates"
EXTRA = HERE / "extra_types.txt"
OUT_DIR = HERE / "schema"

PROVIDERS = {
    "aws": {
        "provider": "hashicorp/aws",
        "version": "6.69.1",
        "package": "cdktn-provider-aws",
        "package_version": "25.8.1",
    },
    "random": {
        "provider": "hashicorp/random",
        "version": "3.9.1",
        "package": "cdktn-provider-random",
        "package_version": "15.0.1",
    },
}

# Always served, whatever the templates say (the data sources the twin gives real values).
BASE_TYPES = """
data aws_availability_zones
data aws_caller_identity
data aws_partition
data aws_region
data aws_elb_service_account
data aws_ami
data aws_ssm_parameter
data aws_iam_policy_document
data aws_cloudfront_cache_policy
data aws_cloudfront_origin_request_policy
resource random_password
"""

# Attributes the real providers mark sensitive (the JavaScript does not say). "*" = any type.
SENSITIVE: dict[str, set[str]] = {
    "*": {
        "password",
        "password_wo",
        "master_password",
        "master_password_wo",
        "auth_token",
        "auth_token_wo",
        "secret_string",
        "secret_binary",
        "secret_string_wo",
        "passwords",
    },
    "resource.aws_acm_certificate": {"private_key"},
    "resource.random_password": {"result", "bcrypt_hash"},
    "ephemeral.random_password": {"result", "bcrypt_hash"},
    "resource.aws_ssm_parameter": {"value", "value_wo"},
    "data.aws_ssm_parameter": {"value"},
    "resource.aws_db_instance": {"password"},
    "resource.aws_elasticache_user": {"passwords"},
}

TEMPLATE_TYPE_RE = re.compile(r'\b(resource|data|ephemeral)\s+"((?:aws|random)_[a-z0-9_]+)"')
TF_TYPE_RE = re.compile(r'static tfResourceType = "([a-z0-9_]+)";')
CLASS_RE = re.compile(r"^class (\w+) extends cdktn\.(\w+) \{\n(.*?)^\}\n", re.S | re.M)
FUNC_RE = re.compile(r"^function (\w+)ToHclTerraform\(struct\) \{\n(.*?)^\}\n", re.S | re.M)
HCL_ENTRY_RE = re.compile(
    r'^\s+"?([A-Za-z0-9_-]+)"?: \{\n\s+value: (.*?),\n\s+isBlock: (true|false),\n'
    r'\s+type: "(\w+)",\n\s+storageClassType: "(\w+)",',
    re.M,
)
MEMBER_RE = re.compile(
    r"^\s+// (\S+) - computed: (true|false), optional: (true|false), required: (true|false)\n"
    r"((?:(?!\s+// \S+ - computed:).*\n){1,8})",
    re.M,
)
NEW_RE = re.compile(r'new ([\w.]+)\(this, "([^"]+)"(?:, (true|false))?\)')
GETTER_RE = re.compile(
    r"(cdktn\.Fn\.tolist\()?this\.(get\w+Attribute|interpolationForAttribute)\('([^']+)'\)"
)
LIST_ELEM_RE = re.compile(r"get\(index\) \{\n\s+return new (\w+)\(")
WO_RE = re.compile(r"(\w+): this\.markWriteOnlyAttribute\(")

GETTER_TYPES: dict[str, Any] = {
    "getStringAttribute": "string",
    "getNumberAttribute": "number",
    "getBooleanAttribute": "bool",
    "getListAttribute": ["list", "string"],
    "getNumberListAttribute": ["list", "number"],
    "getStringMapAttribute": ["map", "string"],
    "getNumberMapAttribute": ["map", "number"],
    "getBooleanMapAttribute": ["map", "bool"],
    "interpolationForAttribute": "dynamic",
}
MAP_CLASSES = {
    "cdktn.StringMap": "string",
    "cdktn.NumberMap": "number",
    "cdktn.BooleanMap": "bool",
    "cdktn.AnyMap": "dynamic",
}
BASE_STORAGE = {"string": "string", "number": "number", "boolean": "bool", "any": "dynamic"}


def wanted_types() -> dict[str, set[tuple[str, str]]]:
    """{provider short name: {(kind, type)}} from the templates, BASE_TYPES and extra_types.txt."""
    pairs: set[tuple[str, str]] = set()
    if TEMPLATES.is_dir():
        for path in sorted(TEMPLATES.rglob("*")):
            if path.is_file():
                with contextlib.suppress(UnicodeDecodeError):
                    pairs.update(TEMPLATE_TYPE_RE.findall(path.read_text(encoding="utf-8")))
    lines = BASE_TYPES.splitlines() + EXTRA.read_text(encoding="utf-8").splitlines()
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            kind, name = line.split()
            pairs.add((kind, name))
    out: dict[str, set[tuple[str, str]]] = {p: set() for p in PROVIDERS}
    for kind, name in pairs:
        out[name.split("_", 1)[0]].add((kind, name))
    return out


def fetch_tarball(package: str, version: str, wheel_dir: Path) -> Path:
    """The jsii tarball of `package==version`: from an installed copy, a wheel in wheel_dir, or pip."""
    module = package.replace("-", "_")
    for entry in sys.path:
        pkg = Path(entry or ".") / module / "_jsii"
        hits = sorted(pkg.glob(f"*@{version}.jsii.tgz")) if pkg.is_dir() else []
        if hits:
            return hits[0]
    wheels = sorted(wheel_dir.glob(f"{module}-{version}-*.whl"))
    if not wheels:
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
        wheels = sorted(wheel_dir.glob(f"{module}-{version}-*.whl"))
    with zipfile.ZipFile(wheels[0]) as zf:
        members = [n for n in zf.namelist() if re.fullmatch(rf"{module}/_jsii/.*\.jsii\.tgz", n)]
        if len(members) != 1:
            raise SystemExit(f"{wheels[0].name}: expected one _jsii/*.jsii.tgz, found {members}")
        target = wheel_dir / Path(members[0]).name
        if not target.exists():
            with zf.open(members[0]) as src, open(target, "wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
    return target


def read_sources(tarball: Path) -> dict[str, str]:
    """{member dir name: index.js text} for every package/lib/<dir>/index.js in the tarball."""
    out: dict[str, str] = {}
    with tarfile.open(tarball, "r:gz") as tf:
        for m in tf:
            parts = m.name.split("/")
            if len(parts) == 4 and parts[:2] == ["package", "lib"] and parts[3] == "index.js":
                f = tf.extractfile(m)
                if f is not None:
                    out[parts[2]] = f.read().decode("utf-8")
    return out


def storage_type(kind: str, storage: str) -> Any:
    """cty type of a configurable non-block attribute from its synthesize entry."""
    m = re.fullmatch(r"(string|number|boolean|any)((?:List|Map)*)", storage)
    if not m:
        raise ValueError(f"unknown storageClassType {storage}")
    t: Any = BASE_STORAGE[m.group(1)]
    suffixes = re.findall(r"List|Map", m.group(2))
    for i, suf in enumerate(suffixes):
        outer = i == len(suffixes) - 1
        t = ["map", t] if suf == "Map" else ["set" if outer and kind == "set" else "list", t]
    return t


def has_dynamic(t: Any) -> bool:
    """Whether a cty type (or schema block) contains a dynamic type anywhere."""
    if t == "dynamic":
        return True
    if isinstance(t, list):
        return any(has_dynamic(x) for x in t[1:])
    if isinstance(t, dict):
        if "attributes" in t:
            return any(has_dynamic(a["type"]) for a in t["attributes"].values()) or any(
                has_dynamic(b["block"]) for b in t.get("block_types", {}).values()
            )
        return any(has_dynamic(x) for x in t.values())
    return False


class Module:
    """One index.js: its classes and struct functions."""

    def __init__(self, text: str, where: str) -> None:
        self.where = where
        self.classes: dict[str, tuple[str, str]] = {
            name: (base, body) for name, base, body in CLASS_RE.findall(text)
        }
        self.funcs: dict[str, str] = {name: body for name, body in FUNC_RE.findall(text)}
        self.funcs_lower = {k.lower(): v for k, v in self.funcs.items()}
        self.write_only: set[tuple[str, str]] = set()  # (context, name)

    @staticmethod
    def hcl_entries(body: str) -> dict[str, tuple[str, bool, str, str]]:
        """{name: (value, isBlock, type, storageClassType)} from a synthesize body."""
        return {m[0]: (m[1], m[2] == "true", m[3], m[4]) for m in HCL_ENTRY_RE.findall(body)}

    @staticmethod
    def members(body: str) -> dict[str, dict[str, Any]]:
        """{name: {computed, optional, required, chunk}} from the getter comments of a class."""
        out = {}
        for name, comp, opt, req, chunk in MEMBER_RE.findall(body):
            out[name] = {
                "computed": comp == "true",
                "optional": opt == "true",
                "required": req == "true",
                "chunk": chunk,
            }
        return out

    def struct_body(self, value: str, class_name: str | None) -> str | None:
        """The body of the <struct>ToHclTerraform function for a block."""
        m = re.search(r"(\w+)ToHclTerraform", value)
        if m and m.group(1) in self.funcs:
            return self.funcs[m.group(1)]
        if class_name:
            base = re.sub(r"(OutputReference|List)$", "", class_name)
            return self.funcs_lower.get(base.lower())
        return None

    def resolve_new(self, cls: str, wraps_set: str | None) -> tuple[str, str | None]:
        """('map'|'list'|'set'|'single', element class) for a `new X(this, ...)` member."""
        if cls in MAP_CLASSES:
            return "map", cls
        if cls not in self.classes:
            raise SystemExit(f"{self.where}: unknown class {cls}")
        base, body = self.classes[cls]
        if base == "ComplexList":
            m = LIST_ELEM_RE.search(body)
            if not m:
                raise SystemExit(f"{self.where}: {cls} has no element class")
            return ("set" if wraps_set == "true" else "list"), m.group(1)
        return "single", cls

    def node(
        self, class_name: str | None, hcl_body: str | None, ctx: str, seen: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """Schema block for a class (getters) and its synthesize entries."""
        if class_name and class_name in seen:
            raise SystemExit(f"{ctx}: recursive class {class_name}")
        seen = (*seen, class_name or "")
        members = self.members(self.classes[class_name][1]) if class_name else {}
        hcl = self.hcl_entries(hcl_body) if hcl_body else {}
        wo_names = set(WO_RE.findall(self.classes[class_name][1])) if class_name else set()
        attributes: dict[str, Any] = {}
        blocks: dict[str, Any] = {}
        for name in sorted(set(members) | set(hcl)):
            mem = members.get(name, {"computed": False, "optional": True, "required": False, "chunk": ""})
            entry = hcl.get(name)
            chunk = mem["chunk"]
            new = NEW_RE.search(chunk)
            getter = GETTER_RE.search(chunk)
            flags = {k: True for k in ("required", "optional", "computed") if mem[k]}
            if not (mem["required"] or mem["optional"] or mem["computed"]):
                flags = {"optional": True}
            if entry and entry[1]:  # a block
                value, _, nesting, storage = entry
                shape, elem = ("single", None)
                if new:
                    shape, elem = self.resolve_new(new.group(1), new.group(3))
                child_body = self.struct_body(value, elem)
                child = self.node(elem, child_body, f"{ctx}.{name}", seen)
                if nesting == "struct":
                    mode = "single"
                elif nesting == "set":
                    mode = "list" if has_dynamic(child) else "set"
                else:
                    mode = "list"
                if mem["computed"]:  # Optional+Computed: SDKv2 attribute-as-block
                    ttype = [mode if mode != "single" else "list", block_type(child)]
                    attributes[name] = {"type": ttype, **flags}
                    continue
                blk: dict[str, Any] = {"nesting": mode, "block": child}
                if mode != "single":
                    if mem["required"]:
                        blk["min_items"] = 1
                    if shape == "single" and new:
                        blk["max_items"] = 1
                blocks[name] = blk
                continue
            if entry:
                ttype = storage_type(entry[2], entry[3])
            elif new:
                shape, elem = self.resolve_new(new.group(1), new.group(3))
                if shape == "map":
                    ttype = ["map", MAP_CLASSES[new.group(1)]]
                else:
                    child = self.node(elem, self.struct_body("", elem), f"{ctx}.{name}", seen)
                    obj = block_type(child)
                    ttype = obj if shape == "single" else [shape, obj]
            elif getter:
                ttype = GETTER_TYPES[getter.group(2)]
                if getter.group(1) and isinstance(ttype, list):
                    ttype = ["set", ttype[1]]
            else:
                raise SystemExit(f"{ctx}.{name}: cannot tell the type from {chunk!r}")
            attr = {"type": ttype, **flags}
            if name in wo_names or (name.endswith("_wo") and not mem["computed"]):
                attr["write_only"] = True
            attributes[name] = attr
        out: dict[str, Any] = {"attributes": attributes}
        if blocks:
            out["block_types"] = blocks
        return out


def block_type(block: dict[str, Any]) -> Any:
    """The cty object type a block (or nested-object attribute) stands for."""
    attrs: dict[str, Any] = {n: a["type"] for n, a in block["attributes"].items()}
    for n, b in block.get("block_types", {}).items():
        t = block_type(b["block"])
        attrs[n] = t if b["nesting"] == "single" else [b["nesting"], t]
    return ["object", dict(sorted(attrs.items()))]


def mark_sensitive(block: dict[str, Any], key: str, top: bool = True) -> None:
    """Set `sensitive` on the attributes the real provider marks (type table: top level only)."""
    names = SENSITIVE["*"] | (SENSITIVE.get(key, set()) if top else set())
    for n, a in block["attributes"].items():
        if n in names:
            a["sensitive"] = True
    for b in block.get("block_types", {}).values():
        mark_sensitive(b["block"], key, top=False)


KIND_BASE = {
    "TerraformResource": "resource",
    "TerraformDataSource": "data",
    "TerraformEphemeralResource": "ephemeral",
    "TerraformProvider": "provider",
}


def extract_provider(short: str, wanted: set[tuple[str, str]], wheel_dir: Path) -> dict[str, Any]:
    """The schema document of one provider."""
    meta = PROVIDERS[short]
    sources = read_sources(fetch_tarball(meta["package"], meta["package_version"], wheel_dir))
    found: dict[tuple[str, str], tuple[Module, str]] = {}
    provider_mod: tuple[Module, str] | None = None
    for dirname in sorted(sources):
        text = sources[dirname]
        if dirname == "provider":
            mod = Module(text, dirname)
            for cname, (base, _) in mod.classes.items():
                if base == "TerraformProvider":
                    provider_mod = (mod, cname)
            continue
        m = TF_TYPE_RE.search(text)
        if not m:
            continue
        mod = Module(text, dirname)
        for cname, (base, _body) in mod.classes.items():
            if base in KIND_BASE and KIND_BASE[base] != "provider":
                key = (KIND_BASE[base], m.group(1))
                if key in wanted:
                    found[key] = (mod, cname)
    missing = sorted(wanted - set(found))
    for kind, name in missing:
        print(
            f"warning: {kind} {name} is not in {meta['package']} {meta['package_version']}", file=sys.stderr
        )
    if provider_mod is None:
        raise SystemExit(f"{meta['package']}: no provider class")

    def build(mod: Module, cname: str, key: str) -> dict[str, Any]:
        body = mod.classes[cname][1]
        m = re.search(r"synthesizeHclAttributes\(\) \{\n(.*?)\n    \}\n", body, re.S)
        block = mod.node(cname, m.group(1) if m else None, key)
        block["attributes"].pop("alias", None) if key.startswith("provider") else None
        mark_sensitive(block, key)
        return block

    pmod, pcls = provider_mod
    pblock = build(pmod, pcls, f"provider.{short}")
    # Provider arguments are all optional; its block structs have no getter classes.
    sections: dict[str, dict[str, Any]] = {"resource": {}, "data": {}, "ephemeral": {}}
    for (kind, name), (mod, cname) in sorted(found.items()):
        sections[kind][name] = {"version": 0, "block": build(mod, cname, f"{kind}.{name}")}
    return {
        "provider": meta["provider"],
        "provider_version": meta["version"],
        "source": f"{meta['package']} {meta['package_version']} (PyPI), package/lib/*/index.js",
        "generated_by": "tools/twin/extract.py (make twin-schema); do not edit by hand",
        "missing": [f"{k} {n}" for k, n in missing],
        "provider_schema": pblock,
        "resource_schemas": sections["resource"],
        "data_source_schemas": sections["data"],
        "ephemeral_resource_schemas": sections["ephemeral"],
    }


def main(argv: list[str] | None = None) -> int:
    """Command line entry: extract both providers and write the JSON files."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheel-dir", type=Path, help="keep/reuse downloaded wheels here")
    ap.add_argument("--out-dir", type=Path, default=OUT_DIR)
    args = ap.parse_args(argv)
    wanted = wanted_types()
    with tempfile.TemporaryDirectory(prefix="twin-schema-") as tmp:
        wheel_dir = args.wheel_dir or Path(tmp)
        wheel_dir.mkdir(parents=True, exist_ok=True)
        for short, meta in PROVIDERS.items():
            doc = extract_provider(short, wanted[short], wheel_dir)
            out = args.out_dir / f"{short}-{meta['version']}.json"
            out.parent.mkdir(parents=True, exist_ok=True)
            text = json.dumps(doc, indent=1, sort_keys=True) + "\n"
            tmp_out = out.with_suffix(".json.tmp")
            tmp_out.write_text(text, encoding="utf-8")
            os.replace(tmp_out, out)
            print(
                f"wrote {out}: {len(doc['resource_schemas'])} resources, "
                f"{len(doc['data_source_schemas'])} data sources, "
                f"{len(doc['ephemeral_resource_schemas'])} ephemeral, {len(text) // 1024} KiB"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
