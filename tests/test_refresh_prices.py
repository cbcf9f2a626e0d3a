"""tools/refresh_prices.py on a small mirror of the Price List Bulk API (tests/fixtures/prices).

The fixture has the API's exact layout and format (`offers/v1.0/aws/<service>/current/<region>/
index.json`, products and OnDemand terms) with decoys the script must skip: Windows, dedicated
and reserved-capacity EC2, Reserved terms, Multi-AZ and Oracle RDS, serverless ElastiCache, a
network load balancer, gp2 volumes, Glacier, free first tiers.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import REPO
from tfgen.cli import app
from typer.testing import CliRunner

SCRIPT = REPO / "tools" / "refresh_prices.py"
MIRROR = REPO / "tests" / "fixtures" / "prices"
OFFERS = MIRROR / "offers" / "v1.0" / "aws"


def refresh(tmp_path: Path, *args: str) -> tuple[dict, subprocess.CompletedProcess[str]]:
    out = tmp_path / "prices.json"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args, "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text()), done


def test_refresh_from_a_mirror_folder_reads_exactly_the_on_demand_prices(tmp_path: Path) -> None:
    table, done = refresh(tmp_path, "--from", str(MIRROR), "--regions", "eu-west-1")
    assert table["as_of"] == "2026-11-15"  # the offers' publicationDate
    assert table["source"] == "AWS public price list (Price List Bulk API)"
    assert list(table["regions"]) == ["eu-west-1"]
    eu = table["regions"]["eu-west-1"]
    assert eu["location"] == "EU (Ireland)"
    assert eu["ec2"] == {"t3.micro": 0.0114, "t3.small": 0.0228}
    assert eu["rds"] == {
        "mysql": {"db.t4g.micro": 0.016},
        "postgres": {"db.t4g.micro": 0.017, "db.t4g.small": 0.034},
    }
    assert eu["elasticache"] == {"redis": {"cache.t4g.small": 0.035}, "valkey": {"cache.t4g.small": 0.028}}
    assert eu["unit"] == {
        "alb_hour": 0.0252,
        "alb_lcu_hour": 0.008,
        "backup_rds_gb_month": 0.095,  # AWS Backup warm storage; the EFS and cold decoys skipped
        "backup_s3_gb_month": 0.055,
        "cloudwatch_alarm_month": 0.1,  # the first 10 alarms are free: the first paid tier
        "cloudwatch_dashboard_month": 3.0,
        "data_transfer_out_gb": 0.09,
        "ebs_gp3_gb_month": 0.088,
        "interface_endpoint_gb": 0.01,
        "interface_endpoint_hour": 0.011,
        "inter_region_transfer_gb": 0.02,
        "kms_key_month": 1.0,
        "logs_ingest_gb": 0.57,
        "logs_storage_gb_month": 0.03,
        "vended_logs_ingest_gb": 0.57,
        "nat_gateway_gb": 0.048,
        "nat_gateway_hour": 0.048,
        "public_ipv4_hour": 0.005,
        "rds_backup_gb_month": 0.095,
        "rds_gp3_gb_month": 0.127,
        "s3_get_per_1000": 0.0004,
        "s3_put_per_1000": 0.005,
        "s3_standard_gb_month": 0.023,
        "secret_month": 0.4,
    }
    cloudfront = table["global"]["cloudfront"]
    assert (cloudfront["data_transfer_out_gb"], cloudfront["https_requests_per_10000"]) == (0.085, 0.01)
    assert done.stdout.strip() == (
        f"{tmp_path / 'prices.json'}: 1 region(s) (eu-west-1 31 prices), CloudFront 2, as of 2026-11-15"
    )
    missing = OFFERS / "AWSDataTransfer" / "current" / "eu-west-1" / "index.json"
    assert done.stderr.splitlines() == [f"warning: {missing}: missing, skipped"]


def test_refresh_from_offer_files(tmp_path: Path) -> None:
    ec2 = OFFERS / "AmazonEC2" / "current" / "eu-west-1" / "index.json"
    cdn = OFFERS / "AmazonCloudFront" / "current" / "index.json"
    table, _ = refresh(tmp_path, "--from", str(ec2), "--from", str(cdn), "--regions", "eu-west-1")
    eu = table["regions"]["eu-west-1"]
    assert eu["ec2"] == {"t3.micro": 0.0114, "t3.small": 0.0228}
    assert eu["rds"] == {} and eu["elasticache"] == {}
    assert eu["unit"] == {
        "data_transfer_out_gb": 0.09,
        "ebs_gp3_gb_month": 0.088,
        "inter_region_transfer_gb": 0.02,
        "nat_gateway_gb": 0.048,
        "nat_gateway_hour": 0.048,
    }


def test_a_refreshed_table_prices_a_spec_and_leaves_what_it_lacks_unpriced(tmp_path: Path) -> None:
    table, _ = refresh(tmp_path, "--from", str(MIRROR), "--regions", "eu-west-1")
    spec = tmp_path / "app.yaml"
    spec.write_text(
        textwrap.dedent("""\
        name: shop
        region: eu-west-1
        load_balancer:
          certificate_arn: arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978
        database:
          engine: postgres
          instance_class: db.m6g.large
        environments:
          dev:
            profile: low-power
        """)
    )
    result = CliRunner().invoke(
        app,
        ["cost", str(spec), "--prices", str(tmp_path / "prices.json"), "-f", "json"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    (dev,) = json.loads(result.output)["environments"]
    items = {i["key"]: i for i in dev["items"]}
    u = table["regions"]["eu-west-1"]["unit"]
    assert items["app.instances"]["monthly"] == pytest.approx(1 * 0.0114 * 730)
    assert items["network.nat"]["monthly"] == pytest.approx(1 * u["nat_gateway_hour"] * 730)
    assert items["database.instance"]["monthly"] is None
    assert items["database.instance"]["unpriced"] == (
        "no price for postgres db.m6g.large in eu-west-1 in the price table"
    )
    assert dev["partial"] is True and dev["unpriced"] == ["database.instance"]
    assert result.output.count('"unpriced": null') == len(items) - 1
