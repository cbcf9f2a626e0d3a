"""The tfplugin6 Provider service of the twin: plan, apply, read, import, data sources, ephemeral.

Behaviour (a test double, not AWS):
- validation RPCs accept everything terraform itself let through (terraform checks types,
  required/unknown arguments, blocks and references against the schema on its own);
- plan keeps terraform's proposed new state; a computed attribute without a value becomes
  unknown on create (on update the prior value stays); `region` is the provider's region and
  `tags_all` the provider's default_tags merged with `tags`; write-only attributes are null;
- apply fills every unknown with a plausible value (twin.fill, twin.randomp);
- read returns the prior state, or with TFGEN_TWIN_CLOUD=DIR the object stored there at apply
  (one JSON file per type/id; a deleted file reads as gone), so drift can be staged;
- data sources return realistic values (twin.datasources) plus placeholders of the right type.
"""

from __future__ import annotations

import copy
import json
import os
import threading
import traceback
import urllib.parse
from pathlib import Path
from typing import Any

from twin import cty
from twin.cty import UNKNOWN, block_type, conform, decode, decode_json, encode
from twin.proto import pb

LEGACY = os.environ.get("TFGEN_TWIN_STRICT", "") in ("", "0")
NAME_FIRST = ("name", "bucket", "identifier", "replication_group_id", "id", "arn")
# Computed attributes AWS changes whenever an update changes the object.
RECOMPUTED_ON_UPDATE = {
    "aws_launch_template": ("latest_version",),
    "aws_cloudfront_distribution": ("etag", "last_modified_time"),
    "aws_cloudfront_response_headers_policy": ("etag",),
    "aws_cloudfront_origin_access_control": ("etag",),
}


class Cloud:
    """A directory standing in for the AWS side: DIR/<type>/<id>.json per object."""

    def __init__(self, root: str) -> None:
        self.root = Path(root)
        self.lock = threading.Lock()

    def _path(self, tname: str, oid: str) -> Path:
        return self.root / tname / (urllib.parse.quote(oid, safe="") + ".json")

    def put(self, tname: str, obj: dict[str, Any]) -> None:
        """Store an object (by its id)."""
        oid = obj.get("id")
        if not isinstance(oid, str):
            return
        path = self._path(tname, oid)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(
            json.dumps({"type": tname, "id": oid, "attributes": cty.to_json(obj)}, indent=1, sort_keys=True)
            + "\n",
            encoding="utf-8",
        )
        os.replace(tmp, path)

    def get(self, tname: str, oid: str) -> dict[str, Any] | None:
        """The stored attributes, or None when the object is gone."""
        try:
            return json.loads(self._path(tname, oid).read_text(encoding="utf-8"))["attributes"]
        except FileNotFoundError:
            return None

    def delete(self, tname: str, oid: str) -> None:
        """Forget an object."""
        self._path(tname, oid).unlink(missing_ok=True)

    def find(self, tname: str, attr: str, value: Any) -> dict[str, Any] | None:
        """The first stored object of a type whose attribute equals value."""
        d = self.root / tname
        if not d.is_dir():
            return None
        for p in sorted(d.glob("*.json")):
            with_attrs = json.loads(p.read_text(encoding="utf-8"))["attributes"]
            if with_attrs.get(attr) == value or (attr == "secret_id" and with_attrs.get("arn") == value):
                return with_attrs
        return None


def _diag(summary: str, detail: str = "", error: bool = True) -> Any:
    sev = pb.Diagnostic.ERROR if error else pb.Diagnostic.WARNING
    return pb.Diagnostic(severity=sev, summary=summary, detail=detail)


def _dv(value: Any, ty: Any) -> Any:
    return pb.DynamicValue(msgpack=encode(value, ty))


def _read_dv(dv: Any, ty: Any) -> Any:
    if dv.msgpack:
        return decode(dv.msgpack, ty)
    if dv.json:
        return decode_json(dv.json, ty)
    return None


def _plain(v: Any) -> Any:
    """Values as plain JSON-ish Python for the data source readers (Dyn unwrapped)."""
    if isinstance(v, cty.Dyn):
        return _plain(v.value)
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return None if v is UNKNOWN else v


class Provider:
    """One provider (aws or random) serving its cached schema."""

    def __init__(self, short: str, cache: dict[str, Any]) -> None:
        self.short = short
        self.cache = cache
        self.blocks: dict[str, Any] = cache["blocks"]
        self.types: dict[str, Any] = {}
        self.region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        self.account_id = "123456789012"
        self.default_tags: dict[str, Any] = {}
        root = os.environ.get("TFGEN_TWIN_CLOUD")
        self.cloud = Cloud(root) if root else None

    # -- plumbing -------------------------------------------------------------------------------
    def handler(self, name: str) -> Any:
        """A raw-bytes gRPC handler for one RPC."""
        if name == "GetProviderSchema":
            return lambda _data, _ctx: self.cache["schema_response"]
        if name == "GetMetadata":
            return lambda _data, _ctx: self.cache["metadata_response"]
        msg = getattr(pb, name)
        fn = getattr(self, name, None)

        def handle(data: bytes, ctx: Any) -> bytes:
            req = msg.Request.FromString(data)
            try:
                if fn is None:
                    resp = msg.Response()
                    if hasattr(resp, "diagnostics"):
                        resp.diagnostics.append(_diag(f"{name} is not supported by the offline twin"))
                else:
                    resp = fn(req)
            except Exception as exc:  # report, do not crash the plugin
                resp = msg.Response()
                resp.diagnostics.append(
                    _diag(f"terraform-provider-{self.short} twin: {exc}", traceback.format_exc())
                )
            return resp.SerializeToString()

        return handle

    def block(self, kind: str, tname: str) -> dict[str, Any]:
        """Schema block of a type (KeyError for an unknown type)."""
        return self.blocks[f"{kind}.{tname}"]

    def ty(self, kind: str, tname: str) -> Any:
        """Implied cty type of a type's block (cached)."""
        key = f"{kind}.{tname}"
        if key not in self.types:
            self.types[key] = block_type(self.blocks[key])
        return self.types[key]

    # -- provider -------------------------------------------------------------------------------
    def ValidateProviderConfig(self, req: Any) -> Any:
        return pb.ValidateProviderConfig.Response()

    def ConfigureProvider(self, req: Any) -> Any:
        resp = pb.ConfigureProvider.Response()
        if self.short != "aws":
            return resp
        cfg = _read_dv(req.config, block_type(self.blocks["provider"])) or {}
        region = cfg.get("region")
        if isinstance(region, str) and region:
            self.region = region
        elif not (os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")):
            resp.diagnostics.append(
                _diag(
                    "Missing region value",
                    'The "region" argument of the aws provider is not set, and neither AWS_REGION '
                    "nor AWS_DEFAULT_REGION is (offline twin).",
                )
            )
        ids = cfg.get("allowed_account_ids")
        if isinstance(ids, list) and ids and isinstance(ids[0], str):
            self.account_id = ids[0]
        for dt in cfg.get("default_tags") or []:
            tags = dt.get("tags") if isinstance(dt, dict) else None
            if isinstance(tags, dict):
                self.default_tags.update(tags)
        return resp

    def StopProvider(self, req: Any) -> Any:
        return pb.StopProvider.Response()

    def GetFunctions(self, req: Any) -> Any:
        return pb.GetFunctions.Response()

    def GetResourceIdentitySchemas(self, req: Any) -> Any:
        return pb.GetResourceIdentitySchemas.Response()

    # -- validation: terraform already checked the configuration against the schema ------------
    def ValidateResourceConfig(self, req: Any) -> Any:
        return pb.ValidateResourceConfig.Response()

    def ValidateDataResourceConfig(self, req: Any) -> Any:
        return pb.ValidateDataResourceConfig.Response()

    def ValidateEphemeralResourceConfig(self, req: Any) -> Any:
        return pb.ValidateEphemeralResourceConfig.Response()

    # -- managed resources ----------------------------------------------------------------------
    def UpgradeResourceState(self, req: Any) -> Any:
        ty = self.ty("resource", req.type_name)
        state = decode_json(req.raw_state.json, ty) if req.raw_state.json else None
        return pb.UpgradeResourceState.Response(upgraded_state=_dv(state, ty))

    def ReadResource(self, req: Any) -> Any:
        ty = self.ty("resource", req.type_name)
        state = _read_dv(req.current_state, ty)
        if self.cloud is not None and isinstance(state, dict) and isinstance(state.get("id"), str):
            stored = self.cloud.get(req.type_name, state["id"])
            state = None if stored is None else conform(stored, ty, from_json=True)
        return pb.ReadResource.Response(new_state=_dv(state, ty), private=req.private)

    def PlanResourceChange(self, req: Any) -> Any:
        tname = req.type_name
        block, ty = self.block("resource", tname), self.ty("resource", tname)
        prior = _read_dv(req.prior_state, ty)
        proposed = _read_dv(req.proposed_new_state, ty)
        config = _read_dv(req.config, ty)
        resp = pb.PlanResourceChange.Response(planned_private=req.prior_private, legacy_type_system=LEGACY)
        if proposed is None:
            resp.planned_state.CopyFrom(_dv(None, ty))
            return resp
        planned = self._plan(block, config, prior, proposed)
        self._plan_top(tname, block, prior, planned)
        if tname.startswith("random_") and prior is not None:
            for name, a in sorted(block["attributes"].items()):
                if (a.get("required") or a.get("optional")) and prior.get(name) != planned.get(name):
                    resp.requires_replace.append(
                        pb.AttributePath(steps=[pb.AttributePath.Step(attribute_name=name)])
                    )
        resp.planned_state.CopyFrom(_dv(planned, ty))
        return resp

    def _plan(self, block: dict[str, Any], cfg: Any, prior: Any, prop: Any) -> Any:
        """Planned value of one object: proposed, with computed gaps unknown (new) or prior."""
        if prop is None or prop is UNKNOWN:
            return prop
        out = dict(prop)
        for name, a in block["attributes"].items():
            if a.get("write_only"):
                out[name] = None
            elif a.get("computed") and out.get(name) is None:
                if prior is None:
                    out[name] = UNKNOWN
                else:
                    out[name] = prior.get(name)
        for name, b in block.get("block_types", {}).items():
            pv = out.get(name)
            if pv is None or pv is UNKNOWN:
                continue
            cv = cfg.get(name) if isinstance(cfg, dict) else None
            prv = prior.get(name) if isinstance(prior, dict) else None
            if b["nesting"] == "single":
                out[name] = self._plan(b["block"], cv, prv, pv)
            elif b["nesting"] == "list":
                out[name] = [
                    self._plan(b["block"], _at(cv, i), _at(prv, i) if prior is not None else None, e)
                    for i, e in enumerate(pv)
                ]
            else:
                out[name] = [self._plan(b["block"], None, _match(b["block"], e, prv), e) for e in pv]
        return out

    def _plan_top(self, tname: str, block: dict[str, Any], prior: Any, planned: dict[str, Any]) -> None:
        attrs = block["attributes"]
        if "region" in attrs and attrs["region"].get("computed") and planned.get("region") is UNKNOWN:
            planned["region"] = self.region
        if "tags_all" in attrs and attrs["tags_all"].get("computed"):
            tags = planned.get("tags")
            if (
                tags is UNKNOWN
                or (isinstance(tags, dict) and UNKNOWN in tags.values())
                or UNKNOWN in self.default_tags.values()
            ):
                planned["tags_all"] = UNKNOWN
            else:
                merged = dict(self.default_tags)
                merged.update({k: v for k, v in (tags or {}).items() if v is not None})
                planned["tags_all"] = merged
        if prior is not None and tname in RECOMPUTED_ON_UPDATE:
            changed = any(
                prior.get(n) != planned.get(n)
                for n, a in attrs.items()
                if not a.get("computed") or a.get("optional")
            )
            changed = changed or any(prior.get(n) != planned.get(n) for n in block.get("block_types", {}))
            if changed:
                for n in RECOMPUTED_ON_UPDATE[tname]:
                    planned[n] = UNKNOWN
        if tname.startswith("random_") and prior is None:
            from twin import randomp

            randomp.plan_defaults(planned)

    def ApplyResourceChange(self, req: Any) -> Any:
        tname = req.type_name
        block, ty = self.block("resource", tname), self.ty("resource", tname)
        prior = _read_dv(req.prior_state, ty)
        planned = _read_dv(req.planned_state, ty)
        resp = pb.ApplyResourceChange.Response(private=req.planned_private, legacy_type_system=LEGACY)
        if planned is None:
            if self.cloud is not None and isinstance(prior, dict) and isinstance(prior.get("id"), str):
                self.cloud.delete(tname, prior["id"])
            resp.new_state.CopyFrom(_dv(None, ty))
            return resp
        new = copy.deepcopy(planned)
        if tname.startswith("random_"):
            from twin import randomp

            randomp.fill(tname, new)
        else:
            self._fill(tname, block, new, prior=prior)
        if self.cloud is not None:
            self.cloud.put(tname, new)
        resp.new_state.CopyFrom(_dv(new, ty))
        return resp

    def _fill(
        self, tname: str, block: dict[str, Any], obj: dict[str, Any], salt: str = "", prior: Any = None
    ) -> None:
        """Replace every unknown in obj (an object being created or updated) with a value."""
        from twin.fill import Filler

        f = Filler(tname, obj, self, salt, nested=bool(salt), prior=prior)
        attrs = block["attributes"]
        order = [n for n in NAME_FIRST if n in attrs] + [n for n in sorted(attrs) if n not in NAME_FIRST]
        for name in order:
            a = attrs[name]
            if a.get("write_only"):
                obj[name] = None
                continue
            v = obj.get(name)
            if v is UNKNOWN:
                computed_only = not (a.get("optional") or a.get("required"))
                obj[name] = f.value(name, a["type"], computed_only)
            elif cty.has_unknown(v):
                obj[name] = self._fill_value(f, name, a["type"], v)
        for name, b in block.get("block_types", {}).items():
            v = obj.get(name)
            if isinstance(v, dict):
                self._fill(tname, b["block"], v, salt + "/" + name)
            elif isinstance(v, list):
                for i, e in enumerate(v):
                    if isinstance(e, dict):
                        self._fill(tname, b["block"], e, f"{salt}/{name}/{i}")

    def _fill_value(self, f: Any, name: str, ty: Any, v: Any) -> Any:
        if v is UNKNOWN:
            return f.value(name, ty, True) if not isinstance(ty, str) or ty != "dynamic" else None
        if isinstance(ty, list) and ty[0] in ("list", "set") and isinstance(v, list):
            return [self._fill_value(f, name, ty[1], x) for x in v]
        if isinstance(ty, list) and ty[0] == "map" and isinstance(v, dict):
            return {k: self._fill_value(f, name, ty[1], x) for k, x in v.items()}
        if isinstance(ty, list) and ty[0] == "object" and isinstance(v, dict):
            return {k: self._fill_value(f, k, t, v.get(k)) for k, t in ty[1].items()}
        return v

    def ImportResourceState(self, req: Any) -> Any:
        tname = req.type_name
        block, ty = self.block("resource", tname), self.ty("resource", tname)
        state: dict[str, Any] = {n: None for n in block["attributes"]}
        for n, b in block.get("block_types", {}).items():
            state[n] = None if b["nesting"] == "single" else []
        state["id"] = req.id
        if self.cloud is not None:
            stored = self.cloud.get(tname, req.id)
            if stored is not None:
                state = conform(stored, ty, from_json=True)
        resp = pb.ImportResourceState.Response()
        resp.imported_resources.append(
            pb.ImportResourceState.ImportedResource(type_name=tname, state=_dv(state, ty))
        )
        return resp

    # -- data sources ---------------------------------------------------------------------------
    def ReadDataSource(self, req: Any) -> Any:
        tname = req.type_name
        block, ty = self.block("data", tname), self.ty("data", tname)
        cfg = _read_dv(req.config, ty) or {}
        state = self._read_data(tname, block, ty, cfg)
        return pb.ReadDataSource.Response(state=_dv(state, ty))

    def _read_data(self, tname: str, block: dict[str, Any], ty: Any, cfg: dict[str, Any]) -> Any:
        from twin.datasources import READERS
        from twin.fill import Filler

        state = dict(cfg)
        reader = READERS.get(tname)
        known = reader(_plain(cfg), self) if reader else {}
        f = Filler(tname, state, self)
        for name, a in sorted(block["attributes"].items()):
            if state.get(name) is not None or a.get("write_only"):
                continue
            if name in known:  # like SDKv2 providers, also unset optional ones (id, defaults)
                state[name] = conform(known[name], a["type"])
            elif a.get("computed"):
                state[name] = f.value(name, a["type"], not a.get("optional"))
        return state

    # -- ephemeral resources --------------------------------------------------------------------
    def OpenEphemeralResource(self, req: Any) -> Any:
        tname = req.type_name
        block, ty = self.block("ephemeral", tname), self.ty("ephemeral", tname)
        cfg = _read_dv(req.config, ty) or {}
        if tname.startswith("random_"):
            from twin import randomp

            obj = dict(cfg)
            for n, a in block["attributes"].items():
                if a.get("computed") and obj.get(n) is None:
                    obj[n] = UNKNOWN
            randomp.fill(tname, obj, salt=os.urandom(8).hex())
            log = os.environ.get("TFGEN_TWIN_EPHEMERAL_LOG")
            if log:  # tests read what was generated, to prove it is nowhere in a state or plan
                with open(log, "a", encoding="utf-8") as out:
                    out.write(json.dumps({"type": tname, "result": obj.get("result")}) + "\n")
        else:
            obj = self._read_data(tname, block, ty, cfg)
        return pb.OpenEphemeralResource.Response(result=_dv(obj, ty))

    def RenewEphemeralResource(self, req: Any) -> Any:
        return pb.RenewEphemeralResource.Response(private=req.private)

    def CloseEphemeralResource(self, req: Any) -> Any:
        return pb.CloseEphemeralResource.Response()


def _at(v: Any, i: int) -> Any:
    return v[i] if isinstance(v, list) and i < len(v) else None


def _match(block: dict[str, Any], elem: Any, prior_elems: Any) -> Any:
    """The prior element of a set that equals elem on every non-computed attribute."""
    if not isinstance(prior_elems, list) or not isinstance(elem, dict):
        return None
    keys = [n for n, a in block["attributes"].items() if not a.get("computed")]
    keys += list(block.get("block_types", {}))
    for p in prior_elems:
        if isinstance(p, dict) and all(p.get(k) == elem.get(k) for k in keys):
            return p
    return None
