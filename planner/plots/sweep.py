"""Sweeps: the tornado of a KPI's swing per parameter varied one at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from planner.plots.axes import axes
from planner.sweep.design import format_value

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from planner.sweep import SweepResult

LOW, HIGH = "#4c72b0", "#dd8452"
SCALES = {"usd": (1e6, "million USD"), "share": (0.01, "%"), "tokens": (1e12, "trillion tokens")}
"""How a KPI is shown, by the unit its name ends in."""


def kpi_unit(kpi: str) -> tuple[float, str]:
    """The divisor and unit a KPI's values are shown in, from the unit in its name.

    >>> kpi_unit("plan_cost_usd")
    (1000000.0, 'million USD')
    >>> kpi_unit("unserved_share_of_demand")
    (0.01, '%')
    """
    for word, scale in SCALES.items():
        if word in kpi.split("_"):
            return scale
    return 1.0, kpi


def tornado(sweep: SweepResult, kpi: str = "plan_cost_usd", ax: Axes | None = None) -> Axes:
    """Per parameter, the KPI at its lowest (blue) and highest (orange) value against the base
    run's, largest swing on top (:meth:`planner.sweep.SweepResult.tornado`)."""
    ax = axes(ax)
    frame = sweep.tornado(kpi)
    scale, unit = kpi_unit(kpi)
    base = float(frame.attrs["base"]) / scale
    y = np.arange(len(frame))[::-1]
    low = frame["low_kpi"].to_numpy(dtype=float) / scale - base if len(frame) else np.zeros(0)
    high = frame["high_kpi"].to_numpy(dtype=float) / scale - base if len(frame) else np.zeros(0)
    # Side by side rather than overlaid: both ends can move the KPI the same way.
    ax.barh(y + 0.2, low, height=0.4, left=base, color=LOW, label="parameter at its lowest value")
    ax.barh(y - 0.2, high, height=0.4, left=base, color=HIGH, label="parameter at its highest value")
    ax.axvline(base, color="#333333", linewidth=1)
    labels = [
        f"{p} ({format_value(lo, ',.6g')} .. {format_value(hi, ',.6g')})"
        for p, lo, hi in zip(frame["parameter"], frame["low_value"], frame["high_value"], strict=True)
    ]
    ax.set_yticks(y, labels)
    ax.set_xlabel(f"{kpi} ({unit}); base {base:,.4g}")
    ax.set_title(f"Swing of {kpi} per parameter", loc="left")
    ax.grid(axis="x", alpha=0.3)
    if len(frame):
        ax.legend(loc="lower right", frameon=False, fontsize="small")
    return ax


class SweepPlots:
    """The charts of a sweep (``sweep_result.plot``); each method returns the axes it drew on."""

    def __init__(self, sweep: SweepResult) -> None:
        self._sweep = sweep

    def tornado(self, kpi: str = "plan_cost_usd", ax: Axes | None = None) -> Axes:
        """The swing of ``kpi`` per parameter (see :func:`tornado`)."""
        return tornado(self._sweep, kpi, ax)
