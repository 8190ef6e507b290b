"""Power per site: reserved (nameplate times PUE, what the cap binds) and drawn, against the cap."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from planner.plots.axes import Plan, axes, finish, note, periods
from planner.plots.palette import Palette

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def power(plan: Plan, ax: Axes | None = None) -> Axes:
    """Per site and period: the power reserved (solid), drawn on average with PUE (dashed) and the
    cap including any expansion in service (dotted steps), in MW."""
    ax = axes(ax)
    order = periods(plan)
    table = plan.tables["power"]
    colours = Palette.of(plan.scenario).site
    x = np.arange(len(order))
    for site, rows in table.groupby("site", sort=False):
        rows = rows.set_index("period").reindex(order)
        colour = colours.get(str(site))
        ax.plot(x, rows["reserved_mw"], color=colour, label=f"{site} reserved")
        ax.plot(x, rows["drawn_facility_mw"], color=colour, linestyle="--", label=f"{site} drawn")
        cap = rows["cap_mw"] + rows["expansion_mw"].fillna(0.0)
        ax.step(x, cap, where="mid", color=colour, linestyle=":", linewidth=2, label=f"{site} cap")
    if table.empty:
        note(ax, "no site with a power cap")
    ax.set_ylim(bottom=0)
    return finish(ax, "Power per site against its cap", "MW (facility, with PUE)", order)
