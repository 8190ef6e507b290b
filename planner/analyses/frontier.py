"""Frontiers: the optimal plan's cost and hardware mix along one scenario value.

At each value of the axis (a dotted path, or a demand multiplier: see
:mod:`planner.analyses.axis`) the scenario is solved; :attr:`Frontier.points` has one row per
value, in the order given, with the plan cost, the marginal cost of the next step and the mix
(share of tokens per fleet, vendor and category). Where the mix, the set of ``workload/fleet``
pairs serving tokens, differs between two neighbouring values, the change (a breakpoint) is located by bisection to
``tolerance``, all brackets bisected together, their solves run at once through the sweep
machinery.

Two frontiers are ready-made: :func:`latency_frontier` (a workload's per-user speed raised, or its
time to first token lowered, towards the best any fleet offers) and
:func:`diversification_frontier` (``policy.max_vendor_share`` from 1 down).

>>> from planner import Scenario, default_scenario_path
>>> from planner.analyses.frontier import frontier
>>> found = frontier(Scenario.from_yaml(default_scenario_path()), "policy.max_vendor_share", [1.0, 0.6], breakpoints=False)
>>> bool(found.points["plan_cost_usd"].iloc[1] >= found.points["plan_cost_usd"].iloc[0])
True
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from planner.analyses.axis import Axis, active_fleets, axis, check_planned, mix, plain, serving, solve_points
from planner.analyses.files import AnalysisFiles
from planner.overrides import join_path
from planner.scenario import Scenario
from planner.solve import DEFAULT_SOLVER, SolverName

_STEP_UNITS = {
    "max_vendor_share": ("percentage_point", 0.01),
    "min_tokens_per_s_per_user": ("token_per_s_per_user", 1.0),
    "max_ttft_ms": ("ms", 1.0),
}
"""The unit a frontier's marginal cost is given per, by the varied field, and its size in the field's units."""


@dataclass
class Frontier(AnalysisFiles):
    """A frontier along one axis.

    Attributes
    ----------
    axis
        What was varied.
    points
        One row per value, in the order given: ``value, status, plan_cost_usd`` (present value,
        what would be paid), ``objective_usd`` (plan cost plus the unserved penalty, a modelling
        weight), ``unserved_share_of_demand``, ``next_step_usd`` (the change of plan cost to the
        next value), ``marginal_usd_per_<unit>`` (that change per unit of the axis, see
        :attr:`step_unit`), then the mix: ``fleet:NAME``, ``vendor:NAME`` and
        ``category:NAME``, each a share of tokens served (0 to 1).
    breakpoints
        One row per change of the mix, the set of ``workload/fleet`` pairs serving tokens:
        ``value`` (the middle of the bracket), ``lower`` and ``upper`` (the bracket, within
        ``tolerance``), ``fleets_at_lower`` and ``fleets_at_upper`` (the fleets serving at each
        end), ``serving_only_at_lower`` and ``serving_only_at_upper`` (the pairs that serve at one
        end only), ``plan_cost_at_lower_usd`` and ``plan_cost_at_upper_usd``.
    step_unit
        The unit of the marginal cost (``percentage_point`` of a share, ``ms``, ``unit``...).
    """

    axis: Axis
    points: pd.DataFrame
    breakpoints: pd.DataFrame
    step_unit: str
    tolerance: float

    @property
    def shares(self) -> pd.DataFrame:
        """The mix as a long table: ``value, by`` (fleet, vendor or category), ``name, share``."""
        columns = [c for c in self.points if ":" in str(c)]
        long = self.points.melt(id_vars="value", value_vars=columns, var_name="key", value_name="share")
        parts = long["key"].str.split(":", n=1, expand=True)
        return long.assign(by=parts[0], name=parts[1])[["value", "by", "name", "share"]]

    def summary(self) -> dict[str, Any]:
        """The frontier as JSON-ready data: ``points`` (each with ``value``, ``plan_cost_usd`` and
        ``shares``) and ``breakpoints``."""
        marginal = f"marginal_usd_per_{self.step_unit}"
        points = []
        for row in self.points.to_dict("records"):
            entry = {k: plain(v) for k, v in row.items() if ":" not in str(k)}
            entry["shares"] = {k: plain(v) for k, v in row.items() if ":" in str(k)}
            points.append(entry)
        return {
            "vary": self.axis.name,
            "axis": self.axis.label,
            "unit": self.axis.unit,
            "base_value": self.axis.base,
            "marginal_unit": self.step_unit,
            "marginal_column": marginal,
            "tolerance": self.tolerance,
            "points": points,
            "breakpoints": [{k: plain(v) for k, v in row.items()} for row in self.breakpoints.to_dict("records")],
        }


def resolve(line: Axis, values: Sequence[Any]) -> list[float]:
    """The values of ``line``: ``("x", r)`` is ``r`` times the base value (for a demand multiplier, just ``r``).

    >>> from planner import Scenario, default_scenario_path
    >>> resolve(axis(Scenario.from_yaml(default_scenario_path()), "fleets.h100.capex_usd"), [("x", 0.5), 1.0])
    [150000.0, 1.0]
    """
    out = []
    for value in values:
        if isinstance(value, tuple):
            if line.is_multiplier:
                out.append(float(value[1]))
            elif line.base is None:
                raise ValueError(f"{line.name} is not set in the scenario: give absolute values, not x{value[1]:g}")
            else:
                out.append(float(value[1]) * line.base)
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{line.name}: a frontier runs along numbers, not {value!r}")
        else:
            out.append(float(value))
    return out


def frontier(
    scenario: Scenario,
    vary: str | Axis,
    values: Sequence[Any],
    *,
    breakpoints: bool = True,
    tolerance: float = 0.01,
    workers: int | None = 1,
    scheduler: str | Any | None = None,
    connect_timeout_s: float = 10.0,
    solver: SolverName = DEFAULT_SOLVER,
    progress: Callable[[int, int, int], None] | None = None,
) -> Frontier:
    """Solve ``scenario`` at each of ``values`` of ``vary`` and locate where the mix changes.

    Parameters
    ----------
    vary
        A dotted path or demand multiplier (see :func:`planner.analyses.axis.axis`).
    values
        The values, in the order to walk them (numbers; ``("x", r)`` for ``r`` times the base).
    breakpoints
        Locate the changes of the mix (which fleets serve which workloads) between neighbouring values.
    tolerance
        Bisect each breakpoint until its bracket is within this fraction of the larger end.
    workers, scheduler, connect_timeout_s, solver
        As for :func:`planner.sweep.run_sweep`.

    Raises
    ------
    ScenarioError
        If the path is not in the scenario, or a value makes it invalid.
    AnalysisError
        If a value has no plan.
    """
    line = vary if isinstance(vary, Axis) else axis(scenario, vary)
    grid = resolve(line, values)
    if len(grid) < 1:
        raise ValueError("give at least one value")
    if not 0 < tolerance < 1:
        raise ValueError(f"the tolerance is a fraction between 0 and 1 (got {tolerance:g})")
    options: dict[str, Any] = {
        "workers": workers,
        "scheduler": scheduler,
        "connect_timeout_s": connect_timeout_s,
        "solver": solver,
        "progress": progress,
    }
    solved = solve_points(line, grid, **options)
    check_planned(solved, line)
    step_unit, size = _STEP_UNITS.get(line.name.rsplit(".", 1)[-1], ("unit", 1.0))
    points = _points(solved, line, step_unit, size)
    found = _breakpoints(solved, line, tolerance, options) if breakpoints else _empty_breakpoints()
    return Frontier(line, points, found, step_unit, tolerance)


def _points(solved: pd.DataFrame, line: Axis, step_unit: str, size: float) -> pd.DataFrame:
    rows = solved.to_dict("records")
    cost = [float(r["plan_cost_usd"]) for r in rows]
    value = [float(r["value"]) for r in rows]
    out = []
    for i, row in enumerate(rows):
        step = cost[i + 1] - cost[i] if i + 1 < len(rows) else math.nan
        width = abs(value[i + 1] - value[i]) / size if i + 1 < len(rows) else math.nan  # per unit walked
        out.append(
            {
                "value": value[i],
                "status": row["status"],
                "plan_cost_usd": cost[i],
                "objective_usd": row["objective_usd"],
                "unserved_share_of_demand": row["unserved_share_of_demand"],
                "next_step_usd": step,
                f"marginal_usd_per_{step_unit}": step / width if width else math.nan,
                **mix(row, line.scenario),
            }
        )
    return pd.DataFrame(out)


_BREAKPOINT_COLUMNS = [
    "value",
    "lower",
    "upper",
    "fleets_at_lower",
    "fleets_at_upper",
    "serving_only_at_lower",
    "serving_only_at_upper",
    "plan_cost_at_lower_usd",
    "plan_cost_at_upper_usd",
]


def _empty_breakpoints() -> pd.DataFrame:
    return pd.DataFrame({c: [] for c in _BREAKPOINT_COLUMNS})


def _breakpoints(solved: pd.DataFrame, line: Axis, tolerance: float, options: dict[str, Any]) -> pd.DataFrame:
    """Bisect every pair of neighbours whose mix differs, all pairs' midpoints solved together."""
    rows = solved.to_dict("records")
    open_ = [(a, b) for a, b in itertools.pairwise(rows) if serving(a) != serving(b)]
    done = []
    while open_:
        narrow = [
            (a, b)
            for a, b in open_
            if abs(b["value"] - a["value"]) <= tolerance * max(abs(a["value"]), abs(b["value"]))
        ]
        done += narrow
        open_ = [pair for pair in open_ if pair not in narrow]
        if not open_:
            break
        middles = solve_points(line, [(a["value"] + b["value"]) / 2 for a, b in open_], **options)
        check_planned(middles, line)
        open_ = [
            (m, b) if serving(m) == serving(a) else (a, m)
            for (a, b), m in zip(open_, middles.to_dict("records"), strict=True)
        ]
    found = []
    for a, b in sorted(done, key=lambda pair: min(pair[0]["value"], pair[1]["value"])):
        low, high = (a, b) if a["value"] <= b["value"] else (b, a)
        found.append(
            {
                "value": (low["value"] + high["value"]) / 2,
                "lower": low["value"],
                "upper": high["value"],
                "fleets_at_lower": ", ".join(sorted(active_fleets(low, line.scenario))),
                "fleets_at_upper": ", ".join(sorted(active_fleets(high, line.scenario))),
                "serving_only_at_lower": " ".join(sorted(serving(low) - serving(high))),
                "serving_only_at_upper": " ".join(sorted(serving(high) - serving(low))),
                "plan_cost_at_lower_usd": low["plan_cost_usd"],
                "plan_cost_at_upper_usd": high["plan_cost_usd"],
            }
        )
    return pd.DataFrame(found, columns=_BREAKPOINT_COLUMNS)


def latency_values(
    scenario: Scenario, workload: str, target: Literal["speed", "ttft"] = "speed", steps: int = 8
) -> tuple[str, list[float]]:
    """The path and ``steps`` values of a latency frontier: the workload's SLO from a looser one
    (a quarter of today's per-user speed, or four times today's time to first token) through
    today's to the best any fleet's operating points offer (the fastest speed, or the shortest
    time to first token), evenly spaced.

    Raises
    ------
    ValueError
        If the workload is unknown, or no fleet serves it at today's SLO (there is no frontier to walk).
    """
    from planner.data import ModelData

    if workload not in scenario.workloads:
        raise ValueError(f"no workload {workload!r}; known: {', '.join(scenario.workloads)}")
    if steps < 2:
        raise ValueError(f"walk at least 2 values (got {steps})")
    routes = ModelData.from_scenario(scenario).routes
    routes = routes[routes["workload"] == workload]
    if routes.empty:
        raise ValueError(f"no fleet meets the latency SLO of {workload} today: there is no frontier to tighten")
    spec = scenario.workloads[workload]
    if target == "speed":
        path, loose, best = (
            "min_tokens_per_s_per_user",
            spec.min_tokens_per_s_per_user / 4,
            routes["tokens_per_s_per_user"].max(),
        )
    else:
        path, loose, best = "max_ttft_ms", spec.max_ttft_ms * 4, routes["ttft_ms"].min()
    return join_path(["workloads", workload, path]), [float(v) for v in np.linspace(loose, best, steps)]


def latency_frontier(
    scenario: Scenario, workload: str, target: Literal["speed", "ttft"] = "speed", steps: int = 8, **options: Any
) -> Frontier:
    """The latency-cost frontier of ``workload`` (see :func:`latency_values`); ``options`` go to :func:`frontier`."""
    path, values = latency_values(scenario, workload, target, steps)
    return frontier(scenario, path, values, **options)


DIVERSIFICATION_VALUES = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5)
"""The vendor caps of the ready-made diversification frontier: no cap, then 90% down to 50%."""


def diversification_frontier(
    scenario: Scenario, values: Sequence[float] = DIVERSIFICATION_VALUES, **options: Any
) -> Frontier:
    """The diversification-cost frontier: ``policy.max_vendor_share`` from 1 down; ``options`` go to :func:`frontier`."""
    return frontier(scenario, "policy.max_vendor_share", list(values), **options)
