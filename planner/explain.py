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
[['site power', 'central', 'MW', '2026-03', '2026-06']]
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import pulp

from planner.build import MUSD, Model, build, solver_name
from planner.data import ModelData
from planner.result import Result, Status
from planner.scenario import Scenario
from planner.solve import DEFAULT_MIP_GAP, SolverName, solve_model, solver_command

Finding = Literal["feasible", "infeasible", "unserved", "unexplained"]


@dataclass(frozen=True)
class Limit:
    """A family of hard limits that the elastic re-solve may relax, and how to speak of it.

    Attributes
    ----------
    what
        The limit in a planner's words.
    unit
        Unit of its violations (``None``: per row, from the contract's measure).
    to_unit
        Multiplier from the LP's scaled unit to ``unit`` (share and coverage rows, measured
        against what is served, are converted row by row instead).
    floor
        Smallest size (LP units) a limit is weighed against, so a zero limit weighs as this.
    fix
        How to give the limit room; ``{keys}`` are the row's index values and ``{period}``.
    """

    what: str
    unit: str | None
    to_unit: float
    floor: float
    fix: str


LIMITS: dict[str, Limit] = {
    "power_limit": Limit(
        "site power",
        "MW",
        1.0,
        1.0,
        "raise sites.{site}.power_mw for {period} (or add an expansion), or install fewer units there",
    ),
    "supply": Limit(
        "units delivered",
        "units",
        1.0,
        1.0,
        "raise fleets.{fleet}.max_build_units_per_period for {period}, or build earlier",
    ),
    "quota": Limit("rental quota", "units", 1.0, 1.0, "raise fleets.{fleet}.quota_units for {period}"),
    "budget": Limit("capital budget", "USD", MUSD, 1.0, "raise policy.capex_budget_usd_per_year for {year}"),
    "contract": Limit(
        "commitment",
        None,
        1.0,
        1.0,
        "lower contracts.{contract}.{minimum} for {period}, or give it room (site power, supply, quota)",
    ),
    "kv_bandwidth": Limit(
        "KV link bandwidth", "GB/s", 1.0, 1.0, "raise the bandwidth_gb_s of the kv_link {prefill_site} -> {decode_site}"
    ),
    "vendor_share": Limit(
        "vendor share",
        "points of tokens served",
        1.0,
        0.0,
        "raise the share limit of vendor {group} (policy.vendor_share_limits or max_vendor_share)",
    ),
    "provider_share": Limit(
        "provider share",
        "points of tokens served",
        1.0,
        0.0,
        "raise the share limit of provider {group} (policy.provider_share_limits or max_provider_share)",
    ),
    "category_share": Limit(
        "category share", "points of tokens served", 1.0, 0.0, "raise policy.category_share_limits.{group}"
    ),
    "resilience_demand": Limit(
        "vendor-loss coverage",
        "tokens/s",
        1.0,
        0.0,
        "lower policy.vendor_loss_coverage, add other vendors' capacity, or exempt {workload}",
    ),
}
"""The relaxable families. Every other family is definitional (stock, pairing, capacity...) and
holds in every plan."""

MAX_ALTERNATIVES = 2
"""Most other ways out an explanation looks for."""

UNSERVED_WEIGHT = 1e4
"""Weight of leaving a demand row wholly unserved, against 1 for a limit exceeded by its own size."""

VIOLATION_COLUMNS = [
    "family",
    "limit",
    "subject",
    "period",
    "constraint",
    "sense",
    "unit",
    "value",
    "violation",
    "relaxed_value",
    "relative",
    "fix",
]
UNSERVABLE_COLUMNS = ["period", "workload", "phase", "tokens_per_s", "reason"]


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


def grouped_violations(violations: pd.DataFrame) -> pd.DataFrame:
    """Violations per limit and subject over the periods (see :meth:`Explanation.grouped`)."""
    columns = [
        "family",
        "limit",
        "subject",
        "sense",
        "value",
        "unit",
        "periods",
        "first",
        "last",
        "largest_violation",
        "relaxed_value",
        "fix",
    ]
    if violations.empty:
        return pd.DataFrame(columns=columns)
    frame = violations.reset_index(drop=True)
    keys = ["family", "limit", "subject", "sense", "unit"]
    largest = frame.loc[frame.groupby(keys, sort=False)["violation"].idxmax()]
    spans = frame.groupby(keys, sort=False).agg(
        periods=("period", "size"), first=("period", "first"), last=("period", "last")
    )
    out = largest.merge(spans.reset_index(), on=keys).rename(columns={"violation": "largest_violation"})
    return out.sort_values("relative", ascending=False, kind="stable")[columns].reset_index(drop=True)


def explain(
    scenario: Scenario, solver: SolverName = "cbc", time_limit: float | None = None, *, mip_gap: float = DEFAULT_MIP_GAP
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
    data = ModelData.from_scenario(scenario)
    result = solve_model(build(data), solver=solver, time_limit=time_limit, mip_gap=mip_gap)
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
            f"limits are only weighed against a solve that finished. {_NEXT_STEP.get(result.status, _TRY_OTHERS)}",
            result,
            *empty,
        )

    command = solver_command(solver, time_limit, mip_gap=mip_gap)
    try:
        first = _elastic(data, mode, command)
    except _ResolveFailed as exc:
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
            other = _elastic(data, mode, command, blocked)
        except _ResolveFailed:  # no other way out found: the first still stands
            break
        if other.violations.empty or other.unserved_tokens_per_s > first.unserved_tokens_per_s * (1 + 1e-6) + 1e-6:
            break
        alternatives.append(other)
        blocked |= set(other.violations["family"])
    message = _message(mode, result, first.violations, first.unservable, first.relaxed_objective_usd)
    return Explanation(
        mode, message, result, first.violations, first.unservable, first.relaxed_objective_usd, alternatives
    )


_TRY_OTHERS = (
    "Try the other solver (--solver highs or cbc), and run `planner inspect` to look for a coefficient off by a "
    "factor of 1,000 (kW for MW, tokens/s per unit, prices)."
)
_NEXT_STEP = {
    Status.TIME_LIMIT: "Give the solver more time (--time-limit), or try the other solver (--solver).",
    Status.UNBOUNDED: "No limit is at fault when the cost can fall without end: look for a negative price or penalty.",
    Status.SOLVER_ERROR: "Install or repair the solver as the status says, or try the other one (--solver).",
}
"""What to try next when the plan's own solve did not finish, by its status (else :data:`_TRY_OTHERS`)."""


class _ResolveFailed(Exception):
    """The elastic re-solve ended without an optimal answer; the message says how, and what to try."""


def _contradiction(mode: Finding, result: Result, first: Relaxation) -> str | None:
    """Why the elastic re-solve's answer explains nothing, or None if it explains the finding.

    A scenario found infeasible whose every limit holds in the re-solve's plan, or a plan leaving
    demand unserved that the re-solve serves for less than the plan's own objective, means the two
    solves disagree: numerical trouble, not a limit."""
    if mode == "infeasible" and first.violations.empty:
        return (
            "Cannot explain: the plan's solve found no plan, yet the elastic re-solve found one that relaxes no limit "
            "(no violation, no unservable demand). The two solves disagree, which points at numerical trouble rather "
            f"than a limit in the way. {_TRY_OTHERS}"
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
            f"optimal after all, which points at numerical trouble. {_TRY_OTHERS}"
        )
    return None


@dataclass
class Relaxation:
    """One way to make a plan exist (or serve the demand): the limits that give way.

    Attributes
    ----------
    violations, unservable, relaxed_objective_usd
        As in :class:`Explanation`.
    unserved_tokens_per_s
        Demand still unserved with these violations (summed over periods and phases).
    """

    violations: pd.DataFrame
    unservable: pd.DataFrame
    relaxed_objective_usd: float
    unserved_tokens_per_s: float

    def grouped(self) -> pd.DataFrame:
        """The violations per limit and subject, as :meth:`Explanation.grouped`."""
        return grouped_violations(self.violations)


def _elastic(data: ModelData, mode: Finding, command, blocked: AbstractSet[str] = frozenset()) -> Relaxation:
    """The smallest violations of the limits (all but the ``blocked`` families) that give a plan
    (that serve the demand, in ``"unserved"`` mode), the cheapest among them.

    Raises
    ------
    _ResolveFailed
        If the solver finds no such plan, stops at its time limit or fails; the message says which.
    """
    model = build(data)
    slacks = _relax(model, data)
    for var in slacks.loc[slacks["family"].isin(blocked), "var"]:
        var.upBound = 0.0
    violation = _weighted(slacks)
    # Asked to serve the demand: leaving it unserved weighs far more than any limit giving way.
    shortfall = _weighted(_unserved_weights(model, data) if mode == "unserved" else slacks[:0])
    cost = model.problem.objective
    model.problem.setObjective(violation + shortfall)
    _solve_elastic(model.problem, command, blocked)
    smallest = {var: var.varValue for var in model.problem.variables()}
    least = [(expression, float(pulp.value(expression) or 0.0)) for expression in (violation, shortfall)]
    model.problem.setObjective(cost)
    # Among the plans with the smallest violation, the cheapest: ties are broken by cost, not by
    # chance. The bounds leave room for round-off only, widened if the solver's tolerances need it.
    for room in (1e-8, 1e-6, 1e-4):
        bounds = [
            pulp.LpConstraint(e, pulp.LpConstraintLE, f"explain_least_{i}", v * (1 + room) + room)
            for i, (e, v) in enumerate(least)
        ]
        for bound in bounds:
            model.problem.addConstraint(bound)
        model.problem.solve(command)
        if _finished(model.problem):
            break
        for bound in bounds:
            del model.problem.constraints[bound.name]
    else:
        room = 0.0
        for var, value in smallest.items():  # report the first solve's plan
            var.varValue = value
    # What the room lets the cheapest plan spread over other limits is round-off, not a finding.
    violations = _violations(model, data, slacks, noise=max(1e-6, 10 * room * (least[0][1] + 1)))
    unservable = _unservable(model, data) if mode == "unserved" else pd.DataFrame(columns=UNSERVABLE_COLUMNS)
    unserved = float(sum(v.varValue or 0.0 for v in model.variables["unserved"]["var"])) * data.rate_unit
    return Relaxation(violations, unservable, float(pulp.value(cost)) * model.money_unit, unserved)


def _solve_elastic(problem: pulp.LpProblem, command, blocked: AbstractSet[str]) -> None:
    """Solve the elastic problem; raise :class:`_ResolveFailed` saying how it ended if not optimal."""
    try:
        problem.solve(command)
    except (pulp.PulpSolverError, OSError, ValueError, IndexError) as exc:  # as solve_model: a crash, a torn answer
        raise _ResolveFailed(f"failed in the solver ({type(exc).__name__}: {exc}). {_TRY_OTHERS}") from exc
    if _finished(problem):
        return
    status = problem.status
    limit = getattr(command, "timeLimit", None)
    if limit is not None and status in (pulp.LpStatusNotSolved, pulp.LpStatusOptimal):
        raise _ResolveFailed(
            f"stopped at the time limit ({limit:g} s) before it found the smallest violations. "
            "Give it more time (--time-limit, which each of explain's solves may take)"
        )
    relaxed = f"every limit but {', '.join(sorted(blocked))}" if blocked else "every limit"
    raise _ResolveFailed(
        f"ended {pulp.LpStatus.get(status, status).lower()} with {relaxed} allowed to give way: the rows that never "
        f"give way (demand balance, capacity, stock) contradict each other, or the solver is in numerical trouble. "
        f"{_TRY_OTHERS} If it persists, report it with the scenario"
    )


def _finished(problem: pulp.LpProblem) -> bool:
    """Whether the solver proved its answer optimal: CBC stopped early ("Stopped on time" or "on
    iterations") hands back values PuLP marks optimal but integer-feasible, which on a linear
    program are no plan at all, and on whole units not the smallest violation."""
    return problem.status == pulp.LpStatusOptimal and problem.sol_status != pulp.LpSolutionIntegerFeasible


def _relax(model: Model, data: ModelData) -> pd.DataFrame:
    """Give every row of the :data:`LIMITS` families a slack: ``expr - slack <= rhs`` or
    ``expr + slack >= rhs``. Returns ``family, row, var, weight`` with ``weight`` = 1 / size."""
    frames = []
    for family in LIMITS:
        rows = model.constraints.get(family)
        if rows is None or rows.empty:
            continue
        scale = np.maximum(np.abs(rows["rhs"].to_numpy(dtype=float)), _floor(family, rows, data))
        slacks = []
        for name, constraint in zip(rows["name"], rows["constraint"], strict=True):
            slack = model.problem.add_variable(solver_name(f"relax_{name}"), lowBound=0)
            constraint.expr.addterm(slack, 1.0 if constraint.sense == pulp.LpConstraintGE else -1.0)
            slacks.append(slack)
        frames.append(
            pd.DataFrame({"family": family, "row": np.arange(len(rows)), "var": slacks, "weight": 1.0 / scale})
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["family", "row", "var", "weight"])


def _floor(family: str, rows: pd.DataFrame, data: ModelData) -> np.ndarray:
    """Size to weigh a row's violation against when its limit is small or zero: for share rules
    the period's demand (the most that could be served), for vendor-loss coverage the row's demand."""
    if family in ("vendor_share", "provider_share", "category_share"):
        return np.maximum(_demand(data).groupby("t")["weighted"].sum().reindex(rows["t"]).fillna(0.0).to_numpy(), 1e-9)
    if family == "resilience_demand":
        return np.maximum(_demand_of(rows, data), 1e-9)
    return np.full(len(rows), LIMITS[family].floor)


def _demand(data: ModelData) -> pd.DataFrame:
    """Demand rows ``workload, phase, t, k`` with ``rate`` in LP rate units and ``weighted``, the
    rate times its slice's share of the hours (what share rules count)."""
    demand = data.demand[["workload", "phase", "t", "k", "tokens_per_s"]]
    rate = demand["tokens_per_s"].to_numpy() / data.rate_unit
    return demand.assign(rate=rate, weighted=rate * demand["k"].map(data.slices["hours_share"]).to_numpy())


def _demand_of(rows: pd.DataFrame, data: ModelData) -> np.ndarray:
    """The demand rate (LP units) of each row's workload, phase, period and slice."""
    keys = ["workload", "phase", "t", "k"]
    return rows[keys].merge(_demand(data)[[*keys, "rate"]], on=keys, how="left")["rate"].fillna(0.0).to_numpy()


def _weighted(terms: pd.DataFrame) -> pulp.LpAffineExpression:
    """``sum(weight * var)`` over the rows of ``terms``."""
    expression = pulp.LpAffineExpression()
    for var, weight in zip(terms["var"], terms["weight"], strict=True):
        expression.addterm(var, weight)
    return expression


def _unserved_weights(model: Model, data: ModelData) -> pd.DataFrame:
    """``var, weight``: each unserved variable weighs :data:`UNSERVED_WEIGHT` over its demand."""
    unserved = model.variables["unserved"]
    rate = _demand_of(unserved, data)
    positive = rate > 0
    return pd.DataFrame({"var": unserved["var"].to_numpy()[positive], "weight": UNSERVED_WEIGHT / rate[positive]})


def _violations(model: Model, data: ModelData, slacks: pd.DataFrame, noise: float) -> pd.DataFrame:
    """The slacks above ``noise`` (as a fraction of their limit), in their families' units."""
    values = np.array([v.varValue or 0.0 for v in slacks["var"]], dtype=float)
    relative = values * slacks["weight"].to_numpy(dtype=float)
    real = (values > 1e-9) & (relative > noise)
    used = slacks[real].assign(slack=values[real])
    frames = []
    for family, chosen in used.groupby("family", sort=False):
        limit = LIMITS[family]
        rows = model.constraints[family].iloc[chosen["row"].to_numpy()].reset_index(drop=True)
        slack = chosen["slack"].to_numpy()
        value = rows["rhs"].to_numpy(dtype=float) * limit.to_unit
        violation = slack * limit.to_unit
        unit = np.full(len(rows), limit.unit, dtype=object)
        if family == "contract":
            measure = data.contracts.set_index(["contract", "t"])["measure"]
            unit = np.array(
                [
                    "MW" if measure[(c, t)] == "mw" else "units"
                    for c, t in zip(rows["contract"], rows["t"], strict=True)
                ],
                dtype=object,
            )
        elif family in ("vendor_share", "provider_share", "category_share"):
            limits = data.share_limits.set_index(["family", "group"])["limit"]
            value = np.array([limits[(family, g)] for g in rows["group"]]) * 100.0
            violation = 100.0 * slack / _served(model, rows["t"].to_numpy(), data)
        elif family == "resilience_demand":
            # The rule asks a backup of rho times what is served: in tokens/s, like its shortfall.
            violation = slack * data.rate_unit
            value = float(data.scenario.policy.vendor_loss_coverage or 0.0) * _served_rate(model, rows) * data.rate_unit
        greater = np.array([c.sense == pulp.LpConstraintGE for c in rows["constraint"]])
        relaxed = np.where(greater, value - violation, value + violation)
        frames.append(
            pd.DataFrame(
                {
                    "family": family,
                    "limit": limit.what,
                    "subject": _subjects(rows),
                    "period": _periods(rows, data),
                    "constraint": rows["name"].to_numpy(),
                    "sense": np.where(greater, "at least", "at most"),
                    "unit": unit,
                    "value": value,
                    "violation": violation,
                    "relaxed_value": relaxed,
                    "relative": chosen["slack"].to_numpy() * chosen["weight"].to_numpy(),
                    "fix": [limit.fix.format(**_fields(row, data)) for row in rows.to_dict("records")],
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=VIOLATION_COLUMNS)
    return pd.concat(frames, ignore_index=True)[VIOLATION_COLUMNS]


def _served(model: Model, t: np.ndarray, data: ModelData) -> np.ndarray:
    """Tokens served per period in LP rate units, hours-weighted across slices (the share rows' measure)."""
    serve = model.variables["serve"]
    values = np.array([v.varValue or 0.0 for v in serve["var"]], dtype=float) * serve["hours_share"].to_numpy()
    served = pd.Series(values).groupby(serve["t"].to_numpy()).sum().reindex(t).fillna(0.0).to_numpy()
    # A share of nothing served is measured against the demand, the most that could be served.
    demand = _demand(data).groupby("t")["weighted"].sum().reindex(t).to_numpy()
    return np.where(served > 1e-12, served, demand)


def _served_rate(model: Model, rows: pd.DataFrame) -> np.ndarray:
    """Rate served (LP units) for each row's workload, phase, period and slice."""
    serve = model.variables["serve"]
    keys = ["workload", "phase", "t", "k"]
    rates = (
        serve[keys].assign(rate=[v.varValue or 0.0 for v in serve["var"]]).groupby(keys, as_index=False)["rate"].sum()
    )
    return rows[keys].merge(rates, on=keys, how="left")["rate"].fillna(0.0).to_numpy()


def _subjects(rows: pd.DataFrame) -> list[str]:
    keys = [c for c in rows.columns if c not in ("t", "k", "year", "rhs", "name", "constraint")]
    if {"prefill_site", "decode_site"} <= set(keys):
        return [f"{a} -> {b}" for a, b in zip(rows["prefill_site"], rows["decode_site"], strict=True)]
    return ["/".join(str(row[c]) for c in keys) or "all" for row in rows.to_dict("records")]


def _periods(rows: pd.DataFrame, data: ModelData) -> list[str]:
    if "year" in rows:
        return rows["year"].astype(str).tolist()
    return rows["t"].map(data.labels).astype(str).tolist()


def _fields(row: dict, data: ModelData) -> dict:
    """The row's keys as ``fix`` needs them, with ``period`` as a label."""
    fields = {k: v for k, v in row.items() if k not in ("rhs", "constraint")}
    if "contract" in row:
        measure = data.contracts.set_index(["contract", "t"])["measure"][(row["contract"], row["t"])]
        fields["minimum"] = "min_mw" if measure == "mw" else "min_units"
    if "t" in row:
        fields["period"] = data.labels[row["t"]]
    elif "year" in row:
        fields["period"] = str(row["year"])
    return fields


def _unservable(model: Model, data: ModelData) -> pd.DataFrame:
    """Demand still unserved once the limits may give way, with the reason."""
    unserved = model.variables["unserved"]
    rate = np.array([v.varValue or 0.0 for v in unserved["var"]], dtype=float) * data.rate_unit
    demand = _demand_of(unserved, data) * data.rate_unit
    left = unserved.assign(tokens_per_s=rate)[rate > 1e-6 * np.maximum(demand, 1.0)]
    if left.empty:
        return pd.DataFrame(columns=UNSERVABLE_COLUMNS)
    routed = set(zip(data.routes["workload"], data.routes["phase"], strict=True))
    reasons = [
        "no fleet can be in service by then (owned, leased and reserved fleets wait their lead time; no existing or "
        "on-demand units can serve it)"
        if (w, p) in routed
        else "no fleet meets the workload's latency targets (max_ttft_ms, min_tokens_per_s_per_user) for this model"
        for w, p in zip(left["workload"], left["phase"], strict=True)
    ]
    # Per period: average over the slices, as in the result's unserved table.
    frame = left.assign(
        period=left["t"].map(data.labels), reason=reasons, tokens_per_s=left["tokens_per_s"] * left["hours_share"]
    )
    out = frame.groupby(["period", "workload", "phase", "reason"], sort=False)["tokens_per_s"].sum().reset_index()
    return out[UNSERVABLE_COLUMNS]


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
