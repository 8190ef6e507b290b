"""Rough unit economics of a system for side-by-side comparison (not the planner's optimum).

A planner compares systems before planning: what an hour of one unit costs and what it serves.
Owning costs the capital recovery of the purchase price over the unit's life plus electricity at
full power; renting costs the hourly price. Throughput is for whole requests: a unit spends
``prompt / prefill + output / decode`` seconds per request.
"""

from __future__ import annotations

from dataclasses import dataclass

from fleets.catalog import System

HOURS_PER_YEAR = 8766.0  # 365.25 days


@dataclass(frozen=True)
class Assumptions:
    """What the comparison assumes where the catalog has no figure."""

    discount_rate: float = 0.08
    """Annual rate for the capital recovery of owned units."""
    electricity_usd_per_mwh: float = 65.0
    """Price of electricity for owned units (US industrial power runs $50-80/MWh)."""
    pue: float = 1.2
    """Facility power per unit of IT power for owned units."""


def cost_per_hour(system: System, assumptions: Assumptions = Assumptions()) -> float | None:
    """USD per unit-hour: rental where the system is rented only, else capital recovery plus
    electricity at full power. ``None`` when the catalog has no price."""
    if system.capex_usd is None:
        return system.hourly_usd.value if system.hourly_usd else None
    rate, years = assumptions.discount_rate, system.lifetime_years.value
    recovery = 1.0 / years if rate == 0 else rate / (1.0 - (1.0 + rate) ** -years)
    energy = system.max_power_kw.value * assumptions.pue * assumptions.electricity_usd_per_mwh / 1000.0
    return system.capex_usd.value * recovery / HOURS_PER_YEAR + energy


def request_tokens_per_s(
    prefill_tokens_per_s: float, decode_tokens_per_s: float, prompt_tokens: float, output_tokens: float
) -> float:
    """Input plus output tokens per second one unit serves for requests of the given shape.

    >>> request_tokens_per_s(1000.0, 100.0, 1000.0, 100.0)  # 1 s of prefill and 1 s of decode
    550.0
    """
    seconds = prompt_tokens / prefill_tokens_per_s + output_tokens / decode_tokens_per_s
    return (prompt_tokens + output_tokens) / seconds


def usd_per_million_tokens(hourly_cost: float, tokens_per_s: float) -> float:
    """USD per million (input plus output) tokens at ``tokens_per_s`` for ``hourly_cost`` an hour.

    >>> usd_per_million_tokens(3.6, 1000.0)  # 3.6 million tokens an hour for $3.60
    1.0
    """
    return hourly_cost / (tokens_per_s * 3600.0) * 1e6
