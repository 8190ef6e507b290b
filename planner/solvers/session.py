"""A warm HiGHS session: one LP kept in HiGHS across solves, for sweeps and analyses that change
only costs, bounds or coefficients between runs."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from planner.lp import LinearProgram
from planner.solvers.highs import as_indices, loaded, run
from planner.solvers.solution import Solution, Tolerances, finish

if TYPE_CHECKING:
    import scipy.sparse as sp


class HighsSession:
    """One LP kept in HiGHS across solves, so that a changed cost or bound is solved again from
    the previous basis (HiGHS keeps it when only costs and bounds change), not from scratch.

    A MIP is priced on a second ``Highs`` object holding the LP relaxation, kept warm the same
    way: each solve fixes its integer columns at the MIP's values there (the first object keeps
    its integrality and bounds untouched).

    Parameters
    ----------
    lp
        The program to hold; the session's :attr:`lp` follows every change made through it.
    log
        Show HiGHS's log on the standard output.

    Examples
    --------
    >>> lp = LinearProgram.from_triplets(
    ...     rows=np.array([0, 0]), cols=np.array([0, 1]), coefs=np.array([1.0, 1.0]),
    ...     cost=np.array([2.0, 3.0]), lower=np.zeros(2), upper=np.full(2, np.inf),
    ...     row_lower=np.array([4.0]), row_upper=np.array([np.inf]))
    >>> session = HighsSession(lp)
    >>> session.solve().objective
    8.0
    >>> session.set_costs(np.array([0]), np.array([5.0]))
    >>> session.solve().objective
    12.0
    """

    def __init__(self, lp: LinearProgram, log: bool = False) -> None:
        self.lp = lp
        self._log = log
        self._highs = loaded(lp, log)
        self._pricer = loaded(lp.relaxed(), log) if lp.is_mip else None

    def set_costs(self, cols: np.ndarray, values: np.ndarray) -> None:
        """Objective coefficients ``values`` for columns ``cols``."""
        cols, values = as_indices(cols), np.asarray(values, dtype=float)
        cost = self.lp.cost.copy()
        cost[cols] = values
        self.lp = replace(self.lp, cost=cost)
        for highs in self._objects():
            highs.changeColsCost(len(cols), cols, values)

    def set_bounds(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """Column bounds ``lower``, ``upper`` for columns ``cols``."""
        cols = as_indices(cols)
        new_lower, new_upper = self.lp.lower.copy(), self.lp.upper.copy()
        new_lower[cols], new_upper[cols] = lower, upper
        self.lp = replace(self.lp, lower=new_lower, upper=new_upper)
        for highs in self._objects():
            highs.changeColsBounds(len(cols), cols, new_lower[cols], new_upper[cols])

    def set_row_bounds(self, rows: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """Row bounds ``lower``, ``upper`` for rows ``rows``."""
        rows = as_indices(rows)
        new_lower, new_upper = self.lp.row_lower.copy(), self.lp.row_upper.copy()
        new_lower[rows], new_upper[rows] = lower, upper
        self.lp = replace(self.lp, row_lower=new_lower, row_upper=new_upper)
        for highs in self._objects():
            highs.changeRowsBounds(len(rows), rows, new_lower[rows], new_upper[rows])

    def set_coefficients(self, matrix: sp.csr_matrix) -> None:
        """The matrix ``matrix``, of the held matrix's sparsity pattern, with some coefficients
        changed (a site's PUE, a fleet's capital cost in a budget row): only those are changed
        in HiGHS, which keeps its basis.

        Raises
        ------
        ValueError
            If ``matrix`` has another shape or pattern.
        """
        held = self.lp
        if (
            matrix.shape != held.shape
            or not np.array_equal(matrix.indptr, held.indptr)
            or not np.array_equal(matrix.indices, held.indices)
        ):
            raise ValueError("set_coefficients changes values only: the matrix has another pattern")
        changed = np.flatnonzero(matrix.data != held.data)
        rows = self.lp.row_of_nonzero()[changed]
        for highs in self._objects():
            for row, col, value in zip(rows, matrix.indices[changed], matrix.data[changed], strict=True):
                highs.changeCoeff(int(row), int(col), float(value))
        self.lp = self.lp.replaced(matrix=matrix)

    def solve(
        self, time_limit: float | None = None, tolerances: Tolerances | None = None, node_limit: int | None = None
    ) -> Solution:
        """Solve the program as it now stands, from the previous solve's basis."""
        started = time.perf_counter()
        first = run(self._highs, self.lp, time_limit=time_limit, tolerances=tolerances, node_limit=node_limit)
        return finish(self.lp, first, self._price, started)

    def _price(self, fixed: LinearProgram) -> Solution:
        """Solve ``fixed`` (the session's LP with its integer columns fixed) on the pricing object;
        its integer columns' bounds are set back to the session's afterwards."""
        assert self._pricer is not None, "only a MIP is priced"
        whole = as_indices(np.flatnonzero(self.lp.integer))
        self._pricer.changeColsBounds(len(whole), whole, fixed.lower[whole], fixed.upper[whole])
        try:
            return run(self._pricer, fixed)
        finally:
            self._pricer.changeColsBounds(len(whole), whole, self.lp.lower[whole], self.lp.upper[whole])

    def _objects(self) -> list[Any]:
        return [self._highs] if self._pricer is None else [self._highs, self._pricer]
