"""The dns module: a Route 53 zone issues the ACM certificates and points the app's names.

Per profile: both profiles get the same module (a `dns:` section is the spec's choice, not a
profile's): tests/specs/dns.yaml has a low-power staging (zone by ID) and a high-power prod
(zone by name), neither with a certificate ARN. The ALB's certificate is issued in the app's
region, CloudFront's in us-east-1 (the per-resource `region` argument of AWS provider 6), both
validated through records in the zone; load_balancer.domain_names get alias A records to the
ALB (IPv4 only), cdn.aliases A and AAAA to the distribution. The spec refuses names outside a
zone given by name, a certificate ARN missing without `dns:`, and a name two environments or two
tiers would both point, each with the key and its line.

The module is also planned and applied with the real terraform through the provider twin
(tools/twin), which proves terraform's own rules (for_each keys known at plan, types) but
nothing about Route 53 or ACM.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest
from helpers import ENVS, REPO, blocks, one, parse, render_inline, resources, tfvars, unquote
from tfgen.errors import SpecError
from tfgen.spec import load_spec

# Specs whose environments have a `dns:` section, and what each environment's zone is.
DNS_ENVS = {"dns": {"staging": ("Z0123456789STAGING01", None), "prod": (None, "example.net")}}
TWIN = "registry.terraform.io/hashicorp/aws/6.69.1/linux_amd64/terraform-provider-aws_v6.69.1_x5"


@pytest.fixture(scope="module")
def dns_main(rendered: dict[str, Path]) -> dict[str, Any]:
    return parse(rendered["dns"] / "modules" / "dns" / "main.tf")


@pytest.mark.parametrize("spec", list(ENVS))
def test_only_environments_with_a_dns_section_get_the_module_whatever_their_profile(
    spec: str, rendered: dict[str, Path]
) -> None:
    tree = rendered[spec]
    with_dns = {
        env for env in ENVS[spec] if "dns" in blocks(parse(tree / "envs" / env / "main.tf"), "module")
    }
    assert with_dns == set(DNS_ENVS.get(spec, {}))
    assert (tree / "modules" / "dns").is_dir() is bool(with_dns)
    if spec == "dns":
        assert {ENVS[spec][env] for env in with_dns} == {"low-power", "high-power"}
    for env in ENVS[spec]:
        assert ("dns" in tfvars(tree, env)) is (env in with_dns)


def test_tfvars_name_the_zone_and_the_names_per_environment(rendered: dict[str, Path]) -> None:
    staging = tfvars(rendered["dns"], "staging")["dns"]
    prod = tfvars(rendered["dns"], "prod")["dns"]
    assert staging == {
        "zone_id": '"Z0123456789STAGING01"',
        "zone_name": None,
        "alb_certificate_names": ['"staging.news.example.net"'],
        "alb_record_names": ['"staging.news.example.net"'],
        "cdn_certificate_names": ['"static.staging.news.example.net"'],
        "cdn_record_names": ['"static.staging.news.example.net"'],
    }
    assert prod == {
        "zone_id": None,
        "zone_name": '"example.net"',
        "alb_certificate_names": ['"news.example.net"', '"www.news.example.net"'],
        "alb_record_names": ['"news.example.net"', '"www.news.example.net"'],
        "cdn_certificate_names": ['"static.news.example.net"'],
        "cdn_record_names": ['"static.news.example.net"'],
    }
    # No certificate ARN in the spec: the ALB's and CloudFront's come from the dns module.
    for env in ("staging", "prod"):
        values = tfvars(rendered["dns"], env)
        assert values["load_balancer"]["certificate_arn"] is None
        assert values["cdn"]["certificate_arn"] is None


def test_zone_is_looked_up_by_name_only_when_no_id_is_given(dns_main: dict[str, Any]) -> None:
    zone = blocks(dns_main, "data", "aws_route53_zone")["this"]
    assert zone["count"] == "${var.zone_id == null ? 1 : 0}"
    assert zone["name"] == "${var.zone_name}"
    assert zone["private_zone"] is False
    local = {k: v for entry in dns_main["locals"] for k, v in entry.items()}
    assert local["zone_id"] == "${var.zone_id != null ? var.zone_id : data.aws_route53_zone.this[0].zone_id}"
    # Nothing creates or changes the zone itself.
    assert "aws_route53_zone" not in {unquote(t) for entry in dns_main["resource"] for t in entry}


def test_certificates_are_dns_validated_logged_and_replaced_before_they_go(dns_main: dict[str, Any]) -> None:
    cert = resources(dns_main, "aws_acm_certificate")["this"]
    assert cert["for_each"] == "${local.certificates}"
    assert cert["region"] == "${each.value.region}"
    assert cert["validation_method"] == '"DNS"'
    assert cert["domain_name"] == "${each.value.names[0]}"
    assert cert["subject_alternative_names"] == "${slice(each.value.names, 1, length(each.value.names))}"
    assert one(cert, "options")["certificate_transparency_logging_preference"] == '"ENABLED"'
    assert one(cert, "lifecycle")["create_before_destroy"] is True
    validation = resources(dns_main, "aws_acm_certificate_validation")["this"]
    assert validation["for_each"] == "${local.certificates}"
    assert validation["region"] == "${each.value.region}"
    assert validation["certificate_arn"] == "${aws_acm_certificate.this[each.key].arn}"
    record = resources(dns_main, "aws_route53_record")["validation"]
    assert record["for_each"] == "${local.validations}"
    assert record["zone_id"] == "${local.zone_id}"
    assert record["ttl"] == 60
    assert record["allow_overwrite"] is True


def test_alb_names_get_a_records_and_cdn_aliases_a_and_aaaa(dns_main: dict[str, Any]) -> None:
    records = resources(dns_main, "aws_route53_record")
    assert set(records) == {"validation", "alb", "cdn"}
    alb, cdn = records["alb"], records["cdn"]
    # The load balancer is IPv4 only (no IPv6 in the VPC): an AAAA record would answer nothing.
    assert alb["for_each"] == "${toset(var.alb_record_names)}"
    assert alb["type"] == '"A"'
    assert {k: v for k, v in one(alb, "alias").items() if k != "__is_block__"} == {
        "name": "${var.alb_dns_name}",
        "zone_id": "${var.alb_zone_id}",
        "evaluate_target_health": True,
    }
    assert cdn["for_each"] == "${local.cdn_records}"
    assert cdn["type"] == "${each.value.type}"
    assert {k: v for k, v in one(cdn, "alias").items() if k != "__is_block__"} == {
        "name": "${var.cdn_domain_name}",
        "zone_id": "${var.cdn_hosted_zone_id}",
        "evaluate_target_health": False,
    }


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_environment_wires_the_certificates_into_the_alb_and_cloudfront(
    env: str, rendered: dict[str, Path]
) -> None:
    modules = blocks(parse(rendered["dns"] / "envs" / env / "main.tf"), "module")
    dns = modules["dns"]
    assert dns["source"] == '"../../modules/dns"'
    assert {k: dns[k] for k in ("zone_id", "zone_name", "alb_dns_name", "alb_zone_id")} == {
        "zone_id": "${var.dns.zone_id}",
        "zone_name": "${var.dns.zone_name}",
        "alb_dns_name": "${module.alb.lb_dns_name}",
        "alb_zone_id": "${module.alb.lb_zone_id}",
    }
    assert dns["cdn_domain_name"] == "${module.cloudfront.domain_name}"
    assert dns["cdn_hosted_zone_id"] == "${module.cloudfront.hosted_zone_id}"
    assert modules["alb"]["certificate_arn"] == "${module.dns.alb_certificate_arn}"
    assert modules["cloudfront"]["certificate_arn"] == "${module.dns.cdn_certificate_arn}"
    # The distribution then uses the issued certificate with TLSv1.2_2021 (no default-certificate skip).
    cloudfront = parse(rendered["dns"] / "modules" / "cloudfront" / "main.tf")
    cert = one(resources(cloudfront, "aws_cloudfront_distribution")["this"], "viewer_certificate")
    assert cert["minimum_protocol_version"] == '"TLSv1.2_2021"'


def test_contract_outputs(rendered: dict[str, Path]) -> None:
    outputs = blocks(parse(rendered["dns"] / "modules" / "dns" / "outputs.tf"), "output")
    assert (
        outputs["alb_certificate_arn"]["value"]
        == '${try(aws_acm_certificate_validation.this["alb"].certificate_arn, null)}'
    )
    assert (
        outputs["cdn_certificate_arn"]["value"]
        == '${try(aws_acm_certificate_validation.this["cdn"].certificate_arn, null)}'
    )
    assert outputs["zone_id"]["value"] == "${local.zone_id}"


def test_no_secret_in_the_module_or_its_values(rendered: dict[str, Path]) -> None:
    """ACM holds the private keys: no key, certificate body or password is in the code or values."""
    text = "".join(p.read_text() for p in (rendered["dns"] / "modules" / "dns").glob("*.tf"))
    for env in ("staging", "prod"):
        text += json.dumps(tfvars(rendered["dns"], env)["dns"])
    for word in ("private_key", "certificate_body", "certificate_chain", "password", "secret", "BEGIN "):
        assert word not in text


# --------------------------------------------------------------------------- a given ARN wins

SPEC = """\
name: news
region: eu-west-3
load_balancer:
  domain_names: [news.example.net]
static: {}
cdn:
  aliases: [static.news.example.net]
dns:
  zone: example.net
environments:
  dev:
    profile: low-power
"""


def test_a_certificate_arn_in_the_spec_is_used_and_only_the_records_are_made(tmp_path: Path) -> None:
    arn = "arn:aws:acm:eu-west-3:111122223333:certificate/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    text = SPEC.replace("  domain_names:", f"  certificate_arn: {arn}\n  domain_names:")
    tree = render_inline(tmp_path, text)
    values = tfvars(tree, "dev")
    assert values["dns"]["alb_certificate_names"] == []
    assert values["dns"]["alb_record_names"] == ['"news.example.net"']
    assert values["dns"]["cdn_certificate_names"] == ['"static.news.example.net"']
    modules = blocks(parse(tree / "envs" / "dev" / "main.tf"), "module")
    assert modules["alb"]["certificate_arn"] == "${var.load_balancer.certificate_arn}"
    assert modules["cloudfront"]["certificate_arn"] == "${module.dns.cdn_certificate_arn}"


def test_without_a_cdn_the_module_has_no_cloudfront_inputs(tmp_path: Path) -> None:
    text = SPEC.replace("static: {}\ncdn:\n  aliases: [static.news.example.net]\n", "")
    tree = render_inline(tmp_path, text)
    variables = blocks(parse(tree / "modules" / "dns" / "variables.tf"), "variable")
    assert not {v for v in variables if v.startswith("cdn_")}
    assert "cdn" not in resources(parse(tree / "modules" / "dns" / "main.tf"), "aws_route53_record")
    assert "cdn_domain_name" not in blocks(parse(tree / "envs" / "dev" / "main.tf"), "module")["dns"]


# --------------------------------------------------------------------------- refusals


def problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "app.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    with pytest.raises(SpecError) as info:
        load_spec(path)
    return [line.replace(f"{tmp_path}/", "") for line in info.value.lines()]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_names_outside_a_zone_given_by_name_are_refused_with_key_and_line(tmp_path: Path) -> None:
    text = SPEC.replace("[news.example.net]", "[news.example.org]").replace(
        "[static.news.example.net]", "[static.news.example.net, cdn.example.com]"
    )
    assert problems(tmp_path, text) == [
        f"app.yaml:{line_of(text, 'news.example.org')}: load_balancer.domain_names: news.example.org is "
        "not in the Route 53 zone example.net (dns.zone): its certificate could not be validated nor "
        "its record created there",
        f"app.yaml:{line_of(text, 'cdn.example.com')}: cdn.aliases: cdn.example.com is not in the Route 53 "
        "zone example.net (dns.zone): its certificate could not be validated nor its record created there",
    ]


def test_names_below_the_zone_its_apex_and_wildcards_are_accepted(tmp_path: Path) -> None:
    text = SPEC.replace("[news.example.net]", "[example.net, '*.news.example.net']")
    spec = load_spec(_write(tmp_path, text))
    assert spec.environments[0].load_balancer.domain_names == ["example.net", "*.news.example.net"]


def test_a_zone_given_by_id_cannot_be_checked_and_is_taken_as_is(tmp_path: Path) -> None:
    text = SPEC.replace("zone: example.net", "zone: Z0123456789ABCDEFGHIJ").replace(
        "[news.example.net]", "[news.example.org]"
    )
    env = load_spec(_write(tmp_path, text)).environments[0]
    assert env.dns is not None and (env.dns.zone_id, env.dns.zone_name) == ("Z0123456789ABCDEFGHIJ", None)


def test_a_zone_that_is_neither_a_name_nor_an_id_is_refused(tmp_path: Path) -> None:
    text = SPEC.replace("zone: example.net", "zone: Example.NET.")
    (problem,) = problems(tmp_path, text)
    assert problem.startswith(f"app.yaml:{line_of(text, 'zone:')}: dns.zone: ")


def test_without_dns_the_certificate_arns_are_required(tmp_path: Path) -> None:
    text = SPEC.replace("dns:\n  zone: example.net\n", "")
    assert problems(tmp_path, text) == [
        f"app.yaml:{line_of(text, 'load_balancer:')}: load_balancer.certificate_arn: the ALB needs an ACM "
        "certificate: set load_balancer.certificate_arn, or add a `dns:` section (tfgen then issues one "
        "for load_balancer.domain_names)",
        f"app.yaml:{line_of(text, 'cdn:')}: cdn.certificate_arn: CloudFront aliases need an ACM certificate "
        "in us-east-1: set cdn.certificate_arn, or add a `dns:` section (tfgen then issues it)",
    ]


def test_dns_without_names_for_the_alb_certificate_is_refused(tmp_path: Path) -> None:
    text = SPEC.replace("  domain_names: [news.example.net]\n", "  idle_timeout: 60\n")
    (problem,) = problems(tmp_path, text)
    assert problem == (
        f"app.yaml:{line_of(text, 'load_balancer:')}: load_balancer.domain_names: with `dns:` and no "
        "load_balancer.certificate_arn, tfgen issues the ALB's certificate for load_balancer.domain_names: "
        "name at least one"
    )


def test_a_name_two_environments_or_two_tiers_would_point_is_refused(tmp_path: Path) -> None:
    two_envs = SPEC + "  prod:\n    profile: high-power\n"
    found = problems(tmp_path / "envs", two_envs)
    assert found == [
        f"app.yaml:{line_of(two_envs, 'domain_names')}: load_balancer.domain_names: environments dev and "
        "prod both point news.example.net: with `dns:` each environment's names get its own alias "
        "records (override the names per environment, e.g. staging.<name>)",
        f"app.yaml:{line_of(two_envs, 'aliases')}: cdn.aliases: environments dev and prod both point "
        "static.news.example.net: with `dns:` each environment's names get its own alias records "
        "(override the names per environment, e.g. staging.<name>)",
    ]
    # Overriding the names per environment is the way out.
    fixed = two_envs + "    load_balancer:\n      domain_names: [www.news.example.net]\n"
    fixed += "    cdn:\n      aliases: [cdn.news.example.net]\n"
    assert [e.name for e in load_spec(_write(tmp_path / "fixed", fixed)).environments] == ["dev", "prod"]
    both = SPEC.replace(
        "[static.news.example.net]", "[static.news.example.net, www.news.example.net]"
    ).replace("[news.example.net]", "[news.example.net, www.news.example.net]")
    (problem,) = problems(tmp_path / "tiers", both)
    assert problem == (
        f"app.yaml:{line_of(both, 'aliases')}: cdn.aliases: www.news.example.net is in "
        "load_balancer.domain_names too: with `dns:` each name gets one alias record, pointing at the "
        "ALB or at CloudFront"
    )


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "app.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# --------------------------------------------------------------------------- real terraform


def _twin_mirror() -> Path:
    for candidate in (os.environ.get("TFGEN_PLUGIN_MIRROR"), str(REPO / ".tools" / "provider-mirror")):
        if candidate and (Path(candidate) / TWIN).is_file():
            return Path(candidate)
    pytest.fail("the provider twin is not in the plugin mirror: run `make setup`", pytrace=False)


@pytest.mark.slow
def test_terraform_plans_and_applies_the_module_with_wildcards_through_the_twin(
    rendered: dict[str, Path], tmp_path: Path, terraform_bin: str
) -> None:
    """The for_each keys are known at plan (the spec's names, not domain_validation_options);
    a wildcard shares its base name's validation record; CloudFront's certificate is in us-east-1."""
    root = tmp_path / "root"
    root.mkdir()
    (root / "main.tf").write_text(
        textwrap.dedent(
            f"""\
            provider "aws" {{
              region = "eu-west-3"
            }}

            module "dns" {{
              source                = "{rendered["dns"] / "modules" / "dns"}"
              name                  = "news-dev"
              zone_name             = "example.net"
              alb_certificate_names = ["news.example.net", "*.news.example.net"]
              alb_record_names      = ["news.example.net", "*.news.example.net"]
              alb_dns_name          = "news-dev-1.eu-west-3.elb.amazonaws.com"
              alb_zone_id           = "Z3Q77PNBQS71R4"
              cdn_certificate_names = ["static.news.example.net"]
              cdn_record_names      = ["static.news.example.net"]
              cdn_domain_name       = "d111111abcdef8.cloudfront.net"
              cdn_hosted_zone_id    = "Z2FDTNDATAQYW2"
            }}

            output "alb" {{
              value = module.dns.alb_certificate_arn
            }}

            output "cdn" {{
              value = module.dns.cdn_certificate_arn
            }}
            """
        )
    )
    env = dict(
        os.environ,
        CHECKPOINT_DISABLE="1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        TFGEN_TWIN_STRICT="1",
    )

    def tf(*args: str) -> str:
        done = subprocess.run(
            [terraform_bin, *args], cwd=root, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    tf("init", "-input=false", "-plugin-dir", str(_twin_mirror()))
    tf("plan", "-input=false", "-out", "tfplan")
    plan = json.loads(tf("show", "-json", "tfplan"))
    planned = {r["address"]: r for r in plan["resource_changes"]}
    assert sorted(a for a in planned if a.startswith("module.dns.aws_route53_record.validation")) == [
        'module.dns.aws_route53_record.validation["alb news.example.net"]',
        'module.dns.aws_route53_record.validation["cdn static.news.example.net"]',
    ]
    assert sorted(a for a in planned if a.startswith("module.dns.aws_route53_record.cdn")) == [
        'module.dns.aws_route53_record.cdn["static.news.example.net A"]',
        'module.dns.aws_route53_record.cdn["static.news.example.net AAAA"]',
    ]
    alb_cert = planned['module.dns.aws_acm_certificate.this["alb"]']["change"]["after"]
    assert (alb_cert["domain_name"], alb_cert["subject_alternative_names"]) == (
        "news.example.net",
        ["*.news.example.net"],
    )
    assert planned['module.dns.aws_acm_certificate.this["cdn"]']["change"]["after"]["region"] == "us-east-1"
    tf("apply", "-input=false", "tfplan")
    outputs = json.loads(tf("output", "-json"))
    assert outputs["alb"]["value"].startswith("arn:aws:acm:eu-west-3:")
    assert outputs["cdn"]["value"].startswith("arn:aws:acm:us-east-1:")
    # Applied: nothing left to change.
    done = subprocess.run(
        [terraform_bin, "plan", "-input=false", "-detailed-exitcode"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
