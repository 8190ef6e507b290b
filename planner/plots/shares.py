"""Vendor and category shares of the tokens served, against their caps."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from planner.plots.axes import Plan, axes, by_period, finish, note, periods
from planner.plots.palette import Palette

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def vendor_shares(plan: Plan, ax: Axes | None = None) -> Axes:
    """Each vendor's share of the tokens served per period (solid) and its share limit (dashed), in %."""
    return _shares(plan, ax, "vendor", "vendor_share", "Vendor shares of tokens served")


def category_shares(plan: Plan, ax: Axes | None = None) -> Axes:
    """Each hardware category's share of the tokens served per period (solid) and its limit (dashed), in %."""
    return _shares(plan, ax, "category", "category_share", "Category shares of tokens served")


def _shares(plan: Plan, ax: Axes | None, key: str, policy: str, title: str) -> Axes:
    ax = axes(ax)
    order = periods(plan)
    colours: dict[str, str] = getattr(Palette.of(plan.scenario), key)
    allocation = plan.tables["allocation"]
    group = {name: str(getattr(fleet, key)) for name, fleet in plan.scenario.fleets.items()}
    served = allocation.assign(**{key: allocation["fleet"].map(group)})
    wide = by_period(served, key, "tokens", order, list(colours))
    totals = wide.sum(axis=1).replace(0.0, np.nan)
    share = wide.div(totals, axis=0) * 100.0
    x = np.arange(len(order))
    for name in share.columns:
        ax.plot(x, share[name], color=colours.get(str(name)), label=str(name))
    limits = plan.tables["policy"]
    limits = limits[limits["policy"] == policy]
    for subject, rows in limits.groupby("subject", sort=False):
        cap = rows.set_index("period")["limit"].reindex(order) * 100.0
        ax.step(x, cap, where="mid", color=colours.get(str(subject)), linestyle="--", label=f"{subject} limit")
    if allocation.empty:
        note(ax, "no tokens served")
    ax.set_ylim(0, 105)
    return finish(ax, title, "share of tokens served (%)", order)
