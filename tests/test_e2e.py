"""The generated AWS projects run through tfgen's own commands, against real terraform.

Every rendered tree (the reference project and the golden specs) goes bootstrap -> plan --all
--scan -> apply (each environment) -> plan --all (no changes) -> output -> destroy, through
tfgen's CLI and its python-terraform adapter, never raw terraform.

Where AWS itself cannot be reached, two stand-ins are used, and they are the only ones:
- the providers are the offline twin of hashicorp/aws and hashicorp/random (tools/twin), which
  speaks the real plugin protocol, so terraform's own type checks, plan and apply run for real;
  it proves nothing about AWS-side rules;
- the state lives in the S3 backend tfgen renders (use_lockfile = true), pointed at a local
  moto server by a `backend_override.tf` in each environment. moto ignores the conditions of
  bucket policies, so the TLS-only Deny that `tfgen bootstrap` sets would deny every request
  there: the test checks that bootstrap set it, then removes it.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from helpers import REPO
from tfgen.cli import app
from typer.testing import CliRunner

TWIN = "registry.terraform.io/hashicorp/aws/6.69.1/linux_amd64/terraform-provider-aws_v6.69.1_x5"
TREES = ["reference", "minimal", "low", "high", "mysql", "dns"]
HEADLINE = re.compile(r"^== (\w+): (\d+) to create, 0 to update, 0 to delete, 0 to replace", re.M)
# Profile-dependent built-in checks: skipped (with their reason) in low-power plans, proved in
# high-power ones.
PROFILE_CHECKS = {"CKV_AWS_150", "CKV_AWS_157", "CKV_AWS_293", "CKV2_AWS_50"}


@pytest.fixture(scope="module")
def mirror() -> Path:
    path = Path(os.environ.get("TFGEN_PLUGIN_MIRROR") or REPO / ".tools" / "provider-mirror")
    if not (path / TWIN).is_file():
        pytest.fail(f"the provider twin is not in {path}: run `make setup`")
    return path


def cli(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)


def aws_env(endpoint: str, mirror: Path, ephemeral_log: Path) -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL": endpoint,  # boto3 (bootstrap); terraform reads the override
        "TFGEN_PLUGIN_MIRROR": str(mirror),
        # The twin writes each ephemeral password it generates here (tools/twin/README.md).
        "TFGEN_TWIN_EPHEMERAL_LOG": str(ephemeral_log),
        "CI": "",
    }


def point_backends_at(project: Path, endpoint: str) -> dict[str, dict[str, str]]:
    """A backend_override.tf per environment: the rendered S3 backend, at the moto server."""
    envs = json.loads((project / ".tfgen/manifest.json").read_text())["environments"]
    for name, info in envs.items():
        (project / "envs" / name / "backend_override.tf").write_text(
            "terraform {\n"
            '  backend "s3" {\n'
            f'    bucket                      = "{info["state_bucket"]}"\n'
            f'    key                         = "{info["state_key"]}"\n'
            f'    region                      = "{info["state_region"]}"\n'
            "    encrypt                     = true\n"
            "    use_lockfile                = true\n"
            f'    endpoints                   = {{ s3 = "{endpoint}" }}\n'
            "    use_path_style              = true\n"
            "    skip_credentials_validation = true\n"
            "    skip_requesting_account_id  = true\n"
            "    skip_metadata_api_check     = true\n"
            "    skip_region_validation      = true\n"
            "  }\n"
            "}\n"
        )
    return envs


def scan_blocks(output: str) -> dict[str, list[str]]:
    """Each plan scan's summary in `plan --scan` output (its header to its counts), by env."""
    blocks: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in output.splitlines():
        header = re.match(r"^scan .*/envs/(\w+)/\.tfgen/\1\.plan\.json: ", line)
        if header:
            current = blocks.setdefault(header.group(1), [])
        if current is not None:
            current.append(line)
            if line.startswith("passed "):
                current = None
    return blocks


def skipped_ids(block: list[str], resource: str) -> set[str]:
    """The check ids a scan block (`--show-skips`) lists as skipped on `resource`."""
    ids = set()
    for line in block:
        match = re.match(rf"^  \S+  ([A-Z0-9_]+)  {re.escape(resource)}( \(x\d+\))?  ", line)
        if match:
            ids.add(match.group(1))
    return ids


@pytest.mark.slow
@pytest.mark.parametrize("tree", TREES)
def test_tree_goes_plan_apply_no_change_destroy_through_tfgen(
    tree: str, rendered: dict[str, Path], writable_copy, moto_endpoint: str, mirror: Path, checkov: Path
) -> None:
    import boto3

    project = writable_copy(rendered[tree])
    envs = point_backends_at(project, moto_endpoint)
    ephemeral_log = project / "ephemeral.jsonl"
    env = aws_env(moto_endpoint, mirror, ephemeral_log)
    p = str(project)

    for name in envs:
        booted = cli("bootstrap", "--env", name, "--project", p, env=env)
        assert booted.exit_code == 0, booted.output
    bucket, region = next(iter(envs.values()))["state_bucket"], next(iter(envs.values()))["state_region"]
    s3 = boto3.client(
        "s3",
        region_name=region,
        endpoint_url=moto_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    assert "aws:SecureTransport" in s3.get_bucket_policy(Bucket=bucket)["Policy"]
    s3.delete_bucket_policy(Bucket=bucket)  # moto would apply the Deny unconditionally

    planned = cli("plan", "--all", "--scan", "--project", p, env=env)
    assert planned.exit_code == 2, planned.output
    created = {m.group(1): int(m.group(2)) for m in HEADLINE.finditer(planned.output)}
    assert set(created) == set(envs) and all(n > 50 for n in created.values()), planned.output
    scans = scan_blocks(planned.output)
    assert set(scans) == set(envs), planned.output
    lines = planned.output.splitlines()
    first_scan = next(i for i, line in enumerate(lines) if line.startswith("scan "))
    assert all(i < first_scan for i, line in enumerate(lines) if line.startswith("== "))
    for name in envs:  # each plan's scan is cached next to it
        assert (project / "envs" / name / ".tfgen" / ".tfgen-cache" / "scan").is_dir()
    plan_texts: dict[str, str] = {}
    for name, block in scans.items():
        assert re.fullmatch(
            r"passed \d+, failed 0, skipped \d+ \(each with its reason: tfgen scan --show-skips lists them\)",
            block[-1],
        ), "\n".join(block)
        # The skips with their reasons: the same scan again, from the cache the plan's scan left.
        plan_json = project / "envs" / name / ".tfgen" / f"{name}.plan.json"
        plan_texts[name] = plan_json.read_text()  # apply removes it
        shown = cli("scan", "--plan", str(plan_json), "--show-skips", env=env)
        assert shown.exit_code == 0, shown.output
        assert "(from cache)" in shown.stdout.splitlines()[0], shown.stdout
        block = shown.stdout.splitlines()
        profile_skips = skipped_ids(block, "module.alb.aws_lb.this") & PROFILE_CHECKS
        if envs[name]["profile"] == "high-power":
            assert profile_skips == set(), f"{name}: high-power proves CKV_AWS_150\n" + "\n".join(block)
        else:
            assert profile_skips == {"CKV_AWS_150"}, "\n".join(block)

    for name, info in envs.items():
        confirm = ["--yes"] if info["protected"] else []
        applied = cli("apply", "--env", name, *confirm, "--project", p, env={**env, "CI": "true"})
        assert applied.exit_code == 0, applied.output
        assert f"Apply complete! Resources: {created[name]} added, 0 changed, 0 destroyed." in applied.output

    # Generated secrets (the cache AUTH token) are ephemeral and written write-only: no value
    # the twin generated is in any environment's state or saved plan.
    has_cache = (project / "modules" / "elasticache").is_dir()
    generated = (
        [json.loads(line)["result"] for line in ephemeral_log.read_text().splitlines()] if has_cache else []
    )
    assert len(generated) >= (2 * len(envs) if has_cache else 0), generated  # opened at plan and at apply
    for name, info in envs.items():
        state_text = s3.get_object(Bucket=bucket, Key=info["state_key"])["Body"].read().decode()
        plan_text = plan_texts[name]
        leaked = [g for g in generated if g in state_text or g in plan_text]
        assert leaked == [], f"{name}: a generated secret is in the state or the plan"
        if has_cache:
            state = json.loads(state_text)
            by_type = {r["type"]: r for r in state["resources"] if r.get("module") == "module.elasticache"}
            assert "random_password" not in by_type
            group = by_type["aws_elasticache_replication_group"]["instances"][0]["attributes"]
            assert (group["auth_token"], group["auth_token_wo"], group["auth_token_wo_version"]) == (
                None,
                None,
                1,
            )
            version = by_type["aws_secretsmanager_secret_version"]["instances"][0]["attributes"]
            assert (version["secret_string"], version["secret_string_wo"]) == (None, None)
            assert version["has_secret_string_wo"] is True
        # cdn.lock_origin: the origin header value is where the README says (the distribution,
        # the listener rule, its random_password) and nowhere else: not the secret version's
        # state, not an output.
        state = json.loads(state_text)
        header = [
            r
            for r in state["resources"]
            if (r.get("module"), r["type"]) == ("module.cloudfront", "random_password")
        ]
        if header:
            value = header[0]["instances"][0]["attributes"]["result"]
            holders = {
                f"{r['module']}.{r['type']}.{r['name']}"
                for r in state["resources"]
                if value in json.dumps(r["instances"])
            }
            assert holders == {
                "module.cloudfront.random_password.origin_header",
                "module.cloudfront.aws_cloudfront_distribution.this",
                "module.alb.aws_lb_listener_rule.app",
            }, holders
            assert value not in json.dumps(state["outputs"])

    again = cli("plan", "--all", "--project", p, env=env)
    assert again.exit_code == 0, again.output
    assert sorted(re.findall(r"^== (\w+): no changes", again.output, re.M)) == sorted(envs)

    for name in envs:
        shown = cli("output", "--env", name, "--json", "--project", p, env=env)
        assert shown.exit_code == 0, shown.output
        values = json.loads(shown.stdout)
        assert values["vpc_id"].startswith("vpc-0") and values["lb_dns_name"].endswith(".elb.amazonaws.com")

    for name, info in envs.items():
        flags = ["--yes", "--destroy-protected"] if info["protected"] else ["--yes"]
        gone = cli("destroy", "--env", name, *flags, "--project", p, env={**env, "CI": "true"})
        assert gone.exit_code == 0, gone.output
        assert f"Destroy complete! Resources: {created[name]} destroyed." in gone.output
        state = json.loads(s3.get_object(Bucket=bucket, Key=info["state_key"])["Body"].read())
        assert state["resources"] == []
