"""The HTML of a plan: one self-contained page (inline SVG charts, no script, no fetch), readable printed.

:func:`plan_page` is the report of ``planner report`` and ``planner solve --report``;
:func:`result_html` and :func:`sweep_html` the rich display of a result and a sweep in a notebook.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.report import _affected, _tokens, _usd

if TYPE_CHECKING:
    from planner.plots.axes import Plan
    from planner.result import Result
    from planner.sweep import SweepResult

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.4; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } h2 { font-size: 1.2rem; border-bottom: 1px solid #ccc; }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dl.summary dt { font-weight: 600; } dl.summary dd { margin: 0; }
.short { color: #b00020; font-weight: 600; } .ok { color: #1b7f3b; }
figure.chart { margin: 1rem 0; break-inside: avoid; page-break-inside: avoid; }
figure.chart svg { width: 100%; height: auto; display: block; }
figcaption { font-size: 0.85rem; color: #555; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; break-inside: avoid; }
th, td { border-bottom: 1px solid #ddd; padding: 0.15rem 0.6rem; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.2rem; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.3em; vertical-align: middle; }
@media print {
  @page { size: A4; margin: 14mm; }
  body { max-width: none; margin: 0; font-size: 10pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
}
"""

NOTEBOOK_CHARTS = ("in_service", "tokens_by_fleet", "costs")
"""The charts a result shows in a notebook, beside its summary."""


def summary_html(summary: dict[str, Any]) -> str:
    """The headline of a plan as a definition list: status, plan cost, shortfall, binding rules, solver."""
    rows = [
        ("Scenario", escape(str(summary.get("scenario")))),
        ("Horizon", escape(str(summary.get("periods")))),
        ("Status", escape(f"{summary.get('status')}: {summary.get('message')}")),
    ]
    if summary.get("plan_cost_usd") is not None:
        rows.append(
            (
                "Plan cost",
                f"{_usd(summary['plan_cost_usd'])} present value ({_usd(summary['nominal_plan_cost_usd'])} nominal): "
                "what the plan would pay",
            )
        )
        unserved = summary.get("unserved_tokens") or 0.0
        share = summary.get("unserved_share_of_demand") or 0.0
        shortfall = f"{_tokens(unserved)} tokens ({share:.2%} of demand)"
        if unserved > 0:
            where = escape(_affected(summary.get("unserved") or []))
            penalty = _usd(summary.get("unserved_penalty_usd") or 0.0)
            rows.append(
                (
                    "Unserved demand",
                    f'<span class="short">{shortfall} in {where}</span>; unserved penalty {penalty} '
                    "(present value): the objective's weight on the shortfall, not a cost",
                )
            )
        else:
            rows.append(("Unserved demand", f'<span class="ok">{shortfall}</span>'))
        binding = summary.get("binding_policies") or []
        rows.append(
            (
                "Binding rules",
                escape(", ".join(f"{b['policy']} {b['subject']} ({b['periods_binding']} periods)" for b in binding))
                or "none",
            )
        )
    gap = summary.get("gap")
    rows.append(
        (
            "Solver",
            escape(
                f"{summary.get('solver')} {summary.get('solver_version') or ''} in {summary.get('solve_seconds', 0):.2f} s"
                + ("" if gap is None else f", gap {gap * 100:.2g}% to the best bound")
            ),
        )
    )
    return '<dl class="summary">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"


def table_html(caption: str, header: Sequence[str], rows: Iterable[Sequence[Any]], numeric_from: int = 1) -> str:
    """A small table; cells from column ``numeric_from`` on are right-aligned (already formatted text)."""

    def cells(tag: str, values: Sequence[Any]) -> str:
        return "".join(
            f"<{tag}{' class=n' if i >= numeric_from else ''}>{escape(str(v))}</{tag}>" for i, v in enumerate(values)
        )

    body = "".join(f"<tr>{cells('td', row)}</tr>" for row in rows)
    return f"<table><caption>{escape(caption)}</caption><thead><tr>{cells('th', header)}</tr></thead><tbody>{body}</tbody></table>"


def charts_html(plan: Plan, names: Sequence[str]) -> str:
    """Each named chart of :class:`planner.plots.PlanPlots` as a figure with inline SVG."""
    from planner.html.svg import chart_svg
    from planner.plots import PlanPlots
    from planner.plots.accessor import CHARTS

    plots = PlanPlots(plan)
    figures = []
    for name in names:
        draw = getattr(plots, name)
        # The chart's own description, its first paragraph: what is drawn and in which unit.
        caption = escape(" ".join((CHARTS[name].__doc__ or name).strip().split("\n\n")[0].split()))
        figures.append(
            f'<figure class="chart" data-chart="{name}">{chart_svg(draw)}<figcaption>{caption}</figcaption></figure>'
        )
    return "".join(figures)


def key_tables(plan: Plan, summary: dict[str, Any]) -> str:
    """Cost by component, the fleet at the end, tokens served by vendor, and the binding rules."""
    parts = [
        table_html(
            "Plan cost by component (USD)",
            ["component", "present value", "nominal"],
            [
                (c, _usd(v), _usd(summary["nominal_cost_by_component_usd"][c]))
                for c, v in summary["cost_by_component_usd"].items()
            ]
            + [("plan cost", _usd(summary["plan_cost_usd"]), _usd(summary["nominal_plan_cost_usd"]))],
        )
    ]
    end = summary.get("units_in_service_at_end") or {}
    parts.append(
        table_html(
            f"Units in service at the end ({end.get('period')})",
            ["fleet", "units"],
            [(f, f"{u:,.0f}") for f, u in (end.get("units_by_fleet") or {}).items()],
        )
    )
    served = summary.get("served_tokens_by_vendor") or {}
    total = sum(served.values()) or 1.0
    parts.append(
        table_html(
            "Tokens served over the horizon by vendor",
            ["vendor", "tokens", "share"],
            [(v, _tokens(t), f"{t / total:.1%}") for v, t in served.items()],
        )
    )
    binding = summary.get("binding_policies") or []
    if binding:
        parts.append(
            table_html(
                "Binding rules: what relaxing each by one unit in every period it binds would save",
                ["rule", "subject", "periods binding", "USD per unit"],
                [
                    (
                        b["policy"],
                        b["subject"],
                        b["periods_binding"],
                        f"{_usd(b['marginal_usd_per_unit_all_periods'])} per {b['unit']}",
                    )
                    for b in binding
                ],
                numeric_from=2,
            )
        )
    return "".join(parts)


def plan_page(plan: Plan, summary: dict[str, Any]) -> str:
    """The whole report of a plan: a complete HTML document with no external resource."""
    from planner.plots import PLAN_CHARTS

    name = escape(str(summary.get("scenario")))
    body = [
        f"<header><h1>Plan: {name}</h1></header>",
        "<section id=summary><h2>Summary</h2>",
        summary_html(summary),
        "</section>",
    ]
    if summary.get("objective_usd") is not None:
        body += ["<section id=charts><h2>Charts</h2>", charts_html(plan, PLAN_CHARTS), "</section>"]
        body += ["<section id=tables><h2>Key tables</h2>", key_tables(plan, summary), "</section>"]
    else:
        body.append(
            "<p>The solve found no plan, so there is nothing to chart; <code>planner explain</code> says why.</p>"
        )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Plan: {name}</title><style>{STYLE}</style></head><body>{''.join(body)}</body></html>\n"
    )


def result_html(result: Result) -> str:
    """A result in a notebook: its summary and, with a plan, a few charts."""
    summary = result.summary()
    charts = charts_html(result, NOTEBOOK_CHARTS) if result.has_plan else ""
    return f"<div class=planner-result>{summary_html(summary)}{charts}</div>"


def sweep_html(sweep: SweepResult, shown: int = 10) -> str:
    """A sweep in a notebook: how many runs ended how, the first runs, and the tornado of the plan cost."""
    from planner.html.svg import chart_svg
    from planner.plots import tornado

    table = sweep.table
    statuses = table["status"].value_counts() if "status" in table else None
    counts = ", ".join(f"{n} {s}" for s, n in statuses.items()) if statuses is not None else ""
    head = f"<p>{len(table)} runs varying {escape(', '.join(sweep.parameters) or 'named cases')}: {escape(counts)}</p>"
    chart = ""
    if sweep.parameters and "plan_cost_usd" in table and table["plan_cost_usd"].notna().any():
        svg = chart_svg(lambda ax: tornado(sweep, ax=ax))
        chart = f'<figure class="chart" data-chart="tornado">{svg}</figure>'
    return f"<div class=planner-sweep>{head}{table.head(shown).to_html(index=False)}{chart}</div>"


def write_page(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically: the file holds the old page or the whole new one, never part."""
    target = Path(path)
    handle, staging = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    try:
        # mkstemp makes the file private; a report is for sharing, so it gets the usual mode.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o666 & ~umask)
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(staging, target)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    return target
