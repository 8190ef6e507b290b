"""Constraint families of policy: the capital budget, share caps, capacity and spend
commitments, and platform adoption."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.build.costs import cost_frame
from planner.build.model import MUSD, Model, periods_frame
from planner.build.terms import lookup, terms
from planner.data import ModelData


def add_budget(model: Model, data: ModelData) -> None:
    """``budget[y]``: capital paid for units entering service in calendar year ``y`` fits the budget.

    sum_{f,s,t in y} build[f,s,t] * K[f] / 1e6 <= Budget[y] / 1e6
    """
    builds = model.variables.coded["build"]
    coef = lookup(builds["fleet"], data.fleets["capex_usd"]) / MUSD
    rows = terms(builds, coef, year=data.periods["year"].to_numpy()[builds["t"].to_numpy()])
    rhs = data.budget.assign(rhs=data.budget["usd"] / MUSD)
    model.add_rows("budget", ["year"], rows, "<=", rhs)


def add_served_total(model: Model, data: ModelData) -> None:
    """``served_total[t]``: the tokens served in period ``t``, each slice weighed by its hours,
    kept in one column for the share rules to compare against (only with a share rule).

    sum_{w,p,f,s,k} eta[k] * serve[w,p,f,s,t,k] - served[t] = 0

    One row listing every serve variable once: a share rule that listed them all in each of its
    rows would add more nonzeros than the rest of a large model.
    """
    serve = model.variables.coded["serve"]
    served = model.variables.coded["served"]
    rows = [terms(serve, serve["hours_share"].to_numpy()), terms(served, -1.0)]
    model.add_rows("served_total", ["t"], rows, "==", served[["t"]].assign(rhs=0.0))


def add_vendor_share(model: Model, data: ModelData) -> None:
    """``vendor_share[v,t]``: one hardware vendor's units (owned or rented) serve at most its share of
    the tokens served.

    sum_{w,p,(f,s),k: vendor(f)=v} eta[k] * serve[w,p,f,s,t,k] <= L[v] * served[t]
    """
    _share_rows(model, data, "vendor_share", data.fleets["vendor"])


def add_provider_share(model: Model, data: ModelData) -> None:
    """``provider_share[r,t]``: the units bought or rented from one provider serve at most its share
    of the tokens served.

    sum_{w,p,(f,s),k: provider(f)=r} eta[k] * serve[w,p,f,s,t,k] <= L[r] * served[t]
    """
    _share_rows(model, data, "provider_share", data.fleets["provider"])


def add_category_share(model: Model, data: ModelData) -> None:
    """``category_share[c,t]``: one hardware category serves at most its share of the tokens served.

    sum_{w,p,(f,s),k: category(f)=c} eta[k] * serve[w,p,f,s,t,k] <= L[c] * served[t]
    """
    _share_rows(model, data, "category_share", data.fleets["category"])


def _share_rows(model: Model, data: ModelData, family: str, group_of_fleet: pd.Series) -> None:
    limits = data.share_limits[data.share_limits["family"] == family]
    rhs = limits[["group", "limit"]].merge(periods_frame(data), how="cross").assign(rhs=0.0)
    if rhs.empty:  # no rule: its terms are not worked out
        model.add_rows(family, ["group", "t"], [], "<=", rhs)
        return
    serve = model.variables.coded["serve"]
    totals = model.variables.coded["served"].merge(rhs, on="t")
    rows = [
        terms(serve, serve["hours_share"].to_numpy(), group=lookup(serve["fleet"], group_of_fleet)),
        terms(totals, -totals["limit"].to_numpy()),
    ]
    model.add_rows(family, ["group", "t"], rows, "<=", rhs)


def add_contract(model: Model, data: ModelData) -> None:
    """``contract[c,t]``: committed capacity stays in service (take-or-pay: it is paid for
    whether it serves or not).

    sum_{(f,s) in c} units[f,s,t] * P[f] / 1000 >= M[c,t]   (a commitment in MW of IT power)
    sum_{(f,s) in c} units[f,s,t] >= N[c,t]                 (a commitment in units)
    """
    units = model.variables.coded["units"]
    frames = []
    for name, measure, fleets in data.contracts.drop_duplicates("contract")[
        ["contract", "measure", "fleets"]
    ].itertuples(index=False):
        covered = units[units["fleet"].isin(fleets)]
        coef = lookup(covered["fleet"], data.fleets["max_power_kw"]) / 1000.0 if measure == "mw" else 1.0
        frames.append(terms(covered, coef, contract=name))
    rhs = data.contracts.assign(rhs=data.contracts["minimum"])
    model.add_rows("contract", ["contract", "t"], frames, ">=", rhs)


def add_adoption(model: Model, data: ModelData) -> None:
    """``adoption[v,t,k]``: a vendor's fleets serve only if its platform is adopted.

    sum_{w,p,(f,s): vendor(f)=v} serve[w,p,f,s,t,k] <= (sum_{w,p} D[w,p,t,k] / u) * adopt[v]

    The total demand bounds what any vendor could serve, so the bound is as tight as it can be.
    """
    adopt = model.variables.coded["adopt"]
    keys = ["vendor", "t", "k"]
    if adopt.empty:  # no adoption cost: no rows, and their terms are not worked out
        cap = adopt.merge(periods_frame(data), how="cross").merge(data.slices[["k"]], how="cross")
        model.add_rows("adoption", keys, [], "<=", cap[keys].assign(rhs=0.0))
        return
    serve = model.variables.coded["serve"]
    vendor = pd.Series(lookup(serve["fleet"], data.fleets["vendor"]), dtype=object)
    adopting = vendor.isin(adopt["vendor"]).to_numpy()
    serve, adopter = serve[adopting], vendor[adopting].to_numpy()
    total = data.demand.groupby(["t", "k"])["tokens_per_s"].sum() / data.rate_unit
    cap = adopt.merge(periods_frame(data), how="cross").merge(data.slices[["k"]], how="cross")
    bound = total.reindex(list(zip(cap["t"], cap["k"], strict=True))).to_numpy()
    rows = [terms(serve, vendor=adopter), terms(cap, -bound)]
    model.add_rows("adoption", keys, rows, "<=", cap[keys].assign(rhs=0.0))


def add_spend_commitment(model: Model, data: ModelData) -> None:
    """``spend_commitment[c,y]``: the covered fleets' costs in calendar year ``y`` (capital
    recovery, opex, energy, rental), plus a take-or-pay shortfall, reach the committed spend.

    sum_{terms of covered fleets in y} usd * x / 1e6 + shortfall[c,y] >= S[c,y] / 1e6

    The shortfall is paid as the ``take_or_pay`` cost component in the year's first period.
    """
    commitments = data.spend_commitments
    shortfall = model.add_columns("shortfall", commitments)
    frames = [terms(shortfall)]
    if not len(commitments):  # no rows, and no take-or-pay terms to join to the cost terms
        model.add_rows("spend_commitment", ["contract", "year"], frames, ">=", commitments.assign(rhs=[]))
        return
    costs = model.cost_terms
    spend = costs[costs["component"].isin(["capital", "fixed_opex", "energy", "rental"])]
    for name, fleets in commitments.drop_duplicates("contract")[["contract", "fleets"]].itertuples(index=False):
        covered = spend[spend["fleet"].isin(fleets)]
        year = data.periods["year"].to_numpy()[covered["t"].to_numpy(dtype=np.int64)]
        frames.append(terms(covered, covered["usd"].to_numpy(dtype=float) / MUSD, contract=name, year=year))
    rhs = commitments.assign(rhs=commitments["usd"] / MUSD)
    model.add_rows("spend_commitment", ["contract", "year"], frames, ">=", rhs)
    paid = (
        "take_or_pay",
        shortfall["t"].to_numpy(dtype=np.int64),
        shortfall["col"].to_numpy(dtype=np.int64),
        np.full(len(shortfall), MUSD),
        None,
    )
    model.cost_terms = pd.concat([model.cost_terms, cost_frame(model, [paid])], ignore_index=True)
