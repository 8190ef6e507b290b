"""What a demand projection implies over a horizon, and the warnings above the limits."""

from __future__ import annotations

import json
import math

import pytest

from demand import DecayingGrowth, ExplicitSeries, ExponentialGrowth, planning_periods
from demand.plausibility import (
    LARGEST_PUBLISHED_TOKENS_PER_DAY,
    MAX_ANNUAL_GROWTH,
    MAX_TOKENS_PER_DAY,
    implied_growth,
)

MONTHS = planning_periods("2026-01", 36, "month")


def yearly(rate: float, tokens_per_day: float = 1e12) -> ExponentialGrowth:
    return ExponentialGrowth(start="2026-01", tokens_per_day=tokens_per_day, rate=rate, per="year")


def test_the_limits_are_the_documented_ones():
    assert MAX_ANNUAL_GROWTH == 10.0
    assert LARGEST_PUBLISHED_TOKENS_PER_DAY == 8.6e12
    assert pytest.approx(8.6e14) == MAX_TOKENS_PER_DAY


@pytest.mark.parametrize("length", ["month", "quarter"])
def test_constant_growth_is_its_own_rate_a_year(length):
    # Doubling a year: every year of the horizon, and the average, is 2x (to the unequal month lengths).
    periods = planning_periods("2026-01", 36 if length == "month" else 12, length)
    (growth,) = implied_growth({"chat": yearly(1.0)}, periods)
    assert growth.annual_growth_factor == pytest.approx(2.0, rel=2e-3)
    assert growth.peak_annual_growth_factor == pytest.approx(2.0, rel=2e-3)
    assert growth.warnings == ()
    assert growth.first_period == str(periods[0]) and growth.last_period == str(periods[-1])
    # The first period's average is the curve's over its days: a little above its 1 trillion at the start.
    assert growth.line().startswith(
        f"chat: 2x a year on average; {growth.first_tokens_per_day / 1e12:.3g} trillion to "
    )
    assert growth.line().endswith(f"tokens a day ({periods[0]} to {periods[-1]})")


@pytest.mark.parametrize(("rate", "warned"), [(8.0, False), (10.0, True)])
def test_growth_above_ten_times_a_year_is_warned_about(rate, warned):
    # 9x a year stays below the limit, 11x passes it.
    (growth,) = implied_growth({"chat": yearly(rate)}, MONTHS)
    assert growth.annual_growth_factor == pytest.approx(1 + rate, rel=2e-3)
    assert bool(growth.warnings) is warned
    if warned:
        assert growth.warnings[0].startswith("demand 'chat' grows 11x a year on average (")
        assert "above the 10x a year" in growth.warnings[0]


def test_the_growth_limit_is_an_argument():
    (growth,) = implied_growth({"chat": yearly(4.0)}, MONTHS, max_annual_growth=3.0)
    assert "above the 3x a year" in growth.warnings[0]


def test_a_fast_first_year_that_slows_is_shown_but_not_warned_about():
    # 50% a month halving every six months grows exp(ln 1.5 * 6 / ln 2) = 33x in all, three
    # quarters of that (in logs) in the first year: about 14x; then it levels off (3.2x a year on
    # average over three years).
    spec = DecayingGrowth(start="2026-01", tokens_per_day=1e12, rate=0.5, half_life_months=6)
    (growth,) = implied_growth({"total": spec}, MONTHS)
    assert growth.peak_year_from == "2026-01"
    assert 11 < growth.peak_annual_growth_factor < 15
    assert 2.5 < growth.annual_growth_factor < 3.3
    assert f"at most {growth.peak_annual_growth_factor:.3g}x in a year (from 2026-01)" in growth.line()
    assert growth.warnings == ()


def test_volumes_beyond_the_bound_are_warned_about():
    (below,) = implied_growth({"chat": yearly(0.0, 8e14)}, MONTHS)
    (above,) = implied_growth({"chat": yearly(0.0, 9e14)}, MONTHS)
    assert below.warnings == ()
    assert above.peak_tokens_per_day == pytest.approx(9e14)
    assert above.warnings == (
        "demand 'chat' reaches 900 trillion tokens a day in 2026-01, more than 860 trillion (100x the largest "
        "published volume, 8.6 trillion tokens a day at OpenAI's API in October 2025): check the volumes' units "
        "and the growth",
    )
    (custom,) = implied_growth({"chat": yearly(0.0, 8e14)}, MONTHS, max_tokens_per_day=1e14)
    assert "more than 100 trillion" in custom.warnings[0]


def test_entries_together_beyond_the_bound_are_warned_about():
    specs = {"chat": yearly(0.0, 5e14), "batch": yearly(0.0, 5e14)}
    growth = implied_growth(specs, MONTHS)
    assert [g.entry for g in growth] == ["chat", "batch", "all demand"]
    assert growth[0].warnings == growth[1].warnings == ()
    assert growth[2].peak_tokens_per_day == pytest.approx(1e15)
    assert growth[2].warnings[0].startswith("all demand together reaches 1 quadrillion tokens a day")
    # Below the bound together, no line is added.
    assert [g.entry for g in implied_growth({"chat": yearly(0.0), "batch": yearly(0.0)}, MONTHS)] == ["chat", "batch"]


def test_a_series_from_zero_has_no_average_growth():
    tokens = {"2026-01": 0.0, "2026-02": 28e9, "2026-03": 62e9}
    (growth,) = implied_growth({"new": ExplicitSeries(tokens=tokens)}, planning_periods("2026-01", 3, "month"))
    assert math.isnan(growth.annual_growth_factor)
    assert growth.warnings == ()
    assert growth.line() == "new: 0 to 2 billion tokens a day (2026-01 to 2026-03)"


def test_a_single_period_has_no_growth():
    (growth,) = implied_growth({"chat": yearly(100.0)}, planning_periods("2026-01", 1, "quarter"))
    assert math.isnan(growth.annual_growth_factor) and growth.warnings == ()


def test_a_horizon_shorter_than_a_year_is_annualized():
    # Six months of a 2x-a-month curve: 4,096x a year.
    spec = ExponentialGrowth(start="2026-01", tokens_per_day=1e9, rate=1.0, per="month")
    (growth,) = implied_growth({"chat": spec}, planning_periods("2026-01", 6, "month"))
    assert growth.annual_growth_factor == pytest.approx(4096, rel=2e-2)
    assert growth.peak_annual_growth_factor == growth.annual_growth_factor
    assert "4,0" in growth.warnings[0]


def test_the_figures_are_plain_json():
    (growth,) = implied_growth(
        {"new": ExplicitSeries(tokens={"2026-01": 0.0})}, planning_periods("2026-01", 1, "month")
    )
    record = growth.as_dict()
    assert record["annual_growth_factor"] is None
    assert "warnings" not in record
    json.dumps(record, allow_nan=False)
