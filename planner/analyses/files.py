"""The tables of each analysis, as its result holds them and its ``--out`` folder writes them
(``NAME.csv`` for each, beside ``summary.json``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from planner.plots.views import AnalysisPlots

TABLES: dict[str, tuple[str, ...]] = {
    "frontier": ("points", "shares", "breakpoints"),
    "breakeven": ("points",),
    "alternatives": ("ranges", "plans", "mix", "fleets"),
    "robust": ("cases", "evaluations", "plans", "purchases"),
    "stress": ("plans", "shortfall", "costs"),
}
"""Each analysis and its tables, in the order a folder is told apart by them (a frontier's folder
also holds a break-even's one table)."""

KIND_OF_RESULT = {
    "Frontier": "frontier",
    "BreakEven": "breakeven",
    "Alternatives": "alternatives",
    "RobustResult": "robust",
    "Stress": "stress",
}
"""The analysis each result class holds."""


def kind_of(result: Any) -> str:
    """The analysis ``result`` holds (a key of :data:`TABLES`)."""
    return KIND_OF_RESULT[type(result).__name__]


def tables_of(result: Any) -> dict[str, pd.DataFrame]:
    """The tables of ``result``, by name."""
    return {name: getattr(result, name) for name in TABLES[kind_of(result)]}


def write_files(result: Any, folder: Path) -> None:
    """Write ``result``'s tables as CSV and its summary as ``summary.json`` into ``folder``."""
    for name, table in tables_of(result).items():
        table.to_csv(folder / f"{name}.csv", index=False)
    (folder / "summary.json").write_text(json.dumps(result.summary(), indent=2) + "\n", encoding="utf-8")


class AnalysisFiles:
    """What every analysis result offers beside its tables and ``summary()``: its folder
    (:meth:`write_files`), its charts (:attr:`plot`) and its display in Jupyter."""

    def write_files(self, folder: Path) -> None:
        """Write the tables (CSV) and :meth:`summary` (``summary.json``) into ``folder``."""
        write_files(self, folder)

    @property
    def plot(self) -> AnalysisPlots:
        """This analysis's charts (matplotlib, the ``plots`` extra): ``.plot.names()`` lists them,
        each ``.plot.<name>(ax=None)`` returns its axes."""
        from planner.plots.views import AnalysisPlots

        return AnalysisPlots(self)

    def _repr_html_(self) -> str:
        """The summary and the charts, for Jupyter."""
        from planner.html import analysis_html

        return analysis_html(self)
