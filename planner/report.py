"""Human-readable reports of a result: rich tables for the terminal."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from planner.errors import Problem
from planner.result import Result


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


def result_report(result: Result) -> Group:
    """Headline, costs, build plan and service mix of a result, as rich renderables."""
    summary = result.summary()
    colour = "green" if result.is_optimal else "red"
    headline = Table.grid(padding=(0, 2))
    headline.add_row("Scenario", summary["scenario"])
    headline.add_row("Horizon", summary["periods"])
    headline.add_row("Status", Text(f"{summary['status']}: {summary['message']}", style=colour))
    parts = [headline]
    if not result.has_plan:
        return Group(*parts)
    headline.add_row("Total cost (present value)", _usd(summary["objective_usd"]))
    unserved = summary["unserved_tokens"]
    share = unserved / summary["demand_tokens"] if summary["demand_tokens"] else 0.0
    headline.add_row(
        "Unserved demand",
        Text(f"{_tokens(unserved)} tokens ({share:.2%} of demand)", style="bold red" if unserved > 0 else "green"),
    )
    headline.add_row(
        "Solver", f"{summary['solver']} {summary['solver_version'] or ''} in {summary['solve_seconds']:.2f} s "
        f"({summary['model_size']['variables']} variables, {summary['model_size']['constraints']} constraints)"
    )

    costs = Table(title="Cost by component", title_justify="left")
    costs.add_column("component")
    costs.add_column("present value", justify="right")
    costs.add_column("nominal", justify="right")
    for component, value in summary["cost_by_component_usd"].items():
        costs.add_row(component, _usd(value), _usd(summary["nominal_cost_by_component_usd"][component]))
    parts.append(costs)

    installed = result.installed
    last = installed[installed["period"] == installed["period"].iloc[-1]] if len(installed) else installed
    builds = result.builds.groupby(["fleet", "site"])["units"].sum()
    fleet_table = Table(title="Fleet (units built over the horizon; in service at its end)", title_justify="left")
    for column in ("fleet", "site", "procurement", "built", f"in service {last['period'].iloc[0] if len(last) else ''}"):
        fleet_table.add_column(column, justify="right" if column not in ("fleet", "site", "procurement") else "left")
    for row in last.itertuples(index=False):
        fleet_table.add_row(row.fleet, row.site, row.procurement, f"{builds.get((row.fleet, row.site), 0.0):,.0f}", f"{row.units:,.0f}")
    parts.append(fleet_table)

    served = result.allocation.groupby(["workload", "fleet"])["tokens"].sum().unstack(fill_value=0.0)
    mix = Table(title="Tokens served over the horizon, by workload and fleet", title_justify="left")
    mix.add_column("workload")
    for fleet in served.columns:
        mix.add_column(fleet, justify="right")
    mix.add_column("unserved", justify="right")
    lost = result.unserved.groupby("workload")["tokens"].sum()
    for workload, row in served.iterrows():
        mix.add_row(workload, *(_tokens(v) for v in row), Text(_tokens(lost.get(workload, 0.0)), style="red" if lost.get(workload, 0.0) else ""))
    parts.append(mix)
    return Group(*parts)


def problems_report(problems: list[Problem]) -> Table:
    """Every problem of an invalid scenario, one row each."""
    table = Table(title=f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in the scenario", title_justify="left", show_lines=False)
    table.add_column("where", style="cyan", overflow="fold")
    table.add_column("field", style="bold", overflow="fold")
    table.add_column("problem", overflow="fold")
    for problem in problems:
        where = f"{problem.file}:{problem.line}" if problem.file and problem.line else (problem.file or "")
        what = problem.message + ("" if problem.value is None else f" (got {problem.value!r})")
        table.add_row(where, problem.path or "<scenario>", what)
    return table
