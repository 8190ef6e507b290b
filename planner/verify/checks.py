"""The limits and policies a plan must keep, and the costs recomputed from its sites and rentals.

Capacity, power (with the blocks an expanding site added), supply, quota and budget limits, the
policy (vendor, provider and category shares of the tokens served, capacity commitments), the
cost components against the reported plan cost and objective, and rental, energy and expansion
recomputed from the fleets, the sites and their blocks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from planner.data import capital_recovery_factor
from planner.scenario import Scenario

TOLERANCE = 1e-6
"""Relative slack allowed in each check (the solver's own tolerances are of that order)."""


@dataclass(frozen=True)
class Check:
    """One verified property of a plan: its ``name``, whether it holds, and what was found."""

    name: str
    ok: bool
    detail: str


def _step(schedule, period: str) -> float:
    """A scenario schedule's value in ``period`` (a month label), read independently of the planner."""
    if not isinstance(schedule, dict):
        return float(schedule)
    month = pd.Period(period, freq="M") if "Q" not in period else pd.Period(period).asfreq("M", "start")
    steps = sorted(
        (pd.Period(label, freq="M") if "Q" not in str(label) else pd.Period(label).asfreq("M", "start"), v)
        for label, v in schedule.items()
    )
    return float([v for start, v in steps if start <= month][-1])


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= TOLERANCE * max(1.0, abs(a), abs(b))


def limit_checks(scenario: Scenario, summary: dict, table: dict[str, pd.DataFrame]) -> list[Check]:
    """Capacity, power, supply, budget, cost totals, quota, shares, commitments, rental, energy
    and expansion of a plan read whole (:func:`planner.verify.folder.read_plan`)."""
    checks = [_capacity(scenario, table["slices"], table["installed"])]

    installed = table["installed"]
    at_sites = installed[installed["procurement"].isin(["own", "lease"])]
    blocks = table["expansion"].set_index(["period", "site"])["blocks"]
    over = []
    for (period, site), group in at_sites.groupby(["period", "site"]):
        spec = scenario.sites[str(site)]
        cap = _step(spec.power_mw, str(period))
        if spec.expansion is not None:
            cap += float(blocks.get((period, site), 0.0)) * spec.expansion.block_mw
        draw = (
            sum(u * scenario.fleets[f].max_power_kw for f, u in zip(group["fleet"], group["units"], strict=True))
            * spec.pue
            / 1000
        )
        if draw > cap * (1 + TOLERANCE) + TOLERANCE:
            over.append((period, site))
    checks.append(
        Check("power", not over, "every site within its power cap" if not over else f"over the cap at {over[:3]}")
    )

    builds = table["builds"]
    over = []
    for (period, fleet), group in builds.groupby(["period", "fleet"]):
        limit = scenario.fleets[str(fleet)].max_build_units_per_period
        if limit is not None and group["units"].sum() > _step(limit, str(period)) * (1 + TOLERANCE) + TOLERANCE:
            over.append((period, fleet))
    checks.append(Check("supply", not over, "builds within supply" if not over else f"beyond supply at {over[:3]}"))

    budget = scenario.policy.capex_budget_usd_per_year
    spent = builds.assign(
        usd=[u * scenario.fleets[f].capex_usd for f, u in zip(builds["fleet"], builds["units"], strict=True)]
    )
    yearly = spent.groupby(spent["period"].str[:4])["usd"].sum() if len(spent) else pd.Series(dtype=float)
    years_over = [y for y, usd in yearly.items() if budget is not None and usd > budget * (1 + TOLERANCE)]
    checks.append(
        Check(
            "budget",
            not years_over,
            "capital within the yearly budget" if not years_over else f"over budget in {years_over}",
        )
    )

    checks.append(_cost_totals(table["costs"], summary))

    checks.append(_quota(scenario, table["installed"]))
    checks.extend(_shares(scenario, table["allocation"]))
    checks.append(_commitments(scenario, table["installed"]))
    checks.append(_rental(scenario, table))
    checks.append(_energy(scenario, table))
    checks.append(_expansion(scenario, table))
    return checks


def _capacity(scenario: Scenario, slices: pd.DataFrame, installed: pd.DataFrame) -> Check:
    """In every slice of every period, the busy units of each fleet at each place fit in its
    available units (availability times the units serving the slice), and the units rented for a
    slice are within the period's units (which carry quotas and commitments)."""
    available = slices["fleet"].map(lambda f: scenario.fleets[f].availability) * slices["units"]
    busy = slices["peak_busy_units"]
    over = slices.loc[busy > available * (1 + TOLERANCE) + TOLERANCE, ["period", "slice", "fleet", "site"]]
    held = installed.set_index(["period", "fleet", "site"])["units"]
    period_units = [held.get(k, 0.0) for k in zip(slices["period"], slices["fleet"], slices["site"], strict=True)]
    beyond = slices.loc[slices["units"] > pd.Series(period_units, index=slices.index) * (1 + TOLERANCE) + TOLERANCE]
    wrong = [tuple(row) for row in over.itertuples(index=False)]
    wrong += [
        (p, s, f, site, "more than the period's units")
        for p, s, f, site in beyond[["period", "slice", "fleet", "site"]].itertuples(index=False)
    ]
    return Check(
        "capacity",
        not wrong,
        f"{len(slices) - len(wrong)} of {len(slices)} fleet-slices within their available units"
        + (f"; over at {wrong[:3]}" if wrong else ""),
    )


def _hours(period: str) -> float:
    """Hours in a period label ('2026-01' or '2026Q1'), from the calendar."""
    start = pd.Period(period)
    return ((start + 1).start_time - start.start_time).total_seconds() / 3600


def _energy(scenario: Scenario, table: dict[str, pd.DataFrame]) -> Check:
    """Energy recomputed from the units at sites and their average busy units: every unit draws
    its idle power, busy units the rest up to full power, times PUE, hours and the site's price;
    nothing for a lease whose price includes electricity."""
    installed = table["installed"]
    at_sites = installed[installed["procurement"].isin(["own", "lease"])]
    busy = table["allocation"].groupby(["period", "fleet", "site"])["busy_units"].sum()
    usd = 0.0
    for period, fleet, site, units in zip(
        at_sites["period"], at_sites["fleet"], at_sites["site"], at_sites["units"], strict=True
    ):
        spec, place = scenario.fleets[fleet], scenario.sites[site]
        if spec.energy_included:
            continue
        idle_kw, full_kw = spec.idle_power_kw or 0.0, spec.max_power_kw or 0.0
        kw = idle_kw * units + (full_kw - idle_kw) * busy.get((period, fleet, site), 0.0)
        usd += kw / 1000 * place.pue * _hours(period) * _step(place.electricity_price_usd_per_mwh, period)
    reported = table["costs"].loc[table["costs"]["component"] == "energy", "usd"].sum()
    ok = math.isclose(usd, reported, rel_tol=TOLERANCE, abs_tol=1e-3)
    return Check("energy", ok, f"energy recomputed ${usd:,.2f} against ${reported:,.2f} reported")


def _expansion(scenario: Scenario, table: dict[str, pd.DataFrame]) -> Check:
    """Power blocks: only at sites that may expand, at most ``max_blocks``, never removed, none
    before the lead time, and their cost (capital recovery over the block's life) recomputed."""
    frame = table["expansion"]
    months = 3 if scenario.horizon.period_length == "quarter" else 1
    rate = scenario.horizon.discount_rate
    wrong, usd = [], 0.0
    for name, group in frame.groupby("site"):
        site = str(name)
        spec = scenario.sites[site].expansion if site in scenario.sites else None
        series = group.assign(start=group["period"].map(pd.Period)).sort_values("start")["blocks"].to_numpy(dtype=float)
        if spec is None:
            if (series > TOLERANCE).any():
                wrong.append((site, "blocks at a site without an expansion"))
            continue
        lead = math.ceil(spec.lead_time_months / months - 1e-9)
        if (series > spec.max_blocks * (1 + TOLERANCE) + TOLERANCE).any():
            wrong.append((site, f"more than {spec.max_blocks} blocks"))
        if (series[1:] < series[:-1] - TOLERANCE).any():
            wrong.append((site, "blocks removed"))
        if (series[:lead] > TOLERANCE).any():
            wrong.append((site, "blocks before the lead time"))
        recovery = capital_recovery_factor(rate, spec.lifetime_years)
        usd += series.sum() * spec.capex_usd_per_block * recovery * months / 12
    reported = table["costs"].loc[table["costs"]["component"] == "expansion", "usd"].sum()
    if not math.isclose(usd, reported, rel_tol=TOLERANCE, abs_tol=1e-3):
        wrong.append(("cost", f"recomputed ${usd:,.2f} against ${reported:,.2f} reported"))
    return Check(
        "expansion",
        not wrong,
        f"power blocks within their limits, cost ${usd:,.2f} recomputed" if not wrong else f"wrong at {wrong[:3]}",
    )


def _cost_totals(costs: pd.DataFrame, summary: dict) -> Check:
    """The cost table against the reported totals: every component but the unserved penalty adds
    up to the plan cost, and with the penalty to the objective (both in present value)."""
    penalty = costs["component"] == "unserved_penalty"
    paid = costs.loc[~penalty, "discounted_usd"].sum()
    total = costs["discounted_usd"].sum()
    ok = _close(paid, summary["plan_cost_usd"]) and _close(total, summary["objective_usd"])
    return Check(
        "objective",
        ok,
        f"cost components add up to a plan cost of ${paid:,.2f} against ${summary['plan_cost_usd']:,.2f} reported, "
        f"and with the unserved penalty to ${total:,.2f} against an objective of ${summary['objective_usd']:,.2f}",
    )


def _quota(scenario: Scenario, installed: pd.DataFrame) -> Check:
    """Rented units of a fleet, over all its places, within its quota."""
    rented = installed[installed["procurement"] != "own"].groupby(["period", "fleet"])["units"].sum()
    over = []
    for (period, fleet), units in zip(rented.index, rented, strict=True):
        quota = scenario.fleets[fleet].quota_units
        if quota is not None and units > _step(quota, period) * (1 + TOLERANCE) + TOLERANCE:
            over.append((period, fleet))
    return Check(
        "quota", not over, "rented units within their quotas" if not over else f"beyond the quota at {over[:3]}"
    )


def _shares(scenario: Scenario, allocation: pd.DataFrame) -> list[Check]:
    """Each hardware vendor's, provider's and category's share of the tokens served per period within its limit."""
    policy = scenario.policy
    checks = []
    for name, attribute, limits in (
        (
            "vendor_share",
            "vendor",
            {
                f.vendor: policy.vendor_share_limits.get(f.vendor, policy.max_vendor_share)
                for f in scenario.fleets.values()
                if f.vendor is not None  # set on every loaded fleet
            },
        ),
        (
            "provider_share",
            "provider",
            {
                # a limit is a fraction above zero, so 'or' falls back only where none is given
                str(f.provider): policy.provider_share_limits.get(str(f.provider)) or policy.max_provider_share
                for f in scenario.fleets.values()
            },
        ),
        ("category_share", "category", dict(policy.category_share_limits)),
    ):
        bounded = {group: limit for group, limit in limits.items() if limit is not None}
        if not bounded:
            continue
        group = allocation["fleet"].map(lambda f, a=attribute: getattr(scenario.fleets[f], a))
        tokens = allocation.assign(group=group).groupby(["period", "group"])["tokens"].sum()
        total = allocation.groupby("period")["tokens"].sum()
        over = [
            (period, g, round(t / total[period], 6))
            for (period, g), t in zip(tokens.index, tokens, strict=True)
            if g in bounded and total[period] > 0 and t > (bounded[g] + TOLERANCE) * total[period]
        ]
        checks.append(
            Check(
                name,
                not over,
                f"every {attribute} within its share of the tokens served"
                if not over
                else f"over the share at {over[:3]}",
            )
        )
    return checks


def _commitments(scenario: Scenario, installed: pd.DataFrame) -> Check:
    """Capacity commitments (MW of IT power or units) kept in every period."""
    short = []
    for name, contract in scenario.contracts.items():
        minimum = contract.min_mw if contract.min_mw is not None else contract.min_units
        if minimum is None:
            continue  # a spend commitment: any shortfall is paid, nothing to hold
        fleets = scenario.fleets
        covered = installed[
            [
                f == contract.fleet
                or fleets[f].vendor == contract.vendor
                or fleets[f].provider == contract.provider
                or fleets[f].category == contract.category
                for f in installed["fleet"]
            ]
        ]
        if contract.min_mw is not None:
            # Commitments in MW count power at sites: owned and leased units.
            covered = covered[covered["procurement"].isin(["own", "lease"])]
            held = covered.assign(
                amount=[
                    u * fleets[f].max_power_kw / 1000 for f, u in zip(covered["fleet"], covered["units"], strict=True)
                ]
            )
        else:
            held = covered.assign(amount=covered["units"])
        amounts = held.groupby("period")["amount"].sum()
        for period in installed["period"].unique():
            need = _step(minimum, period)
            if amounts.get(period, 0.0) < need * (1 - TOLERANCE) - TOLERANCE:
                short.append((period, name))
    return Check(
        "commitments",
        not short,
        "every capacity commitment kept" if not short else f"short of the commitment at {short[:3]}",
    )


def _rental(scenario: Scenario, table: dict[str, pd.DataFrame]) -> Check:
    """Rental recomputed from the units held and their hourly prices (periods of real length); with
    several time slices, on-demand cloud units are paid for the hours of the slices they serve."""
    per_slice = scenario.time_slices is not None and len(scenario.time_slices) > 1
    rented = table["installed"][table["installed"]["procurement"] != "own"]
    if per_slice:
        rented = rented[rented["procurement"] != "cloud"]
        bursts = table["slices"][table["slices"]["procurement"] == "cloud"]
        rented = pd.concat(
            [
                rented.assign(hours=rented["period"].map(_hours)),
                bursts.assign(hours=bursts["period"].map(_hours) * bursts["hours_share"]),
            ]
        )
    else:
        rented = rented.assign(hours=rented["period"].map(_hours))
    usd = sum(
        u * (scenario.fleets[f].hourly_usd or 0.0) * h
        for f, u, h in zip(rented["fleet"], rented["units"], rented["hours"], strict=True)
    )
    reported = table["costs"].loc[table["costs"]["component"] == "rental", "usd"].sum()
    ok = math.isclose(usd, reported, rel_tol=TOLERANCE, abs_tol=1e-3)
    return Check("rental", ok, f"rental recomputed ${usd:,.2f} against ${reported:,.2f} reported")
