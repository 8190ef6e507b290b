"""The solvers, reading a :class:`~planner.lp.LinearProgram` and handing back arrays.

``solve_lp(lp, "highs")`` solves in memory with HiGHS (highspy); ``solve_lp(lp, "cbc")`` writes
an MPS file for the CBC binary bundled with PuLP and reads its solution file back. Both give a
:class:`Solution` whose duals follow one sign convention (see :mod:`planner.solvers.solution`),
and a MIP's duals come from the LP with its integer columns fixed at the plan's values.

:class:`~planner.solvers.session.HighsSession` keeps one LP in HiGHS to solve it again, warm,
after costs or bounds change.

>>> import numpy as np
>>> lp = LinearProgram.from_triplets(
...     rows=np.array([0, 0]), cols=np.array([0, 1]), coefs=np.array([1.0, 1.0]),
...     cost=np.array([2.0, 3.0]), lower=np.zeros(2), upper=np.full(2, np.inf),
...     row_lower=np.array([4.0]), row_upper=np.array([np.inf]))
>>> answer = solve_lp(lp, "highs")
>>> answer.status.value, answer.objective, answer.x.tolist(), answer.row_dual.tolist()
('optimal', 8.0, [4.0, 0.0], [2.0])
"""

from __future__ import annotations

import importlib.metadata
import importlib.util

from planner.lp import LinearProgram
from planner.solvers.cbc import cbc_path, cbc_version
from planner.solvers.files import to_pulp, write_lp
from planner.solvers.solution import (
    FEASIBILITY_TOLERANCE,
    Solution,
    SolverName,
    Tolerances,
    broken_rows,
    failed,
)

__all__ = [
    "FEASIBILITY_TOLERANCE",
    "Solution",
    "SolverName",
    "Tolerances",
    "broken_rows",
    "cbc_path",
    "solve_lp",
    "solver_missing",
    "solver_version",
    "to_pulp",
    "write_lp",
]

SOLVERS = ("cbc", "highs")


def solve_lp(
    lp: LinearProgram,
    solver: SolverName,
    *,
    time_limit: float | None = None,
    tolerances: Tolerances | None = None,
    node_limit: int | None = None,
    log: bool = False,
) -> Solution:
    """Solve ``lp`` with ``solver``.

    Parameters
    ----------
    lp
        The program (minimized).
    solver
        ``"cbc"`` (the binary bundled with PuLP) or ``"highs"`` (highspy, in memory).
    time_limit
        Seconds the solver may run; stopped there, the status is ``TIME_LIMIT`` and ``x`` the
        best feasible point found, or None if the solver holds none (its last values are
        checked row by row: :func:`broken_rows`).
    tolerances
        When a MIP may stop (:class:`Tolerances`); None leaves the solver's defaults.
    node_limit
        Branch-and-bound nodes a MIP may explore (CBC ``maxNodes``, HiGHS ``mip_max_nodes``);
        stopped there, the status is ``TIME_LIMIT`` too (``said`` tells which limit), a stop that
        does not depend on the machine's speed.
    log
        Show the solver's log on the standard output.

    Returns
    -------
    Solution
        Never raises for a solver's failure: a missing solver, a crash or an unreadable answer is
        ``SOLVER_ERROR`` with a ``message``.

    Raises
    ------
    ValueError
        If ``solver`` is neither ``"cbc"`` nor ``"highs"``.
    """
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; available: {', '.join(SOLVERS)}")
    missing = solver_missing(solver)
    if missing is not None:
        return failed(missing)
    from planner.solvers import cbc, highs

    backend = highs if solver == "highs" else cbc
    return backend.solve(lp, time_limit=time_limit, tolerances=tolerances, node_limit=node_limit, log=log)


def solver_missing(solver: SolverName = "cbc") -> str | None:
    """Why ``solver`` cannot run here (not installed), with how to install it; None if it can."""
    if solver == "highs":
        if importlib.util.find_spec("highspy") is None:
            return "HiGHS is not installed: reinstall the project (`make run`), which brings the highspy package"
        return None
    from planner.solvers import cbc

    return cbc.MISSING if cbc.cbc_path() is None else None


def solver_version(solver: SolverName = "cbc") -> str | None:
    """The installed version of ``solver`` (CBC's read once from its banner), None if missing."""
    if solver == "highs":
        try:
            return importlib.metadata.version("highspy")
        except importlib.metadata.PackageNotFoundError:
            return None
    path = cbc_path()
    return None if path is None else cbc_version(path)
