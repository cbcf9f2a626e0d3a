"""The `ci:` section: which CI engine runs the project's plans and applies, and how.

Not a module (it renders no Terraform): like `usage:` and `state:` it is a top-level key of the
spec, validated with the rest, and resolved into `AppSpec.ci`. What it drives: the pipelines
tfgen renders (`.github/workflows/`, `.gitlab-ci.yml` or `atlantis.yaml`, see tfgen.ci) and the
trust policies of the roles `tfgen bootstrap --ci` creates.
"""

from __future__ import annotations

import difflib
import re
from typing import Annotated, Any, Literal

from pydantic import Field

from .fields import Section
from .problems import Problems

GITHUB_REPOSITORY = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$"
GITLAB_PROJECT = r"^[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)+$"
BRANCH = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$"
RUNNER_LABEL = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
HTTPS_URL = r"^https://[a-z0-9.-]+(:[0-9]{1,5})?$"
DEFAULT_DRIFT_SCHEDULE = "17 6 * * 1-5"  # weekdays 06:17 UTC: off the hour, as GitHub advises

# One cron field: *, a number, a range, a list, each optionally with a /step.
_CRON_ITEM = r"(\*|[0-9]+(-[0-9]+)?)(/[0-9]+)?"
_CRON_FIELD = re.compile(rf"^{_CRON_ITEM}(,{_CRON_ITEM})*$")
_CRON_LIMITS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 6),
)


class Ci(Section):
    """Continuous integration: plan on every pull request, apply on merge, drift on a schedule."""

    provider: Literal["github", "gitlab", "atlantis", "none"] = Field(
        "github",
        description="The CI engine tfgen renders pipelines for: github (GitHub Actions, "
        ".github/workflows/), gitlab (.gitlab-ci.yml), atlantis (atlantis.yaml) or none.",
    )
    repository: str | None = Field(
        None,
        description="The repository: org/repo on GitHub, the project path (group/sub/project) on "
        "GitLab. `tfgen bootstrap --ci` binds the CI roles' trust to it (required there).",
    )
    default_branch: str = Field(
        "main", pattern=BRANCH, description="The branch whose pushes are applied (and plans compare to)."
    )
    require_approval: list[str] = Field(
        default_factory=list,
        description="Environments whose applies wait for a reviewer, besides the protected ones "
        "(prod and any `protected: true` environment always do).",
    )
    drift_schedule: str = Field(
        DEFAULT_DRIFT_SCHEDULE,
        description="When to check every environment for drift: a 5-field cron in UTC "
        "(minute hour day-of-month month day-of-week).",
    )
    runner_labels: list[Annotated[str, Field(pattern=RUNNER_LABEL)]] = Field(
        default_factory=lambda: ["ubuntu-24.04"],
        min_length=1,
        description="Labels of the runners the jobs run on (GitHub runs-on, GitLab tags).",
    )
    oidc_subject_prefix: str | None = Field(
        None,
        pattern=r"^repo:[A-Za-z0-9._-]+/[A-Za-z0-9._-]+$",
        description="GitHub only: the start of the OIDC `sub` claim the CI roles trust. Default "
        "repo:<repository>; repositories created (or renamed) after 2026-06-18, or opted in, use "
        "immutable IDs (repo:<owner>-<owner id>/<repo>-<repo id>): copy the prefix GitHub's OIDC "
        "settings show for the repository.",
    )
    gitlab_url: str = Field(
        "https://gitlab.com",
        pattern=HTTPS_URL,
        description="GitLab only: the instance's URL (issuer and audience of its ID tokens).",
    )


def cron_problem(value: str) -> str:
    """What is wrong with a 5-field cron expression, or "" when nothing is."""
    fields = value.split()
    if len(fields) != 5:
        return (
            f"{value!r} has {len(fields)} fields: a cron has 5 (minute hour day-of-month month day-of-week)"
        )
    for text, (name, low, high) in zip(fields, _CRON_LIMITS, strict=True):
        if not _CRON_FIELD.match(text):
            return f"{value!r}: the {name} field {text!r} is not *, N, N-M, a list or a /step of them"
        for number in re.findall(r"(?<![/0-9])[0-9]+", text):
            if not low <= int(number) <= high:
                return f"{value!r}: the {name} field allows {low}-{high}, not {number}"
    return ""


def check_ci(data: dict[str, Any], problems: Problems) -> None:
    """What the model cannot say: the repository's form per provider, environments, the cron."""
    ci = data.get("ci")
    if ci is None and "ci" in data:
        problems.add(
            ("ci",), "is empty: write `ci: {}` for GitHub Actions with the defaults, or remove the key"
        )
        return
    if not isinstance(ci, dict):
        return
    provider = ci.get("provider", "github")
    repository = ci.get("repository")
    if isinstance(repository, str):
        if provider == "gitlab" and not re.match(GITLAB_PROJECT, repository):
            problems.add(
                ("ci", "repository"),
                f"{repository!r} is not a GitLab project path (group/project or group/sub/project)",
            )
        elif provider != "gitlab" and not re.match(GITHUB_REPOSITORY, repository):
            problems.add(
                ("ci", "repository"),
                f"{repository!r} is not a GitHub repository: write owner/name (e.g. acme/shop)",
            )
    branch = ci.get("default_branch")
    if isinstance(branch, str) and (".." in branch or branch.endswith((".lock", "/", "."))):
        problems.add(("ci", "default_branch"), f"{branch!r} is not a valid git branch name")
    envs = data.get("environments") if isinstance(data.get("environments"), dict) else {}
    approval = ci.get("require_approval")
    if isinstance(approval, list) and isinstance(envs, dict):
        for index, name in enumerate(approval):
            if isinstance(name, str) and name not in envs:
                guess = difflib.get_close_matches(name, [str(e) for e in envs], n=1, cutoff=0.6)
                known = ", ".join(map(str, envs))
                hint = f"did you mean {guess[0]!r}?" if guess else f"environments: {known}"
                problems.add(
                    ("ci", "require_approval", index), f"{name!r} is not an environment of this spec: {hint}"
                )
    schedule = ci.get("drift_schedule")
    if isinstance(schedule, str):
        problem = cron_problem(schedule)
        if problem:
            problems.add(("ci", "drift_schedule"), problem)
