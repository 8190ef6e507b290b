"""A site: a power cap, its electricity price, the fleets it may hold and the power it may add."""

from __future__ import annotations

import math
from typing import Any

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from planner.errors import (
    FieldError,
)
from planner.ranges import (
    MONTHS_OF_LEAD,
    MW_OF_BLOCK,
    USD_ONCE,
    YEARS_OF_LIFE,
)
from planner.scenario.base import (
    Input,
    Name,
    PriceSchedule,
    Schedule,
)

MAX_SITE_MW = 20_000.0
"""Largest plausible site cap, in MW (the largest campuses plan a few GW)."""
MIN_PRICE_USD_PER_MWH = 1.0
"""Lowest plausible electricity price above zero, in USD per MWh: anything below is a price per kWh."""


def site_power_message(power_mw: Any) -> str | None:
    """Why a site's ``power_mw`` is a unit mix-up, or None when it is plausible (or not numbers)."""
    caps = power_mw.values() if isinstance(power_mw, dict) else [power_mw]
    numbers = [c for c in caps if isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c)]
    if max(numbers, default=0.0) <= MAX_SITE_MW:
        return None
    return (
        f"power_mw {max(numbers):g} is more than any data-centre site (the largest plan a few thousand MW); "
        "give the cap in MW, not kW"
    )


class Expansion(Input):
    """Power that can be added to a site in whole blocks (a substation, a hall), each at a fixed cost."""

    block_mw: MW_OF_BLOCK = Field(description="Facility MW one block adds to the site's cap.")
    capex_usd_per_block: USD_ONCE = Field(description="Cost of one block in USD, recovered over its lifetime.")
    lifetime_years: YEARS_OF_LIFE = Field(default=20.0, description="Years over which a block's cost is recovered.")
    max_blocks: int = Field(ge=1, le=1000, description="Most blocks the site can add over the horizon.")
    lead_time_months: MONTHS_OF_LEAD = Field(
        default=0.0, description="Months from decision to power; no block serves earlier."
    )


class Site(Input):
    """A data-centre site with a power cap, where owned fleets are placed."""

    power_mw: Schedule = Field(
        description="Facility power cap in MW (including cooling: IT load times PUE), over time."
    )
    pue: float = Field(ge=1, le=3, description="Power usage effectiveness: facility power per unit of IT power.")
    electricity_price_usd_per_mwh: PriceSchedule = Field(description="Electricity price in USD per MWh, over time.")
    fleets: list[Name] = Field(min_length=1, description="Owned and leased fleets that may be placed at this site.")
    expansion: Expansion | None = Field(
        default=None, description="Power the site can add in blocks beyond power_mw. Omitted: the cap is fixed."
    )

    @field_validator("electricity_price_usd_per_mwh")
    @classmethod
    def _price_per_mwh(cls, price: float | dict[str, float]) -> float | dict[str, float]:
        steps = price.items() if isinstance(price, dict) else [(None, price)]
        for label, value in steps:
            if 0 < value < MIN_PRICE_USD_PER_MWH:
                raise FieldError(
                    f"{value:g} USD per MWh is less than any grid charges; the price seems to be per kWh: give it per MWh "
                    f"({value:g} $/kWh is {value * 1000:g} $/MWh)",
                    field=() if label is None else (label,),
                    value=value,
                )
        return price

    @model_validator(mode="after")
    def _plausible(self) -> Site:
        implausible = site_power_message(self.power_mw)
        if implausible:
            raise FieldError(
                implausible, field=("power_mw",), value=self.power_mw if not isinstance(self.power_mw, dict) else None
            )
        return self
