"""What bounds the plan: sites' power and prices, installed units, supply and quota, the budget,
share rules, contracts and site expansions, as tables of :class:`planner.data.ModelData`."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from demand import parse_period
from planner.data.fleets import capital_recovery_factor
from planner.data.periods import months_per_period, schedule_values
from planner.scenario import AT_SITES, Scenario


def site_periods_frame(scenario: Scenario, calendar: pd.PeriodIndex) -> pd.DataFrame:
    length = scenario.horizon.period_length
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


def existing_frame(scenario: Scenario, calendar: pd.PeriodIndex) -> pd.DataFrame:
    length = scenario.horizon.period_length
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


def limits_frame(scenario: Scenario, calendar: pd.PeriodIndex, field: str) -> pd.DataFrame:
    frames = [
        pd.DataFrame(
            {
                "fleet": name,
                "t": np.arange(len(calendar)),
                "units": schedule_values(limit, calendar, scenario.horizon.period_length),
            }
        )
        for name, fleet in scenario.fleets.items()
        if (limit := getattr(fleet, field)) is not None
    ]
    return pd.concat(frames, ignore_index=True) if frames else _empty(fleet=str, t=int, units=float)


def budget_frame(scenario: Scenario, periods: pd.DataFrame) -> pd.DataFrame:
    budget = scenario.policy.capex_budget_usd_per_year
    years = sorted(periods["year"].unique()) if budget is not None else []
    return pd.DataFrame({"year": years, "usd": [budget] * len(years)}).astype({"year": int, "usd": float})


def share_limits_frame(scenario: Scenario) -> pd.DataFrame:
    policy = scenario.policy
    vendors = {fleet.vendor for fleet in scenario.fleets.values() if fleet.vendor is not None}  # set once loaded
    rows = [("vendor_share", v, policy.vendor_share_limits.get(v, policy.max_vendor_share)) for v in sorted(vendors)]
    for provider in sorted({str(fleet.provider) for fleet in scenario.fleets.values()}):
        limit = policy.provider_share_limits.get(provider)
        rows.append(("provider_share", provider, limit if limit is not None else policy.max_provider_share))
    rows += [("category_share", c, limit) for c, limit in policy.category_share_limits.items()]
    return pd.DataFrame([r for r in rows if r[2] is not None], columns=["family", "group", "limit"])


def contracts_frame(scenario: Scenario, calendar: pd.PeriodIndex) -> pd.DataFrame:
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
            contract.min_mw if measure == "mw" else contract.min_units, calendar, scenario.horizon.period_length
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


def spend_commitments_frame(scenario: Scenario, calendar: pd.PeriodIndex, periods: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for name, contract in scenario.contracts.items():
        if contract.min_spend_usd_per_year is None:
            continue
        values = schedule_values(contract.min_spend_usd_per_year, calendar, scenario.horizon.period_length)
        fleets = tuple(f for f, fleet in scenario.fleets.items() if contract.covers(f, fleet))
        first_t = periods.reset_index().groupby("year")["t"].min()
        for year, first in zip(first_t.index, first_t, strict=True):
            rows.append((name, int(year), int(first), float(values[first]), fleets))
    return pd.DataFrame(rows, columns=["contract", "year", "t", "usd", "fleets"])


def expansions_frame(scenario: Scenario) -> pd.DataFrame:
    months = months_per_period(scenario)
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
