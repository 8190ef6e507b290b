"""Solve a scenario: prepare its data, build the LP, hand it to a solver, read back a ``Result``.

The LP goes to the solver as arrays (:mod:`planner.solvers`): HiGHS in memory, CBC through an MPS
file written by HiGHS. This module says what the solver's answer means for a planner: whether
the plan is optimal within the stated gap, and when a stop at the time limit holds a plan.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from planner.build import Model, build
from planner.data import ModelData
from planner.gap import DEFAULT_MIP_GAP
from planner.result import Result, Status
from planner.scenario import Scenario
from planner.solvers.solution import DEFAULT_SOLVER, Solution, SolverName, Tolerances

if TYPE_CHECKING:
    from planner.solvers.session import HighsSession

ABSOLUTE_TOLERANCE_USD = 0.01
"""The absolute MIP gap and minimum improvement, in USD: a cent, below any cost a planner counts."""


def mip_tolerances(model: Model, mip_gap: float = DEFAULT_MIP_GAP) -> Tolerances:
    """The MIP tolerances for ``model``: ``mip_gap`` relative, and absolute ones of one cent
    (:data:`ABSOLUTE_TOLERANCE_USD`) in the objective's money unit.

    The solvers' own absolute defaults (CBC's minimum improvement of 1e-5, HiGHS's gap of 1e-6)
    are in objective units, blind to what a dollar is: with the objective counted in a unit above
    the plan's scale, one whole unit fell below them and a plan a unit dearer than the optimum was
    reported optimal. Whole-unit plans do not differ by whole units only (energy and busy units
    are fractions), so no coarser absolute tolerance is safe: a hundredth of the cheapest unit let
    CBC stop $3 (1e-4 of the plan) above HiGHS's plan. The relative gap alone says when to stop.

    >>> from planner import Scenario, default_scenario_path
    >>> from planner.build import build
    >>> from planner.data import ModelData
    >>> model = build(ModelData.from_scenario(Scenario.from_yaml(default_scenario_path())))
    >>> mip_tolerances(model).absolute_gap * model.money_unit
    0.01
    """
    absolute = ABSOLUTE_TOLERANCE_USD / model.money_unit
    return Tolerances(relative_gap=mip_gap, absolute_gap=absolute, min_improvement=absolute)


def solve(
    scenario: Scenario | str | Path,
    solver: SolverName = DEFAULT_SOLVER,
    time_limit: float | None = None,
    *,
    mip_gap: float = DEFAULT_MIP_GAP,
    log: bool = False,
    write_lp: str | Path | None = None,
) -> Result:
    """Find the least-cost build-and-serve plan for a scenario.

    Parameters
    ----------
    scenario
        A validated :class:`Scenario`, or the path of a scenario YAML file.
    solver
        ``"highs"`` (the default): HiGHS through highspy, handed the LP in memory; ``"cbc"``: the
        CBC solver installed with PuLP, handed an MPS file.
    time_limit
        Seconds the solver may run; at the limit the best plan found so far is returned with
        status ``time_limit``, once every row of the LP is checked to hold at its values
        (:func:`planner.solvers.broken_rows`); values that break one are no plan, and the result
        has none.
    mip_gap
        With whole units (``integer_units``): the relative gap between the plan's cost and the
        best possible within which the plan is called optimal, also when the time limit stops
        the solver (default 1e-4, 0.01%). ``Result.gap`` is the gap reached.
    log
        Show the solver's own log (on the standard output).
    write_lp
        Also write the LP as the solver is handed it to this file, MPS or LP text by its ending
        (see :meth:`planner.build.Model.write`), before solving.

    Returns
    -------
    Result
        Its ``status`` says whether the plan is optimal; tables are empty when there is no plan.

    Raises
    ------
    ScenarioError
        If the scenario (edited since it was loaded) no longer validates, with every problem
        (see :meth:`planner.data.ModelData.from_scenario`).

    Examples
    --------
    >>> from planner import solve, default_scenario_path
    >>> result = solve(default_scenario_path())
    >>> result.is_optimal
    True
    """
    if not isinstance(scenario, Scenario):
        scenario = Scenario.from_yaml(scenario)
    started = time.perf_counter()
    model = build(ModelData.from_scenario(scenario))
    build_seconds = time.perf_counter() - started
    return solve_model(
        model,
        solver=solver,
        time_limit=time_limit,
        mip_gap=mip_gap,
        log=log,
        build_seconds=build_seconds,
        write_lp=write_lp,
    )


def solve_model(
    model: Model,
    solver: SolverName = DEFAULT_SOLVER,
    time_limit: float | None = None,
    *,
    mip_gap: float = DEFAULT_MIP_GAP,
    log: bool = False,
    build_seconds: float = 0.0,
    write_lp: str | Path | None = None,
    session: HighsSession | None = None,
) -> Result:
    """Solve a model built with :func:`planner.build.build` (for instance after inspecting it).

    The model is not changed, so it can be solved again. ``session`` (a
    :class:`planner.solvers.session.HighsSession` holding this model's LP, as sweeps keep one per
    worker) re-solves warm from the previous run's basis.
    """
    from planner import solvers

    if solver not in ("cbc", "highs"):
        raise ValueError(f"unknown solver {solver!r}; available: cbc, highs")
    check_mip_gap(mip_gap)
    if write_lp is not None:
        model.write(write_lp)
    mip = model.lp.is_mip
    info = {
        "solver": solver,
        "solver_version": solvers.solver_version(solver),
        "build_seconds": build_seconds,
        "mip_gap": mip_gap if mip else None,
    }
    missing = solvers.solver_missing(solver)
    if missing is not None:
        return Result.without_plan(model, Status.SOLVER_ERROR, missing, **info)
    started = time.perf_counter()
    tolerances = mip_tolerances(model, mip_gap)
    if session is not None:
        answer = session.solve(time_limit=time_limit, tolerances=tolerances)
    else:
        answer = solvers.solve_lp(model.lp, solver, time_limit=time_limit, tolerances=tolerances, log=log)
    status, message, has_plan = _meaning(model, answer, solver, time_limit, mip, mip_gap)
    info["gap"] = answer.gap if has_plan else None
    seconds = time.perf_counter() - started
    if has_plan:
        assert answer.x is not None, "a plan has values"
        if answer.row_dual is None:  # the LP that prices a whole-unit plan failed: a plan without prices
            duals, message = np.full(model.lp.shape[0], np.nan), f"{message}; {answer.message}"
        else:
            duals = answer.row_dual
        return Result.from_model(model, answer.x, duals, status, message, **info, solve_seconds=seconds)
    return Result.without_plan(model, status, message, **info, solve_seconds=seconds)


def _meaning(
    model: Model, answer: Solution, solver: str, time_limit: float | None, mip: bool, mip_gap: float
) -> tuple[Status, str, bool]:
    """``(status, message, has_plan)``: what a solver's answer means for the planner."""
    name = "CBC" if solver == "cbc" else "HiGHS"
    status, gap = answer.status, answer.gap
    if status is Status.SOLVER_ERROR:
        return status, answer.message or answer.said, False
    if status is Status.NUMERICAL_TROUBLE:
        return (
            status,
            (
                f"the solver ran into numerical trouble ({answer.said}): run `planner inspect` to see the coefficient "
                "ranges and look for a figure off by a factor of 1,000 (kW for MW, tokens/s per unit, prices), or try "
                "the other solver (--solver)"
            ),
            False,
        )
    if status is Status.INFEASIBLE:
        return (
            status,
            (
                "no plan meets every limit; run `planner explain` on the scenario to see which limits (site power, supply, "
                "quota, budget, commitments) must give way, where and by how much"
            ),
            False,
        )
    if status is Status.UNBOUNDED:
        return status, "the model is unbounded: a cost is negative somewhere; check prices and penalties", False
    if answer.broken:
        # The time limit stopped the solver at values that break rows: no plan, and which rows.
        shown = [_readable(model, row, col) for row, col, _ in answer.broken[:3]]
        return Status.TIME_LIMIT, _stopped_infeasible(name, time_limit, mip, len(answer.broken), shown), False
    if status is Status.NOT_SOLVED or answer.x is None:
        if status is Status.TIME_LIMIT:
            return (
                status,
                (
                    f"the solver stopped at the time limit ({time_limit:g} s) before it found a feasible plan; give it more time "
                    "(--time-limit)"
                ),
                False,
            )
        return Status.NOT_SOLVED, f"the solver returned no solution ({answer.said})", False
    priced = "; whole units, with marginal prices from the LP with those decisions fixed" if mip else ""
    if status is Status.OPTIMAL:
        reached = "" if gap is None else f" (its cost is within {_percent(gap)} of the best possible)"
        said = f"optimal plan found within the gap of {_percent(mip_gap)}{reached}" if mip else "optimal plan found"
        return status, said + priced, True
    if gap is not None and gap <= mip_gap:
        return (
            Status.OPTIMAL,
            (
                f"optimal plan found within the gap of {_percent(mip_gap)}: the solver stopped at the time limit "
                f"({time_limit:g} s) with its cost within {_percent(gap)} of the best possible"
            )
            + priced,
            True,
        )
    message = (
        f"the solver stopped at the time limit ({time_limit:g} s); the plan shown is the best found, not proven optimal"
    )
    if gap is not None:
        message += (
            f"; its cost is within {_percent(gap)} of the best possible (more than the gap of {_percent(mip_gap)})"
        )
    return Status.TIME_LIMIT, message + priced, True


def _readable(model: Model, row: int | None, col: int | None) -> str:
    """The readable name of a broken row, or of a column whose bounds are broken."""
    if row is not None:
        return model.describe_row(row)
    assert col is not None, "a broken entry is a row or a column"
    return model.describe_column(col)


def _stopped_infeasible(name: str, time_limit: float | None, mip: bool, count: int, shown: list[str]) -> str:
    """What to say when the time limit stopped the solver at values that are no plan: ``count``
    rows or bounds broken, ``shown`` the worst."""
    lp = (
        "" if mip else " (a linear program stopped early has no feasible point at all, only the simplex's last iterate)"
    )
    limit = "" if time_limit is None else f" ({time_limit:g} s)"
    return (
        f"the solver stopped at the time limit{limit} before it found a feasible plan: {name}'s last values break "
        f"{count} constraints or bounds (e.g. {', '.join(shown)}){lp}; no plan is shown: give it more time "
        "(--time-limit)"
    )


def check_mip_gap(mip_gap: float) -> None:
    """Refuse a gap outside [0, 1).

    Raises
    ------
    ValueError
        With what a gap is and an example.
    """
    if not (isinstance(mip_gap, int | float) and 0.0 <= mip_gap < 1.0 and not math.isnan(mip_gap)):
        raise ValueError(f"mip_gap must be a fraction in [0, 1), e.g. 1e-4 for 0.01%; got {mip_gap!r}")


def _percent(fraction: float) -> str:
    """A gap as a percentage: ``0.0001`` -> ``'0.01%'``, ``5e-6`` -> ``'0.0005%'``."""
    return f"{fraction * 100:.2g}%"
