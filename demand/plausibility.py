"""What a demand projection implies, and when it is beyond belief.

A curve that fits a short history can imply growth no market sustains (an 18.9% week compounds to
8,400x a year) or volumes beyond any provider's; planned on, it gives a plan costing more than the
world's economy. :func:`implied_growth` states, per demand entry, the growth over the planning
horizon, and warns when it passes either limit:

- growth above :data:`MAX_ANNUAL_GROWTH` (10x) a year on average over the horizon, the limit at
  which ``demand fit`` also warns; over three years it compounds to 1,000x. A single fast year is
  shown but not warned about: published volumes have grown 5x in six months (OpenRouter, 2026),
  and a curve whose growth slows (``decaying``, ``logistic``) can start that fast;
- more than :data:`MAX_TOKENS_PER_DAY` tokens a day in a period: 100 times the largest published
  volume, :data:`LARGEST_PUBLISHED_TOKENS_PER_DAY`, about 8.6 trillion tokens a day at OpenAI's API in
  October 2025 (OpenAI DevDay 2025 remarks as reported; OpenRouter reported about 27 trillion in
  one week in April 2026, about 3.9 trillion a day). All demand entries together are held to the
  same limit.

These are warnings: the projection stays as given. Both limits are arguments of
:func:`implied_growth`.

>>> from demand import ExponentialGrowth, planning_periods
>>> spec = ExponentialGrowth(start="2026-01", tokens_per_day=1e12, rate=0.25, per="month")
>>> (growth,) = implied_growth({"chat": spec}, planning_periods("2026-01", 24, "month"))
>>> growth.line()
'chat: 14.6x a year on average; 1.12 trillion to 189 trillion tokens a day (2026-01 to 2027-12)'
>>> growth.warnings[0][:75]
"demand 'chat' grows 14.6x a year on average (168x from 2026-01 to 2027-12),"
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from demand.curves import UNIT_DAYS, Volume, period_bounds

MAX_ANNUAL_GROWTH = 10.0
"""Growth factor a year (on average over the horizon) above which a projection is warned about."""
LARGEST_PUBLISHED_TOKENS_PER_DAY = 8.6e12
"""OpenAI's API, about 8.6 trillion tokens a day on average in October 2025 (DevDay 2025 remarks as reported)."""
MAX_TOKENS_PER_DAY = 100 * LARGEST_PUBLISHED_TOKENS_PER_DAY
"""Tokens a day above which a projection is warned about: 100x the largest published volume."""


@dataclass(frozen=True)
class Growth:
    """What one demand entry's projection implies over the planning horizon.

    Attributes
    ----------
    entry
        The demand entry (or ``"all demand"`` for the sum of the entries).
    first_period, last_period
        The horizon's first and last period labels.
    first_tokens_per_day, last_tokens_per_day
        Average tokens a day in the first and last period.
    peak_tokens_per_day, peak_period
        The largest average tokens a day of any period, and that period.
    annual_growth_factor
        Growth a year on average, from the first period's daily volume to the last's (NaN with a
        single period, or when the first is zero).
    peak_annual_growth_factor, peak_year_from
        The largest growth over a year between two periods of the horizon, and the period it
        starts from (the average itself when the horizon is a year or shorter).
    warnings
        One sentence per limit passed, for people.
    """

    entry: str
    first_period: str
    last_period: str
    first_tokens_per_day: float
    last_tokens_per_day: float
    peak_tokens_per_day: float
    peak_period: str
    annual_growth_factor: float
    peak_annual_growth_factor: float
    peak_year_from: str
    warnings: tuple[str, ...]

    def line(self) -> str:
        """One line for people: the entry, its growth a year and its volume at both ends."""
        volumes = (
            f"{_amount(self.first_tokens_per_day)} to {_amount(self.last_tokens_per_day)} tokens a day "
            f"({self.first_period} to {self.last_period})"
        )
        if not math.isfinite(self.annual_growth_factor):
            return f"{self.entry}: {volumes}"
        highest = (
            f", at most {format_factor(self.peak_annual_growth_factor)} in a year (from {self.peak_year_from})"
            if not math.isclose(self.peak_annual_growth_factor, self.annual_growth_factor, rel_tol=5e-3)
            else ""
        )
        return f"{self.entry}: {format_factor(self.annual_growth_factor)} a year on average{highest}; {volumes}"

    def as_dict(self) -> dict:
        """The figures as plain JSON values (NaN as None); the warnings are left to the caller."""
        return {
            key: (None if isinstance(value, float) and not math.isfinite(value) else value)
            for key, value in {
                "entry": self.entry,
                "first_period": self.first_period,
                "last_period": self.last_period,
                "first_tokens_per_day": self.first_tokens_per_day,
                "last_tokens_per_day": self.last_tokens_per_day,
                "peak_tokens_per_day": self.peak_tokens_per_day,
                "peak_period": self.peak_period,
                "annual_growth_factor": self.annual_growth_factor,
                "peak_annual_growth_factor": self.peak_annual_growth_factor,
                "peak_year_from": self.peak_year_from,
            }.items()
        }


def implied_growth(
    specs: Mapping[str, Volume],
    periods: pd.PeriodIndex,
    *,
    max_annual_growth: float = MAX_ANNUAL_GROWTH,
    max_tokens_per_day: float = MAX_TOKENS_PER_DAY,
) -> list[Growth]:
    """Each demand entry's growth over ``periods``, with warnings above the limits.

    Parameters
    ----------
    specs
        Demand specifications by entry name (a scenario's ``demand``).
    periods
        The planning periods, from :func:`demand.planning_periods`.
    max_annual_growth
        Growth factor a year, on average over the horizon, above which an entry is warned about.
    max_tokens_per_day
        Average tokens a day in a period above which an entry, or all entries together, are
        warned about.

    Returns
    -------
    list of Growth
        One per entry in the order given; then one for ``"all demand"`` when there are several
        entries and together, but none alone, they pass ``max_tokens_per_day``.
    """
    first, end = period_bounds(periods)
    days = end - first
    labels = [str(p) for p in periods]
    daily = {name: spec.per_period(periods) / days for name, spec in specs.items()}
    out = [
        _growth(name, values, first, end, labels, max_annual_growth, max_tokens_per_day)
        for name, values in daily.items()
    ]
    if len(daily) > 1 and not any(g.peak_tokens_per_day > max_tokens_per_day for g in out):
        total = _growth("all demand", sum(daily.values()), first, end, labels, math.inf, max_tokens_per_day)
        if total.warnings:
            out.append(total)
    return out


def _growth(name, daily, first, end, labels, max_growth, max_volume) -> Growth:
    middle = (first + end) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        average = (
            (daily[-1] / daily[0]) ** (UNIT_DAYS["year"] / (middle[-1] - middle[0])) if len(daily) > 1 else math.nan
        )
        # A year on from each period: the first period whose middle is (within a day) a year or more
        # later, which is the same month or quarter a year on.
        later = np.searchsorted(middle, middle + UNIT_DAYS["year"] - 1.0)
        pairs = [(i, int(j)) for i, j in enumerate(later) if j < len(daily) and daily[i] > 0]
        yearly = [(daily[j] / daily[i]) ** (UNIT_DAYS["year"] / (middle[j] - middle[i])) for i, j in pairs]
    average = float(average) if daily[0] > 0 else math.nan
    if yearly:
        # The first of the fastest years: equal growth (to rounding) is reported from its start.
        at = int(np.argmax(np.asarray(yearly) >= max(yearly) * (1 - 1e-9)))
        peak_growth, peak_from = float(yearly[at]), labels[pairs[at][0]]
    else:
        peak_growth, peak_from = average, labels[0]
    top = int(np.argmax(daily))
    warnings = []
    subject = f"demand {name!r}" if name != "all demand" else "all demand together"
    if average > max_growth:
        warnings.append(
            f"{subject} grows {format_factor(average)} a year on average ({format_factor(daily[-1] / daily[0])} from "
            f"{labels[0]} to {labels[-1]}), above the {format_factor(max_growth)} a year at which growth is taken as "
            "implausible to sustain: check the growth rate and its unit ('per'), or use a saturating curve "
            "(logistic, decaying)"
        )
    if daily[top] > max_volume:
        warnings.append(
            f"{subject} reaches {_amount(daily[top])} tokens a day in {labels[top]}, more than {_amount(max_volume)} "
            f"(100x the largest published volume, {_amount(LARGEST_PUBLISHED_TOKENS_PER_DAY)} tokens a day at "
            "OpenAI's API in October 2025): check the volumes' units and the growth"
        )
    return Growth(
        entry=name,
        first_period=labels[0],
        last_period=labels[-1],
        first_tokens_per_day=float(daily[0]),
        last_tokens_per_day=float(daily[-1]),
        peak_tokens_per_day=float(daily[top]),
        peak_period=labels[top],
        annual_growth_factor=average,
        peak_annual_growth_factor=peak_growth,
        peak_year_from=peak_from,
        warnings=tuple(warnings),
    )


def format_factor(factor: float) -> str:
    """A growth factor for people: '2.59x', '8,370x'."""
    return f"{factor:,.0f}x" if factor >= 100 else f"{factor:.3g}x"


def _amount(value: float) -> str:
    """A count for people: '8.6 trillion', '769 quadrillion', '1.2e+21'."""
    if value >= 1e18:
        return f"{value:.3g}"
    for size, name in ((1e15, "quadrillion"), (1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if value >= size:
            return f"{value / size:.3g} {name}"
    return f"{value:,.0f}"
