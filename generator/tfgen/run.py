"""Run a rendered project: init when needed, plan with a saved plan file, apply, destroy, output.

Each function takes the project root and an environment name, drives terraform through the one
adapter (`tfgen.terraform.Terraform`) and returns a value the CLI prints. State kept per
environment under `envs/<env>/.tfgen/`: the saved plan (`<env>.tfplan`), its `terraform show
-json` (`<env>.plan.json`) and what it was made from (`<env>.meta.json`). The init fingerprint
lives in `envs/<env>/.terraform/`, so deleting `.terraform` also forces init.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import TfgenError, UsageError
from .terraform import (
    Interrupted,
    LineSink,
    StateLocked,
    Terraform,
    forward_sigint,
    plugin_mirror,
)

ALWAYS_PROTECTED = frozenset({"prod"})
Ask = Callable[[str], str]
"""Prompts the user with a question and returns what they typed."""


# --------------------------------------------------------------------------- the project


@dataclass(frozen=True)
class Project:
    """A rendered tfgen project: envs/<env>/ root modules, modules/, .tfgen/manifest.json."""

    root: Path
    manifest: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path | str = ".") -> Project:
        root = Path(root).resolve()
        if not (root / "envs").is_dir():
            raise UsageError(
                f"{root} has no envs/ folder: pass --project DIR of a rendered project"
            )
        manifest_path = root / ".tfgen" / "manifest.json"
        manifest: dict[str, Any] = {}
        if manifest_path.is_file():
            try:
                manifest = json.loads(manifest_path.read_text())
            except ValueError as err:
                raise TfgenError(
                    f"{manifest_path} is not valid JSON ({err}): render again"
                ) from err
        return cls(root, manifest)

    def environments(self) -> list[str]:
        """Environment names: the manifest's order, else the envs/ folders sorted."""
        on_disk = sorted(
            p.name
            for p in (self.root / "envs").iterdir()
            if (p / "main.tf").exists() or any(p.glob("*.tf"))
        )
        declared = list(self.manifest.get("environments", {}))
        return [e for e in declared if e in on_disk] or on_disk

    def env_dir(self, env: str) -> Path:
        path = self.root / "envs" / env
        if not env or "/" in env or not path.is_dir():
            known = ", ".join(self.environments()) or "none"
            raise UsageError(f"unknown environment {env!r}: choose one of: {known}")
        declared = self.manifest.get("environments")
        if declared and env not in declared:
            # An orphan: its protection and settings are no longer known, so do not run it.
            raise UsageError(
                f"environment {env!r} is no longer in the spec (envs/{env} is left over from an "
                f"earlier render): add it back to the spec and run tfgen init, or delete envs/{env}"
            )
        return path

    def env_info(self, env: str) -> dict[str, Any]:
        return dict(self.manifest.get("environments", {}).get(env, {}))

    def protected(self, env: str) -> bool:
        return env in ALWAYS_PROTECTED or bool(self.env_info(env).get("protected"))

    def state_dir(self, env: str) -> Path:
        return self.env_dir(env) / ".tfgen"

    def plan_path(self, env: str) -> Path:
        return self.state_dir(env) / f"{env}.tfplan"


def _terraform(
    project: Project,
    env: str,
    *,
    plugin_dir: Path | None,
    sink: LineSink | None,
) -> Terraform:
    return Terraform(project.env_dir(env), label=env, mirror=plugin_mirror(plugin_dir), sink=sink)


# --------------------------------------------------------------------------- fingerprints

_MODULE_CALL = re.compile(
    r'module\s+"([^"]+)"\s*\{[^}]*?\bsource\s*=\s*"([^"]+)"'
    r'(?:[^}]*?\bversion\s*=\s*"([^"]*)")?',
    re.S,
)


def _terraform_blocks(text: str) -> list[str]:
    """The text of each top-level `terraform { ... }` block (backend, required_providers)."""
    blocks = []
    for match in re.finditer(r"(?m)^\s*terraform\s*\{", text):
        depth, i = 0, match.end() - 1
        while i < len(text):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            if depth == 0:
                break
            i += 1
        blocks.append(text[match.start() : i + 1])
    return blocks


def init_fingerprint(env_dir: Path, mirror: Path | None = None) -> str:
    """What `terraform init` depends on: backend and provider requirements, module calls, lock file.

    Follows local module sources (./ and ../) so a new provider or module inside a module
    counts too. Anything else (resources, variables) can change without a new init.
    """
    digest = hashlib.sha256()
    seen: set[Path] = set()
    todo = [env_dir.resolve()]
    while todo:
        folder = todo.pop()
        if folder in seen or not folder.is_dir():
            continue
        seen.add(folder)
        for tf in sorted(folder.glob("*.tf")):
            text = tf.read_text(errors="replace")
            for block in _terraform_blocks(text):
                digest.update(f"{tf.name}\0{block}\0".encode())
            for name, source, version in _MODULE_CALL.findall(text):
                digest.update(f"module\0{name}\0{source}\0{version}\0".encode())
                if source.startswith(("./", "../")):
                    todo.append((folder / source).resolve())
    lock_file = env_dir / ".terraform.lock.hcl"
    digest.update(lock_file.read_bytes() if lock_file.is_file() else b"no lock file")
    digest.update(f"\0mirror\0{mirror}".encode())
    return digest.hexdigest()


def _init_marker(env_dir: Path) -> Path:
    return env_dir / ".terraform" / "tfgen-init.json"


def ensure_init(tf: Terraform, env_dir: Path, *, lock_timeout: str | None = None) -> bool:
    """Run terraform init unless nothing it depends on changed since the last one; True if run."""
    marker = _init_marker(env_dir)
    before = init_fingerprint(env_dir, tf.mirror)
    try:
        if json.loads(marker.read_text()).get("fingerprint") == before:
            return False
    except (OSError, ValueError, AttributeError):
        pass
    tf.init(lock_timeout=lock_timeout)
    marker.parent.mkdir(exist_ok=True)
    # The lock file may have been written by this init: remember the state after it.
    marker.write_text(json.dumps({"fingerprint": init_fingerprint(env_dir, tf.mirror)}))
    return True


def config_fingerprint(project: Project, env: str) -> str:
    """The environment's root module and the project's modules (.tf/.tfvars) plus the render."""
    digest = hashlib.sha256()
    digest.update(f"env\0{env}\0".encode())
    digest.update(str(project.manifest.get("render_sha256", "")).encode())
    folders = [project.env_dir(env), project.root / "modules"]
    for folder in folders:
        if not folder.is_dir():
            continue
        files = [
            p
            for p in folder.rglob("*")
            if p.suffix in (".tf", ".tfvars")
            and p.is_file()
            and ".terraform" not in p.parts
            and ".tfgen" not in p.parts
        ]
        for path in sorted(files):
            digest.update(f"{path.relative_to(project.root)}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- plan summary

ACTIONS = ("delete", "replace", "create", "update")
SYMBOL = {"create": "+", "update": "~", "delete": "-", "replace": "-/+", "read": "<="}


@dataclass(frozen=True)
class Change:
    """One resource change in a plan."""

    address: str
    module: str
    type: str
    action: str  # create, update, delete, replace, read

    @property
    def destructive(self) -> bool:
        return self.action in ("delete", "replace")


@dataclass(frozen=True)
class PlanSummary:
    """What a plan would do, from `terraform show -json`."""

    env: str
    changes: tuple[Change, ...]
    output_changes: tuple[str, ...] = ()

    @classmethod
    def from_plan_json(cls, env: str, plan: dict[str, Any]) -> PlanSummary:
        changes = []
        for rc in plan.get("resource_changes", []):
            actions = list(rc.get("change", {}).get("actions", []))
            if sorted(actions) == ["create", "delete"]:
                action = "replace"
            elif actions in (["create"], ["update"], ["delete"], ["read"]):
                action = actions[0]
            else:
                continue  # no-op, forget
            changes.append(Change(rc["address"], rc.get("module_address", ""), rc["type"], action))
        order = {a: i for i, a in enumerate((*ACTIONS, "read"))}
        changes.sort(key=lambda c: (order[c.action], c.module, c.address))
        outputs = tuple(
            sorted(
                name
                for name, oc in plan.get("output_changes", {}).items()
                if oc.get("actions") not in (["no-op"], None)
            )
        )
        return cls(env, tuple(changes), outputs)

    def counts(self) -> dict[str, int]:
        return {
            a: sum(c.action == a for c in self.changes)
            for a in ("create", "update", "delete", "replace")
        }

    @property
    def has_changes(self) -> bool:
        return any(self.counts().values()) or bool(self.output_changes)

    def to_json(self) -> dict[str, Any]:
        return {
            "env": self.env,
            "changes": self.has_changes,
            "counts": self.counts(),
            "resources": [
                {
                    "address": c.address,
                    "module": c.module or None,
                    "type": c.type,
                    "action": c.action,
                }
                for c in self.changes
            ],
            "output_changes": list(self.output_changes),
        }

    def headline(self) -> str:
        n = self.counts()
        text = (
            f"{n['create']} to create, {n['update']} to update, {n['delete']} to delete, "
            f"{n['replace']} to replace"
        )
        return f"{self.env}: {text}" if self.has_changes else f"{self.env}: no changes"

    def table(self, style: Callable[[str, bool], str] = lambda s, hot: s) -> list[str]:
        """A table by module and resource; deletions and replacements first, marked hot."""
        rows = [
            (
                SYMBOL[c.action],
                c.action,
                c.module or "(root)",
                c.address.removeprefix(f"{c.module}.") if c.module else c.address,
                c.destructive,
            )
            for c in self.changes
            if c.action != "read"
        ]
        if not rows:
            return []
        header = ("", "action", "module", "resource")
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]

        def fmt(r: Iterable[str]) -> str:
            return "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()

        lines = [fmt(header)]
        lines += [style(fmt(r[:4]), r[4]) for r in rows]
        return lines


# --------------------------------------------------------------------------- plan


@dataclass
class PlanOutcome:
    """One environment's plan run."""

    env: str
    summary: PlanSummary | None = None
    plan_file: Path | None = None
    plan_json: Path | None = None
    init_ran: bool = False
    seconds: float = 0.0
    error: TfgenError | None = None
    log: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return 130 if isinstance(self.error, Interrupted) else 1
        return 2 if self.summary and self.summary.has_changes else 0


def plan_env(
    project: Project,
    env: str,
    *,
    lock_timeout: str | None = None,
    plugin_dir: Path | None = None,
    sink: LineSink | None = None,
) -> PlanOutcome:
    """Init when needed, plan into envs/<env>/.tfgen/<env>.tfplan, summarise the plan."""
    started = time.monotonic()
    env_dir = project.env_dir(env)
    tf = _terraform(project, env, plugin_dir=plugin_dir, sink=sink)
    fingerprint = config_fingerprint(project, env)
    init_ran = ensure_init(tf, env_dir, lock_timeout=lock_timeout)
    state_dir = project.state_dir(env)
    state_dir.mkdir(exist_ok=True)
    plan_file = project.plan_path(env)
    meta_file = plan_file.with_suffix(".meta.json")
    meta_file.unlink(missing_ok=True)  # a failed plan leaves nothing to apply
    try:
        tf.plan(plan_file, lock_timeout=lock_timeout)
    except TfgenError as err:
        if init_ran or "terraform init" not in "\n".join(err.lines()):
            raise
        tf.init(lock_timeout=lock_timeout)  # .terraform changed under us: init once, retry
        init_ran = True
        tf.plan(plan_file, lock_timeout=lock_timeout)
    plan = tf.show_json(plan_file)
    plan_json = plan_file.with_suffix(".plan.json")
    plan_json.write_text(json.dumps(plan))
    meta = {
        "env": env,
        "plan_file": plan_file.name,
        "plan_sha256": _sha256(plan_file),
        "fingerprint": fingerprint,
        "render_sha256": project.manifest.get("render_sha256"),
        "terraform_version": plan.get("terraform_version"),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    meta_file.write_text(json.dumps(meta, indent=2) + "\n")
    return PlanOutcome(
        env,
        PlanSummary.from_plan_json(env, plan),
        plan_file,
        plan_json,
        init_ran,
        time.monotonic() - started,
    )


def plan_all(
    project: Project,
    envs: list[str] | None = None,
    *,
    jobs: int = 0,
    lock_timeout: str | None = None,
    plugin_dir: Path | None = None,
    on_done: Callable[[PlanOutcome], None] | None = None,
) -> list[PlanOutcome]:
    """Plan several environments in parallel; each outcome is reported whole, as it finishes."""
    names = envs or project.environments()
    for env in names:
        project.env_dir(env)
    # terraform waits on plugin start-up and I/O more than it computes: more workers than cores pay.
    workers = max(1, min(jobs or 4, len(names)))
    report_lock = threading.Lock()

    def one(env: str) -> PlanOutcome:
        log: list[str] = []
        try:
            outcome = plan_env(
                project,
                env,
                lock_timeout=lock_timeout,
                plugin_dir=plugin_dir,
                sink=lambda stream, line: log.append(line),
            )
        except TfgenError as err:
            outcome = PlanOutcome(env, error=err)
        outcome.log = log
        if on_done is not None:
            with report_lock:
                on_done(outcome)
        return outcome

    with forward_sigint(), ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, names))


def combined_table(outcomes: list[PlanOutcome]) -> list[str]:
    """One line per environment, for the end of `plan --all`."""
    header = ("env", "create", "update", "delete", "replace", "result")
    rows = []
    for o in outcomes:
        if o.summary is not None:
            n = o.summary.counts()
            result = "changes" if o.summary.has_changes else "no changes"
            rows.append((o.env, *(str(n[a]) for a in header[1:5]), result))
        else:
            rows.append(
                (o.env, "-", "-", "-", "-", "interrupted" if o.exit_code == 130 else "error")
            )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *rows]
    ]


def scan_plan(plan_json: Path) -> Any:
    """Hand the plan JSON to `tfgen.scan.scan_plan`, when that module provides it."""
    try:
        from . import scan  # type: ignore[attr-defined]
    except ImportError as err:
        raise TfgenError("scan is not available: this tfgen has no tfgen.scan module") from err
    scanner = getattr(scan, "scan_plan", None)
    if scanner is None:
        raise TfgenError("scan is not available: tfgen.scan has no scan_plan()")
    return scanner(plan_json)


# --------------------------------------------------------------------------- apply and destroy


def confirm(
    project: Project,
    env: str,
    action: str,
    *,
    yes: bool,
    ask: Ask | None,
    destroy_protected: bool = False,
) -> None:
    """Refuse unless a protected environment's change is confirmed as the issue says.

    Protected (prod, or marked in the spec): type the environment's name, or --yes with CI=true.
    Destroying one also needs --destroy-protected.
    """
    in_ci = os.environ.get("CI", "").strip().lower() == "true"
    protected = project.protected(env)
    if action == "destroy" and protected and not destroy_protected:
        raise UsageError(
            f"destroy {env}: {env} is protected; destroying it needs "
            "--destroy-protected as well as confirmation"
        )
    if not protected and (action == "apply" or yes):
        return
    if yes and in_ci:
        return
    how = "--yes with CI=true" if protected else "--yes"
    if ask is None:
        raise UsageError(
            f"{action} {env}: confirmation needed: type the environment's name, or pass {how}"
        )
    kind = "protected environment" if protected else "environment"
    try:
        answer = ask(f"{action} the {kind} {env}? Type its name to confirm")
    except (EOFError, KeyboardInterrupt, Exception) as err:  # click.Abort on end of input
        raise UsageError(f"{action} {env}: not confirmed (pass {how} in CI)") from err
    if answer.strip() != env:
        raise UsageError(
            f"{action} {env}: not confirmed: you typed {answer.strip()!r}, not {env!r}"
            f" (in CI pass {how})"
        )


def load_saved_plan(project: Project, env: str, plan_file: Path | None = None) -> Path:
    """The saved plan of `env`, after checking it belongs to `env` and is still current."""
    plan_file = Path(plan_file) if plan_file else project.plan_path(env)
    meta_file = plan_file.with_suffix(".meta.json")
    again = f"run tfgen plan --env {env} again"
    if not plan_file.is_file() or not meta_file.is_file():
        raise TfgenError(
            f"apply {env}: no saved plan at {plan_file}: run tfgen plan --env {env} first"
        )
    try:
        meta = json.loads(meta_file.read_text())
        meta_env, meta_sha, meta_fp = meta["env"], meta["plan_sha256"], meta["fingerprint"]
    except (ValueError, KeyError, TypeError) as err:
        raise TfgenError(
            f"apply {env}: the plan metadata {meta_file} is unreadable: {again}"
        ) from err
    if meta_env != env:
        raise TfgenError(
            f"apply {env}: the saved plan {plan_file} was made for env {meta_env}, "
            f"not {env}: {again}"
        )
    if _sha256(plan_file) != meta_sha:
        raise TfgenError(
            f"apply {env}: the plan file {plan_file} is corrupted or was replaced "
            f"since tfgen plan wrote it: {again}"
        )
    if config_fingerprint(project, env) != meta_fp:
        raise TfgenError(
            f"apply {env}: the configuration changed since this plan was made: {again}"
        )
    return plan_file


def apply_env(
    project: Project,
    env: str,
    *,
    yes: bool = False,
    ask: Ask | None = None,
    plan_file: Path | None = None,
    lock_timeout: str | None = None,
    plugin_dir: Path | None = None,
    sink: LineSink | None = None,
) -> None:
    """Apply the saved plan of `env`; it is used up either way (terraform refuses it twice)."""
    saved = load_saved_plan(project, env, plan_file)
    confirm(project, env, "apply", yes=yes, ask=ask)
    tf = _terraform(project, env, plugin_dir=plugin_dir, sink=sink)
    ensure_init(tf, project.env_dir(env), lock_timeout=lock_timeout)
    try:
        tf.apply_plan(saved, lock_timeout=lock_timeout)
    except StateLocked:
        raise  # nothing ran: the plan can still be applied once the lock is free
    except TfgenError as err:
        if "Saved plan is stale" in "\n".join(err.lines()):
            err.message += f" (the state changed since the plan: run tfgen plan --env {env} again)"
        _discard(saved)
        raise
    _discard(saved)


def _discard(plan_file: Path) -> None:
    for path in (plan_file, plan_file.with_suffix(".meta.json")):
        path.unlink(missing_ok=True)


def destroy_env(
    project: Project,
    env: str,
    *,
    yes: bool = False,
    ask: Ask | None = None,
    destroy_protected: bool = False,
    lock_timeout: str | None = None,
    plugin_dir: Path | None = None,
    sink: LineSink | None = None,
) -> None:
    """Destroy everything in `env`, after the confirmations its protection asks for."""
    env_dir = project.env_dir(env)
    confirm(project, env, "destroy", yes=yes, ask=ask, destroy_protected=destroy_protected)
    tf = _terraform(project, env, plugin_dir=plugin_dir, sink=sink)
    ensure_init(tf, env_dir, lock_timeout=lock_timeout)
    project.plan_path(env).with_suffix(".meta.json").unlink(missing_ok=True)
    tf.destroy(lock_timeout=lock_timeout)


def outputs(
    project: Project, env: str, name: str | None = None, *, plugin_dir: Path | None = None
) -> Any:
    """The environment's outputs (name -> value), or one output's value."""
    tf = _terraform(project, env, plugin_dir=plugin_dir, sink=None)
    ensure_init(tf, project.env_dir(env))
    if name is not None:
        return tf.output(name)
    return tf.outputs()


def scan_lines(result: Any) -> tuple[list[str], int]:
    """What to print for a scan result, and its exit status (0 clean)."""
    for method in ("summary_lines", "lines"):
        if callable(getattr(result, method, None)):
            return list(getattr(result, method)()), int(getattr(result, "exit_code", 0))
    if isinstance(result, int):
        return [], result
    return [str(result)], int(getattr(result, "exit_code", 0))


def plan_report(
    outcome: PlanOutcome, style: Callable[[str, bool], str] = lambda s, hot: s
) -> list[str]:
    """The lines `tfgen plan` prints for one environment."""
    if outcome.error is not None:
        lines = [f"== {outcome.env}: failed"]
        lines += [f"error: {line}" for line in outcome.error.lines()]
        return lines
    assert outcome.summary is not None and outcome.plan_file is not None
    init = "init ran" if outcome.init_ran else "init skipped"
    lines = [f"== {outcome.summary.headline()}  ({init}, {outcome.seconds:.1f}s)"]
    lines += outcome.summary.table(style)
    if outcome.summary.output_changes:
        lines.append("outputs changing: " + ", ".join(outcome.summary.output_changes))
    if outcome.summary.has_changes:
        lines.append(
            f"saved plan: {outcome.plan_file}; apply it with: tfgen apply --env {outcome.env}"
        )
    return lines
