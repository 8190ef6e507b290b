"""HiGHS through highspy, in memory: the matrix is handed over with ``Highs.passModel``, no file.

highspy is imported when a solve needs it, never when the package is: the command line starts
without it.
"""

from __future__ import annotations

import ctypes
import math
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import replace
from typing import Any

import numpy as np

from planner.lp import LinearProgram
from planner.solvers.solution import Solution, Tolerances, finish, given
from planner.status import Status

NUMERICAL = frozenset({"kSolveError", "kPostsolveError", "kUnknown"})
"""HiGHS model statuses that mean numerical trouble."""

LIMITS = frozenset(
    {
        "kTimeLimit",
        "kIterationLimit",
        "kSolutionLimit",
        "kInterrupt",
        "kHighsInterrupt",
        "kObjectiveBound",
        "kObjectiveTarget",
    }
)
"""HiGHS model statuses of a solve stopped before it was proven: reported as ``TIME_LIMIT``."""

REFUSED = frozenset({"kLoadError", "kModelError", "kMemoryLimit"})
MIP_PROGRESS: ContextVar[Callable[[float], None] | None] = ContextVar("MIP_PROGRESS", default=None)
"""A listener told the gap (a fraction of the plan's cost) each time a whole-unit solve finds a
better plan; the command line's progress line sets it. Unset (the default), nothing is called."""
"""HiGHS model statuses of a model it could not take or hold: a solver error."""

FEASIBLE = 2
"""``getInfo().primal_solution_status`` when HiGHS holds a feasible point (kSolutionStatusFeasible)."""


@contextmanager
def stdout_silenced() -> Iterator[None]:
    """Drop what is written to file descriptor 1 meanwhile, by Python or by C code.

    HiGHS prints its banner from C++ to descriptor 1 as a ``Highs`` object is made, before any
    option can silence it (``output_flag=False`` set right after construction comes too late, in
    highspy 1.16 as before), and ``--json`` promises one JSON object alone on the standard output.
    """
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


FEASIBILITY_TOLERANCES = {"primal_feasibility_tolerance": 1e-9, "dual_feasibility_tolerance": 1e-9}
"""HiGHS's feasibility tolerances, as CBC's (:data:`planner.solvers.cbc.CBC_OPTIONS`), a hundred
times tighter than its default 1e-7: a workload's demand in a month can be that small in the LP's
rate unit next to a large one's, and HiGHS left it neither served nor reported unserved."""


def new_highs(log: bool = False) -> Any:
    """A ``Highs`` object, silent unless ``log`` (then its log goes to the standard output), with
    the planner's feasibility tolerances."""
    import highspy

    if log:
        highs = highspy.Highs()
    else:
        with stdout_silenced():
            highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
    for name, value in FEASIBILITY_TOLERANCES.items():
        highs.setOptionValue(name, value)
    return highs


def loaded(
    lp: LinearProgram, log: bool = False, column_names: list[str] | None = None, row_names: list[str] | None = None
) -> Any:
    """A ``Highs`` object holding ``lp`` (columns, rows and integrality passed as arrays), with
    these names if given (HiGHS calls them ``c<j>`` and ``r<i>`` otherwise).

    Raises
    ------
    ValueError
        If HiGHS refuses the model (a NaN coefficient or bound, say).
    """
    import highspy

    highs = new_highs(log)
    if column_names is not None or row_names is not None:
        return _named(highs, lp, column_names, row_names)
    rows, cols = lp.shape
    # The arrays are passed as they are: setting a HighsLp's fields converts them element by
    # element (0.09 s of the 0.1 s hand-off of the large benchmark plan, against 0.01 s this way).
    # Row-wise, as the program holds them; HiGHS makes its column-wise copy itself.
    status = highs.passModel(
        cols,
        rows,
        lp.nonzeros,
        int(highspy.MatrixFormat.kRowwise),
        int(highspy.ObjSense.kMinimize),
        lp.offset,
        as_floats(lp.cost),
        as_floats(lp.lower),
        as_floats(lp.upper),
        as_floats(lp.row_lower),
        as_floats(lp.row_upper),
        as_indices(lp.indptr),
        as_indices(lp.indices),
        as_floats(lp.data),
        as_indices(lp.integer),  # 0 and 1: HiGHS's kContinuous and kInteger
    )
    if status == highspy.HighsStatus.kError:
        raise ValueError(REFUSED_MODEL)
    return highs


REFUSED_MODEL = "HiGHS refused the model (a NaN or misplaced coefficient or bound)"


def _named(highs: Any, lp: LinearProgram, column_names: list[str] | None, row_names: list[str] | None) -> Any:
    """``highs`` holding ``lp`` with these names, for a file a person reads: through a ``HighsLp``,
    which marks integrality only for a MIP (HiGHS writes an LP's file without integer sections)."""
    import highspy

    model = highspy.HighsLp()
    rows, cols = lp.shape
    model.num_col_, model.num_row_ = cols, rows
    model.col_cost_ = lp.cost
    model.col_lower_, model.col_upper_ = lp.lower, lp.upper
    model.row_lower_, model.row_upper_ = lp.row_lower, lp.row_upper
    model.offset_ = lp.offset
    matrix = lp.matrix.tocsc()
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.num_col_, model.a_matrix_.num_row_ = cols, rows
    model.a_matrix_.start_, model.a_matrix_.index_, model.a_matrix_.value_ = matrix.indptr, matrix.indices, matrix.data
    if lp.is_mip:
        kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
        model.integrality_ = [kinds[whole] for whole in lp.integer.tolist()]
    if column_names is not None:
        model.col_names_ = column_names
    if row_names is not None:
        model.row_names_ = row_names
    if highs.passModel(model) == highspy.HighsStatus.kError:
        raise ValueError(REFUSED_MODEL)
    return highs


INTERIOR_POINT_NONZEROS = 1_000_000
"""From this many nonzeros a cold LP solve uses HiGHS's interior point method (then crossover to
a basic solution, which gives the duals) instead of its dual simplex. Measured on the benchmark
plans (`bench/`): the large one (330k nonzeros) took 4.6 s by simplex and 8.5 s by interior point;
the xl one (1.6M nonzeros) took 177 s by interior point and 311 s by simplex, on a quiet machine
(CBC's dual simplex took 154 s on it). Warm re-solves
(:class:`planner.solvers.session.HighsSession`) stay with the simplex, which starts from a basis."""


def cold_method(lp: LinearProgram) -> str:
    """HiGHS's ``solver`` option for a cold solve of ``lp``: ``"ipm"`` (interior point, then
    crossover to a basis and its duals) for an LP of :data:`INTERIOR_POINT_NONZEROS` or more,
    ``"choose"`` (HiGHS's own choice: the dual simplex for an LP) otherwise."""
    return "ipm" if not lp.is_mip and lp.nonzeros >= INTERIOR_POINT_NONZEROS else "choose"


def solve(
    lp: LinearProgram,
    *,
    time_limit: float | None = None,
    tolerances: Tolerances | None = None,
    node_limit: int | None = None,
    log: bool = False,
) -> Solution:
    """Solve ``lp`` with HiGHS: its MIP priced by the LP with the integer columns fixed, a point
    stopped at a limit kept only if feasible (:func:`planner.solvers.solution.finish`)."""
    started = time.perf_counter()
    try:
        highs = loaded(lp, log)
    except ValueError as exc:
        return Solution(Status.SOLVER_ERROR, seconds=time.perf_counter() - started, message=str(exc))
    highs.setOptionValue("solver", cold_method(lp))
    first = run(highs, lp, time_limit=time_limit, tolerances=tolerances, node_limit=node_limit)
    return finish(lp, first, lambda fixed: run(loaded(fixed, log), fixed), started)


def run(
    highs: Any,
    lp: LinearProgram,
    *,
    time_limit: float | None = None,
    tolerances: Tolerances | None = None,
    node_limit: int | None = None,
) -> Solution:
    """Run ``highs`` (holding ``lp``) with these limits and read its answer; an answer of
    infeasible-or-unbounded is decided (:func:`_decided`)."""
    tolerances = tolerances or Tolerances()
    relative, absolute = given(tolerances.relative_gap), given(tolerances.absolute_gap)
    options = {
        "time_limit": math.inf if time_limit is None else float(time_limit),
        "mip_rel_gap": 1e-4 if relative is None else relative,  # HiGHS's defaults, set again for a session's solves
        "mip_abs_gap": 1e-6 if absolute is None else absolute,
        "mip_max_nodes": 2**31 - 1 if node_limit is None else int(node_limit),
    }
    for name, value in options.items():
        highs.setOptionValue(name, value)
    listener = MIP_PROGRESS.get()
    if listener is not None and lp.is_mip:
        highs.cbMipImprovingSolution.subscribe(lambda event: listener(float(event.data_out.mip_gap)))
    started = time.perf_counter()
    try:
        highs.run()
    finally:
        if listener is not None and lp.is_mip:
            highs.cbMipImprovingSolution.clear()
    said = word = highs.getModelStatus().name
    iterations = _iterations(highs)
    if word == "kUnboundedOrInfeasible":
        word, how, more = _decided(highs)
        said, iterations = f"{said}; {how}: {word}", iterations + more
    return _read(highs, lp, word, said, iterations, time.perf_counter() - started)


def _iterations(highs: Any) -> int:
    info = highs.getInfo()
    counts = (info.simplex_iteration_count, info.ipm_iteration_count, info.crossover_iteration_count)
    return sum(max(0, int(count)) for count in counts)


def _decided(highs: Any) -> tuple[str, str, int]:
    """Whether a model HiGHS found infeasible or unbounded is the one or the other, as
    ``(model status, how it was found, iterations)``: solved again without presolve (which is
    what cannot tell them apart), then, if still undecided, with a zero cost (feasible then
    means unbounded). Options and costs are restored afterwards."""
    highs.setOptionValue("presolve", "off")
    try:
        highs.run()
        word, iterations = highs.getModelStatus().name, _iterations(highs)
        if word != "kUnboundedOrInfeasible":
            return word, "without presolve", iterations
        costs = np.asarray(highs.getLp().col_cost_, dtype=float)
        everything = np.arange(len(costs), dtype=np.int32)
        highs.changeColsCost(len(costs), everything, np.zeros_like(costs))
        try:
            highs.run()
            found, iterations = highs.getModelStatus().name, iterations + _iterations(highs)
        finally:
            highs.changeColsCost(len(costs), everything, costs)
        decided = {"kOptimal": "kUnbounded", "kInfeasible": "kInfeasible"}.get(found, "kUnboundedOrInfeasible")
        return decided, f"with a zero cost {found}", iterations
    finally:
        highs.setOptionValue("presolve", "choose")


def _read(highs: Any, lp: LinearProgram, word: str, said: str, iterations: int, seconds: float) -> Solution:
    """HiGHS's answer, its model status ``word`` (``said`` in full), as a :class:`Solution`
    (before a MIP is priced)."""
    status = _status(word, lp)
    base = Solution(status, said=said, seconds=seconds, iterations=iterations)
    if status is Status.SOLVER_ERROR:
        return replace(base, message=f"HiGHS could not take or hold the model ({said})")
    info = highs.getInfo()
    if status not in (Status.OPTIMAL, Status.TIME_LIMIT) or info.primal_solution_status != FEASIBLE:
        return base
    solution = highs.getSolution()
    x = np.array(solution.col_value, dtype=float)
    duals = solution.dual_valid and not lp.is_mip
    gap = float(info.mip_gap) if lp.is_mip and math.isfinite(info.mip_gap) else None
    return replace(
        base,
        x=x,
        row_dual=np.array(solution.row_dual, dtype=float) if duals else None,
        col_dual=np.array(solution.col_dual, dtype=float) if duals else None,
        objective=float(info.objective_function_value),
        gap=gap,
    )


def _status(said: str, lp: LinearProgram) -> Status:
    if said == "kOptimal" or (said == "kModelEmpty" and lp.shape[1] == 0):
        return Status.OPTIMAL
    if said == "kInfeasible":
        return Status.INFEASIBLE
    if said == "kUnbounded":
        return Status.UNBOUNDED
    if said in LIMITS:
        return Status.TIME_LIMIT
    if said in NUMERICAL:
        return Status.NUMERICAL_TROUBLE
    if said in REFUSED:
        return Status.SOLVER_ERROR
    return Status.NOT_SOLVED


def as_indices(values: np.ndarray) -> np.ndarray:
    """Indices as HiGHS takes them (32-bit integers)."""
    return np.asarray(values, dtype=np.int32)


def as_floats(values: np.ndarray) -> np.ndarray:
    """Numbers as HiGHS takes them (contiguous doubles)."""
    return np.ascontiguousarray(values, dtype=float)
