"""The horizon's periods, the slices of their hours and the demand in each: the time tables of
:class:`planner.data.ModelData`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from demand import PeriodLength, parse_period, project, seconds_per_period
from demand.mix import share_values
from demand.profiles import peak_tokens_per_s
from planner.scenario import Scenario

_HOURS = 3600.0


def months_per_period(scenario: Scenario) -> int:
    """Calendar months in one of the scenario's periods (3 for quarters, else 1)."""
    return 3 if scenario.horizon.period_length == "quarter" else 1


def schedule_values(schedule, calendar: pd.PeriodIndex, length: PeriodLength) -> np.ndarray:
    """A scenario ``Schedule`` (a number, or steps by period label) as one value per period."""
    if not isinstance(schedule, dict):
        return np.full(len(calendar), float(schedule))
    steps = sorted((parse_period(label, length), float(value)) for label, value in schedule.items())
    values = np.empty(len(calendar))
    for i, period in enumerate(calendar):
        values[i] = [value for start, value in steps if start <= period][-1]
    return values


def periods_frame(scenario: Scenario, calendar: pd.PeriodIndex) -> pd.DataFrame:
    months = months_per_period(scenario)
    seconds = seconds_per_period(calendar)
    years_from_start = np.arange(len(calendar)) * months / 12.0
    return pd.DataFrame(
        {
            "period": calendar.astype(str),
            "seconds": seconds,
            "hours": seconds / _HOURS,
            "years": months / 12.0,
            "year": calendar.year,
            "discount": (1.0 + scenario.horizon.discount_rate) ** -years_from_start,
        }
    ).rename_axis("t")


def demand_frame(
    scenario: Scenario, calendar: pd.PeriodIndex, slices: pd.DataFrame, loads: pd.DataFrame
) -> pd.DataFrame:
    projected = {key: project(spec, calendar) for key, spec in scenario.demand.items()}
    level_of = loads["load_factor"].to_dict()
    count = len(calendar)
    t = np.arange(count)
    blocks: dict[str, list] = {name: [] for name in ("t", "k", "workload", "phase", "tokens_per_s", "tokens", "peak")}
    for name, workload in scenario.workloads.items():
        entry = projected[scenario.demand_key(name)]
        mix = share_values(workload.share, calendar) if workload.share is not None else 1.0
        ratio = workload.input_output_ratio
        for phase, split in (("prefill", ratio / (1 + ratio)), ("decode", 1 / (1 + ratio))):
            average = entry["tokens_per_s"].to_numpy() * mix * split
            for k, share in zip(slices["k"], slices["hours_share"], strict=True):
                level = level_of[(name, k)]
                rate = average * level
                blocks["t"].append(t)
                blocks["k"].append(np.full(count, k))
                blocks["workload"].append([name] * count)
                blocks["phase"].append([phase] * count)
                blocks["tokens_per_s"].append(rate)
                blocks["tokens"].append(entry["tokens"].to_numpy() * mix * split * share * level)
                blocks["peak"].append(rate if scenario.time_slices else peak_tokens_per_s(rate, workload.profile))
    # One table made at the end from whole columns: a table per workload, phase and slice, joined, costs more.
    joined = {name: np.concatenate(parts) for name, parts in blocks.items()}
    return pd.DataFrame(
        {
            "t": joined["t"].astype(np.int64),
            "k": joined["k"].astype(np.int64),
            "workload": joined["workload"],
            "phase": joined["phase"],
            "tokens_per_s": joined["tokens_per_s"].astype(float),
            "tokens": joined["tokens"].astype(float),
            "peak_tokens_per_s": joined["peak"].astype(float),
        }
    )


def slices_frame(scenario: Scenario) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The slices of the week's hours and each workload's load in them (its average rate times
    ``load_factor``). Without ``time_slices``: one slice of all hours at load 1.

    The hours are ranked by the load of all workloads together (each weighted by its share of the
    tokens), busiest first, and cut by the shares given; a cut may fall inside an hour.
    """
    names = list(scenario.workloads)
    if not scenario.time_slices:
        return pd.DataFrame({"k": [0], "slice": ["all"], "hours_share": [1.0]}), pd.DataFrame(
            {"workload": names, "k": 0, "load_factor": 1.0}
        ).set_index(["workload", "k"])
    shares = np.asarray(scenario.time_slices, dtype=float)
    labels = ["peak", "shoulder", "offpeak"] if len(shares) == 3 else [f"slice{i + 1}" for i in range(len(shares))]
    loads = np.array([scenario.workloads[n].profile.load() for n in names])  # workloads x 168, each of mean 1
    weight = np.array([_horizon_tokens(scenario, n) for n in names])
    total = weight @ loads / max(weight.sum(), 1e-300)
    order = np.argsort(-total, kind="stable")
    edges = np.concatenate([[0.0], np.cumsum(shares)]) * len(order)
    position = np.arange(len(order))
    # Membership of ranked hour i in slice k: the overlap of [i, i+1) with [edge_k, edge_k+1).
    member = np.clip(
        np.minimum(position[:, None] + 1, edges[None, 1:]) - np.maximum(position[:, None], edges[None, :-1]), 0.0, 1.0
    )
    factor = (loads[:, order] @ member) / member.sum(axis=0)
    index = pd.MultiIndex.from_product([names, range(len(shares))], names=["workload", "k"])
    frame = pd.Series(factor.ravel(), index=index, name="load_factor")
    return pd.DataFrame({"k": range(len(shares)), "slice": labels, "hours_share": shares}), frame.to_frame()


def _horizon_tokens(scenario: Scenario, workload: str) -> float:
    calendar = scenario.horizon.calendar()
    tokens = project(scenario.demand[scenario.demand_key(workload)], calendar)["tokens"].to_numpy()
    share = scenario.workloads[workload].share
    return float((tokens * (share_values(share, calendar) if share is not None else 1.0)).sum())
