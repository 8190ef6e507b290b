"""Solve a scenario: prepare its data, build the LP, run the solver, read back a ``Result``."""

from __future__ import annotations

import importlib.metadata
import math
import os
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import pulp
from pulp.apis.coin_api import COIN_CMD, PULP_CBC_CMD

from planner.build import Model, build
from planner.data import ModelData
from planner.result import Result, Status
from planner.scenario import Scenario

SolverName = Literal["cbc", "highs"]

CBC_OPTIONS = ["primalTolerance 1e-9", "dualTolerance 1e-9"]
"""CBC's feasibility and optimality tolerances, a hundred times tighter than its default 1e-7:
with the LP's scaling a row's round-off then stays below a millionth of the plan's cost (the
default let a fixed stock of 0.19 units drift by 1e-6 relative)."""


def solve(
    scenario: Scenario | str | Path,
    solver: SolverName = "cbc",
    time_limit: float | None = None,
    *,
    log: bool = False,
) -> Result:
    """Find the least-cost build-and-serve plan for a scenario.

    Parameters
    ----------
    scenario
        A validated :class:`Scenario`, or the path of a scenario YAML file.
    solver
        ``"cbc"``: the CBC solver installed with PuLP; ``"highs"``: HiGHS through highspy (the
        ``highs`` extra), in process, without writing a model file.
    time_limit
        Seconds the solver may run; at the limit the best plan found so far is returned with
        status ``time_limit``.
    log
        Show the solver's own log.

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
    return solve_model(model, solver=solver, time_limit=time_limit, log=log, build_seconds=build_seconds)


def solve_model(
    model: Model,
    solver: SolverName = "cbc",
    time_limit: float | None = None,
    *,
    log: bool = False,
    build_seconds: float = 0.0,
) -> Result:
    """Solve a model built with :func:`planner.build.build` (for instance after inspecting it)."""
    if solver not in ("cbc", "highs"):
        raise ValueError(f"unknown solver {solver!r}; available: cbc, highs")
    name = "CBC" if solver == "cbc" else "HiGHS"
    make, version, missing = _solver(solver, log)
    info = {"solver": solver, "solver_version": version, "build_seconds": build_seconds}
    if make is None:
        return Result.without_plan(model, Status.SOLVER_ERROR, missing, **info)
    started = time.perf_counter()
    command = make(time_limit)
    try:
        model.problem.solve(command)
    except pulp.PulpSolverError as exc:
        return Result.without_plan(
            model, Status.SOLVER_ERROR, f"{name} failed: {exc}", **info, solve_seconds=time.perf_counter() - started
        )
    except (OSError, ValueError, IndexError) as exc:
        # PuLP could not read what the solver left behind: it crashed, or wrote half a file.
        message = f"PuLP could not read {name}'s answer ({type(exc).__name__}: {exc}); the solver probably crashed. Rerun with --solver to try the other one"
        return Result.without_plan(
            model, Status.SOLVER_ERROR, message, **info, solve_seconds=time.perf_counter() - started
        )
    said = _said(model.problem, command)
    status, message = _status(model.problem, time_limit, said.status)
    found = model.problem.sol_status != pulp.LpSolutionNoSolutionFound and said.feasible
    has_plan = status in (Status.OPTIMAL, Status.TIME_LIMIT) and found
    gap = said.gap if has_plan else None
    if status is Status.TIME_LIMIT and not has_plan:
        message = f"the solver stopped at the time limit ({time_limit:g} s) before finding any plan; give it more time (--time-limit)"
    elif status is Status.TIME_LIMIT and gap is not None:
        message += f"; its cost is within {gap * 100:.2g}% of the best possible"
    info["gap"] = gap
    if has_plan and model.problem.isMIP():
        try:
            _resolve_with_integers_fixed(model.problem, make(None))
        except pulp.PulpSolverError as exc:
            return Result.without_plan(
                model,
                Status.SOLVER_ERROR,
                f"{name} failed on the fixed LP: {exc}",
                **info,
                solve_seconds=time.perf_counter() - started,
            )
        message += "; whole units, with marginal prices from the LP with those decisions fixed"
    seconds = time.perf_counter() - started
    if has_plan:
        return Result.from_model(model, status, message, **info, solve_seconds=seconds)
    return Result.without_plan(model, status, message, **info, solve_seconds=seconds)


def solver_command(solver: SolverName, time_limit: float | None = None, *, log: bool = False):
    """The PuLP solver object for ``solver`` (for solving a model by hand, as ``planner explain`` does).

    Raises
    ------
    RuntimeError
        If the solver is not installed; the message says how to install it.
    """
    make, _, missing = _solver(solver, log)
    if make is None:
        raise RuntimeError(missing)
    return make(time_limit)


class _CBC(COIN_CMD):
    """CBC through PuLP, keeping what PuLP drops: CBC's own status line (PuLP reads every
    "Stopped ..." as not solved, but only CBC's words tell a time limit from numerical trouble)
    and, from its log, the best bound of a mixed-integer solve (for the gap)."""

    status_line = ""
    gap: float | None = None

    def actualSolve(self, lp, **kwargs):
        if self.msg:  # the log goes to the screen; no gap then
            return super().actualSolve(lp, **kwargs)
        with tempfile.TemporaryDirectory() as folder:
            log = Path(folder) / "cbc.log"
            self.optionsDict["logPath"] = str(log)
            try:
                return super().actualSolve(lp, **kwargs)
            finally:
                del self.optionsDict["logPath"]
                self.gap = _cbc_gap(log.read_text(encoding="utf-8", errors="replace")) if log.exists() else None

    def get_status(self, filename):
        with open(filename, encoding="utf-8", errors="replace") as f:
            self.status_line = f.readline().strip()
        return super().get_status(filename)


def _cbc_gap(log: str) -> float | None:
    """The relative gap from the summary CBC prints after a mixed-integer solve.

    >>> _cbc_gap("Result - Stopped on time limit\\nObjective value:   12.0\\nLower bound:   10.5\\nGap: 0.13")
    0.125
    >>> _cbc_gap("Result - Optimal solution found\\n\\nObjective value:  3.0"), _cbc_gap("Optimal - objective value 3") is None
    (0.0, True)
    """
    objective = re.search(r"^Objective value:\s*(\S+)", log, re.MULTILINE)
    bound = re.search(r"^Lower bound:\s*(\S+)", log, re.MULTILINE)
    if objective and "Result - Optimal solution found" in log:
        return 0.0  # proven optimal (within CBC's tolerances): no bound is printed
    if not (objective and bound):
        return None
    cost, best = float(objective.group(1)), float(bound.group(1))
    return max(0.0, cost - best) / max(abs(cost), 1e-9)


@dataclass(frozen=True)
class _Said:
    """What the solver itself said beyond PuLP's status: its own status word (CBC's status line,
    HiGHS's model status), whether it holds a feasible plan (PuLP takes HiGHS stopping at its
    time limit for a plan found even when it has none), and the gap of a mixed-integer solve."""

    status: str
    feasible: bool
    gap: float | None


def _said(problem: pulp.LpProblem, command) -> _Said:
    mip = problem.isMIP()
    if isinstance(command, _CBC):
        return _Said(command.status_line, True, command.gap if mip else None)
    model = getattr(problem, "solverModel", None)
    if model is None:
        return _Said("", True, None)
    info = model.getInfo()
    gap = float(info.mip_gap) if mip and math.isfinite(info.mip_gap) else None
    return _Said(model.getModelStatus().name, info.primal_solution_status == 2, gap)  # 2: kSolutionStatusFeasible


def _solver(solver: SolverName, log: bool):
    """``(make(time_limit) -> PuLP solver, version, message if missing)`` for ``solver``."""
    if solver == "highs":
        try:
            version = importlib.metadata.version("highspy")
        except importlib.metadata.PackageNotFoundError:
            return None, None, "HiGHS is not installed: pip install 'planner[highs]' (the highspy package)"
        return (lambda limit: pulp.HiGHS(msg=log, timeLimit=limit)), version, None
    path = cbc_path()
    if path is None:
        return (
            None,
            None,
            "the CBC solver was not found: reinstall the project (`make run`) so PuLP brings its CBC binary",
        )
    return (lambda limit: _CBC(path=path, msg=log, timeLimit=limit, options=CBC_OPTIONS)), cbc_version(path), None


def _resolve_with_integers_fixed(problem: pulp.LpProblem, command) -> None:
    """Fix every integer decision at its value and solve the remaining LP: a mixed-integer
    program has no duals, the LP around its solution does (the usual way to price a MILP)."""
    for var in problem.variables():
        if var.cat == pulp.LpInteger:
            value = round(var.varValue or 0.0)
            var.lowBound = var.upBound = value
            var.cat = pulp.LpContinuous
    problem.solve(command)


_NUMERICAL = (
    "Stopped on difficulties",
    "Stopped due to errors",
    "Status unknown",
    "kSolveError",
    "kPostsolveError",
    "kUnknown",
)
"""Solver statuses that mean numerical trouble: CBC's status line (its first words) or HiGHS's model status."""


def _status(problem: pulp.LpProblem, time_limit: float | None, solver_status: str = "") -> tuple[Status, str]:
    if solver_status.startswith(_NUMERICAL):
        return Status.NUMERICAL_TROUBLE, (
            f"the solver ran into numerical trouble ({solver_status}): run `planner inspect` to see the coefficient ranges "
            "and look for a figure off by a factor of 1,000 (kW for MW, tokens/s per unit, prices), or try the other solver (--solver)"
        )
    if problem.status == pulp.LpStatusOptimal and problem.sol_status == pulp.LpSolutionOptimal:
        return Status.OPTIMAL, "optimal plan found"
    if problem.sol_status == pulp.LpSolutionIntegerFeasible or (
        time_limit is not None and problem.status == pulp.LpStatusNotSolved
    ):
        return (
            Status.TIME_LIMIT,
            f"the solver stopped at the time limit ({time_limit:g} s); the plan shown is the best found, not proven optimal",
        )
    if problem.status == pulp.LpStatusInfeasible:
        return Status.INFEASIBLE, (
            "no plan meets every limit; run `planner explain` on the scenario to see which limits (site power, supply, "
            "quota, budget, commitments) must give way, where and by how much"
        )
    if problem.status == pulp.LpStatusUnbounded:
        return Status.UNBOUNDED, "the model is unbounded: a cost is negative somewhere; check prices and penalties"
    return (
        Status.NOT_SOLVED,
        f"the solver returned no solution (status {pulp.LpStatus.get(problem.status, problem.status)})",
    )


def cbc_path() -> str | None:
    """Path of the CBC binary: the one bundled with PuLP, else ``cbc`` on the PATH."""
    bundled = getattr(PULP_CBC_CMD, "pulp_cbc_path", None)
    if bundled and os.path.isfile(bundled) and os.access(bundled, os.X_OK):
        return os.path.realpath(bundled)
    on_path = COIN_CMD(msg=False).path
    return on_path if on_path and os.access(on_path, os.X_OK) else None


@cache
def cbc_version(path: str) -> str | None:
    """CBC's version string, read once per binary from its banner (e.g. ``'2.10.3'``)."""
    try:
        banner = subprocess.run(
            [path, "-quit"], capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"Version:\s*(\S+)", banner)
    return found.group(1) if found else None
