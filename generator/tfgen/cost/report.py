"""How `tfgen cost` prints estimates and comparisons: a text table, Markdown, or JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .compare import Comparison, Row
from .items import NOT_ESTIMATED, Estimate, LineItem, iter_components, money, number
from .prices import PriceTable

FORMATS = ("table", "json", "markdown")


def prices_line(table: PriceTable) -> str:
    return (
        f"Prices: {table.source}, snapshot of {table.as_of}, on-demand USD, "
        f"{number(table.hours_per_month)} h/month; a snapshot to refresh "
        "(tools/refresh_prices.py), not a quote."
    )


def _figure(item: LineItem) -> str:
    return "unpriced" if item.monthly is None else money(item.monthly)


def _explain(item: LineItem) -> str:
    """What to print under an item: its note, or why it has no price."""
    if item.unpriced:
        return f"UNPRICED: {item.price.missing}" + (f"; {item.note}" if item.note else "")
    return item.note


def _columns(rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = [
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
    return out


# --------------------------------------------------------------------------- one profile


def table_lines(app: str, estimates: list[Estimate], table: PriceTable) -> list[str]:
    lines: list[str] = []
    for est in estimates:
        lines.append(
            f"== {app} / {est.env}: {est.profile}, {est.region}, {est.azs} AZs: {est.total_text()} per month"
        )
        rows: list[tuple[str, str, str, str]] = [("component", "item", "quantity x price", "monthly")]
        notes: dict[int, str] = {}
        for component, items in iter_components(est):
            for item in items:
                rows.append((component, item.name, item.formula(), _figure(item)))
                if _explain(item):
                    notes[len(rows) - 1] = _explain(item)
        rows.append(("total", "", "", est.total_text()))
        formatted = _columns(rows, right=(3,))
        for index, line in enumerate(formatted):
            lines.append(line)
            if index in notes:
                lines.append(f"{'':15}- {notes[index]}")
        lines.append("")
    if len(estimates) > 1:
        summary = [("environment", "profile", "monthly")]
        summary += [(e.env, e.profile, e.total_text()) for e in estimates]
        total = sum(e.total for e in estimates)
        partial = any(e.partial for e in estimates)
        summary.append(("all", "", money(total) + (" (partial)" if partial else "")))
        lines += _columns(summary, right=(2,))
        lines.append("")
    lines.append(prices_line(table))
    lines.append(f"Not in the estimate: {NOT_ESTIMATED}.")
    return lines


def markdown_lines(app: str, estimates: list[Estimate], table: PriceTable) -> list[str]:
    lines: list[str] = []
    for est in estimates:
        lines += [
            f"### {app} / {est.env} ({est.profile}, {est.region}, {est.azs} AZs): "
            f"{est.total_text()} per month",
            "",
            "| Component | Item | Quantity x price | Monthly (USD) | Note |",
            "|---|---|---|--:|---|",
        ]
        for component, items in iter_components(est):
            for item in items:
                lines.append(
                    f"| {component} | {item.name} | {item.formula()} | {_figure(item)} "
                    f"| {_md(_explain(item))} |"
                )
        lines += [f"| **total** | | | **{est.total_text()}** | |", ""]
    lines += [f"_{prices_line(table)}_", "", f"_Not in the estimate: {NOT_ESTIMATED}._"]
    return lines


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def _item_json(item: LineItem) -> dict[str, Any]:
    return {
        "key": item.key,
        "component": item.component,
        "name": item.name,
        "quantity": item.quantity,
        "factors": [{"value": f.value, "label": f.label} for f in item.factors],
        "unit": item.unit,
        "unit_price": item.price.amount,
        "monthly": item.monthly,
        "formula": item.formula(),
        "note": item.note,
        "unpriced": item.price.missing if item.unpriced else None,
    }


def estimate_json(est: Estimate) -> dict[str, Any]:
    return {
        "env": est.env,
        "profile": est.profile,
        "region": est.region,
        "azs": est.azs,
        "total": est.total,
        "partial": est.partial,
        "unpriced": [i.key for i in est.unpriced],
        "items": [_item_json(i) for i in est.items],
    }


def _header_json(app: str, table: PriceTable) -> dict[str, Any]:
    return {
        "app": app,
        "currency": "USD",
        "prices": {
            "source": table.source,
            "as_of": table.as_of,
            "snapshot": table.snapshot,
            "hours_per_month": table.hours_per_month,
        },
        "not_estimated": NOT_ESTIMATED,
    }


def to_json(app: str, estimates: list[Estimate], table: PriceTable) -> dict[str, Any]:
    return {**_header_json(app, table), "environments": [estimate_json(e) for e in estimates]}


# --------------------------------------------------------------------------- two profiles


def _cell(item: LineItem | None) -> str:
    if item is None:
        return "-"
    return _figure(item)


def _shown(value: float | None) -> float:
    """A figure as printed (to the cent), so a printed difference is that of the printed figures."""
    return round(value or 0.0, 2)


def _row_difference(r: Row) -> str:
    return _signed(_shown(r.b.monthly if r.b else None) - _shown(r.a.monthly if r.a else None))


def _total_difference(c: Comparison) -> str:
    if c.a is None or c.b is None:
        return ""
    return _signed(_shown(c.b.total) - _shown(c.a.total)) + _percent(c)


def _signed(value: float) -> str:
    if abs(value) < 0.005:
        return "0"
    return ("+" if value > 0 else "") + money(value)


def _percent(c: Comparison) -> str:
    if c.a is None or c.b is None or c.a.total == 0:
        return ""
    return f" ({(c.b.total - c.a.total) / c.a.total * 100:+.0f}%)"


def _total_cell(est: Estimate | None) -> str:
    return "invalid" if est is None else est.total_text()


def compare_table_lines(app: str, comparisons: list[Comparison], table: PriceTable) -> list[str]:
    lines: list[str] = []
    for c in comparisons:
        p, q = c.profiles
        head = c.a or c.b
        where = f"{head.region}, {head.azs} AZs" if head else ""
        lines.append(f"== {app} / {c.env}: {p} vs {q} ({where})")
        if c.errors:
            lines += [f"   {e}" for e in c.errors]
        rows: list[tuple[str, ...]] = [("item", p, q, "difference", "what the difference buys")]
        rows += [(r.name, _cell(r.a), _cell(r.b), _row_difference(r), r.why) for r in c.rows()]
        diff = _total_difference(c)
        rows.append(("total", _total_cell(c.a), _total_cell(c.b), diff, ""))
        lines += _columns(rows, right=(1, 2, 3))
        lines.append("")
    lines += compare_summary_lines(comparisons)
    lines.append("")
    lines.append(prices_line(table))
    lines.append(f"Not in the estimate: {NOT_ESTIMATED}.")
    return lines


def compare_summary_lines(comparisons: list[Comparison]) -> list[str]:
    if not comparisons:
        return []
    p, q = comparisons[0].profiles
    rows: list[tuple[str, ...]] = [("environment", p, q, "difference")]
    for c in comparisons:
        rows.append((c.env, _total_cell(c.a), _total_cell(c.b), _total_difference(c)))
    return _columns(rows, right=(1, 2, 3))


def compare_markdown_lines(app: str, comparisons: list[Comparison], table: PriceTable) -> list[str]:
    lines: list[str] = []
    for c in comparisons:
        p, q = c.profiles
        lines += [f"### {app} / {c.env}: {p} vs {q}", ""]
        lines += [f"- {_md(e)}" for e in c.errors]
        if c.errors:
            lines.append("")
        lines += [f"| Item | {p} | {q} | Difference | What the difference buys |", "|---|--:|--:|--:|---|"]
        lines += [
            f"| {r.name} | {_cell(r.a)} | {_cell(r.b)} | {_row_difference(r)} | {r.why} |" for r in c.rows()
        ]
        diff = _total_difference(c)
        lines += [f"| **total** | **{_total_cell(c.a)}** | **{_total_cell(c.b)}** | **{diff}** | |", ""]
    lines += compare_summary_markdown(comparisons)
    lines += ["", f"_{prices_line(table)}_"]
    return lines


def compare_summary_markdown(comparisons: list[Comparison]) -> list[str]:
    """The totals of each environment under both profiles, as a Markdown table."""
    if not comparisons:
        return []
    p, q = comparisons[0].profiles
    lines = [f"| Environment | {p} | {q} | Difference |", "|---|--:|--:|--:|"]
    for c in comparisons:
        diff = _total_difference(c) or "n/a"
        lines.append(f"| {c.env} | {_total_cell(c.a)} | {_total_cell(c.b)} | {diff} |")
    return lines


def _row_json(r: Row, profiles: tuple[str, str]) -> dict[str, Any]:
    return {
        "key": r.key,
        "name": r.name,
        profiles[0]: None if r.a is None else r.a.monthly,
        profiles[1]: None if r.b is None else r.b.monthly,
        "difference": r.difference,
        "why": r.why,
    }


def compare_json(app: str, comparisons: list[Comparison], table: PriceTable) -> dict[str, Any]:
    envs = []
    for c in comparisons:
        envs.append(
            {
                "env": c.env,
                "estimates": {
                    c.profiles[0]: None if c.a is None else estimate_json(c.a),
                    c.profiles[1]: None if c.b is None else estimate_json(c.b),
                },
                "difference": c.difference,
                "items": [_row_json(r, c.profiles) for r in c.rows()],
                "errors": list(c.errors),
            }
        )
    profiles = list(comparisons[0].profiles) if comparisons else []
    return {**_header_json(app, table), "profiles": profiles, "environments": envs}


def output(app: str, estimates: list[Estimate], table: PriceTable, fmt: str) -> str:
    """What `tfgen cost` prints, in one of FORMATS."""
    if fmt == "json":
        return json.dumps(to_json(app, estimates, table), indent=2)
    lines = markdown_lines if fmt == "markdown" else table_lines
    return "\n".join(lines(app, estimates, table))


def compare_output(app: str, comparisons: list[Comparison], table: PriceTable, fmt: str) -> str:
    """What `tfgen cost --compare` prints, in one of FORMATS."""
    if fmt == "json":
        return json.dumps(compare_json(app, comparisons, table), indent=2)
    lines = compare_markdown_lines if fmt == "markdown" else compare_table_lines
    return "\n".join(lines(app, comparisons, table))
