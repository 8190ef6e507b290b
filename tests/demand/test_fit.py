"""Growth curves fitted to demand histories: parameter recovery, family choice, bands, and the
``fitted`` demand specification.

Every history here is SYNTHETIC: a known curve's exact tokens per month or week (its own
``between``), times lognormal noise drawn with a fixed seed. No real usage data is involved.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml
from pydantic import TypeAdapter

from demand import (
    FAMILIES,
    Bass,
    DecayingGrowth,
    DemandSpec,
    ExplicitSeries,
    ExponentialGrowth,
    Gompertz,
    Logistic,
    fit,
    planning_periods,
    project,
)
from demand.curves import UNIT_DAYS, to_days

# Synthetic generating curves, 36 months from January 2026. The saturating ones bend visibly
# within that time, so that the families can be told apart.
TRUTHS = {
    "exponential": ExponentialGrowth(start="2026-01", tokens_per_day=1e12, rate=0.08),
    # 30x ceiling, 20% a month: the midpoint comes after about 18 months.
    "logistic": Logistic(start="2026-01", tokens_per_day=1e12, rate=0.2, capacity_tokens_per_day=3e13),
    # 25% a month now, halving every year: about 29x over the three years, most of it early.
    "decaying": DecayingGrowth(start="2026-01", tokens_per_day=1e12, rate=0.25, half_life_months=12),
    "gompertz": Gompertz(start="2026-01", tokens_per_day=1e12, rate=0.3, capacity_tokens_per_day=3e13),
    "bass": Bass(
        start="2026-01",
        tokens_per_day=1e12,
        market_tokens_per_day=3e13,
        innovation_per_year=0.05,
        imitation_per_year=2.0,
    ),
}
MONTHS = pd.period_range("2026-01", periods=36, freq="M")


def monthly_history(curve, noise: float = 0.0, seed: int = 0, months: pd.PeriodIndex = MONTHS) -> ExplicitSeries:
    """SYNTHETIC history: the curve's exact tokens per month times lognormal noise (sd of the log)."""
    tokens = curve.per_period(months) * np.exp(np.random.default_rng(seed).normal(0.0, noise, len(months)))
    return ExplicitSeries(tokens=dict(zip(months.astype(str), tokens, strict=True)))


def weekly_history(curve, weeks: int, noise: float = 0.0, seed: int = 0, first: str = "2026-01-05") -> ExplicitSeries:
    """SYNTHETIC history: the curve's exact tokens per week (Monday to Sunday) times lognormal noise."""
    mondays = pd.date_range(first, periods=weeks, freq="7D")
    start = to_days(mondays)
    tokens = curve.between(start, start + 7.0) * np.exp(np.random.default_rng(seed).normal(0.0, noise, weeks))
    return ExplicitSeries(tokens={str(day.date()): value for day, value in zip(mondays, tokens, strict=True)})


def relative_errors(result, truth) -> dict[str, float]:
    return {name: abs(value / getattr(truth, name) - 1.0) for name, value in result.params.items()}


# --- parameter recovery ---------------------------------------------------------------------------

# With 3% lognormal noise over 36 months. Each tolerance is about twice the largest error seen
# over 100 noise seeds, so the test does not rest on a lucky draw. The Bass innovation
# coefficient is weakly identified once imitation dominates (errors up to ~45% over those seeds);
# its market and imitation are pinned down well.
NOISY_TOLERANCES = {
    "exponential": {"tokens_per_day": 0.05, "rate": 0.05},
    "logistic": {"tokens_per_day": 0.10, "rate": 0.10, "capacity_tokens_per_day": 0.10},
    "decaying": {"tokens_per_day": 0.12, "rate": 0.12, "half_life_months": 0.12},
    "gompertz": {"tokens_per_day": 0.12, "rate": 0.12, "capacity_tokens_per_day": 0.10},
    "bass": {
        "tokens_per_day": 0.18,
        "market_tokens_per_day": 0.10,
        "innovation_per_year": 0.80,
        "imitation_per_year": 0.20,
    },
}


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_recovers_its_parameters_from_noisy_monthly_data(family):
    result = fit(monthly_history(TRUTHS[family], noise=0.03, seed=7), family)
    assert result.family == family
    errors = relative_errors(result, TRUTHS[family])
    assert set(errors) == set(NOISY_TOLERANCES[family])
    assert all(errors[name] < NOISY_TOLERANCES[family][name] for name in errors), errors
    # The residuals are the noise: their RMS is near its 3% standard deviation.
    assert 0.02 < result.rmse_log < 0.04


@pytest.mark.parametrize("family", FAMILIES)
def test_exact_data_is_recovered(family):
    result = fit(monthly_history(TRUTHS[family]), family)
    assert max(relative_errors(result, TRUTHS[family]).values()) < 1e-6
    assert result.rmse_log < 1e-9
    assert result.r2_log == pytest.approx(1.0, abs=1e-12)


def test_intervals_of_mixed_lengths_are_fitted_exactly():
    # Quarters for 2026, then months and ISO weeks: each interval is compared over its own days.
    truth = TRUTHS["exponential"]
    quarters = pd.period_range("2026Q1", periods=4, freq="Q")
    months = pd.period_range("2027-01", periods=6, freq="M")
    mondays = pd.date_range("2027-07-05", periods=8, freq="7D")
    table = dict(zip(quarters.astype(str), truth.per_period(quarters), strict=True))
    table |= dict(zip(months.astype(str), truth.per_period(months), strict=True))
    first = to_days(mondays)
    table |= {str(day.date()): value for day, value in zip(mondays, truth.between(first, first + 7.0), strict=True)}
    result = fit(ExplicitSeries(tokens=table, interval="week"), "exponential")
    assert max(relative_errors(result, truth).values()) < 1e-6


def test_the_spec_is_anchored_at_the_month_of_the_first_observation():
    # The first week starts on 12 January: the curve is stated at 1 January.
    truth = ExponentialGrowth(start="2026-01", tokens_per_day=5e11, rate=0.1)
    result = fit(weekly_history(truth, 30, first="2026-01-12"), "exponential")
    assert result.spec.start == "2026-01"
    assert result.params["tokens_per_day"] == pytest.approx(5e11, rel=1e-6)
    assert result.history["label"].iloc[0] == "2026-01-12"


def test_the_fitted_spec_is_a_usable_demand_curve():
    result = fit(monthly_history(TRUTHS["logistic"], noise=0.03, seed=1), "logistic")
    assert isinstance(result.spec, Logistic)
    assert result.spec.per == "month"
    assert result.n_points == 36
    # The fitted tokens are the spec's own, month by month.
    assert np.allclose(result.history["fitted_tokens"], result.spec.per_period(MONTHS), rtol=1e-12)


# --- what a fit implies ---------------------------------------------------------------------------


def test_weekly_growth_of_18_9_percent_implies_thousands_a_year_and_warns():
    # One year of SYNTHETIC weekly data growing 18.9% a week, 3% noise: over a year (52.18 weeks)
    # that compounds to about 8,400x. The rate's standard error is ~1.5% of the log factor here.
    truth = ExponentialGrowth(start="2026-01", tokens_per_day=2e9, rate=0.189, per="week")
    result = fit(weekly_history(truth, 52, noise=0.03, seed=3), "exponential")
    expected = 1.189 ** (UNIT_DAYS["year"] / 7)
    assert expected == pytest.approx(1.189**52.18, rel=1e-3)
    assert result.annual_growth_factor == pytest.approx(expected, rel=0.05)
    assert result.doubling_time_days == pytest.approx(7 * math.log(2) / math.log(1.189), rel=0.02)
    assert result.params["rate"] == pytest.approx(1.189 ** (UNIT_DAYS["month"] / 7) - 1, rel=0.02)
    summary = result.summary()
    assert summary["annual_growth_factor"] == result.annual_growth_factor
    assert "implausible to sustain" in summary["warning"]
    assert "\n" not in summary["warning"]


def test_growth_is_evaluated_where_the_history_ends():
    # A logistic close to its ceiling at the end of the history barely grows any more there,
    # though it grew 2.6x a year at its start.
    result = fit(monthly_history(TRUTHS["logistic"]), "logistic")
    truth = TRUTHS["logistic"]
    assert result.growth_at == pd.Timestamp("2029-01-01")
    assert result.annual_growth_factor == pytest.approx(truth.annual_growth_factor("2029-01-01"), rel=1e-6)
    assert result.annual_growth_factor < 1.1
    assert result.summary()["warning"] is None


def test_summary_holds_plain_numbers():
    result = fit(monthly_history(TRUTHS["exponential"], noise=0.03, seed=2), "exponential")
    summary = result.summary()
    assert summary["family"] == "exponential"
    assert summary["n_points"] == 36
    assert summary["growth_at"] == "2029-01-01"
    assert all(
        type(summary[key]) is float
        for key in ("rmse_log", "r2_log", "aic", "annual_growth_factor", "doubling_time_days")
    )
    assert all(type(value) is float for value in summary["params"].values())
    # AIC of a least-squares fit: n log(SSR / n) + 2k with the RMSE as sqrt(SSR / n).
    assert summary["aic"] == pytest.approx(36 * math.log(summary["rmse_log"] ** 2) + 4, rel=1e-12)


# --- choosing a family ----------------------------------------------------------------------------


@pytest.mark.parametrize("family", ["exponential", "logistic", "decaying", "bass"])
def test_auto_picks_the_generating_family_on_clean_data(family):
    result = fit(monthly_history(TRUTHS[family]))
    assert result.family == family
    assert max(relative_errors(result, TRUTHS[family]).values()) < 1e-6
    chosen = result.comparison.loc[result.comparison["note"].str.startswith("chosen"), "family"]
    assert chosen.tolist() == [family]


def test_auto_reports_a_gompertz_history_as_the_same_curve_with_a_decaying_rate():
    # A Gompertz curve is growth whose rate decays exponentially: both fit exactly, and the
    # decaying form (listed first among three-parameter families) is reported.
    result = fit(monthly_history(TRUTHS["gompertz"]))
    assert result.family == "decaying"
    horizon = planning_periods("2026-01", 60, "month")
    assert np.allclose(result.spec.per_period(horizon), TRUTHS["gompertz"].per_period(horizon), rtol=1e-6)


def test_the_comparison_scores_every_family_on_the_held_out_end():
    result = fit(monthly_history(TRUTHS["logistic"], noise=0.03, seed=4))
    table = result.comparison
    assert table["family"].tolist() == list(FAMILIES)
    assert table["fitted"].all()
    assert list(table.columns) == [
        "family",
        "fitted",
        "rmse_log",
        "holdout_rmse_log",
        "annual_growth_factor",
        "doubling_time_days",
        "note",
    ]
    chosen = table.set_index("family").loc[result.family]
    # The choice is the smallest holdout error, or within 1% of it with fewer parameters.
    assert chosen["holdout_rmse_log"] <= table["holdout_rmse_log"].min() * 1.01 + 1e-6
    # An exponential cannot follow the bend: it misses the last 7 months by far more than the noise.
    assert table.set_index("family").loc["exponential", "holdout_rmse_log"] > 3 * chosen["holdout_rmse_log"]


def test_auto_skips_families_with_too_few_points_and_says_so():
    # 6 months: the last 2 are held out, leaving 4, too few for the 4-parameter Bass curve.
    result = fit(monthly_history(TRUTHS["exponential"], months=MONTHS[:6]))
    row = result.comparison.set_index("family").loc["bass"]
    assert not row["fitted"]
    assert math.isnan(row["holdout_rmse_log"])
    assert "needs at least 5 points; got 4" in row["note"]
    assert result.family == "exponential"


def test_a_named_family_is_not_compared():
    result = fit(monthly_history(TRUTHS["decaying"], noise=0.03, seed=5), "decaying")
    assert result.comparison["family"].tolist() == ["decaying"]
    assert result.comparison["rmse_log"].iloc[0] == pytest.approx(result.rmse_log)
    assert math.isnan(result.comparison["holdout_rmse_log"].iloc[0])


# --- inputs and their errors ----------------------------------------------------------------------


def test_a_dataframe_or_a_csv_path_fits_like_a_series(tmp_path):
    history = monthly_history(TRUTHS["logistic"], noise=0.03, seed=6)
    frame = history.intervals()[["label", "tokens"]].rename(columns={"label": "period"})
    frame.to_csv(tmp_path / "history.csv", index=False)
    expected = fit(history, "logistic").params
    assert fit(frame, "logistic").params == expected
    assert fit(tmp_path / "history.csv", "logistic").params == expected
    assert fit(str(tmp_path / "history.csv"), "logistic").params == expected


def test_zero_observations_are_rejected_naming_their_labels():
    tokens = dict.fromkeys(MONTHS[:12].astype(str), 1e13) | {"2026-03": 0.0, "2026-07": 0.0}
    with pytest.raises(ValueError, match="zero tokens for 2026-03, 2026-07"):
        fit(ExplicitSeries(tokens=tokens))


def test_negative_observations_are_rejected_naming_their_label():
    frame = pd.DataFrame({"period": MONTHS[:12].astype(str), "tokens": [1e13] * 11 + [-1.0]})
    with pytest.raises(ValueError, match="2026-12"):
        fit(frame, "exponential")


def test_too_few_points_for_a_family_are_rejected():
    history = monthly_history(TRUTHS["logistic"], months=MONTHS[:3])
    with pytest.raises(
        ValueError, match="logistic curve has 3 parameters, so fitting it needs at least 4 points; got 3"
    ):
        fit(history, "logistic")
    assert fit(history, "exponential").n_points == 3
    with pytest.raises(ValueError, match="no growth family could be fitted to the first 1 of 3 observations"):
        fit(history)
    with pytest.raises(ValueError, match="has 2 observations, too few to hold out 2"):
        fit(monthly_history(TRUTHS["logistic"], months=MONTHS[:2]))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"family": "linear"}, "unknown family 'linear'"), ({"holdout": 1.0}, "holdout must be a share")],
)
def test_bad_options_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        fit(monthly_history(TRUTHS["exponential"]), **kwargs)


def test_a_frame_without_the_columns_is_rejected():
    with pytest.raises(ValueError, match="missing tokens"):
        fit(pd.DataFrame({"period": ["2026-01"], "volume": [1.0]}))


# --- bands ----------------------------------------------------------------------------------------


def test_bands_cover_the_true_next_year_at_about_their_stated_rate():
    # 40 SYNTHETIC histories of the same exponential curve (3% noise, 36 months), each with a
    # 10%-90% band of the next 12 months' total tokens. A percentile bootstrap of 60 samples
    # covers a little under its nominal 80% (about 72% over 200 histories); a correct band
    # lands within 55% to 97% over 40 histories with high probability, a band of the wrong width does not.
    truth = TRUTHS["exponential"]
    next_year = pd.period_range("2029", periods=1, freq="Y")
    true_total = truth.per_period(next_year)[0]
    covered = 0
    for seed in range(40):
        result = fit(monthly_history(truth, noise=0.03, seed=100 + seed), "exponential")
        band = result.bands(next_year, samples=60, seed=seed)
        covered += bool(band["low"].iloc[0] <= true_total <= band["high"].iloc[0])
    assert 0.55 <= covered / 40 <= 0.97


def test_bands_bracket_the_fitted_curve_and_are_reproducible():
    result = fit(monthly_history(TRUTHS["logistic"], noise=0.05, seed=8), "logistic")
    periods = planning_periods("2029-01", 8, "quarter")
    band = result.bands(periods, samples=40, seed=3)
    assert band.columns.tolist()[:4] == ["period", "low", "base", "high"]
    assert band["period"].tolist() == list(periods.astype(str))
    assert np.array_equal(band["base"], result.spec.per_period(periods))
    assert (band["low"] <= band["mid"]).all() and (band["mid"] <= band["high"]).all()
    assert (band["low"] < band["base"]).all() and (band["base"] < band["high"]).all()
    assert band.attrs["failed_samples"] == 0
    pd.testing.assert_frame_equal(result.bands(periods, samples=40, seed=3), band)
    assert not np.array_equal(result.bands(periods, samples=40, seed=4)["high"], band["high"])


def test_bands_widen_with_the_noise():
    periods = planning_periods("2029-01", 4, "quarter")
    widths = []
    for noise in (0.01, 0.05):
        band = fit(monthly_history(TRUTHS["exponential"], noise=noise, seed=9), "exponential").bands(
            periods, samples=40
        )
        widths.append(float(np.log(band["high"] / band["low"]).iloc[-1]))
    assert widths[1] > 3 * widths[0]


def test_bands_reject_quantiles_out_of_order():
    result = fit(monthly_history(TRUTHS["exponential"]), "exponential")
    with pytest.raises(ValueError, match="three increasing fractions"):
        result.bands(planning_periods("2029-01", 2, "month"), quantiles=(0.9, 0.5, 0.1))


# --- YAML -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("family", FAMILIES)
def test_yaml_snippet_round_trips_to_the_same_projection(family):
    result = fit(monthly_history(TRUTHS[family], noise=0.03, seed=10), family)
    snippet = result.yaml_snippet()
    comment = snippet.splitlines()[0]
    assert comment.startswith(f"# {family} curve fitted to 36 observations")
    assert "growth in the year after 2029-01-01" in comment
    loaded = yaml.safe_load(snippet)
    assert next(iter(loaded)) == "kind"
    spec = TypeAdapter(DemandSpec).validate_python(loaded)
    periods = planning_periods("2026-01", 60, "month")
    assert np.allclose(project(spec, periods)["tokens"], project(result.spec, periods)["tokens"], rtol=1e-9, atol=0)
