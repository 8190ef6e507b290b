"""What a solver hands back for a :class:`~planner.lp.LinearProgram`, read into arrays, and the
checks every solver's answer goes through (a point stopped at a limit, a MIP priced as an LP).

Duals follow one convention for both solvers, the one PuLP's ``pi`` and ``dj`` had (HiGHS's
``row_dual``/``col_dual`` and CBC's solution file, both for a minimization):

- ``row_dual[i]`` is the change of the objective per unit the bound of row ``i`` that binds is
  moved up: a binding ``<=`` row (a limit) has ``row_dual <= 0`` (more room lowers the cost), a
  binding ``>=`` row (a requirement) ``row_dual >= 0``, an equality either sign, a slack row 0;
- ``col_dual[j]`` is the reduced cost ``cost[j] - matrix[:, j] @ row_dual``: ``>= 0`` for a
  column at its lower bound, ``<= 0`` at its upper bound, 0 between them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from planner.lp import LinearProgram
from planner.status import Status

SolverName = Literal["cbc", "highs"]

DEFAULT_SOLVER: SolverName = "highs"
"""The solver a plan is solved with unless another is asked for (the README's "Solvers" says why)."""

FEASIBILITY_TOLERANCE = 1e-6
"""How far a row of the LP may be off, relative to its scale (the largest of 1, its bound and its
terms' magnitudes), for a point to count as meeting it: far above CBC's and HiGHS's own
tolerances (1e-9 of the scaled rows), far below any shortfall that matters."""


@dataclass(frozen=True)
class Tolerances:
    """When a mixed-integer solve may stop, in objective units; None or NaN leaves the solver's own default.

    Attributes
    ----------
    relative_gap
        Stop when ``(objective - bound) / objective`` is at most this (CBC ``ratio``, HiGHS ``mip_rel_gap``).
    absolute_gap
        Stop when ``objective - bound`` is at most this (CBC ``allow``, HiGHS ``mip_abs_gap``).
    min_improvement
        A new point must improve on the best found by at least this to be taken (CBC's
        ``increment``; HiGHS has no such option and takes any better point).
    """

    relative_gap: float | None = None
    absolute_gap: float | None = None
    min_improvement: float | None = None


def given(value: float | None) -> float | None:
    """``value`` if it sets a tolerance, None if it leaves the solver's default (None or NaN)."""
    return None if value is None or math.isnan(value) else float(value)


@dataclass(frozen=True)
class Solution:
    """A solver's answer for a :class:`~planner.lp.LinearProgram`, in arrays over its columns and rows.

    Attributes
    ----------
    status
        How the solve ended; a stop at any limit (time, nodes, iterations) is ``TIME_LIMIT``, and
        ``said`` tells which.
    said
        The solver's own words for it: CBC's status line, HiGHS's model status name.
    x
        Column values; None when the solver holds no feasible point (a time limit reached first,
        a point that breaks rows: :func:`broken_rows`) or no answer at all.
    row_dual, col_dual
        Row duals and reduced costs (the module docstring gives their signs); for a MIP, those of
        the LP with the integer columns fixed at their values. None when there are none.
    objective
        ``cost @ x + offset`` in the LP's units; None without ``x``.
    gap
        Relative MIP gap reached (``(objective - bound) / |objective|``); None for an LP or unknown.
    seconds
        Wall-clock seconds spent, pricing of a MIP included.
    iterations
        Simplex (or interior point) iterations of the solve, None if the solver did not say.
    message
        What went wrong, in words, when something did (a missing solver, a crash, an unreadable
        answer, a MIP whose pricing LP failed); empty otherwise.
    broken
        When a stop at a limit left values that break rows or bounds (and ``x`` is therefore
        None): those rows and columns, as :func:`broken_rows` gives them, worst first.
    """

    status: Status
    said: str = ""
    x: np.ndarray | None = None
    row_dual: np.ndarray | None = None
    col_dual: np.ndarray | None = None
    objective: float | None = None
    gap: float | None = None
    seconds: float = 0.0
    iterations: int | None = None
    message: str = ""
    broken: tuple[tuple[int | None, int | None, float], ...] = ()


def failed(message: str, said: str = "", seconds: float = 0.0) -> Solution:
    """A solver that could not run or whose answer could not be read."""
    return Solution(Status.SOLVER_ERROR, said=said, seconds=seconds, message=message)


def broken_rows(
    lp: LinearProgram, x: np.ndarray, tolerance: float = FEASIBILITY_TOLERANCE
) -> list[tuple[int | None, int | None, float]]:
    """The rows and column bounds that ``x`` breaks, as ``(row, None, violation)`` or
    ``(None, column, violation)``, worst first; empty when ``x`` is feasible.

    A violation is relative to the row's scale: the largest of 1, the bound broken and the
    magnitudes ``|matrix[i, j] * x[j]|`` of its terms (a column's: the largest of 1 and its bound).
    A value that is not a finite number (NaN, inf) breaks its bounds and every row it is in, infinitely.

    >>> lp = LinearProgram.from_triplets(
    ...     rows=np.array([0, 0]), cols=np.array([0, 1]), coefs=np.array([1.0, 1.0]),
    ...     cost=np.ones(2), lower=np.zeros(2), upper=np.full(2, 5.0),
    ...     row_lower=np.array([4.0]), row_upper=np.array([np.inf]))
    >>> broken_rows(lp, np.array([1.0, 2.0]))
    [(0, None, 0.25)]
    >>> broken_rows(lp, np.array([6.0, 0.0]))
    [(None, 0, 0.2)]
    """
    x = np.asarray(x, dtype=float)
    unknown = ~np.isfinite(x)
    known = np.where(unknown, 0.0, x)
    activity = lp.matrix @ known
    terms = abs(lp.matrix.multiply(np.abs(known)[np.newaxis, :]).tocsr())
    largest = terms.max(axis=1).toarray().ravel() if min(lp.shape) else np.zeros(lp.shape[0])
    below, above = lp.row_lower - activity, activity - lp.row_upper
    off = np.maximum(np.maximum(below, above), 0.0)
    bound = np.where(below > above, lp.row_lower, lp.row_upper)
    scale = np.maximum(np.maximum(1.0, np.abs(np.where(np.isfinite(bound), bound, 0.0))), largest)
    row_violation = off / scale
    if unknown.any():
        touched = np.asarray(lp.matrix[:, np.flatnonzero(unknown)].getnnz(axis=1)).ravel() > 0
        row_violation[touched] = math.inf
    col_below, col_above = lp.lower - known, known - lp.upper
    col_off = np.maximum(np.maximum(col_below, col_above), 0.0)
    col_bound = np.where(col_below > col_above, lp.lower, lp.upper)
    col_violation = col_off / np.maximum(1.0, np.abs(np.where(np.isfinite(col_bound), col_bound, 0.0)))
    col_violation[unknown] = math.inf
    rows = np.flatnonzero(row_violation > tolerance)
    cols = np.flatnonzero(col_violation > tolerance)
    found: list[tuple[int | None, int | None, float]] = [(int(i), None, float(row_violation[i])) for i in rows]
    found += [(None, int(j), float(col_violation[j])) for j in cols]
    return sorted(found, key=lambda item: -item[2])


def finish(lp: LinearProgram, first: Solution, price: Callable[[LinearProgram], Solution], started: float) -> Solution:
    """The answer for ``lp`` from the solver's ``first``: a point stopped at a limit is kept only
    if it meets every row (:func:`broken_rows`), and a MIP's point is priced by ``price``, the
    same solver on the LP with the integer columns fixed at their (rounded) values, which gives
    the duals and the final ``x`` (the usual way to price a MILP).

    ``started`` is the :func:`time.perf_counter` reading when the solve began.
    """
    solution = first
    broken = broken_rows(lp, solution.x) if solution.x is not None and solution.status is Status.TIME_LIMIT else []
    if broken:
        solution = replace(
            solution, x=None, row_dual=None, col_dual=None, objective=None, gap=None, broken=tuple(broken)
        )
    if solution.x is not None and lp.is_mip and solution.status in (Status.OPTIMAL, Status.TIME_LIMIT):
        whole = np.flatnonzero(lp.integer)
        priced = price(lp.with_fixed(whole, np.round(solution.x[whole])))
        if priced.status is Status.OPTIMAL and priced.x is not None:
            solution = replace(
                solution, x=priced.x, row_dual=priced.row_dual, col_dual=priced.col_dual, objective=priced.objective
            )
        else:
            solution = replace(
                solution,
                row_dual=None,
                col_dual=None,
                message=(
                    f"the LP with the whole decisions fixed, which prices the plan, ended {priced.status.value} "
                    f"({priced.said or priced.message}): the plan has no marginal prices"
                ),
            )
    return replace(solution, seconds=time.perf_counter() - started)
