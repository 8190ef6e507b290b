"""How a solve ended: the status every solver's answer is read into."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """How a solve ended."""

    OPTIMAL = "optimal"
    """A proven least-cost plan (it may still leave demand unserved, at its penalty); with whole
    units, proven within the stated relative gap (``mip_gap``) of the least cost."""
    TIME_LIMIT = "time_limit"
    """The solver hit the time limit; the plan, if any, is the best found, not proven optimal
    (nor within the stated gap)."""
    INFEASIBLE = "infeasible"
    """No plan satisfies the hard constraints."""
    UNBOUNDED = "unbounded"
    """The cost can fall without limit: some cost is negative."""
    NUMERICAL_TROUBLE = "numerical_trouble"
    """The solver stopped on numerical difficulties: the model is badly scaled somewhere."""
    NOT_SOLVED = "not_solved"
    """The solver returned without a solution."""
    SOLVER_ERROR = "solver_error"
    """The solver is missing or failed."""
