"""Solve a scenario: prepare its data, build the LP, run the solver, read back a ``Result``."""

from __future__ import annotations

import ctypes
import importlib.metadata
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import pulp
from pulp.apis.coin_api import COIN_CMD, PULP_CBC_CMD

from planner.build import Model, build
from planner.data import ModelData
from planner.gap import DEFAULT_MIP_GAP
from planner.result import Result, Status
from planner.scenario import Scenario

SolverName = Literal["cbc", "highs"]

CBC_OPTIONS = ["primalTolerance 1e-9", "dualTolerance 1e-9"]
"""CBC's feasibility and optimality tolerances, a hundred times tighter than its default 1e-7:
with the LP's scaling a row's round-off then stays below a millionth of the plan's cost (the
default let a fixed stock of 0.19 units drift by 1e-6 relative)."""


@dataclass(frozen=True)
class MipTolerances:
    """When a mixed-integer solve may stop, in the objective's money units (``model.money_unit`` USD).

    Attributes
    ----------
    relative_gap
        Stop when ``(cost - bound) / cost`` is at most this (``mip_gap``).
    absolute_gap
        Stop when ``cost - bound`` is at most this.
    min_improvement
        A new plan must be cheaper than the best found by at least this to be taken (CBC's
        ``increment``; HiGHS has no such option and takes any cheaper plan).
    """

    relative_gap: float
    absolute_gap: float
    min_improvement: float


ABSOLUTE_TOLERANCE_USD = 0.01
"""The absolute MIP gap and minimum improvement, in USD: a cent, below any cost a planner counts."""


def mip_tolerances(model: Model, mip_gap: float = DEFAULT_MIP_GAP) -> MipTolerances:
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
    return MipTolerances(relative_gap=mip_gap, absolute_gap=absolute, min_improvement=absolute)


def solve(
    scenario: Scenario | str | Path,
    solver: SolverName = "cbc",
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
        ``"cbc"``: the CBC solver installed with PuLP; ``"highs"``: HiGHS through highspy, in
        process, without writing a model file.
    time_limit
        Seconds the solver may run; at the limit the best plan found so far is returned with
        status ``time_limit``, once every row of the LP is checked to hold at its values
        (:func:`broken_rows`); values that break one are no plan, and the result has none.
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
    solver: SolverName = "cbc",
    time_limit: float | None = None,
    *,
    mip_gap: float = DEFAULT_MIP_GAP,
    log: bool = False,
    build_seconds: float = 0.0,
    write_lp: str | Path | None = None,
) -> Result:
    """Solve a model built with :func:`planner.build.build` (for instance after inspecting it).

    The model is left as built: the linear program that prices a whole-unit plan is solved on a
    copy, so the model can be solved again, with whole units.
    """
    if solver not in ("cbc", "highs"):
        raise ValueError(f"unknown solver {solver!r}; available: cbc, highs")
    _check_mip_gap(mip_gap)
    if write_lp is not None:
        model.write(write_lp)
    name = "CBC" if solver == "cbc" else "HiGHS"
    make, version, missing = _solver(solver, log)
    mip = model.problem.isMIP()
    info = {
        "solver": solver,
        "solver_version": version,
        "build_seconds": build_seconds,
        "mip_gap": mip_gap if mip else None,
    }
    if make is None:
        return Result.without_plan(model, Status.SOLVER_ERROR, missing, **info)
    started = time.perf_counter()
    command = make(time_limit, mip_tolerances(model, mip_gap))
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
    stopped = status is Status.TIME_LIMIT  # what the solver hands back then is checked row by row below
    has_plan = status in (Status.OPTIMAL, Status.TIME_LIMIT) and found
    gap = said.gap if has_plan else None
    if status is Status.TIME_LIMIT and not has_plan:
        message = f"the solver stopped at the time limit ({time_limit:g} s) before finding any plan; give it more time (--time-limit)"
    elif status is Status.TIME_LIMIT and gap is not None and gap <= mip_gap:
        status = Status.OPTIMAL
        message = (
            f"optimal plan found within the gap of {_percent(mip_gap)}: the solver stopped at the time limit "
            f"({time_limit:g} s) with its cost within {_percent(gap)} of the best possible"
        )
    elif status is Status.TIME_LIMIT and gap is not None:
        message += (
            f"; its cost is within {_percent(gap)} of the best possible (more than the gap of {_percent(mip_gap)})"
        )
    elif status is Status.OPTIMAL and mip:
        reached = "" if gap is None else f" (its cost is within {_percent(gap)} of the best possible)"
        message = f"optimal plan found within the gap of {_percent(mip_gap)}{reached}"
    info["gap"] = gap
    if has_plan and mip:
        try:
            _resolve_with_integers_fixed(model.problem, make(None, None))
        except pulp.PulpSolverError as exc:
            return Result.without_plan(
                model,
                Status.SOLVER_ERROR,
                f"{name} failed on the fixed LP: {exc}",
                **info,
                solve_seconds=time.perf_counter() - started,
            )
        message += "; whole units, with marginal prices from the LP with those decisions fixed"
    if has_plan and stopped:
        broken = broken_rows(model.problem)
        if broken:
            has_plan, status, info["gap"] = False, Status.TIME_LIMIT, None
            shown = [_readable(model, row) for row, _ in broken[:3]]
            message = _stopped_infeasible(name, time_limit, mip, len(broken), shown)
    seconds = time.perf_counter() - started
    if has_plan:
        return Result.from_model(model, status, message, **info, solve_seconds=seconds)
    return Result.without_plan(model, status, message, **info, solve_seconds=seconds)


FEASIBILITY_TOLERANCE = 1e-6
"""How far a row of the LP may be off, relative to its scale (the largest of 1, its constant
and its terms' magnitudes), for a plan to count as meeting it: far above CBC's and HiGHS's own
tolerances (1e-9 and 1e-7 of the scaled rows), far below any shortfall that matters."""


def broken_rows(problem: pulp.LpProblem, tolerance: float = FEASIBILITY_TOLERANCE) -> list[tuple[str, float]]:
    """The rows and variable bounds that the solver's values break, as ``(name, relative violation)``,
    worst first; empty when the values are a feasible plan.

    A solver stopped by its time limit hands back its last values whether or not they are
    feasible (CBC's simplex iterates on an LP stopped early meet no plan's every row), so a plan
    is only a plan once each of its rows is checked from those values. A variable without a value
    breaks its bounds.
    """
    broken = []
    for row in problem.constraints():
        name = row.name
        terms = [(coef, var.varValue) for var, coef in row.items()]
        if any(value is None for _, value in terms):
            broken.append((name, math.inf))
            continue
        products = [coef * value for coef, value in terms]
        lhs = math.fsum(products) + row.constant  # the row reads lhs <= 0, >= 0 or == 0
        off = {pulp.LpConstraintLE: max(0.0, lhs), pulp.LpConstraintGE: max(0.0, -lhs)}.get(row.sense, abs(lhs))
        scale = max(1.0, abs(row.constant), *(abs(p) for p in products))
        if off > tolerance * scale:
            broken.append((name, off / scale))
    for var in problem.variables():
        value = var.varValue
        if value is None:
            broken.append((var.name, math.inf))
            continue
        below = var.lowBound - value if var.lowBound is not None else 0.0
        above = value - var.upBound if var.upBound is not None else 0.0
        bound = var.lowBound if below > above else var.upBound
        off, scale = max(below, above), max(1.0, abs(bound or 0.0))
        if off > tolerance * scale:
            broken.append((var.name, off / scale))
    return sorted(broken, key=lambda item: -item[1])


def _readable(model: Model, name: str) -> str:
    """A row's or variable's name as the model's tables give it (``demand_balance[chat,prefill,2026-01]``)."""
    for frame in (*model.constraints.values(), *model.variables.values()):
        for item, readable in zip(frame.get("constraint", frame.get("var", ())), frame["name"], strict=True):
            if item.name == name:
                return str(readable)
    return name


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


def solver_command(
    solver: SolverName,
    time_limit: float | None = None,
    *,
    mip_gap: float = DEFAULT_MIP_GAP,
    model: Model | None = None,
    log: bool = False,
):
    """The PuLP solver object for ``solver`` (for solving a model by hand, as ``planner explain`` does).

    With whole units it stops within ``mip_gap``; the absolute tolerances are those of
    :func:`mip_tolerances` for ``model`` if given, else the solver's own.

    Raises
    ------
    RuntimeError
        If the solver is not installed; the message says how to install it.
    ValueError
        If ``mip_gap`` is not in [0, 1).
    """
    _check_mip_gap(mip_gap)
    make, _, missing = _solver(solver, log)
    if make is None:
        raise RuntimeError(missing)
    tolerances = mip_tolerances(model, mip_gap) if model is not None else MipTolerances(mip_gap, math.nan, math.nan)
    return make(time_limit, tolerances)


def solver_missing(solver: SolverName = "cbc") -> str | None:
    """Why ``solver`` cannot run here (not installed), with how to install it; None if it can."""
    return _solver(solver, False)[2]


def _check_mip_gap(mip_gap: float) -> None:
    if not (isinstance(mip_gap, int | float) and 0.0 <= mip_gap < 1.0):
        raise ValueError(f"mip_gap must be a fraction in [0, 1), e.g. 1e-4 for 0.01%; got {mip_gap!r}")


def _percent(fraction: float) -> str:
    """A gap as a percentage: ``0.0001`` -> ``'0.01%'``, ``5e-6`` -> ``'0.0005%'``."""
    return f"{fraction * 100:.2g}%"


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
    >>> _cbc_gap("Result - Optimal solution found (within gap tolerance)\\nObjective value:  4.0\\nLower bound:  3.0")
    0.25
    """
    objective = re.search(r"^Objective value:\s*(\S+)", log, re.MULTILINE)
    bound = re.search(r"^Lower bound:\s*(\S+)", log, re.MULTILINE)
    if objective and not bound and "Result - Optimal solution found" in log:
        return 0.0  # proven optimal: no bound is printed (it is, when CBC stops within the gap)
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


class _HiGHS(pulp.HiGHS):
    """HiGHS through highspy, without its banner unless its log is asked for: HiGHS prints the
    banner from C++ to file descriptor 1 as the solver object is made, before any option can
    silence it, and it would come before the one JSON object that ``--json`` promises there."""

    def createAndConfigureSolver(self, lp):
        if self.msg:
            return super().createAndConfigureSolver(lp)
        with _stdout_silenced():
            return super().createAndConfigureSolver(lp)


@contextmanager
def _stdout_silenced() -> Iterator[None]:
    """Drop what is written to file descriptor 1 meanwhile, by Python or by C code."""
    sys.stdout.flush()
    saved, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        yield
    finally:
        _flush_c_streams()  # what C buffered for descriptor 1 meanwhile is dropped too
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


def _flush_c_streams() -> None:
    with suppress(OSError, AttributeError, TypeError):  # no C library to ask (Windows): nothing buffered there
        ctypes.CDLL(None).fflush(None)


def _solver(solver: SolverName, log: bool):
    """``(make(time_limit, tolerances) -> PuLP solver, version, message if missing)`` for ``solver``;
    ``tolerances`` (:class:`MipTolerances`, None for the solver's defaults) apply to whole units."""
    if solver == "highs":
        try:
            version = importlib.metadata.version("highspy")
        except importlib.metadata.PackageNotFoundError:
            return (
                None,
                None,
                "HiGHS is not installed: reinstall the project (`make run`), which brings the highspy package",
            )

        def highs(limit: float | None, tolerances: MipTolerances | None):
            gaps = _gaps(tolerances)
            return _HiGHS(msg=log, timeLimit=limit, gapRel=gaps.get("gapRel"), gapAbs=gaps.get("gapAbs"))

        return highs, version, None
    path = cbc_path()
    if path is None:
        return (
            None,
            None,
            "the CBC solver was not found: reinstall the project (`make run`) so PuLP brings its CBC binary",
        )

    def cbc(limit: float | None, tolerances: MipTolerances | None):
        increment = (
            []
            if tolerances is None or math.isnan(tolerances.min_improvement)
            else [f"increment {tolerances.min_improvement:.6g}"]
        )
        return _CBC(path=path, msg=log, timeLimit=limit, options=CBC_OPTIONS + increment, **_gaps(tolerances))

    return cbc, cbc_version(path), None


def _gaps(tolerances: MipTolerances | None) -> dict[str, float]:
    """PuLP's ``gapRel`` and ``gapAbs`` for ``tolerances`` (an unknown absolute gap is left out)."""
    if tolerances is None:
        return {}
    gaps = {"gapRel": tolerances.relative_gap, "gapAbs": tolerances.absolute_gap}
    return {key: value for key, value in gaps.items() if not math.isnan(value)}


def _resolve_with_integers_fixed(problem: pulp.LpProblem, command) -> None:
    """Solve the LP of ``problem`` with every integer decision fixed at its value, and read its
    values and duals back onto ``problem``: a mixed-integer program has no duals, the LP around
    its solution does (the usual way to price a MILP). The LP is a copy, so ``problem`` stays a
    mixed-integer program that can be solved again."""
    fixed = pulp.LpProblem(problem.name, problem.sense)
    variables = problem.variables()
    twins = []
    for var in variables:
        whole = var.cat == pulp.LpInteger
        value = round(var.varValue or 0.0) if whole else None
        twins.append(
            fixed.add_variable(
                var.name, lowBound=value if whole else var.lowBound, upBound=value if whole else var.upBound
            )
        )
    twin_of = {var.name: twin for var, twin in zip(variables, twins, strict=True)}
    fixed.setObjective(
        pulp.LpAffineExpression(
            [(twin_of[v.name], c) for v, c in problem.objective.items()], problem.objective.constant
        )
    )
    rows = problem.constraints()
    twin_rows = [
        pulp.LpConstraint(
            pulp.LpAffineExpression([(twin_of[v.name], c) for v, c in row.items()]), row.sense, row.name, -row.constant
        )
        for row in rows
    ]
    for twin_row in twin_rows:
        fixed.addConstraint(twin_row)
    fixed.solve(command)
    for var, twin in zip(variables, twins, strict=True):
        var.varValue, var.dj = twin.varValue, twin.dj
    for row, twin_row in zip(rows, twin_rows, strict=True):
        row.pi, row.slack = twin_row.pi, twin_row.slack


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
