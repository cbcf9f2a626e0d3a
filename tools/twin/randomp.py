"""The hashicorp/random resources: random_password, random_string, random_id (and ephemeral)."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import string
from typing import Any

from twin.cty import UNKNOWN

SPECIAL = "!@#$%&*()-_=+[]{}<>:?"
DEFAULTS = {
    "lower": True,
    "upper": True,
    "numeric": True,
    "number": True,
    "special": True,
    "min_lower": 0,
    "min_upper": 0,
    "min_numeric": 0,
    "min_special": 0,
}


def plan_defaults(obj: dict[str, Any]) -> None:
    """The provider plans its defaults as known values."""
    for k, v in DEFAULTS.items():
        if k in obj and obj[k] is UNKNOWN:
            obj[k] = v


def _rng(obj: dict[str, Any], salt: str) -> random.Random:
    known = {k: v for k, v in obj.items() if v is not UNKNOWN}
    seed = json.dumps([salt, known], sort_keys=True, default=str)
    return random.Random(hashlib.sha256(seed.encode()).hexdigest())


def make_string(obj: dict[str, Any], salt: str = "") -> str:
    """A string obeying length, character classes and min_* counts."""
    rng = _rng(obj, salt)
    length = int(obj.get("length") or 16)
    special = obj.get("override_special")
    special = SPECIAL if special is None or special is UNKNOWN else special

    def on(k: str) -> bool:
        v = obj.get(k)
        return DEFAULTS[k] if v is None or v is UNKNOWN else bool(v)

    def num(k: str) -> int:
        v = obj.get(k)
        return 0 if v is None or v is UNKNOWN else int(v)

    classes = []
    if on("lower"):
        classes.append((string.ascii_lowercase, num("min_lower")))
    if on("upper"):
        classes.append((string.ascii_uppercase, num("min_upper")))
    if on("numeric") and on("number"):
        classes.append((string.digits, num("min_numeric")))
    if on("special") and special:
        classes.append((special, num("min_special")))
    chars = [rng.choice(cs) for cs, n in classes for _ in range(n)]
    pool = "".join(cs for cs, _ in classes) or string.ascii_lowercase
    while len(chars) < length:
        chars.append(rng.choice(pool))
    rng.shuffle(chars)
    return "".join(chars)


def fill(tname: str, obj: dict[str, Any], salt: str = "") -> None:
    """Fill the unknown attributes of a random_* object being created."""
    plan_defaults(obj)
    if tname in ("random_password", "random_string"):
        result = make_string(obj, salt)
        if obj.get("result") is UNKNOWN:
            obj["result"] = result
        if obj.get("bcrypt_hash") is UNKNOWN:
            rng = _rng(obj, "bcrypt" + salt)
            alphabet = "./" + string.ascii_letters + string.digits
            obj["bcrypt_hash"] = "$2a$10$" + "".join(rng.choice(alphabet) for _ in range(53))
        if obj.get("id") is UNKNOWN:
            obj["id"] = "none" if tname == "random_password" else obj["result"]
    elif tname == "random_id":
        rng = _rng(obj, salt)
        raw = bytes(rng.getrandbits(8) for _ in range(int(obj.get("byte_length") or 8)))
        prefix = obj.get("prefix") if isinstance(obj.get("prefix"), str) else ""
        vals = {
            "b64_url": prefix + base64.urlsafe_b64encode(raw).decode().rstrip("="),
            "b64_std": prefix + base64.b64encode(raw).decode(),
            "hex": prefix + raw.hex(),
            "dec": prefix + str(int.from_bytes(raw, "big")),
        }
        vals["id"] = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        for k, v in vals.items():
            if obj.get(k) is UNKNOWN:
                obj[k] = v
    for k, v in list(obj.items()):
        if v is UNKNOWN:
            obj[k] = None
