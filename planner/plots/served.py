"""Tokens: served per fleet or workload over time, and demand left unserved."""

from __future__ import annotations

from typing import TYPE_CHECKING

from planner.plots.axes import Plan, axes, by_period, finish, note, periods, stacked_areas, stacked_bars
from planner.plots.palette import Palette

if TYPE_CHECKING:
    from matplotlib.axes import Axes

TRILLION = 1e12


def tokens_by_fleet(plan: Plan, ax: Axes | None = None) -> Axes:
    """Tokens served (prefill and decode) per fleet and period, stacked, in trillions."""
    return _served_by(plan, "fleet", ax)


def tokens_by_workload(plan: Plan, ax: Axes | None = None) -> Axes:
    """Tokens served (prefill and decode) per workload and period, stacked, in trillions."""
    return _served_by(plan, "workload", ax)


def _served_by(plan: Plan, key: str, ax: Axes | None) -> Axes:
    """Tokens served per ``key`` (``fleet`` or ``workload``) and period, stacked, in trillions."""
    ax = axes(ax)
    order = periods(plan)
    names = list(plan.scenario.fleets if key == "fleet" else plan.scenario.workloads)
    wide = by_period(plan.tables["allocation"], key, "tokens", order, names)
    colours = getattr(Palette.of(plan.scenario), key)
    stacked_areas(ax, wide.loc[:, (wide > 0).any()], colours, TRILLION)
    return finish(ax, f"Tokens served per {key}", "tokens served (trillions per period)", order)


def unserved(plan: Plan, ax: Axes | None = None) -> Axes:
    """Tokens of demand left unserved per workload and period, stacked, in trillions."""
    ax = axes(ax)
    order = periods(plan)
    table = plan.tables["unserved"]
    wide = by_period(table, "workload", "tokens", order, list(plan.scenario.workloads))
    stacked_bars(ax, wide, Palette.of(plan.scenario).workload, TRILLION)
    if table.empty or not (table["tokens"] > 0).any():
        note(ax, "all demand served")
    return finish(ax, "Demand left unserved", "tokens unserved (trillions per period)", order)
