"""The plan's tables of power drawn and reserved, energy, site expansion, cost by component and marginal prices of tokens."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.build.costs import COMPONENTS, site_prices
from planner.tables.common import (
    Plan,
    as_table,
    column_values,
    over_slices,
    row_duals,
)


def draw_frame(model: Plan) -> pd.DataFrame:
    """Per owned or leased placement and period: power reserved (nameplate, with PUE), IT power
    drawn on average (idle draw of every unit plus the busy draw above it, each slice weighted by
    its hours), the facility energy that draws and what the plan pays for it (nothing for a lease
    whose hourly price includes electricity). The same arithmetic as the energy cost terms."""
    data = model.data
    fleets = data.fleets
    keys = ["fleet", "site", "t"]
    # Looked up and summed by the names' codes (the frames as built), not by the names as text.
    at_site = fleets["at_site"].to_numpy(dtype=bool)  # in the fleet codes' order
    units_coded = model.variables.coded["units"]
    on_site = at_site[units_coded["fleet"].array.codes]
    units = model.variables["units"][on_site]
    serve = model.variables.coded["serve"]
    serving = at_site[serve["fleet"].array.codes]
    serve = serve[serving]
    busy = (
        column_values(model, serve)
        * data.rate_unit
        / serve["tokens_per_s_per_unit"].to_numpy()
        * serve["hours_share"].to_numpy()
    )
    sites, periods = len(model.dtype("site").categories), len(data.periods)

    def place(frame: pd.DataFrame) -> np.ndarray:
        """Each entry's placement and period as one number."""
        fleet, site = frame["fleet"].array.codes.astype(np.int64), frame["site"].array.codes.astype(np.int64)
        return (fleet * sites + site) * periods + frame["t"].to_numpy(dtype=np.int64)

    places = place(units_coded[on_site])
    busy_per_place = np.bincount(place(serve), weights=busy, minlength=int(places.max()) + 1 if len(places) else 0)
    frame = units[keys].reset_index(drop=True).assign(units=column_values(model, units), busy=busy_per_place[places])
    fleet = units_coded["fleet"].array.codes[on_site]
    site = units_coded["site"].array.codes[on_site]
    max_kw = fleets["max_power_kw"].to_numpy(dtype=float)[fleet]
    idle_kw = fleets["idle_power_kw"].to_numpy(dtype=float)[fleet]
    site_names = model.dtype("site").categories
    pue = data.sites["pue"].reindex(site_names).to_numpy(dtype=float)[site]
    t = frame["t"].to_numpy(dtype=np.int64)
    price = site_prices(model.model)[site, t]
    hours = data.periods["hours"].to_numpy()[t]
    included = fleets["energy_included"].to_numpy(dtype=bool)[fleet]
    drawn_it = (idle_kw * frame["units"].to_numpy() + (max_kw - idle_kw) * frame["busy"].to_numpy()) / 1000.0
    energy_mwh = drawn_it * pue * hours
    return frame.assign(
        reserved_mw=frame["units"].to_numpy() * max_kw * pue / 1000.0,
        it_kw=frame["units"].to_numpy() * max_kw,
        drawn_it_mw=drawn_it,
        drawn_facility_mw=drawn_it * pue,
        energy_mwh=energy_mwh,
        energy_usd=np.where(included, 0.0, energy_mwh * price),
        energy_included=included,
        pue=pue,
        price_usd_per_mwh=price,
        hours=hours,
    )


def energy_table(model: Plan, draw: pd.DataFrame) -> pd.DataFrame:
    """Per period, site and owned or leased fleet: ``draw`` (from :func:`_draw`) as a result table."""
    return as_table(model, draw, "energy")


def blocks_frame(model: Plan) -> pd.DataFrame:
    """Per site with an expansion and period: power blocks in service (none before the lead time)."""
    data = model.data
    grid = data.expansions.reset_index()[["site"]].merge(pd.DataFrame({"t": np.arange(len(data.periods))}), how="cross")
    blocks = model.variables["blocks"]
    built = blocks[["site", "t"]].assign(blocks=column_values(model, blocks))
    return grid.merge(built, on=["site", "t"], how="left").fillna({"blocks": 0.0})


def expansion_table(model: Plan) -> pd.DataFrame:
    """Blocks in service and newly added per site and period, the MW they add to the cap and
    their capital recovery that period (the site's part of the ``expansion`` cost component)."""
    data = model.data
    frame = blocks_frame(model)
    years = data.periods["years"].to_numpy()[frame["t"].to_numpy()]
    frame = frame.assign(
        new_blocks=(frame["blocks"] - frame.groupby("site")["blocks"].shift(fill_value=0.0)).clip(lower=0.0),
        expansion_mw=frame["blocks"] * frame["site"].map(data.expansions["block_mw"]).to_numpy(),
        capital_usd=frame["blocks"] * frame["site"].map(data.expansions["capital_usd_per_year"]).to_numpy() * years,
    )
    return as_table(model, frame, "expansion")


def power_table(model: Plan, draw: pd.DataFrame) -> pd.DataFrame:
    """Per site and period: power reserved for the units at nameplate (with PUE), which the cap
    binds, beside the power drawn on average (``draw``, from :func:`_draw`); the cap as given and
    the MW its blocks add."""
    rows = model.constraints["power_limit"]
    pi = row_duals(model, rows)
    discount = model.data.periods["discount"].to_numpy()[rows["t"].to_numpy()]
    keys = ["site", "t"]
    draw = draw.groupby(keys)[["reserved_mw", "drawn_it_mw", "drawn_facility_mw"]].sum()
    blocks = blocks_frame(model)
    added = pd.Series(
        blocks["blocks"].to_numpy() * blocks["site"].map(model.data.expansions["block_mw"]).to_numpy(),
        index=pd.MultiIndex.from_frame(blocks[keys]),
    )
    index = list(zip(rows["site"], rows["t"], strict=True))
    # A <= row's dual is <= 0 when minimizing; a planner reads the saving from one more MW.
    frame = rows[keys].assign(
        **{c: draw[c].reindex(index).fillna(0.0).to_numpy() for c in draw.columns},
        cap_mw=rows["rhs"].to_numpy(),
        expansion_mw=added.reindex(index).fillna(0.0).to_numpy() if len(added) else 0.0,
        marginal_usd_per_mw=-pi * model.money_unit / discount + 0.0,
    )
    return as_table(model, frame, "power")


def costs_table(model: Plan) -> pd.DataFrame:
    terms = model.cost_terms
    usd = terms["usd"].to_numpy(dtype=float) * model.x[terms["col"].to_numpy(dtype=np.int64)]
    grid = pd.MultiIndex.from_product([range(len(model.data.periods)), COMPONENTS], names=["t", "component"]).to_frame(
        index=False
    )
    # Summed per period and component by the component's code: the sums come in the grid's order.
    cell = terms["t"].to_numpy(dtype=np.int64) * len(COMPONENTS) + terms["component"].array.codes
    frame = grid.assign(usd=np.bincount(cell, weights=usd, minlength=len(grid)))
    frame = frame.assign(discounted_usd=frame["usd"] * model.data.periods["discount"].to_numpy()[frame["t"].to_numpy()])
    return as_table(model, frame, "costs")


def prices_table(model: Plan) -> pd.DataFrame:
    """Marginal cost of one more million (input plus output) tokens of a workload.

    A request's prefill and decode come together, in the workload's input:output proportion, so
    the price weighs the two phases' duals by their shares; the duals of one phase alone are not
    meaningful when both phases must run on one fleet.
    """
    rows = model.constraints["demand_balance"]
    pi = row_duals(model, rows)
    ratio = (
        rows["workload"]
        .map({name: w.input_output_ratio for name, w in model.data.scenario.workloads.items()})
        .to_numpy()
    )
    share = np.where(rows["phase"] == "prefill", ratio / (1 + ratio), 1 / (1 + ratio))
    # One more token per second on average raises each slice's rate by its load factor (1 with a
    # single slice: each rate is its own average).
    load = _load_factors(model, rows) if len(model.data.slices) > 1 else 1.0
    frame = (
        rows[["workload", "t"]]
        .assign(weighted=pi * share * load)
        .groupby(["workload", "t"], sort=False, as_index=False)["weighted"]
        .sum(min_count=1)  # a plan without duals has no price (NaN), not a price of zero
    )
    periods = model.data.periods
    t = frame["t"].to_numpy()
    # One LP rate unit held over period t is rate_unit * seconds / 1e6 million tokens.
    mtok = model.data.rate_unit * periods["seconds"].to_numpy()[t] / 1e6
    frame = frame.assign(
        marginal_usd_per_mtok=frame["weighted"] * model.money_unit / (periods["discount"].to_numpy()[t] * mtok) + 0.0
    )
    return as_table(model, frame, "prices")


def _load_factors(model: Plan, rows: pd.DataFrame) -> np.ndarray:
    """Each demand row's rate over its period's average rate (1 where the period has no demand)."""
    demand = model.data.demand
    average = over_slices(demand, ["workload", "phase", "t"], model).set_index(["workload", "phase", "t"])[
        "tokens_per_s"
    ]
    level = (
        demand.set_index(["workload", "phase", "t", "k"])["tokens_per_s"]
        / average.reindex(list(zip(demand["workload"], demand["phase"], demand["t"], strict=True))).to_numpy()
    )
    return (
        level.fillna(1.0)
        .reindex(list(zip(rows["workload"], rows["phase"], rows["t"], rows["k"], strict=True)))
        .to_numpy()
    )
