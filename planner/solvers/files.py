"""The LP for people: written to a file another solver or a specialist reads, or made a PuLP
problem to explore in a notebook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from planner.lp import LinearProgram

FORMATS = {".mps": "MPS", ".lp": "LP text"}
"""File endings :func:`write_lp` writes, and what it writes for each."""


def write_lp(
    lp: LinearProgram,
    path: str | Path,
    column_names: list[str] | None = None,
    row_names: list[str] | None = None,
) -> Path:
    """Write ``lp`` to ``path``, MPS for ``.mps``, LP text for ``.lp`` (HiGHS's writers), with
    whole columns marked.

    Names must already be solver-safe (letters, digits, underscores: see
    :func:`planner.build.solver_name`); without them the names of ``lp.names`` are made so, and
    without those the columns are ``c<j>`` and the rows ``r<i>``.

    Raises
    ------
    ValueError
        If ``path`` ends in neither ``.mps`` nor ``.lp``.
    OSError
        If the file cannot be written.
    """
    import highspy

    from planner.solvers.highs import loaded

    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise ValueError(f"{path}: name the file .mps (MPS) or .lp (LP text)")
    column_names, row_names = _names(lp, column_names, row_names)
    rows, cols = lp.shape
    highs = loaded(  # named, as HiGHS would name them otherwise: a file an LP's reader takes as an LP
        lp,
        column_names=column_names or [f"c{j}" for j in range(cols)],
        row_names=row_names or [f"r{i}" for i in range(rows)],
    )
    if highs.writeModel(str(path)) == highspy.HighsStatus.kError or not path.exists():
        raise OSError(f"{path}: could not be written")
    return path


def _names(
    lp: LinearProgram, column_names: list[str] | None, row_names: list[str] | None
) -> tuple[list[str] | None, list[str] | None]:
    """The names to write: those given, else ``lp``'s made solver-safe, else None (HiGHS's own)."""
    if lp.names is None or (column_names is not None and row_names is not None):
        return column_names, row_names
    from planner.build import solver_name

    columns, rows = lp.names()
    return (
        [solver_name(name) for name in columns] if column_names is None else column_names,
        [solver_name(name) for name in rows] if row_names is None else row_names,
    )


def to_pulp(lp: LinearProgram, column_names: list[str] | None = None, row_names: list[str] | None = None) -> Any:
    """``lp`` as a ``pulp.LpProblem`` (minimized): its columns as variables with their bounds and
    integrality, its rows as constraints, its objective with the offset as a constant.

    Names are as :func:`write_lp` takes them (``c<j>`` and ``r<i>`` without any). A row bounded
    on both sides by different values becomes two constraints, ``<name>_lower`` and
    ``<name>_upper``; a row bounded on neither side is left out.
    """
    import pulp

    rows, cols = lp.shape
    column_names, row_names = _names(lp, column_names, row_names)
    column_names = column_names or [f"c{j}" for j in range(cols)]
    row_names = row_names or [f"r{i}" for i in range(rows)]
    problem = pulp.LpProblem("planner", pulp.LpMinimize)
    variables = [
        problem.add_variable(
            name,
            lowBound=None if np.isneginf(low) else float(low),
            upBound=None if np.isposinf(high) else float(high),
            cat=pulp.LpInteger if whole else pulp.LpContinuous,
        )
        for name, low, high, whole in zip(column_names, lp.lower, lp.upper, lp.integer, strict=True)
    ]
    used = np.flatnonzero(lp.cost)
    problem.setObjective(pulp.LpAffineExpression([(variables[j], float(lp.cost[j])) for j in used], constant=lp.offset))
    matrix = lp.matrix.tocsr()
    for i, name in enumerate(row_names):
        start, end = matrix.indptr[i], matrix.indptr[i + 1]
        terms = [
            (variables[j], float(c)) for j, c in zip(matrix.indices[start:end], matrix.data[start:end], strict=True)
        ]
        low, high = float(lp.row_lower[i]), float(lp.row_upper[i])
        if low == high:
            problem.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintEQ, name, low))
            continue
        bounds = [(low, pulp.LpConstraintGE, "lower"), (high, pulp.LpConstraintLE, "upper")]
        finite = [(value, sense, side) for value, sense, side in bounds if np.isfinite(value)]
        for value, sense, side in finite:
            label = name if len(finite) == 1 else f"{name}_{side}"
            problem.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(terms), sense, label, value))
    return problem
