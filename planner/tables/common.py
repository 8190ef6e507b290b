"""What every table of a plan is made with: the solved model, the values of its columns and rows, and the table's shape."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from planner.build import Model
from planner.tables.columns import TABLE_COLUMNS

TINY = 1e-9
"""Values below this are round-off (CBC reports -0.0 and tiny values), read as zero."""

NUMBER_WORDS = (
    "usd",
    "tokens",
    "mw",
    "units",
    "ms",
    "hours",
    "mtok",
    "unit",
    "s",
    "user",
    "concurrency",
    "limit",
    "actual",
    "mwh",
    "blocks",
)
"""Last words of the column names that hold numbers (``tokens_per_s``, ``marginal_usd_per_unit``...);
the policy table's ``unit`` column itself names a unit."""


@dataclass(frozen=True)
class Plan:
    """A built model with the solver's point: what the table functions read."""

    model: Model
    x: np.ndarray
    row_dual: np.ndarray
    activity: np.ndarray

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)


def column_values(model: Plan, frame: pd.DataFrame) -> np.ndarray:
    values = model.x[frame["col"].to_numpy(dtype=np.int64)] * frame["scale"].to_numpy(dtype=float)
    values[np.abs(values) < TINY] = 0.0  # CBC reports -0.0 and round-off as tiny values
    return values


def with_period_labels(model: Model | Plan, frame: pd.DataFrame) -> pd.DataFrame:
    """Replace period positions ``t`` by labels in a ``period`` column placed first."""
    labelled = frame.assign(period=frame["t"].map(model.data.labels)).drop(columns=["t"])
    return labelled[["period", *[c for c in labelled.columns if c != "period"]]]


def as_table(model: Model | Plan, frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """``frame`` as the result table ``name``: its columns in order, ``period`` the label of each
    position ``t``, rows numbered from 0.

    Built from the columns' arrays in one step: on tables of a few hundred rows, pandas' per-call
    cost of assigning, dropping and reordering columns is most of the time.
    """
    labels = model.data.labels.array
    t = frame["t"].to_numpy(dtype=np.int64)
    return pd.DataFrame({c: labels[t] if c == "period" else frame[c].array for c in TABLE_COLUMNS[name]})


def over_slices(frame: pd.DataFrame, keys: list[str], model: Model | Plan, peak: str | None = None) -> pd.DataFrame:
    """Per-slice rates to a period's average: ``tokens_per_s`` (and other rates) weigh each slice
    by its share of the hours; ``tokens`` add up; ``peak`` takes the busiest slice.

    Every frame read here has one row per key and slice: with a single slice of all the hours
    (no ``time_slices``), each row is its own period's figure, read without grouping.
    """
    rates = [c for c in ("tokens_per_s", "prompt_tokens_per_s", "busy_units") if c in frame]
    sums = dict.fromkeys([*rates, *(c for c in ("tokens", "usd") if c in frame)], "sum")
    if peak:
        sums[peak] = "max"
    if len(model.data.slices) == 1:
        return frame[[*keys, *sums]].reset_index(drop=True)
    hours = frame["k"].map(model.data.slices.set_index("k")["hours_share"]).to_numpy()
    weighted = frame.assign(**{c: frame[c] * hours for c in rates})
    return weighted.groupby(keys, sort=False, as_index=False).agg(sums)


def typed_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Number columns as floats, also in empty tables (where pandas would leave them as objects)."""
    typed = {}
    for name, table in tables.items():
        untyped = {
            c: float
            for c in table.columns
            if c != "unit" and c.split("_")[-1] in NUMBER_WORDS and not pd.api.types.is_numeric_dtype(table[c])
        }
        typed[name] = table.astype(untyped) if untyped else table  # astype copies even when nothing changes
    return typed


def weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    """Weighted mean; exactly the value when all are equal (one site), free of round-off."""
    return float(values[0]) if np.all(values == values[0]) else float(np.average(values, weights=weights))


def row_duals(model: Plan, rows: pd.DataFrame) -> np.ndarray:
    return model.row_dual[rows["row"].to_numpy(dtype=np.int64)]


def row_activities(model: Plan, rows: pd.DataFrame) -> np.ndarray:
    """Each row's value at the plan (its terms, without the right-hand side)."""
    return model.activity[rows["row"].to_numpy(dtype=np.int64)]
