"""``ModelData``: a validated scenario turned into the index sets and numbers the LP is built from.

Everything here is plain pandas: a notebook can look at exactly what the optimizer sees. Period
positions ``t`` (0, 1, ...) index every time-dependent table; ``period`` holds the label. The
tables are made in :mod:`planner.data.periods` (time and demand), :mod:`planner.data.fleets`
(fleets and their routes) and :mod:`planner.data.limits` (what bounds the plan).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from planner.data.fleets import (
    capital_recovery_factor,
    fleets_frame,
    pairs_frame,
    placements_frame,
    routes_frame,
)
from planner.data.limits import (
    budget_frame,
    contracts_frame,
    existing_frame,
    expansions_frame,
    limits_frame,
    share_limits_frame,
    site_periods_frame,
    spend_commitments_frame,
)
from planner.data.periods import demand_frame, periods_frame, slices_frame
from planner.scenario import Scenario

__all__ = ["ModelData", "capital_recovery_factor", "rate_unit"]


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
        periods = periods_frame(scenario, calendar)
        placements = placements_frame(scenario)
        slices, loads = slices_frame(scenario)
        demand = demand_frame(scenario, calendar, slices, loads)
        routes = routes_frame(scenario, placements)
        return cls(
            scenario=scenario,
            periods=periods,
            slices=slices,
            demand=demand,
            fleets=fleets_frame(scenario),
            placements=placements,
            routes=routes,
            pairs=pairs_frame(scenario, routes),
            sites=pd.DataFrame({"pue": {name: site.pue for name, site in scenario.sites.items()}}, dtype=float),
            site_periods=site_periods_frame(scenario, calendar),
            existing=existing_frame(scenario, calendar),
            supply=limits_frame(scenario, calendar, "max_build_units_per_period"),
            quota=limits_frame(scenario, calendar, "quota_units"),
            budget=budget_frame(scenario, periods),
            share_limits=share_limits_frame(scenario),
            contracts=contracts_frame(scenario, calendar),
            expansions=expansions_frame(scenario),
            spend_commitments=spend_commitments_frame(scenario, calendar, periods),
            penalty_usd_per_mtok=scenario.policy.unserved_penalty_usd_per_mtok,
            rate_unit=rate_unit(demand["tokens_per_s"].max()),
        )

    @property
    def labels(self) -> pd.Series:
        """Period label by position ``t``."""
        return self.periods["period"]


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
