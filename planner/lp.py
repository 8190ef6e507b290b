"""A linear program as arrays: what ``build`` makes and every solver is handed.

    minimize    cost @ x + offset
    subject to  row_lower <= matrix @ x <= row_upper
                lower <= x <= upper,   x[j] whole for integer[j]

Rows are assembled as coordinate triplets (row, column, coefficient) with numpy and turned into
one compressed-sparse-row matrix once (:meth:`Triplets.finish`); names are made only when a person
needs them (``names``, a callable giving ``(column names, row names)``). The matrix is kept as
its three arrays (``indptr``, ``indices``, ``data``): solving, reading a plan back and its tables
need nothing more, so scipy (0.06 s to load) is loaded only when something asks for
:attr:`LinearProgram.matrix`, a :class:`scipy.sparse.csr_matrix` on the same arrays.

>>> import numpy as np
>>> lp = LinearProgram.from_triplets(
...     rows=np.array([0, 0]), cols=np.array([0, 1]), coefs=np.array([1.0, 1.0]),
...     cost=np.array([2.0, 3.0]), lower=np.zeros(2), upper=np.full(2, np.inf),
...     row_lower=np.array([4.0]), row_upper=np.array([np.inf]))
>>> lp.shape, lp.nonzeros
((1, 2), 2)
>>> lp.row_activity(np.array([1.0, 3.0])).tolist()
[4.0]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import scipy.sparse as sp

Names = Callable[[], tuple[list[str], list[str]]]
"""Makes ``(column names, row names)`` on demand: readable, as a person reads them."""


@dataclass(frozen=True)
class LinearProgram:
    """A minimization LP (or MILP) in arrays; see the module docstring for its form.

    Attributes
    ----------
    indptr, indices, data
        The constraint matrix, ``rows x columns``, in compressed sparse rows: row ``i``'s
        coefficients are ``data[indptr[i]:indptr[i + 1]]`` in the columns ``indices[...]``,
        rising, with no repeated column and no zero (:attr:`matrix` is the same as a scipy matrix).
    cost
        Objective coefficient per column.
    lower, upper
        Column bounds (``upper`` may be ``inf``).
    integer
        Whether each column must take a whole value.
    row_lower, row_upper
        Row bounds (``-inf``/``inf`` for a one-sided row; equal for an equality).
    offset
        Constant added to the objective.
    names
        Gives the readable column and row names when asked; None gives ``c<j>``/``r<i>``.
    """

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    integer: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    offset: float = 0.0
    names: Names | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        rows, cols = self.shape
        if (
            len(self.indptr) != rows + 1
            or len(self.indices) != len(self.data)
            or int(self.indptr[-1]) != len(self.data)
        ):
            raise ValueError(f"the matrix arrays do not describe {rows} rows with {len(self.data)} coefficients")
        if len(self.lower) != cols or len(self.upper) != cols or len(self.integer) != cols:
            raise ValueError(f"the column bounds and integrality must have one entry per column ({cols})")
        if len(self.row_upper) != rows:
            raise ValueError(f"the row bounds must have one entry per row ({rows})")
        if len(self.indices) and not 0 <= int(self.indices.min()) <= int(self.indices.max()) < cols:
            raise ValueError(f"a coefficient lies outside the {cols} columns")

    @classmethod
    def from_triplets(
        cls,
        rows: np.ndarray,
        cols: np.ndarray,
        coefs: np.ndarray,
        *,
        cost: np.ndarray,
        lower: np.ndarray,
        upper: np.ndarray,
        row_lower: np.ndarray,
        row_upper: np.ndarray,
        integer: np.ndarray | None = None,
        offset: float = 0.0,
        names: Names | None = None,
    ) -> LinearProgram:
        """Assemble the matrix from coordinate triplets; repeated ``(row, col)`` pairs are summed
        and coefficients that come to zero dropped."""
        shape = (len(row_lower), len(cost))
        indptr, indices, data = _compressed(
            np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64), np.asarray(coefs, dtype=float), shape
        )
        return cls(
            indptr=indptr,
            indices=indices,
            data=data,
            cost=np.asarray(cost, dtype=float),
            lower=np.asarray(lower, dtype=float),
            upper=np.asarray(upper, dtype=float),
            integer=np.zeros(shape[1], dtype=bool) if integer is None else np.asarray(integer, dtype=bool),
            row_lower=np.asarray(row_lower, dtype=float),
            row_upper=np.asarray(row_upper, dtype=float),
            offset=float(offset),
            names=names,
        )

    @classmethod
    def from_matrix(cls, matrix: sp.spmatrix | sp.sparray, **columns_and_rows: Any) -> LinearProgram:
        """The program of a scipy sparse ``matrix`` (repeated entries summed) and the other fields
        (``cost``, ``lower``, ``upper``, ``integer``, ``row_lower``, ``row_upper``, ...) as given."""
        return cls(**{**_compressed_fields(matrix), **columns_and_rows})

    def replaced(self, matrix: sp.spmatrix | sp.sparray | None = None, **changes: Any) -> LinearProgram:
        """A copy with ``changes`` (fields, as :func:`dataclasses.replace` takes them) and, if given,
        the constraint matrix ``matrix`` (any scipy sparse matrix; repeated entries are summed)."""
        if matrix is not None:
            changes.update(_compressed_fields(matrix))
        return replace(self, **changes)

    @cached_property
    def matrix(self) -> sp.csr_matrix:
        """The constraint matrix as a scipy matrix on the same arrays (read it; do not change it)."""
        import scipy.sparse as sp

        return sp.csr_matrix((self.data, self.indices, self.indptr), shape=self.shape, copy=False)

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, columns)``."""
        return len(self.row_lower), len(self.cost)

    @property
    def nonzeros(self) -> int:
        """Nonzero coefficients of the matrix."""
        return len(self.data)

    @property
    def is_mip(self) -> bool:
        """Whether some column must take a whole value."""
        return bool(self.integer.any())

    def row_of_nonzero(self) -> np.ndarray:
        """The row of each coefficient of ``data``."""
        return np.repeat(np.arange(self.shape[0]), np.diff(self.indptr))

    def row_activity(self, x: np.ndarray) -> np.ndarray:
        """``matrix @ x``: each row's value at ``x``."""
        return np.bincount(self.row_of_nonzero(), weights=self.data * x[self.indices], minlength=self.shape[0])

    def objective(self, x: np.ndarray) -> float:
        """``cost @ x + offset``."""
        return float(self.cost @ x) + self.offset

    def column_names(self) -> list[str]:
        """Readable column names (``c<j>`` without ``names``)."""
        return self.names()[0] if self.names else [f"c{j}" for j in range(self.shape[1])]

    def row_names(self) -> list[str]:
        """Readable row names (``r<i>`` without ``names``)."""
        return self.names()[1] if self.names else [f"r{i}" for i in range(self.shape[0])]

    def relaxed(self) -> LinearProgram:
        """The same program with every column continuous."""
        return replace(self, integer=np.zeros_like(self.integer))

    def with_fixed(self, columns: np.ndarray, values: np.ndarray) -> LinearProgram:
        """The continuous program with ``columns`` fixed at ``values`` (e.g. a MILP's whole
        decisions at their optimum, to price the plan with the LP's duals)."""
        lower, upper = self.lower.copy(), self.upper.copy()
        lower[columns] = upper[columns] = values
        return replace(self, lower=lower, upper=upper, integer=np.zeros_like(self.integer))


@dataclass
class Triplets:
    """Coordinate triplets gathered block by block while a model is built.

    >>> t = Triplets()
    >>> first = t.add_rows(np.array([1.0]), np.array([np.inf]))
    >>> t.add_terms(np.array([first]), np.array([0]), np.array([2.0]))
    >>> t.row_count, len(t.coefficients())
    (1, 1)
    """

    row_count: int = 0
    _rows: list[np.ndarray] = field(default_factory=list)
    _cols: list[np.ndarray] = field(default_factory=list)
    _coefs: list[np.ndarray] = field(default_factory=list)
    _row_lower: list[np.ndarray] = field(default_factory=list)
    _row_upper: list[np.ndarray] = field(default_factory=list)

    def add_rows(self, row_lower: np.ndarray, row_upper: np.ndarray) -> int:
        """Reserve ``len(row_lower)`` rows with these bounds; returns the first one's index."""
        first = self.row_count
        self._row_lower.append(np.asarray(row_lower, dtype=float))
        self._row_upper.append(np.asarray(row_upper, dtype=float))
        self.row_count += len(row_lower)
        return first

    def add_terms(self, rows: np.ndarray, cols: np.ndarray, coefs: np.ndarray) -> None:
        """Coefficients ``coefs`` at ``(rows, cols)``."""
        self._rows.append(np.asarray(rows, dtype=np.int64))
        self._cols.append(np.asarray(cols, dtype=np.int64))
        self._coefs.append(np.broadcast_to(np.asarray(coefs, dtype=float), np.shape(rows)))

    def coefficients(self) -> np.ndarray:
        """Every coefficient gathered so far, in order."""
        return np.concatenate(self._coefs) if self._coefs else np.zeros(0)

    def finish(
        self,
        *,
        cost: np.ndarray,
        lower: np.ndarray,
        upper: np.ndarray,
        integer: np.ndarray,
        offset: float = 0.0,
        names: Names | None = None,
    ) -> LinearProgram:
        """The program of the rows gathered, with these columns."""

        def joined(parts: list[np.ndarray], dtype: type) -> np.ndarray:
            return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)

        return LinearProgram.from_triplets(
            joined(self._rows, np.int64),
            joined(self._cols, np.int64),
            joined(self._coefs, float),
            cost=cost,
            lower=lower,
            upper=upper,
            integer=integer,
            row_lower=joined(self._row_lower, float),
            row_upper=joined(self._row_upper, float),
            offset=offset,
            names=names,
        )


def _compressed(
    rows: np.ndarray, cols: np.ndarray, coefs: np.ndarray, shape: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(indptr, indices, data)`` of the matrix with ``coefs`` at ``(rows, cols)``: sorted by row
    then column, repeated pairs summed in the order given, zeros dropped (as scipy's canonical form).

    >>> indptr, indices, data = _compressed(
    ...     np.array([1, 0, 1, 1]), np.array([2, 1, 0, 2]), np.array([1.0, 5.0, 0.0, 2.0]), (2, 3))
    >>> indptr.tolist(), indices.tolist(), data.tolist()
    ([0, 1, 2], [1, 2], [5.0, 3.0])
    """
    height, width = shape
    if len(rows) and (rows.min() < 0 or rows.max() >= height or cols.min() < 0 or cols.max() >= width):
        raise ValueError(f"a coefficient lies outside the {height} x {width} matrix")
    key = rows * width + cols
    # Stable, so that repeated pairs are summed in the order the families added them.
    order = np.argsort(key, kind="stable")
    key, values = key[order], coefs[order]
    if len(key):
        starts = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
        key, values = key[starts], np.add.reduceat(values, starts)
        kept = values != 0
        key, values = key[kept], values[kept]
    row = key // width if width else key
    indptr = np.zeros(height + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=height), out=indptr[1:])
    return indptr, key - row * width, values


def _compressed_fields(matrix: sp.spmatrix | sp.sparray) -> dict[str, Any]:
    """``indptr``, ``indices`` and ``data`` of a scipy sparse matrix in canonical rows."""
    canonical = matrix.tocsr(copy=True)
    canonical.sum_duplicates()
    canonical.eliminate_zeros()
    return {"indptr": canonical.indptr, "indices": canonical.indices, "data": canonical.data}
