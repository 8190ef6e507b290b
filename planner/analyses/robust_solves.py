"""The single-case solves of a robust plan: each case's own optimum, or its serving re-solved with a
plan's purchases fixed; in this process, or on a local process pool whose workers each build the
cases' models once."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

from planner.analyses.two_stage import Outcome, outcome, with_plan
from planner.build import Model, build
from planner.data import ModelData
from planner.lp import LinearProgram
from planner.solve import ABSOLUTE_TOLERANCE_USD
from planner.solvers import solve_lp
from planner.solvers.solution import SolverName, Tolerances
from planner.status import Status

Task = tuple[int, dict[str, float] | None]
"""A solve: the index of the case (the last index is the mean-value problem) and the purchases
fixed in it (None: its own optimum)."""


def tolerances(lp: LinearProgram, money_unit: float, mip_gap: float) -> Tolerances | None:
    """With whole units, the tolerances of :func:`planner.solve.mip_tolerances` in this LP's money unit."""
    if not lp.is_mip:
        return None
    absolute = ABSOLUTE_TOLERANCE_USD / money_unit
    return Tolerances(relative_gap=mip_gap, absolute_gap=absolute, min_improvement=absolute)


def _solve(model: Model, plan: dict[str, float] | None, solver: SolverName, mip_gap: float) -> Outcome:
    """The case's own optimum, or its serving re-solved with ``plan``'s purchases fixed."""
    lp = model.lp if plan is None else with_plan(model, plan)
    answer = solve_lp(lp, solver, tolerances=tolerances(lp, model.money_unit, mip_gap))
    if answer.status is not Status.OPTIMAL or answer.x is None:
        return Outcome(status=answer.status.value)
    return outcome(model, answer.x)


_MODELS: list[Model] = []
"""The models of a pool process, built once from the data it was started with."""


def _start(datas: list[ModelData]) -> None:
    global _MODELS
    _MODELS = [build(data) for data in datas]


def _pooled(task: Task, solver: SolverName, mip_gap: float) -> Outcome:
    index, plan = task
    return _solve(_MODELS[index], plan, solver, mip_gap)


def run(
    tasks: list[Task], datas: list[ModelData], models: list[Model], workers: int, solver: SolverName, mip_gap: float
) -> list[Outcome]:
    """The outcomes of ``tasks``, in order: here, or on ``workers`` processes."""
    if workers <= 1 or len(tasks) <= 1:
        return [_solve(models[index], plan, solver, mip_gap) for index, plan in tasks]
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), initializer=_start, initargs=(datas,)) as pool:
        return list(pool.map(_pooled, tasks, [solver] * len(tasks), [mip_gap] * len(tasks)))
