"""cty values on the wire: msgpack (and the JSON of stored state) <-> plain Python values.

Terraform's DynamicValue carries a value of the schema's implied type in cty's msgpack form:
null is nil, an unknown value is extension type 0 (a refined unknown is extension 12), numbers
are ints, floats or (when neither is exact) strings, lists/sets/tuples are arrays, maps and
objects are maps; a value of a dynamically typed attribute is the pair [type JSON, value].

Here a value is None, UNKNOWN, str, int/float, bool, list (also for sets), dict, or Dyn for a
dynamically typed value (kept with its type so it can be written back). Types are the cty JSON
types of the schema: "string", ["list", T], ["object", {name: T}], "dynamic", ...
"""

from __future__ import annotations

import json
from typing import Any

import msgpack


class _Unknown:
    """The one unknown value (refinements are dropped)."""

    _inst: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._inst is None:
            cls._inst = super().__new__(cls)
        return cls._inst

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __reduce__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


class Dyn:
    """A value of a dynamically typed attribute, with its concrete type."""

    __slots__ = ("type", "value")

    def __init__(self, ty: Any, value: Any) -> None:
        self.type = ty
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Dyn) and other.type == self.type and other.value == self.value

    def __repr__(self) -> str:
        return f"Dyn({self.type!r}, {self.value!r})"


def _ext_hook(code: int, data: bytes) -> Any:
    if code in (0, 12):
        return UNKNOWN
    return msgpack.ExtType(code, data)


def _num(v: Any) -> Any:
    if isinstance(v, str):
        f = float(v)
        return int(f) if f.is_integer() and "e" not in v.lower() and "." not in v else f
    return v


def conform(v: Any, ty: Any, from_json: bool = False) -> Any:
    """Walk a decoded value with its type: numbers from strings, dynamic pairs, missing attrs."""
    if v is None or v is UNKNOWN:
        return v
    if ty == "dynamic":
        if from_json:  # state JSON has {"value": ..., "type": ...} for dynamic attributes
            if isinstance(v, dict) and set(v) == {"value", "type"}:
                return Dyn(v["type"], conform(v["value"], v["type"], True))
            return Dyn(_guess_type(v), v)
        if isinstance(v, list) and len(v) == 2 and isinstance(v[0], (bytes, str)):
            t = json.loads(v[0])
            return Dyn(t, conform(v[1], t))
        return Dyn(_guess_type(v), v)
    if ty == "number":
        return _num(v)
    if ty in ("string", "bool"):
        return v
    kind = ty[0]
    if kind in ("list", "set"):
        return [conform(x, ty[1], from_json) for x in v]
    if kind == "map":
        return {k: conform(x, ty[1], from_json) for k, x in v.items()}
    if kind == "object":
        return {k: conform(v.get(k), t, from_json) for k, t in ty[1].items()}
    if kind == "tuple":
        return [conform(x, t, from_json) for x, t in zip(v, ty[1], strict=False)]
    return v


def _guess_type(v: Any) -> Any:
    """A cty type for a plain JSON-ish value (used for dynamic values we make up)."""
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return ["tuple", [_guess_type(x) for x in v]]
    if isinstance(v, dict):
        return ["object", {k: _guess_type(x) for k, x in v.items()}]
    return "dynamic"


def decode(data: bytes, ty: Any) -> Any:
    """msgpack DynamicValue bytes -> Python value of type ty."""
    if not data:
        return None
    raw = msgpack.unpackb(data, ext_hook=_ext_hook, raw=False, strict_map_key=False)
    return conform(raw, ty)


def decode_json(data: bytes, ty: Any) -> Any:
    """JSON (stored state) -> Python value of type ty."""
    if not data:
        return None
    return conform(json.loads(data), ty, from_json=True)


def _prep(v: Any, ty: Any) -> Any:
    """Python value -> msgpack-ready structure for type ty."""
    if v is UNKNOWN:
        return msgpack.ExtType(0, b"\x00")
    if ty == "dynamic":
        if v is None:
            return None
        if not isinstance(v, Dyn):
            v = Dyn(_guess_type(v), v)
        return [json.dumps(v.type, separators=(",", ":")).encode(), _prep(v.value, v.type)]
    if v is None:
        return None
    if ty == "number":
        if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
            return int(v)
        return v
    if ty in ("string", "bool"):
        return v
    kind = ty[0]
    if kind in ("list", "set"):
        return [_prep(x, ty[1]) for x in v]
    if kind == "map":
        return {k: _prep(x, ty[1]) for k, x in v.items()}
    if kind == "object":
        return {k: _prep(v.get(k) if isinstance(v, dict) else None, t) for k, t in ty[1].items()}
    if kind == "tuple":
        return [_prep(x, t) for x, t in zip(v, ty[1], strict=False)]
    return v


def encode(v: Any, ty: Any) -> bytes:
    """Python value of type ty -> msgpack DynamicValue bytes."""
    return msgpack.packb(_prep(v, ty), use_bin_type=True)


def to_json(v: Any) -> Any:
    """A JSON-ready copy (Dyn -> {"value","type"}; UNKNOWN must not occur)."""
    if isinstance(v, Dyn):
        return {"value": to_json(v.value), "type": v.type}
    if isinstance(v, list):
        return [to_json(x) for x in v]
    if isinstance(v, dict):
        return {k: to_json(x) for k, x in v.items()}
    if v is UNKNOWN:
        raise ValueError("unknown value in a stored object")
    return v


def block_type(block: dict[str, Any]) -> Any:
    """The implied cty object type of a schema block."""
    attrs: dict[str, Any] = {n: a["type"] for n, a in block["attributes"].items()}
    for n, b in block.get("block_types", {}).items():
        t = block_type(b["block"])
        attrs[n] = t if b["nesting"] == "single" else [b["nesting"], t]
    return ["object", attrs]


def has_unknown(v: Any) -> bool:
    """Whether a value is or contains an unknown."""
    if v is UNKNOWN:
        return True
    if isinstance(v, list):
        return any(has_unknown(x) for x in v)
    if isinstance(v, dict):
        return any(has_unknown(x) for x in v.values())
    if isinstance(v, Dyn):
        return has_unknown(v.value)
    return False
