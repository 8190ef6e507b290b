"""The single-case solves of a robust plan: each case's own optimum, or its serving re-solved with a
plan's purchases fixed; in this process, or on a local process pool whose workers each build the
cases' models once."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING

from planner.analyses.two_stage import Outcome, first_stage, outcome, with_plan
from planner.build import Model, build
from planner.data import ModelData
from planner.lp import LinearProgram
from planner.solve import ABSOLUTE_TOLERANCE_USD
from planner.solvers import solve_lp
from planner.solvers.solution import SolverName, Tolerances
from planner.status import Status

if TYPE_CHECKING:
    from planner.solvers.highs import HighsSession

Task = tuple[int, dict[str, float] | None]
"""A solve: the index of the case (the last index is the mean-value problem) and the purchases
fixed in it (None: its own optimum)."""


def tolerances(lp: LinearProgram, money_unit: float, mip_gap: float) -> Tolerances | None:
    """With whole units, the tolerances of :func:`planner.solve.mip_tolerances` in this LP's money unit."""
    if not lp.is_mip:
        return None
    absolute = ABSOLUTE_TOLERANCE_USD / money_unit
    return Tolerances(relative_gap=mip_gap, absolute_gap=absolute, min_improvement=absolute)


class CaseSolver:
    """Solves the cases' LPs, each at its own optimum or with a plan's purchases fixed.

    With HiGHS each case keeps one warm session (:class:`~planner.solvers.highs.HighsSession`):
    between its solves only the bounds of the first-stage columns change, so each starts from
    the previous basis; with CBC every solve is cold.
    """

    def __init__(self, models: list[Model], solver: SolverName, mip_gap: float) -> None:
        self.models, self.solver, self.mip_gap = models, solver, mip_gap
        self._first = [first_stage(model) for model in models]
        self._sessions: dict[int, HighsSession] = {}

    def solve(self, index: int, plan: dict[str, float] | None) -> Outcome:
        """Case ``index``'s own optimum (``plan`` None), or its serving re-solved with ``plan``'s purchases fixed."""
        model, first = self.models[index], self._first[index]
        lp = model.lp if plan is None else with_plan(model, plan, first)
        limits = tolerances(lp, model.money_unit, self.mip_gap)
        if self.solver == "highs":
            from planner.solvers.highs import HighsSession

            session = self._sessions.get(index)
            if session is None:
                session = self._sessions[index] = HighsSession(model.lp)
            cols = first["col"].to_numpy()
            session.set_bounds(cols, lp.lower[cols], lp.upper[cols])
            answer = session.solve(tolerances=limits)
        else:
            answer = solve_lp(lp, self.solver, tolerances=limits)
        if answer.status is not Status.OPTIMAL or answer.x is None:
            return Outcome(status=answer.status.value)
        return outcome(model, answer.x, first)


_SOLVER: CaseSolver | None = None
"""The solver of a pool process, made once from the cases' data it was started with."""


def _start(datas: list[ModelData], solver: SolverName, mip_gap: float) -> None:
    global _SOLVER
    _SOLVER = CaseSolver([build(data) for data in datas], solver, mip_gap)


def _pooled(task: Task) -> Outcome:
    assert _SOLVER is not None, "a pool process makes its solver as it starts"
    return _SOLVER.solve(*task)


class Solves:
    """Runs solves of the cases here (``workers`` 1) or on a pool of ``workers`` processes kept
    for the whole analysis; use as a context manager, which closes the pool."""

    def __init__(
        self, datas: list[ModelData], models: list[Model], workers: int, solver: SolverName, mip_gap: float
    ) -> None:
        self._here = CaseSolver(models, solver, mip_gap) if workers <= 1 else None
        self._pool = (
            None
            if workers <= 1
            else ProcessPoolExecutor(max_workers=workers, initializer=_start, initargs=(datas, solver, mip_gap))
        )

    def run(self, tasks: list[Task]) -> list[Outcome]:
        """The outcomes of ``tasks``, in order."""
        if self._pool is None:
            assert self._here is not None
            return [self._here.solve(index, plan) for index, plan in tasks]
        return list(self._pool.map(_pooled, tasks))

    def __enter__(self) -> Solves:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
