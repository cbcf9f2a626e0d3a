"""Render a validated spec into files: `render(spec) -> {relative path: text}`, no I/O.

Every spec value that lands in HCL goes through the `hcl` filter (tfgen.hcl). Values derived
from the spec are computed by the module catalog (tfgen.catalog), not in the templates: each
module's templates read its `facts` as `m`, and its `tfvars` become the environment's
terraform.tfvars.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path, PurePosixPath
from typing import Any

from . import HOMEPAGE, __version__
from .catalog import MODULES, ModuleDef
from .errors import TfgenError
from .hcl import hcl, hcl_object, hcl_string
from .spec import AppSpec, Environment
from .terraform_setup import REQUIRED_TERRAFORM as TERRAFORM_REQUIRED

__all__ = [
    "TEMPLATES",
    "TERRAFORM_REQUIRED",
    "env_modules",
    "env_tags",
    "hcl",
    "hcl_object",
    "hcl_string",
    "modules_for",
    "project_meta",
    "render",
]

TEMPLATES = Path(__file__).parent / "templates"
MODULE_FILES = ("versions.tf", "variables.tf", "main.tf", "outputs.tf")
ENV_FILES = ("versions.tf", "backend.tf", "variables.tf", "main.tf", "outputs.tf", "terraform.tfvars")
# Template names carry no leading dot: wheels leave dotfiles out of package data.
PROJECT_FILES = ("Makefile", ".pre-commit-config.yaml", ".gitignore", "README.md")
POLICY_SUFFIXES = (".py", ".yaml", ".yml")
# The spec's JSON Schema, in every project: the spec's modeline points editors at it.
SCHEMA_FILE = "tfgen.schema.json"


# The spec's JSON Schema as shipped in the package: generating it from the spec's models costs
# pydantic ~50 ms per render, so `make spec-schema` writes it once (tests/test_schema.py proves
# it equals what the models give).
SCHEMA_DATA = Path(__file__).parent / "data" / "spec.schema.json"


def generate_schema_text() -> str:
    """The spec's JSON Schema, generated from the spec's models."""
    from .spec import json_schema

    return json.dumps(json_schema(), indent=2, sort_keys=False) + "\n"


def schema_text() -> str:
    """`tfgen schema`'s output: the spec's JSON Schema, as written into a project."""
    return SCHEMA_DATA.read_text(encoding="utf-8")


def jinja_environment(folder: Path | None = None, **options: Any) -> Any:
    """A Jinja environment over `folder` (default TEMPLATES), strict about undefined names,
    keeping trailing newlines.

    Templates compile once per machine, not once per run: the compiled code is kept in the user's
    cache folder (tfgen.templates_cache). `options` are the environment's own (delimiters).
    """
    import jinja2

    from .templates_cache import bytecode_cache

    settings: dict[str, Any] = {
        "undefined": jinja2.StrictUndefined,
        "keep_trailing_newline": True,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "autoescape": False,
        **options,
    }
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder or TEMPLATES)),
        bytecode_cache=bytecode_cache(settings),
        **settings,
    )


def template_environment() -> Any:
    """The one Jinja environment of the project's files."""
    return project_environment(TEMPLATES)


@functools.cache
def project_environment(folder: Path) -> Any:
    """One per process and template folder: Jinja keeps the templates it loaded, and loads a
    template again when its file changes."""
    jinja = jinja_environment(folder)
    jinja.filters["hcl"] = hcl
    jinja.filters["hcl_string"] = hcl_string
    jinja.filters["tojson"] = lambda v: json.dumps(v, sort_keys=True)
    return jinja


def preload_templates() -> None:
    """Load every template into the process's environments (the warm server does, once)."""
    from .ci import ci_environment

    for jinja, wanted in ((template_environment(), False), (ci_environment(), True)):
        for name in jinja.list_templates():
            if name.startswith("ci/") == wanted:
                jinja.get_template(name)


def modules_for(spec: AppSpec) -> list[ModuleDef]:
    """The modules the project gets, in dependency order."""
    return [module for module in MODULES if module.needed(spec)]


def env_modules(spec: AppSpec, environment: Environment) -> list[ModuleDef]:
    """The modules one environment instantiates (an environment may drop an optional tier)."""
    return [module for module in modules_for(spec) if module.in_environment(environment)]


def env_tags(environment: Environment, spec: AppSpec) -> dict[str, str]:
    """The tags every resource of an environment carries (provider default_tags)."""
    return {
        "App": spec.name,
        "Environment": environment.name,
        "Profile": environment.profile,
        "ManagedBy": "tfgen",
        **environment.tags,
    }


class _Renderer:
    """Renders templates into `files` with the context every template shares."""

    def __init__(self, spec: AppSpec, spec_ref: str) -> None:
        self.jinja = template_environment()
        self.files: dict[str, str] = {}
        self.context: dict[str, Any] = {
            "spec": spec,
            "modules": [m.name for m in modules_for(spec)],
            "spec_ref": spec_ref,
            "homepage": HOMEPAGE,
            "tfgen_version": __version__,
            "terraform_required": TERRAFORM_REQUIRED,
            "env_tags": lambda environment: env_tags(environment, spec),
        }

    def put(self, path: str, template: str, **extra: Any) -> None:
        import jinja2

        try:
            text = self.jinja.get_template(template).render(**self.context, **extra)
        except jinja2.TemplateError as err:
            where = f"{getattr(err, 'filename', None) or template}:{getattr(err, 'lineno', '?')}"
            raise TfgenError(f"template error in {where} while rendering {path}: {err}") from None
        self.files[path] = _tidy(text)


def render(spec: AppSpec, spec_ref: str = "tfgen.yaml") -> dict[str, str]:
    """Every file of the project, keyed by POSIX path relative to the project root.

    `spec_ref` is how the project's Makefile and hooks refer to the spec (relative to the root).
    """
    out = _Renderer(spec, spec_ref)
    modules = modules_for(spec)
    facts = {module.name: module.facts(spec) for module in modules}
    for module in modules:
        for name in MODULE_FILES:
            template = (
                "modules/versions.tf.j2" if name == "versions.tf" else f"modules/{module.name}/{name}.j2"
            )
            out.put(
                f"modules/{module.name}/{name}",
                template,
                module=module,
                m=facts[module.name],
                module_providers=module.providers_in(spec),
            )
    out.files["modules/asg/user_data.sh.tftpl"] = user_data_template(spec)
    for environment in spec.environments:
        used = env_modules(spec, environment)
        context = {
            "env": environment,
            "used": [m.name for m in used],
            "facts": facts,
            "sections": {m.name: m.section for m in used},
            "tfvars": {m.name: m.tfvars(spec, environment) for m in used},
            "providers": sorted({p for m in used for p in m.providers_in(spec)}),
        }
        for name in ENV_FILES:
            out.put(f"envs/{environment.name}/{name}", f"env/{name}.j2", **context)
    insight = project_insight(spec)
    from .catalog.backup import restore_facts

    restores = restore_facts(spec)  # the environments with a database or a backup vault
    for name in PROJECT_FILES:
        out.put(
            name,
            f"project/{name.lstrip('.')}.j2",
            environments=spec.environments,
            restores=restores,
            **insight,
        )
    if restores:
        out.put("docs/RESTORE.md", "project/docs/RESTORE.md.j2", restores=restores)
    files = out.files
    from .ci import ci_files

    files.update(ci_files(spec, spec_ref))
    files.update(policy_files())
    files[SCHEMA_FILE] = schema_text()

    from .docs import module_readme

    for module in modules:
        files[f"modules/{module.name}/README.md"] = module_readme(module.name, module.summary, files)
    for path in files:
        _check_path(path)
    return dict(sorted(files.items()))


def project_insight(spec: AppSpec) -> dict[str, Any]:
    """What the project README shows of `tfgen cost` and `tfgen diagram`, from the spec alone.

    Each environment's monthly estimate, the environments under both profiles (when the spec
    was loaded from a file, so it can be resolved again), and each environment's Mermaid
    diagram.
    """
    from .cost import PriceTable, estimate
    from .cost.compare import compare
    from .cost.report import compare_summary_markdown
    from .diagram import build, mermaid
    from .spec import PROFILES

    table = PriceTable.load()
    names = [e.name for e in spec.environments]
    profiles = tuple(PROFILES)
    comparison = (
        compare_summary_markdown(compare(spec, (profiles[0], profiles[1]), names, table))
        if spec.source is not None
        else []
    )
    return {
        "prices": table,
        "estimates": {e.name: estimate(e, spec.region, table) for e in spec.environments},
        "comparison": comparison,
        "diagrams": {e.name: mermaid(build(spec, [e])) for e in spec.environments},
    }


def policy_files() -> dict[str, str]:
    """tfgen's policies: every project carries them, so its scan and hooks need nothing else."""
    policies = Path(__file__).resolve().parent / "policies"
    return {
        f"policies/{policy.name}": policy.read_text(encoding="utf-8")
        for policy in sorted(policies.iterdir())
        if policy.is_file() and policy.suffix in POLICY_SUFFIXES
    }


def user_data_template(spec: AppSpec) -> str:
    """The boot script template: writes the app's environment file, then runs the user's script.

    Only endpoints and secret ARNs are passed; secret values stay in Secrets Manager.
    """
    user = spec.user_data if spec.user_data is not None else "#!/bin/bash\n"
    # The user's script is data for templatefile(): escape Terraform's template sequences.
    escaped = user.replace("${", "$${").replace("%{", "%%{")
    head = (TEMPLATES / "modules" / "asg" / "user_data_head.sh").read_text(encoding="utf-8")
    tail = (TEMPLATES / "modules" / "asg" / "user_data_tail.sh").read_text(encoding="utf-8")
    body = escaped if escaped.endswith("\n") else escaped + "\n"
    return head + body + tail


def _tidy(text: str) -> str:
    """Collapse the blank lines Jinja blocks leave behind; end with exactly one newline."""
    text = re.sub(r"\n{3,}", "\n\n", text)
    text = re.sub(r"\{\n\n+", "{\n", text)
    text = re.sub(r"\n\n+(\s*\})", r"\n\1", text)
    return text.strip("\n") + "\n"


def _check_path(path: str) -> None:
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts:
        raise TfgenError(f"refusing to render {path!r}: it would escape the output folder")


def project_meta(spec: AppSpec, files: dict[str, str], spec_ref: str) -> dict[str, Any]:
    """What `.tfgen/manifest.json` records besides file hashes: the spec and its environments."""
    import hashlib

    from . import __version__

    digest = hashlib.sha256()
    for path, text in sorted(files.items()):
        digest.update(path.encode() + b"\0" + text.encode() + b"\0")
    return {
        "tfgen_version": __version__,
        "spec": spec_ref,
        "spec_sha256": spec.sha256,
        "render_sha256": digest.hexdigest(),
        "environments": {
            environment.name: {
                "profile": environment.profile,
                "protected": environment.protected,
                "region": spec.region,
                "state_bucket": spec.state_bucket_of(environment),
                "state_region": spec.state_region,
                "state_key": f"{environment.name}/terraform.tfstate",
                **({"account_id": environment.account_id} if environment.account_id else {}),
                **(
                    {"assume_role": environment.assume_role.model_dump(exclude_none=True)}
                    if environment.assume_role
                    else {}
                ),
            }
            for environment in spec.environments
        },
    }
