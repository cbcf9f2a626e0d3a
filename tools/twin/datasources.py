"""What the twin's data sources return: realistic values for the ones tfgen reads.

Each reader gets the data source's configuration (a dict, every attribute present) and the
provider, and returns the attributes it knows; the caller fills the rest of the computed
attributes with plausible values of the right type.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from twin.fill import ELB_ACCOUNTS, Filler, az_ids, az_names, dns_suffix, partition_of

# AWS managed CloudFront policies (real ids).
CACHE_POLICIES = {
    "Managed-CachingOptimized": "658327ea-f89d-4fab-a63d-7e88639e58f6",
    "Managed-CachingDisabled": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
    "Managed-CachingOptimizedForUncompressedObjects": "b2884449-e4de-46a7-ac36-70bc7f1ddd6d",
    "Managed-Elemental-MediaPackage": "08627262-05a9-4f76-9ded-b50ca2e3a84f",
    "Managed-Amplify": "2e54312d-136d-493c-8eb9-b001f22f67d2",
    "UseOriginCacheControlHeaders": "83da9c7e-98b4-4e11-a168-04f0df8e2c65",
    "UseOriginCacheControlHeaders-QueryStrings": "4cc15a8a-d715-48a4-82b8-cc0b614638fe",
}
ORIGIN_REQUEST_POLICIES = {
    "Managed-AllViewer": "216adef6-5c7f-47e4-b989-5492eafa07d3",
    "Managed-AllViewerExceptHostHeader": "b689b0a8-53d0-40ab-baf2-68738e2966ac",
    "Managed-AllViewerAndCloudFrontHeaders-2022-06": "33f36d7e-f396-46d9-90e0-52428a34d9dc",
    "Managed-CORS-CustomOrigin": "59781a5b-3903-41f3-afcb-af62929ccde1",
    "Managed-CORS-S3Origin": "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
    "Managed-UserAgentRefererHeaders": "acba4595-bd28-49b8-b9fe-13317c0390fa",
    "Managed-Elemental-MediaTailor-PersonalizedManifests": "775133bc-15f2-49f9-abea-afb2e0bf67d2",
}
RESPONSE_HEADERS_POLICIES = {
    "Managed-SimpleCORS": "60669652-455b-4ae9-85a4-c4c02393f86c",
    "Managed-CORS-With-Preflight": "5cc3b908-e619-4b99-88e5-2cf7f45965bd",
    "Managed-SecurityHeadersPolicy": "67f7725c-6f97-4210-82d7-5512b31e9d03",
    "Managed-CORS-and-SecurityHeadersPolicy": "e61eb60c-9c35-4d20-a928-2b84e02af89c",
    "Managed-CORS-with-preflight-and-SecurityHeadersPolicy": "eaab4381-ed33-4a86-88ca-d9558dc6cd63",
}
# AWS-managed prefix lists: the id differs per region (known ones; others get a made-up id).
PREFIX_LISTS = {
    ("com.amazonaws.global.cloudfront.origin-facing", "us-east-1"): "pl-3b927c52",
    ("com.amazonaws.global.cloudfront.origin-facing", "eu-west-1"): "pl-4fa04526",
}
REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "eu-west-1": "Europe (Ireland)",
    "eu-west-2": "Europe (London)",
    "eu-west-3": "Europe (Paris)",
    "eu-central-1": "Europe (Frankfurt)",
    "eu-north-1": "Europe (Stockholm)",
    "ap-south-1": "Asia Pacific (Mumbai)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "ca-central-1": "Canada (Central)",
    "sa-east-1": "South America (Sao Paulo)",
    "cn-north-1": "China (Beijing)",
    "us-gov-west-1": "AWS GovCloud (US-West)",
}


def _region(cfg: dict[str, Any], prov: Any) -> str:
    r = cfg.get("region")
    return r if isinstance(r, str) and r else prov.region


def availability_zones(cfg: dict[str, Any], prov: Any) -> dict[str, Any]:
    """aws_availability_zones: the region's zones, less the excluded ones."""
    r = _region(cfg, prov)
    pairs = list(zip(az_names(r), az_ids(r), strict=True))
    ex_n = set(cfg.get("exclude_names") or [])
    ex_i = set(cfg.get("exclude_zone_ids") or [])
    pairs = [(n, i) for n, i in pairs if n not in ex_n and i not in ex_i]
    return {
        "id": r,
        "names": [n for n, _ in pairs],
        "zone_ids": [i for _, i in pairs],
        "group_names": [r],
        "region": r,
    }


def caller_identity(cfg: dict[str, Any], prov: Any) -> dict[str, Any]:
    """aws_caller_identity: the configured (or default) account."""
    p = partition_of(prov.region)
    return {
        "id": prov.account_id,
        "account_id": prov.account_id,
        "arn": f"arn:{p}:iam::{prov.account_id}:user/tfgen-twin",
        "user_id": "AIDA" + "TWIN" * 4 + "X",
    }


def partition(cfg: dict[str, Any], prov: Any) -> dict[str, Any]:
    """aws_partition: by the provider's region."""
    p = partition_of(prov.region)
    return {
        "id": p,
        "partition": p,
        "dns_suffix": dns_suffix(prov.region),
        "reverse_dns_prefix": "cn.com.amazonaws" if p == "aws-cn" else "com.amazonaws",
    }


def region(cfg: dict[str, Any], prov: Any) -> dict[str, Any]:
    """aws_region: `region`/`name`, endpoint and description."""
    r = cfg.get("region") or cfg.get("name") or prov.region
    return {
        "id": r,
        "region": r,
        "name": r,
        "endpoint": f"ec2.{r}.{dns_suffix(r)}",
        "description": REGION_NAMES.get(r, r),
    }


def elb_service_account(cfg: dict[str, Any], prov: Any) -> dict[str, Any]:
    """aws_elb_service_account: the real per-region ELB account."""
    r = _region(cfg, prov)
    acct = ELB_ACCOUNTS.get(r, "127311923021")
    return {"id": acct, "arn": f"arn:{partition_of(r)}:iam::{acct}:root", "region": r}


def ami(cfg: dict[str, Any], prov: Any) -> dict[str, Any]:
    """aws_ami: one image, as a most_recent search would give."""
    f = Filler("aws_ami", dict(cfg), prov)
    image = "ami-0" + f.hex(16)
    name = "al2023-ami-2023.6.20250101.0-kernel-6.1-x86_64"
    for flt in cfg.get("filter") or []:
        if flt.get("name") == "name" and flt.get("values"):
            name = str(flt["values"][0]).replace("*", "2025.01.01")
    return {
        "id": image,
        "image_id": image,
        "name": name,
        "architecture": "x86_64",
        "owner_id": (cfg.get("owners") or ["137112412989"])[0],
        "state": "available",
        "root_device_name": "/dev/xvda",
        "root_device_type": "ebs",
        "virtualization_type": "hvm",
        "creation_date": "2025-01-01T00:00:00.000Z",
        "image_location": f"amazon/{name}",
        "platform_details": "Linux/UNIX",
        "hypervisor": "xen",
        "ena_support": True,
        "image_type": "machine",
        "public": True,
        "arn": f"arn:{partition_of(prov.region)}:ec2:{prov.region}::image/{image}",
    }


def ssm_parameter(cfg: dict[str, Any], prov: Any) -> dict[str, Any]:
    """aws_ssm_parameter: an AMI id for /aws/service/ami-... names, else a placeholder."""
    name = str(cfg.get("name") or "")
    f = Filler("aws_ssm_parameter", {"name": name}, prov)
    is_ami = name.startswith("/aws/service/") and "ami" in name
    value = f"ami-0{f.hex(16)}" if is_ami else f"twin-value-{f.hex(8)}"
    stored = prov.cloud.find("aws_ssm_parameter", "name", name) if prov.cloud else None
    if stored and isinstance(stored.get("value"), str):
        value = stored["value"]
    return {
        "id": name,
        "name": name,
        "value": value,
        "insecure_value": value,
        "type": "String",
        "version": 1,
        "arn": f.arn("ssm", f"parameter/{name.lstrip('/')}"),
    }


def _by_name(table: dict[str, str], kind: str):
    def read(cfg: dict[str, Any], prov: Any) -> dict[str, Any]:
        name = cfg.get("name")
        pid = cfg.get("id")
        if not pid:
            pid = table.get(str(name)) or Filler(kind, {"name": name}, prov).uuid()
        if not name:
            name = next((k for k, v in table.items() if v == pid), f"twin-{pid[:8]}")
        return {
            "id": pid,
            "name": name,
            "etag": "E" + pid.replace("-", "")[:13].upper(),
            "comment": f"{name} (offline twin)",
        }

    return read


def managed_prefix_list(cfg: dict[str, Any], prov: Any) -> dict[str, Any]:
    """aws_ec2_managed_prefix_list: the AWS-managed lists by name."""
    name = cfg.get("name")
    for flt in cfg.get("filter") or []:
        if flt.get("name") == "prefix-list-name" and flt.get("values"):
            name = flt["values"][0]
    r = _region(cfg, prov)
    pid = (
        cfg.get("id")
        or PREFIX_LISTS.get((str(name), r))
        or "pl-" + Filler("aws_ec2_managed_prefix_list", {"name": name, "region": r}, prov).hex(8)
    )
    return {
        "id": pid,
        "name": name or "twin-prefix-list",
        "address_family": "IPv4",
        "max_entries": 55,
        "owner_id": "AWS",
        "version": 1,
        "arn": f"arn:{partition_of(prov.region)}:ec2:{prov.region}:aws:prefix-list/{pid}",
        "entries": [{"cidr": "130.176.0.0/18", "description": ""}],
    }


def route53_zone(cfg: dict[str, Any], prov: Any) -> dict[str, Any]:
    """aws_route53_zone: a zone by name (trailing dot as the provider returns it)."""
    name = str(cfg.get("name") or "example.com").rstrip(".")
    f = Filler("aws_route53_zone", {"name": name, "private": cfg.get("private_zone")}, prov)
    zid = cfg.get("zone_id") or "Z0" + f.upper(19)
    return {
        "id": zid,
        "zone_id": zid,
        "name": name,
        "private_zone": bool(cfg.get("private_zone")),
        "caller_reference": f.uuid(),
        "resource_record_set_count": 2,
        "name_servers": [
            f"ns-{i}.awsdns-{i:02d}.{tld}"
            for i, tld in ((101, "com"), (602, "net"), (1201, "org"), (1702, "co.uk"))
        ],
        "primary_name_server": "ns-101.awsdns-01.com",
        "arn": f"arn:{partition_of(prov.region)}:route53:::hostedzone/{zid}",
    }


def secret_version(cfg: dict[str, Any], prov: Any) -> dict[str, Any]:
    """aws_secretsmanager_secret_version (data or ephemeral): the stored secret if any."""
    sid = str(cfg.get("secret_id") or "")
    f = Filler("aws_secretsmanager_secret_version", {"secret_id": sid}, prov)
    stored = None
    if prov.cloud:
        stored = prov.cloud.find("aws_secretsmanager_secret_version", "secret_id", sid)
    value = (stored or {}).get("secret_string")
    arn = sid if sid.startswith("arn:") else f.arn("secretsmanager", f"secret:{sid}-{f.upper(6)}")
    return {
        "id": f"{arn}|AWSCURRENT",
        "arn": arn,
        "secret_string": value if isinstance(value, str) else json.dumps({"twin": f.hex(16)}),
        "secret_binary": "",
        "version_id": (stored or {}).get("version_id") or f.uuid(),
        "version_stages": ["AWSCURRENT"],
        "created_date": "2025-01-01T00:00:00Z",
    }


# -- aws_iam_policy_document -------------------------------------------------------------------
def _str_list(values: list[str]) -> Any:
    """One value as a string, several reverse-sorted (how the provider writes them)."""
    if len(values) == 1:
        return values[0]
    return sorted(values, reverse=True)


def _vars(v: Any) -> Any:
    if isinstance(v, list):
        return [x.replace("&{", "${") for x in v]
    return v.replace("&{", "${")


def _principals(items: list[dict[str, Any]]) -> Any:
    if len(items) == 1 and items[0]["type"] == "*" and list(items[0]["identifiers"] or []) == ["*"]:
        return "*"
    raw: dict[str, Any] = {}
    for p in items:
        ids = _vars(_str_list(list(p["identifiers"] or [])))
        cur = raw.get(p["type"])
        if isinstance(ids, list):
            base = [] if cur is None else ([cur] if isinstance(cur, str) else cur)
            raw[p["type"]] = base + ids
        elif cur is None:
            raw[p["type"]] = ids
        else:
            raw[p["type"]] = ([cur] if isinstance(cur, str) else cur) + [ids]
    return dict(sorted(raw.items()))


def _conditions(items: list[dict[str, Any]]) -> dict[str, Any]:
    raw: dict[str, dict[str, list[str]]] = {}
    for c in items:
        raw.setdefault(c["test"], {}).setdefault(c["variable"], []).extend(
            _vars([v for v in (c["values"] or []) if v is not None])
        )
    return {
        t: {k: (v[0] if len(v) == 1 else v) for k, v in sorted(vs.items())} for t, vs in sorted(raw.items())
    }


def _statement(s: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if s.get("sid"):
        out["Sid"] = s["sid"]
    out["Effect"] = s.get("effect") or "Allow"
    for key, name, subst in (
        ("Action", "actions", False),
        ("NotAction", "not_actions", False),
        ("Resource", "resources", True),
        ("NotResource", "not_resources", True),
    ):
        vals = list(s.get(name) or [])
        if vals:
            out[key] = _vars(_str_list(vals)) if subst else _str_list(vals)
    if s.get("principals"):
        out["Principal"] = _principals(s["principals"])
    if s.get("not_principals"):
        out["NotPrincipal"] = _principals(s["not_principals"])
    if s.get("condition"):
        out["Condition"] = _conditions(s["condition"])
    return out


def _merge(doc: dict[str, Any], new: dict[str, Any]) -> None:
    if new.get("Id"):
        doc["Id"] = new["Id"]
    if new.get("Version", "") > doc.get("Version", ""):
        doc["Version"] = new["Version"]
    stmts = doc.setdefault("Statement", [])
    for st in new.get("Statement") or []:
        sid = st.get("Sid")
        for i, old in enumerate(stmts):
            if sid and old.get("Sid") == sid:
                stmts[i] = st
                break
        else:
            stmts.append(st)


def _parse_doc(text: str) -> dict[str, Any]:
    doc = json.loads(text)
    st = doc.get("Statement") or []
    doc["Statement"] = [st] if isinstance(st, dict) else st
    return doc


def _go_json(value: Any, indent: bool) -> str:
    """JSON as Go's encoding/json writes it (HTML characters escaped)."""
    text = json.dumps(
        value,
        ensure_ascii=False,
        indent=2 if indent else None,
        separators=(",", ": ") if indent else (",", ":"),
    )
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def policy_document(cfg: dict[str, Any], prov: Any) -> dict[str, Any]:
    """aws_iam_policy_document: the IAM JSON the provider renders from its blocks."""
    merged: dict[str, Any] = {}
    for src in cfg.get("source_policy_documents") or []:
        if src:
            _merge(merged, _parse_doc(src))
    doc: dict[str, Any] = {"Version": cfg.get("version") or "2012-10-17"}
    if cfg.get("policy_id"):
        doc["Id"] = cfg["policy_id"]
    stmts = [_statement(s) for s in cfg.get("statement") or []]
    if stmts:
        doc["Statement"] = stmts
    _merge(merged, doc)
    for ov in cfg.get("override_policy_documents") or []:
        if ov:
            _merge(merged, _parse_doc(ov))
    ordered: dict[str, Any] = {}
    for key in ("Version", "Id", "Statement"):
        if merged.get(key):
            ordered[key] = merged[key]
    text = _go_json(ordered, indent=True)
    return {
        "json": text,
        "minified_json": _go_json(ordered, indent=False),
        "id": str(zlib.crc32(text.encode())),
        "version": cfg.get("version") or "2012-10-17",
    }


READERS = {
    "aws_availability_zones": availability_zones,
    "aws_caller_identity": caller_identity,
    "aws_partition": partition,
    "aws_region": region,
    "aws_elb_service_account": elb_service_account,
    "aws_ami": ami,
    "aws_ssm_parameter": ssm_parameter,
    "aws_iam_policy_document": policy_document,
    "aws_cloudfront_cache_policy": _by_name(CACHE_POLICIES, "aws_cloudfront_cache_policy"),
    "aws_cloudfront_origin_request_policy": _by_name(
        ORIGIN_REQUEST_POLICIES, "aws_cloudfront_origin_request_policy"
    ),
    "aws_cloudfront_response_headers_policy": _by_name(
        RESPONSE_HEADERS_POLICIES, "aws_cloudfront_response_headers_policy"
    ),
    "aws_ec2_managed_prefix_list": managed_prefix_list,
    "aws_route53_zone": route53_zone,
    "aws_secretsmanager_secret_version": secret_version,
}
