"""What a break-even or a frontier varies, and the solves along it.

An :class:`Axis` is one scenario value named by a dotted path (``fleets.cs3.capex_usd``,
``policy.max_vendor_share``), or a multiplier on demand, which no single path holds:

- ``demand``: every demand entry, all workloads together;
- ``demand.KEY``: one demand entry (every workload it feeds);
- ``workloads.NAME.demand``: one workload's demand alone. When the workload shares its entry with
  others, each of them is first given a copy of that entry of its own (with its own share), which
  leaves the plan as it was at multiplier 1.

A multiplier scales an entry's volume: a curve's ``tokens_per_day`` (and its ceiling,
``capacity_tokens_per_day`` or ``market_tokens_per_day``, so that the curve keeps its shape), or
every interval of a series (a CSV series is read in first). A piecewise or fitted entry has no
such volume and is refused with the reason. :func:`solve_points` solves the scenario at values of
the axis through the sweep machinery (:func:`planner.sweep.run_sweep`: in this process, on a local
process pool or on a Dask cluster).

>>> from planner import Scenario, default_scenario_path
>>> demand = axis(Scenario.from_yaml(default_scenario_path()), "demand")
>>> demand.label, demand.base, sorted(demand.values(2.0))
('multiplier on all demand', 1.0, ['demand.total.tokens_per_day'])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from demand.series import ExplicitSeries
from planner.analyses.subject import Subject, fleets_of
from planner.errors import Problem, ScenarioError
from planner.overrides import check_path, get_value, join_path, split_path
from planner.scenario import Scenario
from planner.solve import DEFAULT_SOLVER, SolverName
from planner.sweep.worker import SERVING_TOLERANCE

SHARE_TOLERANCE = SERVING_TOLERANCE
"""A share of tokens served below this fraction counts as none: a solver's round-off, not a choice."""
UNITS_TOLERANCE = 1e-6
"""Units built below this count as none."""
_CEILINGS = ("capacity_tokens_per_day", "market_tokens_per_day")


class AnalysisError(ValueError):
    """An analysis cannot go on: a point along the axis has no plan, or the axis cannot be varied."""


@dataclass(frozen=True)
class Axis:
    """A value an analysis varies, and the scenario to vary it in.

    Attributes
    ----------
    name
        As the user wrote it: a dotted path, ``demand``, ``demand.KEY`` or ``workloads.NAME.demand``.
    label
        What it is in words (``multiplier on all demand``, or the path).
    unit
        Its unit, from the path's suffix (``usd``, ``mw``...), or ``x today's demand``.
    base
        Its value in the scenario (1.0 for a demand multiplier; None for a value left unset).
    scenario
        The scenario the values are set in (for one workload's demand, with its entry split off).
    scaled
        For a demand multiplier: each path it scales and that path's value at multiplier 1.
    """

    name: str
    label: str
    unit: str
    base: float | None
    scenario: Scenario
    scaled: dict[str, float] = field(default_factory=dict)

    @property
    def is_multiplier(self) -> bool:
        """Whether the axis is a multiplier on demand rather than one scenario value."""
        return bool(self.scaled)

    def values(self, value: Any) -> dict[str, Any]:
        """The scenario values (path: value) that put the axis at ``value``."""
        if self.scaled:
            return {path: base * float(value) for path, base in self.scaled.items()}
        return {self.name: value}


def axis(scenario: Scenario, name: str) -> Axis:
    """The axis ``name`` of ``scenario`` (see the module's description).

    Raises
    ------
    ScenarioError
        If the path names nothing, a section, or demand that a multiplier cannot scale.
    """
    try:
        parts = split_path(name)
    except ValueError as exc:
        raise ScenarioError([Problem(path=name, message=str(exc), value=name)]) from exc
    if parts == ["demand"]:
        return _demand_axis(scenario, name, list(scenario.demand), "multiplier on all demand")
    if len(parts) == 2 and parts[0] == "demand":
        if parts[1] not in scenario.demand:
            known = ", ".join(scenario.demand)
            raise ScenarioError(
                [Problem(path=name, message=f"no demand entry {parts[1]!r}; known: {known}", value=name)]
            )
        return _demand_axis(scenario, name, [parts[1]], f"multiplier on demand entry {parts[1]}")
    if len(parts) == 3 and parts[0] == "workloads" and parts[2] == "demand":
        if parts[1] not in scenario.workloads:
            known = ", ".join(scenario.workloads)
            raise ScenarioError([Problem(path=name, message=f"no workload {parts[1]!r}; known: {known}", value=name)])
        split, key = _split_off(scenario, parts[1])
        return _demand_axis(split, name, [key], f"multiplier on the demand of {parts[1]}")
    problem = check_path(scenario, name)
    if problem:
        raise ScenarioError([problem])
    value = get_value(scenario, name)
    if isinstance(value, bool) or not (value is None or isinstance(value, int | float)):
        raise ScenarioError(
            [Problem(path=name, message="vary a number (a price, a power, a share, a target)", value=repr(value))]
        )
    return Axis(name, name, _unit(parts[-1]), None if value is None else float(value), scenario)


_UNITS = {
    "usd": "USD",
    "mw": "MW",
    "kw": "kW",
    "ms": "ms",
    "mwh": "USD per MWh",
    "share": "fraction",
    "years": "years",
    "months": "months",
    "units": "units",
    "user": "tokens/s per user",
    "mtok": "USD per million tokens",
    "rate": "fraction",
}
"""Units by the last word of a field's name (``capex_usd``, ``max_ttft_ms``, ``min_tokens_per_s_per_user``)."""


def _unit(field: str) -> str:
    """The unit of a scenario field by its name's last word, or '' when the name does not say it."""
    return _UNITS.get(field.rsplit("_", 1)[-1], "")


def _demand_axis(scenario: Scenario, name: str, keys: list[str], label: str) -> Axis:
    """A multiplier on the demand entries ``keys`` of ``scenario`` (CSV series read in first)."""
    data = scenario.model_dump(mode="python")
    scaled: dict[str, float] = {}
    problems = []
    for key in keys:
        spec = scenario.demand[key]
        kind = getattr(spec, "kind", "")
        if (
            isinstance(spec, ExplicitSeries) and spec.tokens is None
        ):  # read from a CSV file: write it in, so paths reach it
            table = spec.intervals()
            data["demand"][key] = {"kind": "series", "tokens": dict(zip(table["label"], table["tokens"], strict=True))}
            if spec.interval != "auto":
                data["demand"][key]["interval"] = spec.interval
            scaled.update(
                {
                    join_path(["demand", key, "tokens", str(label)]): float(t)
                    for label, t in zip(table["label"], table["tokens"], strict=True)
                }
            )
        elif isinstance(spec, ExplicitSeries) and spec.tokens is not None:
            scaled.update({join_path(["demand", key, "tokens", label]): float(t) for label, t in spec.tokens.items()})
        elif hasattr(spec, "tokens_per_day") and kind != "piecewise":
            for volume in ("tokens_per_day", *_CEILINGS):
                if volume in type(spec).model_fields:
                    scaled[join_path(["demand", key, volume])] = float(getattr(spec, volume))
        else:
            problems.append(
                Problem(
                    path=join_path(["demand", key]),
                    message=f"a {kind} demand entry has no single volume to multiply; vary one of its values by path "
                    "instead (e.g. a segment's or the history's), or give the entry as a curve or a series",
                    value=kind,
                )
            )
    if problems:
        raise ScenarioError(problems)
    return Axis(name, label, "x today's demand", 1.0, Scenario.model_validate(data), scaled)


def _split_off(scenario: Scenario, workload: str) -> tuple[Scenario, str]:
    """``scenario`` with ``workload``'s demand entry its own (a copy for each workload sharing it), and that key."""
    key = scenario.demand_key(workload)
    sharing = [n for n in scenario.workloads if scenario.demand_key(n) == key]
    if len(sharing) == 1:
        return scenario, key
    data = scenario.model_dump(mode="python")
    taken = set(data["demand"]) | set(data["workloads"])
    own: dict[str, str] = {}
    for n in sharing:
        new = f"{key}_{n}"
        while new in taken:
            new += "_"
        taken.add(new)
        own[n] = new
        data["demand"][new] = data["demand"][key]
        data["workloads"][n]["demand"] = new
    del data["demand"][key]
    return Scenario.model_validate(data), own[workload]


def solve_points(
    line: Axis,
    values: Iterable[Any],
    *,
    workers: int | None = 1,
    scheduler: str | Any | None = None,
    connect_timeout_s: float = 10.0,
    solver: SolverName = DEFAULT_SOLVER,
    progress: Callable[[int, int, int], None] | None = None,
) -> pd.DataFrame:
    """Solve ``line.scenario`` at each of ``values`` of the axis (through :func:`planner.sweep.run_sweep`).

    Returns one row per value, in the order given: ``value`` and the sweep's columns for that run
    (``status``, ``plan_cost_usd``, ``objective_usd``, ``unserved_share_of_demand``,
    ``fleet_share_<fleet>``, ``built_units_<fleet>``...). A value whose scenario is invalid
    (``status`` ``invalid``) is kept with its ``error``.
    """
    from planner.sweep import run_sweep

    values = list(values)
    if not values:
        return pd.DataFrame({"value": []})
    settings = [line.values(v) for v in values]
    runs = pd.DataFrame({"run": [f"p{i}" for i in range(len(values))]})
    for path in settings[0]:
        runs[path] = [s[path] for s in settings]
    table = run_sweep(
        line.scenario,
        runs,
        workers=workers,
        scheduler=scheduler,
        connect_timeout_s=connect_timeout_s,
        solver=solver,
        progress=progress,
    ).table
    return table.drop(columns=[c for c in (*settings[0], "run", "case") if c in table]).assign(value=values)


def has_plan(row: dict) -> bool:
    """Whether a solved point has a plan to read (optimal, or stopped by the time limit with one)."""
    return row.get("status") in ("optimal", "time_limit") and not _missing(row.get("plan_cost_usd"))


def plain(value: Any) -> Any:
    """A table's cell as JSON-ready data: numpy scalars as Python numbers, NaN as None."""
    if isinstance(value, np.generic):
        value = value.item()
    return None if isinstance(value, float) and math.isnan(value) else value


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def subject_served(row: dict, subject: Subject, scenario: Scenario) -> float:
    """The share (0 to 1) of a solved point's tokens that ``subject``'s fleets serve."""
    return float(sum(row.get(f"fleet_share_{f}", 0.0) or 0.0 for f in fleets_of(subject, scenario)))


def subject_built(row: dict, subject: Subject, scenario: Scenario) -> float:
    """The units ``subject``'s fleets build (buy or lease) over the horizon at a solved point."""
    return float(sum(row.get(f"built_units_{f}", 0.0) or 0.0 for f in fleets_of(subject, scenario)))


def mix(row: dict, scenario: Scenario) -> dict[str, float]:
    """A solved point's share of tokens per fleet, vendor and category, keyed ``KIND:NAME``."""
    shares: dict[str, float] = {}
    for kind in ("fleet", "vendor", "category"):
        for f, spec in scenario.fleets.items():
            key = f"{kind}:{f if kind == 'fleet' else getattr(spec, kind)}"
            shares[key] = shares.get(key, 0.0) + float(row.get(f"fleet_share_{f}", 0.0) or 0.0)
    return shares


def active_fleets(row: dict, scenario: Scenario) -> frozenset[str]:
    """The fleets that serve tokens at a solved point."""
    return frozenset(f for f in scenario.fleets if (row.get(f"fleet_share_{f}", 0.0) or 0.0) > SHARE_TOLERANCE)


def serving(row: dict) -> frozenset[str]:
    """The ``workload/fleet`` pairs that serve tokens at a solved point: the mix, as a set."""
    text = row.get("serving")
    return frozenset(text.split()) if isinstance(text, str) else frozenset()


def check_planned(table: pd.DataFrame, line: Axis) -> None:
    """Raise :class:`ScenarioError` for values the scenario refuses (naming the path and the value),
    or :class:`AnalysisError` naming every value of ``table`` that has no plan, and why."""
    invalid = table[table["status"] == "invalid"]
    if len(invalid):
        raise ScenarioError(
            [
                Problem(path=line.name, message=str(row["error"]), value=f"{row['value']:g}")
                for row in invalid.to_dict("records")
            ]
        )
    failed = [row for row in table.to_dict("records") if not has_plan(row)]
    if failed:
        said = "; ".join(
            f"at {row['value']:g}: {row.get('status')} ({row.get('error') or 'no reason given'})" for row in failed
        )
        raise AnalysisError(f"{line.label}: no plan {said}; narrow the range or run planner explain on such a value")
