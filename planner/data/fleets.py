"""The fleets, where each can stand and the ways each workload's phases can be served on them:
the fleet tables of :class:`planner.data.ModelData`."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd

from fleets import UnknownModelError, get_model
from planner.data.periods import months_per_period
from planner.scenario import AT_SITES, Scenario

PHASES: tuple[Literal["prefill", "decode"], ...] = ("prefill", "decode")


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


def fleets_frame(scenario: Scenario) -> pd.DataFrame:
    months = months_per_period(scenario)
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


def placements_frame(scenario: Scenario) -> pd.DataFrame:
    fleets = scenario.fleets
    rows = [
        (name, site, fleets[name].procurement) for site, s in scenario.sites.items() for name in dict.fromkeys(s.fleets)
    ]
    rows += [
        (name, fleet.region, fleet.procurement) for name, fleet in fleets.items() if fleet.procurement not in AT_SITES
    ]
    return pd.DataFrame(rows, columns=["fleet", "site", "procurement"])


def routes_frame(scenario: Scenario, placements: pd.DataFrame) -> pd.DataFrame:
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


def pairs_frame(scenario: Scenario, routes: pd.DataFrame) -> pd.DataFrame:
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
