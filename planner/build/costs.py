"""What each decision costs, and the objective: the present value of the plan's costs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.build.model import Model, lookup, positions
from planner.data import ModelData

COMPONENTS = (
    "capital",
    "fixed_opex",
    "energy",
    "rental",
    "kv_transfer",
    "expansion",
    "adoption",
    "take_or_pay",
    "unserved_penalty",
)
"""The plan's cost components, and the unserved penalty (a modelling weight, not a cost)."""
COMPONENT = pd.CategoricalDtype(list(COMPONENTS))


def add_cost_terms(model: Model, data: ModelData) -> None:
    """What each decision costs, per cost component and period (nominal USD per LP unit): the
    terms of the objective, also read by spend commitments and the result's cost table.

    - capital: build[f,s,tau] * K[f] * CRF(rate, life[f]) * years[t] in each period ``t`` the
      units serve, ``tau <= t < tau + L[f]``, inside the horizon. Existing units were bought
      before the plan: their capital is sunk and not counted. Charging the annualized cost only
      for the periods a unit serves inside the horizon keeps late builds from looking cheap (no
      end-of-horizon bias). Charging it to the purchase, not to ``units`` minus a constant for
      the existing units, keeps a small plan's cost from being the difference of two large ones.
    - fixed_opex: units[f,s,t] * O[f] * years[t] (owned and leased units at sites).
    - energy: for units at sites, hours[t] * PUE[s] * price[s,t] / 1000 * (idle[f] * units[f,s,t]
      + (P[f] - idle[f]) * busy[f,s,t]), with ``busy`` the average busy units (as in
      ``capacity`` without the peak factor): energy is paid on the average load. Not for a lease
      with ``energy_included``: its hourly price already pays for its electricity.
    - rental: units[f,s,t] * hourly[f] * hours[t] (leased, cloud and reserved units), or for
      on-demand cloud units rented per slice, burst[f,s,t,k] * hourly[f] * hours[t] * eta[k].
    - unserved_penalty: unserved[w,p,t,k] * u * seconds[t] * eta[k] / 1e6 * penalty (USD per Mtok).
    - kv_transfer: pair[w,(g,a),(f,b),t,k] * r[w] * u * seconds[t] * eta[k] / 1e6 * kv cost
      (USD per Mtok of prompt) for pairs of different fleets or sites.
    - expansion: blocks[s,t] * block cost * CRF(rate, block life) * years[t].
    - adoption: adopt[v] * one-off cost, in the first period (no discounting).

    Busy units and energy are per slice ``k``, weighted by its share of the hours ``eta[k]``.
    """
    fleets, periods = data.fleets, data.periods
    v = model.variables.coded
    units = v["units"]
    at_site = units[lookup(units["fleet"], fleets["at_site"])]
    # A lease whose hourly price covers its electricity pays no energy here (its rental does).
    metered = at_site[~lookup(at_site["fleet"], fleets["energy_included"]).astype(bool)]
    bursts = v["burst"]
    # Cloud units rented per slice pay for their slice's hours; the period's units are then free.
    held_rented = units[(units["procurement"] != "own") & ~units["fleet"].isin(bursts["fleet"])]
    serve = v["serve"]
    serve_metered = serve[lookup(serve["fleet"], fleets["at_site"] & ~fleets["energy_included"].astype(bool))]
    pairs = v["pair"]
    pairs = pairs[pairs["kv_usd_per_mtok"] > 0]

    def per_period(frame: pd.DataFrame, column: str) -> np.ndarray:
        return periods[column].to_numpy()[frame["t"].to_numpy(dtype=np.int64)]

    site_prices = data.site_periods["price_usd_per_mwh"].to_numpy(dtype=float)

    def energy_usd_per_mwh_hour(frame: pd.DataFrame) -> np.ndarray:
        at = positions(frame, data.site_periods, ["site", "t"])
        assert (at >= 0).all(), "every site has a price in every period"
        prices = site_prices[at]
        return per_period(frame, "hours") * lookup(frame["site"], data.sites["pue"]) * prices / 1e3

    def fleet_figure(frame: pd.DataFrame, column: str) -> np.ndarray:
        return lookup(frame["fleet"], fleets[column])

    # One entry per build and period its units serve: the capital each period's payment recovers.
    builds = v["build"]
    life = lookup(builds["fleet"], fleets["life_periods"]).astype(np.int64)
    at = np.repeat(np.arange(len(builds)), life)
    serves = (
        np.repeat(builds["t"].to_numpy(dtype=np.int64), life)
        + np.arange(len(at))
        - np.repeat(np.cumsum(life) - life, life)
    )
    serving = builds.iloc[at[serves < len(periods)]].assign(t=serves[serves < len(periods)])
    busy_kw = fleet_figure(serve_metered, "max_power_kw") - fleet_figure(serve_metered, "idle_power_kw")
    busy_units = data.rate_unit / serve_metered["tokens_per_s_per_unit"].to_numpy()
    unserved, blocks, adopt = v["unserved"], v["blocks"], v["adopt"]
    model.cost_terms = cost_frame(
        model,
        [
            _cost(serving, "capital", fleet_figure(serving, "capital_usd_per_year") * per_period(serving, "years")),
            _cost(at_site, "fixed_opex", fleet_figure(at_site, "opex_usd_per_year") * per_period(at_site, "years")),
            _cost(metered, "energy", fleet_figure(metered, "idle_power_kw") * energy_usd_per_mwh_hour(metered)),
            _cost(
                serve_metered,
                "energy",
                busy_kw * busy_units * serve_metered["hours_share"].to_numpy() * energy_usd_per_mwh_hour(serve_metered),
            ),
            _cost(held_rented, "rental", fleet_figure(held_rented, "hourly_usd") * per_period(held_rented, "hours")),
            _cost(
                bursts,
                "rental",
                fleet_figure(bursts, "hourly_usd") * per_period(bursts, "hours") * bursts["hours_share"].to_numpy(),
            ),
            _cost(
                unserved,
                "unserved_penalty",
                per_period(unserved, "seconds")
                * unserved["hours_share"].to_numpy()
                * data.rate_unit
                / 1e6
                * data.penalty_usd_per_mtok,
            ),
            _cost(
                blocks,
                "expansion",
                lookup(blocks["site"], data.expansions["capital_usd_per_year"]) * per_period(blocks, "years"),
            ),
            _cost(adopt.assign(t=0), "adoption", lookup(adopt["vendor"], data.scenario.policy.adoption_usd)),
            _cost(
                pairs,
                "kv_transfer",
                (pairs["input_output_ratio"] * pairs["kv_usd_per_mtok"] * pairs["hours_share"]).to_numpy()
                * per_period(pairs, "seconds")
                * data.rate_unit
                / 1e6,
            ),
        ],
    )


def add_objective(model: Model, data: ModelData) -> None:
    """Minimize the present value of all costs, in units of ``M`` USD.

    sum_t delta[t] * (capital + fixed_opex + energy + rental + kv_transfer + expansion + adoption
                      + take_or_pay + unserved_penalty)[t] / M

    with the terms of :func:`add_cost_terms` and :func:`add_spend_commitment`,
    ``delta[t] = (1 + rate) ** -(years from the horizon start to the start of t)`` and
    ``M = money_unit(...)`` of the discounted coefficients of the decisions (every component but
    the unserved penalty), kept as ``model.money_unit``. This finishes the LP (``model.lp``).
    """
    terms = model.cost_terms
    usd = data.periods["discount"].to_numpy()[terms["t"].to_numpy(dtype=np.int64)] * terms["usd"].to_numpy(dtype=float)
    # The penalty is a modelling weight, often a million times a decision's cost: a unit taken from
    # it would shrink a whole unit's cost below the solvers' tolerances (see solve.mip_tolerances).
    model.money_unit = money_unit(usd[(terms["component"] != "unserved_penalty").to_numpy()])
    cost = np.bincount(
        terms["col"].to_numpy(dtype=np.int64), weights=usd / model.money_unit, minlength=model.column_count
    )
    model.finish(cost)


def money_unit(usd: np.ndarray) -> float:
    """USD per unit of the objective: the power of ten nearest the median nonzero cost
    coefficient, so that coefficients sit around 1 whatever the plan's size. A fixed unit (say
    millions of USD) would push a small plan's costs below the solvers' optimality tolerance
    (1e-7), where they stop telling a cheaper plan from a dearer one.

    >>> money_unit(np.array([6_000.0, 12_000.0, 2.7e8])), money_unit(np.array([0.02, 1_000.0, 0.0, 0.03])), money_unit(np.array([]))
    (10000.0, 0.01, 1.0)
    >>> money_unit(np.array([1e-300]))
    0.001
    """
    nonzero = np.abs(usd[usd != 0])
    if not len(nonzero):
        return 1.0
    # Within a thousandth of a dollar and a billion: beyond, the plan itself is out of scale.
    return float(10.0 ** np.clip(np.round(np.log10(np.median(nonzero))), -3, 9))


Terms = tuple[str, np.ndarray, np.ndarray, np.ndarray, pd.Series | None]
"""A component's cost terms: its name, and per entry the period, column, USD and fleet (if any)."""


def _cost(variables: pd.DataFrame, component: str, usd: np.ndarray) -> Terms:
    """Cost terms of a variable frame's entries: ``usd`` per unit of each entry, charged to its column."""
    return (
        component,
        variables["t"].to_numpy(dtype=np.int64),
        variables["col"].to_numpy(dtype=np.int64),
        np.asarray(usd, dtype=float) * variables["scale"].to_numpy(),
        variables.get("fleet"),
    )


def cost_frame(model: Model, parts: list[Terms]) -> pd.DataFrame:
    """The cost terms ``parts`` as one frame (``component, t, col, usd, fleet``), the component and
    fleet as categories: one frame made from whole arrays, not a frame per component joined."""
    counts = [len(part[1]) for part in parts]
    codes = np.repeat([COMPONENTS.index(part[0]) for part in parts], counts)
    fleets = model.dtype("fleet")
    fleet = [
        np.full(n, -1) if part[4] is None else pd.Categorical(part[4], dtype=fleets).codes
        for n, part in zip(counts, parts, strict=True)
    ]
    return pd.DataFrame(
        {
            "component": pd.Categorical.from_codes(codes, dtype=COMPONENT),
            "t": np.concatenate([part[1] for part in parts]),
            "col": np.concatenate([part[2] for part in parts]),
            "usd": np.concatenate([part[3] for part in parts]),
            "fleet": pd.Categorical.from_codes(np.concatenate(fleet), dtype=fleets),
        }
    )
