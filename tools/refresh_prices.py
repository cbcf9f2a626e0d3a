"""Rebuild tfgen's price table (generator/tfgen/data/prices.json) from the AWS Price List Bulk API.

    .venv/bin/python tools/refresh_prices.py                 # fetch (network needed)
    .venv/bin/python tools/refresh_prices.py --from DIR      # a local mirror of the API's layout
    .venv/bin/python tools/refresh_prices.py --from a.json --from b.json   # offer files
    options: --regions eu-west-1,us-east-1 (default: the current table's), --out FILE

The API serves one offer file per service and region,
`https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/<service>/current/<region>/index.json`
(CloudFront: `.../AmazonCloudFront/current/index.json`, global):
`products{sku: {productFamily, attributes{instanceType, regionCode, operatingSystem, tenancy,
preInstalledSw, capacitystatus, usagetype, ...}}}` and
`terms.OnDemand{sku: {offerTermCode: {priceDimensions{rateCode: {unit, beginRange,
pricePerUnit{USD}}}}}}`. `--from DIR` reads `DIR/offers/v1.0/aws/...` in the same layout;
`--from FILE` reads offer files of any service and region (each names its `offerCode`).
EC2's regional files are large (hundreds of MB and more): they are downloaded to a temporary
file and read once.

Only on-demand terms are read: EC2 Linux, shared tenancy, no pre-installed software; RDS
Single-AZ (tfgen doubles it for Multi-AZ); ElastiCache node-based. A tiered price takes the
first tier that is not free. What the sources lack is left out of the table (and reported):
`tfgen cost` then prints that item as unpriced instead of guessing.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
TABLE = REPO / "generator" / "tfgen" / "data" / "prices.json"
API = "https://pricing.us-east-1.amazonaws.com"
REGIONAL = (
    "AmazonEC2",
    "AWSDataTransfer",
    "AmazonVPC",
    "AWSELB",
    "AmazonRDS",
    "AmazonElastiCache",
    "AmazonS3",
    "AmazonCloudWatch",
    "awskms",
    "AWSSecretsManager",
    "AWSBackup",
)
GLOBAL = ("AmazonCloudFront",)
EC2_FAMILIES = ("t3", "t3a", "t4g", "m6i", "m6g", "m7i", "m7g", "c6i", "c6g", "c7g", "r6i", "r6g", "r7g")
RDS_FAMILIES = ("db.t3", "db.t4g", "db.m6g", "db.m6i", "db.m7g", "db.r6g", "db.r6i", "db.r7g")
CACHE_FAMILIES = ("cache.t3", "cache.t4g", "cache.m6g", "cache.m7g", "cache.r6g", "cache.r7g")
RDS_ENGINES = {"PostgreSQL": "postgres", "MySQL": "mysql"}
CACHE_ENGINES = {"Redis": "redis", "Valkey": "valkey"}

Slot = tuple[str, ...]
"""Where a price goes: ("ec2", type), ("rds", engine, class), ("unit", key), ("cloudfront", key)."""


def _family(instance_type: str) -> str:
    return instance_type.rsplit(".", 1)[0]


def _ends(attrs: dict[str, str], suffix: str) -> bool:
    return attrs.get("usagetype", "").endswith(suffix)


def _ec2(family: str, a: dict[str, str]) -> Slot | None:
    if family == "Compute Instance":
        linux = (
            a.get("operatingSystem") == "Linux"
            and a.get("tenancy") == "Shared"
            and a.get("preInstalledSw") == "NA"
            and a.get("capacitystatus") == "Used"
            and a.get("licenseModel", "No License required") == "No License required"
        )
        if linux and _family(a.get("instanceType", "")) in EC2_FAMILIES:
            return ("ec2", a["instanceType"])
        return None
    if family == "Storage" and a.get("volumeApiName") == "gp3":
        return ("unit", "ebs_gp3_gb_month")
    return _network(family, a)


def _network(family: str, a: dict[str, str]) -> Slot | None:
    """NAT gateways, public IPv4, endpoints and data transfer: in the EC2, VPC or DT offers."""
    if family == "NAT Gateway":
        if _ends(a, "NatGateway-Hours"):
            return ("unit", "nat_gateway_hour")
        if _ends(a, "NatGateway-Bytes"):
            return ("unit", "nat_gateway_gb")
    if _ends(a, "PublicIPv4:InUseAddress"):
        return ("unit", "public_ipv4_hour")
    if family == "VpcEndpoint":
        if _ends(a, "VpcEndpoint-Hours"):
            return ("unit", "interface_endpoint_hour")
        if _ends(a, "VpcEndpoint-Bytes"):
            return ("unit", "interface_endpoint_gb")
    if (
        family == "Data Transfer"
        and a.get("transferType") == "AWS Outbound"
        and a.get("toLocation") == "External"
    ):
        return ("unit", "data_transfer_out_gb")
    if family == "Data Transfer" and a.get("transferType") == "InterRegion Outbound":
        # Priced per destination; the first one read is kept (the others are reported).
        return ("unit", "inter_region_transfer_gb")
    return None


def _elb(family: str, a: dict[str, str]) -> Slot | None:
    if family == "Load Balancer-Application":
        if _ends(a, "LoadBalancerUsage"):
            return ("unit", "alb_hour")
        if _ends(a, "LCUUsage"):
            return ("unit", "alb_lcu_hour")
    return None


def _rds(family: str, a: dict[str, str]) -> Slot | None:
    single = a.get("deploymentOption") == "Single-AZ"
    engine = RDS_ENGINES.get(a.get("databaseEngine", ""))
    if (
        family == "Database Instance"
        and single
        and engine
        and _family(a.get("instanceType", "")) in RDS_FAMILIES
    ):
        return ("rds", engine, a["instanceType"])
    if family == "Database Storage" and single and a.get("volumeType") == "General Purpose-GP3":
        return ("unit", "rds_gp3_gb_month")
    if family == "Storage Snapshot" and _ends(a, "ChargedBackupUsage"):
        return ("unit", "rds_backup_gb_month")
    return None


def _elasticache(family: str, a: dict[str, str]) -> Slot | None:
    engine = CACHE_ENGINES.get(a.get("cacheEngine", ""))
    if family == "Cache Instance" and engine and _family(a.get("instanceType", "")) in CACHE_FAMILIES:
        return ("elasticache", engine, a["instanceType"])
    return None


def _s3(family: str, a: dict[str, str]) -> Slot | None:
    if family == "Storage" and a.get("volumeType") == "Standard":
        return ("unit", "s3_standard_gb_month")
    if family == "API Request" and a.get("group") == "S3-API-Tier2":
        return ("unit", "s3_get_per_1000")
    if family == "API Request" and a.get("group") == "S3-API-Tier1":
        return ("unit", "s3_put_per_1000")
    return None


def _cloudwatch(family: str, a: dict[str, str]) -> Slot | None:
    if family == "Alarm" and _ends(a, "AlarmMonitorUsage"):
        return ("unit", "cloudwatch_alarm_month")
    if family == "Dashboard":
        return ("unit", "cloudwatch_dashboard_month")
    if family == "Data Payload" and _ends(a, "DataProcessing-Bytes"):
        return ("unit", "logs_ingest_gb")
    if _ends(a, "VendedLog-Bytes"):
        return ("unit", "vended_logs_ingest_gb")
    if family == "Storage Snapshot" and _ends(a, "TimedStorage-ByteHrs"):
        return ("unit", "logs_storage_gb_month")
    return None


def _backup(family: str, a: dict[str, str]) -> Slot | None:
    """AWS Backup warm storage: RDS snapshots and S3 backups in a vault (copies included)."""
    if _ends(a, "WarmStorage-ByteHrs-RDS"):
        return ("unit", "backup_rds_gb_month")
    if _ends(a, "WarmStorage-ByteHrs-S3"):
        return ("unit", "backup_s3_gb_month")
    return None


def _kms(family: str, a: dict[str, str]) -> Slot | None:
    return ("unit", "kms_key_month") if _ends(a, "KMS-Keys") else None


def _secrets(family: str, a: dict[str, str]) -> Slot | None:
    return ("unit", "secret_month") if _ends(a, "AWSSecretsManager-Secrets") else None


def _cloudfront(family: str, a: dict[str, str]) -> Slot | None:
    if (
        family == "Data Transfer"
        and a.get("fromLocation") == "United States"
        and a.get("transferType") == "CloudFront Outbound"
    ):
        return ("cloudfront", "data_transfer_out_gb")
    if family == "Request" and a.get("location") == "United States" and _ends(a, "Requests-Tier2-HTTPS"):
        return ("cloudfront", "https_requests_per_10000")
    return None


MATCHERS: dict[str, Callable[[str, dict[str, str]], Slot | None]] = {
    "AmazonEC2": _ec2,
    "AWSDataTransfer": _network,
    "AmazonVPC": _network,
    "AWSELB": _elb,
    "AmazonRDS": _rds,
    "AmazonElastiCache": _elasticache,
    "AmazonS3": _s3,
    "AmazonCloudWatch": _cloudwatch,
    "awskms": _kms,
    "AWSSecretsManager": _secrets,
    "AWSBackup": _backup,
    "AmazonCloudFront": _cloudfront,
}
SCALE = {"s3_get_per_1000": 1000, "s3_put_per_1000": 1000, "https_requests_per_10000": 10000}
"""Slots priced per batch of requests (the API prices one request)."""


def on_demand_price(offer: dict[str, Any], sku: str) -> float | None:
    """The on-demand USD price of a sku: the first tier that is not free (0 when all are)."""
    dims = []
    for term in offer.get("terms", {}).get("OnDemand", {}).get(sku, {}).values():
        for dim in term.get("priceDimensions", {}).values():
            try:
                price = float(dim["pricePerUnit"]["USD"])
                begin = float(dim.get("beginRange", 0) or 0)
            except (KeyError, TypeError, ValueError):
                continue
            dims.append((begin, price))
    if not dims:
        return None
    paid = sorted(d for d in dims if d[1] > 0)
    return paid[0][1] if paid else 0.0


def extract(offer: dict[str, Any], warn: Callable[[str], None]) -> Iterator[tuple[str, Slot, float, str]]:
    """(region, slot, price, location) for every product of the offer tfgen prices."""
    match = MATCHERS.get(str(offer.get("offerCode")))
    if match is None:
        warn(f"offer {offer.get('offerCode')!r}: not a service tfgen prices, skipped")
        return
    for sku in sorted(offer.get("products", {})):
        product = offer["products"][sku]
        attrs = product.get("attributes", {})
        slot = match(str(product.get("productFamily", "")), attrs)
        if slot is None:
            continue
        price = on_demand_price(offer, sku)
        if price is None:
            continue
        region = attrs.get("regionCode") or attrs.get("fromRegionCode") or "global"
        if slot[0] == "cloudfront":
            region = "global"
        scaled = float(f"{price * SCALE.get(slot[-1], 1):.10g}")  # 4e-07 x 1000 is 0.0004
        yield region, slot, scaled, attrs.get("location", "")


def _read_json(source: str) -> dict[str, Any]:
    if source.startswith(("https://", "http://")):
        with tempfile.TemporaryFile() as tmp:
            with urllib.request.urlopen(source, timeout=600) as response:  # noqa: S310
                shutil.copyfileobj(response, tmp)
            tmp.seek(0)
            return dict(json.load(tmp))
    return dict(json.loads(Path(source).read_text(encoding="utf-8")))


def offer_sources(sources: list[str], regions: list[str]) -> list[str]:
    """Offer files or URLs to read: from the API or a mirror of its layout, or the files given."""
    bases = sources or [API]
    out: list[str] = []
    for base in bases:
        if not base.startswith(("https://", "http://")) and Path(base).is_file():
            out.append(base)
            continue
        root = base.rstrip("/") + "/offers/v1.0/aws"
        for service in REGIONAL:
            out += [f"{root}/{service}/current/{region}/index.json" for region in regions]
        out += [f"{root}/{service}/current/index.json" for service in GLOBAL]
    return out


def build(
    sources: list[str], regions: list[str], old: dict[str, Any], warn: Callable[[str], None]
) -> dict[str, Any]:
    """The new table: header kept from the old one, prices from the offers."""
    table: dict[str, dict[str, Any]] = {}
    cloudfront: dict[str, Any] = {}
    published: list[str] = []
    for source in offer_sources(sources, regions):
        local = not source.startswith(("https://", "http://"))
        if local and not Path(source).is_file():
            warn(f"{source}: missing, skipped")
            continue
        try:
            offer = _read_json(source)
        except urllib.error.HTTPError as err:  # a service without an offer for the region
            warn(f"{source}: HTTP {err.code}, skipped")
            continue
        published.append(str(offer.get("publicationDate", ""))[:10])
        for region, slot, price, location in extract(offer, warn):
            if region == "global":
                cloudfront.setdefault(slot[1], price)
                continue
            if region not in regions:
                continue
            entry = table.setdefault(
                region, {"location": location, "ec2": {}, "rds": {}, "elasticache": {}, "unit": {}}
            )
            entry["location"] = entry["location"] or location
            node = entry[slot[0]]
            for part in slot[1:-1]:
                node = node.setdefault(part, {})
            if slot[-1] in node and node[slot[-1]] != price:
                warn(f"{region} {'/'.join(slot)}: {node[slot[-1]]} and {price} in the offers; kept the first")
                continue
            node[slot[-1]] = price
    for region in regions:
        if region not in table:
            warn(f"{region}: no prices found")
    today = datetime.date.today().isoformat()
    as_of = max((p for p in published if p), default=today)
    return {
        "source": old.get("source", "AWS public price list (Price List Bulk API)"),
        "source_url": f"{API}/offers/v1.0/aws/<service>/current/<region>/index.json",
        "terms": old.get("terms", ""),
        "as_of": as_of,
        "snapshot": f"Built by tools/refresh_prices.py on {today} from the offers published "
        f"{as_of}; a snapshot to refresh, not a quote.",
        "currency": "USD",
        "hours_per_month": old.get("hours_per_month", 730),
        "global": {
            "cloudfront": {
                "edge": old.get("global", {})
                .get("cloudfront", {})
                .get("edge", "United States edges, first tier"),
                **dict(sorted(cloudfront.items())),
            }
        },
        "regions": {
            r: {
                "location": table[r]["location"],
                **{k: _sorted(table[r][k]) for k in ("ec2", "rds", "elasticache", "unit")},
            }
            for r in regions
            if r in table
        },
    }


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    return value


def _leaves(node: Any) -> int:
    """How many prices a part of the table holds."""
    if isinstance(node, dict):
        return sum(_leaves(v) for v in node.values())
    return 1 if isinstance(node, int | float) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--from",
        dest="sources",
        action="append",
        default=[],
        help="An API base URL, a folder laid out like it, or an offer file (repeatable).",
    )
    parser.add_argument("--regions", help="Comma-separated regions (default: the current table's).")
    parser.add_argument("--out", type=Path, default=TABLE, help=f"Where to write (default: {TABLE}).")
    args = parser.parse_args(argv)
    old = json.loads(TABLE.read_text(encoding="utf-8")) if TABLE.is_file() else {}
    regions = args.regions.split(",") if args.regions else list(old.get("regions", {}))
    if not regions:
        parser.error("no regions: pass --regions")
    warnings: list[str] = []
    try:
        new = build(args.sources, regions, old, warnings.append)
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for line in warnings:
        print(f"warning: {line}", file=sys.stderr)
    args.out.write_text(json.dumps(new, indent=1) + "\n", encoding="utf-8")
    counts = ", ".join(f"{r} {_leaves(t)}" for r, t in new["regions"].items())
    print(
        f"{args.out}: {len(new['regions'])} region(s) ({counts} prices), "
        f"CloudFront {_leaves(new['global']['cloudfront'])}, as of {new['as_of']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
