"""Human-readable reports of a result: rich tables for the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from demand import FitResult
from planner.errors import Problem
from planner.result import Result

if TYPE_CHECKING:
    from planner.explain import Explanation


def _usd(value: float) -> str:
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"${value / scale:,.2f}{suffix}"
    return f"${value:,.2f}"


def _tokens(value: float) -> str:
    for scale, suffix in ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M")):
        if abs(value) >= scale:
            return f"{value / scale:,.2f}{suffix}"
    return f"{value:,.0f}"


def _affected(rows: list[dict]) -> str:
    """The workloads and periods left short, e.g. ``coding_agents 2026-03 to 2026-06 (4 periods)``."""
    spans = []
    for workload in dict.fromkeys(r["workload"] for r in rows):
        periods = [r["period"] for r in rows if r["workload"] == workload]
        spans.append(
            f"{workload} {periods[0]}"
            if len(periods) == 1
            else f"{workload} {periods[0]} to {periods[-1]} ({len(periods)} periods)"
        )
    return "; ".join(spans)


def result_report(result: Result) -> Group:
    """Headline, costs, build plan and service mix of a result, as rich renderables."""
    summary = result.summary()
    colour = "green" if result.is_optimal else "red"
    headline = Table.grid(padding=(0, 2))
    headline.add_row("Scenario", summary["scenario"])
    headline.add_row("Horizon", summary["periods"])
    headline.add_row("Status", Text(f"{summary['status']}: {summary['message']}", style=colour))
    parts: list[RenderableType] = [headline]
    if not result.has_plan:
        return Group(*parts)
    headline.add_row(
        "Plan cost (present value)",
        f"{_usd(summary['plan_cost_usd'])} ({_usd(summary['nominal_plan_cost_usd'])} nominal): what the plan would pay",
    )
    unserved = summary["unserved_tokens"]
    headline.add_row(
        "Unserved demand",
        Text(
            f"{_tokens(unserved)} tokens ({summary['unserved_share_of_demand']:.2%} of demand)"
            + (f" in {_affected(summary['unserved'])}" if unserved > 0 else ""),
            style="bold red" if unserved > 0 else "green",
        ),
    )
    if unserved > 0:
        headline.add_row(
            "Unserved penalty",
            Text(
                f"{_usd(summary['unserved_penalty_usd'])} (present value): the objective's weight on the shortfall, "
                "not a cost; `planner explain` shows what keeps the demand from being served",
                style="red",
            ),
        )
    total = sum(summary["served_tokens_by_vendor"].values()) or 1.0
    headline.add_row(
        "Tokens served by vendor",
        ", ".join(f"{v} {t / total:.0%}" for v, t in sorted(summary["served_tokens_by_vendor"].items())),
    )
    if summary["binding_policies"]:
        headline.add_row(
            "Binding rules",
            ", ".join(
                f"{b['policy']} {b['subject']} ({b['periods_binding']} periods)" for b in summary["binding_policies"]
            ),
        )
    headline.add_row(
        "Solver",
        f"{summary['solver']} {summary['solver_version'] or ''} in {summary['solve_seconds']:.2f} s "
        f"({summary['model_size']['variables']} variables, {summary['model_size']['constraints']} constraints"
        + ("" if summary["gap"] is None else f", gap {summary['gap'] * 100:.2g}% to the best bound")
        + ("" if summary["mip_gap"] is None else f", optimal within {summary['mip_gap'] * 100:.2g}%")
        + ")",
    )

    costs = Table(title="Plan cost by component", title_justify="left")
    costs.add_column("component")
    costs.add_column("present value", justify="right")
    costs.add_column("nominal", justify="right")
    for component, value in summary["cost_by_component_usd"].items():
        costs.add_row(component, _usd(value), _usd(summary["nominal_cost_by_component_usd"][component]))
    costs.add_section()
    costs.add_row("plan cost", _usd(summary["plan_cost_usd"]), _usd(summary["nominal_plan_cost_usd"]), style="bold")
    parts.append(costs)
    if summary["capacity_commitments"]:
        parts.append(_commitments_table(summary["capacity_commitments"]))

    installed = result.installed
    last = installed[installed["period"] == installed["period"].iloc[-1]] if len(installed) else installed
    builds = result.builds.groupby(["fleet", "site"])["units"].sum()
    fleet_table = Table(
        title="Fleet (units bought over the horizon; in service, leased or rented at its end)", title_justify="left"
    )
    for column in (
        "fleet",
        "site",
        "procurement",
        "bought",
        f"in service {last['period'].iloc[0] if len(last) else ''}",
    ):
        fleet_table.add_column(column, justify="right" if column not in ("fleet", "site", "procurement") else "left")
    held = last[["fleet", "site", "procurement", "units"]]
    for fleet, site, procurement, units in held.itertuples(index=False, name=None):
        fleet_table.add_row(fleet, site, procurement, f"{builds.get((fleet, site), 0.0):,.0f}", f"{units:,.0f}")
    parts.append(fleet_table)

    # pandas-stubs leave float out of unstack's fill_value, which takes any scalar.
    served = result.allocation.groupby(["workload", "fleet"])["tokens"].sum().unstack(fill_value=0.0)  # type: ignore[arg-type]
    mix = Table(title="Tokens served over the horizon, by workload and fleet", title_justify="left")
    mix.add_column("workload")
    for fleet in served.columns:
        mix.add_column(fleet, justify="right")
    mix.add_column("unserved", justify="right")
    lost = result.unserved.groupby("workload")["tokens"].sum()
    for workload, row in served.iterrows():
        mix.add_row(
            str(workload),
            *(_tokens(v) for v in row),
            Text(_tokens(lost.get(workload, 0.0)), style="red" if lost.get(workload, 0.0) else ""),
        )
    parts.append(mix)
    return Group(*parts)


def _commitments_table(commitments: dict[str, dict]) -> Table:
    """What each capacity commitment's power would cost drawn at full load, beside what the plan pays."""
    table = Table(
        title="Capacity commitments at full draw (committed MW x hours x $/MWh; nominal)", title_justify="left"
    )
    for column in (
        "contract",
        "peak IT MW",
        "$/MWh",
        "a year",
        "a year with PUE",
        "over the horizon",
        "plan pays for energy",
    ):
        table.add_column(column, justify="left" if column == "contract" else "right")
    for name, c in commitments.items():
        if c["committed_it_mw_peak"] is None:
            continue  # covers no power at a site (cloud units)
        table.add_row(
            Text(name),
            f"{c['committed_it_mw_peak']:,.0f}",
            f"{c['electricity_usd_per_mwh']:,.2f}",
            _usd(c["full_draw_it_usd_per_year"]),
            _usd(c["full_draw_facility_usd_per_year"]) if c["full_draw_facility_usd_per_year"] is not None else "",
            _usd(c["full_draw_it_usd"]),
            "included in the price" if c["energy_included"] else _usd(c["plan_energy_usd"]),
        )
    return table


def explanation_report(explanation: Explanation, every_row: bool = False) -> Group:
    """What ``planner explain`` prints: the finding, the limits that must give way (per limit and
    subject over the periods, or ``every_row``), and the demand no limit could serve."""
    colour = {"feasible": "green", "unserved": "yellow"}.get(explanation.finding, "red")
    head = Table.grid(padding=(0, 2))
    head.add_row("Scenario", Text(explanation.result.scenario.name))
    head.add_row("Plan as given", Text(f"{explanation.result.status.value}: {explanation.result.message}"))
    head.add_row("Finding", Text(f"{explanation.finding}: {explanation.message}", style=colour))
    parts: list[RenderableType] = [head]
    if not explanation.violations.empty:
        parts.append(
            _violations_table(
                "Limits that must give way (the smallest changes, largest relative first)",
                explanation.violations,
                every_row,
            )
        )
    if not explanation.unservable.empty:
        lost = Table(title="Demand no change of limits could serve", title_justify="left")
        for column in ("period", "workload", "phase", "tokens/s", "why"):
            lost.add_column(column, justify="right" if column == "tokens/s" else "left", overflow="fold")
        unservable = explanation.unservable[["period", "workload", "phase", "tokens_per_s", "reason"]]
        for period, workload, phase, tokens_per_s, reason in unservable.itertuples(index=False, name=None):
            lost.add_row(*map(Text, (period, workload, phase, _tokens(tokens_per_s), reason)))
        parts.append(lost)
    if explanation.relaxed_objective_usd is not None:
        parts.append(
            Text(f"Least-cost plan with these changes: {_usd(explanation.relaxed_objective_usd)} (present value).")
        )
    for number, other in enumerate(explanation.alternatives, start=1):
        title = f"Or else, way {number + 1}, relaxing none of the limits above (least-cost plan: {_usd(other.relaxed_objective_usd)})"
        parts.append(_violations_table(title, other.violations, every_row))
    return Group(*parts)


def _violations_table(title: str, violations: pd.DataFrame, every_row: bool) -> Table:
    """Limits that give way: one row per limit and subject over the periods, or ``every_row``."""
    table = Table(title=title, title_justify="left")
    for column in (
        "constraint" if every_row else "limit",
        "subject",
        "periods",
        "set to",
        "must give",
        "would be",
        "unit",
        "how to fix",
    ):
        table.add_column(
            column, justify="right" if column in ("set to", "must give", "would be") else "left", overflow="fold"
        )
    # Text cells: constraint names hold brackets that rich would read as markup.
    if every_row:
        columns = ["constraint", "subject", "period", "value", "violation", "relaxed_value", "unit", "fix"]
        for constraint, subject, period, value, violation, relaxed, unit, fix in violations[columns].itertuples(
            index=False, name=None
        ):
            cells = (constraint, subject, period, f"{value:,.4g}", f"{violation:,.4g}", f"{relaxed:,.4g}", unit, fix)
            table.add_row(*map(Text, cells))
    else:
        columns = ["limit", "subject", "first", "last", "periods", "value", "largest_violation", "relaxed_value"]
        from planner.explain import grouped_violations  # the explain machinery loads only to explain

        grouped = grouped_violations(violations)[[*columns, "unit", "fix"]]
        for limit, subject, first, last, count, value, largest, relaxed, unit, fix in grouped.itertuples(
            index=False, name=None
        ):
            periods = first if count == 1 else f"{first} to {last} ({count})"
            cells = (limit, subject, periods, f"{value:,.4g}", f"{largest:,.4g}", f"{relaxed:,.4g}", unit, fix)
            table.add_row(*map(Text, cells))
    return table


def problems_report(problems: list[Problem]) -> Table:
    """Every problem of an invalid input, one row each."""
    table = Table(
        title=f"{len(problems)} problem{'s' if len(problems) != 1 else ''}", title_justify="left", show_lines=False
    )
    table.add_column("where", style="cyan", overflow="fold")
    table.add_column("field", style="bold", overflow="fold")
    table.add_column("problem", overflow="fold")
    for problem in problems:
        where = f"{problem.file}:{problem.line}" if problem.file and problem.line else (problem.file or "")
        what = problem.message + ("" if problem.value is None else f" (got {problem.value!r})")
        # Text cells: a hint such as "[h100]" is data, not rich markup.
        table.add_row(Text(where), Text(problem.path or "<scenario>"), Text(what))
    return table


def workload_demand(demand: pd.DataFrame) -> pd.DataFrame:
    """Per workload and period: tokens, average and peak tokens/s, and growth over the previous period.

    ``demand`` is a result's (or ``ModelData``'s) demand table with prefill and decode rows.
    """
    totals = (
        demand.groupby(["workload", "period"], sort=False)[["tokens", "tokens_per_s", "peak_tokens_per_s"]]
        .sum()
        .reset_index()
    )
    growth = totals.groupby("workload", sort=False)["tokens_per_s"].pct_change()
    return totals.assign(growth_pct=100.0 * growth)


def demand_report(demand: pd.DataFrame) -> Table:
    """The table behind ``planner demand show``."""
    table = Table(title="Demand by workload and period (input plus output tokens)", title_justify="left")
    for column in ("workload", "period", "tokens", "avg tokens/s", "peak tokens/s", "growth"):
        table.add_column(column, justify="left" if column in ("workload", "period") else "right")
    columns = ["workload", "period", "tokens", "tokens_per_s", "peak_tokens_per_s", "growth_pct"]
    for workload, period, tokens, tokens_per_s, peak, growth_pct in workload_demand(demand)[columns].itertuples(
        index=False, name=None
    ):
        growth = "" if pd.isna(growth_pct) else f"{growth_pct:+.1f}%"
        table.add_row(workload, period, _tokens(tokens), _tokens(tokens_per_s), _tokens(peak), growth)
    return table


def fit_report(result: FitResult, bands: pd.DataFrame) -> Group:
    """What ``planner demand fit`` prints: the fit, the family comparison, the band and a YAML snippet."""
    summary = result.summary()
    head = Table.grid(padding=(0, 2))
    head.add_row("Family", summary["family"])
    head.add_row("Observations", str(summary["n_points"]))
    head.add_row("Fit", f"RMSE {summary['rmse_log']:.3g} in log tokens, R^2 {summary['r2_log']:.3f}")
    head.add_row("Parameters", ", ".join(f"{k} = {v:.4g}" for k, v in summary["params"].items()))
    head.add_row(f"Growth in the year after {summary['growth_at']}", f"{summary['annual_growth_factor']:,.2f}x")
    doubling = summary["doubling_time_days"]
    head.add_row("Doubling time", "not growing" if doubling == float("inf") else f"{doubling:,.0f} days")
    parts: list[RenderableType] = [head]
    if summary["warning"]:
        parts.append(Text(f"Warning: {summary['warning']}", style="bold red"))

    if len(result.comparison) > 1:
        comparison = Table(title="Families compared on the held-out end of the history", title_justify="left")
        for column in ("family", "holdout RMSE", "in-sample RMSE", "growth in a year", "note"):
            comparison.add_column(column, justify="left" if column in ("family", "note") else "right")
        columns = ["family", "holdout_rmse_log", "rmse_log", "annual_growth_factor", "note"]
        for family, holdout, rmse, growth, note in result.comparison[columns].itertuples(index=False, name=None):
            comparison.add_row(
                family + (" (chosen)" if family == result.family else ""),
                f"{holdout:.3g}" if pd.notna(holdout) else "",
                f"{rmse:.3g}" if pd.notna(rmse) else "",
                f"{growth:,.2f}x" if pd.notna(growth) else "",
                str(note or ""),
            )
        parts.append(comparison)

    band = Table(title="Tokens per period", title_justify="left")
    for column in ("period", "low", "base", "high"):
        band.add_column(column, justify="left" if column == "period" else "right")
    for period, low, base, high in bands[["period", "low", "base", "high"]].itertuples(index=False, name=None):
        band.add_row(period, _tokens(low), _tokens(base), _tokens(high))
    parts.append(band)
    parts.append(Text(f"base: the fitted curve; low, high: {bands.attrs['method']}."))
    if bands.attrs["failed_samples"]:
        parts.append(Text(f"{bands.attrs['failed_samples']} bootstrap refits did not converge and are left out."))
    parts.append(Text("Paste under a demand entry of a scenario:", style="bold"))
    parts.append(Text(result.yaml_snippet()))
    return Group(*parts)
