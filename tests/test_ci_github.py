"""The GitHub Actions workflows tfgen renders: valid, pinned, least privilege, in the spec's order.

Validated offline with the real tools: check-jsonschema's vendored GitHub workflow schema and
zizmor (GitHub Actions security lint, `--offline`, the strictest persona).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import render_inline
from tfgen.ci import GITHUB_WORKFLOWS
from tfgen.ci.actions import ACTIONS

BIN = Path(sys.executable).parent
WORKFLOWS = [f".github/workflows/{name}" for name in GITHUB_WORKFLOWS]

SPEC = """\
name: shop
region: eu-west-1
load_balancer:
  certificate_arn: arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978
ci:
  repository: acme/shop
  default_branch: trunk
  require_approval: [staging]
  drift_schedule: "5 4 * * 1"
  runner_labels: [ubuntu-24.04]
environments:
  dev:
    profile: low-power
  staging:
    profile: low-power
  qa:
    profile: low-power
    protected: true
  prod:
    profile: high-power
"""


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_inline(tmp_path_factory.mktemp("gha"), SPEC)


def load(tree: Path, name: str) -> dict:
    data = yaml.safe_load((tree / ".github/workflows" / name).read_text())
    data["on"] = data.pop(True)  # YAML 1.1 reads the key `on` as true
    return data


def test_the_three_workflows_and_nothing_else(tree: Path) -> None:
    assert sorted(p.name for p in (tree / ".github/workflows").iterdir()) == sorted(GITHUB_WORKFLOWS)
    assert not (tree / ".gitlab-ci.yml").exists() and not (tree / "atlantis.yaml").exists()


def test_workflows_validate_against_the_github_workflow_schema(tree: Path) -> None:
    files = [str(tree / w) for w in WORKFLOWS]
    result = subprocess.run(
        [BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows", *files],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout


def test_zizmor_finds_nothing_even_as_an_auditor(tree: Path) -> None:
    result = subprocess.run(
        [BIN / "zizmor", "--offline", "--persona=auditor", "--no-progress", str(tree / ".github/workflows")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout


def test_a_workflow_with_an_unpinned_action_is_what_zizmor_flags(tree: Path, tmp_path: Path) -> None:
    """The zizmor check can fail: the same plan workflow with a tag instead of a SHA is flagged."""
    text = (tree / ".github/workflows/tfgen-plan.yml").read_text()
    bad = tmp_path / ".github" / "workflows"
    bad.mkdir(parents=True)
    (bad / "plan.yml").write_text(re.sub(r"actions/checkout@[0-9a-f]{40} # \S+", "actions/checkout@v7", text))
    result = subprocess.run(
        [BIN / "zizmor", "--offline", "--persona=auditor", "--no-progress", str(bad)],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "unpinned-uses" in result.stdout


def test_every_action_is_pinned_by_full_sha_with_its_version(tree: Path) -> None:
    pinned = {a.repo: (a.sha, a.version) for a in ACTIONS.values()}
    seen = set()
    for workflow in WORKFLOWS:
        for line in (tree / workflow).read_text().splitlines():
            if "uses:" not in line:
                continue
            pattern = r"\s+(?:- )?uses: ([\w.-]+/[\w.-]+)(/[\w/-]+)?@([0-9a-f]{40}) # (v\S+)"
            match = re.fullmatch(pattern, line)
            assert match, line
            repo, _, sha, version = match.groups()
            assert pinned[repo] == (sha, version)
            seen.add(repo)
    assert seen == set(pinned)


def test_no_pull_request_target_and_no_secrets(tree: Path) -> None:
    for workflow in WORKFLOWS:
        text = (tree / workflow).read_text()
        assert "pull_request_target" not in text
        assert "secrets." not in text
        assert "${{" not in "".join(line for line in text.splitlines() if "run:" in line)


def job_permissions(workflow: dict) -> dict[str, dict[str, str]]:
    return {name: job["permissions"] for name, job in workflow["jobs"].items()}


def test_plan_workflow(tree: Path) -> None:
    plan = load(tree, "tfgen-plan.yml")
    assert plan["on"] == {"pull_request": {"branches": ["trunk"]}}
    assert plan["permissions"] == {}
    assert job_permissions(plan) == {
        "plan": {"contents": "read", "id-token": "write", "pull-requests": "write"},
        "scan": {"contents": "read", "security-events": "write"},
    }
    job = plan["jobs"]["plan"]
    assert job["strategy"]["matrix"]["env"] == ["dev", "staging", "qa", "prod"]
    assert job["runs-on"] == ["ubuntu-24.04"]
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert 'tfgen plan --env "$TFGEN_ENV" --format markdown' in runs
    assert "<!-- tfgen-plan:$TFGEN_ENV -->" in runs and "--method PATCH" in runs  # one sticky comment
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["include-hidden-files"] is True
    scan_runs = [s.get("run", "") for s in plan["jobs"]["scan"]["steps"]]
    assert any("tfgen scan --format sarif --output tfgen.sarif" in r for r in scan_runs)
    sarif = next(s for s in plan["jobs"]["scan"]["steps"] if "upload-sarif@" in s.get("uses", ""))
    assert sarif["with"]["sarif_file"] == "tfgen.sarif"


def test_apply_workflow_runs_the_environments_in_order_each_in_its_environment(tree: Path) -> None:
    apply = load(tree, "tfgen-apply.yml")
    assert apply["on"] == {"push": {"branches": ["trunk"]}}
    assert apply["permissions"] == {}
    jobs = apply["jobs"]
    order = ["dev", "staging", "qa", "prod"]
    assert list(jobs) == [f"{kind}-{env}" for env in order for kind in ("plan", "apply")]
    for index, env in enumerate(order):
        plan, job = jobs[f"plan-{env}"], jobs[f"apply-{env}"]
        assert plan.get("needs") == (f"apply-{order[index - 1]}" if index else None)
        assert job["needs"] == f"plan-{env}"
        assert job["environment"] == env
        assert job["concurrency"] == {"group": f"tfgen-{env}", "cancel-in-progress": False}
        assert plan["concurrency"] == job["concurrency"]
        assert job["permissions"] == {"contents": "read", "id-token": "write"}
        assert plan["permissions"] == {"contents": "read", "id-token": "write"}
        download = next(s for s in job["steps"] if "download-artifact@" in s.get("uses", ""))
        assert download["with"] == {"name": f"tfgen-apply-plan-{env}", "path": f"envs/{env}/.tfgen"}
        assert job["steps"][-1]["run"] == 'tfgen apply --env "$TFGEN_ENV" --yes'
        roles = [s["run"] for s in job["steps"] if "ci-roles.json" in s.get("run", "")]
        assert len(roles) == 1 and ".apply_role_arn" in roles[0]
    text = (tree / ".github/workflows/tfgen-apply.yml").read_text()
    assert "Environments that need approval (staging, qa, prod)" in text.replace("\n# ", " ")


def test_drift_workflow(tree: Path) -> None:
    drift = load(tree, "tfgen-drift.yml")
    assert drift["on"] == {"schedule": [{"cron": "5 4 * * 1"}], "workflow_dispatch": {}}
    assert job_permissions(drift) == {"drift": {"contents": "read", "id-token": "write"}}
    runs = "\n".join(s.get("run", "") for s in drift["jobs"]["drift"]["steps"])
    assert 'tfgen drift --env "$TFGEN_ENV" --format markdown' in runs
    assert 'cat "$RUNNER_TEMP/drift.md" >> "$GITHUB_STEP_SUMMARY"' in runs


def test_runner_labels_are_every_job_runs_on(tmp_path: Path) -> None:
    tree = render_inline(tmp_path, SPEC.replace("[ubuntu-24.04]", "[self-hosted, linux, aws]"))
    for name in GITHUB_WORKFLOWS:
        jobs = load(tree, name)["jobs"].values()
        assert {tuple(job["runs-on"]) for job in jobs} == {("self-hosted", "linux", "aws")}


def test_provider_none_renders_no_pipeline(tmp_path: Path) -> None:
    tree = render_inline(tmp_path, SPEC.replace("  repository: acme/shop\n", "  provider: none\n"))
    assert not (tree / ".github").exists()
