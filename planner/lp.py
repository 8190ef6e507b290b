"""A linear program as arrays: what ``build`` makes and every solver is handed.

    minimize    cost @ x + offset
    subject to  row_lower <= matrix @ x <= row_upper
                lower <= x <= upper,   x[j] whole for integer[j]

Rows are assembled as coordinate triplets (row, column, coefficient) with numpy and turned into
one sparse matrix once (:meth:`Triplets.finish`); names are made only when a person needs them
(``names``, a callable giving ``(column names, row names)``).

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

import numpy as np
import scipy.sparse as sp

Names = Callable[[], tuple[list[str], list[str]]]
"""Makes ``(column names, row names)`` on demand: readable, as a person reads them."""


@dataclass(frozen=True)
class LinearProgram:
    """A minimization LP (or MILP) in arrays; see the module docstring for its form.

    Attributes
    ----------
    matrix
        The constraint matrix, ``rows x columns``, compressed sparse rows, duplicates summed.
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

    matrix: sp.csr_matrix
    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    integer: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    offset: float = 0.0
    names: Names | None = field(default=None, compare=False, repr=False)

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
        """Assemble the matrix from coordinate triplets; repeated ``(row, col)`` pairs are summed."""
        shape = (len(row_lower), len(cost))
        matrix = sp.csr_matrix((np.asarray(coefs, dtype=float), (rows, cols)), shape=shape)
        matrix.sum_duplicates()
        matrix.eliminate_zeros()
        return cls(
            matrix=matrix,
            cost=np.asarray(cost, dtype=float),
            lower=np.asarray(lower, dtype=float),
            upper=np.asarray(upper, dtype=float),
            integer=np.zeros(shape[1], dtype=bool) if integer is None else np.asarray(integer, dtype=bool),
            row_lower=np.asarray(row_lower, dtype=float),
            row_upper=np.asarray(row_upper, dtype=float),
            offset=float(offset),
            names=names,
        )

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, columns)``."""
        rows, cols = self.matrix.shape
        return int(rows), int(cols)

    @property
    def nonzeros(self) -> int:
        """Nonzero coefficients of the matrix."""
        return int(self.matrix.nnz)

    @property
    def is_mip(self) -> bool:
        """Whether some column must take a whole value."""
        return bool(self.integer.any())

    def row_activity(self, x: np.ndarray) -> np.ndarray:
        """``matrix @ x``: each row's value at ``x``."""
        return np.asarray(self.matrix @ x, dtype=float)

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
