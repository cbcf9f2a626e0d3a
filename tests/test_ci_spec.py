"""The `ci:` section: defaults, every problem with its key and line, the JSON Schema."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from helpers import REPO
from tfgen.errors import SpecError
from tfgen.spec import load_spec
from tfgen.spec.ci import DEFAULT_DRIFT_SCHEDULE, cron_problem

BASE = """\
name: shop
region: eu-west-1
load_balancer:
  certificate_arn: arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978
environments:
  dev:
    profile: low-power
  staging:
    profile: low-power
  prod:
    profile: high-power
"""


def write(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "app.yaml"
    path.write_text(BASE + textwrap.dedent(extra))
    return path


def errors_of(tmp_path: Path, extra: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_spec(write(tmp_path, extra))
    return [line.replace(f"{tmp_path}/", "") for line in info.value.lines()]


def test_no_ci_section_means_github_with_the_defaults(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, ""))
    assert spec.ci.provider == "github"
    assert spec.ci.default_branch == "main"
    assert spec.ci.repository is None
    assert spec.ci.drift_schedule == DEFAULT_DRIFT_SCHEDULE
    assert spec.ci.runner_labels == ["ubuntu-24.04"]
    assert {e.name: spec.needs_approval(e) for e in spec.environments} == {
        "dev": False,
        "staging": False,
        "prod": True,
    }


def test_ci_section_is_read(tmp_path: Path) -> None:
    spec = load_spec(
        write(
            tmp_path,
            """\
            ci:
              provider: gitlab
              repository: acme/web/shop
              default_branch: trunk
              require_approval: [staging]
              drift_schedule: "*/30 1-5 * * 1,3,5"
              runner_labels: [linux, aws]
            """,
        )
    )
    assert (spec.ci.provider, spec.ci.repository) == ("gitlab", "acme/web/shop")
    assert spec.ci.default_branch == "trunk"
    assert spec.ci.runner_labels == ["linux", "aws"]
    assert [e.name for e in spec.environments if spec.needs_approval(e)] == ["staging", "prod"]


def test_every_ci_problem_has_its_key_and_line(tmp_path: Path) -> None:
    lines = errors_of(
        tmp_path,
        """\
        ci:
          provider: jenkins
          repository: acme
          default_branch: "bad..name"
          require_approval: [stagin]
          drift_schedule: "61 6 * * *"
          runner_labels: ["has space"]
          colour: red
        """,
    )
    assert len(lines) == 7
    body = "\n".join(lines)
    expected = "expected 'github', 'gitlab', 'atlantis' or 'none'"
    assert f"app.yaml:13: ci.provider: invalid value 'jenkins': {expected}" in body
    assert "app.yaml:14: ci.repository: 'acme' is not a GitHub repository: write owner/name" in body
    assert "app.yaml:15: ci.default_branch: 'bad..name' is not a valid git branch name" in body
    assert "app.yaml:16: ci.require_approval.0: 'stagin' is not an environment of this spec: " in body
    assert "did you mean 'staging'?" in body
    assert "app.yaml:17: ci.drift_schedule: '61 6 * * *': the minute field allows 0-59, not 61" in body
    assert "app.yaml:18: ci.runner_labels.0: " in body
    assert "app.yaml:19: ci.colour: unknown key" in body


def test_gitlab_project_paths_and_github_repositories_differ(tmp_path: Path) -> None:
    body = "\n".join(errors_of(tmp_path, "ci:\n  provider: github\n  repository: acme/web/shop\n"))
    assert "ci.repository: 'acme/web/shop' is not a GitHub repository" in body
    body = "\n".join(errors_of(tmp_path, "ci:\n  provider: gitlab\n  repository: shop\n"))
    assert "ci.repository: 'shop' is not a GitLab project path" in body


def test_empty_ci_section_is_refused(tmp_path: Path) -> None:
    assert errors_of(tmp_path, "ci:\n")[-1].startswith("app.yaml:12: ci: is empty")


@pytest.mark.parametrize(
    ("cron", "problem"),
    [
        ("0 6 * * 1-5", ""),
        ("*/15 * * * *", ""),
        ("0 6 * *", "has 4 fields"),
        ("0 24 * * *", "the hour field allows 0-23, not 24"),
        ("0 6 0 * *", "the day of month field allows 1-31, not 0"),
        ("0 6 * 13 *", "the month field allows 1-12, not 13"),
        ("0 6 * * 7", "the day of week field allows 0-6, not 7"),
        ("0 6 * * mon", "is not *, N, N-M"),
    ],
)
def test_cron(cron: str, problem: str) -> None:
    found = cron_problem(cron)
    assert (problem in found and found != "") if problem else found == ""


def test_ci_is_in_the_json_schema() -> None:
    schema = json.loads((REPO / "tfgen.schema.json").read_text())
    ci = schema["$defs"]["Ci"]
    assert set(ci["properties"]) == {
        "provider",
        "repository",
        "default_branch",
        "require_approval",
        "drift_schedule",
        "runner_labels",
        "oidc_subject_prefix",
        "gitlab_url",
    }
    assert ci["properties"]["provider"]["enum"] == ["github", "gitlab", "atlantis", "none"]
    assert ci["additionalProperties"] is False
