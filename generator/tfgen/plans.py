"""What a plan would do, and how tfgen reports it: summaries, tables, JSON, exit codes.

The summary is read from `terraform show -json` of the saved plan: counts of create / update /
delete / replace, deletions and replacements first, then a table by module and resource.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
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


def _ordered(changes: list[Change]) -> tuple[Change, ...]:
    """Deletions and replacements first, then by module and address."""
    order = {a: i for i, a in enumerate((*ACTIONS, "read"))}
    return tuple(sorted(changes, key=lambda c: (order[c.action], c.module, c.address)))


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
                    changes.append(
                        Change(
                            resource.get("addr", "?"),
                            resource.get("module", ""),
                            resource.get("resource_type", "?"),
                            action,
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
            changes.append(Change(rc["address"], rc.get("module_address", ""), rc["type"], action))
        outputs = tuple(
            sorted(
                name
                for name, oc in plan.get("output_changes", {}).items()
                if oc.get("actions") not in (["no-op"], None)
            )
        )
        return cls(env, _ordered(changes), outputs)

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

    def table(self, style: Style = plain) -> list[str]:
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
        cells = [header, *(r[:4] for r in rows)]
        widths = [max(len(str(r[i])) for r in cells) for i in range(4)]

        def fmt(r: Iterable[str]) -> str:
            return "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()

        lines = [fmt(header)]
        lines += [style(fmt(r[:4]), r[4]) for r in rows]
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


def plan_report(outcome: PlanOutcome, style: Style = plain) -> list[str]:
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
    if outcome.cost is not None:
        lines += outcome.cost.lines()
    if outcome.summary.has_changes:
        lines.append(f"saved plan: {outcome.plan_file}; apply it with: tfgen apply --env {outcome.env}")
    return lines
