"""``result.plot``: every chart of a plan as a method drawing on the given axes (or new ones)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from planner.plots import cost, fleet, power, served, shares
from planner.plots.axes import Plan

if TYPE_CHECKING:
    from matplotlib.axes import Axes

CHARTS: dict[str, Callable[[Plan, Axes | None], Axes]] = {
    "build_out": fleet.build_out,
    "in_service": fleet.in_service,
    "tokens_by_fleet": served.tokens_by_fleet,
    "tokens_by_workload": served.tokens_by_workload,
    "power": power.power,
    "costs": cost.costs,
    "prices": cost.prices,
    "vendor_shares": shares.vendor_shares,
    "category_shares": shares.category_shares,
    "unserved": served.unserved,
}
"""Each chart of a plan by its name in :class:`PlanPlots`, in the order a report shows them."""
PLAN_CHARTS = tuple(CHARTS)


class PlanPlots:
    """The charts of one plan; each method returns the matplotlib axes it drew on.

    Fleets, vendors, workloads and sites have the same colours in every chart of a plan
    (:class:`planner.plots.palette.Palette`).

    >>> import matplotlib; matplotlib.use("Agg")
    >>> from planner import Scenario, default_scenario_path, solve
    >>> ax = solve(Scenario.from_yaml(default_scenario_path())).plot.in_service()
    >>> ax.get_ylabel()
    'units in service'
    """

    def __init__(self, plan: Plan) -> None:
        self._plan = plan

    def build_out(self, ax: Axes | None = None) -> Axes:
        """Units entering service per period, stacked per fleet."""
        return fleet.build_out(self._plan, ax)

    def in_service(self, ax: Axes | None = None) -> Axes:
        """Units in service per fleet, stacked."""
        return fleet.in_service(self._plan, ax)

    def tokens_by_fleet(self, ax: Axes | None = None) -> Axes:
        """Tokens served per fleet, stacked."""
        return served.tokens_by_fleet(self._plan, ax)

    def tokens_by_workload(self, ax: Axes | None = None) -> Axes:
        """Tokens served per workload, stacked."""
        return served.tokens_by_workload(self._plan, ax)

    def power(self, ax: Axes | None = None) -> Axes:
        """Power reserved and drawn per site against its cap."""
        return power.power(self._plan, ax)

    def costs(self, ax: Axes | None = None) -> Axes:
        """The plan's cost per period by component."""
        return cost.costs(self._plan, ax)

    def prices(self, ax: Axes | None = None) -> Axes:
        """The marginal price per workload."""
        return cost.prices(self._plan, ax)

    def vendor_shares(self, ax: Axes | None = None) -> Axes:
        """Vendor shares of the tokens served against their limits."""
        return shares.vendor_shares(self._plan, ax)

    def category_shares(self, ax: Axes | None = None) -> Axes:
        """Category shares of the tokens served against their limits."""
        return shares.category_shares(self._plan, ax)

    def unserved(self, ax: Axes | None = None) -> Axes:
        """Demand left unserved per workload."""
        return served.unserved(self._plan, ax)
