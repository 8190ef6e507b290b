"""The plan's tables of demand, purchases, units in service, allocation, slices, shortfall, operating points and KV transfers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.build import Model
from planner.tables.columns import TABLE_COLUMNS
from planner.tables.common import (
    Plan,
    as_table,
    column_values,
    over_slices,
)


def demand_table(model: Model) -> pd.DataFrame:
    frame = over_slices(model.data.demand, ["workload", "phase", "t"], model, peak="peak_tokens_per_s")
    return as_table(model, frame, "demand")


def builds_table(model: Plan) -> pd.DataFrame:
    builds = model.variables["build"]
    frame = builds[["fleet", "site", "t"]].assign(units=column_values(model, builds))
    frame = frame[frame["units"] > 0]
    lead = frame["fleet"].map(model.data.fleets["lead_periods"])
    frame = frame.assign(order_period=(frame["t"] - lead).map(model.data.labels))
    return as_table(model, frame, "builds")


def installed_table(model: Plan) -> pd.DataFrame:
    units = model.variables["units"]
    frame = units[["fleet", "site", "procurement", "t"]].assign(units=column_values(model, units))
    return as_table(model, frame, "installed")


def allocation_table(model: Plan) -> pd.DataFrame:
    serve = model.variables["serve"]
    rate = column_values(model, serve) * model.data.rate_unit
    seconds = model.data.periods["seconds"].to_numpy()[serve["t"].to_numpy()]
    busy = rate / serve["tokens_per_s_per_unit"].to_numpy()
    frame = serve[["workload", "phase", "fleet", "site", "t", "k"]].assign(
        tokens_per_s=rate,
        tokens=rate * seconds * serve["hours_share"].to_numpy(),
        busy_units=busy,
        peak_busy_units=busy * serve["peak_factor"].to_numpy(),
    )
    frame = over_slices(frame, ["workload", "phase", "fleet", "site", "t"], model, peak="peak_busy_units")
    frame = frame[frame["tokens_per_s"] > 0]
    # The operating point served at: requests in flight per replica (empty for inline figures).
    points = model.data.routes.drop_duplicates(["workload", "phase", "fleet"])[
        ["workload", "phase", "fleet", "concurrency"]
    ]
    frame = frame.merge(points, on=["workload", "phase", "fleet"], how="left")
    return as_table(model, frame, "allocation")


def slices_table(model: Plan) -> pd.DataFrame:
    """Per period, slice, site and fleet: the units that serve in the slice (the period's units, or
    for on-demand cloud units rented per slice, the slice's own) and the units busy in it, as the
    ``capacity`` rows count them (each workload at the slice's load; without time slices, each at
    its own peak hour)."""
    data = model.data
    units = model.variables["units"]
    bursts = model.variables["burst"]
    held = units.merge(data.slices[["k"]], how="cross")
    held = held[~held["fleet"].isin(bursts["fleet"])]
    procurement = units.drop_duplicates("fleet").set_index("fleet")["procurement"]
    available = pd.concat(
        [
            held[["fleet", "site", "t", "k", "procurement"]].assign(units=column_values(model, held)),
            bursts[["fleet", "site", "t", "k"]].assign(
                procurement=bursts["fleet"].map(procurement), units=column_values(model, bursts)
            ),
        ],
        ignore_index=True,
    )
    serve = model.variables.coded["serve"]
    busy = (
        column_values(model, serve)
        * data.rate_unit
        * serve["peak_factor"].to_numpy()
        / serve["tokens_per_s_per_unit"].to_numpy()
    )
    # Summed per fleet, site, period and slice by the names' codes, not by the names as text.
    fleets, sites = model.dtype("fleet").categories, model.dtype("site").categories
    widths = (len(fleets), len(sites), len(data.periods), int(data.slices["k"].max()) + 1)
    served = np.ravel_multi_index(
        (serve["fleet"].array.codes, serve["site"].array.codes, serve["t"].to_numpy(), serve["k"].to_numpy()), widths
    )
    sums = np.bincount(served, weights=busy, minlength=int(np.prod(widths)))
    at = np.ravel_multi_index(
        (
            fleets.get_indexer(pd.Index(available["fleet"])),
            sites.get_indexer(pd.Index(available["site"])),
            available["t"].to_numpy(),
            available["k"].to_numpy(),
        ),
        widths,
    )
    frame = available.assign(peak_busy_units=sums[at])
    frame = frame.merge(data.slices[["k", "slice", "hours_share"]], on="k")
    frame = frame.sort_values(["t", "k", "site", "fleet"], kind="stable").drop(columns=["k"])
    return as_table(model, frame, "slices")


def unserved_table(model: Plan) -> pd.DataFrame:
    unserved = model.variables["unserved"]
    rate = column_values(model, unserved) * model.data.rate_unit
    seconds = model.data.periods["seconds"].to_numpy()[unserved["t"].to_numpy()]
    frame = unserved[["workload", "phase", "t", "k"]].assign(
        tokens_per_s=rate, tokens=rate * seconds * unserved["hours_share"].to_numpy()
    )
    frame = over_slices(frame, ["workload", "phase", "t"], model)
    frame = frame[frame["tokens_per_s"] > 0]
    return as_table(model, frame, "unserved")


def operating_points_table(model: Model, plan: Plan | None) -> pd.DataFrame:
    """The operating point each fleet serves each workload's phase at (one row per triple), and
    the unit-hours the plan spends there over the horizon (empty without a plan)."""
    keys = ["workload", "phase", "fleet"]
    routes = model.data.routes.drop_duplicates(keys)
    hours = np.full(len(routes), np.nan)
    if plan is not None:
        serve = model.variables.coded["serve"]
        periods = model.data.periods
        busy = column_values(plan, serve) * model.data.rate_unit / serve["tokens_per_s_per_unit"].to_numpy()
        unit_hours = busy * serve["hours_share"].to_numpy() * periods["hours"].to_numpy()[serve["t"].to_numpy()]
        # Summed per workload, phase and fleet by their codes; a triple nothing serves has none.
        dtypes = [model.dtype(k) for k in keys]
        widths = [len(d.categories) for d in dtypes]
        served = np.ravel_multi_index([serve[k].array.codes for k in keys], widths)
        cells = int(np.prod(widths))
        sums = np.bincount(served, weights=unit_hours, minlength=cells)
        counts = np.bincount(served, minlength=cells)
        found = [d.categories.get_indexer(pd.Index(routes[k])) for d, k in zip(dtypes, keys, strict=True)]
        known = np.all([f >= 0 for f in found], axis=0)
        at = np.ravel_multi_index([np.where(known, f, 0) for f in found], widths)
        hours = np.where(known & (counts[at] > 0), sums[at], np.nan)
    frame = routes.assign(busy_unit_hours=hours)
    return frame[TABLE_COLUMNS["operating_points"]].reset_index(drop=True)


def transfers_table(model: Plan) -> pd.DataFrame:
    """Prompts of disaggregated workloads prefilled on one fleet and decoded on another."""
    pairs = model.variables["pair"]
    rate = column_values(model, pairs) * model.data.rate_unit * pairs["input_output_ratio"].to_numpy()
    seconds = model.data.periods["seconds"].to_numpy()[pairs["t"].to_numpy()]
    hours = pairs["hours_share"].to_numpy()
    keys = ["workload", "prefill_site", "prefill_fleet", "decode_site", "decode_fleet", "t"]
    frame = pairs[[*keys, "k"]].assign(
        prompt_tokens_per_s=rate, usd=rate * hours * seconds / 1e6 * pairs["kv_usd_per_mtok"].to_numpy()
    )
    frame = over_slices(frame, keys, model)
    moved = (frame["prefill_fleet"] != frame["decode_fleet"]) | (frame["prefill_site"] != frame["decode_site"])
    frame = frame[(frame["prompt_tokens_per_s"] > 0) & moved]
    return as_table(model, frame, "transfers")
