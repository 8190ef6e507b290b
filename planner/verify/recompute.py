"""What a plan's tables must hold, recomputed from the scenario alone (not from the model builder).

Demand comes from the scenario's demand entries through the ``demand`` package, each unit's
throughput from the fleet's operating point (:meth:`Fleet.service_point`), the owned units from
the existing base and the builds (stock flow), and the costs from the scenario's prices and the
plan's units, builds and unserved tokens. Where only the solve knows a number (how a time slice
loads each workload, which vendors were adopted, a spend commitment's shortfall), the tables are
checked for consistency with each other instead.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from demand import parse_period, project, seconds_per_period, share_values
from planner.data import capital_recovery_factor
from planner.scenario import Scenario, ServicePoint
from planner.tables import PENALTY
from planner.verify.checks import TOLERANCE, Check
from planner.verify.folder import TEXT_COLUMNS, Plan

NAN_ALLOWED = {("allocation", "concurrency")}
"""Number columns that may be empty: the operating point of inline figures has no concurrency."""


class Calendar:
    """The scenario's periods: labels, seconds, hours, years and discount factors by label."""

    def __init__(self, scenario: Scenario):
        periods = scenario.horizon.calendar()
        self.periods = periods
        self.labels = list(periods.astype(str))
        self.months = 3 if scenario.horizon.period_length == "quarter" else 1
        seconds = seconds_per_period(periods)
        rate = scenario.horizon.discount_rate
        self.position = {label: t for t, label in enumerate(self.labels)}
        self.seconds = dict(zip(self.labels, seconds, strict=True))
        self.discount = {label: (1.0 + rate) ** -(t * self.months / 12) for t, label in enumerate(self.labels)}
        self.years = self.months / 12


CENT = 0.01
"""Absolute slack on a recomputed cost in USD: the solver's round-off on a zero decision can
leave a fraction of a cent (a cost of -$0.0016 on a unit of unserved demand)."""


def _close(a: float, b: float, absolute: float = TOLERANCE) -> bool:
    return abs(a - b) <= max(absolute, TOLERANCE * max(1.0, abs(a), abs(b)))


def _rows(frame: pd.DataFrame) -> Iterator[Any]:
    """A table's rows as named tuples (cells of any type: the checks compare them)."""
    yield from frame.itertuples(index=False)


def _listed(wrong: list, what: str) -> str:
    return f"{what} at {wrong[:3]}" + (f" and {len(wrong) - 3} more" if len(wrong) > 3 else "")


def digest(plan: Plan) -> Check:
    """The scenario file is the one solved: its SHA-256 matches the digest stored at solve time."""
    stored = plan.summary.get("scenario_sha256")
    actual = hashlib.sha256(plan.scenario_bytes).hexdigest()
    if stored is None:
        return Check(
            "digest",
            False,
            "summary.json stores no scenario_sha256 (a plan written by an older version): whether scenario.yaml "
            "is the scenario solved cannot be told; solve it again to verify it",
        )
    if stored != actual:
        return Check("digest", False, "scenario.yaml changed since the solve: its SHA-256 differs from summary.json's")
    return Check("digest", True, "scenario.yaml is the scenario solved (SHA-256 as stored)")


def finite(plan: Plan) -> Check:
    """Every number in the tables and the summary's totals is finite (no NaN, no infinity)."""
    wrong: list[str] = []
    for name, table in plan.tables.items():
        for column in table.columns:
            if column in TEXT_COLUMNS:
                continue
            values = table[column].to_numpy(dtype=float)
            bad = np.isinf(values) if (name, column) in NAN_ALLOWED else ~np.isfinite(values)
            wrong += [f"{name}.csv line {i + 2} {column}={values[i]}" for i in bad.nonzero()[0]]
    return Check("finite", not wrong, "every number finite" if not wrong else _listed(wrong, "not a finite number"))


def non_negative(plan: Plan) -> Check:
    """Every quantity (units, tokens, busy units, blocks, USD) is at least zero, to a tolerance
    relative to its column's largest value."""
    wrong: list[str] = []
    for name, table in plan.tables.items():
        for column in table.columns:
            if column in TEXT_COLUMNS:
                continue
            values = table[column].to_numpy(dtype=float)
            finite_values = values[np.isfinite(values)]
            scale = max(1.0, float(np.abs(finite_values).max())) if finite_values.size else 1.0
            bad = values < -TOLERANCE * scale
            wrong += [f"{name}.csv line {i + 2} {column}={values[i]:g}" for i in bad.nonzero()[0]]
    return Check("non_negative", not wrong, "no negative quantity" if not wrong else _listed(wrong, "negative"))


def expected_demand(scenario: Scenario) -> pd.DataFrame:
    """Per period, workload and phase: the average rate (``tokens_per_s``), the ``tokens`` and the
    bounds of the rate capacity must carry (``peak_low``, ``peak_high``), from the demand entries.

    Without time slices the peak is the average times the profile's peak factor. With slices it is
    the busiest slice's rate, whose load factor only the solve's ranking of the hours gives: it
    lies between the average and the average times the peak factor.
    """
    periods = scenario.horizon.calendar()
    frames = []
    for name, workload in scenario.workloads.items():
        entry = project(scenario.demand[scenario.demand_key(name)], periods)
        mix = share_values(workload.share, periods) if workload.share is not None else 1.0
        ratio = workload.input_output_ratio
        peak = workload.profile.peak_factor()
        for phase, split in (("prefill", ratio / (1 + ratio)), ("decode", 1 / (1 + ratio))):
            rate = entry["tokens_per_s"].to_numpy() * mix * split
            frames.append(
                pd.DataFrame(
                    {
                        "period": entry["period"],
                        "workload": name,
                        "phase": phase,
                        "tokens_per_s": rate,
                        "tokens": entry["tokens"].to_numpy() * mix * split,
                        "peak_low": rate * peak if not scenario.time_slices else rate,
                        "peak_high": rate * peak,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def demand(plan: Plan) -> Check:
    """The demand table matches the demand recomputed from the scenario's entries, the tokens
    served plus those reported unserved cover it, and every rate's tokens are its rate times
    the period's seconds."""
    table = plan.tables
    keys = ["period", "workload", "phase"]
    expected = expected_demand(plan.scenario).set_index(keys)
    written = (
        table["demand"]
        .groupby(keys)
        .agg(tokens_per_s=("tokens_per_s", "sum"), tokens=("tokens", "sum"), peak=("peak_tokens_per_s", "max"))
    )
    wrong: list[tuple[Any, ...]] = [("not in the scenario", k) for k in written.index.difference(expected.index)]
    written = written.reindex(expected.index)
    for key, row, got in zip(expected.index, _rows(expected), _rows(written), strict=True):
        if not (_close(got.tokens_per_s, row.tokens_per_s) and _close(got.tokens, row.tokens)):
            wrong.append(("demand.csv differs from the scenario's", key))
        elif not row.peak_low * (1 - TOLERANCE) - TOLERANCE <= got.peak <= row.peak_high * (1 + TOLERANCE):
            wrong.append(("peak rate off", key))
    served = table["allocation"].groupby(keys)["tokens_per_s"].sum()
    missing = table["unserved"].groupby(keys)["tokens_per_s"].sum()
    for key, need in expected["tokens_per_s"].items():
        covered = float(served.get(key, 0.0)) + float(missing.get(key, 0.0))
        if not _close(covered, need):
            wrong.append(("not served or reported unserved", key))
    wrong += [("served where there is no demand", k) for k in served.index.difference(expected.index)]
    seconds = Calendar(plan.scenario).seconds
    for name in ("allocation", "unserved"):
        frame = table[name]
        for i, (period, rate, tokens) in enumerate(
            zip(frame["period"], frame["tokens_per_s"], frame["tokens"], strict=True)
        ):
            if not _close(tokens, rate * seconds[period]):
                wrong.append((f"{name}.csv line {i + 2}: tokens are not the rate times the period's seconds",))
    rows = len(expected)
    return Check(
        "demand",
        not wrong,
        f"{rows} rows of demand recomputed from the scenario, served or reported unserved"
        if not wrong
        else _listed(wrong, "off"),
    )


def throughput(plan: Plan) -> Check:
    """Busy units are the tokens served over one unit's throughput at the fleet's operating point
    for the workload (:meth:`Fleet.service_point`), and only where that point meets the SLO.

    Without time slices the busy units at peak are the busy units times the workload's peak
    factor. With slices they are the busiest slice's, and how the solve spread the service over
    the slices is not in the tables: they lie between the busy units (the hours-weighted mean of
    the slices') and the busy units over the smallest slice's share of the hours.
    """
    scenario = plan.scenario
    allocation = plan.tables["allocation"]
    smallest = min(scenario.time_slices) if scenario.time_slices else 1.0
    points: dict[tuple[str, str, str], ServicePoint] = {}
    wrong: list[tuple[Any, ...]] = []
    for i, row in enumerate(_rows(allocation)):
        workload, fleet = scenario.workloads[row.workload], scenario.fleets[row.fleet]
        key = (row.workload, row.phase, row.fleet)
        if key not in points:
            points[key] = fleet.service_point(workload, row.phase if workload.disaggregate else "both")
        point = points[key]
        if point.performance is None:
            wrong.append((f"line {i + 2}", f"{row.fleet} cannot serve {row.workload}: {point.reason}"))
            continue
        perf = point.performance
        per_unit = perf.prefill_tokens_per_s if row.phase == "prefill" else perf.decode_tokens_per_s
        busy = row.tokens_per_s / per_unit
        if scenario.time_slices:
            low, high = busy, busy / smallest
        else:
            low = high = busy * workload.profile.peak_factor()
        if not _close(row.busy_units, busy):
            wrong.append((f"line {i + 2}", "busy units"))
        elif not low * (1 - TOLERANCE) - TOLERANCE <= row.peak_busy_units <= high * (1 + TOLERANCE) + TOLERANCE:
            wrong.append((f"line {i + 2}", "peak busy units"))
        elif not (point.concurrency is None and math.isnan(row.concurrency)) and row.concurrency != point.concurrency:
            wrong.append((f"line {i + 2}", "concurrency"))
    return Check(
        "throughput",
        not wrong,
        f"busy units of {len(allocation)} allocation rows recomputed from the fleets' operating points"
        if not wrong
        else _listed(wrong, "allocation.csv off"),
    )


def slices(plan: Plan) -> Check:
    """The slices table against the scenario and the other tables: each slice's share of the hours
    as the scenario sets it, the period's units in every slice (rented per slice for on-demand
    cloud units with several slices, at most the period's), and the busy units of each slice
    adding up to the allocation's (its peak busy units without slices; weighted by the hours with
    them, where each slice's own load is known only to the solve)."""
    scenario, table = plan.scenario, plan.tables
    frame = table["slices"]
    shares = list(scenario.time_slices) if scenario.time_slices else [1.0]
    wrong: list[tuple[Any, ...]] = []
    for i, share in enumerate(frame["hours_share"]):
        if not any(_close(share, s) for s in shares):
            wrong.append((f"line {i + 2}", "hours share not the scenario's"))
    several = len(shares) > 1
    held = table["installed"].set_index(["period", "fleet", "site"])["units"]
    for i, row in enumerate(_rows(frame)):
        if several and row.procurement == "cloud":
            continue  # rented per slice: the capacity check keeps it within the period's units
        if not _close(row.units, float(held.get((row.period, row.fleet, row.site), 0.0))):
            wrong.append((f"line {i + 2}", "units not the period's"))
    keys = ["period", "fleet", "site"]
    weight = frame["hours_share"] if several else 1.0
    in_slices = frame.assign(busy=frame["peak_busy_units"] * weight).groupby(keys)["busy"].sum()
    allocation = table["allocation"]
    served = allocation.groupby(keys)["busy_units" if several else "peak_busy_units"].sum()
    wrong += [
        (key, "busy units differ from the allocation's")
        for key in in_slices.index.union(served.index)
        if not _close(float(in_slices.get(key, 0.0)), float(served.get(key, 0.0)))
    ]
    return Check(
        "slices",
        not wrong,
        f"{len(frame)} fleet-slices agree with the scenario and the allocation" if not wrong else _listed(wrong, "off"),
    )


def stock(plan: Plan) -> Check:
    """Owned units in service are the existing units plus the builds still within their life
    (units = existing + builds - retirements), and no build enters service before the fleet's
    lead time or for a fleet that is not bought."""
    scenario, calendar = plan.scenario, Calendar(plan.scenario)
    builds, installed = plan.tables["builds"], plan.tables["installed"]
    expected: dict[tuple[str, str, str], float] = {}
    owned = {name: f for name, f in scenario.fleets.items() if f.procurement == "own"}
    for name, fleet in owned.items():
        for site, spec in scenario.sites.items():
            if name in spec.fleets:
                for label in calendar.labels:
                    expected[(label, name, site)] = 0.0
        for entry in fleet.existing:
            last = parse_period(entry.retire_after, scenario.horizon.period_length) if entry.retire_after else None
            for label, period in zip(calendar.labels, calendar.periods, strict=True):
                if last is None or period <= last:
                    key = (label, name, entry.site)
                    expected[key] = expected.get(key, 0.0) + entry.units
    wrong: list[tuple[Any, ...]] = []
    for i, row in enumerate(_rows(builds)):
        fleet = scenario.fleets[row.fleet]
        t = calendar.position[row.period]
        lead = math.ceil(fleet.lead_time_months / calendar.months - 1e-9)
        if fleet.procurement != "own" or t < lead:
            wrong.append((f"builds.csv line {i + 2}", "not a fleet bought" if t >= lead else "before the lead time"))
            continue
        assert fleet.lifetime_years is not None  # set on every owned fleet
        life = max(1, round(fleet.lifetime_years * 12 / calendar.months))
        for label in calendar.labels[t : t + life]:
            key = (label, row.fleet, row.site)
            expected[key] = expected.get(key, 0.0) + row.units
    mine = installed[installed["procurement"] == "own"]
    written = mine.groupby(["period", "fleet", "site"])["units"].sum()
    wrong += [
        (key, f"{written.get(key, 0.0):g} units, {expected.get(key, 0.0):g} from the builds")
        for key in written.index.union(pd.Index(list(expected), tupleize_cols=True))
        if not _close(float(written.get(key, 0.0)), expected.get(key, 0.0))
    ]
    return Check(
        "stock",
        not wrong,
        f"{len(written)} owned fleet-periods are their existing units plus builds"
        if not wrong
        else _listed(wrong, "off"),
    )


def costs(plan: Plan) -> Check:
    """Capital, fixed opex, the unserved penalty and KV transfers recomputed per period from the
    scenario's prices and the plan's builds, units, unserved tokens and transfers, and every
    present value the period's discount factor times its nominal USD. (Rental, energy and
    expansion have checks of their own; adoption and take-or-pay depend on decisions only the
    solve records, and are checked through the totals.)"""
    scenario, calendar = plan.scenario, Calendar(plan.scenario)
    table = plan.tables
    rate = scenario.horizon.discount_rate
    expected: dict[tuple[str, str], float] = {}

    def add(component: str, period: str, usd: float) -> None:
        expected[(period, component)] = expected.get((period, component), 0.0) + usd

    for row in _rows(table["builds"]):
        fleet = scenario.fleets[row.fleet]
        if fleet.capex_usd is None or fleet.lifetime_years is None:
            continue  # the stock check names a build of a fleet that is not bought
        life = max(1, round(fleet.lifetime_years * 12 / calendar.months))
        yearly = fleet.capex_usd * capital_recovery_factor(rate, fleet.lifetime_years)
        t = calendar.position[row.period]
        for label in calendar.labels[t : t + life]:
            add("capital", label, row.units * yearly * calendar.years)
    for row in _rows(table["installed"]):
        if row.procurement in ("own", "lease"):
            add("fixed_opex", row.period, row.units * scenario.fleets[row.fleet].opex_usd_per_year * calendar.years)
    penalty = scenario.policy.unserved_penalty_usd_per_mtok
    for row in _rows(table["unserved"]):
        add(PENALTY, row.period, row.tokens / 1e6 * penalty)
    for row in _rows(table["transfers"]):
        usd_per_mtok = scenario.workloads[row.workload].kv_transfer_usd_per_mtok
        add("kv_transfer", row.period, row.prompt_tokens_per_s * calendar.seconds[row.period] / 1e6 * usd_per_mtok)
    reported = table["costs"]
    wrong: list[tuple[Any, ...]] = []
    for i, row in enumerate(_rows(reported)):
        if not _close(row.discounted_usd, row.usd * calendar.discount[row.period], absolute=CENT):
            wrong.append((f"costs.csv line {i + 2}", "present value is not the discount factor times the USD"))
    written = reported.groupby(["period", "component"])["usd"].sum()
    recomputed = ("capital", "fixed_opex", PENALTY, "kv_transfer")
    for period in calendar.labels:
        for component in recomputed:
            got, want = float(written.get((period, component), 0.0)), expected.get((period, component), 0.0)
            if not _close(got, want, absolute=CENT):
                wrong.append((period, component, f"${got:,.2f} reported, ${want:,.2f} recomputed"))
    return Check(
        "costs",
        not wrong,
        "capital, fixed opex, unserved penalty and KV transfers recomputed from the scenario's prices"
        if not wrong
        else _listed(wrong, "off"),
    )


def blocks(plan: Plan) -> Check:
    """The expansion table's figures follow from its blocks in service: the blocks added each
    period, the MW they give (blocks times the block's MW) and their capital (blocks times the
    block's price times its capital recovery factor, over the period's years). Whether the blocks
    themselves are within limits, and what they cost in all, is the ``expansion`` check's."""
    scenario, calendar = plan.scenario, Calendar(plan.scenario)
    frame = plan.tables["expansion"]
    rate = scenario.horizon.discount_rate
    previous: dict[str, float] = {}
    wrong: list[tuple[Any, ...]] = []
    order = sorted(range(len(frame)), key=lambda i: calendar.position[frame["period"].iloc[i]])
    for i in order:
        row = frame.iloc[i]
        spec = scenario.sites[row["site"]].expansion
        if spec is None:
            continue  # the expansion check names blocks at a site that cannot expand
        added = max(0.0, row["blocks"] - previous.get(row["site"], 0.0))
        previous[row["site"]] = row["blocks"]
        yearly = spec.capex_usd_per_block * capital_recovery_factor(rate, spec.lifetime_years)
        for column, want in (
            ("new_blocks", added),
            ("expansion_mw", row["blocks"] * spec.block_mw),
            ("capital_usd", row["blocks"] * yearly * calendar.years),
        ):
            if not _close(row[column], want, absolute=CENT if column == "capital_usd" else TOLERANCE):
                wrong.append((f"expansion.csv line {i + 2}", column))
    return Check(
        "blocks",
        not wrong,
        "new blocks, their MW and capital follow from the blocks in service" if not wrong else _listed(wrong, "off"),
    )


CHECKS: tuple[Callable[[Plan], Check], ...] = (
    digest,
    finite,
    non_negative,
    demand,
    throughput,
    slices,
    stock,
    costs,
    blocks,
)
"""The recomputations, in the order they are reported."""
