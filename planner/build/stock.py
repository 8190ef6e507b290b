"""Constraint families of what is installed: stock of owned units, power, supply, quotas, lease
and reservation terms, and site expansion."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.build.model import Model
from planner.build.terms import Terms, lookup, terms
from planner.data import ModelData


def add_stock(model: Model, data: ModelData) -> None:
    """``stock[f,s,t]``: owned units carry over, arrive with builds and retire at end of life.

    units[t] - units[t-1] - build[t] + build[t - L[f]] = E[f,s,t] - E[f,s,t-1]

    with ``L`` the lifetime in periods, ``E`` the existing units still in service (``units[-1]``
    and ``E[-1]`` are zero, build terms outside the horizon are dropped). Each row has at most
    four nonzeros, so the model grows linearly with the horizon.
    """
    keys = ["fleet", "site", "t"]
    units = model.variables.coded["units"]
    units = units[units["procurement"] == "own"]
    builds = model.variables.coded["build"]
    rows = _flow(units, builds, lookup(builds["fleet"], data.fleets["life_periods"]))
    existing = units[keys].merge(data.existing, on=keys, how="left").fillna({"units": 0.0})
    previous = existing.assign(t=existing["t"] + 1)[[*keys, "units"]].rename(columns={"units": "before"})
    rhs = existing.merge(previous, on=keys, how="left").fillna({"before": 0.0})
    rhs = rhs.assign(rhs=rhs["units"] - rhs["before"])
    model.add_rows("stock", keys, rows, "==", rhs)


def _flow(stock: pd.DataFrame, arrivals: pd.DataFrame, stay: np.ndarray) -> list[Terms]:
    """The terms of a stock's flow row in each period ``t``: ``stock[t] - stock[t-1] - arrivals[t]
    + arrivals[t - stay]`` (an arrival leaves ``stay`` periods after it came)."""
    return [
        terms(stock),
        terms(stock, -1.0, t=stock["t"].to_numpy() + 1),
        terms(arrivals, -1.0),
        terms(arrivals, t=arrivals["t"].to_numpy() + stay),
    ]


def add_power_limit(model: Model, data: ModelData) -> None:
    """``power_limit[s,t]``: owned and leased units at full power, times PUE, fit the site's cap.

    sum_f units[f,s,t] * P[f] * PUE[s] / 1000 <= C[s,t] + B[s] * blocks[s,t]

    with ``P`` the maximum power of one unit (kW), ``C`` the cap (MW) and ``B`` the MW of one
    expansion block. The dual is the marginal value of one more MW in that period.
    """
    units = model.variables.coded["units"]
    units = units[lookup(units["fleet"], data.fleets["at_site"])]
    coef = lookup(units["fleet"], data.fleets["max_power_kw"]) * lookup(units["site"], data.sites["pue"]) / 1000.0
    blocks = model.variables.coded["blocks"]
    rows = [terms(units, coef), terms(blocks, -lookup(blocks["site"], data.expansions["block_mw"]))]
    rhs = data.site_periods.assign(rhs=data.site_periods["cap_mw"])
    model.add_rows("power_limit", ["site", "t"], rows, "<=", rhs)


def add_supply(model: Model, data: ModelData) -> None:
    """``supply[f,t]``: units entering service per period are limited by what vendors deliver.

    sum_s build[f,s,t] <= B[f,t]
    """
    rhs = data.supply.assign(rhs=data.supply["units"])
    model.add_rows("supply", ["fleet", "t"], terms(model.variables.coded["build"]), "<=", rhs)


def add_quota(model: Model, data: ModelData) -> None:
    """``quota[f,t]``: rented units (leased, cloud or reserved) stay within the provider's quota.

    units[f,s,t] <= Q[f,t]
    """
    units = model.variables.coded["units"]
    rented = units[units["procurement"] != "own"]
    rhs = data.quota.assign(rhs=data.quota["units"])
    model.add_rows("quota", ["fleet", "t"], terms(rented), "<=", rhs)


def add_term_growth(model: Model, data: ModelData) -> None:
    """``term_growth[f,s,t]``: leased and reserved units are taken in cohorts (``start``); units
    only grow by taking more.

    units[f,s,t] - units[f,s,t-1] - start[f,s,t] <= 0
    """
    keys = ["fleet", "site", "t"]
    termed = _termed_units(model, data)
    rows = [
        terms(termed),
        terms(termed, -1.0, t=termed["t"].to_numpy() + 1),
        terms(model.variables.coded["start"], -1.0),
    ]
    model.add_rows("term_growth", keys, rows, "<=", termed[keys].assign(rhs=0.0))


def add_term_stock(model: Model, data: ModelData) -> None:
    """``term_stock[f,s,t]``: the units still within their minimum term are those of the
    cohorts taken in the last ``T[f]`` periods, kept as a stock.

    held[f,s,t] - held[f,s,t-1] - start[f,s,t] + start[f,s,t - T[f]] = 0

    At most four nonzeros a row, whatever the term: the sum over the last ``T[f]`` starts in
    each row would grow with the square of the horizon for terms as long as the plan.
    """
    keys = ["fleet", "site", "t"]
    held = model.variables.coded["held"]
    starts = model.variables.coded["start"]
    rows = _flow(held, starts, lookup(starts["fleet"], data.fleets["term_periods"]))
    model.add_rows("term_stock", keys, rows, "==", held[keys].assign(rhs=0.0))


def add_min_term(model: Model, data: ModelData) -> None:
    """``min_term[f,s,t]``: each cohort of leased or reserved units is kept at least ``T[f]``
    periods: the units in service cover those still within their term.

    units[f,s,t] - held[f,s,t] >= 0
    """
    keys = ["fleet", "site", "t"]
    termed = _termed_units(model, data)
    rows = [terms(termed), terms(model.variables.coded["held"], -1.0)]
    model.add_rows("min_term", keys, rows, ">=", termed[keys].assign(rhs=0.0))


def _termed_units(model: Model, data: ModelData) -> pd.DataFrame:
    """The ``units`` of fleets with a minimum term (leased and reserved)."""
    units = model.variables.coded["units"]
    return units[lookup(units["fleet"], data.fleets["term_periods"]) > 0]


def add_expansion(model: Model, data: ModelData) -> None:
    """``expansion[s,t]``: power blocks, once added, stay.

    blocks[s,t] - blocks[s,t-1] >= 0
    """
    blocks = model.variables.coded["blocks"]
    rows = [terms(blocks), terms(blocks, -1.0, t=blocks["t"].to_numpy() + 1)]
    model.add_rows("expansion", ["site", "t"], rows, ">=", blocks[["site", "t"]].assign(rhs=0.0))
