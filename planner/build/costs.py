"""What each decision costs, and the objective: the present value of the plan's costs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.build.model import Model
from planner.build.terms import lookup
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
    # Each family's columns as arrays (names as their codes), its entries picked by masks: a
    # frame filtered or indexed takes every column of it, here a few are read.
    fleet_figures = {c: fleets[c].to_numpy() for c in fleets.columns}  # in the fleet codes' order
    at_site, included = fleet_figures["at_site"].astype(bool), fleet_figures["energy_included"].astype(bool)
    units = _entries(v["units"])
    on_site = at_site[units["fleet"]]
    placed = _picked(units, on_site)
    # A lease whose hourly price covers its electricity pays no energy here (its rental does).
    metered = _picked(units, on_site & ~included[units["fleet"]])
    bursts = v["burst"]
    # Cloud units rented per slice pay for their slice's hours; the period's units are then free.
    bursting = np.isin(np.arange(len(fleets)), _entries(bursts)["fleet"])
    rented = (v["units"]["procurement"] != "own").to_numpy(dtype=bool)
    held_rented = _picked(units, rented & ~bursting[units["fleet"]])
    serve = _entries(v["serve"], "tokens_per_s_per_unit", "hours_share")
    serve_metered = _picked(serve, (at_site & ~included)[serve["fleet"]])
    pairs = v["pair"]
    pairs = pairs[pairs["kv_usd_per_mtok"] > 0]

    def per_period(entries: dict[str, np.ndarray], column: str) -> np.ndarray:
        return periods[column].to_numpy()[entries["t"]]

    site_price = site_prices(model)
    pue = data.sites["pue"].reindex(model.dtype("site").categories).to_numpy(dtype=float)

    def energy_usd_per_mwh_hour(entries: dict[str, np.ndarray]) -> np.ndarray:
        prices = site_price[entries["site"], entries["t"]]
        assert not np.isnan(prices).any(), "every site has a price in every period"
        return per_period(entries, "hours") * pue[entries["site"]] * prices / 1e3

    def fleet_figure(entries: dict[str, np.ndarray], column: str) -> np.ndarray:
        return fleet_figures[column][entries["fleet"]]

    # One entry per build and period its units serve: the capital each period's payment recovers.
    builds = _entries(v["build"])
    life = fleet_figures["life_periods"].astype(np.int64)[builds["fleet"]]
    at = np.repeat(np.arange(len(life)), life)
    serves = np.repeat(builds["t"], life) + np.arange(len(at)) - np.repeat(np.cumsum(life) - life, life)
    inside = serves < len(periods)
    serving = _picked(builds, at[inside]) | {"t": serves[inside]}
    busy_kw = fleet_figure(serve_metered, "max_power_kw") - fleet_figure(serve_metered, "idle_power_kw")
    busy_units = data.rate_unit / serve_metered["tokens_per_s_per_unit"]
    unserved, blocks, adopt = _entries(v["unserved"], "hours_share"), v["blocks"], v["adopt"]
    burst, blocked, paired = _entries(bursts, "hours_share"), _entries(blocks), _entries(pairs)
    model.cost_terms = cost_frame(
        model,
        [
            _cost(serving, "capital", fleet_figure(serving, "capital_usd_per_year") * per_period(serving, "years")),
            _cost(placed, "fixed_opex", fleet_figure(placed, "opex_usd_per_year") * per_period(placed, "years")),
            _cost(metered, "energy", fleet_figure(metered, "idle_power_kw") * energy_usd_per_mwh_hour(metered)),
            _cost(
                serve_metered,
                "energy",
                busy_kw * busy_units * serve_metered["hours_share"] * energy_usd_per_mwh_hour(serve_metered),
            ),
            _cost(held_rented, "rental", fleet_figure(held_rented, "hourly_usd") * per_period(held_rented, "hours")),
            _cost(
                burst,
                "rental",
                fleet_figure(burst, "hourly_usd") * per_period(burst, "hours") * burst["hours_share"],
            ),
            _cost(
                unserved,
                "unserved_penalty",
                per_period(unserved, "seconds")
                * unserved["hours_share"]
                * data.rate_unit
                / 1e6
                * data.penalty_usd_per_mtok,
            ),
            _cost(
                blocked,
                "expansion",
                lookup(blocks["site"], data.expansions["capital_usd_per_year"]) * per_period(blocked, "years"),
            ),
            _cost(_entries(adopt.assign(t=0)), "adoption", lookup(adopt["vendor"], data.scenario.policy.adoption_usd)),
            _cost(
                paired,
                "kv_transfer",
                (pairs["input_output_ratio"] * pairs["kv_usd_per_mtok"] * pairs["hours_share"]).to_numpy()
                * per_period(paired, "seconds")
                * data.rate_unit
                / 1e6,
            ),
        ],
    )


def site_prices(model: Model) -> np.ndarray:
    """The electricity price (USD/MWh) of each site, by its code, in each period: NaN for a site
    without one (a cloud region)."""
    data = model.data
    sites = model.dtype("site").categories
    prices = np.full((len(sites), len(data.periods)), np.nan)
    prices[sites.get_indexer(pd.Index(data.site_periods["site"])), data.site_periods["t"].to_numpy(dtype=np.int64)] = (
        data.site_periods["price_usd_per_mwh"].to_numpy(dtype=float)
    )
    return prices


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


Terms = tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]
"""A component's cost terms: its name, and per entry the period, column, USD and fleet code (if any)."""


def _entries(frame: pd.DataFrame, *extra: str) -> dict[str, np.ndarray]:
    """A variable frame's ``t``, ``col``, ``scale``, ``fleet`` and ``site`` (those it has: names
    as their category codes) and its columns ``extra``, as arrays."""
    names = [c for c in ("t", "col", "scale", "fleet", "site") if c in frame.columns]
    out = {}
    for name in [*names, *extra]:
        column = frame[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            out[name] = column.array.codes.astype(np.int64)
        else:
            out[name] = column.to_numpy(dtype=np.int64 if name in ("t", "col") else None)
    return out


def _picked(entries: dict[str, np.ndarray], where: np.ndarray) -> dict[str, np.ndarray]:
    """The entries where ``where`` is true (a mask), or at the positions ``where``."""
    at = np.flatnonzero(where) if where.dtype == bool else where
    return {name: values[at] for name, values in entries.items()}


def _cost(entries: dict[str, np.ndarray], component: str, usd: np.ndarray) -> Terms:
    """Cost terms of a variable family's entries: ``usd`` per unit of each entry, charged to its column."""
    return (
        component,
        entries["t"],
        entries["col"],
        np.asarray(usd, dtype=float) * entries["scale"],
        entries.get("fleet"),
    )


def cost_frame(model: Model, parts: list[Terms]) -> pd.DataFrame:
    """The cost terms ``parts`` as one frame (``component, t, col, usd, fleet``), the component and
    fleet as categories: one frame made from whole arrays, not a frame per component joined."""
    counts = [len(part[1]) for part in parts]
    codes = np.repeat([COMPONENTS.index(part[0]) for part in parts], counts)
    fleet = [np.full(n, -1) if part[4] is None else part[4] for n, part in zip(counts, parts, strict=True)]
    columns = {
        "component": pd.Categorical.from_codes(codes, dtype=COMPONENT),
        "t": np.concatenate([part[1] for part in parts]),
        "col": np.concatenate([part[2] for part in parts]),
        "usd": np.concatenate([part[3] for part in parts]),
        "fleet": pd.Categorical.from_codes(np.concatenate(fleet), dtype=model.dtype("fleet")),
    }
    return pd.DataFrame(columns, copy=False)  # the arrays are this frame's alone
