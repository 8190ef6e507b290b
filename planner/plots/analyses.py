"""Charts of the decision analyses, drawn from their tidy tables: frontiers, break-evens,
near-optimal ranges and robust plans.

Each function takes the table an analysis returns and the names of its columns (defaults follow
the analyses' JSON keys: ``plan_cost_usd``, shares as fractions of the tokens served), so a table
from a notebook, a CSV written by ``--out`` or a hand-made frame draws the same. Colours default to
one per name (:func:`planner.plots.palette.keyed`); pass ``Palette.of(scenario).vendor`` (or
``.fleet``, ``.category``) for the colours of the plan's own charts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from planner.plots.axes import axes
from planner.plots.palette import DARK2, keyed

if TYPE_CHECKING:
    from matplotlib.axes import Axes

MILLION = 1e6


def _breakpoints(ax: Axes, values: Sequence[float], label: str = "mix changes") -> None:
    for i, value in enumerate(values):
        ax.axvline(float(value), color="#555555", linestyle="--", linewidth=1, label=label if i == 0 else None)


def _legend(ax: Axes) -> None:
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize="small")


def frontier_cost(
    points: pd.DataFrame,
    value: str,
    *,
    cost: str = "plan_cost_usd",
    breakpoints: Sequence[float] = (),
    unit: str = "",
    ax: Axes | None = None,
) -> Axes:
    """The plan's cost (million USD) along the varied ``value``, with the breakpoints where the mix
    changes as dashed lines; ``unit`` names the varied value's unit on the x axis."""
    ax = axes(ax)
    frame = points.sort_values(value)
    ax.plot(frame[value], frame[cost] / MILLION, marker="o", color=DARK2[0], label=cost)
    _breakpoints(ax, breakpoints)
    ax.set_xlabel(f"{value} ({unit})" if unit else value)
    ax.set_ylabel(f"{cost} (million USD)")
    ax.set_title("Cost frontier", loc="left")
    ax.grid(alpha=0.3)
    _legend(ax)
    return ax


def frontier_mix(
    points: pd.DataFrame,
    value: str,
    shares: Mapping[str, str],
    *,
    breakpoints: Sequence[float] = (),
    unit: str = "",
    colours: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """The mix along the varied ``value``: each name's share of the tokens served (``shares`` maps a
    name to its column, fractions), stacked in %, with the breakpoints as dashed lines."""
    ax = axes(ax)
    frame = points.sort_values(value)
    colours = colours or keyed(shares, DARK2)
    ax.stackplot(
        frame[value].to_numpy(dtype=float),
        *(frame[column].to_numpy(dtype=float) * 100.0 for column in shares.values()),
        labels=list(shares),
        colors=[colours.get(name, "#999999") for name in shares],
    )
    _breakpoints(ax, breakpoints)
    ax.set_xlabel(f"{value} ({unit})" if unit else value)
    ax.set_ylabel("share of tokens served (%)")
    ax.set_ylim(0, 100)
    ax.set_title("Mix along the frontier", loc="left")
    _legend(ax)
    return ax


def breakeven(
    points: pd.DataFrame,
    value: str,
    share: str,
    threshold: float | None,
    *,
    bracket: tuple[float, float] | None = None,
    subject: str = "subject",
    unit: str = "",
    ax: Axes | None = None,
) -> Axes:
    """The subject's share of the tokens served (%) along the varied ``value``, the break-even
    ``threshold`` marked (and the bisection's final ``bracket`` shaded); ``None`` for no break-even
    in the range searched, which the chart says."""
    ax = axes(ax)
    frame = points.sort_values(value)
    ax.plot(frame[value], frame[share] * 100.0, marker="o", color=DARK2[1], label=f"{subject} share")
    if bracket is not None:
        ax.axvspan(*bracket, color="#cccccc", alpha=0.6, label="bracket searched last")
    if threshold is not None:
        ax.axvline(threshold, color="#333333", linestyle="--", label=f"break-even {threshold:,.4g}")
    else:
        ax.text(0.5, 0.9, "no break-even in the range searched", transform=ax.transAxes, ha="center")
    ax.set_xlabel(f"{value} ({unit})" if unit else value)
    ax.set_ylabel(f"{subject} share of tokens served (%)")
    ax.set_ylim(-2, 102)
    ax.set_title(f"Break-even of {subject}", loc="left")
    ax.grid(alpha=0.3)
    _legend(ax)
    return ax


def near_optimal_ranges(
    ranges: pd.DataFrame,
    *,
    name: str = "subject",
    low: str = "min_share",
    high: str = "max_share",
    optimum: str = "optimum_share",
    slack: float | None = None,
    colours: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Per vendor (category, fleet: the ``name`` column), the range of its share of the tokens
    served (%) over the plans within the cost slack, with its share in the optimal plan marked."""
    ax = axes(ax)
    names = [str(n) for n in ranges[name]]
    colours = colours or keyed(names, DARK2)
    y = np.arange(len(ranges))[::-1]
    lows, highs = ranges[low].to_numpy(dtype=float) * 100.0, ranges[high].to_numpy(dtype=float) * 100.0
    ax.barh(y, highs - lows, left=lows, height=0.5, color=[colours.get(n, "#999999") for n in names])
    ax.plot(ranges[optimum].to_numpy(dtype=float) * 100.0, y, "k|", markersize=18, label="optimal plan")
    ax.set_yticks(y, names)
    ax.set_ylabel("subject (KIND:NAME)")
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of tokens served (%)")
    within = f" within {slack:.0%} of the least cost" if slack is not None else ""
    ax.set_title(f"Near-optimal ranges{within}", loc="left")
    ax.grid(axis="x", alpha=0.3)
    _legend(ax)
    return ax


def robust_costs(
    costs: pd.DataFrame,
    *,
    plan: str = "plan",
    case: str = "case",
    cost: str = "plan_cost_usd",
    robust: str = "robust",
    ax: Axes | None = None,
) -> Axes:
    """Per demand case, the robust plan's cost (bars) beside each single-case plan evaluated on
    that case (markers), in million USD: how much a plan made for one case pays when another comes."""
    ax = axes(ax)
    cases = list(dict.fromkeys(costs[case]))
    x = np.arange(len(cases))
    shown = costs.set_index([plan, case])[cost] / MILLION
    ax.bar(x, [shown.get((robust, c), np.nan) for c in cases], color="#4c72b0", width=0.6, label=f"{robust} plan")
    others = [p for p in dict.fromkeys(costs[plan]) if p != robust]
    markers = "os^Dv<>"
    colours = keyed(others, DARK2)
    for i, other in enumerate(others):
        ax.plot(
            x,
            [shown.get((other, c), np.nan) for c in cases],
            linestyle="none",
            marker=markers[i % len(markers)],
            color=colours[str(other)],
            label=f"plan for {other}",
        )
    ax.set_xticks(x, cases)
    ax.set_xlabel("demand case")
    ax.set_ylabel(f"{cost} (million USD)")
    ax.set_title("Robust plan beside the single-case plans", loc="left")
    ax.grid(axis="y", alpha=0.3)
    _legend(ax)
    return ax


def stress_costs(
    costs: pd.DataFrame,
    *,
    plan: str = "plan",
    period: str = "period",
    planned: str = "planned_usd",
    stressed: str = "stressed_usd",
    ax: Axes | None = None,
) -> Axes:
    """Per plan, its cost in each period as planned (dashed) and with the loss (solid), in million
    USD: what losing the supplier costs each plan, period by period."""
    ax = axes(ax)
    order = list(dict.fromkeys(costs[period].astype(str)))
    x = np.arange(len(order))
    plans = list(dict.fromkeys(costs[plan].astype(str)))
    colours = keyed(plans, DARK2)
    for name in plans:
        rows = costs[costs[plan].astype(str) == name]
        rows = rows.set_index(rows[period].astype(str))
        for column, style, label in ((planned, "--", "as planned"), (stressed, "-", "with the loss")):
            values = rows[column].reindex(order).to_numpy(dtype=float) / MILLION
            ax.plot(x, values, linestyle=style, color=colours[name], label=f"{name}, {label}")
    step = max(1, len(order) // 12)
    ax.set_xticks(x[::step], order[::step], rotation=45, ha="right")
    ax.set_xlabel("period")
    ax.set_ylabel("cost (million USD, nominal)")
    ax.set_title("Cost per period as planned and with the loss", loc="left")
    ax.grid(alpha=0.3)
    _legend(ax)
    return ax
