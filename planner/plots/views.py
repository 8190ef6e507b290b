"""The charts of each analysis, drawn from its summary and tables: the same whether the tables come
from a result in a notebook (``result.plot.<chart>()``) or from its ``--out`` folder read back
(``planner report``).

>>> from planner.analyses.files import TABLES
>>> sorted(TABLES)
['alternatives', 'breakeven', 'frontier', 'robust', 'stress']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from planner.analyses.files import kind_of, tables_of
from planner.plots import analyses

if TYPE_CHECKING:
    from matplotlib.axes import Axes

Drawing = list[tuple[str, Callable[["Axes"], Any]]]
"""Charts by name, each a function drawing on given axes."""


def of_result(result: Any) -> tuple[str, dict[str, Any], dict[str, pd.DataFrame]]:
    """The analysis ``result`` holds, its summary and its tables, as its ``--out`` folder has them."""
    return kind_of(result), result.summary(), tables_of(result)


def drawings(kind: str, summary: dict[str, Any], tables: dict[str, pd.DataFrame]) -> Drawing:
    """Each chart of the analysis ``kind``, by name, as a function drawing it on given axes."""
    return RECIPES[kind](summary, tables)


class AnalysisPlots:
    """The charts of an analysis's result, each a method returning its matplotlib axes.

    ``result.plot.names()`` lists them; ``result.plot.frontier_cost(ax=None)`` draws one (on new
    axes when ``ax`` is None).
    """

    def __init__(self, result: Any) -> None:
        kind, summary, tables = of_result(result)
        self._drawings = dict(drawings(kind, summary, tables))

    def names(self) -> list[str]:
        """The charts of this analysis."""
        return list(self._drawings)

    def __getattr__(self, name: str) -> Callable[..., Axes]:
        drawings = self.__dict__.get("_drawings", {})
        if name not in drawings:
            raise AttributeError(f"no chart {name!r}; this analysis draws {', '.join(drawings)}")

        def draw(ax: Axes | None = None) -> Axes:
            from planner.plots.axes import axes

            target = axes(ax)
            drawings[name](target)
            return target

        return draw


def _frontier(summary: dict[str, Any], tables: dict[str, pd.DataFrame]) -> Drawing:
    axis, unit = str(summary.get("axis") or "value"), str(summary.get("unit") or "")
    points, breaks = tables["points"].rename(columns={"value": axis}), tables["breakpoints"]["value"].tolist()
    by = "vendor" if any(str(c).startswith("vendor:") for c in points.columns) else "fleet"
    shares = {str(c).split(":", 1)[1]: str(c) for c in points.columns if str(c).startswith(f"{by}:")}
    return [
        ("frontier_cost", lambda ax: analyses.frontier_cost(points, axis, breakpoints=breaks, unit=unit, ax=ax)),
        (
            "frontier_mix",
            lambda ax: analyses.frontier_mix(points, axis, shares, breakpoints=breaks, unit=unit, ax=ax),
        ),
    ]


def _breakeven(summary: dict[str, Any], tables: dict[str, pd.DataFrame]) -> Drawing:
    found = bool(summary.get("found"))
    bracket = (float(summary["lower"]), float(summary["upper"])) if found else None
    threshold = float(summary["threshold"]) if found else None
    subject, unit = str(summary.get("subject", "subject")), str(summary.get("unit") or "")
    axis = str(summary.get("axis") or "value")
    points = tables["points"].rename(columns={"value": axis})

    def draw(ax: Axes) -> Axes:
        return analyses.breakeven(
            points, axis, "subject_share", threshold, bracket=bracket, subject=subject, unit=unit, ax=ax
        )

    return [("breakeven", draw)]


def _alternatives(summary: dict[str, Any], tables: dict[str, pd.DataFrame]) -> Drawing:
    slack = summary.get("slack")
    return [("near_optimal_ranges", lambda ax: analyses.near_optimal_ranges(tables["ranges"], slack=slack, ax=ax))]


def _robust(summary: dict[str, Any], tables: dict[str, pd.DataFrame]) -> Drawing:
    return [("robust_costs", lambda ax: analyses.robust_costs(tables["evaluations"], ax=ax))]


def _stress(summary: dict[str, Any], tables: dict[str, pd.DataFrame]) -> Drawing:
    return [("stress_costs", lambda ax: analyses.stress_costs(tables["costs"], ax=ax))]


RECIPES: dict[str, Callable[[dict[str, Any], dict[str, pd.DataFrame]], Drawing]] = {
    "frontier": _frontier,
    "breakeven": _breakeven,
    "alternatives": _alternatives,
    "robust": _robust,
    "stress": _stress,
}
"""Per analysis, the charts of its page, drawn from its summary and tables."""
