"""The module catalog: one record per Terraform module, in dependency order.

Everything that lists modules or spec sections derives from `MODULES`: the spec's sections and
optional tiers, the render order, the README summaries, the error-path cleanup of the spec
validator, and the schema extractor's type list (tools/extract_schema.py). Adding a module is
one file here plus its templates: see docs/ADDING_A_MODULE.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import alb, asg, backup, cloudfront, dns, elasticache, monitoring, rds, s3, vpc
from ._record import ModuleDef

if TYPE_CHECKING:
    from ..spec.fields import Section

MODULES: tuple[ModuleDef, ...] = (
    vpc.MODULE,
    alb.MODULE,
    asg.MODULE,
    rds.MODULE,
    elasticache.MODULE,
    s3.MODULE,
    cloudfront.MODULE,
    dns.MODULE,
    monitoring.MODULE,
    backup.MODULE,
)

__all__ = ["MODULES", "ModuleDef", "by_name", "optional_sections", "section_models"]


def by_name(name: str) -> ModuleDef:
    """The record of one module; KeyError names the known ones."""
    for module in MODULES:
        if module.name == name:
            return module
    raise KeyError(f"no module {name!r} in the catalog: {', '.join(m.name for m in MODULES)}")


def section_models() -> dict[str, type[Section]]:
    """Spec section -> its model, in the catalog's order."""
    return {m.section: m.model for m in MODULES}


def optional_sections() -> tuple[str, ...]:
    """The sections a spec may leave out (their tiers are then absent)."""
    return tuple(m.section for m in MODULES if m.optional)
