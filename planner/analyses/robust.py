"""A plan robust to demand uncertainty: one set of purchases for every case, serving adapted per case.

:func:`robust` solves the two-stage LP (:mod:`planner.analyses.two_stage`) over demand cases
(:mod:`planner.analyses.robust_cases`), then judges its plan beside the plans made for a single
case, and the plan made for the mean demand, each with its purchases fixed and its serving
re-solved in every case. What it reports:

- per case, the robust plan's objective (plan cost plus the unserved penalty), plan cost and
  unserved tokens;
- the regret of each single-case plan: how much more its expected objective is;
- the value of the stochastic solution, ``VSS = R(mean-value plan) - R(robust plan)``, and the
  expected value of perfect information, ``EVPI = R(robust plan) - R(wait and see)``, with ``R``
  what the two-stage LP minimizes: the expected objective (or its CVaR mix with ``cvar_alpha``),
  and "wait and see" each case at its own optimum. Both are computed on the objective, what is
  optimized, so ``VSS >= 0`` and ``EVPI >= 0`` hold (to the solver's tolerance); the plan cost
  leaves out the penalty, a modelling weight, and a plan can look cheaper by serving less.

Single-case solves and evaluations run on a local process pool with ``workers`` above 1, or on a
Dask cluster with ``scheduler``.

>>> from planner import Scenario, default_scenario_path
>>> answer = robust(Scenario.from_yaml(default_scenario_path()))
>>> answer.vss_usd >= -1.0 and answer.evpi_usd >= -1.0
True
>>> list(answer.cases["case"])
['low', 'base', 'high']
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from planner.analyses.files import AnalysisFiles
from planner.analyses.robust_cases import (
    DEFAULT_SPREAD,
    Case,
    band_cases,
    fitted_entries,
    mean_value_data,
    sampled_cases,
)
from planner.analyses.robust_solves import Solves, Task, tolerances
from planner.analyses.two_stage import Outcome, first_stage, risk, stack
from planner.build import Model, build
from planner.data import ModelData
from planner.gap import DEFAULT_MIP_GAP
from planner.solvers import solve_lp
from planner.solvers.solution import SolverName
from planner.status import Status

if TYPE_CHECKING:
    from planner.scenario import Scenario

ROBUST = "robust"
MEAN_VALUE = "mean_value"


class RobustError(RuntimeError):
    """The two-stage LP found no plan (infeasible, a limit, a solver error): the message says why."""


@dataclass(frozen=True)
class RobustResult(AnalysisFiles):
    """What :func:`robust` found; every USD figure is a present value.

    Attributes
    ----------
    cases
        Per case: ``case, probability, how``, the robust plan's ``objective_usd``,
        ``plan_cost_usd``, ``unserved_penalty_usd`` and ``unserved_tokens``, and the case's own
        optimum (``wait_and_see_objective_usd``, ``wait_and_see_plan_cost_usd``).
    evaluations
        One row per plan and case: ``plan`` (``robust``, ``mean_value`` or the case a single-case
        plan was made for), ``made_for``, ``case``, ``probability``, ``status`` and the same figures.
    plans
        Per plan: ``plan, made_for``, ``expected_objective_usd``, ``expected_plan_cost_usd``,
        ``expected_unserved_tokens``, ``risk_usd`` (what the two-stage LP minimizes) and
        ``regret_usd`` (its risk minus the robust plan's); NaN where the plan has no recourse
        in some case (``status`` says which).
    purchases
        The first-stage decisions of each plan: ``plan, family`` (build, start, held, blocks,
        adopt, units), ``fleet, site, period, units`` (nonzero values only).
    expected_objective_usd, expected_plan_cost_usd
        Of the robust plan over the cases.
    risk_usd
        What the robust plan minimizes: ``expected_objective_usd``, or with ``cvar_alpha`` its mix
        with the CVaR of the objective.
    wait_and_see_usd
        The same measure of each case's own optimum (perfect foresight).
    vss_usd, evpi_usd
        Value of the stochastic solution and expected value of perfect information, on ``risk_usd``.
    cvar_alpha, cvar_weight, shared_until
        The options it was solved with (``shared_until`` a period label, or None: every period).
    seconds
        Wall-clock seconds of the whole analysis; ``solves`` how many LPs it solved.
    """

    cases: pd.DataFrame
    evaluations: pd.DataFrame
    plans: pd.DataFrame
    purchases: pd.DataFrame
    expected_objective_usd: float
    expected_plan_cost_usd: float
    risk_usd: float
    wait_and_see_usd: float
    vss_usd: float
    evpi_usd: float
    cvar_alpha: float | None
    cvar_weight: float
    shared_until: str | None
    seconds: float
    solves: int

    def summary(self) -> dict[str, Any]:
        """The headline numbers as JSON-ready data (NaN written as None)."""
        single = self.plans[~self.plans["plan"].isin([ROBUST, MEAN_VALUE])]
        mean = self.plans[self.plans["plan"] == MEAN_VALUE].to_dict("records")[0]
        return _plain(
            {
                "expected_plan_cost_usd": self.expected_plan_cost_usd,
                "expected_objective_usd": self.expected_objective_usd,
                "risk_usd": self.risk_usd,
                "measure": _measure(self.cvar_alpha, self.cvar_weight),
                "vss_usd": self.vss_usd,
                "evpi_usd": self.evpi_usd,
                "wait_and_see_usd": self.wait_and_see_usd,
                "vss_evpi_basis": "objective: plan cost plus the unserved penalty (a modelling weight), "
                "the quantity the two-stage plan minimizes",
                "cases": [
                    {
                        key: row[key]
                        for key in (
                            "case",
                            "probability",
                            "how",
                            "plan_cost_usd",
                            "objective_usd",
                            "unserved_penalty_usd",
                            "unserved_tokens",
                            "wait_and_see_objective_usd",
                        )
                    }
                    for row in self.cases.to_dict("records")
                ],
                "single_case_plans": [_plan_row(row) for row in single.to_dict("records")],
                "mean_value_plan": _plan_row(mean),
                "purchases": self._bought(),
                "cvar_alpha": self.cvar_alpha,
                "cvar_weight": self.cvar_weight if self.cvar_alpha is not None else None,
                "shared_until": self.shared_until,
                "seconds": self.seconds,
                "solves": self.solves,
            }
        )

    def _bought(self) -> list[dict[str, Any]]:
        """The robust plan's units bought (builds) and taken (lease and reservation starts), per fleet."""
        frame = self.purchases
        bought = frame[(frame["plan"] == ROBUST) & frame["family"].isin(["build", "start"])]
        totals = bought.groupby(["family", "fleet"])["units"].sum().reset_index()
        return [{str(key): value for key, value in row.items()} for row in totals.to_dict("records")]


def robust(
    scenario: Scenario,
    cases: list[Case] | None = None,
    *,
    samples: int | None = None,
    seed: int = 0,
    spread: float | None = None,
    cvar_alpha: float | None = None,
    cvar_weight: float = 1.0,
    shared_until: str | None = None,
    workers: int = 1,
    scheduler: str | Any | None = None,
    connect_timeout_s: float = 10.0,
    solver: SolverName = "highs",
    mip_gap: float = DEFAULT_MIP_GAP,
) -> RobustResult:
    """The two-stage plan of ``scenario`` over demand cases and how it compares (see the module docstring).

    Parameters
    ----------
    scenario
        The scenario as given: the cases' source, and the mean-value problem takes all but demand from it.
    cases
        The demand cases, probabilities summing to 1 (:mod:`planner.analyses.robust_cases`; a sweep
        file's: :func:`~planner.analyses.robust_cases.sweep_cases`). None: the demand bands
        (:func:`~planner.analyses.robust_cases.band_cases`), or with ``samples`` that many Monte
        Carlo draws (:func:`~planner.analyses.robust_cases.sampled_cases`, with ``seed``); both
        scale a demand that is not fitted by ``spread`` (default 0.25).
    cvar_alpha
        Optional risk aversion: the CVaR level (a fraction in (0, 1), 0.9 for the worst 10%).
    cvar_weight
        With ``cvar_alpha``, the weight ``w`` of the CVaR in ``(1 - w) * E + w * CVaR`` (1: pure CVaR).
    shared_until
        A period label (``2027-01``): purchases from that period on adapt per case; None: all shared.
    workers
        Processes solving the single-case problems and evaluations (1: in this process).
    scheduler, connect_timeout_s
        A Dask scheduler's address (or a ``distributed.Client``) to solve those on instead, and
        how long to wait for it to answer (:func:`planner.sweep.executor.submitter`).
    solver, mip_gap
        As for :func:`planner.solve`.

    Raises
    ------
    ValueError
        If the cases are empty, their probabilities do not sum to 1, the options are out of range,
        or the cases differ in their fleets, sites, workloads or horizon.
    RobustError
        If the two-stage LP has no plan.
    ClusterError
        If the Dask scheduler does not answer.
    """
    started = time.perf_counter()
    if cases is None:
        if spread is not None and fitted_entries(scenario):
            raise ValueError("a fitted demand's bands set how far the cases go: leave out the spread")
        spread = DEFAULT_SPREAD if spread is None else spread
        cases = band_cases(scenario, spread) if samples is None else sampled_cases(scenario, samples, seed, spread)
    elif samples is not None or spread is not None:
        raise ValueError("cases are given: leave out samples and spread, which make cases")
    base = ModelData.from_scenario(scenario)
    _check(cases, base, cvar_alpha, cvar_weight, shared_until)
    until = None if shared_until is None else int(np.flatnonzero(base.labels.to_numpy() == shared_until)[0])
    datas = [case.data for case in cases] + [mean_value_data(base, cases)]
    models = [build(data) for data in datas]
    probabilities = np.array([case.probability for case in cases])
    two = stack(models[:-1], list(probabilities), shared_until=until, cvar_alpha=cvar_alpha, cvar_weight=cvar_weight)
    n = len(cases)
    with Solves(datas, models, workers, solver, mip_gap, scheduler, connect_timeout_s) as solves:
        own = solves.run([(i, None) for i in range(n + 1)])
        answer = solve_lp(two.lp, solver, tolerances=tolerances(two.lp, two.money_unit, mip_gap))
        if answer.status is not Status.OPTIMAL or answer.x is None:
            raise RobustError(f"the two-stage plan was not solved: {answer.status.value}. {answer.message}".strip())
        keys = list(two.shared["key"])
        robust_plan = dict(zip(keys, answer.x[: len(keys)], strict=True))
        plans: dict[str, tuple[str, dict[str, float] | None]] = {ROBUST: ("all cases", robust_plan)}
        plans[MEAN_VALUE] = ("mean demand", _shared_part(own[n], keys))
        for i, case in enumerate(cases):
            plans[case.name] = (case.name, _shared_part(own[i], keys))
        tasks: list[Task] = [(c, plan) for _, plan in plans.values() if plan is not None for c in range(n)]
        evaluated = iter(solves.run(tasks))
    rows = []
    for name, (made_for, plan) in plans.items():
        for case in cases:
            result = next(evaluated) if plan is not None else Outcome(status="no plan")
            rows.append(
                {"plan": name, "made_for": made_for, "case": case.name, "probability": case.probability}
                | _figures(result)
            )
    evaluations = pd.DataFrame(rows)
    table = _plans(evaluations, probabilities, cvar_alpha, cvar_weight)
    mine = evaluations[evaluations["plan"] == ROBUST].reset_index(drop=True)
    case_table = mine[["case", "probability"]].assign(how=[case.how for case in cases])
    case_table = pd.concat(
        [case_table, mine[["objective_usd", "plan_cost_usd", "unserved_penalty_usd", "unserved_tokens"]]], axis=1
    ).assign(
        wait_and_see_objective_usd=[o.objective_usd for o in own[:n]],
        wait_and_see_plan_cost_usd=[o.plan_cost_usd for o in own[:n]],
    )
    robust_risk = float(table.loc[table["plan"] == ROBUST, "risk_usd"].iloc[0])
    mean_risk = float(table.loc[table["plan"] == MEAN_VALUE, "risk_usd"].iloc[0])
    wait_and_see = risk(np.array([o.objective_usd for o in own[:n]]), probabilities, cvar_alpha, cvar_weight)
    return RobustResult(
        cases=case_table,
        evaluations=evaluations,
        plans=table,
        purchases=_purchases(models[0], {name: plan for name, (_, plan) in plans.items() if plan is not None}),
        expected_objective_usd=float(probabilities @ mine["objective_usd"].to_numpy()),
        expected_plan_cost_usd=float(probabilities @ mine["plan_cost_usd"].to_numpy()),
        risk_usd=robust_risk,
        wait_and_see_usd=wait_and_see,
        vss_usd=mean_risk - robust_risk,
        evpi_usd=robust_risk - wait_and_see,
        cvar_alpha=cvar_alpha,
        cvar_weight=cvar_weight,
        shared_until=shared_until,
        seconds=time.perf_counter() - started,
        solves=1 + n + 1 + len(tasks),
    )


def _check(
    cases: list[Case], base: ModelData, cvar_alpha: float | None, cvar_weight: float, shared_until: str | None
) -> None:
    if not cases:
        raise ValueError("give at least one case")
    names = [case.name for case in cases]
    if len(set(names)) < len(names) or {ROBUST, MEAN_VALUE} & set(names):
        raise ValueError(f"name each case once, and none {ROBUST!r} or {MEAN_VALUE!r} (plans go by those): {names}")
    total = sum(case.probability for case in cases)
    if any(case.probability < 0 for case in cases) or not math.isclose(total, 1.0, abs_tol=1e-9):
        raise ValueError(f"case probabilities must be non-negative and sum to 1, not {total:g}")
    if cvar_alpha is not None and not 0.0 < cvar_alpha < 1.0:
        raise ValueError(f"give the CVaR level as a fraction between 0 and 1, e.g. 0.9, not {cvar_alpha}")
    if not 0.0 <= cvar_weight <= 1.0:
        raise ValueError(f"give the CVaR weight as a fraction from 0 to 1, not {cvar_weight}")
    labels = list(base.labels)
    if shared_until is not None and shared_until not in labels:
        raise ValueError(f"{shared_until!r} is no period of the horizon ({labels[0]} to {labels[-1]})")


def _shared_part(own: Outcome, keys: list[str]) -> dict[str, float] | None:
    """A plan's purchases as the two-stage plan shares them (None: the plan was not solved)."""
    if own.first is None:
        return None
    return {key: own.first[key] for key in keys}


def _figures(result: Outcome) -> dict[str, Any]:
    return {
        "status": result.status,
        "objective_usd": result.objective_usd,
        "plan_cost_usd": result.plan_cost_usd,
        "unserved_penalty_usd": result.unserved_penalty_usd,
        "unserved_tokens": result.unserved_tokens,
    }


def _plans(
    evaluations: pd.DataFrame, probabilities: np.ndarray, cvar_alpha: float | None, cvar_weight: float
) -> pd.DataFrame:
    """Per plan, its expected figures over the cases, its risk and its regret against the robust plan."""
    rows = []
    for (name, made_for), frame in evaluations.groupby(["plan", "made_for"], sort=False):
        solved = bool((frame["status"] == "optimal").all())

        def expected(column: str, frame: pd.DataFrame = frame, solved: bool = solved) -> float:
            return float(probabilities @ frame[column].to_numpy()) if solved else math.nan

        rows.append(
            {
                "plan": name,
                "made_for": made_for,
                "expected_objective_usd": expected("objective_usd"),
                "expected_plan_cost_usd": expected("plan_cost_usd"),
                "expected_unserved_tokens": expected("unserved_tokens"),
                "risk_usd": risk(frame["objective_usd"].to_numpy(), probabilities, cvar_alpha, cvar_weight)
                if solved
                else math.nan,
                "status": "optimal" if solved else "; ".join(sorted(set(frame["status"]) - {"optimal"})),
            }
        )
    table = pd.DataFrame(rows)
    mine = float(table.loc[table["plan"] == ROBUST, "risk_usd"].iloc[0])
    return table.assign(regret_usd=table["risk_usd"] - mine)


def _purchases(model: Model, plans: dict[str, dict[str, float]]) -> pd.DataFrame:
    """The nonzero first-stage values of each plan, with the fleet, site and period they concern."""
    first = first_stage(model)
    labels = model.data.labels.to_numpy()
    period = pd.Series([labels[t] if t >= 0 else None for t in first["t"]], dtype=object)
    frames = []
    for name, plan in plans.items():
        units = first["key"].map(plan).to_numpy(dtype=float)
        frame = first[["family", "fleet", "site"]].assign(period=period.to_numpy(), units=units)
        frames.append(frame[np.nan_to_num(np.abs(units)) > 1e-9].assign(plan=name))
    columns = ["plan", "family", "fleet", "site", "period", "units"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def _plan_row(row: dict[Any, Any]) -> dict[str, Any]:
    keys = ("made_for", "expected_plan_cost_usd", "expected_objective_usd", "risk_usd", "regret_usd", "status")
    return {key: row[key] for key in keys}


def _measure(cvar_alpha: float | None, cvar_weight: float) -> str:
    if cvar_alpha is None:
        return "expected objective"
    if cvar_weight == 1.0:
        return f"CVaR at {cvar_alpha:g} of the objective"
    return f"{1 - cvar_weight:g} x expected objective + {cvar_weight:g} x CVaR at {cvar_alpha:g}"


def _plain(value: Any) -> Any:
    """``value`` with NaN as None and numpy numbers as Python ones, for JSON."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
