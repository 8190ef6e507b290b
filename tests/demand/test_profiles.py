"""Weekly load profiles: loads, peak factors and load slices."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from demand import Profile, peak_tokens_per_s

PRESETS = ["flat", "business", "consumer", "batch"]
# Rounding allowed on sums and means of 168 loads of order 1.
TOL = 1e-12

# One hour of the day at twice the load of the others, every day alike: the mean weight is 25/24,
# so the busy hour runs at 2 / (25/24) = 48/25 of the average and every other hour at 24/25.
ONE_BUSY_HOUR = [2.0] + [1.0] * 23
BUSY = 48 / 25
QUIET = 24 / 25


def check_slices(profile: Profile, shares) -> None:
    """The slices' invariants: hours and tokens all accounted for, busiest slice first."""
    frame = profile.slices(shares)
    factors = frame["load_factor"].to_numpy()
    assert len(frame) == len(shares)
    assert frame["hours_share"].sum() == pytest.approx(1.0, abs=TOL)
    assert (frame["hours_share"] * frame["load_factor"]).sum() == pytest.approx(1.0, abs=1e-9)
    # Load factors are relative to the average load, 1, so rounding is bounded in absolute terms.
    assert factors[0] <= profile.peak_factor() + TOL
    assert np.all(np.diff(factors) <= TOL)
    assert factors[-1] >= profile.load().min() - TOL
    assert factors[-1] >= 0.0


# --- flat ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("preset", ["flat", "batch"])
def test_flat_profile_has_peak_factor_one_and_every_slice_at_the_average(preset):
    profile = Profile(preset=preset)
    assert profile.peak_factor() == 1.0
    assert list(profile.load()) == [1.0] * 168
    frame = profile.slices()
    assert list(frame["slice"]) == ["peak", "shoulder", "offpeak"]
    assert list(frame["hours_share"]) == [0.1, 0.5, 0.4]
    assert list(frame["load_factor"]) == [1.0, 1.0, 1.0]


def test_default_profile_is_flat():
    assert Profile().peak_factor() == 1.0


# --- a profile worked out by hand ---------------------------------------------------------------


def test_one_busy_hour_a_day_gives_peak_factor_48_over_25():
    profile = Profile(hourly=ONE_BUSY_HOUR)
    assert profile.peak_factor() == pytest.approx(BUSY, rel=TOL)
    load = profile.load().reshape(7, 24)
    assert load[:, 0] == pytest.approx([BUSY] * 7, rel=TOL)
    assert load[:, 1:] == pytest.approx(np.full((7, 23), QUIET), rel=TOL)


def test_one_busy_hour_a_day_cut_into_default_slices():
    # The peak slice holds 16.8 of the 168 hours: the 7 busy hours and 9.8 quiet ones,
    # so its load factor is (7 * 48/25 + 9.8 * 24/25) / 16.8 = 34/25.
    frame = Profile(hourly=ONE_BUSY_HOUR).slices()
    assert list(frame["hours_share"]) == [0.1, 0.5, 0.4]
    assert frame["load_factor"].tolist() == pytest.approx([34 / 25, QUIET, QUIET], rel=TOL)


def test_a_cut_on_the_busy_hours_separates_them_exactly():
    # 1/24 of the week is exactly the 7 busy hours.
    frame = Profile(hourly=ONE_BUSY_HOUR).slices((1 / 24, 23 / 24))
    assert list(frame["slice"]) == ["slice1", "slice2"]
    assert frame["load_factor"].tolist() == pytest.approx([BUSY, QUIET], rel=TOL)


def test_a_cut_inside_an_hour_takes_a_fraction_of_it():
    # The first slice holds 7.5 hours: 7 busy ones and half a quiet one.
    frame = Profile(hourly=ONE_BUSY_HOUR).slices((7.5 / 168, 160.5 / 168))
    assert frame["load_factor"].iloc[0] == pytest.approx((7 * BUSY + 0.5 * QUIET) / 7.5, rel=TOL)


def test_weights_scale_freely():
    assert Profile(hourly=[10 * w for w in ONE_BUSY_HOUR], weekly=[3.0] * 7).peak_factor() == pytest.approx(
        BUSY, rel=TOL
    )


def test_one_busy_day_a_week():
    # Sunday at 4 and the other days at 1: mean 10/7, so Sunday runs at 4 / (10/7) = 2.8.
    profile = Profile(weekly=[1.0] * 6 + [4.0])
    assert profile.peak_factor() == pytest.approx(2.8, rel=TOL)
    assert profile.load()[144:] == pytest.approx([2.8] * 24, rel=TOL)


def test_load_in_hour_h_of_day_d_is_hourly_times_weekly():
    hourly = np.arange(1.0, 25.0)
    weekly = np.arange(1.0, 8.0)
    load = Profile(hourly=list(hourly), weekly=list(weekly)).load()
    # Hour 5 of Wednesday (day 2) is index 2 * 24 + 5; its weight 6 * 3 against a mean of 12.5 * 4.
    assert load[2 * 24 + 5] == pytest.approx(6 * 3 / (12.5 * 4), rel=TOL)


# --- presets ------------------------------------------------------------------------------------


@pytest.mark.parametrize("preset", PRESETS)
def test_preset_load_has_168_non_negative_hours_averaging_one(preset):
    load = Profile(preset=preset).load()
    assert load.shape == (168,)
    assert np.all(load >= 0)
    assert load.mean() == pytest.approx(1.0, abs=TOL)
    assert Profile(preset=preset).peak_factor() == load.max() >= 1.0


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("shares", [(0.1, 0.5, 0.4), (0.05, 0.95), (1.0,), (0.2,) * 5])
def test_preset_slices_keep_their_invariants(preset, shares):
    check_slices(Profile(preset=preset), shares)


def test_business_peaks_on_weekday_daytime_above_the_weekend():
    days = Profile(preset="business").load().reshape(7, 24)
    assert days[:5].max() > days[5:].max()
    assert days[:5].mean() > 2 * days[5:].mean()
    assert 9 <= int(np.argmax(days[0])) < 17
    assert days[0, 3] < days[0, 12] / 2


def test_consumer_peaks_in_the_evening_and_is_busier_at_weekends():
    days = Profile(preset="consumer").load().reshape(7, 24)
    assert 18 <= int(np.argmax(days[2])) <= 22
    assert days[5:].mean() > days[:5].mean()


def test_business_is_peakier_than_consumer():
    assert Profile(preset="business").peak_factor() > Profile(preset="consumer").peak_factor() > 1.0


def test_explicit_weekly_replaces_only_the_presets_week():
    days = Profile(preset="business", weekly=[1.0] * 7).load().reshape(7, 24)
    # Every day now has the business day's shape.
    assert days == pytest.approx(np.tile(days[0], (7, 1)), rel=TOL)
    assert 9 <= int(np.argmax(days[0])) < 17


def test_explicit_hourly_replaces_only_the_presets_day():
    days = Profile(preset="business", hourly=[1.0] * 24).load().reshape(7, 24)
    assert np.all(days[:, 0:1] == days)  # flat within each day
    assert days[0, 0] > days[6, 0]  # the business week remains


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"hourly": [1.0] * 23}, r"'hourly' needs 24 weights \(one per hour of the day, 0-23\); got 23"),
        ({"weekly": [1.0] * 8}, r"'weekly' needs 7 weights \(one per day of the week, Monday first\); got 8"),
        ({"hourly": [1.0] * 23 + [-0.5]}, r"'hourly' weights must be finite numbers >= 0; got hour 23: -0.5"),
        ({"weekly": [1.0, math.nan] + [1.0] * 5}, r"'weekly' weights must be finite numbers >= 0; got day 1: nan"),
        ({"hourly": [math.inf] + [1.0] * 23}, r"'hourly' weights must be finite numbers >= 0; got hour 0: inf"),
        ({"hourly": [0.0] * 24}, r"'hourly' weights are all zero; give at least one hour some load"),
        ({"weekly": [0.0] * 7}, r"'weekly' weights are all zero; give at least one day some load"),
        ({"preset": "weekend"}, r"preset"),
        ({"peak": 2.0}, r"Extra inputs are not permitted"),
    ],
)
def test_invalid_profiles_are_rejected_with_a_clear_message(fields, message):
    with pytest.raises(ValidationError, match=message):
        Profile(**fields)


@pytest.mark.parametrize(
    ("shares", "message"),
    [
        ((0.5, 0.6), r"must sum to 1 .*sum to 1\.1"),
        ((0.5, 0.0, 0.5), r"must be positive"),
        ((1.5, -0.5), r"must be positive"),
        ((), r"must be positive"),
        ((math.nan, 1.0), r"must be positive"),
    ],
)
def test_invalid_hour_shares_are_rejected(shares, message):
    with pytest.raises(ValueError, match=message):
        Profile().slices(shares)


# --- peak rate ----------------------------------------------------------------------------------


def test_peak_rate_is_average_times_peak_factor_elementwise():
    average = np.array([0.0, 1000.0, 2500.0])
    assert peak_tokens_per_s(average, Profile(hourly=ONE_BUSY_HOUR)) == pytest.approx([0.0, 1920.0, 4800.0], rel=TOL)
    assert peak_tokens_per_s(1e6, Profile()) == 1e6


# --- random profiles ----------------------------------------------------------------------------

weights = st.floats(min_value=0.0, max_value=100.0, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    hourly=st.lists(weights, min_size=24, max_size=24).filter(lambda w: max(w) > 0),
    weekly=st.none() | st.lists(weights, min_size=7, max_size=7).filter(lambda w: max(w) > 0),
    parts=st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=8),
)
def test_random_profiles_give_slices_with_the_invariants(hourly, weekly, parts):
    profile = Profile(hourly=hourly, weekly=weekly)
    assert profile.load().mean() == pytest.approx(1.0, abs=1e-9)
    check_slices(profile, [p / sum(parts) for p in parts])
