"""The single-case solves of a robust plan: each case's own optimum, or its serving re-solved with a
plan's purchases fixed; in this process, on a local process pool or on a Dask cluster, whose
workers each build the cases' models once."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from planner.analyses.two_stage import Outcome, first_stage, outcome, with_plan
from planner.build import Model, build
from planner.data import ModelData
from planner.lp import LinearProgram
from planner.solve import ABSOLUTE_TOLERANCE_USD
from planner.solvers import solve_lp
from planner.solvers.solution import SolverName, Tolerances
from planner.status import Status
from planner.sweep.executor import Make, plain, submitter

if TYPE_CHECKING:
    from planner.solvers.session import HighsSession

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

    With HiGHS each case keeps one warm session (:class:`~planner.solvers.session.HighsSession`):
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
            from planner.solvers.session import HighsSession

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


def case_solver(data: tuple[list[ModelData], SolverName, float]) -> Callable[[int, dict[str, float] | None], Outcome]:
    """The solve of a pool process or Dask worker thread: a :class:`CaseSolver` of the cases'
    models, built there once from their data."""
    datas, solver, mip_gap = data
    return CaseSolver([build(d) for d in datas], solver, mip_gap).solve


class Solves:
    """Runs solves of the cases here (``workers`` 1, no ``scheduler``), on a pool of ``workers``
    local processes or on the Dask cluster at ``scheduler``, each worker building the cases'
    models once for the whole analysis (:mod:`planner.sweep.executor`); use as a context manager,
    which lets the workers go."""

    def __init__(
        self,
        datas: list[ModelData],
        models: list[Model],
        workers: int,
        solver: SolverName,
        mip_gap: float,
        scheduler: str | Any | None = None,
        connect_timeout_s: float = 10.0,
    ) -> None:
        make: Make = case_solver
        data: Any = (datas, solver, mip_gap)
        if workers == 1 and scheduler is None:  # solved here, on the models built here already
            make, data = plain, CaseSolver(models, solver, mip_gap).solve
        self._stack = ExitStack()
        self._submit = self._stack.enter_context(
            submitter(make, data, workers=workers, scheduler=scheduler, connect_timeout_s=connect_timeout_s)
        )

    def run(self, tasks: list[Task]) -> list[Outcome]:
        """The outcomes of ``tasks``, in order."""
        futures = [self._submit([task]) for task in tasks]
        return [future.result()[0] for future in futures]

    def __enter__(self) -> Solves:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stack.__exit__(*exc)
