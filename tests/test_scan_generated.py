"""Every rendered tree scans clean with both engines: the real checkov with tfgen's policies,
and the real trivy on each environment root with its tfvars; each module skips exactly its
documented checks; insecure edits turn both red; every inline skip (checkov:skip and
trivy:ignore) carries a reason and is documented in the README.

The scans go through `tfgen.scan.scan` (the code path of `tfgen scan DIR`): one scan of both
engines per rendered tree for the whole session (the `scans` fixture), two at a time; the
module tests do not scan. When a module template still has findings, the per-tree test fails and lists them by
resource: that is the point.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import tfgen.scan as scan_mod
from helpers import ENVS, EXTRA_SPECS, REPO, SSH_FROM_ANYWHERE, TEST_SPECS, failures
from tfgen.cli import app
from typer.testing import CliRunner

SKIP_COMMENT = re.compile(r"checkov:skip=(\S*)|trivy:ignore:(?:AVD-)?([^\s:\[]*)")
# checkov wants its skips inside the block; trivy wants its ignores on the lines right above it.
SKIP_WITH_REASON = re.compile(
    r"^\s+#\s*checkov:skip=CKV2?_AWS_\d+:\s*\S+|^# trivy:ignore:AVD-AWS-\d{4}(\[[\w.]+=[\w-]+\])?: \S+"
)
CHECK_ID = re.compile(r"\b(CKV2?_AWS_\d+|TFGEN_AWS_\d+|AWS-\d{4}|TRIVY_IGNORE_ALL)\b")


# --------------------------------------------------------------------------- zero findings


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted([*TEST_SPECS, *EXTRA_SPECS]))
def test_rendered_tree_has_zero_failed_checks(name: str, scans: dict[str, scan_mod.ScanResult]) -> None:
    result = scans[name]
    assert result.passed > 0, "checkov ran no checks at all"
    assert result.policies, "tfgen's policies were not loaded"
    assert result.engines == ["checkov", "trivy"] and result.trivy_version == scan_mod.TRIVY_VERSION
    assert result.exit_code == 0 and not result.failed, (
        f"{name}: {len(result.failed)} failed checks:\n{failures(result)}"
    )


@pytest.mark.slow
def test_trivy_scanned_every_environment_root(scans: dict[str, scan_mod.ScanResult]) -> None:
    """trivy's clean verdict covers each environment: its raw report names every envs/<env> as a
    root module it scanned (with passed checks), and nothing failed. (That each is evaluated with
    its own values is proven by the profile test below and in test_scan.py.)"""
    for name, result in scans.items():
        report = json.loads(result.reports["json"])
        roots = {
            os.path.normpath(os.path.join(key, r["Target"]))
            for key, raw in report["trivy"].items()
            for r in raw["Results"] or []
            if not r["Target"].endswith(".tf")
        }
        envs = {f"envs/{env}" for env in ENVS[name]} if name in ENVS else None
        assert roots == (envs or {p for p in roots if p.startswith("envs/")}) and roots, (name, roots)
        passes = [
            m
            for raw in report["trivy"].values()
            for r in raw["Results"] or []
            for m in r.get("Misconfigurations") or []
        ]
        assert len(passes) > 50 and all(m["Status"] == "PASS" for m in passes), name


# What each switch of switches.yaml turns off: (module file, check, the spec key the reason names).
SWITCHES = [
    ("modules/alb/main.tf", "CKV_AWS_91", "load_balancer.access_logs: false"),
    ("modules/vpc/main.tf", "CKV_AWS_338", "network.flow_log_retention_days"),
    ("modules/asg/main.tf", "CKV_AWS_338", "monitoring.log_retention_days"),
    ("modules/rds/main.tf", "CKV_AWS_338", "monitoring.log_retention_days"),
    ("modules/elasticache/main.tf", "CKV_AWS_338", "monitoring.log_retention_days"),
    ("modules/rds/main.tf", "CKV_AWS_353", "database.performance_insights: false"),
    ("modules/s3/main.tf", "CKV_AWS_21", "static.versioning: false"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("file", "check", "key"), SWITCHES, ids=[f"{c}-{f}" for f, c, _ in SWITCHES])
def test_a_switched_off_check_is_skipped_naming_the_spec_key(
    file: str, check: str, key: str, scans: dict[str, scan_mod.ScanResult]
) -> None:
    result = scans["switches"]
    reasons = {f.reason for f in result.skipped if f.file == file and f.check_id == check}
    assert reasons and all(key in reason and "dev, prod" in reason for reason in reasons), reasons


# The same for trivy's checks the switches turn off (its ignores carry the same reasons).
TRIVY_SWITCHES = [
    ("modules/rds/main.tf", "AWS-0133", "database.performance_insights: false"),
    ("modules/s3/main.tf", "AWS-0090", "static.versioning: false"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("file", "check", "key"), TRIVY_SWITCHES, ids=[c for _, c, _ in TRIVY_SWITCHES])
def test_a_switched_off_trivy_check_is_ignored_naming_the_spec_key(
    file: str, check: str, key: str, scans: dict[str, scan_mod.ScanResult]
) -> None:
    result = scans["switches"]
    reasons = {
        f.reason for f in result.skipped if f.engine == "trivy" and f.file == file and f.check_id == check
    }
    assert reasons and all(key in reason and "dev, prod" in reason for reason in reasons), reasons


@pytest.mark.slow
def test_tfgen_policies_run_on_rendered_trees(scans: dict[str, scan_mod.ScanResult]) -> None:
    """The clean result above must not come from policies that never loaded: checkov's JSON
    lists tfgen's ids among the passed checks."""
    for name, result in scans.items():
        report = result.reports.get("json", "")
        assert "TFGEN_AWS_016" in report and "TFGEN_AWS_004" in report, name


# --------------------------------------------------------------------------- per module
# The module tests' checkov assertions, on the one scan per tree above: no failed check in the
# module, and exactly these skips (so adding or dropping one is a decision made here), each
# with its reason. The extra specs (EXTRA_SPECS) are asserted on only for the module each one
# is about.

S3_LOG_BUCKET = {"CKV_AWS_18", "CKV_AWS_144", "CKV_AWS_145", "CKV2_AWS_62"}
S3_STATIC_BUCKET = {"CKV_AWS_109", "CKV_AWS_111", "CKV_AWS_356"}  # its key policy's Resource "*"
# CKV_AWS_259 (HSTS preload): no test spec sets cdn.hsts_preload, so every one renders the skip.
CLOUDFRONT_ALWAYS = {"CKV_AWS_259", "CKV_AWS_310", "CKV_AWS_374", "CKV2_AWS_47"}
RDS_ALWAYS = {"CKV_AWS_133", "CKV_AWS_157", "CKV_AWS_293"}

MODULE_SKIPS: dict[tuple[str, str], set[str]] = {
    # CKV2_AWS_65: the log bucket keeps ACLs for CloudFront standard logging (CDN trees only).
    ("reference", "s3"): S3_LOG_BUCKET | S3_STATIC_BUCKET | {"CKV2_AWS_65"},
    ("minimal", "s3"): S3_LOG_BUCKET,
    ("mysql", "s3"): S3_LOG_BUCKET | S3_STATIC_BUCKET,
    # CKV_AWS_21: versioning is off in dev by the spec's choice.
    ("new-region", "s3"): S3_LOG_BUCKET | S3_STATIC_BUCKET | {"CKV_AWS_21"},
    # CKV_AWS_174 and CKV2_AWS_42: low has no certificate (the CloudFront name, TLSv1);
    # CKV_AWS_68: neither has a WAF web ACL on the CDN.
    ("low", "cloudfront"): CLOUDFRONT_ALWAYS | {"CKV_AWS_68", "CKV_AWS_174", "CKV2_AWS_42"},
    # CKV2_AWS_57: high locks its origin (cdn.lock_origin); the header secret rotates by version.
    ("high", "cloudfront"): CLOUDFRONT_ALWAYS | {"CKV_AWS_68", "CKV2_AWS_57"},
    ("mixed-cdn", "cloudfront"): CLOUDFRONT_ALWAYS | {"CKV_AWS_68", "CKV_AWS_174", "CKV2_AWS_42"},
    # CKV_AWS_31: the AUTH token is write-only (auth_token_wo), which checkov does not read.
    ("reference", "elasticache"): {"CKV_AWS_31", "CKV2_AWS_50", "CKV2_AWS_57"},
    ("low", "elasticache"): {"CKV_AWS_31", "CKV2_AWS_50", "CKV2_AWS_57"},
    ("high", "elasticache"): {"CKV_AWS_31", "CKV2_AWS_50", "CKV2_AWS_57"},
    ("reference", "rds"): RDS_ALWAYS,
    ("low", "rds"): RDS_ALWAYS,
    ("high", "rds"): RDS_ALWAYS,
    ("mysql", "rds"): RDS_ALWAYS | {"CKV_AWS_353"},  # MySQL: no Performance Insights on small classes
    ("quiet", "monitoring"): {"CKV_AWS_109", "CKV_AWS_111", "CKV_AWS_356"},
    # CKV2_AWS_23: the alias targets are module inputs (plan scans cannot follow them).
    ("dns", "dns"): {"CKV2_AWS_23"},
    # The dns tree's CDN uses the certificate the dns module issues (TLSv1.2_2021, aliases).
    ("dns", "cloudfront"): CLOUDFRONT_ALWAYS | {"CKV_AWS_68"},
}


@pytest.mark.slow
@pytest.mark.parametrize(("name", "module"), sorted(MODULE_SKIPS))
def test_module_scans_clean_with_exactly_its_skips(
    name: str, module: str, scans: dict[str, scan_mod.ScanResult]
) -> None:
    result = scans[name]
    where = f"modules/{module}/"
    failed = [f for f in result.failed if f.file.startswith(where)]
    assert not failed, f"{name}: failed checks in {where}:\n{failures(result, where)}"
    skipped = [f for f in result.skipped if f.file.startswith(where) and f.engine == "checkov"]
    assert {f.check_id for f in skipped} == MODULE_SKIPS[(name, module)]
    assert all(f.reason for f in skipped), [f.check_id for f in skipped if not f.reason]


# trivy's ignores per tree: (module, block) -> check ids.
TRIVY_ALWAYS = {
    ("vpc", "aws_vpc_security_group_egress_rule.app_https"): {"AWS-0104"},
    ("alb", "aws_lb.this"): {"AWS-0053"},
}
TRIVY_RDS = {("rds", "aws_db_instance.this"): {"AWS-0177"}, ("rds", "aws_db_instance.replica"): {"AWS-0177"}}
TRIVY_MYSQL = {key: ids | {"AWS-0133"} for key, ids in TRIVY_RDS.items()}
TRIVY_IGNORES: dict[str, dict[tuple[str, str], set[str]]] = {
    "reference": {**TRIVY_ALWAYS, **TRIVY_RDS},
    "minimal": TRIVY_ALWAYS,
    "low": {**TRIVY_ALWAYS, **TRIVY_RDS},
    "high": {**TRIVY_ALWAYS, **TRIVY_RDS},
    "mysql": {**TRIVY_ALWAYS, **TRIVY_MYSQL},
    "dns": TRIVY_ALWAYS,
    "new-region": {**TRIVY_ALWAYS, ("s3", "aws_s3_bucket_versioning.static"): {"AWS-0090"}},
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(TRIVY_IGNORES))
def test_trivy_ignores_are_exactly_the_documented_ones(
    name: str, scans: dict[str, scan_mod.ScanResult]
) -> None:
    """Each trivy:ignore sits right above its block (so it names it), with its reason."""
    found: dict[tuple[str, str], set[str]] = {}
    for f in scans[name].skipped:
        if f.engine == "trivy":
            assert f.reason, f
            found.setdefault((f.file.split("/")[1], f.resource), set()).add(f.check_id)
    assert found == TRIVY_IGNORES[name]


@pytest.mark.slow
def test_no_tree_skips_a_tfgen_policy(scans: dict[str, scan_mod.ScanResult]) -> None:
    """tfgen's own policies are never skipped in generated code (README, "Security scan")."""
    for name, result in scans.items():
        assert not [f.check_id for f in result.skipped if f.check_id.startswith("TFGEN_")], name


# --------------------------------------------------------------------------- insecure edits


def tfgen_scan(directory: Path, checkov: Path, trivy: Path):
    args = ["scan", str(directory), "--checkov", str(checkov), "--trivy", str(trivy)]
    return CliRunner().invoke(app, args, catch_exceptions=False)


def finding_lines(output: str, resource: str) -> set[str]:
    """The check ids the summary lists for one resource (failures only: one line each,
    `file:line  CHECK  resource  advice`; skips are only counted)."""
    ids: set[str] = set()
    for line in output.splitlines():
        if line == "skipped:":
            break
        parts = line.split("  ")
        if len(parts) >= 3 and CHECK_ID.fullmatch(parts[1]) and re.sub(r"\[\d+\]", "", parts[2]) == resource:
            ids.add(parts[1])
    return ids


@pytest.mark.slow
def test_ssh_open_to_the_world_turns_the_scan_red(
    rendered: dict[str, Path],
    writable_copy,
    checkov: Path,
    trivy: Path,
    scans: dict[str, scan_mod.ScanResult],
) -> None:
    tree = writable_copy(rendered["reference"])
    vpc = tree / "modules" / "vpc" / "main.tf"
    vpc.write_text(vpc.read_text() + SSH_FROM_ANYWHERE)
    result = tfgen_scan(tree, checkov, trivy)
    assert result.exit_code == 1, result.output
    resource = "module.vpc.aws_vpc_security_group_ingress_rule.ssh_from_anywhere"
    found = finding_lines(result.output, resource)
    assert found == {"CKV_AWS_24", "TFGEN_AWS_004", "AWS-0107"}, result.output
    assert "modules/vpc/main.tf:" in result.output
    # trivy reports it from every environment root (with that root's values), checkov once.
    trivy_lines = [line for line in result.stdout.splitlines() if "  AWS-0107  " in line]
    roots = sorted(line.rsplit(" [", 1)[1] for line in trivy_lines)
    assert roots == ["trivy HIGH, envs/dev]", "trivy HIGH, envs/prod]", "trivy HIGH, envs/staging]"], (
        result.output
    )


@pytest.mark.slow
def test_public_access_block_flag_off_turns_the_scan_red(
    rendered: dict[str, Path],
    writable_copy,
    checkov: Path,
    trivy: Path,
    scans: dict[str, scan_mod.ScanResult],
) -> None:
    tree = writable_copy(rendered["reference"])
    s3 = tree / "modules" / "s3" / "main.tf"
    text = s3.read_text()
    block = re.search(r'resource "aws_s3_bucket_public_access_block" "(\w+)" \{.*?\n\}', text, re.S)
    assert block, "modules/s3/main.tf has no public access block"
    broken = re.sub(
        r"block_public_policy(\s*)= true", r"block_public_policy\1= false", block.group(0), count=1
    )
    assert broken != block.group(0)
    s3.write_text(text.replace(block.group(0), broken, 1))
    result = tfgen_scan(tree, checkov, trivy)
    assert result.exit_code == 1, result.output
    resource = f"module.s3.aws_s3_bucket_public_access_block.{block.group(1)}"
    found = finding_lines(result.output, resource)
    assert found == {"CKV_AWS_54", "TFGEN_AWS_010", "AWS-0087"}, result.output
    # Caused by the edit: the clean tree has no such finding.
    assert not [f for f in scans["reference"].failed if f.resource == resource]


# --------------------------------------------------------------------------- skips


def inline_skips(rendered: dict[str, Path]) -> list[tuple[str, str, str, str]]:
    """(tree, module or env path, check id, line) for every checkov:skip and trivy:ignore in
    rendered .tf files."""
    found = []
    for name, tree in sorted(rendered.items()):
        for tf in sorted(tree.rglob("*.tf")):
            rel = tf.relative_to(tree).as_posix()
            if ".terraform" in rel.split("/"):
                continue
            for line in tf.read_text().splitlines():
                match = SKIP_COMMENT.search(line)
                if match:
                    check = (match.group(1) or f"AWS-{match.group(2).split('-')[-1]}").split(":")[0]
                    found.append((name, rel, check, line))
    return found


def readme_skip_table() -> list[tuple[set[str], str]]:
    """The README's "## Security scan" skip table: (check ids, where) per row."""
    text = (REPO / "README.md").read_text()
    section = re.search(r"^## Security scan\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert section, "README.md has no '## Security scan' section"
    rows = []
    in_table = False
    for line in section.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[:3] == ["Check", "Where", "Why"]:
            in_table = True
            continue
        if in_table:
            if not line.startswith("|"):
                break
            if set(line) <= set("|- "):
                continue
            rows.append((set(CHECK_ID.findall(cells[0])), cells[1]))
    assert rows, "README.md: no `| Check | Where | Why |` table in '## Security scan'"
    return rows


def test_every_inline_skip_carries_a_reason(
    rendered: dict[str, Path], rendered_extra: dict[str, Path]
) -> None:
    skips = inline_skips({**rendered, **rendered_extra})
    assert skips, "expected the rendered trees to carry some documented skips"
    bad = [f"{tree}: {rel}: {line}" for tree, rel, _, line in skips if not SKIP_WITH_REASON.search(line)]
    assert not bad, "skips without a reason (or of a tfgen policy):\n" + "\n".join(bad)


def test_every_skip_is_in_the_readme_table(
    rendered: dict[str, Path], rendered_extra: dict[str, Path]
) -> None:
    rows = readme_skip_table()
    missing = set()
    for _, rel, check, _ in inline_skips({**rendered, **rendered_extra}):
        parts = rel.split("/")
        where = "/".join(parts[:2]) if parts[0] == "modules" else parts[0]
        if not any(check in ids and where in cell for ids, cell in rows):
            missing.add(f"{check} in {where}")
    assert not missing, "README.md '## Security scan' table lacks rows for:\n  " + "\n  ".join(
        sorted(missing)
    )


@pytest.mark.slow
def test_a_profile_ignore_does_not_hide_the_finding_in_a_high_power_environment(
    rendered: dict[str, Path], writable_copy, trivy: Path
) -> None:
    """AWS-0177 is ignored only where `tags.Profile = low-power`: prod (high-power) with
    deletion protection switched off in its tfvars is reported, on the primary and the replica."""
    tree = writable_copy(rendered["reference"])
    tfvars = tree / "envs" / "prod" / "terraform.tfvars"
    text = tfvars.read_text()
    edited = re.sub(r"(\ndatabase = \{[^}]*\n  deletion_protection\s*)= true", r"\1= false", text, count=1)
    assert edited != text
    tfvars.write_text(edited)
    result = scan_mod.scan(tree, trivy=trivy, engine="trivy", use_cache=False)
    found = {(f.root, f.resource, f.check_id) for f in result.failed}
    assert found == {
        ("envs/prod", "module.rds.aws_db_instance.this", "AWS-0177"),
        ("envs/prod", "module.rds.aws_db_instance.replica[0]", "AWS-0177"),
    }, failures(result)


@pytest.mark.slow
def test_a_wildcard_trivy_ignore_is_a_finding(rendered: dict[str, Path], writable_copy, trivy: Path) -> None:
    """`trivy:ignore:*` would silence every check on its block: tfgen reports it instead."""
    tree = writable_copy(rendered["reference"])
    vpc = tree / "modules" / "vpc" / "main.tf"
    vpc.write_text(vpc.read_text() + "\n# trivy:ignore:*" + SSH_FROM_ANYWHERE)
    result = scan_mod.scan(tree, trivy=trivy, engine="trivy", use_cache=False)
    assert {(f.check_id, f.resource) for f in result.failed} == {
        ("TRIVY_IGNORE_ALL", "aws_vpc_security_group_ingress_rule.ssh_from_anywhere")
    }, failures(result)
    assert result.exit_code == 1


def test_a_skip_on_x_and_x0_is_listed_once(scans: dict[str, scan_mod.ScanResult]) -> None:
    """checkov reports a count resource's skip for `x` (the shared module) and `x[0]` (a root
    that creates it): one skip, listed once with how often it applied."""
    result = scans["reference"]
    replica = "module.rds.aws_db_instance.replica"
    raw = {
        f.resource for f in result.skipped if f.check_id == "CKV_AWS_293" and f.resource.startswith(replica)
    }
    assert raw == {replica, f"{replica}[0]"}  # what checkov reports
    listed = [
        line
        for line in result.summary_lines(show_skips=True)
        if "  CKV_AWS_293  " in line and f"  {replica}" in line
    ]
    assert len(listed) == 1 and listed[0].split("  ")[3] == f"{replica} (x3)", listed
    keys = [(s.resource, s.file, s.check_id, s.reason) for s, _ in result.distinct_skips()]
    assert len(keys) == len(set(keys)) and not [k for k in keys if "[" in k[0]]
    # Without --show-skips: one count line, nothing listed.
    summary = result.summary_lines()
    assert "skipped:" not in summary
    by_engine = {e: sum(s.engine == e for s, _ in result.distinct_skips()) for e in ("checkov", "trivy")}
    assert summary[-1] == (
        f"passed {result.passed}, failed 0, skipped {len(keys)} (checkov: failed 0, skipped "
        f"{by_engine['checkov']}; trivy: failed 0, skipped {by_engine['trivy']}) "
        "(each with its reason: tfgen scan --show-skips lists them)"
    )
