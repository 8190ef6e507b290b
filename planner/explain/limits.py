"""The limits explain may relax, how each is spoken of, and the size its violations are weighed against."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.build import MUSD
from planner.data import ModelData


@dataclass(frozen=True)
class Limit:
    """A family of hard limits that the elastic re-solve may relax, and how to speak of it.

    Attributes
    ----------
    what
        The limit in a planner's words.
    unit
        Unit of its violations (``None``: per row, from the contract's measure).
    to_unit
        Multiplier from the LP's scaled unit to ``unit`` (share and coverage rows, measured
        against what is served, are converted row by row instead).
    floor
        Smallest size (LP units) a limit is weighed against, so a zero limit weighs as this.
    fix
        How to give the limit room; ``{keys}`` are the row's index values and ``{period}``.
    """

    what: str
    unit: str | None
    to_unit: float
    floor: float
    fix: str


LIMITS: dict[str, Limit] = {
    "power_limit": Limit(
        "site power",
        "MW",
        1.0,
        1.0,
        "raise sites.{site}.power_mw for {period} (or add an expansion), or install fewer units there",
    ),
    "supply": Limit(
        "units delivered",
        "units",
        1.0,
        1.0,
        "raise fleets.{fleet}.max_build_units_per_period for {period}, or build earlier",
    ),
    "quota": Limit("rental quota", "units", 1.0, 1.0, "raise fleets.{fleet}.quota_units for {period}"),
    "budget": Limit("capital budget", "USD", MUSD, 1.0, "raise policy.capex_budget_usd_per_year for {year}"),
    "contract": Limit(
        "commitment",
        None,
        1.0,
        1.0,
        "lower contracts.{contract}.{minimum} for {period}, or give it room (site power, supply, quota)",
    ),
    "kv_bandwidth": Limit(
        "KV link bandwidth", "GB/s", 1.0, 1.0, "raise the bandwidth_gb_s of the kv_link {prefill_site} -> {decode_site}"
    ),
    "vendor_share": Limit(
        "vendor share",
        "points of tokens served",
        1.0,
        0.0,
        "raise the share limit of vendor {group} (policy.vendor_share_limits or max_vendor_share)",
    ),
    "provider_share": Limit(
        "provider share",
        "points of tokens served",
        1.0,
        0.0,
        "raise the share limit of provider {group} (policy.provider_share_limits or max_provider_share)",
    ),
    "category_share": Limit(
        "category share", "points of tokens served", 1.0, 0.0, "raise policy.category_share_limits.{group}"
    ),
    "resilience_demand": Limit(
        "vendor-loss coverage",
        "tokens/s",
        1.0,
        0.0,
        "lower policy.vendor_loss_coverage, add other vendors' capacity, or exempt {workload}",
    ),
}
"""The relaxable families. Every other family is definitional (stock, pairing, capacity...) and
holds in every plan."""

SHARE_FAMILIES = ("vendor_share", "provider_share", "category_share")
"""The limits on a share of the tokens served, measured in points of the period's served total."""

UNSERVED_WEIGHT = 1e4
"""Weight of leaving a demand row wholly unserved, against 1 for a limit exceeded by its own size."""


def sizes(family: str, rows: pd.DataFrame, data: ModelData) -> np.ndarray:
    """The size (LP units) each row's violation is weighed against: its limit, or where that is
    small or zero, the family's floor (for share rules the period's demand, the most that could be
    served; for vendor-loss coverage the row's demand)."""
    if family in SHARE_FAMILIES:
        floor = np.maximum(period_demand(data, rows["t"].to_numpy()), 1e-9)
    elif family == "resilience_demand":
        floor = np.maximum(demand_of(rows, data), 1e-9)
    else:
        floor = np.full(len(rows), LIMITS[family].floor)
    return np.maximum(np.abs(rows["rhs"].to_numpy(dtype=float)), floor)


def demand(data: ModelData) -> pd.DataFrame:
    """Demand rows ``workload, phase, t, k`` with ``rate`` in LP rate units and ``weighted``, the
    rate times its slice's share of the hours (what share rules count)."""
    rows = data.demand[["workload", "phase", "t", "k", "tokens_per_s"]]
    rate = rows["tokens_per_s"].to_numpy() / data.rate_unit
    return rows.assign(rate=rate, weighted=rate * rows["k"].map(data.slices["hours_share"]).to_numpy())


def period_demand(data: ModelData, t: np.ndarray) -> np.ndarray:
    """The demand of each period ``t`` (LP rate units, hours-weighted across slices, all
    workloads and phases): what a share rule's served total would be if everything were served."""
    return demand(data).groupby("t")["weighted"].sum().reindex(t).fillna(0.0).to_numpy()


def demand_of(rows: pd.DataFrame, data: ModelData) -> np.ndarray:
    """The demand rate (LP units) of each row's workload, phase, period and slice."""
    keys = ["workload", "phase", "t", "k"]
    return rows[keys].merge(demand(data)[[*keys, "rate"]], on=keys, how="left")["rate"].fillna(0.0).to_numpy()
