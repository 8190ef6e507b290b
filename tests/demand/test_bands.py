"""Bands of fitted demand across the growth families that fit a history comparably.

Every history here is SYNTHETIC: a known curve's exact tokens per month, times lognormal noise
drawn with a fixed seed (the helpers of test_fit.py). No real usage data is involved.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import TypeAdapter

from demand import DemandSpec, fit, planning_periods, project
from demand.bands import COMPARABLE_RATIO, HOLDOUT_FLOOR, Ensemble, Member, family_weights
from tests.demand.test_fit import MONTHS, TRUTHS, monthly_history

# The two years after a history of 15 months.
AHEAD = planning_periods("2027-04", 24, "month")


@pytest.fixture(scope="module")
def early_logistic():
    """SYNTHETIC: the first 15 months of a logistic curve with 3% noise, before it bends much.

    Logistic, decaying-growth and Bass curves predict its held-out end about equally well, and
    part widely two years on.
    """
    history = monthly_history(TRUTHS["logistic"], noise=0.03, seed=0, months=MONTHS[:15])
    return history, fit(history)


# --- weights --------------------------------------------------------------------------------------


def test_weights_are_one_over_the_held_out_mean_square_error_of_the_comparable_families():
    # 1/0.02^2 = 2500 and 1/0.04^2 = 625: 0.8 and 0.2. 0.05 is more than twice 0.02: left out.
    weights = family_weights({"exponential": 0.02, "logistic": 0.04, "decaying": 0.05, "bass": math.nan})
    assert weights == pytest.approx({"exponential": 0.8, "logistic": 0.2}, rel=1e-12)
    assert COMPARABLE_RATIO == 2.0


def test_held_out_errors_below_the_floor_count_as_equal():
    weights = family_weights({"exponential": 1e-15, "logistic": 7e-6, "bass": 2.5 * HOLDOUT_FLOOR})
    assert weights == pytest.approx({"exponential": 0.5, "logistic": 0.5}, rel=1e-12)


def test_no_fitted_family_gives_no_weights():
    assert family_weights({"exponential": math.nan}) == {}


def test_refits_are_shared_by_weight_at_least_one_each():
    class Stub:
        spec = TRUTHS["exponential"]

    def ensemble(*weights):
        return Ensemble(tuple(Member(str(i), w, Stub()) for i, w in enumerate(weights)))

    # 200 - 2 = 198 shared as 158.4 and 39.6; the one left goes to the larger remainder; +1 each.
    assert ensemble(0.8, 0.2).counts(200) == [159, 41]
    assert ensemble(0.999, 0.001).counts(10) == [9, 1]
    assert ensemble(1.0).counts(37) == [37]


# --- bands across families ------------------------------------------------------------------------


def test_families_that_fit_comparably_but_diverge_are_all_inside_the_band(early_logistic):
    history, result = early_logistic
    weights = result.band_weights
    assert len(weights) >= 2 and next(iter(weights)) == result.family
    assert sum(weights.values()) == pytest.approx(1.0)
    # Each family's own fit to the whole history, made independently of the band.
    own = np.array([fit(history, family).spec.per_period(AHEAD) for family in weights])
    spread = own.max(axis=0) / own.min(axis=0)
    assert spread[-1] > 3  # they do part widely: a test of the band, not of near-identical curves
    band = result.bands(AHEAD, samples=60)
    assert (band["low"].to_numpy() <= own.min(axis=0)).all()
    assert (band["high"].to_numpy() >= own.max(axis=0)).all()
    assert (band["high"] / band["low"]).to_numpy()[-1] >= spread[-1]
    # The bootstrap of the chosen family alone is far narrower than the families' spread.
    alone = fit(history, result.family).bands(AHEAD, samples=60)
    assert (alone["high"] / alone["low"]).iloc[-1] < spread[-1] / 2


def test_the_comparison_notes_the_weights(early_logistic):
    _, result = early_logistic
    notes = result.comparison.set_index("family")["note"]
    for family, weight in result.band_weights.items():
        assert f"in the band with weight {weight:.2f}" in notes[family]
    assert notes[result.family].startswith("chosen")


def test_the_band_says_how_it_was_made(early_logistic):
    _, result = early_logistic
    band = result.bands(AHEAD[:2], quantiles=(0.05, 0.5, 0.95), samples=40)
    method = band.attrs["method"]
    assert method == result.band_method((0.05, 0.95), 40)
    assert method.startswith("the 5th and 95th percentiles of 40 bootstrap refits pooled across the families")
    for family, weight in result.band_weights.items():
        assert f"{family} {weight:.2f}" in method
    assert result.summary()["band_weights"] == result.band_weights


def test_a_gompertz_curve_and_decaying_growth_count_once():
    # The same curves under two names: one of them stands for both.
    result = fit(monthly_history(TRUTHS["decaying"], noise=0.03, seed=1, months=MONTHS[:15]))
    assert not {"decaying", "gompertz"} <= set(result.band_weights)
    notes = result.comparison.set_index("family")["note"]
    assert any("the same curves as" in notes[name] for name in ("decaying", "gompertz"))


def test_a_clean_exponential_history_keeps_a_narrow_band():
    result = fit(monthly_history(TRUTHS["exponential"]))
    assert result.family == "exponential"
    band = result.bands(planning_periods("2029-01", 12, "month"), samples=40)
    assert (band["high"] / band["low"]).max() < 1.001
    assert "exponential" in result.band_weights


def test_a_named_family_has_its_own_bootstrap_and_says_so(early_logistic):
    history, _ = early_logistic
    result = fit(history, "logistic")
    assert result.band_weights == {"logistic": 1.0}
    assert "the family was named" in result.band_method()


def test_a_fitted_demand_plans_on_the_band_across_families(early_logistic):
    history, result = early_logistic
    adapter = TypeAdapter(DemandSpec)
    specs = {
        band: adapter.validate_python({"kind": "fitted", "history": {"tokens": history.tokens}, "band": band})
        for band in ("low", "base", "high")
    }
    tokens = {band: project(spec, AHEAD)["tokens"].to_numpy() for band, spec in specs.items()}
    expected = result.bands(AHEAD)
    assert np.allclose(tokens["low"], expected["low"], rtol=1e-12)
    assert np.allclose(tokens["high"], expected["high"], rtol=1e-12)
    assert np.array_equal(tokens["base"], expected["base"])
    # Tokens per day follow the same rule: the high band is at least every family's curve.
    day = ["2028-06-15"]
    assert specs["high"].evaluate(day)[0] >= max(fit(history, f).spec.evaluate(day)[0] for f in result.band_weights)
