"""The decision variables of the plan: one frame per family, one LP column per decision."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.build.model import Model, periods_frame
from planner.build.terms import lookup, positions
from planner.data import ModelData


def add_variables(model: Model, data: ModelData) -> None:
    """Create the decision variables, all non-negative.

    - ``serve[w,p,f,s,t,k]`` (rate units): rate of phase ``p`` of workload ``w`` served by fleet
      ``f`` at site ``s`` in period ``t`` and slice ``k``; only for latency-eligible pairs, i.e.
      where ``ttft[f,m(w)] <= max_ttft[w]`` and ``user_speed[f,m(w)] >= min_user_speed[w]``. A
      workload that is not disaggregated has one column per fleet, site, period and slice, its
      decode rate: each fleet prefills the prompts of the outputs it decodes, so its prefill entry
      is ``r[w]`` times that column (``r`` the input:output ratio), folded into the coefficients.
    - ``unserved[w,p,t,k]`` (rate units): demand left unserved.
    - ``units[f,s,t]`` (units): owned or leased units in service at site ``s``, or cloud units
      (on demand or reserved) rented in region ``s``, during period ``t``.
    - ``build[f,s,t]`` (units): owned units entering service at the start of period ``t``
      (ordered ``lead[f]`` periods earlier), so only for ``t >= lead[f]``.
    - ``start[f,s,t]`` (units): leased or reserved units taken at the start of period ``t``, each
      paid for at least ``term[f]`` periods; only for ``t >= lead[f]``.
    - ``held[f,s,t]`` (units): of those, the units still within their minimum term in ``t``.
    - ``pair[w,(g,a),(f,b),t,k]`` (rate units of output tokens): for a disaggregated workload,
      the decode served by fleet ``f`` at ``b`` whose prompts were prefilled by fleet ``g`` at
      ``a`` (the same site, or two sites joined by a KV link).
    - ``blocks[s,t]`` (blocks): power blocks added to site ``s`` and in service in period ``t``
      (at most ``max_blocks``; none before the expansion's lead time).
    - ``adopt[v]`` (0 to 1): whether vendor ``v``'s platform is brought up.
    - ``burst[f,s,t,k]`` (units): with several time slices, on-demand cloud units rented during
      slice ``k`` only; ``units`` is then the most rented in any slice.
    - ``served[t]`` (rate units, weighted by hours): the tokens served in ``t``, with a share rule.

    With ``integer_units`` builds, lease and reservation starts, on-demand cloud units and power
    blocks are whole numbers and ``adopt`` is binary (a mixed-integer program).
    """
    t = periods_frame(data)
    k = data.slices[["k", "hours_share"]]
    whole = bool(data.scenario.integer_units)
    _add_serve(model, data, t, k)
    model.add_columns("unserved", model.categorized(data.demand[["workload", "phase", "t", "k"]]).merge(k, on="k"))
    units = model.categorized(data.placements).merge(t, how="cross")
    model.add_columns("units", units, integer=whole & (units["procurement"] == "cloud").to_numpy())
    lead = data.fleets["lead_periods"]
    own = units[units["procurement"] == "own"]
    model.add_columns("build", own[own["t"] >= lookup(own["fleet"], lead)], integer=whole)
    termed = units[lookup(units["fleet"], data.fleets["term_periods"]) > 0]
    model.add_columns("start", termed[termed["t"] >= lookup(termed["fleet"], lead)], integer=whole)
    model.add_columns("held", termed)
    model.add_columns("pair", model.categorized(data.pairs).merge(t, how="cross").merge(k, how="cross"))
    blocks = data.expansions.reset_index()[["site"]].merge(t, how="cross")
    blocks = blocks[blocks["t"] >= lookup(blocks["site"], data.expansions["lead_periods"])]
    model.add_columns("blocks", blocks, upper=lookup(blocks["site"], data.expansions["max_blocks"]), integer=whole)
    model.add_columns(
        "adopt", pd.DataFrame({"vendor": list(data.scenario.policy.adoption_usd)}), upper=1.0, integer=whole
    )
    # With several slices, on-demand cloud units can follow the load: rented per slice (not those
    # under a commitment, which are paid for the whole period whatever they serve).
    committed = {f for fleets in data.contracts["fleets"] for f in fleets}
    flexible = units[(units["procurement"] == "cloud") & ~units["fleet"].isin(committed)]
    bursts = flexible.merge(k, how="cross") if len(data.slices) > 1 else units[:0].assign(k=0, hours_share=1.0)
    model.add_columns("burst", bursts, integer=whole)
    # One total of the tokens served per period, for the share rules to compare against.
    model.add_columns("served", t if len(data.share_limits) else t[:0])


def _add_serve(model: Model, data: ModelData, t: pd.DataFrame, k: pd.DataFrame) -> None:
    """``serve``: a column per eligible route, period and slice, except the prefill of a workload
    whose phases run together, which reads its decode column times ``r[w]``.

    Each route's entries are consecutive, period by period and slice by slice within it (the
    order of a cross join of routes, periods and slices), so a folded prefill's column is found
    once per route, not per entry.
    """
    routes = model.categorized(
        data.routes[["workload", "phase", "fleet", "site", "tokens_per_s_per_unit", "peak_factor"]]
    ).reset_index(drop=True)
    workloads = data.scenario.workloads
    split = lookup(routes["workload"], {n: w.disaggregate for n, w in workloads.items()}).astype(bool)
    ratio = lookup(routes["workload"], {n: w.input_output_ratio for n, w in workloads.items()})
    owns = split | (routes["phase"] == "decode").to_numpy()
    per_route = len(t) * len(k)
    t_of, k_of = np.repeat(t["t"].to_numpy(), len(k)), np.tile(k["k"].to_numpy(), len(t))
    share_of = np.tile(k["hours_share"].to_numpy(), len(t))

    owned, folded = np.flatnonzero(owns), np.flatnonzero(~owns)
    first = model.new_columns(len(owned) * per_route)
    decode = np.flatnonzero(owns & ~split)
    keys = ["workload", "fleet", "site"]
    at = positions(routes.iloc[folded], routes.iloc[decode], keys)
    assert (at >= 0).all(), "every folded prefill has its decode column"
    # The decode route's first column, then its entry of the same period and slice.
    decode_first = first + (np.cumsum(owns) - 1)[decode[at]] * per_route
    col = np.concatenate(
        [
            np.arange(first, first + len(owned) * per_route),
            np.repeat(decode_first, per_route) + np.tile(np.arange(per_route), len(folded)),
        ]
    )
    scale = np.concatenate([np.ones(len(owned) * per_route), np.repeat(ratio[folded].astype(float), per_route)])
    # Each route in every period and slice, those with columns of their own first: the frame is
    # made from its columns' arrays (a name column from its codes), not by indexing the routes.
    route_of = np.repeat(np.concatenate([owned, folded]), per_route)
    blocks = len(owned) + len(folded)
    columns = {
        name: pd.Categorical.from_codes(column.array.codes[route_of], dtype=column.dtype)
        if isinstance(column.dtype, pd.CategoricalDtype)
        else column.to_numpy()[route_of]
        for name, column in routes.items()
    }
    columns |= {
        "t": np.tile(t_of, blocks),
        "k": np.tile(k_of, blocks),
        "hours_share": np.tile(share_of, blocks),
        "col": col,
        "scale": scale,
    }
    model.variables.keep("serve", pd.DataFrame(columns, copy=False))
