"""Solving an analysis's programs elsewhere, and reading each answer as a plan.

An analysis changes the built program (:class:`planner.lp.LinearProgram`) with numpy and hands
the copies, without their names (:func:`portable`), to :func:`planner.sweep.executor.run_tasks`,
which solves them in this process, on a local process pool or on a Dask cluster;
:func:`plan_of` reads a solver's answer back as a :class:`planner.Result` of the original model
(the columns are the model's; rows an analysis added are left out).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from planner.build import Model
from planner.lp import LinearProgram
from planner.result import Result, Status
from planner.solvers.solution import Solution


def portable(lp: LinearProgram) -> LinearProgram:
    """``lp`` without its names, which hold the whole model: what is sent to another process."""
    return replace(lp, names=None)


def plan_of(model: Model, answer: Solution, solver: str, *, priced: bool, what: str) -> Result:
    """The plan in ``answer`` (a solution of ``model.lp``, or of a copy with rows added after its
    own) as a :class:`Result` of ``model``.

    ``priced`` keeps the answer's row duals as the plan's marginal prices; otherwise they are NaN
    (an analysis whose objective is not the plan's cost has no prices of the plan). ``what`` names
    the program in the result's message. A stop at the time limit with a point is a plan
    (status ``time_limit``); an answer without one is a result without a plan.
    """
    rows, columns = model.lp.shape
    info = {"solver": solver, "solve_seconds": answer.seconds, "gap": answer.gap}
    if answer.x is None or answer.status not in (Status.OPTIMAL, Status.TIME_LIMIT):
        said = answer.message or answer.said or answer.status.value
        # A solver may call a program optimal yet hold no point within its tolerances: no plan either.
        status = Status.NOT_SOLVED if answer.status in (Status.OPTIMAL, Status.TIME_LIMIT) else answer.status
        return Result.without_plan(model, status, f"{what}: no plan ({said})", **info)
    duals = answer.row_dual[:rows] if priced and answer.row_dual is not None else np.full(rows, np.nan)
    stopped = "" if answer.status is Status.OPTIMAL else ", stopped at the time limit (best found, not proven)"
    message = f"{what}: optimal{stopped}"
    return Result.from_model(model, answer.x[:columns], duals, answer.status, message, **info)


def json_ready(row: Mapping[Hashable, Any]) -> dict[str, Any]:
    """A table row with numpy numbers as Python ones and NaN as None, for ``json.dumps``.

    >>> json_ready({"a": np.float64(1.5), "b": float("nan"), "c": "x"})
    {'a': 1.5, 'b': None, 'c': 'x'}
    """
    plain = {str(key): value.item() if isinstance(value, np.generic) else value for key, value in row.items()}
    return {key: None if isinstance(value, float) and math.isnan(value) else value for key, value in plain.items()}
