"""Break-even: the value (a demand level, a price) at which a fleet, vendor or category enters or
leaves the optimal plan.

The subject is *in the plan* at a value when its fleets serve tokens there (a share above
:data:`~planner.analyses.axis.SHARE_TOLERANCE`) or build units (bought or leased, above
:data:`~planner.analyses.axis.UNITS_TOLERANCE`); ``measure`` narrows that to one of the two.
The range is first solved at ``grid`` evenly spaced values (geometrically for a demand
multiplier), all at once through the sweep machinery; the first pair of neighbours between which
the subject enters (or leaves) is then narrowed by bisection (``workers`` interior values a round)
until the bracket is within ``tolerance`` of its upper end. The plan is an LP optimum, so the
subject's presence can change more than once along a range: the first change from the low end is
reported, and the solved values are all in :attr:`BreakEven.points`.

>>> from planner import Scenario, default_scenario_path
>>> from planner.analyses.breakeven import breakeven
>>> found = breakeven(Scenario.from_yaml(default_scenario_path()), "category:wafer_scale", "demand", (0.5, 2.0), grid=2)
>>> found.found, found.reason.split(",")[0]
(False, 'no break-even: always chosen')
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from planner.analyses.axis import (
    SHARE_TOLERANCE,
    UNITS_TOLERANCE,
    Axis,
    axis,
    check_planned,
    mix,
    plain,
    solve_points,
    subject_built,
    subject_served,
)
from planner.analyses.files import AnalysisFiles
from planner.analyses.subject import Subject, fleets_of, parse_subject
from planner.scenario import Scenario
from planner.solve import DEFAULT_SOLVER, SolverName

Direction = Literal["enters", "leaves", "either"]
Measure = Literal["either", "served", "built"]


@dataclass
class BreakEven(AnalysisFiles):
    """A break-even found (or why there is none).

    Attributes
    ----------
    subject, axis
        What enters or leaves, and along what.
    direction
        ``enters`` or ``leaves`` (the change found, or asked for), as the axis value rises.
    threshold
        The break-even value: the middle of the final bracket; None when there is none.
    lower, upper
        The final bracket (``upper - lower`` within ``tolerance`` of ``upper``): the subject's state
        differs at the two ends.
    below, above
        The solved points at ``lower`` and ``upper`` (see :meth:`point`).
    reason
        What was found, in words, and when there is no break-even in the range, why.
    points
        Every value solved: ``value, status, plan_cost_usd, objective_usd,
        unserved_share_of_demand, subject_share, subject_built_units, in_plan`` and the mix
        (``fleet:NAME``, ``vendor:NAME``, ``category:NAME`` shares of tokens), sorted by value.
    """

    subject: Subject
    axis: Axis
    direction: Direction
    measure: Measure
    range: tuple[float, float]
    tolerance: float
    threshold: float | None
    lower: float | None
    upper: float | None
    below: dict[str, Any] | None
    above: dict[str, Any] | None
    reason: str
    points: pd.DataFrame

    @property
    def found(self) -> bool:
        """Whether a break-even lies in the range."""
        return self.threshold is not None

    def summary(self) -> dict[str, Any]:
        """The finding as JSON-ready data (``threshold``, ``lower``, ``upper``, ``below``, ``above``...)."""
        return {
            "subject": self.subject.label,
            "vary": self.axis.name,
            "axis": self.axis.label,
            "unit": self.axis.unit,
            "base_value": self.axis.base,
            "direction": self.direction,
            "measure": self.measure,
            "range": list(self.range),
            "tolerance": self.tolerance,
            "found": self.found,
            "threshold": self.threshold,
            "lower": self.lower,
            "upper": self.upper,
            "below": self.below,
            "above": self.above,
            "reason": self.reason,
            "solves": len(self.points),
        }


def point(row: dict) -> dict[str, Any]:
    """A solved point as the summary shows it: ``value``, ``plan_cost_usd`` (present value, what
    would be paid), ``objective_usd``, ``unserved_share_of_demand``, ``subject_share`` (of tokens
    served), ``subject_built_units``, ``in_plan`` and ``shares`` (the mix, ``KIND:NAME``)."""
    keys = ("value", "plan_cost_usd", "objective_usd", "unserved_share_of_demand", "subject_share")
    found = {k: plain(row[k]) for k in keys}
    found["subject_built_units"] = plain(row["subject_built_units"])
    found["in_plan"] = bool(row["in_plan"])
    found["shares"] = {k: plain(v) for k, v in row.items() if ":" in str(k)}
    return found


def breakeven(
    scenario: Scenario,
    subject: str | Subject,
    vary: str | Axis,
    range: tuple[float, float] | None = None,
    *,
    direction: Direction = "either",
    measure: Measure = "either",
    tolerance: float = 0.01,
    grid: int = 9,
    workers: int | None = 1,
    scheduler: str | Any | None = None,
    connect_timeout_s: float = 10.0,
    solver: SolverName = DEFAULT_SOLVER,
    progress: Callable[[int, int, int], None] | None = None,
) -> BreakEven:
    """Find where ``subject`` enters or leaves the optimal plan as ``vary`` runs over ``range``.

    Parameters
    ----------
    subject
        ``KIND:NAME`` (fleet, vendor or category) or a :class:`Subject`.
    vary
        A dotted path or demand multiplier (see :func:`planner.analyses.axis.axis`).
    range
        ``(low, high)`` in the axis's own values (for demand, multipliers); default 0.1 to 10
        times the base value.
    direction
        ``enters``, ``leaves``, or ``either``: the first change of either kind.
    measure
        In the plan means serving tokens or building units (``either``), or only one of them.
    tolerance
        Bisect until the bracket is within this fraction of its upper end.
    grid
        Values solved across the range before bisecting (at least 2).
    workers, scheduler, connect_timeout_s, solver
        As for :func:`planner.sweep.run_sweep`.

    Raises
    ------
    ScenarioError
        If the axis is not in the scenario, or a value in the range makes it invalid.
    AnalysisError
        If a value solved has no plan.
    ValueError
        If the subject is not in the scenario, or the range, tolerance or grid make no sense.
    """
    who = subject if isinstance(subject, Subject) else parse_subject(subject, scenario, ("fleet", "vendor", "category"))
    line = vary if isinstance(vary, Axis) else axis(scenario, vary)
    low, high = range if range is not None else _default_range(line)
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"the range must run from a lower to a higher finite value (got {low:g}..{high:g})")
    if line.is_multiplier and low <= 0:
        raise ValueError(f"a demand multiplier must stay above 0 (got {low:g})")
    if not 0 < tolerance < 1:
        raise ValueError(f"the tolerance is a fraction between 0 and 1 (got {tolerance:g})")
    if grid < 2:
        raise ValueError(f"solve at least 2 values across the range (got {grid})")
    spaced = np.geomspace(low, high, grid) if line.is_multiplier else np.linspace(low, high, grid)
    options: dict[str, Any] = {
        "workers": workers,
        "scheduler": scheduler,
        "connect_timeout_s": connect_timeout_s,
        "solver": solver,
        "progress": progress,
    }
    points = _read(solve_points(line, [float(v) for v in spaced], **options), who, line, measure)
    bracket = _first_change(points, direction)
    if bracket is None:
        return _none(who, line, direction, measure, (low, high), tolerance, points, scenario)
    a, b = bracket
    each_round = (workers or os.cpu_count() or 1) if scheduler is None else 4  # values solved at once
    while b["value"] - a["value"] > tolerance * max(abs(b["value"]), abs(a["value"])):
        inner = np.linspace(a["value"], b["value"], each_round + 2)[1:-1]
        found = _read(solve_points(line, [float(v) for v in inner], **options), who, line, measure)
        points = pd.concat([points, found], ignore_index=True)
        side = [a, *found.to_dict("records"), b]
        changes = [(x, y) for x, y in itertools.pairwise(side) if x["in_plan"] != y["in_plan"]]
        asked = [(x, y) for x, y in changes if direction == "either" or (direction == "enters") == y["in_plan"]]
        a, b = (asked or changes)[0]  # the direction asked, if the subject also goes the other way in between
    went: Direction = "enters" if b["in_plan"] else "leaves"
    threshold = (a["value"] + b["value"]) / 2
    reason = (
        f"{who.label} {went} the plan at {line.label} {threshold:,.6g} (between {a['value']:,.6g} and "
        f"{b['value']:,.6g}): its share of tokens goes from {_percent(a['subject_share'])} to "
        f"{_percent(b['subject_share'])} and the units it builds from {a['subject_built_units']:,.4g} to "
        f"{b['subject_built_units']:,.4g}"
    )
    return BreakEven(
        who,
        line,
        went,
        measure,
        (low, high),
        tolerance,
        threshold,
        a["value"],
        b["value"],
        point(a),
        point(b),
        reason,
        points.sort_values("value", ignore_index=True),
    )


def _percent(share: float) -> str:
    """A share as a percentage with two significant figures however small (0.0031%), 0% for none."""
    return f"{share:.2%}" if share >= 0.01 or share == 0 else f"{share * 100:.2g}%"


def _default_range(line: Axis) -> tuple[float, float]:
    if not line.base:
        raise ValueError(f"{line.name} is {line.base} in the scenario: give the range as LO..HI in its own values")
    ends = sorted((0.1 * line.base, 10 * line.base))
    return ends[0], ends[1]


def _read(table: pd.DataFrame, who: Subject, line: Axis, measure: Measure) -> pd.DataFrame:
    """The solved points with the subject's share, builds, presence and the mix added."""
    check_planned(table, line)
    rows = []
    for row in table.to_dict("records"):
        share = subject_served(row, who, line.scenario)
        built = subject_built(row, who, line.scenario)
        served_in, built_in = share > SHARE_TOLERANCE, built > UNITS_TOLERANCE
        rows.append(
            {
                "value": row["value"],
                "status": row["status"],
                "plan_cost_usd": row["plan_cost_usd"],
                "objective_usd": row["objective_usd"],
                "unserved_share_of_demand": row["unserved_share_of_demand"],
                "subject_share": share,
                "subject_built_units": built,
                "in_plan": {"either": served_in or built_in, "served": served_in, "built": built_in}[measure],
                **mix(row, line.scenario),
            }
        )
    return pd.DataFrame(rows)


def _first_change(points: pd.DataFrame, direction: Direction) -> tuple[dict, dict] | None:
    rows = points.sort_values("value").to_dict("records")
    for a, b in itertools.pairwise(rows):
        if a["in_plan"] != b["in_plan"] and (direction == "either" or (direction == "enters") == b["in_plan"]):
            return a, b
    return None


def _none(
    who: Subject,
    line: Axis,
    direction: Direction,
    measure: Measure,
    ends: tuple[float, float],
    tolerance: float,
    points: pd.DataFrame,
    scenario: Scenario,
) -> BreakEven:
    """No break-even in the range: say why."""
    low, high = ends
    span = f"from {low:,.6g} to {high:,.6g}"
    if points["in_plan"].all():
        reason = (
            f"no break-even: always chosen, {who.label} {_IN[measure]} at every {line.label} {span} "
            f"(it serves {_percent(points['subject_share'].iloc[0])} of tokens at {low:,.6g})"
        )
    elif not points["in_plan"].any():
        unreachable = _ineligible(who, line.scenario)
        if unreachable:
            reason = f"no break-even: never eligible, {unreachable}"
        else:
            doing = {
                "either": "serves no token and builds no unit",
                "served": "serves no token",
                "built": "builds no unit",
            }
            reason = (
                f"no break-even: never chosen, {who.label} {doing[measure]} at any {line.label} {span} (it serves "
                f"{_percent(points['subject_share'].max())} of tokens at most); cheaper options cover the demand "
                "throughout: widen the range"
            )
    else:
        other = "leaves" if direction == "enters" else "enters"
        first = _first_change(points, "either")
        assert first is not None, "the subject is in at some values and out at others"
        reason = (
            f"no break-even: {who.label} never {direction} the plan {span}; it {other} between "
            f"{first[0]['value']:,.6g} and {first[1]['value']:,.6g} (ask for --direction {other})"
        )
    return BreakEven(who, line, direction, measure, ends, tolerance, None, None, None, None, None, reason, points)


_IN = {"either": "serves tokens or builds units", "served": "serves tokens", "built": "builds units"}
"""What being in the plan means, by measure."""


def _ineligible(who: Subject, scenario: Scenario) -> str:
    """Why the subject's fleets can serve no workload (no operating point meets any latency SLO), or ''."""
    from planner.data import ModelData

    fleets = set(fleets_of(who, scenario))
    routes = ModelData.from_scenario(scenario).routes
    if routes["fleet"].isin(fleets).any():
        return ""
    return (
        f"no operating point of {', '.join(sorted(fleets))} meets the latency SLO (max_ttft_ms, "
        "min_tokens_per_s_per_user) of any workload, so it can never serve"
    )
