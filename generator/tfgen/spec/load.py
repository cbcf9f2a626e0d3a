"""Loading a spec: the file's model (built from the module catalog), validation and resolution."""

from __future__ import annotations

import difflib
import functools
import hashlib
import re
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, create_model

from ..regions import REGIONS
from .checks import check_dns_names_across_environments, check_environment
from .ci import Ci, check_ci
from .fields import ACCOUNT_ID, ENV_NAME, REGION, RESERVED_TAGS, SAFE_NAME, ProfileName, Section, Tags
from .literal_secrets import find_literal_secrets, read_user_data
from .model import AppSpec, Environment
from .names import bucket_name_problem, env_name_problem
from .problems import Problems
from .profiles import PROFILE_KEYS, PROFILES, SHARED_KEYS, resolve_environment
from .sections import ACCOUNT_ID_DOC, AssumeRole, State, Usage
from .yaml_lines import YamlDoc, read_yaml

AZS_DOC = (
    "Number of availability zones, 2-6 (a load balancer and an RDS subnet group need "
    "two; low-power still runs one instance and one NAT gateway)."
)


def _partial(model: type[Section]) -> type[Section]:
    """The same section with every key optional: what an environment may override."""
    fields: dict[str, Any] = {
        name: (info.annotation | None, Field(None, description=info.description))  # type: ignore[operator]
        for name, info in model.model_fields.items()
    }
    return create_model(f"{model.__name__}Override", __base__=Section, **fields)


@functools.cache
def environment_model() -> type[Section]:
    """What one entry under `environments:` may hold: a profile, protection, overrides."""
    from ..catalog import MODULES

    fields: dict[str, Any] = {
        "profile": (ProfileName, Field(..., description="low-power (cheap) or high-power (HA).")),
        "protected": (bool, Field(False, description="Ask for confirmation before apply/destroy.")),
        "azs": (int | None, Field(None, ge=2, le=6, description=AZS_DOC)),
        "tags": (Tags | None, Field(None, description="Extra tags for this environment.")),
        "account_id": (str | None, Field(None, pattern=ACCOUNT_ID, description=ACCOUNT_ID_DOC)),
        "assume_role": (
            AssumeRole | None,
            Field(None, description="A role Terraform assumes for this environment (provider and state)."),
        ),
        **{m.section: (_partial(m.model) | None, None) for m in MODULES},
        "usage": (
            _partial(Usage) | None,
            Field(
                None, description="This environment's traffic (overrides the top-level usage, key by key)."
            ),
        ),
    }
    return create_model(
        "EnvironmentSpec",
        __base__=Section,
        __doc__="One environment: its profile, whether it is protected, and its overrides.",
        **fields,
    )


@functools.cache
def spec_file_model() -> type[Section]:
    """The whole spec file: app-wide keys, one key per catalog section, the environments."""
    from ..catalog import MODULES

    fields: dict[str, Any] = {
        "name": (
            str,
            Field(
                ...,
                pattern=SAFE_NAME,
                min_length=2,
                max_length=20,
                description="App name: lowercase letters, digits, dashes.",
            ),
        ),
        "region": (str, Field(..., pattern=REGION, description="AWS region, e.g. eu-west-1.")),
        "azs": (int, Field(2, ge=2, le=6, description=AZS_DOC)),
        "tags": (Tags, Field(default_factory=dict, description="Tags on every resource.")),
        "state": (State, Field(default_factory=State)),
    }
    for m in MODULES:
        if m.optional:
            fields[m.section] = (m.model | None, None)
        elif any(f.is_required() for f in m.model.model_fields.values()):
            fields[m.section] = (m.model, ...)
        else:
            fields[m.section] = (m.model, Field(default_factory=m.model))
    # Not a module: volumes `tfgen cost` prices with (defaults stated next to each figure).
    fields["usage"] = (Usage | None, None)
    # Not a module either: the CI engine and its pipelines (tfgen.spec.ci).
    fields["ci"] = (Ci | None, None)
    fields["environments"] = (dict[str, environment_model()], Field(..., min_length=1))  # type: ignore[misc]
    return create_model("SpecFile", __base__=Section, __doc__="A tfgen app spec.", **fields)


@functools.cache
def union_tags() -> frozenset[str]:
    """Type names pydantic puts into the error paths of `X | None` fields (dropped from paths)."""
    from ..catalog import MODULES

    models = [m.model for m in MODULES] + [Usage, AssumeRole, Ci]
    names = {m.__name__ for m in models} | {f"{m.__name__}Override" for m in models}
    return frozenset(names | {environment_model().__name__, "str", "int", "bool"})


def load_spec(path: Path) -> AppSpec:
    """Read, validate and resolve a spec file; raise SpecError listing every problem."""
    doc = read_yaml(Path(path))
    return resolve(doc, Path(path).resolve().parent)


def resolve(doc: YamlDoc, source_dir: Path) -> AppSpec:
    """Validate a parsed spec and resolve every environment; report every problem at once.

    Checks that do not depend on each other all run: a typo in one section does not hide a
    wrong value in another, or a conflict in an environment.
    """
    problems = Problems(doc)
    if not isinstance(doc.data, dict):
        problems.add((), "the spec must be a mapping of keys (name, region, environments, ...)")
        problems.raise_if_any()
    data: dict[str, Any] = doc.data
    find_literal_secrets(data, (), problems)
    check_empty_sections(data, problems)
    check_tags(data, problems)
    try:
        spec_file_model().model_validate(data)
    except ValidationError as err:
        problems.from_validation(err, (), spec_file_model(), union_tags())
    check_app_wide(data, problems)
    check_accounts(data, problems)
    check_ci(data, problems)
    envs = data.get("environments")
    if not isinstance(envs, dict):  # the model reported it: nothing below can run
        problems.raise_if_any()
        envs = {}
    check_layers(data, problems)
    user_data = read_user_data(data, source_dir, problems)
    environments: list[Environment] = []
    broken = {p.path for p in problems.items}  # an environment's merge needs these to be sound
    for name, env in envs.items():
        if "azs" in broken or {f"environments.{name}.azs", f"environments.{name}.profile"} & broken:
            continue
        if isinstance(env, dict) and env.get("profile") in PROFILES:
            environment, invalid = resolve_environment(data, name, problems)
            check_environment(environment, data, problems, invalid)
            environments.append(environment)
    check_dns_names_across_environments(environments, data, problems)
    problems.raise_if_any()

    state = data.get("state") or {}
    check_state_buckets(data, environments, problems)
    problems.raise_if_any()
    return AppSpec(
        name=data["name"],
        region=data["region"],
        tags=dict(data.get("tags") or {}),
        state_bucket=state.get("bucket") or f"{data['name']}-tfstate",
        state_region=state.get("region") or data["region"],
        environments=environments,
        source_dir=source_dir,
        sha256=spec_digest(data),
        user_data=user_data,
        source=doc,
        ci=Ci.model_validate(data.get("ci") or {}),
    )


def resolve_with_profile(spec: AppSpec, profile: str, envs: list[str] | None = None) -> AppSpec:
    """The same spec with these environments (default: all) under another profile.

    The parsed spec is copied, each environment's `profile:` replaced, and the copy validated
    and resolved again like any spec: the profile's values, the precedence and every check
    apply exactly as if the user had written that profile (a SpecError says what breaks).
    """
    import copy

    if spec.source is None:
        raise ValueError("this AppSpec was not loaded from a parsed spec: nothing to re-resolve")
    data = copy.deepcopy(spec.source.data)
    for name in envs if envs is not None else list(data["environments"]):
        data["environments"][name]["profile"] = profile
    return resolve(YamlDoc(data, spec.source.lines, spec.source.name), spec.source_dir)


def check_app_wide(data: dict[str, Any], problems: Problems) -> None:
    """The region exists, and the state bucket's name is one S3 accepts."""
    for where, region in (
        (("region",), data.get("region")),
        (("state", "region"), (data.get("state") or {}).get("region")),
    ):
        if isinstance(region, str) and re.match(REGION, region) and region not in REGIONS:
            guess = difflib.get_close_matches(region, list(REGIONS), n=1, cutoff=0.6)
            hint = f"did you mean `{guess[0]}`?" if guess else f"known regions: {', '.join(sorted(REGIONS))}"
            problems.add(where, f"{region!r} is not an AWS region tfgen knows: {hint}")
    bucket = (data.get("state") or {}).get("bucket") if isinstance(data.get("state"), dict) else None
    if isinstance(bucket, str):
        problem = bucket_name_problem(bucket)
        if problem:
            problems.add(("state", "bucket"), f"{bucket!r}: {problem}")


def check_accounts(data: dict[str, Any], problems: Problems) -> None:
    """An environment's role must be in the environment's account (the provider would refuse it)."""
    envs = data.get("environments")
    for name, env in (envs or {}).items() if isinstance(envs, dict) else ():
        if not isinstance(env, dict) or not isinstance(env.get("assume_role"), dict):
            continue
        account, arn = env.get("account_id"), env["assume_role"].get("role_arn")
        if not (isinstance(account, str) and isinstance(arn, str) and re.match(ACCOUNT_ID, account)):
            continue
        role_account = arn.split(":")[4] if arn.count(":") >= 5 else ""
        if role_account and role_account != account:
            problems.add(
                ("environments", name, "assume_role", "role_arn"),
                f"is a role of account {role_account}, but the environment's account_id is "
                f"{account}: the provider (allowed_account_ids) would refuse its credentials",
            )


def check_state_buckets(data: dict[str, Any], environments: list[Environment], problems: Problems) -> None:
    """Environments in different accounts get `<bucket>-<account id>`: it must still be a name S3 takes."""
    accounts = {e.account_id for e in environments if e.account_id}
    if len(accounts) < 2:
        return
    state = data.get("state") if isinstance(data.get("state"), dict) else {}
    assert isinstance(state, dict)
    base = state.get("bucket") or f"{data['name']}-tfstate"
    for account in sorted(accounts):
        problem = bucket_name_problem(f"{base}-{account}")
        if problem:
            where = ("state", "bucket") if state.get("bucket") else ("name",)
            problems.add(
                where,
                f"environments in different accounts keep their state in {base}-<account id>, "
                f"and {base + '-' + account!r} is not a valid bucket name: {problem}",
            )
            return


def spec_digest(data: dict[str, Any]) -> str:
    """A digest of the spec's values (not its comments or layout)."""
    raw = "\n".join(f"{k}={v}" for k, v in sorted(_flatten(data).items()))
    return hashlib.sha256(raw.encode()).hexdigest()


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list):
        return {prefix: repr(value)}
    return {prefix: value}


def check_empty_sections(data: dict[str, Any], problems: Problems) -> None:
    """`database:` with nothing under it would silently mean no database."""
    from ..catalog import optional_sections

    for tier in optional_sections():
        if tier in data and data[tier] is None:
            problems.add(
                (tier,),
                f"is empty, which would silently mean no {tier}: write "
                f"`{tier}: {{}}` for one with the defaults, or remove the key",
            )


def check_tags(data: dict[str, Any], problems: Problems) -> None:
    """Tag names tfgen sets itself, and the aws: prefix, are refused."""
    envs = data.get("environments") if isinstance(data.get("environments"), dict) else {}
    assert isinstance(envs, dict)
    for where, tags in [(("tags",), data.get("tags"))] + [
        (("environments", name, "tags"), env.get("tags"))
        for name, env in envs.items()
        if isinstance(env, dict)
    ]:
        if not isinstance(tags, dict):
            continue
        for key in sorted(set(tags) & set(RESERVED_TAGS)):
            problems.add(
                (*where, key),
                "is set by tfgen on every resource (App, Environment, "
                "Profile, ManagedBy): choose another tag name",
            )
        for key in sorted(k for k in tags if str(k).lower().startswith("aws:")):
            problems.add((*where, key), "the aws: prefix is reserved by AWS")


def check_layers(data: dict[str, Any], problems: Problems) -> None:
    """Keys set in a layer that cannot hold them (the precedence would hide them)."""
    from ..catalog import optional_sections

    for section, key in sorted(PROFILE_KEYS):
        if isinstance(data.get(section), dict) and key in data[section]:
            problems.add(
                (section, key),
                f"is chosen by each environment's profile, which would override it here: set it "
                f"under environments.<env>.{section}.{key} (precedence: base < profile < environment)",
            )
    for env_name, env_data in data["environments"].items():
        if not isinstance(env_data, dict):
            continue
        if not re.match(ENV_NAME, str(env_name)):
            why = env_name_problem(str(env_name))
            problems.add(
                ("environments", env_name),
                "environment names are 1-12 lowercase letters or digits, starting with a letter "
                f"(they become folder and resource names): {str(env_name)!r} {why}",
            )
        for section, key in sorted(SHARED_KEYS):
            if isinstance(env_data.get(section), dict) and key in env_data[section]:
                problems.add(
                    ("environments", env_name, section, key),
                    "is shared by all environments (the module is rendered for it): set "
                    f"it once at {section}.{key}",
                )
        for tier in optional_sections():
            if isinstance(env_data.get(tier), dict) and data.get(tier) is None:
                problems.add(
                    ("environments", env_name, tier),
                    f"overrides a tier the base spec does not have: add a top-level `{tier}:` section first",
                )


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a spec file, for editors (yaml-language-server)."""
    from ..catalog import MODULES
    from .profiles import PROFILE_KEYS

    schema = spec_file_model().model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "tfgen app spec"
    # Keys a profile decides are refused in the base sections (the validator says where they
    # go): say so in the schema too, so an editor flags them before `tfgen validate` does.
    models = {m.section: m.model.__name__ for m in MODULES}
    for section, key in sorted(PROFILE_KEYS):
        properties = schema["$defs"].get(models.get(section, ""), {}).get("properties", {})
        if key in properties:
            properties[key] = {
                "description": f"Chosen by each environment's profile: set it under "
                f"environments.<env>.{section}.{key} (precedence: base < profile < environment).",
                "not": {},
            }
    return schema
