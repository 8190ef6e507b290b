"""Vendor-loss stress test: what losing a supplier (or a site, or a fleet) from a date costs a plan already bought.

:func:`stress` makes two plans of a scenario: one without a vendor-loss rule ("unprotected")
and one with ``policy.vendor_loss_coverage`` ("covered": the scenario's own coverage, or the
one asked; workloads only one vendor can serve are exempt, as nothing could cover them). For each, what was decided ahead is kept as it was and the lost capacity is taken
away from the first period holding the date; what can still adapt is solved again.

Until the loss the plan runs as planned: every decision of the periods before it is kept.
Decided ahead, and kept for every period (first stage): owned units ordered (``build``), leases and
reservations taken (``start``, and so ``held``, the units within their minimum term), power
blocks added (``blocks``) and vendor platforms adopted (``adopt``). Owned units in service
follow from the builds, and every commitment of the scenario still holds (capacity and spend
commitments, take-or-pay included).

Adapts from the loss on (second stage): serving (which fleet serves what), on-demand cloud units and the units
rented per slice, leased and reserved units beyond their minimum term (they may be released,
not added), KV transfers, and shortfall.

Lost from the date: the lost fleets (at the lost site) serve nothing, and on-demand cloud units
of a lost fleet are not rented. Lost units that were bought or leased are still paid for
(capital, lease, fixed running costs and idle power): what a contract or an insurer would
refund is not modelled, the cautious reading.

From the loss on, the rules that shape what is bought are not asked (:data:`PLANNING_RULES`):
the vendor-loss rule's backup rows test a plan's capacity, they are not an operation, and a
share cap (``max_vendor_share`` and the like) is a buying policy that nobody would enforce by
turning traffic away from the hardware still standing. Every other row holds: power, quotas,
capacity and spend commitments, KV links.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.analyses.files import AnalysisFiles
from planner.analyses.lp_pool import json_ready, plan_of, portable
from planner.analyses.subject import Subject, fleets_of
from planner.build import Model, build
from planner.data import ModelData
from planner.gap import DEFAULT_MIP_GAP
from planner.lp import LinearProgram
from planner.overrides import with_values
from planner.result import Result
from planner.scenario import Scenario
from planner.solve import mip_tolerances
from planner.solvers import solve_lp
from planner.solvers.solution import Solution, SolverName, Tolerances
from planner.sweep.executor import plain, run_tasks
from planner.tables import PLAN_COMPONENTS

FIRST_STAGE = ("build", "start", "held", "blocks", "adopt")
"""The variable families decided ahead and kept as planned (see the module docstring)."""
PLANNING_RULES = ("resilience_demand", "resilience_capacity", "vendor_share", "provider_share", "category_share")
"""The rule families that shape what is bought, not how what stands is run: not asked after the loss."""
PLANS = ("unprotected", "covered")


@dataclass
class Stress(AnalysisFiles):
    """Two plans, as planned and with the capacity lost.

    Attributes
    ----------
    lose
        What is lost.
    start_period
        The first period without it (the period that holds the date asked).
    coverage
        The covered plan's ``vendor_loss_coverage`` (a fraction of every workload's demand).
    exempt
        The workloads the covered plan's rule leaves out: the scenario's ``vendor_loss_exempt``
        and those only one vendor's hardware can serve (nothing could cover them).
    plans
        One row per plan (``unprotected``, ``covered``): ``planned_cost_usd`` and
        ``stressed_cost_usd`` (present value of what would be paid), ``extra_cost_usd``,
        ``planned_unserved_tokens``, ``stressed_unserved_tokens`` and the stressed
        ``unserved_share_of_demand``.
    shortfall
        ``plan, period, workload, planned_unserved_tokens, stressed_unserved_tokens``: every
        period and workload where either leaves demand unserved.
    costs
        ``plan, period, planned_usd, stressed_usd``: each period's plan cost, present value.
    results
        The four :class:`Result`, by ``"<plan> planned"`` and ``"<plan> stressed"``.
    seconds
        Wall-clock seconds for the whole analysis.
    """

    lose: Subject
    start_period: str
    coverage: float
    exempt: list[str]
    plans: pd.DataFrame
    shortfall: pd.DataFrame
    costs: pd.DataFrame
    results: dict[str, Result]
    seconds: float

    def summary(self) -> dict[str, Any]:
        """The analysis as plain JSON-ready data: what is lost and from when, the coverage, each
        plan's row of :attr:`plans`, and ``insurance_cost_usd`` (the covered plan's planned cost above
        the unprotected one's) beside ``loss_cost_saved_usd`` (its extra cost under the loss below)."""
        rows = {row["plan"]: row for row in self.plans.to_dict("records")}
        both = all(rows[p]["planned_cost_usd"] is not None for p in PLANS)
        stressed = all(rows[p]["stressed_cost_usd"] is not None for p in PLANS)
        return {
            "scenario": self.results["unprotected planned"].scenario.name,
            "lose": self.lose.label,
            "from": self.start_period,
            "coverage": self.coverage,
            "exempt": self.exempt,
            "seconds": self.seconds,
            "plans": [json_ready(row) for row in self.plans.to_dict("records")],
            "insurance_cost_usd": rows["covered"]["planned_cost_usd"] - rows["unprotected"]["planned_cost_usd"]
            if both
            else None,
            "loss_cost_saved_usd": rows["unprotected"]["extra_cost_usd"] - rows["covered"]["extra_cost_usd"]
            if stressed
            else None,
        }


def stress(
    scenario: Scenario | str | Path,
    lose: Subject,
    start: str,
    *,
    coverage: float | None = None,
    solver: SolverName = "highs",
    workers: int = 1,
    scheduler: str | Any | None = None,
    connect_timeout_s: float = 10.0,
    time_limit: float | None = None,
    mip_gap: float = DEFAULT_MIP_GAP,
) -> Stress:
    """Lose ``lose``'s capacity from the month ``start`` (``YYYY-MM``) under two plans of ``scenario``.

    Parameters
    ----------
    lose
        A vendor, site or fleet (:func:`planner.analyses.subject.parse_subject`).
    start
        The first month without it; the loss starts with the period that holds it.
    coverage
        The covered plan's ``vendor_loss_coverage``; None: the scenario's own, else 1.0.
    solver, time_limit, mip_gap
        As for :func:`planner.solve`, for each solve.
    workers
        Plans made and stressed at once (a local process pool).
    scheduler, connect_timeout_s
        A Dask scheduler's address (or a ``distributed.Client``) to solve on instead, and how long
        to wait for it to answer (:func:`planner.sweep.executor.run_tasks`).

    Raises
    ------
    ValueError
        If ``start`` is not a month of the horizon or ``lose`` not a vendor, site or fleet.
    ScenarioError
        If the covered scenario does not validate.
    ClusterError
        If the Dask scheduler does not answer.
    """
    started = time.perf_counter()
    if not isinstance(scenario, Scenario):
        scenario = Scenario.from_yaml(scenario)
    if lose.kind not in ("vendor", "site", "fleet"):
        raise ValueError(f"lose a vendor, a site or a fleet, not a {lose.kind}")
    first, label = _first_period(scenario, start)
    rho = coverage if coverage is not None else scenario.policy.vendor_loss_coverage or 1.0
    exempt = sorted(set(scenario.policy.vendor_loss_exempt) | set(single_vendor_workloads(scenario)))
    scenarios = {
        "unprotected": with_values(scenario, {"policy.vendor_loss_coverage": None}),
        "covered": with_values(scenario, {"policy.vendor_loss_coverage": rho, "policy.vendor_loss_exempt": exempt}),
    }
    models = {name: build(ModelData.from_scenario(s)) for name, s in scenarios.items()}
    calls = [
        (portable(m.lp), *_stress_columns(m, lose, first), solver, time_limit, mip_tolerances(m, mip_gap))
        for m in models.values()
    ]
    answers = run_tasks(
        plain, _plan_and_stress, calls, workers=workers, scheduler=scheduler, connect_timeout_s=connect_timeout_s
    )
    results: dict[str, Result] = {}
    for (name, model), (planned, stressed) in zip(models.items(), answers, strict=True):
        results[f"{name} planned"] = plan_of(model, planned, solver, priced=True, what=f"the {name} plan")
        results[f"{name} stressed"] = plan_of(
            model, stressed, solver, priced=True, what=f"the {name} plan without {lose.label}"
        )
    return Stress(
        lose=lose,
        start_period=label,
        coverage=float(rho),
        exempt=exempt,
        plans=pd.DataFrame([_plan_row(name, results) for name in PLANS]),
        shortfall=_shortfall(results),
        costs=_costs(results),
        results=results,
        seconds=time.perf_counter() - started,
    )


def single_vendor_workloads(scenario: Scenario) -> list[str]:
    """The workloads of which some phase only one vendor's hardware can serve within its SLO."""
    single = []
    for name, workload in scenario.workloads.items():
        phases = ("prefill", "decode") if workload.disaggregate else ("both",)
        for phase in phases:
            vendors = {
                fleet.vendor
                for fleet in scenario.fleets.values()
                if fleet.service_point(workload, phase).performance is not None  # type: ignore[arg-type]
            }
            if len(vendors) <= 1:
                single.append(name)
                break
    return single


def _first_period(scenario: Scenario, start: str) -> tuple[int, str]:
    """The position and label of the period that holds the month ``start``."""
    wrong = ValueError(f"give the first month without the capacity as YYYY-MM, e.g. 2027-07 (got {start!r})")
    if not re.fullmatch(r"\d{4}-\d{2}", start):
        raise wrong
    try:
        month = pd.Period(start, freq="M")
    except ValueError:
        raise wrong from None
    calendar = scenario.horizon.calendar()
    holds = [t for t, period in enumerate(calendar) if period.start_time <= month.start_time <= period.end_time]
    if not holds:
        raise ValueError(f"{start} is outside the horizon ({calendar[0]} to {calendar[-1]}); give a month within it")
    return holds[0], str(calendar[holds[0]])


def _stress_columns(model: Model, lose: Subject, first: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(fixed, lost, dropped)``: the first-stage columns and every column of a period before
    the loss, the columns that are zero once the capacity is lost, and the rows of the planning
    rules from the loss on."""
    v = model.variables
    # Until the loss nothing has happened that the plan did not foresee: it runs as planned.
    ran = [frame.loc[frame["t"].to_numpy() < first, "col"].to_numpy() for frame in v.values() if "t" in frame]
    fixed = np.unique(np.concatenate([*(v[family]["col"].to_numpy() for family in FIRST_STAGE), *ran]))
    fleets = set(fleets_of(lose, model.data.scenario)) if lose.kind != "site" else None

    def gone(frame: pd.DataFrame, fleet: str = "fleet", site: str = "site") -> np.ndarray:
        held = frame[fleet].isin(fleets).to_numpy() if fleets is not None else (frame[site] == lose.name).to_numpy()
        return frame.loc[held & (frame["t"].to_numpy() >= first), "col"].to_numpy()

    units = v["units"]
    on_demand = units[(units["procurement"] == "cloud").to_numpy() & ~_termed(model, units)]
    lost = [
        gone(v["serve"]),
        gone(v["burst"]),
        gone(on_demand),
        gone(v["pair"], "prefill_fleet", "prefill_site"),
        gone(v["pair"], "decode_fleet", "decode_site"),
        v["backup"].loc[v["backup"]["t"].to_numpy() >= first, "col"].to_numpy(),
    ]
    dropped = [
        frame.loc[frame["t"].to_numpy() >= first, "row"].to_numpy()
        for frame in (model.constraints[family] for family in PLANNING_RULES)
    ]
    return fixed, np.concatenate(lost).astype(np.int64), np.concatenate(dropped).astype(np.int64)


def _termed(model: Model, units: pd.DataFrame) -> np.ndarray:
    """Whether each ``units`` entry is of a fleet with a minimum term (leased or reserved)."""
    return (units["fleet"].map(model.data.fleets["term_periods"]) > 0).to_numpy()


def _plan_and_stress(
    lp: LinearProgram,
    fixed: np.ndarray,
    lost: np.ndarray,
    dropped: np.ndarray,
    solver: SolverName,
    time_limit: float | None,
    tolerances: Tolerances,
) -> tuple[Solution, Solution]:
    """Solve the plan, then the same with its first stage fixed and the capacity lost."""
    planned = solve_lp(lp, solver, time_limit=time_limit, tolerances=tolerances)
    if planned.x is None:
        return planned, planned
    # The plan's own values, unrounded: rounding would break its rows by more than the solver's 1e-9.
    program = lp.with_fixed(fixed, planned.x[fixed])
    upper, row_lower, row_upper = program.upper.copy(), program.row_lower.copy(), program.row_upper.copy()
    upper[lost] = 0.0
    lower = np.minimum(program.lower, upper)
    row_lower[dropped], row_upper[dropped] = -np.inf, np.inf
    # Rows of first-stage columns alone (supply, budget, expansion) held in the plan: not asked again.
    free = np.ones(lp.shape[1], dtype=bool)
    free[fixed] = False
    settled = np.diff(program.matrix[:, free].tocsr().indptr) == 0
    row_lower[settled], row_upper[settled] = -np.inf, np.inf
    whole = lp.integer & free
    program = replace(program, lower=lower, upper=upper, row_lower=row_lower, row_upper=row_upper, integer=whole)
    return planned, solve_lp(program, solver, time_limit=time_limit, tolerances=tolerances)


def _plan_row(name: str, results: dict[str, Result]) -> dict[str, Any]:
    planned, stressed = results[f"{name} planned"], results[f"{name} stressed"]
    demand = float(planned.tables["demand"]["tokens"].sum())

    def unserved(result: Result) -> float | None:
        return float(result.tables["unserved"]["tokens"].sum()) if result.has_plan else None

    before, after = planned.plan_cost_usd, stressed.plan_cost_usd
    short = unserved(stressed)
    return {
        "plan": name,
        "planned_status": planned.status.value,
        "stressed_status": stressed.status.value,
        "planned_cost_usd": before,
        "stressed_cost_usd": after,
        "extra_cost_usd": after - before if before is not None and after is not None else None,
        "planned_unserved_tokens": unserved(planned),
        "stressed_unserved_tokens": short,
        "unserved_share_of_demand": short / demand if short is not None and demand > 0 else None,
    }


def _shortfall(results: dict[str, Result]) -> pd.DataFrame:
    frames = []
    for name in PLANS:
        sides = []
        for side in ("planned", "stressed"):
            table = results[f"{name} {side}"].tables["unserved"]
            sides.append(table.groupby(["period", "workload"])["tokens"].sum().rename(f"{side}_unserved_tokens"))
        both = pd.concat(sides, axis=1).fillna(0.0).reset_index()
        frames.append(both.assign(plan=name))
    columns = ["plan", "period", "workload", "planned_unserved_tokens", "stressed_unserved_tokens"]
    joined = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    return joined.reindex(columns=columns).astype({"period": str, "workload": str})


def _costs(results: dict[str, Result]) -> pd.DataFrame:
    frames = []
    for name in PLANS:
        sides = []
        for side in ("planned", "stressed"):
            costs = results[f"{name} {side}"].tables["costs"]
            paid = costs[costs["component"].isin(PLAN_COMPONENTS)]
            sides.append(paid.groupby("period", sort=False)["discounted_usd"].sum().rename(f"{side}_usd"))
        frames.append(pd.concat(sides, axis=1).reset_index().assign(plan=name))
    return pd.concat(frames, ignore_index=True).reindex(columns=["plan", "period", "planned_usd", "stressed_usd"])
