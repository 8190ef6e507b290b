"""Operating points from the shipped catalog: calibration quality, held-out predictions, SLO choice."""

from __future__ import annotations

import itertools
import math

import pandas as pd
import pytest

from fleets import DoesNotFitError, Speculation, best_point, load_catalog, operating_points, point_table
from fleets.fitting import _observations, _predict, calibrate, catalog_calibration
from fleets.points import point_at_batch

HELD_OUT = {"dgx-h200", "dgx-b200", "gb200-nvl72"}


def test_calibration_reproduces_the_measured_points_within_the_stated_error():
    """The stated calibration error (docs/fleets.md): each category's estimates are off by less
    than a factor of two typically (geometric mean), GPUs, with the most runs, by less than half."""
    errors = catalog_calibration().error_by_category()["geometric_mean_error"]
    assert (errors < 1.0).all(), errors
    assert errors["gpu"] < 0.5


@pytest.fixture(scope="module")
def held_out_estimates():
    """Calibrate without three GPU systems' runs, then estimate those runs."""
    catalog = load_catalog()
    training = [s.model_copy(update={"measured": []}) if s.name in HELD_OUT else s for s in catalog.values()]
    gpu = calibrate(training).efficiencies["gpu"]
    rows = []
    for name in HELD_OUT:
        for system, model, point, metric in _observations([catalog[name]]):
            if metric == "decode_tokens_per_s" and point.input_tokens is not None:
                key = (model.name, point.input_tokens, point.output_tokens)
                rows.append((name, key, getattr(point, metric), _predict(system, model, point, metric, gpu)))
    return rows


def test_held_out_runs_are_estimated_within_a_factor_of_two_and_a_half(held_out_estimates):
    assert len(held_out_estimates) >= 10
    for name, key, measured, estimated in held_out_estimates:
        assert abs(math.log(estimated / measured)) < math.log(2.5), (name, key, measured, estimated)


def test_held_out_systems_are_ordered_as_measured(held_out_estimates):
    """Where two held-out systems ran the same model and request shape, the estimates rank them
    as the measurements do (GB200 NVL72 rack > DGX B200 > DGX H200 per unit)."""
    pairs = 0
    for (a, key_a, measured_a, estimated_a), (b, key_b, measured_b, estimated_b) in itertools.combinations(
        held_out_estimates, 2
    ):
        if key_a == key_b and a != b:
            pairs += 1
            assert (measured_a > measured_b) == (estimated_a > estimated_b), (a, b, key_a)
    assert pairs >= 3


def test_operating_points_hold_the_curve_at_the_request_shape_and_estimates():
    """The NIM runs on H100 (5,000 tokens in, 500 out) cover a request of that shape, not one of
    1,000 in and 250 out: there only the estimator answers."""
    table = operating_points("dgx-h100", "llama-3.1-70b", prompt_tokens=5000, output_tokens=500)
    assert {"measured", "estimated"} == set(table["basis"])
    measured = table[table["basis"] == "measured"]
    assert sorted(measured["concurrency"]) == [4, 100, 200]
    assert (measured["precision"] == "fp8").all()
    assert set(operating_points("dgx-h100", "llama-3.1-70b")["basis"]) == {"estimated"}
    estimates = table[table["basis"] == "estimated"]
    assert estimates["decode_tokens_per_s"].is_monotonic_increasing
    assert estimates["tokens_per_s_per_user"].is_monotonic_decreasing


def test_a_tighter_slo_picks_a_slower_but_faster_per_user_point():
    table = operating_points("dgx-h100", "llama-3.1-70b")
    loose = best_point(table, min_tokens_per_s_per_user=5, max_ttft_ms=5000)
    tight = best_point(table, min_tokens_per_s_per_user=30, max_ttft_ms=5000)
    assert tight["tokens_per_s_per_user"] >= 30
    assert tight["decode_tokens_per_s"] < loose["decode_tokens_per_s"]
    assert best_point(table, min_tokens_per_s_per_user=10_000, max_ttft_ms=5000) is None


def test_wafer_scale_meets_a_latency_target_gpus_cannot():
    """At 200 tokens/s per user on a 70B model only the SRAM-based systems qualify."""
    qualifying = {
        name
        for name in load_catalog()
        if best_point(operating_points(name, "llama-3.1-70b", prompt_tokens=2000, output_tokens=500), 200, 1000)
        is not None
    }
    assert "cs-3" in qualifying and "dgx-h100" not in qualifying


def test_a_model_that_does_not_fit_is_reported():
    with pytest.raises(DoesNotFitError, match="per replica"):
        operating_points("groq-rack", "deepseek-v3", "fp16")


_FIGURES = ["prefill_tokens_per_s", "decode_tokens_per_s", "tokens_per_s_per_user", "ttft_ms"]


@pytest.mark.parametrize("system", sorted(load_catalog()))
@pytest.mark.parametrize(("speed", "ttft"), [(0, math.inf), (15, 1000), (30, 500), (100, 2000), (400, 300)])
def test_the_point_chosen_is_the_fastest_complete_point_meeting_the_target(system, speed, ttft):
    """Read off the table by hand: among points with every figure, meeting both limits, the first
    with the most decode throughput."""
    try:
        table = operating_points(system, "llama-3.1-70b")
    except DoesNotFitError:
        pytest.skip("the model does not fit this system")
    candidates = [
        i
        for i, row in enumerate(table[_FIGURES].itertuples(index=False))
        if not any(value is None or math.isnan(value) for value in row)
        and row.tokens_per_s_per_user >= speed
        and row.ttft_ms <= ttft
    ]
    assert (table["basis"] == "estimated").all()  # no curve covers 1,000 tokens in and 250 out on these models
    point = best_point(table, speed, ttft)
    if not candidates:
        assert point is None
        return
    best = max(candidates, key=lambda i: (table["decode_tokens_per_s"].iloc[i], -i))
    assert point is not None and point.name == table.index[best]
    assert point.equals(table.iloc[best])


@pytest.mark.parametrize("system", sorted(load_catalog()))
def test_the_planner_chooses_on_the_table_as_best_point_does_on_its_frame(system):
    """The planner chooses on the cached arrays (``PointTable.best``), ``fleets point`` on the
    frame: the same point, for a request the measured curves cover (5,000 tokens in, 500 out on
    the H100) and one only the estimator answers."""
    for shape in ({}, {"prompt_tokens": 5000, "output_tokens": 500}):
        try:
            table = point_table(system, "llama-3.1-70b", **shape)
        except DoesNotFitError:
            continue
        for speed, ttft in [(0, math.inf), (15, 1000), (25.8, 1000), (100, 2000)]:
            chosen, row = table.best(speed, ttft), best_point(table.frame(), speed, ttft)
            assert (chosen is None) == (row is None), (shape, speed, ttft)
            if row is not None:
                assert pd.Series(chosen, dtype=object).equals(row), (shape, speed, ttft)


# ------------------------------------------------------------------------------ speculative decoding
NIM_SHAPE = {"prompt_tokens": 5000, "output_tokens": 500}
"""The request shape of the NIM runs on DGX H100 that the catalog's measured curve covers."""
HALF = Speculation("llama-3.1-8b", draft_tokens=3, acceptance_rate=0.5)
"""Three drafted tokens each accepted half the time: a step yields 1 + 0.5 + 0.25 + 0.125 = 1.875 tokens."""


def test_a_draft_accepted_half_the_time_yields_1_875_tokens_a_step_of_three():
    assert HALF.tokens_per_step == pytest.approx(1.875)


def test_with_speculative_decoding_every_point_is_an_estimate_that_names_the_draft():
    """The curve covers the NIM shape without speculation; its runs are not recorded as
    speculative, so with a draft model none of them is used, even with its figures scaled."""
    plain = point_table("dgx-h100", "llama-3.1-70b", **NIM_SHAPE).frame()
    drafted = point_table("dgx-h100", "llama-3.1-70b", **NIM_SHAPE, speculation=HALF).frame()
    assert "measured" in set(plain["basis"])
    assert set(drafted["basis"]) == {"estimated"}
    assert (
        drafted["source"].str.contains("speculative decoding (draft llama-3.1-8b, 3 tokens a step", regex=False).all()
    )
    at_batch = point_at_batch("dgx-h100", "llama-3.1-70b", 100, **NIM_SHAPE, speculation=HALF)
    assert at_batch is not None and at_batch["basis"] == "estimated"
    assert point_at_batch("dgx-h100", "llama-3.1-70b", 100, **NIM_SHAPE, basis="measured", speculation=HALF) is None


def test_the_acceptance_rate_changes_the_tokens_a_step_yields_not_what_the_step_costs():
    """At one batch the step is the same (three draft steps, a verification of four tokens), so
    decode throughput scales exactly with the tokens a step yields: 1.875 / 2.952 (0.8 accepted)."""
    often = Speculation("llama-3.1-8b", draft_tokens=3, acceptance_rate=0.8)
    half = point_at_batch("dgx-h100", "llama-3.1-70b", 8, "fp8", **NIM_SHAPE, speculation=HALF)
    more = point_at_batch("dgx-h100", "llama-3.1-70b", 8, "fp8", **NIM_SHAPE, speculation=often)
    assert often.tokens_per_step == pytest.approx(2.952)
    assert half["decode_tokens_per_s"] / more["decode_tokens_per_s"] == pytest.approx(1.875 / 2.952, rel=1e-9)


def test_speculation_makes_each_user_faster_and_costs_throughput_at_large_batches():
    """One stream gains less than the 1.875 tokens a step (the step verifies four tokens and waits
    for three draft steps); at the largest batches decode is compute-bound, and computing four
    tokens a sequence for 1.875 kept makes the unit's best throughput fall."""
    kwargs = {"prompt_tokens": 1500, "output_tokens": 500}
    alone = point_at_batch("dgx-h100", "llama-3.1-70b", 1, "fp8", **kwargs)
    drafted = point_at_batch("dgx-h100", "llama-3.1-70b", 1, "fp8", **kwargs, speculation=HALF)
    assert 1.0 < drafted["tokens_per_s_per_user"] / alone["tokens_per_s_per_user"] < 1.875
    plain, fast = (point_table("dgx-h100", "llama-3.1-70b", "fp8", **kwargs, speculation=s) for s in (None, HALF))
    assert fast.fastest() > plain.fastest()
    assert fast.best(0.0, math.inf)["decode_tokens_per_s"] < plain.best(0.0, math.inf)["decode_tokens_per_s"]
