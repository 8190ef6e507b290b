"""The elastic re-solve: the model's LP with a slack column on every row of the limits, solved
for the smallest weighted violation, then for the cheapest plan with it.

The slacks are one identity block, signed by each row's sense, beside the LP's matrix:
``row - slack <= limit`` for an upper limit, ``row + slack >= limit`` for a lower one. The second
stage keeps the first stage's weighted violation (and unserved demand) from growing, by two rows
appended below the matrix, and minimises the plan's own cost.
"""

from __future__ import annotations

import math
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from planner.build import Model
from planner.explain.limits import LIMITS, UNSERVED_WEIGHT, demand_of, sizes
from planner.explain.violations import UNSERVABLE_COLUMNS, grouped_violations, unservable, violations
from planner.lp import LinearProgram
from planner.solve import SolverName, mip_tolerances
from planner.solvers import Solution, Tolerances, solve_lp
from planner.status import Status

TRY_OTHERS = (
    "Try the other solver (--solver highs or cbc), and run `planner inspect` to look for a coefficient off by a "
    "factor of 1,000 (kW for MW, tokens/s per unit, prices)."
)
"""What to try when a solve's answer makes no sense."""

_SLACK_SIGN = {"<=": -1.0, ">=": 1.0}
"""The slack's coefficient in a row of each sense: it lets the row's value pass its limit. The
limits are one-sided (an equality is definitional, never relaxed: a family of them has no sign here)."""

_ROOM = (1e-8, 1e-6, 1e-4)
"""Room (relative and absolute) the cheapest plan has over the smallest violation: round-off
only, widened if the solver's tolerances need it."""


@dataclass
class Relaxation:
    """One way to make a plan exist (or serve the demand): the limits that give way.

    Attributes
    ----------
    violations, unservable, relaxed_objective_usd
        As in :class:`planner.explain.Explanation`.
    unserved_tokens_per_s
        Demand still unserved with these violations (summed over periods and phases).
    """

    violations: pd.DataFrame
    unservable: pd.DataFrame
    relaxed_objective_usd: float
    unserved_tokens_per_s: float

    def grouped(self) -> pd.DataFrame:
        """The violations per limit and subject, as :meth:`planner.explain.Explanation.grouped`."""
        return grouped_violations(self.violations)


class ResolveFailed(Exception):
    """The elastic re-solve ended without an optimal answer; the message says how, and what to try."""


@dataclass(frozen=True)
class Elastic:
    """The model's LP with a slack on every limit row, and the two objectives of the first stage.

    Attributes
    ----------
    model
        The model as built.
    lp
        Its LP with one more column per slack (continuous, non-negative, costing nothing).
    slacks
        ``family, position, row, col, weight``: the family, the row's place in its frame and its
        LP row, the slack's column, and one over the limit's size (so violations of different
        units compare as fractions of their limits).
    violation, shortfall
        Per column of ``lp``, the weight of the slacks, and of the unserved demand (asked to serve
        it: :data:`UNSERVED_WEIGHT` over the demand; zero when a plan is only asked to exist).
    serve_demand
        Whether the demand is to be served (a plan that leaves some unserved), not only a plan
        found (an infeasible scenario, whose unserved demand keeps its penalty).
    """

    model: Model
    lp: LinearProgram
    slacks: pd.DataFrame
    violation: np.ndarray
    shortfall: np.ndarray
    serve_demand: bool


def elastic(model: Model, serve_demand: bool) -> Elastic:
    """Give every row of the :data:`~planner.explain.limits.LIMITS` families of ``model`` a slack;
    with ``serve_demand``, unserved demand weighs far more than any limit giving way."""
    lp, data = model.lp, model.data
    frames = [
        pd.DataFrame(
            {
                "family": family,
                "position": np.arange(len(rows)),
                "row": rows["row"].to_numpy(dtype=np.int64),
                "sign": [_SLACK_SIGN[sense] for sense in rows["sense"]],
                "weight": 1.0 / sizes(family, rows, data),
            }
        )
        for family in LIMITS
        if (rows := model.constraints.get(family)) is not None and len(rows)
    ]
    empty = pd.DataFrame({"family": [], "position": [], "row": [], "sign": [], "weight": []})
    slacks = pd.concat(frames, ignore_index=True) if frames else empty
    count, (height, width) = len(slacks), lp.shape
    slacks = slacks.assign(col=np.arange(width, width + count, dtype=np.int64))
    block = sp.csr_matrix(
        (slacks["sign"].to_numpy(dtype=float), (slacks["row"].to_numpy(dtype=np.int64), np.arange(count))),
        shape=(height, count),
    )
    relaxed = lp.replaced(
        matrix=sp.hstack([lp.matrix, block], format="csr"),
        cost=np.concatenate([lp.cost, np.zeros(count)]),
        lower=np.concatenate([lp.lower, np.zeros(count)]),
        upper=np.concatenate([lp.upper, np.full(count, np.inf)]),
        integer=np.concatenate([lp.integer, np.zeros(count, dtype=bool)]),
        names=None,
    )
    violation = np.zeros(width + count)
    violation[slacks["col"].to_numpy()] = slacks["weight"].to_numpy(dtype=float)
    shortfall = np.zeros(width + count)
    if serve_demand:
        unserved = model.variables["unserved"]
        rate = demand_of(unserved, data)
        positive = rate > 0
        shortfall[unserved["col"].to_numpy()[positive]] = UNSERVED_WEIGHT / rate[positive]
    return Elastic(model, relaxed, slacks, violation, shortfall, serve_demand)


def relax(
    problem: Elastic,
    solver: SolverName,
    time_limit: float | None,
    mip_gap: float,
    blocked: AbstractSet[str] = frozenset(),
) -> Relaxation:
    """The smallest violations of the limits (all but the ``blocked`` families) that give a plan
    (that serve the demand, when asked to), the cheapest among them.

    Each stage is solved by ``solver`` within ``time_limit`` seconds and, with whole units, the
    relative ``mip_gap``.

    Raises
    ------
    ResolveFailed
        If the solver finds no such plan, stops at its time limit or fails; the message says which.
    """
    model, lp = problem.model, problem.lp
    upper = lp.upper.copy()
    upper[problem.slacks.loc[problem.slacks["family"].isin(blocked), "col"].to_numpy(dtype=np.int64)] = 0.0
    # The first stage weighs violations against each other, not money: only the relative gap applies.
    first = replace(lp, cost=problem.violation + problem.shortfall, offset=0.0, upper=upper)
    answer = solve_lp(first, solver, time_limit=time_limit, tolerances=Tolerances(mip_gap, math.nan, math.nan))
    x = _point(answer, time_limit, blocked)
    least = np.array([problem.violation @ x, problem.shortfall @ x])
    # Among the plans with the smallest violation, the cheapest: ties are broken by cost, not by chance.
    bounded = sp.vstack([lp.matrix, sp.csr_matrix(np.vstack([problem.violation, problem.shortfall]))], format="csr")
    tolerances = mip_tolerances(model, mip_gap)
    for room in _ROOM:
        cheapest = lp.replaced(
            matrix=bounded,
            upper=upper,
            row_lower=np.concatenate([lp.row_lower, np.full(2, -np.inf)]),
            row_upper=np.concatenate([lp.row_upper, least * (1 + room) + room]),
        )
        second = solve_lp(
            cheapest,
            solver,
            time_limit=time_limit,
            tolerances=Tolerances(tolerances.relative_gap, tolerances.absolute_gap, tolerances.min_improvement),
        )
        if second.status is Status.OPTIMAL and second.x is not None:
            x = second.x
            break
    else:
        room = 0.0  # report the first stage's plan
    # What the room lets the cheapest plan spread over other limits is round-off, not a finding.
    noise = max(1e-6, 10 * room * (least[0] + 1))
    columns = lp.shape[1] - len(problem.slacks)
    plan = x[:columns]
    return Relaxation(
        violations(model, problem.slacks, x, noise),
        unservable(model, plan) if problem.serve_demand else pd.DataFrame(columns=UNSERVABLE_COLUMNS),
        model.lp.objective(plan) * model.money_unit,
        float(model.value("unserved", plan).sum()) * model.data.rate_unit,
    )


def _point(answer: Solution, time_limit: float | None, blocked: AbstractSet[str]) -> np.ndarray:
    """The first stage's point if it is proven optimal, else raise :class:`ResolveFailed` saying
    how it ended (a whole-unit solve stopped early has a plan, but not the smallest violation)."""
    if answer.status is Status.OPTIMAL and answer.x is not None:
        return answer.x
    if answer.status is Status.SOLVER_ERROR:
        said = answer.message or answer.said
        raise ResolveFailed(f"failed in the solver ({said}). {TRY_OTHERS} If it persists, report it with the scenario")
    if answer.status is Status.TIME_LIMIT:
        limit = "" if time_limit is None else f" ({time_limit:g} s)"
        raise ResolveFailed(
            f"stopped at the time limit{limit} before it found the smallest violations. "
            "Give it more time (--time-limit, which each of explain's solves may take)"
        )
    relaxed = f"every limit but {', '.join(sorted(blocked))}" if blocked else "every limit"
    raise ResolveFailed(
        f"ended {answer.status.value.replace('_', ' ')} with {relaxed} allowed to give way: the rows that never "
        f"give way (demand balance, capacity, stock) contradict each other, or the solver is in numerical trouble. "
        f"{TRY_OTHERS} If it persists, report it with the scenario"
    )
