"""Row terms and how rows are found by their keys: the entries of a variable frame as terms of a
constraint family's rows (:class:`Terms`), and the index that finds each term's row from its keys
by indexing, not hashing (:class:`RowIndex`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

DENSE_KEYS = 1 << 20
"""Most combined row keys a family looks its rows up in by a table of every key (above it, by
sorting the rows' keys)."""


def positions(entries: pd.DataFrame, rows: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """For each of ``entries``, the position of the entry of ``rows`` with the same ``keys``
    (-1 where there is none)."""
    return RowIndex(rows.reset_index(drop=True), keys).locate(Terms(entries, np.ones(1), {}))


class RowIndex:
    """Finds rows by their keys: each key is coded against the rows' values (a name by its
    category's code, a whole number by its distance from the rows' smallest, anything else by its
    place among the rows' distinct values), and the codes of all keys combined into one integer
    per row. A term whose value no row has matches no row.

    The rows are found from the combined codes by a table of every possible code (when there are
    at most :data:`DENSE_KEYS`: a family's keys are few names and periods) or by binary search in
    the sorted codes, not by hashing: a term is then found by indexing, numpy's alone.
    """

    def __init__(self, rows: pd.DataFrame, keys: list[str]) -> None:
        self.keys = keys
        self.coders: list[pd.CategoricalDtype | pd.Index | tuple[int, int]] = []
        code = np.zeros(len(rows), dtype=np.int64)
        width_product = 1.0
        for key in keys:
            column = rows[key]
            coder: pd.CategoricalDtype | pd.Index | tuple[int, int]
            if isinstance(column.dtype, pd.CategoricalDtype):
                coder = column.dtype
                codes, width = column.cat.codes.to_numpy(dtype=np.int64), len(column.dtype.categories)
            elif _whole(column.dtype) and len(column):
                values = column.to_numpy(dtype=np.int64)
                low = int(values.min())
                codes, width = values - low, int(values.max()) - low + 1
                coder = (low, width)
            else:
                codes, uniques = pd.factorize(column, use_na_sentinel=False)
                coder, width = pd.Index(uniques), len(uniques)
            self.coders.append(coder)
            width = max(width, 1)
            width_product *= width
            code = code * width + codes
        # The combined code of a plan's keys stays far inside 64 bits (the product of their
        # numbers of distinct values: fleets x sites x periods x slices, ...).
        assert width_product < 2.0**62, "row keys too many to code in 64 bits"
        self.dense = width_product <= DENSE_KEYS
        if self.dense:
            self.table = np.full(int(width_product), -1, dtype=np.int64)
            self.table[code] = np.arange(len(rows))
        else:
            self.order = np.argsort(code, kind="stable")
            self.sorted = code[self.order]

    def locate(self, terms: Terms) -> np.ndarray:
        n = len(terms.frame)
        code = np.zeros(n, dtype=np.int64)
        missing = np.zeros(n, dtype=bool)
        for key, coder in zip(self.keys, self.coders, strict=True):
            found, width = _codes(terms.key(key), coder)
            found = np.broadcast_to(np.asarray(found, dtype=np.int64), n)
            missing |= found < 0
            code = code * max(width, 1) + np.maximum(found, 0)
        if self.dense:
            at = self.table[code]
        else:
            place = np.minimum(np.searchsorted(self.sorted, code), max(len(self.sorted) - 1, 0))
            hit = self.sorted[place] == code if len(self.sorted) else np.zeros(n, dtype=bool)
            at = np.where(hit, self.order[place] if len(self.order) else 0, -1)
        at[missing] = -1
        return np.asarray(at, dtype=np.int64)


def _whole(dtype: Any) -> bool:
    """Whether a key column holds whole numbers (not truth values)."""
    return pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def _codes(column: Any, coder: pd.CategoricalDtype | pd.Index | tuple[int, int]) -> tuple[np.ndarray, int]:
    """The codes of a key's values (one value, or one per term) against the rows' ``coder``
    (-1 where no row has the value), and the key's width."""
    values = [column] if np.ndim(column) == 0 else column
    if isinstance(coder, pd.CategoricalDtype):
        if isinstance(values, pd.Series) and values.dtype == coder:
            return values.cat.codes.to_numpy(), len(coder.categories)
        return pd.Categorical(values, dtype=coder).codes, len(coder.categories)
    if isinstance(coder, tuple):
        low, width = coder
        array = np.asarray(values)
        if _whole(array.dtype):
            found = array.astype(np.int64, copy=False) - low
            return np.where((found >= 0) & (found < width), found, -1), width
        # Values of another type (floats that are whole, text) match as a row's value would.
        rows = pd.Index(np.arange(low, low + width))
        return rows.get_indexer(pd.Index(values)), width
    return coder.get_indexer(pd.Index(values)), len(coder)


@dataclass(frozen=True)
class Terms:
    """Entries of a variable frame as terms of rows: ``coef`` times each entry's ``scale`` on its
    column, found by its keys, where ``keys`` (arrays, or one value for all) stand in for the
    frame's own columns (``t`` one period later, the contract a row belongs to, ...)."""

    frame: pd.DataFrame
    coef: np.ndarray
    keys: dict[str, Any]

    def key(self, name: str) -> Any:
        """The values of key ``name`` for each entry (one value, or one per entry)."""
        return self.keys[name] if name in self.keys else self.frame[name]

    def columns(self) -> np.ndarray:
        return self.frame["col"].to_numpy(dtype=np.int64)

    def coefficients(self) -> np.ndarray:
        scale = self.frame["scale"].to_numpy(dtype=float) if "scale" in self.frame else 1.0
        return np.broadcast_to(self.coef * scale, len(self.frame))


def terms(variables: pd.DataFrame, coef: Any = 1.0, **keys: Any) -> Terms:
    """A variable frame's entries as row terms (see :class:`Terms`): ``coef`` (one value, or one
    per entry) times each entry's ``scale``; ``keys`` stand in for the frame's own columns.

    >>> frame = pd.DataFrame({"t": [0, 1], "col": [3, 4], "scale": [1.0, 2.0]})
    >>> shifted = terms(frame, -1.0, t=frame["t"] + 1)
    >>> shifted.key("t").tolist(), shifted.coefficients().tolist()
    ([1, 2], [-1.0, -2.0])
    """
    return Terms(variables, np.asarray(coef, dtype=float), keys)


def lookup(column: pd.Series, table: pd.Series | dict[str, Any]) -> np.ndarray:
    """``table``'s value for each entry of ``column`` (NaN or None where it has none), looking up
    each distinct name once: what ``column.map(table)`` gives, as an array, without mapping every
    entry of a long column of a few names.

    >>> lookup(pd.Series(["a", "b", "a"]), {"a": 1.0, "b": 2.0}).tolist()
    [1.0, 2.0, 1.0]
    """
    if isinstance(column.dtype, pd.CategoricalDtype):  # each category looked up once, by its code
        codes = column.cat.codes.to_numpy()
        names = pd.Index(np.asarray(column.cat.categories, dtype=object))
        # A fleet's figures are a table of the fleets in the categories' own order: read as they are.
        if isinstance(table, pd.Series) and table.index.equals(names):
            values = table.to_numpy()
        else:
            values = pd.Series(table).reindex(names).to_numpy()
        if (codes < 0).any():
            values, codes = np.append(values, [None]), np.where(codes < 0, len(values), codes)
        return values[codes]
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    values = pd.Series(table).reindex(pd.Index(uniques)).to_numpy()
    return values[codes]
