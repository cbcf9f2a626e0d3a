"""Run a rendered project: init when needed, plan with a saved plan file, apply, destroy, output.

Each function takes the project and an environment name, drives terraform through the one
adapter (`tfgen.terraform.Terraform`) and returns a value the CLI prints. State kept per
environment under `envs/<env>/.tfgen/`: the saved plan (`<env>.tfplan`), its `terraform show
-json` (`<env>.plan.json`) and what it was made from (`<env>.meta.json`).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import TfgenError, UsageError
from .fingerprints import config_fingerprint, ensure_init, file_sha256
from .plan_json import prepare_for_scan
from .plans import PlanOutcome, PlanSummary
from .progress import step
from .project import Project
from .terraform import (
    LineSink,
    StateLocked,
    Terraform,
    forward_sigint,
    plugin_mirror,
)

if TYPE_CHECKING:
    from .cost.plan_delta import CostDelta

Ask = Callable[[str], str]
"""Prompts the user with a question and returns what they typed."""


def _terraform(
    project: Project,
    env: str,
    *,
    plugin_dir: Path | None,
    sink: LineSink | None,
) -> Terraform:
    return Terraform(project.env_dir(env), label=env, mirror=plugin_mirror(plugin_dir), sink=sink)


# --------------------------------------------------------------------------- plan


def plan_env(
    project: Project,
    env: str,
    *,
    lock_timeout: str | None = None,
    plugin_dir: Path | None = None,
    sink: LineSink | None = None,
    keep_json: bool = False,
) -> PlanOutcome:
    """Init when needed, plan into envs/<env>/.tfgen/<env>.tfplan, summarise the plan.

    `keep_json` also writes the plan's `terraform show -json` next to it, for a plan scan; the
    summary itself comes from the plan's own `-json` messages (no second terraform process).
    """
    started = time.monotonic()
    env_dir = project.env_dir(env)
    tf = _terraform(project, env, plugin_dir=plugin_dir, sink=sink)
    fingerprint = config_fingerprint(project, env)
    init_ran = ensure_init(tf, env_dir, lock_timeout=lock_timeout)
    plan_file = project.plan_path(env)
    meta_file = plan_file.with_suffix(".meta.json")
    meta_file.unlink(missing_ok=True)  # a failed plan leaves nothing to apply
    private_file(plan_file)  # terraform writes into it: a saved plan holds the state
    try:
        with step(f"{env}: terraform plan"):
            planned = tf.plan(plan_file, lock_timeout=lock_timeout)
    except TfgenError as err:
        if init_ran or "terraform init" not in "\n".join(err.lines()):
            raise
        with step(f"{env}: terraform init (the providers changed)"):
            tf.init(lock_timeout=lock_timeout)  # .terraform changed under us: init once, retry
        init_ran = True
        with step(f"{env}: terraform plan"):
            planned = tf.plan(plan_file, lock_timeout=lock_timeout)
    summary = PlanSummary.from_messages(env, planned.messages)
    plan_json = plan_file.with_suffix(".plan.json")
    plan_json.unlink(missing_ok=True)
    # The full plan (a second terraform process) only where it is needed: a scan, a change
    # to priced resources whose cost delta the summary shows, or a replacement (the attributes
    # that force it are in the plan's replace_paths, not in the streamed messages).
    plan = None
    if keep_json or touches_priced(summary) or summary.replacements:
        with step(f"{env}: terraform show -json"):
            plan = tf.show_json(plan_file)
        summary = summary.with_reasons(plan)
    if keep_json and plan is not None:
        write_private(plan_json, json.dumps(prepare_for_scan(plan)))
    meta = {
        "env": env,
        "plan_file": plan_file.name,
        "plan_sha256": file_sha256(plan_file),
        "fingerprint": fingerprint,
        "render_sha256": project.manifest.get("render_sha256"),
        "terraform_version": planned.terraform_version,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    write_private(meta_file, json.dumps(meta, indent=2) + "\n")
    return PlanOutcome(
        env,
        summary,
        plan_file,
        plan_json if keep_json else None,
        init_ran,
        time.monotonic() - started,
        cost=plan_cost(project, plan) if plan is not None else None,
    )


def touches_priced(summary: PlanSummary) -> bool:
    """Whether a plan creates, changes or deletes a resource tfgen prices."""
    from .cost.plan_delta import PRICERS

    return any(c.type in PRICERS and c.action != "read" for c in summary.changes)


def plan_cost(project: Project, plan: dict[str, Any]) -> CostDelta | None:
    """The plan's monthly cost change, priced in the project's region (None when unknown)."""
    region = project.region()
    if region is None:
        return None
    from .cost.plan_delta import plan_cost_delta
    from .cost.prices import PriceTable

    return plan_cost_delta(plan, region, PriceTable.load())


def plan_all(
    project: Project,
    envs: list[str] | None = None,
    *,
    jobs: int = 0,
    lock_timeout: str | None = None,
    plugin_dir: Path | None = None,
    on_done: Callable[[PlanOutcome], None] | None = None,
    keep_json: bool = False,
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
                keep_json=keep_json,
            )
        except TfgenError as err:
            outcome = PlanOutcome(env, error=err)
        except OSError as err:  # the environment's files, not tfgen: that row fails alone
            outcome = PlanOutcome(env, error=TfgenError(f"env {env}: {err}"))
        outcome.log = log
        if on_done is not None:
            with report_lock:
                on_done(outcome)
        return outcome

    what = f"planning {len(names)} environments ({', '.join(names)}), {workers} at a time"
    with step(what), forward_sigint(), ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, names))


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
    """Refuse unless a protected environment's change is confirmed.

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
            f"{action} {env}: confirmation needed, and there is no terminal to type the "
            f"environment's name in (input is piped or closed): pass {how}"
        )
    kind = "protected environment" if protected else "environment"
    try:
        answer = ask(f"{action} the {kind} {env}? Type its name to confirm")
    except (EOFError, KeyboardInterrupt, Exception) as err:  # click.Abort on end of input
        raise UsageError(f"{action} {env}: not confirmed (pass {how} in CI)") from err
    if answer.strip() != env:
        raise UsageError(
            f"{action} {env}: not confirmed: you typed {answer.strip()!r}, not {env!r} (in CI pass {how})"
        )


def load_saved_plan(project: Project, env: str, plan_file: Path | None = None) -> Path:
    """The saved plan of `env`, after checking it belongs to `env` and is still current."""
    plan_file = Path(plan_file) if plan_file else project.plan_path(env)
    meta_file = plan_file.with_suffix(".meta.json")
    again = f"run tfgen plan --env {env} again"
    if not plan_file.is_file() or not meta_file.is_file():
        raise TfgenError(f"apply {env}: no saved plan at {plan_file}: run tfgen plan --env {env} first")
    try:
        meta = json.loads(meta_file.read_text())
        meta_env, meta_sha, meta_fp = meta["env"], meta["plan_sha256"], meta["fingerprint"]
    except (ValueError, KeyError, TypeError) as err:
        raise TfgenError(f"apply {env}: the plan metadata {meta_file} is unreadable: {again}") from err
    if meta_env != env:
        raise TfgenError(
            f"apply {env}: the saved plan {plan_file} was made for env {meta_env}, not {env}: {again}"
        )
    if file_sha256(plan_file) != meta_sha:
        raise TfgenError(
            f"apply {env}: the plan file {plan_file} is corrupted or was replaced "
            f"since tfgen plan wrote it: {again}"
        )
    if config_fingerprint(project, env) != meta_fp:
        raise TfgenError(f"apply {env}: the configuration changed since this plan was made: {again}")
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
    """An applied (or failed) plan is used up: remove it and what was kept with it."""
    for suffix in (".tfplan", ".meta.json", ".plan.json"):
        plan_file.with_suffix(suffix).unlink(missing_ok=True)


def private_file(path: Path) -> None:
    """An empty file only its owner can read, in a folder only its owner can enter."""
    path.parent.mkdir(mode=0o700, exist_ok=True)
    os.chmod(path.parent, 0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def write_private(path: Path, text: str) -> None:
    private_file(path)
    path.write_text(text)


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


def outputs(project: Project, env: str, name: str | None = None, *, plugin_dir: Path | None = None) -> Any:
    """The environment's outputs (name -> value), or one output's value."""
    tf = _terraform(project, env, plugin_dir=plugin_dir, sink=None)
    ensure_init(tf, project.env_dir(env))
    if name is not None:
        return tf.output(name)
    return tf.outputs()
