"""Render a validated spec into files: `render(spec) -> {relative path: text}`, no I/O.

Every spec value that lands in HCL goes through the `hcl` filter, which turns a Python value
into the HCL literal that means the same thing (strings escaped, `${` and `%{` neutralised).
"""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import TfgenError
from .spec import AppSpec, Environment

TEMPLATES = Path(__file__).parent / "templates"
IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")

# Modules in dependency order; each is rendered when `needed(spec)` is true.
MODULES: dict[str, Any] = {
    "vpc": lambda s: True,
    "alb": lambda s: True,
    "asg": lambda s: True,
    "rds": lambda s: s.tier_used("database"),
    "elasticache": lambda s: s.tier_used("cache"),
    "s3": lambda s: True,  # the log bucket always exists (ALB, S3 and CloudFront access logs)
    "cloudfront": lambda s: s.tier_used("cdn"),
    "monitoring": lambda s: True,
}
MODULE_FILES = ("versions.tf", "variables.tf", "main.tf", "outputs.tf")
ENV_FILES = ("versions.tf", "backend.tf", "variables.tf", "main.tf", "outputs.tf", "terraform.tfvars")


def hcl_string(value: str) -> str:
    """A Python string as an HCL quoted string literal with the same value."""
    out = []
    for ch in value:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    text = "".join(out)
    # `${` and `%{` would start an interpolation or a directive. Terraform's own escape is
    # `$${`, but python-hcl2 cannot parse an unbalanced `$${` or `%%{` (found by the property
    # test), so the sigil is written as a unicode escape, which every HCL parser reads as text.
    text = text.replace("${", "\\u0024{").replace("%{", "\\u0025{")
    return f'"{text}"'


def hcl(value: Any, indent: int = 0) -> str:
    """Any spec value as an HCL literal; objects come out multi-line and `terraform fmt`-aligned."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return hcl_string(value)
    if isinstance(value, list | tuple):
        items = [hcl(v, indent) for v in value]
        if any("\n" in i for i in items):
            pad = " " * (indent + 2)
            body = "".join(f"{pad}{i},\n" for i in items)
            return f"[\n{body}{' ' * indent}]"
        return "[" + ", ".join(items) + "]"
    if isinstance(value, dict):
        return hcl_object(value, indent)
    raise TypeError(f"cannot express {type(value).__name__} in HCL")


def hcl_key(key: str) -> str:
    return key if IDENT.match(key) else hcl_string(key)


def hcl_object(value: dict[str, Any], indent: int = 0) -> str:
    """A mapping as a multi-line HCL object, equals signs aligned the way `terraform fmt` does."""
    if not value:
        return "{}"
    pad = " " * (indent + 2)
    lines: list[str] = []
    group: list[tuple[str, str]] = []

    def flush() -> None:
        width = max(len(k) for k, _ in group)
        lines.extend(f"{pad}{k.ljust(width)} = {v}" for k, v in group)
        group.clear()

    for key, item in value.items():
        text = hcl(item, indent + 2)
        group.append((hcl_key(str(key)), text))
        if "\n" in text:
            # terraform fmt aligns runs of single-line attributes; a multi-line value ends a run
            flush()
    if group:
        flush()
    return "{\n" + "\n".join(lines) + "\n" + " " * indent + "}"


def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["hcl"] = hcl
    env.filters["hcl_string"] = hcl_string
    env.filters["tojson"] = lambda v: json.dumps(v, sort_keys=True)
    return env


def modules_for(spec: AppSpec) -> list[str]:
    return [name for name, needed in MODULES.items() if needed(spec)]


def env_tags(env: Environment, spec: AppSpec) -> dict[str, str]:
    """The tags every resource of an environment carries (provider default_tags)."""
    return {"App": spec.name, "Environment": env.name, "Profile": env.profile, "ManagedBy": "tfgen",
            **env.tags}


def env_modules(spec: AppSpec, env: Environment) -> list[str]:
    """The modules one environment instantiates (an environment may drop an optional tier)."""
    tiers = {"rds": "database", "elasticache": "cache", "cloudfront": "cdn"}
    return [m for m in modules_for(spec) if m not in tiers or getattr(env, tiers[m]) is not None]


def render(spec: AppSpec, spec_path: Path | None = None, spec_ref: str = "app.yaml") -> dict[str, str]:
    """Every file of the project, keyed by POSIX path relative to the project root.

    `spec_ref` is how the project's Makefile and hooks refer to the spec (relative to the root).
    """
    import jinja2

    env = _environment()
    modules = modules_for(spec)
    files: dict[str, str] = {}
    ctx: dict[str, Any] = {
        "spec": spec,
        "modules": modules,
        "spec_path": spec_path,
        "spec_ref": spec_ref,
        "env_tags": lambda e: env_tags(e, spec),
    }

    def put(path: str, template: str, **extra: Any) -> None:
        try:
            text = env.get_template(template).render(**ctx, **extra)
        except jinja2.TemplateError as err:
            where = f"{getattr(err, 'filename', None) or template}:{getattr(err, 'lineno', '?')}"
            raise TfgenError(f"template error in {where} while rendering {path}: {err}") from None
        files[path] = _tidy(text)

    for module in modules:
        for name in MODULE_FILES:
            put(f"modules/{module}/{name}", f"modules/{module}/{name}.j2")
        if module == "asg":
            files["modules/asg/user_data.sh.tftpl"] = user_data_template(spec)
    for environment in spec.environments:
        used = env_modules(spec, environment)
        for name in ENV_FILES:
            put(f"envs/{environment.name}/{name}", f"env/{name}.j2", env=environment, used=used)
    # Template names carry no leading dot: wheels leave dotfiles out of package data.
    for name in ("Makefile", ".pre-commit-config.yaml", ".gitignore", "README.md"):
        put(name, f"project/{name.lstrip('.')}.j2", environments=spec.environments)

    # The project carries tfgen's policies, so its scan and pre-commit hook need nothing else.
    policies = Path(__file__).resolve().parent / "policies"
    for policy in sorted(policies.iterdir()):
        if policy.is_file() and policy.suffix in (".py", ".yaml", ".yml"):
            files[f"policies/{policy.name}"] = policy.read_text(encoding="utf-8")

    from .docs import module_readme

    for module in modules:
        files[f"modules/{module}/README.md"] = module_readme(module, files)
    for path in files:
        _check_path(path)
    return dict(sorted(files.items()))


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


def spec_reference(spec_path: Path, out: Path) -> str:
    """The spec's path as seen from the project root (how its Makefile and hooks name it)."""
    import os

    try:
        return Path(os.path.relpath(Path(spec_path).resolve(), Path(out).resolve())).as_posix()
    except ValueError:  # another drive
        return Path(spec_path).resolve().as_posix()


def project_meta(spec: AppSpec, files: dict[str, str], spec_path: Path, out: Path) -> dict[str, Any]:
    """What `.tfgen/manifest.json` records besides file hashes: the spec and its environments."""
    import hashlib

    from . import __version__

    digest = hashlib.sha256()
    for path, text in sorted(files.items()):
        digest.update(path.encode() + b"\0" + text.encode() + b"\0")
    return {
        "tfgen_version": __version__,
        "spec": spec_reference(spec_path, out),
        "spec_sha256": spec.sha256,
        "render_sha256": digest.hexdigest(),
        "environments": {
            env.name: {
                "profile": env.profile,
                "protected": env.protected,
                "region": spec.region,
                "state_bucket": spec.state_bucket,
                "state_region": spec.state_region,
                "state_key": f"{env.name}/terraform.tfstate",
            }
            for env in spec.environments
        },
    }
