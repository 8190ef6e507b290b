"""Near-optimal alternatives (modelling to generate alternatives, MGA): how much freedom the optimum leaves.

The least-cost plan is one of many that cost nearly as much. Within a cost slack (5% above the
optimum, say), :func:`alternatives` minimizes and then maximizes the tokens each vendor (or
category, or fleet, or chosen subject) serves, and reports each of those plans: its cost, its
mix and what it builds. "NVIDIA could carry anywhere from 30% to 60% of the tokens for 5% more"
is read off :attr:`Alternatives.ranges`.

Every alternative is the optimum's program with two rows more (the builder is not touched):

- plan cost (present value, what would be paid) <= (1 + slack) * the optimum's plan cost;
- unserved tokens over the horizon = the optimum's unserved tokens (zero for a plan that serves
  all demand), within a billionth of demand (exactly
  zero when the optimum serves everything).

The objective (plan cost plus the unserved penalty, a modelling weight) is not what is bounded:
5% of an objective that holds a large penalty would let the plan's cost grow by far more than
5%. Bounding the plan cost alone would make shortfall free, a way to cut any vendor's share by
not serving; pinning the unserved tokens to the optimum's makes every alternative serve the same
tokens, so that shares compare (and the optimum's share lies within each range).

>>> from planner import Scenario, default_scenario_path
>>> found = alternatives(Scenario.from_yaml(default_scenario_path()), 0.05)
>>> bool((found.ranges["min_share"] <= found.ranges["optimum_share"] + 1e-9).all())
True
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from planner.analyses.files import AnalysisFiles
from planner.analyses.lp_pool import json_ready, plan_of, portable
from planner.analyses.subject import Subject, fleets_of, names, served_shares, subject_share
from planner.build import Model, build
from planner.data import ModelData
from planner.gap import DEFAULT_MIP_GAP
from planner.lp import LinearProgram
from planner.result import Result
from planner.scenario import Scenario
from planner.solve import solve_model
from planner.solvers import solve_lp
from planner.solvers.solution import Solution, SolverName, Tolerances
from planner.sweep.executor import run_tasks
from planner.tables import PENALTY

By = Literal["vendor", "category", "fleet"]
Direction = Literal["min", "max"]

SERVED_TOLERANCE = 1e-9
"""How far (as a share of demand) an alternative's unserved tokens may be from the optimum's
(none at all when the optimum serves everything)."""
EXTREME_TOLERANCE = 1e-6
"""How far (as a share of demand) from the least or most a subject can serve its cheapest such
plan may be: each alternative is the cheapest plan at that extreme, not any vertex of it."""
COST_TOLERANCE = 1e-7
"""How far (as a share of the optimum's plan cost) an alternative may go beyond its slack: the
solvers' feasibility tolerance, so that a slack of 0 still holds the optimum itself."""


@dataclass
class Alternatives(AnalysisFiles):
    """The optimum and, for each subject, the plans within the slack that serve the least and the most through it.

    Attributes
    ----------
    optimum
        The least-cost plan.
    slack
        The cost slack, a fraction of the optimum's plan cost (0.05: up to 5% more).
    by
        What the mix is counted by: ``vendor``, ``category`` or ``fleet``.
    ranges
        One row per subject: ``subject``, the optimum's share of tokens served
        (``optimum_share``), the least and most within the slack (``min_share``, ``max_share``)
        and those two plans' costs (``min_plan_cost_usd``, ``max_plan_cost_usd``, present value).
    plans
        One row per plan (``alternative``: ``optimum``, ``min vendor:X``, ``max vendor:X``):
        ``subject``, ``direction``, ``status``, ``plan_cost_usd``, ``cost_above_optimum`` (a
        fraction), ``unserved_tokens`` and the subject's ``share``.
    mix
        ``alternative, name, share``: each plan's share of tokens served per name of ``by``.
    fleets
        ``alternative, fleet, units_built, units_at_end``: what each plan orders over the
        horizon (owned units) and has in service in its last period (owned, leased and rented).
    results
        Each plan's full :class:`Result`, by ``alternative``; an alternative's marginal prices are
        NaN (its objective is tokens, not cost).
    seconds
        Wall-clock seconds for the whole analysis.
    """

    optimum: Result
    slack: float
    by: By
    ranges: pd.DataFrame
    plans: pd.DataFrame
    mix: pd.DataFrame
    fleets: pd.DataFrame
    results: dict[str, Result]
    seconds: float

    def summary(self) -> dict[str, Any]:
        """The analysis as plain JSON-ready data: ``optimum_usd``, ``slack``, ``by``, ``seconds`` and
        ``alternatives`` (per plan: its name, subject, direction, status, ``plan_cost_usd``,
        ``unserved_tokens``, the subject's ``share`` and every ``shares`` of the mix)."""
        mix = {
            name: dict(zip(group["name"], group["share"], strict=True))
            for name, group in self.mix.groupby("alternative")
        }
        rows = self.plans[self.plans["alternative"] != "optimum"].to_dict("records")
        return {
            "scenario": self.optimum.scenario.name,
            "optimum_usd": self.optimum.plan_cost_usd,
            "optimum_shares": mix.get("optimum", {}),
            "slack": self.slack,
            "by": self.by,
            "seconds": self.seconds,
            "alternatives": [json_ready(row) | {"shares": mix.get(row["alternative"], {})} for row in rows],
        }


def alternatives(
    scenario: Scenario | str | Path,
    slack: float = 0.05,
    *,
    by: By = "vendor",
    subjects: list[Subject] | None = None,
    solver: SolverName = "highs",
    workers: int = 1,
    scheduler: str | Any | None = None,
    connect_timeout_s: float = 10.0,
    time_limit: float | None = None,
    mip_gap: float = DEFAULT_MIP_GAP,
) -> Alternatives:
    """Plans within ``slack`` of the optimum's cost that serve the least and the most through each subject.

    Parameters
    ----------
    scenario
        A scenario, or the path of its YAML file.
    slack
        How much dearer than the optimum an alternative may be, as a fraction of its plan cost.
    by
        The subjects (every vendor, category or fleet of the scenario, unless ``subjects`` is
        given) and the names the mix is counted by.
    subjects
        The subjects to move, instead of every name of ``by``.
    solver, time_limit, mip_gap
        As for :func:`planner.solve`; the time limit applies to each solve.
    workers
        Solves at once on a local process pool (each process is sent the bounded program once);
        the two per subject are independent.
    scheduler, connect_timeout_s
        A Dask scheduler's address (or a ``distributed.Client``) to solve on instead, and how long
        to wait for it to answer (:func:`planner.sweep.executor.run_tasks`).

    Raises
    ------
    ValueError
        If ``slack`` is not a finite fraction >= 0, or the scenario has no optimal plan.
    ClusterError
        If the Dask scheduler does not answer.
    """
    if not (isinstance(slack, int | float) and math.isfinite(slack) and slack >= 0):
        raise ValueError(f"slack must be a fraction of the optimum's cost, 0 or more (0.05 for 5%); got {slack!r}")
    started = time.perf_counter()
    if not isinstance(scenario, Scenario):
        scenario = Scenario.from_yaml(scenario)
    model = build(ModelData.from_scenario(scenario))
    optimum = solve_model(model, solver, time_limit, mip_gap=mip_gap)
    if not optimum.has_plan:
        raise ValueError(f"the scenario has no plan to start from ({optimum.status.value}): {optimum.message}")
    chosen = subjects if subjects is not None else [Subject(by, name) for name in sorted(names(by, scenario))]
    bounded = portable(near_optimal(model, optimum, slack))
    paid = plan_cost_per_column(model)
    demand = float(optimum.tables["demand"]["tokens"].sum()) or 1.0
    tolerances = Tolerances(relative_gap=mip_gap, absolute_gap=1e-6)  # a millionth of demand
    calls, labels = [], []
    for subject in chosen:
        tokens = tokens_per_column(model, fleets_of(subject, scenario)) / demand
        for direction, sign in (("min", 1.0), ("max", -1.0)):
            calls.append((sign * tokens,))
            labels.append((subject, direction))
    answers = run_tasks(
        _extremes,
        (bounded, paid, solver, time_limit, tolerances),
        calls,
        workers=workers,
        scheduler=scheduler,
        connect_timeout_s=connect_timeout_s,
    )
    results = {"optimum": optimum}
    records = [_record("optimum", None, None, optimum, optimum)]
    for (subject, direction), answer in zip(labels, answers, strict=True):
        name = f"{direction} {subject.label}"
        results[name] = plan_of(model, answer, solver, priced=False, what=f"{direction}imize {subject.label}")
        records.append(_record(name, subject, direction, results[name], optimum))
    plans = pd.DataFrame(records)
    return Alternatives(
        optimum=optimum,
        slack=float(slack),
        by=by,
        ranges=_ranges(plans, chosen, optimum),
        plans=plans,
        mix=_mix(results, by),
        fleets=_fleets(results),
        results=results,
        seconds=time.perf_counter() - started,
    )


def near_optimal(model: Model, optimum: Result, slack: float) -> LinearProgram:
    """``model.lp`` with the two rows of the module docstring: plan cost within ``slack`` of
    ``optimum``'s, and unserved tokens equal to its own. The objective is left as it is."""
    lp = model.lp
    columns = lp.shape[1]
    plan_cost = plan_cost_per_column(model)
    cost = float(optimum.plan_cost_usd or 0.0) / model.money_unit
    unserved = model.variables["unserved"]
    demand = float(optimum.tables["demand"]["tokens"].sum()) or 1.0
    # In millionths of demand, so that the solvers' feasibility tolerance (1e-7) is a ten-billionth of it.
    ppm = np.bincount(unserved["col"].to_numpy(), weights=_tokens(model, unserved) * 1e6 / demand, minlength=columns)
    short = float(optimum.tables["unserved"]["tokens"].sum()) * 1e6 / demand
    band = SERVED_TOLERANCE * 1e6
    upper = lp.upper.copy()
    if short == 0.0:  # a plan that serves everything: so does every alternative, exactly
        upper[unserved["col"].to_numpy()] = 0.0
    limit = (1.0 + slack) * cost + COST_TOLERANCE * abs(cost)
    return LinearProgram.from_matrix(
        sp.vstack([lp.matrix, sp.csr_matrix(np.vstack([plan_cost, ppm]))], format="csr"),
        cost=lp.cost,
        lower=lp.lower,
        upper=upper,
        integer=lp.integer,
        row_lower=np.append(lp.row_lower, [-np.inf, max(short - band, 0.0)]),
        row_upper=np.append(lp.row_upper, [limit, short + band]),
        offset=0.0,
    )


def plan_cost_per_column(model: Model) -> np.ndarray:
    """Each LP column's part of the plan cost (present value, every component but the unserved
    penalty), in the objective's money unit: ``plan_cost_per_column(model) @ x * model.money_unit``
    is the plan's ``plan_cost_usd``."""
    terms = model.cost_terms
    cols = terms["col"].to_numpy(dtype=np.int64)
    usd = model.data.periods["discount"].to_numpy()[terms["t"].to_numpy(dtype=np.int64)] * terms["usd"].to_numpy()
    paid = (terms["component"] != PENALTY).to_numpy()
    return np.bincount(cols[paid], weights=usd[paid] / model.money_unit, minlength=model.lp.shape[1])


def tokens_per_column(model: Model, fleets: list[str]) -> np.ndarray:
    """Tokens (prefill and decode, as the plan's allocation counts them) that one unit of each LP
    column serves through ``fleets`` over its period and slice; zero for every other column."""
    serve = model.variables["serve"]
    mine = serve[serve["fleet"].isin(fleets)]
    return np.bincount(mine["col"].to_numpy(), weights=_tokens(model, mine), minlength=model.lp.shape[1])


def _tokens(model: Model, entries: pd.DataFrame) -> np.ndarray:
    """Tokens per unit of each entry of a rate family (``serve``, ``unserved``): rate unit x seconds x slice share."""
    seconds = model.data.periods["seconds"].to_numpy()[entries["t"].to_numpy(dtype=np.int64)]
    return entries["scale"].to_numpy() * model.data.rate_unit * seconds * entries["hours_share"].to_numpy()


def _extremes(
    data: tuple[LinearProgram, np.ndarray, SolverName, float | None, Tolerances],
) -> Callable[[np.ndarray], Solution]:
    """A worker's solve of the bounded program ``data[0]`` for an objective (see :func:`_solve_for`)."""
    return partial(_solve_for, *data)


def _solve_for(
    lp: LinearProgram,
    plan_cost: np.ndarray,
    solver: SolverName,
    time_limit: float | None,
    tolerances: Tolerances,
    objective: np.ndarray,
) -> Solution:
    """Solve ``lp`` for the extreme of ``objective`` (a share of demand), then for the cheapest plan
    within a millionth of demand of that extreme."""
    extreme = solve_lp(replace(lp, cost=objective), solver, time_limit=time_limit, tolerances=tolerances)
    if extreme.x is None:
        return extreme
    reached = float(objective @ extreme.x)
    cheapest = lp.replaced(
        matrix=sp.vstack([lp.matrix, sp.csr_matrix(objective)], format="csr"),
        cost=plan_cost,
        row_lower=np.append(lp.row_lower, -np.inf),
        row_upper=np.append(lp.row_upper, reached + EXTREME_TOLERANCE),
    )
    answer = solve_lp(cheapest, solver, time_limit=time_limit, tolerances=None)
    # Either solve may stop short; the extreme itself is a plan within the slack.
    return answer if answer.x is not None else extreme


def _record(
    name: str, subject: Subject | None, direction: str | None, result: Result, optimum: Result
) -> dict[str, Any]:
    cost, best = result.plan_cost_usd, optimum.plan_cost_usd or 0.0
    return {
        "alternative": name,
        "subject": subject.label if subject else "",
        "direction": direction or "",
        "status": result.status.value,
        "plan_cost_usd": cost,
        "cost_above_optimum": (cost - best) / best
        if cost is not None and best
        else (0.0 if cost is not None else None),
        "unserved_tokens": float(result.tables["unserved"]["tokens"].sum()) if result.has_plan else None,
        "share": subject_share(result, subject) if subject and result.has_plan else None,
    }


def _ranges(plans: pd.DataFrame, subjects: list[Subject], optimum: Result) -> pd.DataFrame:
    rows = []
    for subject in subjects:
        low = plans[(plans["subject"] == subject.label) & (plans["direction"] == "min")].iloc[0]
        high = plans[(plans["subject"] == subject.label) & (plans["direction"] == "max")].iloc[0]
        rows.append(
            {
                "subject": subject.label,
                "optimum_share": subject_share(optimum, subject),
                "min_share": low["share"],
                "max_share": high["share"],
                "min_plan_cost_usd": low["plan_cost_usd"],
                "max_plan_cost_usd": high["plan_cost_usd"],
            }
        )
    return pd.DataFrame(
        rows, columns=["subject", "optimum_share", "min_share", "max_share", "min_plan_cost_usd", "max_plan_cost_usd"]
    )


def _mix(results: dict[str, Result], by: By) -> pd.DataFrame:
    rows = [
        {"alternative": name, "name": key, "share": share}
        for name, result in results.items()
        if result.has_plan
        for key, share in served_shares(result, by).items()
    ]
    return pd.DataFrame(rows, columns=["alternative", "name", "share"])


def _fleets(results: dict[str, Result]) -> pd.DataFrame:
    frames = []
    for name, result in results.items():
        if not result.has_plan:
            continue
        built = result.tables["builds"].groupby("fleet")["units"].sum()
        installed = result.tables["installed"]
        last = installed[installed["period"] == installed["period"].iloc[-1]] if len(installed) else installed
        at_end = last.groupby("fleet")["units"].sum()
        fleets = list(result.scenario.fleets)
        frames.append(
            pd.DataFrame(
                {
                    "alternative": name,
                    "fleet": fleets,
                    "units_built": built.reindex(fleets, fill_value=0.0).to_numpy(),
                    "units_at_end": at_end.reindex(fleets, fill_value=0.0).to_numpy(),
                }
            )
        )
    columns = ["alternative", "fleet", "units_built", "units_at_end"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
