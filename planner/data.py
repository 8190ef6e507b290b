"""``ModelData``: a validated scenario turned into the index sets and numbers the LP is built from.

Everything here is plain pandas: a notebook can look at exactly what the optimizer sees. Period
positions ``t`` (0, 1, ...) index every time-dependent table; ``period`` holds the label.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from demand import PeriodLength, parse_period, project, seconds_per_period
from demand.mix import share_values
from demand.profiles import peak_tokens_per_s
from fleets import UnknownModelError, get_model
from planner.scenario import AT_SITES, Scenario

PHASES: tuple[Literal["prefill", "decode"], ...] = ("prefill", "decode")
_HOURS = 3600.0


@dataclass(frozen=True)
class ModelData:
    """The numbers behind one scenario's LP, in user units (tokens/s, USD, kW, MW).

    Attributes
    ----------
    periods
        One row per period ``t``: ``period`` label, ``seconds``, ``hours``, ``years`` (length in
        years: months / 12), ``year`` (calendar year), ``discount`` (present-value factor at the
        period's start).
    slices
        ``k, slice, hours_share``: the slices of each period's hours (one, ``all``, unless the
        scenario sets ``time_slices``).
    demand
        ``t, k, workload, phase, tokens_per_s, tokens, peak_tokens_per_s``: the rate of each
        phase in slice ``k`` (after the workload's share of its demand entry), its tokens in that
        slice of the period, and the rate capacity must carry (the workload's peak hour without
        slices, the slice's own rate with them).
    fleets
        Indexed by fleet: procurement, ``at_site`` (own or lease: under a site's power cap),
        vendor, provider, category, prices, power, ``energy_included`` (a lease whose hourly price
        covers its electricity: no energy is charged for it), ``availability``, ``lead_periods`` (own,
        lease and reserved: no unit serves before it), ``life_periods``,
        ``term_periods`` (lease and reserved), ``capital_usd_per_year`` (capex times the capital
        recovery factor).
    placements
        ``fleet, site, procurement``: where each fleet can stand (a site for owned and leased
        fleets, the cloud region for cloud and reserved ones).
    routes
        ``workload, phase, fleet, site, tokens_per_s_per_unit, peak_factor`` and the operating
        point served at (``origin, basis, precision, concurrency, tokens_per_s_per_user, ttft_ms,
        stack, source``): the
        latency-eligible ways to serve each phase, with one unit's throughput for that phase and
        the workload's peak-to-average ratio.
    pairs
        ``workload, prefill_site, prefill_fleet, decode_site, decode_fleet, input_output_ratio,
        kv_usd_per_mtok, kv_bytes_per_token``: for disaggregated workloads, which placement's
        decode may follow which placement's prefill (same site, or across a KV link), the cost of
        moving the KV cache of a million prompt tokens between them, and its bytes per token.
    sites
        Indexed by site: ``pue``.
    site_periods
        ``site, t, cap_mw, price_usd_per_mwh``.
    existing
        ``fleet, site, t, units``: units installed before the plan and still in service at ``t``.
    supply, quota
        ``fleet, t, units``: most owned units entering service, most cloud units rented (only
        where limited).
    budget
        ``year, usd``: capital budget per calendar year (empty when unlimited).
    share_limits
        ``family`` (``vendor_share``, ``provider_share`` or ``category_share``), ``group`` (the
        hardware vendor, the provider or the category),
        ``limit``: largest share of tokens served per period.
    contracts
        ``contract, t, measure`` (``mw`` or ``units``), ``minimum``, and ``fleets`` (the fleets
        that count towards it, a tuple).
    spend_commitments
        ``contract, year, t`` (the year's first period), ``usd`` (least spend that year),
        ``fleets`` (the fleets whose costs count).
    expansions
        Indexed by site: ``block_mw``, ``capital_usd_per_year`` (a block's cost times the capital
        recovery factor), ``max_blocks``, ``lead_periods``.
    penalty_usd_per_mtok
        Price of unserved demand.
    rate_unit
        Tokens/s per LP rate unit: a power of ten that puts the largest demand rate between 100
        and 1,000 units (1e6, Mtok/s, for a provider at a few hundred million tokens/s), so that
        solver tolerances stay small next to every demand; at least 1 (see :func:`rate_unit`).
    """

    scenario: Scenario
    periods: pd.DataFrame
    slices: pd.DataFrame
    demand: pd.DataFrame
    fleets: pd.DataFrame
    placements: pd.DataFrame
    routes: pd.DataFrame
    pairs: pd.DataFrame
    sites: pd.DataFrame
    site_periods: pd.DataFrame
    existing: pd.DataFrame
    supply: pd.DataFrame
    quota: pd.DataFrame
    budget: pd.DataFrame
    share_limits: pd.DataFrame
    contracts: pd.DataFrame
    expansions: pd.DataFrame
    spend_commitments: pd.DataFrame
    penalty_usd_per_mtok: float
    rate_unit: float

    @classmethod
    def from_scenario(cls, scenario: Scenario, *, checked: bool = False) -> ModelData:
        """Prepare the LP's data from a validated scenario.

        The scenario is checked again as a whole first if it was edited since it last passed every
        check (:meth:`Scenario.check_unedited`), so that one edited into something the loader would
        refuse is refused here too, by every path to the LP (solve, explain, inspect), with the
        loader's problem list. ``checked`` skips even the comparison, for a scenario just validated
        as a whole and not edited since (a sweep's run, made by :func:`planner.overrides.with_values`).

        Raises
        ------
        ScenarioError
            If the scenario no longer validates.
        """
        if not checked:
            scenario.check_unedited()
        calendar = scenario.horizon.calendar()
        periods = _periods(scenario, calendar)
        placements = _placements(scenario)
        slices, loads = _slices(scenario)
        demand = _demand(scenario, calendar, slices, loads)
        routes = _routes(scenario, placements)
        return cls(
            scenario=scenario,
            periods=periods,
            slices=slices,
            demand=demand,
            fleets=_fleets(scenario),
            placements=placements,
            routes=routes,
            pairs=_pairs(scenario, routes),
            sites=pd.DataFrame({"pue": {name: site.pue for name, site in scenario.sites.items()}}, dtype=float),
            site_periods=_site_periods(scenario, calendar),
            existing=_existing(scenario, calendar),
            supply=_limits(scenario, calendar, "max_build_units_per_period"),
            quota=_limits(scenario, calendar, "quota_units"),
            budget=_budget(scenario, periods),
            share_limits=_share_limits(scenario),
            contracts=_contracts(scenario, calendar),
            expansions=_expansions(scenario),
            spend_commitments=_spend_commitments(scenario, calendar, periods),
            penalty_usd_per_mtok=scenario.policy.unserved_penalty_usd_per_mtok,
            rate_unit=rate_unit(demand["tokens_per_s"].max()),
        )

    @property
    def labels(self) -> pd.Series:
        """Period label by position ``t``."""
        return self.periods["period"]


def capital_recovery_factor(rate: float, years: float) -> float:
    """Share of a capital cost paid each year to repay it over ``years`` at ``rate``.

    >>> round(capital_recovery_factor(0.08, 5), 6)
    0.250456
    >>> capital_recovery_factor(0.0, 4)
    0.25
    """
    if rate == 0:
        return 1.0 / years
    # rate / (1 - (1 + rate) ** -years), written to stay accurate for rates near zero
    return rate / -math.expm1(-years * math.log1p(rate))


def rate_unit(largest_tokens_per_s: float) -> float:
    """The LP's rate unit in tokens/s: a power of ten putting ``largest_tokens_per_s`` in [100, 1000),
    and at least one token/s.

    Below one token/s the capacity coefficients (rate unit over a unit's tokens/s) would fall
    under 1e-9, where HiGHS drops matrix entries as zero: a toy demand then stays in [0, 1000).

    >>> rate_unit(3.5e8), rate_unit(10_000.0), rate_unit(0.0), rate_unit(6e-5)
    (1000000.0, 100.0, 1.0, 1.0)
    """
    if not largest_tokens_per_s > 0:
        return 1.0
    return max(1.0, 10.0 ** (math.floor(math.log10(largest_tokens_per_s)) - 2))


def schedule_values(schedule, calendar: pd.PeriodIndex, length: PeriodLength) -> np.ndarray:
    """A scenario ``Schedule`` (a number, or steps by period label) as one value per period."""
    if not isinstance(schedule, dict):
        return np.full(len(calendar), float(schedule))
    steps = sorted((parse_period(label, length), float(value)) for label, value in schedule.items())
    values = np.empty(len(calendar))
    for i, period in enumerate(calendar):
        values[i] = [value for start, value in steps if start <= period][-1]
    return values


def _length(scenario: Scenario) -> PeriodLength:
    return scenario.horizon.period_length


def _periods(scenario: Scenario, calendar: pd.PeriodIndex) -> pd.DataFrame:
    months = 3 if _length(scenario) == "quarter" else 1
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


def _demand(scenario: Scenario, calendar: pd.PeriodIndex, slices: pd.DataFrame, loads: pd.DataFrame) -> pd.DataFrame:
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


def _slices(scenario: Scenario) -> tuple[pd.DataFrame, pd.DataFrame]:
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


def _fleets(scenario: Scenario) -> pd.DataFrame:
    months = 3 if _length(scenario) == "quarter" else 1
    rate = scenario.horizon.discount_rate
    rows = {}
    for name, fleet in scenario.fleets.items():
        owned = fleet.procurement == "own"
        at_site = fleet.procurement in AT_SITES
        termed = fleet.procurement in ("lease", "reserved")
        life_periods, capital_usd_per_year = 0, 0.0
        if owned:
            # Both are required of an owned fleet when the scenario is loaded.
            assert fleet.capex_usd is not None and fleet.lifetime_years is not None
            life_periods = max(1, round(fleet.lifetime_years * 12 / months))
            capital_usd_per_year = fleet.capex_usd * capital_recovery_factor(rate, fleet.lifetime_years)
        rows[name] = {
            "procurement": fleet.procurement,
            "at_site": at_site,
            "vendor": fleet.vendor,
            "provider": fleet.provider,
            "category": fleet.category,
            "capex_usd": fleet.capex_usd if owned else 0.0,
            "opex_usd_per_year": fleet.opex_usd_per_year if at_site else 0.0,
            "hourly_usd": fleet.hourly_usd if not owned else 0.0,
            "max_power_kw": fleet.max_power_kw if at_site else 0.0,
            "idle_power_kw": fleet.idle_power_kw if at_site else 0.0,
            "energy_included": fleet.energy_included,
            "availability": fleet.availability,
            "lead_periods": math.ceil(fleet.lead_time_months / months - 1e-9),
            "life_periods": life_periods,
            "term_periods": max(1, math.ceil(fleet.term_months / months - 1e-9)) if termed else 0,
            "capital_usd_per_year": capital_usd_per_year,
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("fleet")


def _placements(scenario: Scenario) -> pd.DataFrame:
    fleets = scenario.fleets
    rows = [
        (name, site, fleets[name].procurement) for site, s in scenario.sites.items() for name in dict.fromkeys(s.fleets)
    ]
    rows += [
        (name, fleet.region, fleet.procurement) for name, fleet in fleets.items() if fleet.procurement not in AT_SITES
    ]
    return pd.DataFrame(rows, columns=["fleet", "site", "procurement"])


def _routes(scenario: Scenario, placements: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for wname, workload in scenario.workloads.items():
        for fname, fleet in scenario.fleets.items():
            # A workload served whole has one point for both phases: looked up once.
            whole = None if workload.disaggregate else fleet.service_point(workload, "both")
            for phase in PHASES:
                point = whole or fleet.service_point(workload, phase)
                if point.performance is None:
                    continue
                perf = point.performance
                rows.append(
                    {
                        "workload": wname,
                        "phase": phase,
                        "fleet": fname,
                        "tokens_per_s_per_unit": perf.prefill_tokens_per_s
                        if phase == "prefill"
                        else perf.decode_tokens_per_s,
                        "peak_factor": 1.0 if scenario.time_slices else workload.profile.peak_factor(),
                        "origin": point.origin,
                        "basis": point.basis,
                        "precision": point.precision,
                        "concurrency": point.concurrency,
                        "tokens_per_s_per_user": perf.tokens_per_s_per_user,
                        "ttft_ms": perf.ttft_ms,
                        "stack": point.stack,
                        "source": point.source,
                    }
                )
    return pd.DataFrame(rows).merge(placements[["fleet", "site"]], on="fleet")[ROUTE_COLUMNS]


def _pairs(scenario: Scenario, routes: pd.DataFrame) -> pd.DataFrame:
    """Where a disaggregated workload's decode may follow its prefill: any prefill and decode
    placement at the same site, or at two sites joined by a KV link; moving the KV cache is
    charged when the fleets or sites differ."""
    split = [name for name, w in scenario.workloads.items() if w.disaggregate]
    prefill = routes[(routes["phase"] == "prefill") & routes["workload"].isin(split)][["workload", "fleet", "site"]]
    decode = routes[(routes["phase"] == "decode") & routes["workload"].isin(split)][["workload", "fleet", "site"]]
    pairs = prefill.merge(decode, on="workload", suffixes=("_prefill", "_decode"))
    pairs = pairs.rename(
        columns={
            "fleet_prefill": "prefill_fleet",
            "fleet_decode": "decode_fleet",
            "site_prefill": "prefill_site",
            "site_decode": "decode_site",
        }
    )
    links = {(link.from_site, link.to_site) for link in scenario.kv_links}
    allowed = (pairs["prefill_site"] == pairs["decode_site"]) | pd.Series(
        [(a, b) in links for a, b in zip(pairs["prefill_site"], pairs["decode_site"], strict=True)],
        index=pairs.index,
        dtype=bool,
    )
    pairs = pairs[allowed]
    moved = (pairs["prefill_fleet"] != pairs["decode_fleet"]) | (pairs["prefill_site"] != pairs["decode_site"])
    workloads = scenario.workloads
    cost = pairs["workload"].map({name: w.kv_transfer_usd_per_mtok for name, w in workloads.items()})
    ratio = pairs["workload"].map({name: w.input_output_ratio for name, w in workloads.items()})
    kv_bytes = pairs["workload"].map({name: _kv_bytes(w) for name, w in workloads.items() if w.disaggregate})
    return pairs.assign(
        input_output_ratio=ratio, kv_usd_per_mtok=np.where(moved, cost, 0.0), kv_bytes_per_token=kv_bytes
    )[
        [
            "workload",
            "prefill_site",
            "prefill_fleet",
            "decode_site",
            "decode_fleet",
            "input_output_ratio",
            "kv_usd_per_mtok",
            "kv_bytes_per_token",
        ]
    ].reset_index(drop=True)


def _kv_bytes(workload) -> float:
    """KV-cache bytes per prompt token a disaggregated workload moves (NaN when unknown and unused)."""
    if workload.kv_bytes_per_token is not None:
        return workload.kv_bytes_per_token
    try:
        return get_model(workload.model).kv_cache_bytes_per_token("fp16")
    except UnknownModelError:
        return float("nan")


ROUTE_COLUMNS = [
    "workload",
    "phase",
    "fleet",
    "site",
    "tokens_per_s_per_unit",
    "peak_factor",
    "origin",
    "basis",
    "precision",
    "concurrency",
    "tokens_per_s_per_user",
    "ttft_ms",
    "stack",
    "source",
]


def _site_periods(scenario: Scenario, calendar: pd.PeriodIndex) -> pd.DataFrame:
    length = _length(scenario)
    frames = [
        pd.DataFrame(
            {
                "site": name,
                "t": np.arange(len(calendar)),
                "cap_mw": schedule_values(site.power_mw, calendar, length),
                "price_usd_per_mwh": schedule_values(site.electricity_price_usd_per_mwh, calendar, length),
            }
        )
        for name, site in scenario.sites.items()
    ]
    return (
        pd.concat(frames, ignore_index=True)
        if frames
        else _empty(site=str, t=int, cap_mw=float, price_usd_per_mwh=float)
    )


def _existing(scenario: Scenario, calendar: pd.PeriodIndex) -> pd.DataFrame:
    length = _length(scenario)
    rows = []
    for name, fleet in scenario.fleets.items():
        for entry in fleet.existing:
            last = parse_period(entry.retire_after, length) if entry.retire_after else calendar[-1]
            for t, period in enumerate(calendar):
                if period <= last and entry.units > 0:
                    rows.append((name, entry.site, t, entry.units))
    if not rows:
        return _empty(fleet=str, site=str, t=int, units=float)
    frame = pd.DataFrame(rows, columns=["fleet", "site", "t", "units"])
    return frame.groupby(["fleet", "site", "t"])["units"].sum().reset_index()


def _limits(scenario: Scenario, calendar: pd.PeriodIndex, field: str) -> pd.DataFrame:
    frames = [
        pd.DataFrame(
            {"fleet": name, "t": np.arange(len(calendar)), "units": schedule_values(limit, calendar, _length(scenario))}
        )
        for name, fleet in scenario.fleets.items()
        if (limit := getattr(fleet, field)) is not None
    ]
    return pd.concat(frames, ignore_index=True) if frames else _empty(fleet=str, t=int, units=float)


def _budget(scenario: Scenario, periods: pd.DataFrame) -> pd.DataFrame:
    budget = scenario.policy.capex_budget_usd_per_year
    years = sorted(periods["year"].unique()) if budget is not None else []
    return pd.DataFrame({"year": years, "usd": [budget] * len(years)}).astype({"year": int, "usd": float})


def _share_limits(scenario: Scenario) -> pd.DataFrame:
    policy = scenario.policy
    vendors = {fleet.vendor for fleet in scenario.fleets.values() if fleet.vendor is not None}  # set once loaded
    rows = [("vendor_share", v, policy.vendor_share_limits.get(v, policy.max_vendor_share)) for v in sorted(vendors)]
    for provider in sorted({str(fleet.provider) for fleet in scenario.fleets.values()}):
        limit = policy.provider_share_limits.get(provider)
        rows.append(("provider_share", provider, limit if limit is not None else policy.max_provider_share))
    rows += [("category_share", c, limit) for c, limit in policy.category_share_limits.items()]
    return pd.DataFrame([r for r in rows if r[2] is not None], columns=["family", "group", "limit"])


def _contracts(scenario: Scenario, calendar: pd.PeriodIndex) -> pd.DataFrame:
    frames = []
    for name, contract in scenario.contracts.items():
        if contract.min_spend_usd_per_year is not None:
            continue
        measure = "mw" if contract.min_mw is not None else "units"
        fleets = tuple(
            f
            for f, fleet in scenario.fleets.items()
            if contract.covers(f, fleet) and (measure == "units" or fleet.procurement in AT_SITES)
        )
        minimum = schedule_values(
            contract.min_mw if measure == "mw" else contract.min_units, calendar, _length(scenario)
        )
        frames.append(
            pd.DataFrame(
                {
                    "contract": name,
                    "t": np.arange(len(calendar)),
                    "measure": measure,
                    "minimum": minimum,
                    "fleets": [fleets] * len(calendar),
                }
            )
        )
    if not frames:
        return _empty(contract=str, t=int, measure=str, minimum=float, fleets=object)
    return pd.concat(frames, ignore_index=True)


def _spend_commitments(scenario: Scenario, calendar: pd.PeriodIndex, periods: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for name, contract in scenario.contracts.items():
        if contract.min_spend_usd_per_year is None:
            continue
        values = schedule_values(contract.min_spend_usd_per_year, calendar, _length(scenario))
        fleets = tuple(f for f, fleet in scenario.fleets.items() if contract.covers(f, fleet))
        first_t = periods.reset_index().groupby("year")["t"].min()
        for year, first in zip(first_t.index, first_t, strict=True):
            rows.append((name, int(year), int(first), float(values[first]), fleets))
    return pd.DataFrame(rows, columns=["contract", "year", "t", "usd", "fleets"])


def _expansions(scenario: Scenario) -> pd.DataFrame:
    months = 3 if _length(scenario) == "quarter" else 1
    rate = scenario.horizon.discount_rate
    rows = {
        name: {
            "block_mw": e.block_mw,
            "capital_usd_per_year": e.capex_usd_per_block * capital_recovery_factor(rate, e.lifetime_years),
            "max_blocks": e.max_blocks,
            "lead_periods": math.ceil(e.lead_time_months / months - 1e-9),
        }
        for name, site in scenario.sites.items()
        if (e := site.expansion) is not None
    }
    columns = ["block_mw", "capital_usd_per_year", "max_blocks", "lead_periods"]
    return pd.DataFrame.from_dict(rows, orient="index", columns=columns).rename_axis("site")


def _empty(**dtypes: type) -> pd.DataFrame:
    """An empty table with typed columns, so that joins and position lookups still work on it."""
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in dtypes.items()})
