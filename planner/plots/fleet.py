"""The fleet over time: units added per period, and units in service per fleet (stacked)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from planner.plots.axes import Plan, axes, by_period, finish, note, periods, stacked_areas, stacked_bars
from planner.plots.palette import Palette

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def build_out(plan: Plan, ax: Axes | None = None) -> Axes:
    """Units bought or leased that enter service each period, stacked per fleet (rented units are
    not built: see :func:`in_service`)."""
    ax = axes(ax)
    order = periods(plan)
    builds = plan.tables["builds"]
    wide = by_period(builds, "fleet", "units", order, list(plan.scenario.fleets))
    stacked_bars(ax, wide, Palette.of(plan.scenario).fleet)
    if builds.empty:
        note(ax, "nothing built: the fleet in service at the start serves the plan")
    return finish(ax, "Build-out: units entering service per period", "units added", order)


def in_service(plan: Plan, ax: Axes | None = None) -> Axes:
    """Units in service (owned, leased or rented) per fleet and period, stacked."""
    ax = axes(ax)
    order = periods(plan)
    wide = by_period(plan.tables["installed"], "fleet", "units", order, list(plan.scenario.fleets))
    stacked_areas(ax, wide.loc[:, (wide > 0).any()], Palette.of(plan.scenario).fleet)
    return finish(ax, "Units in service per fleet", "units in service", order)
