"""Money: the plan's cost by component per period, and the marginal price of each workload's tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from planner.plots.axes import Plan, axes, by_period, finish, periods, stacked_bars
from planner.plots.palette import COMPONENT_COLOURS, Palette

if TYPE_CHECKING:
    from matplotlib.axes import Axes

MILLION = 1e6


def costs(plan: Plan, ax: Axes | None = None) -> Axes:
    """What the plan would pay per period, in millions of nominal USD, stacked by component.

    The unserved penalty is left out: it is the objective's weight on unserved demand, which
    nobody pays (:func:`planner.plots.served.unserved` shows that demand).
    """
    from planner.tables import PLAN_COMPONENTS

    ax = axes(ax)
    order = periods(plan)
    table = plan.tables["costs"]
    wide = by_period(table, "component", "usd", order, list(PLAN_COMPONENTS))
    stacked_bars(ax, wide.loc[:, (wide.abs() > 0).any()], COMPONENT_COLOURS, MILLION)
    return finish(ax, "Plan cost per period by component (nominal)", "million USD (nominal)", order)


def prices(plan: Plan, ax: Axes | None = None) -> Axes:
    """The marginal price of one more million tokens of each workload per period, in USD: what
    serving a little more would cost the plan (the dual of demand)."""
    ax = axes(ax)
    order = periods(plan)
    colours = Palette.of(plan.scenario).workload
    x = np.arange(len(order))
    for workload, rows in plan.tables["prices"].groupby("workload", sort=False):
        values = rows.set_index("period")["marginal_usd_per_mtok"].reindex(order)
        ax.plot(x, values, color=colours.get(str(workload)), label=str(workload), marker=".")
    ax.set_ylim(bottom=0)
    return finish(ax, "Marginal price per workload", "USD per million tokens (marginal)", order)
