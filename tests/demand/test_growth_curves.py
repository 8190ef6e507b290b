"""Saturating and piecewise growth curves: logistic, Gompertz, decaying growth, Bass diffusion
and curves joined at dates. Exponential growth is covered in test_curves.py."""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import pandas as pd
import pytest
from pydantic import TypeAdapter, ValidationError

from demand import (
    Bass,
    DecayingGrowth,
    DemandSpec,
    ExplicitSeries,
    ExponentialGrowth,
    Gompertz,
    Logistic,
    Piecewise,
    Segment,
    planning_periods,
)

# Days in a growth-rate unit, as documented on the curves' 'per'.
MONTH = 365.2425 / 12
YEAR = 365.2425
UNIT_DAYS = {"week": 7.0, "month": MONTH, "year": YEAR}
ONE_YEAR = pd.Timedelta(days=YEAR)  # 31,556,952 s exactly


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def value(curve, when) -> float:
    """The volume (tokens/day) at one time."""
    return float(curve.evaluate([pd.Timestamp(when)])[0])


def days_after_anchor(curve, when) -> float:
    return (pd.Timestamp(when) - curve.anchor()) / pd.Timedelta(days=1)


def growth_per_day(rate: float, per: str = "month") -> float:
    """The continuous growth rate per day of a fractional ``rate`` per ``per``."""
    return math.log1p(rate) / UNIT_DAYS[per]


def trapezoid_totals(curve, periods: pd.PeriodIndex) -> np.ndarray:
    """Tokens in each of ``periods`` by the trapezoid rule over one-minute steps of evaluate()."""
    grid = pd.date_range(periods[0].start_time, (periods[-1] + 1).start_time, freq="min")
    daily = curve.evaluate(grid)
    out = []
    for period in periods:
        i = (period.start_time - grid[0]) // pd.Timedelta(minutes=1)
        j = ((period + 1).start_time - grid[0]) // pd.Timedelta(minutes=1)
        out.append(np.trapezoid(daily[i : j + 1], dx=1.0 / 1440.0))
    return np.array(out)


# --- logistic -----------------------------------------------------------------------------------


def logistic_by_hand(n0: float, k: float, g: float, t: float) -> float:
    return k / (1.0 + (k / n0 - 1.0) * math.exp(-g * t))


def test_logistic_starts_at_tokens_per_day():
    curve = Logistic(start="2026-03", tokens_per_day=2e12, rate=0.1, capacity_tokens_per_day=1e13)
    assert curve.kind == "logistic"
    assert value(curve, "2026-03-01") == pytest.approx(2e12, rel=1e-14)


@pytest.mark.parametrize(("rate", "per"), [(0.1, "month"), (0.03, "week"), (2.0, "year")])
def test_logistic_by_hand(rate, per):
    # 1 July 2026 is 181 days after 1 January 2026.
    curve = Logistic(start="2026-01", tokens_per_day=1e12, rate=rate, per=per, capacity_tokens_per_day=1e13)
    expected = logistic_by_hand(1e12, 1e13, growth_per_day(rate, per), 181.0)
    assert value(curve, "2026-07-01") == pytest.approx(expected, rel=1e-12)
    # A year before the start, too: the curve runs backwards towards zero.
    expected_before = logistic_by_hand(1e12, 1e13, growth_per_day(rate, per), -365.0)
    assert value(curve, "2025-01-01") == pytest.approx(expected_before, rel=1e-12)


def test_logistic_ten_percent_a_month_by_hand_numbers():
    # g = ln 1.1 / 30.436875 = 0.0031314 per day; after 181 days g t = 0.56678, e^{-g t} = 0.56735,
    # so N = 1e13 / (1 + 9 * 0.56735) = 1.6377e12 tokens/day.
    curve = Logistic(start="2026-01", tokens_per_day=1e12, rate=0.1, capacity_tokens_per_day=1e13)
    assert value(curve, "2026-07-01") == pytest.approx(1.6377e12, rel=1e-4)


def test_logistic_annual_growth_factor_by_hand():
    # N(T) / N0 = (1 + gap) / (1 + gap e^{-gT}), gap = K / N0 - 1 = 9, gT = 12 ln 1.1.
    curve = Logistic(start="2026-01", tokens_per_day=1e12, rate=0.1, capacity_tokens_per_day=1e13)
    expected = 10.0 / (1.0 + 9.0 * 1.1**-12)
    assert curve.annual_growth_factor() == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("capacity", [1.5e12, 1e13, 3e13, 1e15])
def test_logistic_approaches_capacity_and_never_exceeds_it(capacity):
    curve = Logistic(start="2026-01", tokens_per_day=1e12, rate=0.2, capacity_tokens_per_day=capacity)
    times = pd.date_range("2020-01-01", "2260-01-01", freq="30D")
    values = curve.evaluate(times)
    assert np.all(values > 0)
    assert np.all(np.diff(values) >= 0)  # rising (flat once saturated)
    # The volume is computed as exp(log K - ...), and exp(log K) itself rounds up to ~3e-15
    # relative above K (log K ~ 30 carries an absolute error of a few 1e-15); nothing more.
    assert np.all(values <= capacity * (1 + 1e-14))
    assert value(curve, "2200-01-01") == pytest.approx(capacity, rel=1e-12)
    # Still clearly below the ceiling two years in.
    assert value(curve, "2028-01-01") < capacity * (1 - 1e-3)


def test_logistic_far_below_capacity_grows_like_the_exponential():
    exponential = ExponentialGrowth(start="2026-01", tokens_per_day=1e12, rate=0.1)
    target = exponential.annual_growth_factor()
    assert target == pytest.approx(1.1**12, rel=1e-12)
    gaps = []
    for ratio in [1e1, 1e2, 1e4, 1e6, 1e8]:
        curve = Logistic(start="2026-01", tokens_per_day=1e12, rate=0.1, capacity_tokens_per_day=1e12 * ratio)
        factor = curve.annual_growth_factor()
        # By hand: factor / e^{gT} = (1 + gap) / (e^{gT} + gap), gap = K / N0 - 1.
        gap = ratio - 1
        assert factor / target == pytest.approx(ratio / (target + gap), rel=1e-12)
        gaps.append(1 - factor / target)
    assert all(later < earlier for earlier, later in itertools.pairwise(gaps))
    assert 0 < gaps[-1] < 3e-8


@pytest.mark.parametrize(("n0", "capacity"), [(1e12, 1e13), (1e12, 4e12), (5e11, 1e15)])
def test_logistic_reaches_half_its_capacity_at_ln_gap_over_g(n0, capacity):
    curve = Logistic(start="2026-01", tokens_per_day=n0, rate=0.1, capacity_tokens_per_day=capacity)
    midpoint = math.log(capacity / n0 - 1) / growth_per_day(0.1)
    at = curve.anchor() + pd.Timedelta(days=midpoint)
    assert value(curve, at) == pytest.approx(capacity / 2, rel=1e-9)
    # The inflection: a day earlier it is below, a day later above.
    assert value(curve, at - pd.Timedelta(days=1)) < capacity / 2 < value(curve, at + pd.Timedelta(days=1))


def test_logistic_midpoint_by_hand_numbers():
    # ln 9 / (ln 1.1 / 30.436875) = 701.67 days after 1 January 2026: 365 days to 1 January 2027,
    # then 336.67 more, i.e. the afternoon of 3 December 2027.
    curve = Logistic(start="2026-01", tokens_per_day=1e12, rate=0.1, capacity_tokens_per_day=1e13)
    assert value(curve, "2027-12-03") < 5e12 < value(curve, "2027-12-04")


@pytest.mark.parametrize("capacity", [1e12, 9.99e11, 1.0])
def test_logistic_capacity_at_or_below_the_start_is_rejected(capacity):
    with pytest.raises(ValidationError, match="capacity_tokens_per_day must exceed tokens_per_day"):
        Logistic(start="2026-01", tokens_per_day=1e12, rate=0.1, capacity_tokens_per_day=capacity)


# --- Gompertz -----------------------------------------------------------------------------------


def test_gompertz_starts_at_tokens_per_day():
    curve = Gompertz(start="2026-05", tokens_per_day=3e11, rate=0.08, capacity_tokens_per_day=5e12)
    assert curve.kind == "gompertz"
    assert value(curve, "2026-05-01") == pytest.approx(3e11, rel=1e-14)


@pytest.mark.parametrize(("rate", "per", "capacity"), [(0.1, "month", 1e13), (0.02, "week", 2e12), (1.5, "year", 1e14)])
def test_gompertz_grows_at_rate_at_the_start(rate, per, capacity):
    curve = Gompertz(start="2026-01", tokens_per_day=1e12, rate=rate, per=per, capacity_tokens_per_day=capacity)
    expected = math.log(2) / (math.log1p(rate) / UNIT_DAYS[per])
    assert curve.doubling_time_days() == pytest.approx(expected, rel=1e-6)
    assert curve.doubling_time_days("2026-01-01") == curve.doubling_time_days()


def test_gompertz_by_hand():
    # N = K exp(ln(N0/K) e^{-bt}), b = g0 / ln(K/N0): N0 = 1e12, K = 1e13, 10 % a month, t = 181 days.
    curve = Gompertz(start="2026-01", tokens_per_day=1e12, rate=0.1, capacity_tokens_per_day=1e13)
    b = growth_per_day(0.1) / math.log(10)
    expected = 1e13 * math.exp(math.log(0.1) * math.exp(-b * 181))
    assert value(curve, "2026-07-01") == pytest.approx(expected, rel=1e-12)


def test_gompertz_approaches_capacity_and_slows_down():
    curve = Gompertz(start="2026-01", tokens_per_day=1e12, rate=0.1, capacity_tokens_per_day=1e13)
    values = curve.evaluate(pd.date_range("2026-01-01", "2260-01-01", freq="90D"))
    assert np.all(np.diff(values) >= 0)
    assert np.all(values <= 1e13 * (1 + 1e-14))  # round-off of exp(log K) only
    assert value(curve, "2200-01-01") == pytest.approx(1e13, rel=1e-12)
    # The growth rate falls: doubling takes longer a year on.
    assert curve.doubling_time_days("2027-01-01") > curve.doubling_time_days()


@pytest.mark.parametrize("capacity", [1e12, 5e11])
def test_gompertz_capacity_at_or_below_the_start_is_rejected(capacity):
    with pytest.raises(ValidationError, match="capacity_tokens_per_day must exceed tokens_per_day"):
        Gompertz(start="2026-01", tokens_per_day=1e12, rate=0.1, capacity_tokens_per_day=capacity)


# --- decaying growth ----------------------------------------------------------------------------


def test_decaying_growth_starts_at_tokens_per_day():
    curve = DecayingGrowth(start="2026-02", tokens_per_day=4e11, rate=0.2, half_life_months=6)
    assert curve.kind == "decaying"
    assert value(curve, "2026-02-01") == pytest.approx(4e11, rel=1e-14)


@pytest.mark.parametrize(("rate", "per", "half_life"), [(0.2, "month", 6.0), (0.05, "week", 3.0), (3.0, "year", 24.0)])
def test_decaying_growth_levels_off_at_n0_exp_g0_h_over_ln2(rate, per, half_life):
    curve = DecayingGrowth(start="2026-01", tokens_per_day=1e12, rate=rate, per=per, half_life_months=half_life)
    level = 1e12 * math.exp(growth_per_day(rate, per) * half_life * MONTH / math.log(2))
    assert value(curve, "2250-01-01") == pytest.approx(level, rel=1e-12)
    values = curve.evaluate(pd.date_range("2026-01-01", "2250-01-01", freq="90D"))
    assert np.all(np.diff(values) >= 0)
    assert np.all(values <= level * (1 + 1e-12))


def test_decaying_growth_level_by_hand_numbers():
    # 20 % a month halving every 6 months: g0 H / ln 2 = ln 1.2 * 6 / ln 2 = 1.5782, e^1.5782 = 4.8463.
    curve = DecayingGrowth(start="2026-01", tokens_per_day=1e12, rate=0.2, half_life_months=6)
    assert value(curve, "2250-01-01") == pytest.approx(4.8463e12, rel=1e-4)


@pytest.mark.parametrize("half_life", [2.0, 6.0, 18.0])
def test_decaying_growth_rate_halves_after_a_half_life(half_life):
    curve = DecayingGrowth(start="2026-01", tokens_per_day=1e12, rate=0.2, half_life_months=half_life)
    start = curve.doubling_time_days()
    # doubling_time_days takes the slope of log N over 12 hours either side, which is off by
    # (ln 2 / H)^2 (0.5 day)^2 / 6 relative: 5e-6 for H = 2 months. The same factor at every
    # time, so it cancels from the ratios.
    assert start == pytest.approx(math.log(2) / growth_per_day(0.2), rel=1e-5)
    later = curve.doubling_time_days(curve.anchor() + pd.Timedelta(days=half_life * MONTH))
    assert later / start == pytest.approx(2.0, rel=1e-6)
    twice = curve.doubling_time_days(curve.anchor() + pd.Timedelta(days=2 * half_life * MONTH))
    assert twice / start == pytest.approx(4.0, rel=1e-6)


def test_decaying_growth_by_hand():
    # N = N0 exp(g0 H / ln 2 (1 - 2^{-t/H})) at t = H: N0 exp(g0 H / (2 ln 2)).
    curve = DecayingGrowth(start="2026-01", tokens_per_day=1e12, rate=0.2, half_life_months=6)
    h = 6 * MONTH
    expected = 1e12 * math.exp(growth_per_day(0.2) * h / (2 * math.log(2)))
    assert value(curve, curve.anchor() + pd.Timedelta(days=h)) == pytest.approx(expected, rel=1e-12)


def test_decaying_growth_with_zero_rate_is_flat():
    curve = DecayingGrowth(start="2026-01", tokens_per_day=1e12, rate=0.0, half_life_months=6)
    values = curve.evaluate([ts("2020-01-01"), ts("2026-05-17 13:00"), ts("2040-01-01")])
    np.testing.assert_allclose(values, [1e12] * 3, rtol=1e-14, atol=0)
    assert values[0] == values[1] == values[2]
    assert curve.doubling_time_days() == math.inf
    assert curve.doubling_time_days("2031-01-01") == math.inf
    assert curve.annual_growth_factor() == 1.0
    periods = planning_periods("2028-01", 3, "month")  # 31, 29 and 31 days
    np.testing.assert_allclose(curve.per_period(periods), [31e12, 29e12, 31e12], rtol=1e-14, atol=0)


# --- Bass diffusion -----------------------------------------------------------------------------

BASS = {"tokens_per_day": 1e11, "market_tokens_per_day": 1e13, "innovation_per_year": 0.03, "imitation_per_year": 0.4}


def bass_tokens(curve: Bass, first: pd.Timestamp, end: pd.Timestamp) -> float:
    """Tokens between two times in closed form: with s days since launch, r = q/p, c = p + q,
    the integral of F from 0 to S is S - ln((1 + r) / (1 + r e^{-cS})) / q (F = 0 before launch)."""
    p, q = curve.innovation_per_year / YEAR, curve.imitation_per_year / YEAR
    c, r = p + q, q / p
    launch = bass_launch(curve)

    def adopted_days(when: pd.Timestamp) -> float:
        s = max((when - launch) / pd.Timedelta(days=1), 0.0)
        return s - math.log((1 + r) / (1 + r * math.exp(-c * s))) / q

    return curve.market_tokens_per_day * (adopted_days(end) - adopted_days(first))


def bass_launch(curve: Bass) -> pd.Timestamp:
    """When adoption starts: F(s) = N0 / M solved for s days, F = (1 - x) / (1 + (q/p) x), x = e^{-(p+q)s}."""
    p, q = curve.innovation_per_year / YEAR, curve.imitation_per_year / YEAR
    y = curve.tokens_per_day / curve.market_tokens_per_day
    shift = math.log((1 + y * q / p) / (1 - y)) / (p + q)
    return curve.anchor() - pd.Timedelta(days=shift)


def test_bass_starts_at_tokens_per_day():
    curve = Bass(start="2027-01", **BASS)
    assert curve.kind == "bass"
    assert value(curve, "2027-01-01") == pytest.approx(1e11, rel=1e-12)


def test_bass_tends_to_the_market():
    curve = Bass(start="2027-01", **BASS)
    values = curve.evaluate(pd.date_range("2026-01-01", "2200-01-01", freq="90D"))
    assert np.all(np.diff(values) >= 0)
    assert np.all(values <= 1e13 * (1 + 1e-14))  # round-off of exp(log M) only
    assert value(curve, "2200-01-01") == pytest.approx(1e13, rel=1e-12)


def test_bass_is_zero_before_its_launch():
    curve = Bass(start="2027-01", **BASS)
    launch = bass_launch(curve)
    # y = 0.01, q/p = 13.33: the launch is ln(1.1333 / 0.99) / 0.43 years = 0.3145 years before 2027.
    assert pd.Timestamp("2026-09-01") < launch < pd.Timestamp("2026-09-15")
    assert value(curve, launch - pd.Timedelta(hours=1)) == 0.0
    assert value(curve, launch + pd.Timedelta(days=1)) > 0.0
    assert value(curve, "2000-01-01") == 0.0
    assert list(curve.per_period(planning_periods("2000-01", 4, "quarter"))) == [0.0] * 4
    assert list(curve.per_period(planning_periods("2026-01", 8, "month"))) == [0.0] * 8  # January-August 2026


def test_bass_just_after_launch_grows_at_the_innovation_rate():
    # F(s) ~ p s for small s: a day after launch the volume is about M p / 365.2425.
    curve = Bass(start="2027-01", **BASS)
    first_day = value(curve, bass_launch(curve) + pd.Timedelta(days=1))
    assert first_day == pytest.approx(1e13 * 0.03 / YEAR, rel=1e-3)


@pytest.mark.parametrize("innovation", [0.05, 0.5])
def test_bass_without_imitation_is_the_pure_innovation_curve(innovation):
    # N(t) = M (1 - e^{-p (t + s)}), so the market not yet adopted shrinks by e^{-p t}:
    # (M - N(t)) / (M - N0) = e^{-p t}; over one year e^{-p}.
    curve = Bass(
        start="2026-01",
        tokens_per_day=1e12,
        market_tokens_per_day=1e13,
        innovation_per_year=innovation,
        imitation_per_year=0.0,
    )
    later = value(curve, curve.anchor() + ONE_YEAR)
    assert (1e13 - later) / (1e13 - 1e12) == pytest.approx(math.exp(-innovation), rel=1e-12)
    at_181_days = value(curve, "2026-07-01")
    assert (1e13 - at_181_days) / 9e12 == pytest.approx(math.exp(-innovation * 181 / YEAR), rel=1e-12)
    # Concave from launch on: the growth rate only falls.
    assert curve.doubling_time_days("2027-01-01") > curve.doubling_time_days()


def test_bass_pure_innovation_by_hand_numbers():
    # 5 % of the remaining market a year: 1e12 -> 1e13 - 9e12 e^{-0.05} = 1.4389e12 tokens/day.
    curve = Bass(
        start="2026-01",
        tokens_per_day=1e12,
        market_tokens_per_day=1e13,
        innovation_per_year=0.05,
        imitation_per_year=0.0,
    )
    assert curve.annual_growth_factor() == pytest.approx(1.4389, rel=1e-4)


@pytest.mark.parametrize("market", [1e11, 5e10])
def test_bass_market_at_or_below_the_start_is_rejected(market):
    with pytest.raises(ValidationError, match="market_tokens_per_day must exceed tokens_per_day"):
        Bass(start="2027-01", **{**BASS, "market_tokens_per_day": market})


def test_bass_month_totals_after_launch_by_closed_form():
    curve = Bass(start="2027-01", **BASS)
    periods = planning_periods("2026-10", 6, "month")
    expected = [bass_tokens(curve, p.start_time, (p + 1).start_time) for p in periods]
    np.testing.assert_allclose(curve.per_period(periods), expected, rtol=1e-10, atol=0)


def test_bass_launch_month_total_is_the_integral_of_the_daily_curve():
    # The launch (about 8 September 2026) falls inside September: the volume is zero before it
    # and rises after, a kink the period total must still integrate exactly. By the closed form
    # September holds 2.16100e11 tokens.
    curve = Bass(start="2027-01", **BASS)
    periods = planning_periods("2026-08", 3, "month")
    assert periods[1].start_time < bass_launch(curve) < periods[2].start_time
    by_hand = [bass_tokens(curve, p.start_time, (p + 1).start_time) for p in periods]
    assert by_hand[0] == 0.0
    assert by_hand[1] == pytest.approx(2.16100e11, rel=1e-5)
    numeric = trapezoid_totals(curve, periods)
    np.testing.assert_allclose(numeric, by_hand, rtol=1e-9, atol=0)  # the reference itself
    np.testing.assert_allclose(curve.per_period(periods), by_hand, rtol=1e-9, atol=0)


# --- every curve: period totals and growth factors ----------------------------------------------


def piecewise_example() -> Piecewise:
    """10 % a month until June 2026, then a logistic from July continuing from there."""
    return Piecewise(
        segments=[
            Segment.model_validate(
                {
                    "from": "2026-01",
                    "curve": {"kind": "exponential", "start": "2026-01", "tokens_per_day": 1e12, "rate": 0.1},
                }
            ),
            Segment.model_validate(
                {
                    "from": "2026-07",
                    "curve": {
                        "kind": "logistic",
                        "start": "2026-07",
                        "tokens_per_day": 1e12,
                        "rate": 0.05,
                        "capacity_tokens_per_day": 4e12,
                    },
                }
            ),
        ]
    )


CURVES = {
    "logistic": lambda: Logistic(start="2026-01", tokens_per_day=1e12, rate=0.3, capacity_tokens_per_day=2e13),
    "logistic-backwards": lambda: Logistic(
        start="2026-09", tokens_per_day=1e12, rate=0.05, per="week", capacity_tokens_per_day=3e12
    ),
    "gompertz": lambda: Gompertz(start="2026-01", tokens_per_day=1e12, rate=0.2, capacity_tokens_per_day=1e13),
    "gompertz-yearly": lambda: Gompertz(
        start="2026-04", tokens_per_day=1e12, rate=4.0, per="year", capacity_tokens_per_day=5e13
    ),
    "decaying": lambda: DecayingGrowth(start="2026-01", tokens_per_day=1e12, rate=0.5, half_life_months=4),
    "decaying-backwards": lambda: DecayingGrowth(start="2026-07", tokens_per_day=1e12, rate=0.1, half_life_months=12),
    "bass": lambda: Bass(start="2026-01", **BASS),
    "piecewise": piecewise_example,
}

_TRAPEZOID_CACHE: dict[str, tuple[np.ndarray, np.ndarray]] = {}
MONTHS = planning_periods("2026-01", 12, "month")
QUARTERS = planning_periods("2026-01", 4, "quarter")


def reference_totals(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Monthly and quarterly totals of 2026 by the trapezoid rule (one minute-grid evaluation per curve)."""
    if name not in _TRAPEZOID_CACHE:
        months = trapezoid_totals(CURVES[name](), MONTHS)
        quarters = months.reshape(4, 3).sum(axis=1)
        _TRAPEZOID_CACHE[name] = months, quarters
    return _TRAPEZOID_CACHE[name]


@pytest.mark.parametrize("name", list(CURVES))
@pytest.mark.parametrize("length", ["month", "quarter"])
def test_period_totals_are_the_integral_of_the_daily_curve(name, length):
    curve = CURVES[name]()
    months, quarters = reference_totals(name)
    periods, numeric = (MONTHS, months) if length == "month" else (QUARTERS, quarters)
    exact = curve.per_period(periods)
    assert np.all(exact > 0)
    np.testing.assert_allclose(exact, numeric, rtol=1e-9, atol=0)


@pytest.mark.parametrize("name", list(CURVES))
@pytest.mark.parametrize("at", [None, "2026-03-15 06:00", "2027-02-01"])
def test_annual_growth_factor_is_a_year_of_growth(name, at):
    curve = CURVES[name]()
    t = curve.anchor() if at is None else pd.Timestamp(at)
    now, later = curve.evaluate([t, t + ONE_YEAR])
    assert curve.annual_growth_factor(at) == pytest.approx(later / now, rel=1e-14)
    assert curve.annual_growth_factor(at) > 1.0  # all of these grow


@pytest.mark.parametrize("name", list(CURVES))
def test_quarters_hold_the_sum_of_their_months(name):
    curve = CURVES[name]()
    months = curve.per_period(planning_periods("2026-01", 24, "month"))
    quarters = curve.per_period(planning_periods("2026-01", 8, "quarter"))
    np.testing.assert_allclose(quarters, months.reshape(8, 3).sum(axis=1), rtol=1e-12, atol=0)


# --- piecewise ----------------------------------------------------------------------------------

EXP = {"kind": "exponential", "start": "2026-01", "tokens_per_day": 1e12, "rate": 0.1}
LOGISTIC_JULY = {
    "kind": "logistic",
    "start": "2026-07",
    "tokens_per_day": 1e12,
    "rate": 0.05,
    "capacity_tokens_per_day": 4e12,
}
JOIN = pd.Timestamp("2026-07-01")
JUST_BEFORE = JOIN - pd.Timedelta(microseconds=1)


def piecewise(*segments: tuple[str, dict], continuous: bool = True) -> Piecewise:
    return Piecewise.model_validate(
        {"kind": "piecewise", "continuous": continuous, "segments": [{"from": f, "curve": c} for f, c in segments]}
    )


def test_continuous_join_has_no_jump():
    curve = piecewise(("2026-01", EXP), ("2026-07", LOGISTIC_JULY))
    before, at = curve.evaluate([JUST_BEFORE, JOIN])
    assert at == pytest.approx(before, rel=1e-9)
    # By hand: 181 days of 10 % a month, 1e12 * 1.1 ** (181 / 30.436875) = 1.7626e12.
    assert at == pytest.approx(1e12 * 1.1 ** (181 / MONTH), rel=1e-12)
    assert at == pytest.approx(1.7626e12, rel=1e-4)


def test_continuous_join_keeps_the_later_segments_growth_shape():
    curve = piecewise(("2026-01", EXP), ("2026-07", LOGISTIC_JULY))
    later = Logistic.model_validate(LOGISTIC_JULY)
    times = [JOIN, ts("2026-10-01"), ts("2027-07-01"), ts("2030-01-01")]
    joined, own = curve.evaluate(times), later.evaluate(times)
    np.testing.assert_allclose(joined / joined[0], own / own[0], rtol=1e-12, atol=0)
    # Scaled by the level reached at the join over the segment's own level there (1e12).
    np.testing.assert_allclose(joined, own * 1.1 ** (181 / MONTH), rtol=1e-12, atol=0)
    # Before the join the first segment applies unscaled.
    assert value(curve, "2026-04-01") == value(ExponentialGrowth.model_validate(EXP), "2026-04-01")


def test_continuous_three_segments_chain_their_scales():
    flat = {**EXP, "start": "2027-01", "tokens_per_day": 5.0, "rate": 0.0}
    curve = piecewise(("2026-01", EXP), ("2026-07", LOGISTIC_JULY), ("2027-01", flat))
    before, at, later = curve.evaluate(
        [ts("2027-01-01") - pd.Timedelta(microseconds=1), ts("2027-01-01"), ts("2029-06-01")]
    )
    assert at == pytest.approx(before, rel=1e-9)
    assert later == at  # the flat segment stays at the level it joined at
    assert at == pytest.approx(
        1.1 ** (181 / MONTH) * value(Logistic.model_validate(LOGISTIC_JULY), "2027-01-01"), rel=1e-12
    )


def test_discontinuous_join_jumps_to_the_later_segments_own_level():
    curve = piecewise(("2026-01", EXP), ("2026-07", LOGISTIC_JULY), continuous=False)
    before, at = curve.evaluate([JUST_BEFORE, JOIN])
    assert before == pytest.approx(1e12 * 1.1 ** (181 / MONTH), rel=1e-9)
    assert at == pytest.approx(1e12, rel=1e-14)
    later = Logistic.model_validate(LOGISTIC_JULY)
    assert value(curve, "2027-03-01") == value(later, "2027-03-01")


def test_piecewise_before_the_first_segment_follows_the_first_curve_back():
    curve = piecewise(("2026-01", EXP), ("2026-07", LOGISTIC_JULY))
    assert curve.anchor() == ts("2026-01-01")
    assert value(curve, "2025-01-01") == pytest.approx(1e12 * 1.1 ** (-365 / MONTH), rel=1e-12)


@pytest.mark.parametrize("continuous", [True, False])
def test_period_across_a_join_is_the_sum_of_the_two_pieces(continuous):
    # The join on 1 May 2026 splits the second quarter: April from the exponential, May and June
    # from the logistic, scaled (when continuous) by the exponential's level on 1 May over 1e12.
    later_curve = {**LOGISTIC_JULY, "start": "2026-05"}
    curve = piecewise(("2026-01", EXP), ("2026-05", later_curve), continuous=continuous)
    first, second = ExponentialGrowth.model_validate(EXP), Logistic.model_validate(later_curve)
    scale = 1.1 ** (120 / MONTH) if continuous else 1.0  # 1 May is 120 days after 1 January
    april = first.per_period(planning_periods("2026-04", 1, "month"))[0]
    may_june = second.per_period(planning_periods("2026-05", 2, "month")).sum()
    q2 = curve.per_period(planning_periods("2026-04", 1, "quarter"))[0]
    assert q2 == pytest.approx(april + scale * may_june, rel=1e-12)
    # Unaffected quarters: the first is the exponential alone.
    q1 = curve.per_period(planning_periods("2026-01", 1, "quarter"))[0]
    assert q1 == pytest.approx(first.per_period(planning_periods("2026-01", 1, "quarter"))[0], rel=1e-12)


def test_a_jump_at_a_month_start_splits_a_quarter_by_pieces():
    # A join on 1 February inside the first quarter: January from the first curve, February and
    # March from the flat second one at its own level (no scaling without 'continuous').
    curve = piecewise(
        ("2026-01", EXP),
        ("2026-02", {**EXP, "start": "2026-02", "tokens_per_day": 3e12, "rate": 0.0}),
        continuous=False,
    )
    jan, feb, mar = curve.per_period(planning_periods("2026-01", 3, "month"))
    assert feb == 28 * 3e12
    assert mar == 31 * 3e12
    u = MONTH
    assert jan == pytest.approx(1e12 * u * (1.1 ** (31 / u) - 1) / math.log(1.1), rel=1e-12)
    assert curve.per_period(planning_periods("2026-01", 1, "quarter"))[0] == pytest.approx(jan + feb + mar, rel=1e-14)


@pytest.mark.parametrize("froms", [("2026-07", "2026-01"), ("2026-03", "2026-03"), ("2026-01", "2026-07", "2026-05")])
def test_segments_out_of_order_are_rejected(froms):
    with pytest.raises(ValidationError, match="segments must be in strictly increasing order of 'from'"):
        piecewise(*[(f, EXP) for f in froms])


def test_a_bass_segment_with_no_volume_at_a_continuous_join_is_rejected():
    # This Bass launches about September 2026; it has no volume at a join in July 2026.
    bass = {"kind": "bass", "start": "2027-01", **BASS}
    with pytest.raises(
        ValidationError,
        match=re.escape("a segment has no volume at its join (a Bass curve before its launch?); set continuous: false"),
    ):
        piecewise(("2026-01", EXP), ("2026-07", bass))
    # As a jump it is accepted: zero until the launch, then its own volume.
    curve = piecewise(("2026-01", EXP), ("2026-07", bass), continuous=False)
    assert value(curve, "2026-07-15") == 0.0
    assert value(curve, "2027-01-01") == pytest.approx(1e11, rel=1e-12)
    assert curve.per_period(planning_periods("2026-07", 2, "month")).tolist() == [0.0, 0.0]


def test_a_bass_segment_after_its_launch_joins_continuously():
    bass = {"kind": "bass", "start": "2026-07", **BASS}
    curve = piecewise(("2026-01", EXP), ("2026-07", bass))
    before, at = curve.evaluate([JUST_BEFORE, JOIN])
    assert at == pytest.approx(before, rel=1e-9)


def test_yaml_from_key_builds_segments():
    curve = Piecewise.model_validate(
        {
            "kind": "piecewise",
            "segments": [
                {"from": "2026-01", "curve": EXP},
                {"from": "2026-07", "curve": LOGISTIC_JULY},
            ],
        }
    )
    assert [s.from_ for s in curve.segments] == ["2026-01", "2026-07"]
    assert isinstance(curve.segments[0].curve, ExponentialGrowth)
    assert isinstance(curve.segments[1].curve, Logistic)
    assert curve.continuous is True
    # The Python name works too, and gives the same curve.
    by_name = Piecewise(segments=[Segment(from_="2026-01", curve=EXP), Segment(from_="2026-07", curve=LOGISTIC_JULY)])
    assert by_name.evaluate([JOIN, ts("2027-01-01")]).tolist() == curve.evaluate([JOIN, ts("2027-01-01")]).tolist()
    assert by_name.model_dump(by_alias=True)["segments"][0]["from"] == "2026-01"


def test_piecewise_unknown_curve_kind_is_rejected():
    with pytest.raises(ValidationError):
        piecewise(("2026-01", {**EXP, "kind": "linear"}))


def test_piecewise_needs_a_segment():
    with pytest.raises(ValidationError):
        Piecewise(segments=[])


# --- the DemandSpec union -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "model"),
    [
        (EXP, ExponentialGrowth),
        (LOGISTIC_JULY, Logistic),
        (
            {
                "kind": "gompertz",
                "start": "2026-01",
                "tokens_per_day": 1e12,
                "rate": 0.1,
                "capacity_tokens_per_day": 1e13,
            },
            Gompertz,
        ),
        (
            {"kind": "decaying", "start": "2026-01", "tokens_per_day": 1e12, "rate": 0.2, "half_life_months": 6},
            DecayingGrowth,
        ),
        ({"kind": "bass", "start": "2026-01", **BASS}, Bass),
        (
            {
                "kind": "piecewise",
                "segments": [{"from": "2026-01", "curve": EXP}, {"from": "2026-07", "curve": LOGISTIC_JULY}],
            },
            Piecewise,
        ),
        ({"kind": "series", "tokens": {"2026-01": 1.0}}, ExplicitSeries),
    ],
    ids=["exponential", "logistic", "gompertz", "decaying", "bass", "piecewise", "series"],
)
def test_demand_spec_selects_each_kind(spec, model):
    chosen = TypeAdapter(DemandSpec).validate_python(spec)
    assert type(chosen) is model
    assert chosen.kind == spec["kind"]


def test_demand_spec_checks_the_chosen_kinds_fields():
    adapter = TypeAdapter(DemandSpec)
    # A logistic without its capacity, and an exponential given one, are both wrong.
    without = {k: v for k, v in LOGISTIC_JULY.items() if k != "capacity_tokens_per_day"}
    with pytest.raises(ValidationError, match=r"logistic\.capacity_tokens_per_day\n  Field required"):
        adapter.validate_python(without)
    with pytest.raises(ValidationError, match="extra"):
        adapter.validate_python({**EXP, "capacity_tokens_per_day": 1e13})
