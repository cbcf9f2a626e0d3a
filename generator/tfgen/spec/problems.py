"""Problems found in a spec, each with its spec path and line, and pydantic errors turned into them."""

from __future__ import annotations

import difflib
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import Problem, SpecError
from .names import name_problem
from .yaml_lines import Loc, YamlDoc


@dataclass(frozen=True)
class FromProfile:
    """Where a value came from when the environment's profile chose it (no line of its own).

    With `environment`, the problem is reported on that environment's `profile:` line ("profile
    high-power sets app.min_size: ..."); without, it names the profile's key and no line.
    """

    profile: str
    section: str
    key: str
    environment: str | None = None
    rest: Loc = ()


Where = Loc | FromProfile


class Problems:
    """Collects problems with their spec path and line."""

    def __init__(self, doc: YamlDoc) -> None:
        self.doc = doc
        self.items: list[Problem] = []

    def add(self, where: Where, message: str) -> None:
        if isinstance(where, FromProfile):
            path, line, message = self._from_profile(where, message)
        else:
            exact = self.doc.lines.get(tuple(where))  # an empty key ("") has a line of its own
            loc = tuple(p for p in where if p != "")
            path, line = ".".join(str(p) for p in loc), exact or self.doc.line_of(loc)
        problem = Problem(line, path, message, self.doc.name)
        if problem not in self.items:
            self.items.append(problem)

    def _from_profile(self, where: FromProfile, message: str) -> tuple[str, int | None, str]:
        if where.environment is not None:
            loc: Loc = ("environments", where.environment, "profile")
            chosen = f"profile {where.profile} sets {where.section}.{where.key}"
            return ".".join(str(p) for p in loc), self.doc.line_of(loc), f"{chosen}: {message}"
        path = ".".join(str(p) for p in (where.section, where.key, *where.rest))
        return path, None, f"{message} (value from profile {where.profile})"

    def from_validation(
        self, err: ValidationError, prefix: Loc, model: type[BaseModel], union_tags: frozenset[str]
    ) -> None:
        """Add pydantic's errors; `union_tags` are the type names pydantic puts in error paths."""
        reported = {p.path for p in self.items}
        for e in err.errors():
            loc = tuple(p for p in e["loc"] if p not in union_tags and p != "[key]")
            if "[key]" in e["loc"]:
                self.add(
                    (*prefix, *loc),
                    f"invalid key {e.get('input')!r}: tag keys are 1-128 "
                    "letters, digits, spaces and _ . : / = + @ -",
                )
                continue
            if ".".join(str(p) for p in (*prefix, *loc)) in reported:
                continue  # already explained better (e.g. a literal secret)
            self.add((*prefix, *loc), message_for(e, model, loc))

    def raise_if_any(self) -> None:
        if self.items:
            raise SpecError(self.items)


def message_for(e: Any, model: type[BaseModel], loc: tuple[Any, ...] | None = None) -> str:
    """A pydantic error as a sentence that says what to write instead."""
    kind = e["type"]
    loc = tuple(e["loc"]) if loc is None else loc
    if kind == "extra_forbidden":
        parent = _model_at(model, loc[:-1])
        valid = sorted(parent.model_fields) if parent else []
        guess = difflib.get_close_matches(str(loc[-1]), valid, n=1, cutoff=0.6)
        hint = f"did you mean `{guess[0]}`?" if guess else f"valid keys: {', '.join(valid)}"
        return f"unknown key: {hint}"
    if kind == "missing":
        return "is required"
    if kind == "string_pattern_mismatch":
        field = _field_at(model, loc)
        if loc == ("name",):
            why = name_problem(str(e.get("input")))
            if why:
                return (
                    f"{e.get('input')!r} {why}: app names are lowercase letters, digits and "
                    "single dashes, starting with a letter"
                )
        desc = f" ({field.description})" if field and field.description else ""
        return f"invalid value {e.get('input')!r}{desc}"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        field = _field_at(model, loc)
        desc = f": {field.description}" if field and field.description else ""
        return f"{e['msg']} (got {e.get('input')!r}){desc}"
    if kind == "literal_error":
        return f"invalid value {e.get('input')!r}: expected {e['ctx']['expected']}"
    if "input" in e and not isinstance(e.get("input"), dict):
        shown = repr(e["input"])
        return f"{e['msg']} (got {shown[:60] + '...' if len(shown) > 60 else shown})"
    return str(e["msg"])


def _unwrap(annotation: Any) -> type[BaseModel] | None:
    """The model class inside `X | None`, `dict[str, X]`, or X itself."""
    args = typing.get_args(annotation)
    for arg in args or (annotation,):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
        inner = _unwrap(arg) if typing.get_args(arg) else None
        if inner is not None:
            return inner
    return None


def _model_at(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> type[BaseModel] | None:
    for part in loc:
        if model is None:
            return None
        if part not in model.model_fields:
            # dict keys (environment names) and list indices: stay on the value type
            continue
        model = _unwrap(model.model_fields[part].annotation)
    return model


def _field_at(model: type[BaseModel], loc: tuple[Any, ...]) -> Any:
    parent = _model_at(model, loc[:-1])
    return parent.model_fields.get(loc[-1]) if parent else None
