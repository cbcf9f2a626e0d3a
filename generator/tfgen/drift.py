"""`tfgen drift`: has the cloud moved away from the state? A refresh-only plan per environment.

`terraform plan -refresh-only -detailed-exitcode -out` reads every object back from the cloud
and changes nothing (not even the state: the plan is never applied). Its `terraform show -json`
lists each drifted object under `resource_drift` with its state before and after the refresh,
from which the summary names the changed attributes (values of sensitive ones are hidden).
Exit 0: no drift; 2: drift; 1: an error (any environment's, with --all).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import TfgenError
from .fingerprints import ensure_init
from .project import Project
from .terraform import LineSink, Terraform, forward_sigint, plugin_mirror

MAX_VALUE = 60  # characters of a value shown in a summary


@dataclass(frozen=True)
class AttributeChange:
    path: str
    before: Any
    after: Any
    sensitive: bool = False

    def shown(self) -> str:
        if self.sensitive:
            return f"{self.path} (sensitive)"
        return f"{self.path}: {_short(self.before)} -> {_short(self.after)}"

    def to_json(self) -> dict[str, Any]:
        if self.sensitive:
            return {"path": self.path, "sensitive": True}
        return {"path": self.path, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class DriftedResource:
    address: str
    type: str
    action: str  # "update" (changed outside terraform) or "delete" (deleted outside terraform)
    attributes: tuple[AttributeChange, ...] = ()

    @property
    def what(self) -> str:
        return "deleted outside terraform" if self.action == "delete" else "changed outside terraform"

    def to_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "type": self.type,
            "action": self.action,
            "attributes": [a.to_json() for a in self.attributes],
        }


@dataclass
class DriftOutcome:
    env: str
    resources: tuple[DriftedResource, ...] = ()
    error: TfgenError | None = None
    log: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return 1
        return 2 if self.resources else 0

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "env": self.env,
            "drifted": bool(self.resources),
            "exit_code": self.exit_code,
            "resources": [r.to_json() for r in self.resources],
        }
        if self.error is not None:
            out["error"] = "\n".join(self.error.lines())
        return out


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True) if not isinstance(value, str) else json.dumps(value)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 3] + "..."


def changed_attributes(
    before: Any, after: Any, sensitive: Any = None, prefix: str = ""
) -> list[AttributeChange]:
    """The attribute paths whose values differ, one level into maps and objects (`tags.Name`).

    `sensitive` is terraform's `before_sensitive`/`after_sensitive` mask merged: a path marked
    true shows no values.
    """
    if not isinstance(before, dict) or not isinstance(after, dict):
        if before == after:
            return []
        return [AttributeChange(prefix or "(value)", before, after, _any_sensitive(sensitive))]
    out = []
    for key in sorted(set(before) | set(after)):
        b, a = before.get(key), after.get(key)
        if b == a:
            continue
        path = f"{prefix}.{key}" if prefix else str(key)
        mask = sensitive.get(key) if isinstance(sensitive, dict) else sensitive
        if not prefix and isinstance(b, dict) and isinstance(a, dict):
            out.extend(changed_attributes(b, a, mask, path))
        else:
            out.append(AttributeChange(path, b, a, _any_sensitive(mask)))
    return out


def _any_sensitive(mask: Any) -> bool:
    """Whether a sensitivity mask marks the value, or anything inside it."""
    if isinstance(mask, dict):
        return any(_any_sensitive(v) for v in mask.values())
    if isinstance(mask, list):
        return any(_any_sensitive(v) for v in mask)
    return mask is True


def _merge_masks(one: Any, two: Any) -> Any:
    if isinstance(one, dict) and isinstance(two, dict):
        return {k: _merge_masks(one.get(k), two.get(k)) for k in set(one) | set(two)}
    if one is True or two is True:
        return True
    return one if isinstance(one, dict) else two


def drifted_resources(plan: dict[str, Any]) -> tuple[DriftedResource, ...]:
    """The `resource_drift` of a refresh-only plan's `terraform show -json`, summarised."""
    out = []
    for item in plan.get("resource_drift") or []:
        change = item.get("change") or {}
        actions = change.get("actions") or []
        if actions in (["no-op"], ["read"]):
            continue
        action = "delete" if "delete" in actions and change.get("after") is None else "update"
        mask = _merge_masks(change.get("before_sensitive"), change.get("after_sensitive"))
        attributes: tuple[AttributeChange, ...] = ()
        if action != "delete":
            attributes = tuple(changed_attributes(change.get("before"), change.get("after"), mask))
        out.append(DriftedResource(str(item.get("address")), str(item.get("type")), action, attributes))
    return tuple(sorted(out, key=lambda r: r.address))


def drift_env(
    project: Project,
    env: str,
    *,
    lock_timeout: str | None = None,
    plugin_dir: Path | None = None,
    sink: LineSink | None = None,
) -> DriftOutcome:
    """A refresh-only plan of `env` (saved privately, then removed): what drifted, and how."""
    from .run import private_file

    env_dir = project.env_dir(env)
    tf = Terraform(env_dir, label=env, mirror=plugin_mirror(plugin_dir), sink=sink)
    ensure_init(tf, env_dir, lock_timeout=lock_timeout)
    plan_file = project.state_dir(env) / f"{env}.drift.tfplan"
    private_file(plan_file)  # a plan holds state values
    try:
        run = tf.plan(plan_file, lock_timeout=lock_timeout, refresh_only=True)
        plan = tf.show_json(plan_file) if run.changes else {}
    finally:
        plan_file.unlink(missing_ok=True)
    return DriftOutcome(env, drifted_resources(plan))


def drift_all(
    project: Project,
    envs: list[str] | None = None,
    *,
    lock_timeout: str | None = None,
    plugin_dir: Path | None = None,
    on_done: Callable[[DriftOutcome], None] | None = None,
) -> list[DriftOutcome]:
    """Every environment's drift, side by side; an environment's error fails that one alone."""
    names = envs or project.environments()
    for env in names:
        project.env_dir(env)
    lock = threading.Lock()

    def one(env: str) -> DriftOutcome:
        log: list[str] = []
        try:
            outcome = drift_env(
                project,
                env,
                lock_timeout=lock_timeout,
                plugin_dir=plugin_dir,
                sink=lambda stream, line: log.append(line),
            )
        except TfgenError as err:
            outcome = DriftOutcome(env, error=err)
        outcome.log = log
        if on_done is not None:
            with lock:
                on_done(outcome)
        return outcome

    with forward_sigint(), ThreadPoolExecutor(max_workers=max(1, min(4, len(names)))) as pool:
        return list(pool.map(one, names))


def overall_exit_code(outcomes: list[DriftOutcome]) -> int:
    codes = {o.exit_code for o in outcomes}
    return 1 if 1 in codes else 2 if 2 in codes else 0


# --------------------------------------------------------------------------- reports


def drift_text(outcome: DriftOutcome) -> list[str]:
    if outcome.error is not None:
        return [f"env {outcome.env}: error", *(f"  {line}" for line in outcome.error.lines())]
    if not outcome.resources:
        return [f"env {outcome.env}: no drift (the cloud matches the state)"]
    count = len(outcome.resources)
    lines = [f"env {outcome.env}: {count} resource{'s' if count != 1 else ''} drifted"]
    for resource in outcome.resources:
        mark = "-" if resource.action == "delete" else "~"
        lines.append(f"  {mark} {resource.address}: {resource.what}")
        lines += [f"      {a.shown()}" for a in resource.attributes]
    return lines


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")


def drift_markdown(outcomes: list[DriftOutcome]) -> str:
    """The job summary / comment: one section per environment, a table of drifted resources."""
    parts = []
    for outcome in outcomes:
        parts.append(f"### tfgen drift: `{outcome.env}`\n")
        if outcome.error is not None:
            detail = "\n".join(outcome.error.lines())
            parts.append(f"**Error**: the refresh-only plan failed.\n\n```\n{detail}\n```\n")
            continue
        if not outcome.resources:
            parts.append("No drift: every object matches the state.\n")
            continue
        count = len(outcome.resources)
        parts.append(
            f"**{count} resource{'s' if count != 1 else ''} drifted** from the state "
            "(refresh-only plan: nothing was changed).\n"
        )
        parts.append("| resource | drift | attributes |\n| --- | --- | --- |")
        for r in outcome.resources:
            attrs = "<br>".join(f"`{_md(a.shown())}`" for a in r.attributes) or "-"
            parts.append(f"| `{_md(r.address)}` | {r.what} | {attrs} |")
        parts.append("")
    return "\n".join(parts).rstrip("\n") + "\n"
