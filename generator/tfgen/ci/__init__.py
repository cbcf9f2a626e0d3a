"""The project's CI pipelines, rendered from the spec's `ci:` section (tfgen.spec.ci).

`ci_files(spec, spec_ref)` returns {path: text} for the chosen engine: GitHub Actions
(`.github/workflows/tfgen-{plan,apply,drift}.yml`, the default), GitLab CI (`.gitlab-ci.yml`)
or Atlantis (`atlantis.yaml`); nothing for `provider: none`. The templates use `[[ ]]` and
`[% %]` as delimiters, so GitHub's and GitLab's own `${{ }}` / `${VAR}` stay literal.

How an applied plan relates to the reviewed one (GitHub): the pull request's plan is what a
reviewer reads before merging; on the push to the default branch, each environment is planned
again from the merged commit (the PR's plan was made from the PR's head and an older state, so
it may be stale), that plan is shown in the run's summary and kept as an artifact, and the apply
job applies exactly that saved plan. Environments that need approval wait for a reviewer in
their GitHub environment between the two: the plan they approve is the plan that is applied.
`tfgen apply` refuses a plan whose configuration changed (fingerprint) and terraform refuses a
stale one, so nothing else can be applied.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__
from ..spec import AppSpec
from .actions import ACTIONS

# The terraform the pipelines install (setup-terraform); the generated code needs >= 1.11.
TERRAFORM_VERSION = "1.11.4"
PYTHON_VERSION = "3.12"
PACKAGE = f"tfgen-aws=={__version__}"
ROLES_FILE = ".tfgen/ci-roles.json"
GITHUB_WORKFLOWS = ("tfgen-plan.yml", "tfgen-apply.yml", "tfgen-drift.yml")


@dataclass(frozen=True)
class CiEnv:
    name: str
    approval: bool


@dataclass(frozen=True)
class CiContext:
    """What the pipeline templates read: the `ci:` section plus what the spec says of each env."""

    provider: str
    repository: str | None
    default_branch: str
    drift_schedule: str
    runs_on: list[str]
    region: str
    envs: list[CiEnv]
    gitlab_url: str
    terraform_version: str = TERRAFORM_VERSION
    python_version: str = PYTHON_VERSION
    package: str = PACKAGE

    @property
    def env_names(self) -> list[str]:
        return [e.name for e in self.envs]

    @property
    def approval_names(self) -> list[str]:
        return [e.name for e in self.envs if e.approval]


def ci_context(spec: AppSpec) -> CiContext:
    ci = spec.ci
    return CiContext(
        provider=ci.provider,
        repository=ci.repository,
        default_branch=ci.default_branch,
        drift_schedule=ci.drift_schedule,
        runs_on=list(ci.runner_labels),
        region=spec.region,
        envs=[CiEnv(e.name, spec.needs_approval(e)) for e in spec.environments],
        gitlab_url=ci.gitlab_url,
    )


def ci_environment() -> Any:
    """A Jinja environment with CI-friendly delimiters, strict about undefined names."""
    from ..render import TEMPLATES

    return ci_templates(TEMPLATES)


@functools.cache
def ci_templates(folder: Path) -> Any:
    """One per process and template folder (see tfgen.render.project_environment)."""
    from ..render import jinja_environment

    env = jinja_environment(
        folder,
        block_start_string="[%",
        block_end_string="%]",
        variable_start_string="[[",
        variable_end_string="]]",
        comment_start_string="[#",
        comment_end_string="#]",
    )
    import json

    env.filters["tojson"] = lambda v: json.dumps(v)
    return env


def uses() -> dict[str, str]:
    """Each action's pinned `uses:` value with its version comment."""
    pins = {key: action.uses() for key, action in ACTIONS.items()}
    pins["upload-sarif"] = ACTIONS["codeql-action"].uses("/upload-sarif")
    return pins


def ci_files(spec: AppSpec, spec_ref: str = "tfgen.yaml") -> dict[str, str]:
    """The pipeline files of the spec's CI engine, keyed by project-relative path."""
    import jinja2

    from ..errors import TfgenError

    context = ci_context(spec)
    if context.provider == "none":
        return {}
    if context.provider == "github":
        targets = {f".github/workflows/{name}": f"ci/github/{name}.j2" for name in GITHUB_WORKFLOWS}
    elif context.provider == "gitlab":
        targets = {".gitlab-ci.yml": "ci/gitlab/gitlab-ci.yml.j2"}
    else:
        targets = {"atlantis.yaml": "ci/atlantis/atlantis.yaml.j2"}
    jinja = ci_environment()
    files = {}
    for path, template in targets.items():
        try:
            text = jinja.get_template(template).render(
                ci=context, a=uses(), spec_ref=spec_ref, tfgen_version=__version__, spec=spec
            )
        except jinja2.TemplateError as err:
            raise TfgenError(f"template error in {template} while rendering {path}: {err}") from None
        text = re.sub(r"\n\n+(\s+- name:)", r"\n\1", text)  # the blank a macro call leaves
        files[path] = re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n"
    return files
