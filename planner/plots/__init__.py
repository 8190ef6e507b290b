"""Charts of plans and sweeps (matplotlib, from the ``plots`` extra: ``pip install 'planner[plots]'``).

Nothing in the core imports this package: ``import planner`` and ``planner solve`` never load
matplotlib. ``result.plot`` (:class:`PlanPlots`) and ``sweep_result.plot`` draw the charts; every
chart takes ``ax=None`` (new axes) or the axes to draw on, and returns them.
"""

from planner.plots.accessor import PLAN_CHARTS, PlanPlots
from planner.plots.palette import Palette
from planner.plots.sweep import SweepPlots, tornado

__all__ = ["PLAN_CHARTS", "Palette", "PlanPlots", "SweepPlots", "tornado"]
