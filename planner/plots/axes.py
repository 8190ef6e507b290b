"""What every chart shares: its axes, a period axis, stacked bars and areas, and a note on an empty chart."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from planner.scenario import Scenario

FIGSIZE = (8.0, 4.0)
"""Inches of a chart drawn on new axes (the HTML report draws at this size too)."""


class Plan(Protocol):
    """What the plan charts read: a :class:`planner.Result`, or a plan folder read back
    (:func:`planner.html.read_folder`)."""

    @property
    def scenario(self) -> Scenario: ...

    @property
    def tables(self) -> dict[str, pd.DataFrame]: ...


def axes(ax: Axes | None) -> Axes:
    """``ax``, or new axes on a new figure of :data:`FIGSIZE` (through pyplot, so that a notebook shows it)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=FIGSIZE, layout="constrained")
    return new


def periods(plan: Plan) -> list[str]:
    """The plan's periods in calendar order, as its tables name them."""
    return [str(p) for p in plan.tables["demand"]["period"].drop_duplicates()]


def by_period(
    frame: pd.DataFrame, key: str, value: str, order: list[str], names: list[str] | None = None
) -> pd.DataFrame:
    """``value`` summed per period (rows, in ``order``) and ``key`` (columns, in ``names`` order
    where given, else by first appearance), zero where a pair has no row."""
    if frame.empty:
        return pd.DataFrame(index=order, columns=[], dtype=float)
    wide = frame.pivot_table(index="period", columns=key, values=value, aggfunc="sum", sort=False)
    columns = [n for n in names if n in wide.columns] if names is not None else list(wide.columns)
    return wide.reindex(index=order, columns=columns).fillna(0.0)


def period_axis(ax: Axes, order: list[str]) -> None:
    """Label the x axis with the periods, about a dozen ticks at most."""
    step = max(1, int(np.ceil(len(order) / 12)))
    ticks = list(range(0, len(order), step))
    ax.set_xticks(ticks, [order[i] for i in ticks], rotation=45, ha="right")
    ax.set_xlim(-0.6, len(order) - 0.4)
    ax.set_xlabel("period")


def stacked_bars(ax: Axes, wide: pd.DataFrame, colours: dict[str, str], scale: float = 1.0) -> None:
    """One bar series per column of ``wide`` (divided by ``scale``), stacked, labelled by column."""
    x = np.arange(len(wide))
    bottom = np.zeros(len(wide))
    for name in wide.columns:
        heights = wide[name].to_numpy(dtype=float) / scale
        ax.bar(x, heights, bottom=bottom, color=colours.get(str(name)), label=str(name), width=0.8)
        bottom += heights


def stacked_areas(ax: Axes, wide: pd.DataFrame, colours: dict[str, str], scale: float = 1.0) -> None:
    """One filled area per column of ``wide`` (divided by ``scale``), stacked, labelled by column."""
    names = [str(c) for c in wide.columns]
    if not names:
        return
    ax.stackplot(
        np.arange(len(wide)),
        *(wide[c].to_numpy(dtype=float) / scale for c in wide.columns),
        labels=names,
        colors=[colours.get(n, "#999999") for n in names],
        step=None,
    )


def finish(ax: Axes, title: str, ylabel: str, order: list[str], legend: bool = True) -> Axes:
    """Title, y label (with its unit), period axis and legend (outside, right) of a chart."""
    ax.set_title(title, loc="left")
    ax.set_ylabel(ylabel)
    period_axis(ax, order)
    ax.grid(axis="y", alpha=0.3)
    if legend and ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize="small")
    return ax


def note(ax: Axes, text: str) -> None:
    """Say in the middle of an empty chart why it is empty."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color="#555555")
