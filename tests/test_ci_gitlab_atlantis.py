"""GitLab CI and Atlantis pipelines: valid for their schema (GitLab) or documented keys (Atlantis)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import render_inline

BIN = Path(sys.executable).parent
SPEC = """\
name: shop
region: eu-west-1
load_balancer:
  certificate_arn: arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978
ci:
  provider: PROVIDER
  repository: REPOSITORY
  require_approval: [staging]
  runner_labels: [docker]
environments:
  dev:
    profile: low-power
  staging:
    profile: low-power
  prod:
    profile: high-power
"""

# atlantis.yaml (version 3) keys, from Atlantis's repo-level configuration reference.
ATLANTIS_TOP = {
    "version",
    "automerge",
    "delete_source_branch_on_merge",
    "parallel_plan",
    "parallel_apply",
    "abort_on_execution_order_fail",
    "projects",
    "workflows",
    "allowed_regexp_prefixes",
}
ATLANTIS_PROJECT = {
    "name",
    "branch",
    "dir",
    "workspace",
    "execution_order_group",
    "delete_source_branch_on_merge",
    "repo_locking",
    "repo_locks",
    "custom_policy_check",
    "autoplan",
    "terraform_version",
    "plan_requirements",
    "apply_requirements",
    "import_requirements",
    "silence_pr_comments",
    "workflow",
    "depends_on",
    "terraform_distribution",
}
ATLANTIS_AUTOPLAN = {"enabled", "when_modified"}
ATLANTIS_STAGES = {"plan", "apply", "policy_check", "import", "state_rm"}


def render(tmp_path: Path, provider: str, repository: str) -> Path:
    return render_inline(tmp_path, SPEC.replace("PROVIDER", provider).replace("REPOSITORY", repository))


@pytest.fixture(scope="module")
def gitlab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(tmp_path_factory.mktemp("gitlab"), "gitlab", "acme/web/shop")


def test_gitlab_ci_validates_against_the_gitlab_schema(gitlab: Path) -> None:
    assert not (gitlab / ".github").exists()
    result = subprocess.run(
        [BIN / "check-jsonschema", "--builtin-schema", "vendor.gitlab-ci", str(gitlab / ".gitlab-ci.yml")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_gitlab_jobs(gitlab: Path) -> None:
    doc = yaml.safe_load((gitlab / ".gitlab-ci.yml").read_text())
    assert doc[".tfgen"]["id_tokens"] == {"AWS_ID_TOKEN": {"aud": "https://gitlab.com"}}
    assert doc["default"]["tags"] == ["docker"]
    for index, env in enumerate(["dev", "staging", "prod"]):
        plan, apply = doc[f"plan:{env}"], doc[f"apply:{env}"]
        assert plan["resource_group"] == apply["resource_group"] == f"tfgen-{env}"
        assert apply["environment"] == {"name": env, "action": "start"}
        assert apply["needs"] == [f"plan:{env}"] + (
            [f"apply:{['dev', 'staging'][index - 1]}"] if index else []
        )
        manual = apply["rules"][0].get("when") == "manual"
        assert manual == (env in ("staging", "prod"))
        assert apply["script"] == ['tfgen apply --env "$TFGEN_ENV" --yes']
        assert any("--format markdown" in line for line in plan["script"])
    assert doc["drift"]["parallel"]["matrix"] == [{"TFGEN_ENV": ["dev", "staging", "prod"]}]
    assert "secrets" not in (gitlab / ".gitlab-ci.yml").read_text().lower()


def test_atlantis_yaml(tmp_path: Path) -> None:
    tree = render(tmp_path, "atlantis", "acme/shop")
    doc = yaml.safe_load((tree / "atlantis.yaml").read_text())
    assert set(doc) <= ATLANTIS_TOP and doc["version"] == 3 and doc["parallel_plan"] is True
    assert [p["name"] for p in doc["projects"]] == ["dev", "staging", "prod"]
    for index, project in enumerate(doc["projects"]):
        assert set(project) <= ATLANTIS_PROJECT and set(project["autoplan"]) <= ATLANTIS_AUTOPLAN
        assert project["dir"] == f"envs/{project['name']}"
        assert project["execution_order_group"] == index + 1
        modified = project["autoplan"]["when_modified"]
        assert {"*.tf", "../../modules/**/*.tf", "../../tfgen.yaml"} <= set(modified)
        needs = project["name"] in ("staging", "prod")
        assert project.get("apply_requirements") == (["approved", "mergeable"] if needs else None)
    workflow = doc["workflows"]["tfgen"]
    assert set(workflow) <= ATLANTIS_STAGES
    assert workflow["plan"]["steps"] == [
        {"run": 'tfgen plan --env "$PROJECT_NAME" --project ../.. --format markdown'}
    ]
    assert workflow["apply"]["steps"] == [
        {"run": 'CI=true tfgen apply --env "$PROJECT_NAME" --project ../.. --yes'}
    ]
