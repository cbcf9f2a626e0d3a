"""The twin's schemas: the committed JSON (tools/twin/schema/) and a fast binary cache of it.

Terraform starts a provider several times per command and asks each time for the whole schema,
so the JSON is turned once (at install, `python -m twin.schemas build`, or on the first start
after the JSON changed) into a marshal file under .tools/twin/ holding the serialized
GetProviderSchema and GetMetadata responses plus the schema blocks the RPCs need. A start then
reads one file and never builds protobuf messages for the schema.
"""

from __future__ import annotations

import json
import marshal
import os
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCHEMA_DIR = HERE / "schema"
CACHE_DIR = Path(os.environ.get("TFGEN_TWIN_CACHE", ROOT / ".tools" / "twin"))
VERSIONS = {"aws": "6.69.1", "random": "3.9.1"}
CACHE_FORMAT = 3

NESTING = {"single": 1, "list": 2, "set": 3, "map": 4, "group": 5}


def schema_json(short: str) -> Path:
    """Path of the committed schema of one provider."""
    return SCHEMA_DIR / f"{short}-{VERSIONS[short]}.json"


def cache_path(short: str) -> Path:
    """Path of the binary cache of one provider."""
    return CACHE_DIR / f"{short}-{VERSIONS[short]}.marshal"


def _pb_block(pb: Any, block: dict[str, Any]) -> Any:
    out = pb.Schema.Block(version=0)
    for name, a in sorted(block["attributes"].items()):
        out.attributes.append(
            pb.Schema.Attribute(
                name=name,
                type=json.dumps(a["type"], separators=(",", ":")).encode(),
                required=a.get("required", False),
                optional=a.get("optional", False),
                computed=a.get("computed", False),
                sensitive=a.get("sensitive", False),
                write_only=a.get("write_only", False),
            )
        )
    for name, b in sorted(block.get("block_types", {}).items()):
        out.block_types.append(
            pb.Schema.NestedBlock(
                type_name=name,
                block=_pb_block(pb, b["block"]),
                nesting=NESTING[b["nesting"]],
                min_items=b.get("min_items", 0),
                max_items=b.get("max_items", 0),
            )
        )
    return out


def build(short: str) -> dict[str, Any]:
    """Build the cache content of one provider from its JSON."""
    from twin.proto import pb

    doc = json.loads(schema_json(short).read_text(encoding="utf-8"))
    caps = pb.ServerCapabilities(
        plan_destroy=False, get_provider_schema_optional=False, move_resource_state=False
    )
    resp = pb.GetProviderSchema.Response(
        provider=pb.Schema(version=0, block=_pb_block(pb, doc["provider_schema"])),
        server_capabilities=caps,
    )
    meta = pb.GetMetadata.Response(server_capabilities=caps)
    blocks: dict[str, Any] = {"provider": doc["provider_schema"]}
    for section, field, kind in (
        ("resource_schemas", "resource_schemas", "resource"),
        ("data_source_schemas", "data_source_schemas", "data"),
        ("ephemeral_resource_schemas", "ephemeral_resource_schemas", "ephemeral"),
    ):
        for name, s in sorted(doc[section].items()):
            getattr(resp, field)[name].CopyFrom(
                pb.Schema(version=s.get("version", 0), block=_pb_block(pb, s["block"]))
            )
            blocks[f"{kind}.{name}"] = s["block"]
            if kind == "resource":
                meta.resources.append(pb.GetMetadata.ResourceMetadata(type_name=name))
            elif kind == "data":
                meta.data_sources.append(pb.GetMetadata.DataSourceMetadata(type_name=name))
            else:
                meta.ephemeral_resources.append(pb.GetMetadata.EphemeralMetadata(type_name=name))
    return {
        "format": CACHE_FORMAT,
        "provider": doc["provider"],
        "version": doc["provider_version"],
        "schema_response": resp.SerializeToString(deterministic=True),
        "metadata_response": meta.SerializeToString(deterministic=True),
        "blocks": blocks,
    }


def _fresh(short: str, path: Path) -> bool:
    try:
        st = path.stat().st_mtime
    except OSError:
        return False
    return st >= schema_json(short).stat().st_mtime and st >= Path(__file__).stat().st_mtime


def write_cache(short: str) -> Path:
    """(Re)build and atomically write the cache of one provider."""
    data = build(short)
    path = cache_path(short)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(marshal.dumps(data))
    os.replace(tmp, path)
    return path


def load(short: str) -> dict[str, Any]:
    """The cache content of one provider, rebuilt when missing or older than the JSON."""
    path = cache_path(short)
    if not _fresh(short, path):
        try:
            write_cache(short)
        except OSError:  # read-only place: build in memory
            return build(short)
    data = marshal.loads(path.read_bytes())
    if data.get("format") != CACHE_FORMAT:
        write_cache(short)
        data = marshal.loads(path.read_bytes())
    return data


def main(argv: list[str]) -> int:
    """`python -m twin.schemas build [aws|random ...]`: write the caches."""
    if not argv or argv[0] != "build":
        print("usage: python -m twin.schemas build [aws] [random]", file=sys.stderr)
        return 2
    for short in argv[1:] or list(VERSIONS):
        p = write_cache(short)
        print(f"twin: wrote {p} ({p.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
