"""Warm re-solves: a sweep's worker keeps one LP in HiGHS while its runs change only costs and bounds.

Each run's model is built in full, then compared with the LPs the worker's sessions hold. When the
matrix's sparsity pattern, the integrality and the objective's offset are those of a session's LP,
only the coefficients (a site's PUE, a fleet's capital cost where a budget counts it), costs,
column bounds and row bounds that differ are changed in that session and the run is solved again
from its last basis; otherwise (a new fleet, another horizon, whole units switched on) a new
session is started. The
comparison needs no rule per swept path, so it cannot go stale as the model changes. A cost
vector scaled by another money unit (the power of ten nearest the median cost) simply differs in
every entry; the results are read with the run's own model.

A whole-unit (MIP) run gains less: HiGHS starts its branch and bound afresh each time; only the
LP that prices the plan (the integer decisions fixed) is solved again warm.

>>> import numpy as np
>>> from planner.lp import LinearProgram
>>> def lp(cost, upper):
...     return LinearProgram.from_triplets(
...         rows=np.array([0, 0]), cols=np.array([0, 1]), coefs=np.array([1.0, 1.0]),
...         cost=np.array(cost), lower=np.zeros(2), upper=np.array(upper),
...         row_lower=np.array([4.0]), row_upper=np.array([np.inf]))
>>> found = changes(lp([2.0, 3.0], [9.0, 9.0]), lp([2.0, 1.0], [3.0, 9.0]))
>>> found.cost.tolist(), found.bounds.tolist(), found.row_bounds.tolist()
([1], [0], [])
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from planner.lp import LinearProgram
from planner.scenario import Scenario

if TYPE_CHECKING:
    from planner.solvers.session import HighsSession


@dataclass(frozen=True)
class Changes:
    """What differs between two LPs of one structure: the indices of the columns whose cost
    differs, of the columns whose lower or upper bound differs, of the rows whose bounds do, and
    of the matrix's stored coefficients that do."""

    cost: np.ndarray
    bounds: np.ndarray
    row_bounds: np.ndarray
    coefficients: np.ndarray


def changes(held: LinearProgram, new: LinearProgram) -> Changes | None:
    """What turns ``held`` into ``new`` when only coefficients, costs and bounds differ; None when
    the structure differs (shape, matrix pattern, integrality or objective offset)."""
    if (
        held.shape != new.shape
        or held.offset != new.offset
        or not np.array_equal(held.integer, new.integer)
        or not _same_pattern(held, new)
    ):
        return None
    return Changes(
        cost=np.flatnonzero(held.cost != new.cost),
        bounds=np.flatnonzero((held.lower != new.lower) | (held.upper != new.upper)),
        row_bounds=np.flatnonzero((held.row_lower != new.row_lower) | (held.row_upper != new.row_upper)),
        coefficients=np.flatnonzero(held.data != new.data),
    )


def _same_pattern(held: LinearProgram, new: LinearProgram) -> bool:
    return (
        held.nonzeros == new.nonzeros
        and np.array_equal(held.indptr, new.indptr)
        and np.array_equal(held.indices, new.indices)
    )


KEPT_SESSIONS = 2
"""Sessions a worker keeps, one per structure, the least recently used let go first: two let a
grid whose fastest-varying value changes the structure (whole units on and off, two PUEs)
alternate between two warm sessions, while holding at most two copies of a large LP."""


class WarmSessions:
    """The HiGHS sessions of one worker: :meth:`session_for` hands back a session holding an LP,
    an existing one changed in place when it held an LP of the same structure, or a new one.

    Attributes
    ----------
    started
        Sessions started (a first run, or a run whose structure no kept session had).
    reused
        Runs solved in a kept session, with its costs and bounds changed.
    """

    def __init__(self, log: bool = False, kept: int = KEPT_SESSIONS) -> None:
        self._sessions: OrderedDict[bytes, HighsSession] = OrderedDict()
        self._log = log
        self._kept = kept
        self.started = 0
        self.reused = 0

    def session_for(self, lp: LinearProgram) -> HighsSession:
        """A session holding ``lp``, to be solved warm when a kept session had its structure."""
        from planner.solvers.session import HighsSession

        key = structure(lp)
        session = self._sessions.get(key)
        if session is not None:
            found = changes(session.lp, lp)
            if found is not None:
                apply(session, lp, found)
                self._sessions.move_to_end(key)
                self.reused += 1
                return session
        self._sessions.pop(key, None)
        while len(self._sessions) >= self._kept:  # let the oldest go before a new LP is held
            self._sessions.popitem(last=False)
        session = self._sessions[key] = HighsSession(lp, log=self._log)
        self.started += 1
        return session

    def forget(self, lp: LinearProgram) -> None:
        """Drop the session of ``lp``'s structure (after a solve that failed in it: the next run
        of that structure starts afresh)."""
        self._sessions.pop(structure(lp), None)


def structure(lp: LinearProgram) -> bytes:
    """A digest of what a session cannot change: the shape, the matrix's pattern, the integrality
    and the objective's offset."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(np.array([*lp.shape, lp.nonzeros, lp.offset], dtype=float).tobytes())
    # The index arrays as 64-bit, whatever width they were made with (a matrix changed through
    # scipy holds 32-bit ones): the digest is of their values.
    for part in (lp.indptr, lp.indices):
        digest.update(np.ascontiguousarray(part, dtype=np.int64).tobytes())
    digest.update(np.ascontiguousarray(lp.integer).tobytes())
    return digest.digest()


def apply(session: HighsSession, lp: LinearProgram, found: Changes) -> None:
    """Make ``session`` hold ``lp`` by the changes ``found`` (from :func:`changes`)."""
    if len(found.coefficients):
        session.set_coefficients(lp.matrix)
    if len(found.cost):
        session.set_costs(found.cost, lp.cost[found.cost])
    if len(found.bounds):
        session.set_bounds(found.bounds, lp.lower[found.bounds], lp.upper[found.bounds])
    if len(found.row_bounds):
        session.set_row_bounds(found.row_bounds, lp.row_lower[found.row_bounds], lp.row_upper[found.row_bounds])


def warm_and_cold(scenario: Scenario, values: dict[str, Any]) -> dict[str, Any]:
    """The solver's own seconds and iterations for one run that sets ``values``, solved warm in the
    session of ``scenario`` (solved first) and cold in a new one: what a sweep's worker saves per
    run (a benchmark's figure; building the run's model is not counted).

    Returns
    -------
    dict
        ``warm`` (whether the run's LP had the base's structure, so that it was solved warm),
        ``warm_seconds``, ``cold_seconds``, ``warm_iterations``, ``cold_iterations``, and the
        objective of each (``warm_objective``, ``cold_objective``, in LP units).
    """
    from planner.build import build
    from planner.data import ModelData
    from planner.overrides import with_values
    from planner.solvers import solve_lp

    sessions = WarmSessions()
    sessions.session_for(build(ModelData.from_scenario(scenario)).lp).solve()
    lp = build(ModelData.from_scenario(with_values(scenario, values), checked=True)).lp
    warm = sessions.session_for(lp).solve()
    cold = solve_lp(lp, "highs")
    return {
        "warm": sessions.reused == 1,
        "warm_seconds": warm.seconds,
        "cold_seconds": cold.seconds,
        "warm_iterations": warm.iterations,
        "cold_iterations": cold.iterations,
        "warm_objective": warm.objective,
        "cold_objective": cold.objective,
    }
