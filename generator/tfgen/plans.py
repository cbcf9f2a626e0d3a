"""What a plan would do, and how tfgen reports it: summaries, tables, markdown, JSON, exit codes.

The summary is read from `terraform plan -json`'s messages (or `terraform show -json` of the
saved plan): counts of create / update / delete / replace, deletions and replacements first,
then a table by module and resource. A replacement says why: the attributes that force it
(`replace_paths` of `terraform show -json`; the streamed messages only say "cannot_update"),
else terraform's reason (tainted, -replace requested, replace_triggered_by). A module creating
more than GROUP_CREATES resources is one line with the count unless the detail is asked for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import TfgenError
from .terraform import Interrupted

if TYPE_CHECKING:
    from .cost.plan_delta import CostDelta

Style = Callable[[str, bool], str]
"""Styles a report line; the flag says it is a destructive change (shown hot)."""


def plain(line: str, hot: bool) -> str:
    return line


ACTIONS = ("delete", "replace", "create", "update")
GROUP_CREATES = 10
"""A module creating more resources than this is one line of the table (all with --detail)."""

# terraform's reasons for a replacement, in `plan -json` messages and in `show -json`.
REASONS = {
    "tainted": "tainted",
    "replace_because_tainted": "tainted",
    "requested": "-replace requested",
    "replace_by_request": "-replace requested",
    "replace_triggered_by": "replace_triggered_by",
    "replace_by_triggers": "replace_triggered_by",
    "cannot_update": "an attribute that cannot be updated in place",
    "replace_because_cannot_update": "an attribute that cannot be updated in place",
}


def attribute_path(path: list[Any]) -> str:
    """A `replace_paths` entry as it reads in HCL: ["ingress", 0, "cidr_blocks"] is
    ingress[0].cidr_blocks."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


SYMBOL = {"create": "+", "update": "~", "delete": "-", "replace": "-/+", "read": "<="}


@dataclass(frozen=True)
class Change:
    """One resource change in a plan."""

    address: str
    module: str
    type: str
    action: str  # create, update, delete, replace, read
    reason: str = ""  # a replacement: what forces it, e.g. "triggers.name" or "tainted"

    @property
    def destructive(self) -> bool:
        return self.action in ("delete", "replace")


def _ordered(changes: list[Change]) -> tuple[Change, ...]:
    """Deletions and replacements first, then by module and address."""
    order = {a: i for i, a in enumerate((*ACTIONS, "read"))}
    return tuple(sorted(changes, key=lambda c: (order[c.action], c.module, _natural(c.address))))


def _natural(address: str) -> tuple[tuple[int, int | str], ...]:
    """worker[2] before worker[10]: numbers compare as numbers."""
    return tuple((1, int(p)) if p.isdigit() else (0, p) for p in re.split(r"(\d+)", address) if p)


@dataclass(frozen=True)
class PlanSummary:
    """What a plan would do: from `terraform plan -json`'s messages, or `terraform show -json`."""

    env: str
    changes: tuple[Change, ...]
    output_changes: tuple[str, ...] = ()

    @classmethod
    def from_messages(cls, env: str, messages: list[dict[str, Any]]) -> PlanSummary:
        """From the machine-readable messages `terraform plan -json` prints."""
        changes = []
        outputs: set[str] = set()
        for message in messages:
            kind = message.get("type")
            if kind == "planned_change":
                change = message.get("change", {})
                resource = change.get("resource", {})
                action = change.get("action")
                if action in ("create", "update", "delete", "replace", "read"):
                    reason = change.get("reason", "") if action == "replace" else ""
                    changes.append(
                        Change(
                            resource.get("addr", "?"),
                            resource.get("module", ""),
                            resource.get("resource_type", "?"),
                            action,
                            REASONS.get(reason, reason),
                        )
                    )
            elif kind == "outputs":
                outputs |= {
                    name
                    for name, out in message.get("outputs", {}).items()
                    if out.get("action") not in ("noop", None)
                }
        return cls(env, _ordered(changes), tuple(sorted(outputs)))

    @classmethod
    def from_plan_json(cls, env: str, plan: dict[str, Any]) -> PlanSummary:
        """From `terraform show -json` of a saved plan."""
        changes = []
        for rc in plan.get("resource_changes", []):
            actions = list(rc.get("change", {}).get("actions", []))
            if sorted(actions) == ["create", "delete"]:
                action = "replace"
            elif actions in (["create"], ["update"], ["delete"], ["read"]):
                action = actions[0]
            else:
                continue  # no-op, forget
            reason = replace_reason(rc) if action == "replace" else ""
            changes.append(Change(rc["address"], rc.get("module_address", ""), rc["type"], action, reason))
        outputs = tuple(
            sorted(
                name
                for name, oc in plan.get("output_changes", {}).items()
                if oc.get("actions") not in (["no-op"], None)
            )
        )
        return cls(env, _ordered(changes), outputs)

    @property
    def replacements(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.action == "replace")

    def with_reasons(self, plan: dict[str, Any]) -> PlanSummary:
        """The summary with each replacement's reason from `terraform show -json` of the plan."""
        found = {
            rc.get("address"): replace_reason(rc)
            for rc in plan.get("resource_changes", [])
            if sorted(rc.get("change", {}).get("actions", [])) == ["create", "delete"]
        }
        changes = tuple(
            replace(c, reason=found.get(c.address) or c.reason) if c.action == "replace" else c
            for c in self.changes
        )
        return replace(self, changes=changes)

    def counts(self) -> dict[str, int]:
        return {
            a: sum(c.action == a for c in self.changes) for a in ("create", "update", "delete", "replace")
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
                    **({"reason": c.reason} if c.action == "replace" else {}),
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

    def grouped_modules(self) -> dict[str, int]:
        """Modules creating more than GROUP_CREATES resources, with how many."""
        creates: dict[str, int] = {}
        for c in self.changes:
            if c.action == "create":
                creates[c.module or "(root)"] = creates.get(c.module or "(root)", 0) + 1
        return {m: n for m, n in creates.items() if n > GROUP_CREATES}

    def rows(self, *, detail: bool = False) -> list[tuple[str, str, str, str, str, bool]]:
        """(symbol, action, module, resource, why, destructive) per line of the table; a
        module's many creates are one row (`23 to create`) unless `detail`."""
        grouped = {} if detail else self.grouped_modules()
        rows: list[tuple[str, str, str, str, str, bool]] = []
        shown: set[str] = set()
        for c in self.changes:
            if c.action == "read":
                continue
            module = c.module or "(root)"
            if c.action == "create" and module in grouped:
                if module not in shown:
                    shown.add(module)
                    rows.append(("+", "create", module, f"{grouped[module]} to create", "", False))
                continue
            resource = c.address.removeprefix(f"{c.module}.") if c.module else c.address
            why = f"forced by {c.reason}" if c.reason else ""
            rows.append((SYMBOL[c.action], c.action, module, resource, why, c.destructive))
        return rows

    def table(self, style: Style = plain, *, detail: bool = False) -> list[str]:
        """A table by module and resource; deletions and replacements first, marked hot."""
        rows = self.rows(detail=detail)
        if not rows:
            return []
        header = ("", "action", "module", "resource", "")
        cells = [header, *(r[:5] for r in rows)]
        widths = [max(len(str(r[i])) for r in cells) for i in range(5)]

        def fmt(r: Iterable[str]) -> str:
            return "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()

        lines = [fmt(header)]
        lines += [style(fmt(r[:5]), r[5]) for r in rows]
        if self.grouped_modules() and not detail:
            lines.append("(tfgen plan --detail lists every resource)")
        return lines

    def markdown(self, profile: str | None = None) -> list[str]:
        """The summary for a pull-request comment: heading, counts, replacements and why,
        deletions, and the full list folded in a <details>."""
        title = f"### tfgen plan: `{self.env}`" + (f" (profile `{profile}`)" if profile else "")
        lines = [title, ""]
        if not self.has_changes:
            return [*lines, "No changes."]
        n = self.counts()
        lines += [
            "| create | update | delete | replace |",
            "| ---: | ---: | ---: | ---: |",
            f"| {n['create']} | {n['update']} | {n['delete']} | {n['replace']} |",
        ]
        if self.replacements:
            lines += ["", "**Replaced** (destroyed, then created again):", ""]
            lines += [
                f"- `{c.address}`" + (f": forced by `{c.reason}`" if c.reason else "")
                for c in self.replacements
            ]
        deleted = [c for c in self.changes if c.action == "delete"]
        if deleted:
            lines += ["", "**Deleted:**", ""]
            lines += [f"- `{c.address}`" for c in deleted]
        grouped = self.grouped_modules()
        if grouped:
            lines += ["", "**Created in bulk:**", ""]
            lines += [f"- `{m}`: {k} to create" for m, k in sorted(grouped.items())]
        if self.output_changes:
            lines += ["", "Outputs changing: " + ", ".join(f"`{o}`" for o in self.output_changes)]
        listed = [c for c in self.changes if c.action != "read"]
        lines += [
            "",
            f"<details><summary>All {len(listed)} resource changes</summary>",
            "",
            "| action | module | resource |",
            "| --- | --- | --- |",
        ]
        for c in listed:
            resource = c.address.removeprefix(f"{c.module}.") if c.module else c.address
            lines.append(f"| {SYMBOL[c.action]} {c.action} | `{c.module or '(root)'}` | `{resource}` |")
        lines += ["", "</details>"]
        return lines


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
    cost: CostDelta | None = None
    """The monthly cost change of the plan's priced resources (None: region unknown)."""

    @property
    def exit_code(self) -> int:
        """0 no changes, 2 changes, 1 error, 128+signal when stopped (like -detailed-exitcode)."""
        if self.error is not None:
            return self.error.exit_code if isinstance(self.error, Interrupted) else 1
        return 2 if self.summary and self.summary.has_changes else 0

    def to_json(self) -> dict[str, Any]:
        """What `tfgen plan --json` prints for this environment."""
        if self.summary is None:
            return {
                "env": self.env,
                "error": self.error.lines() if self.error else [],
                "exit_code": self.exit_code,
            }
        cost = self.cost.to_json() if self.cost is not None else None
        return {
            **self.summary.to_json(),
            "plan_file": str(self.plan_file),
            "monthly_cost_delta": cost,
            "exit_code": self.exit_code,
        }


# Worst first: an interrupt outranks an error, an error outranks changes.
_EXIT_RANK = {0: 0, 2: 1, 1: 2}


def overall_exit_code(outcomes: Iterable[PlanOutcome]) -> int:
    """The exit code of several environments' plans: the worst of theirs."""
    return max((o.exit_code for o in outcomes), key=lambda code: _EXIT_RANK.get(code, 3), default=0)


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
                (o.env, "-", "-", "-", "-", "interrupted" if isinstance(o.error, Interrupted) else "error")
            )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in [header, *rows]]


def replace_reason(rc: dict[str, Any]) -> str:
    """What forces a replacement in `terraform show -json`: the attributes, else the reason."""
    paths = rc.get("change", {}).get("replace_paths") or []
    if paths:
        return ", ".join(attribute_path(p) for p in paths if isinstance(p, list))
    reason = str(rc.get("action_reason", ""))
    return REASONS.get(reason, reason)


def plan_markdown(outcomes: list[PlanOutcome], profiles: dict[str, str] | None = None) -> str:
    """`tfgen plan --format markdown`: each environment's summary, for a pull-request comment."""
    parts: list[str] = []
    for o in outcomes:
        profile = (profiles or {}).get(o.env)
        if o.summary is None:
            lines = [f"### tfgen plan: `{o.env}`", "", "**Failed:**", "", "```"]
            lines += (o.error.lines() if o.error else []) + ["```"]
        else:
            lines = o.summary.markdown(profile)
            if o.cost is not None and o.cost.items:
                lines += ["", "Monthly cost:", "", "```", *o.cost.lines(), "```"]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def plan_report(outcome: PlanOutcome, style: Style = plain, *, detail: bool = False) -> list[str]:
    """The lines `tfgen plan` prints for one environment."""
    if outcome.error is not None:
        lines = [f"== {outcome.env}: failed"]
        lines += [f"error: {line}" for line in outcome.error.lines()]
        return lines
    assert outcome.summary is not None and outcome.plan_file is not None
    init = "init ran" if outcome.init_ran else "init skipped"
    lines = [f"== {outcome.summary.headline()}  ({init}, {outcome.seconds:.1f}s)"]
    lines += outcome.summary.table(style, detail=detail)
    if outcome.summary.output_changes:
        lines.append("outputs changing: " + ", ".join(outcome.summary.output_changes))
    if outcome.cost is not None:
        lines += outcome.cost.lines()
    if outcome.summary.has_changes:
        lines.append(f"saved plan: {outcome.plan_file}; apply it with: tfgen apply --env {outcome.env}")
    return lines
