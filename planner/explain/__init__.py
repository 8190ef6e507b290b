"""Explain a scenario that has no plan, or whose plan leaves demand unserved: which limits stand in
the way, where, and by how much, in their own units.

The method is the elastic re-solve of ``docs/formulation.md`` ("Explaining a plan"): every row of
the families in :data:`LIMITS` gets a non-negative slack that lets it give way, weighted by one
over the size of its limit so that violations of different units compare as fractions. A first
solve finds the smallest weighted violation; a second, holding that fixed, the least-cost plan
among them, so the violations reported are the cheapest of the smallest.

- An infeasible scenario is relaxed as it is (unserved demand keeps its penalty).
- A plan that leaves demand unserved is asked to serve it: unserved demand weighs
  :data:`UNSERVED_WEIGHT` times a limit's full size, so limits give way first, and what still
  cannot be served (no fleet meets its latency targets, or none can be in service by then) is
  reported apart. No violation at all means serving it is possible but costs more than the
  unserved penalty.

The limits and their weights are in :mod:`planner.explain.limits`, the elastic LP set beside the
model's (slack columns, the two stages) in :mod:`planner.explain.relaxation`, and its answer read
back in the limits' own units and readable row names in :mod:`planner.explain.violations`.

The default scenario serves all its demand; without the central site's first hall it leaves a
little coding-agent demand unserved in its first months, and the explanation names the site
whose power is not there yet:

>>> from planner import Scenario, default_scenario_path
>>> from planner.explain import explain
>>> scenario = Scenario.from_yaml(default_scenario_path())
>>> explain(scenario).finding
'feasible'
>>> scenario.sites["central"].power_mw["2026-01"] = 0.0
>>> explanation = explain(scenario)
>>> explanation.finding
'unserved'
>>> explanation.grouped()[["limit", "subject", "unit", "first", "last"]].values.tolist()
[['site power', 'central', 'MW', '2026-04', '2026-06']]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from planner.build import build
from planner.data import ModelData
from planner.explain.limits import LIMITS, UNSERVED_WEIGHT, Limit
from planner.explain.relaxation import TRY_OTHERS, Relaxation, ResolveFailed, elastic, relax
from planner.explain.violations import UNSERVABLE_COLUMNS, VIOLATION_COLUMNS, grouped_violations
from planner.result import Result, Status
from planner.scenario import Scenario
from planner.solve import DEFAULT_MIP_GAP, DEFAULT_SOLVER, SolverName, solve_model

__all__ = [
    "LIMITS",
    "MAX_ALTERNATIVES",
    "UNSERVABLE_COLUMNS",
    "UNSERVED_WEIGHT",
    "VIOLATION_COLUMNS",
    "Explanation",
    "Finding",
    "Limit",
    "Relaxation",
    "explain",
    "grouped_violations",
]

Finding = Literal["feasible", "infeasible", "unserved", "unexplained"]

MAX_ALTERNATIVES = 2
"""Most other ways out an explanation looks for."""


@dataclass
class Explanation:
    """Why a scenario has no plan, or why its plan leaves demand unserved.

    Attributes
    ----------
    finding
        ``"feasible"``: an optimal plan that serves all demand, nothing to explain;
        ``"infeasible"``: no plan meets every limit, ``violations`` says which must give;
        ``"unserved"``: the plan leaves demand unserved, ``violations`` says which limits keep it
        from being served (none: serving it costs more than the penalty), ``unservable`` what no
        limit could change; ``"unexplained"``: no explanation could be found, and ``message`` says
        why (the plan's solve or the elastic re-solve did not finish, or they disagree) and what to
        try next; ``violations`` and ``unservable`` are then empty, not a finding.
    message
        The finding in a sentence or two.
    result
        The plan of the scenario as given.
    violations
        One row per limit that must give way: ``family``, ``limit`` (in words), ``subject`` (the
        site, fleet, vendor... it applies to), ``period``, ``constraint`` (its readable name),
        ``sense`` (``"at most"`` or ``"at least"``), ``unit``, ``value`` (the limit as set), ``violation`` (by how much it must give, > 0),
        ``relaxed_value`` (the limit at which a plan exists), ``relative`` (violation over
        value), ``fix``.
    unservable
        Demand no relaxation can serve: ``period, workload, phase, tokens_per_s, reason``.
    relaxed_objective_usd
        Cost (present value, USD) of the least-cost plan with the violations (with the demand
        served, for ``"unserved"``).
    alternatives
        Other ways out, each relaxing none of the limit families an earlier one relaxed (up to
        :data:`MAX_ALTERNATIVES`): "or else raise this quota".
    """

    finding: Finding
    message: str
    result: Result
    violations: pd.DataFrame
    unservable: pd.DataFrame
    relaxed_objective_usd: float | None = None
    alternatives: list[Relaxation] = field(default_factory=list)

    def grouped(self) -> pd.DataFrame:
        """The violations per limit and subject over the periods: ``family, limit, subject, sense,
        value, unit, periods`` (how many), ``first, last`` (period labels), ``largest_violation``,
        and where it is largest the limit's ``value``, its ``relaxed_value`` and the ``fix``;
        the largest relative violations first."""
        return grouped_violations(self.violations)


def explain(
    scenario: Scenario,
    solver: SolverName = DEFAULT_SOLVER,
    time_limit: float | None = None,
    *,
    mip_gap: float = DEFAULT_MIP_GAP,
) -> Explanation:
    """Solve ``scenario``; if it has no plan or leaves demand unserved, find the smallest
    violations of its limits that would give it one (or serve the demand).

    Parameters
    ----------
    scenario
        A validated scenario.
    solver, time_limit, mip_gap
        As for :func:`planner.solve`, used for each solve: the plan as given, then two per way
        out (the smallest violation, then the cheapest plan with it).

    Returns
    -------
    Explanation
    """
    model = build(ModelData.from_scenario(scenario))
    result = solve_model(model, solver=solver, time_limit=time_limit, mip_gap=mip_gap)
    empty = pd.DataFrame(columns=VIOLATION_COLUMNS), pd.DataFrame(columns=UNSERVABLE_COLUMNS)
    if result.status is Status.OPTIMAL:
        unserved = result.unserved
        if unserved.empty or unserved["tokens"].sum() <= 1e-9 * max(result.demand["tokens"].sum(), 1.0):
            return Explanation(
                "feasible", "The plan is optimal and serves all demand: nothing to explain.", result, *empty
            )
        mode: Finding = "unserved"
    elif result.status is Status.INFEASIBLE:
        mode = "infeasible"
    else:
        return Explanation(
            "unexplained",
            f"Cannot explain: the plan's solve ended with status {result.status.value} ({result.message}), and the "
            f"limits are only weighed against a solve that finished. {_NEXT_STEP.get(result.status, TRY_OTHERS)}",
            result,
            *empty,
        )

    # One elastic LP beside the model's for every way out; the solve leaves the model as it was.
    problem = elastic(model, serve_demand=mode == "unserved")
    try:
        first = relax(problem, solver, time_limit, mip_gap)
    except ResolveFailed as exc:
        return Explanation(
            "unexplained",
            f"Cannot explain: the elastic re-solve, with every limit allowed to give way, {exc}.",
            result,
            *empty,
        )
    unexplained = _contradiction(mode, result, first)
    if unexplained is not None:
        return Explanation("unexplained", unexplained, result, *empty)
    # Other ways out: forbid the limits each answer relaxed and ask again, while that still serves
    # as much (or, for an infeasible scenario, still finds a plan).
    alternatives: list[Relaxation] = []
    blocked = set(first.violations["family"])
    while blocked and len(alternatives) < MAX_ALTERNATIVES:
        try:
            other = relax(problem, solver, time_limit, mip_gap, blocked)
        except ResolveFailed:  # no other way out found: the first still stands
            break
        if other.violations.empty or other.unserved_tokens_per_s > first.unserved_tokens_per_s * (1 + 1e-6) + 1e-6:
            break
        alternatives.append(other)
        blocked |= set(other.violations["family"])
    message = _message(mode, result, first.violations, first.unservable, first.relaxed_objective_usd)
    return Explanation(
        mode, message, result, first.violations, first.unservable, first.relaxed_objective_usd, alternatives
    )


_NEXT_STEP = {
    Status.TIME_LIMIT: "Give the solver more time (--time-limit), or try the other solver (--solver).",
    Status.UNBOUNDED: "No limit is at fault when the cost can fall without end: look for a negative price or penalty.",
    Status.SOLVER_ERROR: "Install or repair the solver as the status says, or try the other one (--solver).",
}
"""What to try next when the plan's own solve did not finish, by its status (else :data:`TRY_OTHERS`)."""


def _contradiction(mode: Finding, result: Result, first: Relaxation) -> str | None:
    """Why the elastic re-solve's answer explains nothing, or None if it explains the finding.

    A scenario found infeasible whose every limit holds in the re-solve's plan, or a plan leaving
    demand unserved that the re-solve serves for less than the plan's own objective, means the two
    solves disagree: numerical trouble, not a limit."""
    if mode == "infeasible" and first.violations.empty:
        return (
            "Cannot explain: the plan's solve found no plan, yet the elastic re-solve found one that relaxes no limit "
            "(no violation, no unservable demand). The two solves disagree, which points at numerical trouble rather "
            f"than a limit in the way. {TRY_OTHERS}"
        )
    objective = result.objective_usd
    if (
        mode == "unserved"
        and first.violations.empty
        and first.unservable.empty
        and objective is not None
        and first.relaxed_objective_usd < objective * (1 - 1e-6) - 1e-6
    ):
        return (
            f"Cannot explain: the plan leaves demand unserved at an objective of ${objective:,.0f}, yet the elastic "
            f"re-solve serves all of it within every limit for ${first.relaxed_objective_usd:,.0f}: the plan was not "
            f"optimal after all, which points at numerical trouble. {TRY_OTHERS}"
        )
    return None


def _message(
    mode: Finding, result: Result, violations: pd.DataFrame, unservable: pd.DataFrame, relaxed_usd: float
) -> str:
    grouped = grouped_violations(violations)
    columns = ["limit", "subject", "sense", "value", "unit", "largest_violation", "first", "last", "periods"]
    changes = "; ".join(
        f"{limit} {subject} ({sense} {_number(value)} {unit}) {'over' if sense == 'at most' else 'short'} "
        f"by {_number(largest)} {unit} ({first}{'' if periods == 1 else f' to {last}, {periods} periods'})"
        for limit, subject, sense, value, unit, largest, first, last, periods in grouped.head(3)[columns].itertuples(
            index=False, name=None
        )
    ) + ("; ..." if len(grouped) > 3 else "")
    if mode == "infeasible":
        return f"No plan meets every limit. The smallest changes that make one exist: {changes}. The least-cost plan with them costs ${relaxed_usd:,.0f}."
    tokens = float(result.unserved["tokens"].sum())
    share = tokens / float(result.demand["tokens"].sum())
    head = f"The optimal plan leaves {share:.2%} of demand unserved ({tokens:,.0f} tokens)."
    if violations.empty and unservable.empty:
        # The plan that serves everything carries no penalty: its objective is its plan cost.
        extra = relaxed_usd - float(result.plan_cost_usd or 0.0)
        return (
            f"{head} Every limit allows serving it, but that costs more than the unserved penalty of "
            f"${result.scenario.policy.unserved_penalty_usd_per_mtok:,.2f}/Mtok (a modelling weight): the plan that "
            f"serves it would pay ${extra:,.0f} more (present value). "
            "Raise policy.unserved_penalty_usd_per_mtok if it must be served."
        )
    parts = [head]
    if len(violations):
        parts.append(f"Serving it needs these limits relaxed: {changes}.")
    if len(unservable):
        parts.append(
            f"{len(unservable)} period-workload-phase rows cannot be served by relaxing any limit (see the reasons)."
        )
    return " ".join(parts)


def _number(value: float) -> str:
    return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
