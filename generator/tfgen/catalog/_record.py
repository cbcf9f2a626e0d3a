"""The record that describes one module: everything the spec, render and docs layers need."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..spec.fields import Section
    from ..spec.model import AppSpec, Environment

Facts = Callable[["AppSpec"], dict[str, Any]]
"""Module-wide values the module's templates read as `m` (computed once for all environments)."""

Tfvars = Callable[["AppSpec", "Environment"], "dict[str, Any] | None"]
"""The environment's value of the module's variable (`<section> = {...}` in terraform.tfvars)."""


ONE_YEAR = 365  # days: what checkov's CKV_AWS_338 asks of CloudWatch log groups


def envs_where(spec: AppSpec, keep: Callable[[Environment], bool]) -> str:
    """The names of the environments `keep` selects, for a skip reason ("" when none)."""
    return ", ".join(env.name for env in spec.environments if keep(env))


def short_log_retention(spec: AppSpec) -> str:
    """Environments keeping their logs under a year (monitoring.log_retention_days)."""
    return envs_where(spec, lambda env: env.monitoring.log_retention_days < ONE_YEAR)


def locks_origin(env: Environment) -> bool:
    """Whether the environment's CDN is its ALB's only way in (cdn.lock_origin)."""
    return env.cdn is not None and env.cdn.locks_origin()


def no_facts(spec: AppSpec) -> dict[str, Any]:
    """For modules whose templates need nothing computed from the spec."""
    return {}


@dataclass(frozen=True)
class ModuleDef:
    """One Terraform module tfgen renders, and the spec section that configures it.

    Files: `templates/modules/<name>/{variables,main,outputs}.tf.j2` (plus the shared
    `templates/modules/versions.tf.j2`), and for the environment roots
    `templates/env/parts/<name>.{variables,main,outputs}.tf.j2`; `tfvars` writes the
    environment's values, so no template computes them.
    """

    name: str
    section: str
    model: type[Section]
    summary: str
    tfvars: Tfvars
    contract: tuple[str, ...]
    """Outputs the environment roots and other modules rely on (always present)."""
    optional: bool = False
    """The spec may leave the section out (then the module is not rendered, unless `always`)."""
    always: bool = False
    """Rendered and instantiated even when its optional section is absent (s3: the log bucket)."""
    providers: tuple[str, ...] = ("aws",)
    extra_providers: Callable[[AppSpec], tuple[str, ...]] | None = None
    """Providers the module needs only for some specs (cloudfront: random with lock_origin)."""
    facts: Facts = field(default=no_facts)
    present: Callable[[Environment], bool] | None = None
    """When the section's presence alone does not decide: whether an environment that has the
    section instantiates the module (backup: only where its profile turns the vault on)."""

    def providers_in(self, spec: AppSpec) -> tuple[str, ...]:
        """The providers the module requires in this spec's rendering."""
        extra = self.extra_providers(spec) if self.extra_providers else ()
        return self.providers + tuple(p for p in extra if p not in self.providers)

    def needed(self, spec: AppSpec) -> bool:
        """Whether the project gets this module (some environment uses it)."""
        return self.always or not self.optional or any(self.in_environment(e) for e in spec.environments)

    def in_environment(self, env: Environment) -> bool:
        """Whether this environment instantiates the module (an environment may drop a tier)."""
        if self.always or not self.optional:
            return True
        return env.section(self.section) is not None and (self.present is None or self.present(env))
