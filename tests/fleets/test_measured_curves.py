"""Measured curves: the shipped files load with sources, fronts are monotone, interpolation and the
basis of each point are right on hand-checked cases."""

from __future__ import annotations

import math
from importlib import resources

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fleets import best_point, load_catalog, load_models, operating_points
from fleets.curves import CurveFileError, curve_points, interpolate, load_curves, pareto_front, parse_curve
from fleets.points import point_at_batch

HEADER = "precision,stack,concurrency,input_tokens,output_tokens,tokens_per_s,tokens_per_s_per_user,ttft_ms,confidence,source,date,url,note"
ROW = "fp8,vLLM,8,128,128,258,32.2,,vendor,A test publication,2024-10-10,https://example.org/a,"


INFERENCEX_SYSTEMS = (
    "dgx-h100",
    "p5-48xlarge",
    "dgx-h200",
    "dgx-b200",
    "gb200-nvl72",
    "gb300-nvl72",
    "mi300x-8",
    "mi355x-8",
)
"""The systems with an InferenceX DeepSeek-R1 curve (filed as deepseek-v3)."""


def test_every_shipped_curve_names_a_catalog_system_and_model_and_sources_each_row():
    curves = load_curves()
    assert ("mi300x-8", "llama-3.1-405b") in curves
    assert {(system, "deepseek-v3") for system in INFERENCEX_SYSTEMS} <= set(curves)
    systems, models = load_catalog(), load_models()
    for (system, model), rows in curves.items():
        assert system in systems and model in models
        for row in rows:
            assert row.source and row.url.startswith("https://") and row.date
            assert row.precision in systems[system].peak_tflops


@pytest.mark.parametrize(("system", "model"), sorted(load_curves()))
def test_the_front_of_each_shipped_curve_trades_speed_for_throughput(system, model):
    points = curve_points(system, model)
    for _, group in points.groupby(["precision", "input_tokens", "output_tokens"]):
        speed, rate = group["tokens_per_s_per_user"].to_numpy(float), group["tokens_per_s"].to_numpy(float)
        front = pareto_front(speed, rate)
        assert np.all(np.diff(speed[front]) > 0) and np.all(np.diff(rate[front]) < 0)
        # The published batch ladder is itself on its front: more requests in flight, more throughput.
        assert len(front) == len(group)


@pytest.mark.parametrize(("system", "model"), sorted(load_curves()))
def test_no_shipped_run_emits_more_tokens_than_its_streams_do(system, model):
    # Little's law: a unit with c requests in flight, each streaming at s tokens/s, emits at most
    # c x s output tokens/s (less, by the time requests wait for their first token). A row that
    # breaks this was converted to one unit wrongly (throughput or concurrency per GPU, not per unit).
    points = curve_points(system, model)
    emitted = points["concurrency"] * points["tokens_per_s_per_user"]
    assert (points["tokens_per_s"] <= 1.01 * emitted).all()


def test_no_curve_row_is_a_held_out_measurement():
    """Held-out runs stay unseen by calibration and by curves, so the fidelity benchmark's held-out
    error measures the estimator on runs nothing in the package was built from."""
    held = pd.read_csv(resources.files("fleets").joinpath("heldout.csv"), keep_default_na=False)
    for row in held.to_dict("records"):
        points = curve_points(row["system"], row["model"])
        same_shape = points[
            (points["precision"] == row["precision"])
            & (points["input_tokens"] == row["input_tokens"])
            & (points["output_tokens"] == row["output_tokens"])
        ]
        same_run = (same_shape["concurrency"] == (row["concurrency"] or math.nan)) | np.isclose(
            same_shape["tokens_per_s"], float(row["decode_tokens_per_s"] or math.nan), rtol=1e-3
        )
        assert not same_run.any(), f"held-out run {row['system']} {row['model']} {row['source']} is in a curve"


@given(
    st.lists(st.tuples(st.floats(1.0, 1000.0), st.floats(1.0, 1e6)), min_size=1, max_size=30, unique_by=lambda p: p[0])
)
def test_the_front_keeps_exactly_the_points_no_other_point_beats(pairs):
    speed, rate = (np.array(values) for values in zip(*pairs, strict=True))
    front = set(pareto_front(speed, rate).tolist())
    for i in range(len(speed)):
        beaten = any(speed[j] >= speed[i] and rate[j] >= rate[i] and j != i for j in range(len(speed)))
        assert (i in front) == (not beaten)


def test_interpolation_between_two_points_is_the_straight_line():
    # Halfway between 10 tokens/s per user at 1,000 tokens/s and 30 at 600: 20 at 800.
    assert interpolate(np.array([10.0, 30.0]), np.array([1000.0, 600.0]), 20.0) == pytest.approx(800.0)
    with pytest.raises(ValueError, match="outside"):
        interpolate(np.array([10.0, 30.0]), np.array([1000.0, 600.0]), 40.0)


def test_a_curve_file_with_errors_reports_each_with_its_file_line_and_field():
    text = "\n".join([HEADER, ROW, ROW.replace("fp8", "fp6").replace("258", "-1")])
    with pytest.raises(CurveFileError) as raised:
        parse_curve("no-such-system", "llama-3.1-405b", text, systems={"mi300x-8"}, models={"llama-3.1-405b"})
    message = str(raised.value)
    assert "fleets/curves/no-such-system/llama-3.1-405b.csv: no catalog system 'no-such-system'" in message
    assert "line 3, precision" in message and "line 3, tokens_per_s" in message
    assert "line 2" not in message
    assert (
        len(
            parse_curve(
                "mi300x-8", "llama-3.1-405b", "\n".join([HEADER, ROW]), systems={"mi300x-8"}, models={"llama-3.1-405b"}
            )
        )
        == 1
    )


NIM = {"prompt_tokens": 5000, "output_tokens": 500}
"""The request shape of the NVIDIA NIM runs on H100 in the catalog (concurrency 4, 100, 200 per server)."""


def test_a_target_met_by_a_published_run_gets_that_run():
    table = operating_points("dgx-h100", "llama-3.1-70b", **NIM)
    point = best_point(table, 25.8, 1000)
    assert point["basis"] == "measured" and point["concurrency"] == 100
    assert point["output_tokens_per_s"] == pytest.approx(2493.6)


def test_a_target_between_two_published_runs_is_interpolated_by_hand():
    """20 tokens/s per user lies between the runs at 16.7 (3,257.5 tokens/s, 835 ms) and 25.8
    (2,493.6 tokens/s, 689 ms): 3.3 / 9.1 of the way, so 3,257.5 - 0.3626 x 763.9 = 2,980.5 tokens/s
    and 835 - 0.3626 x 146 = 782.1 ms."""
    point = best_point(operating_points("dgx-h100", "llama-3.1-70b", **NIM), 20, 1000)
    assert point["basis"] == "interpolated"
    assert point["output_tokens_per_s"] == pytest.approx(2980.48, abs=0.01)
    assert point["ttft_ms"] == pytest.approx(782.05, abs=0.01)
    assert point["concurrency"] == pytest.approx(163.74, abs=0.01)
    # The planner's split of a request's time adds back up to the measured rate.
    seconds = 5000 / point["prefill_tokens_per_s"] + 500 / point["decode_tokens_per_s"]
    assert 500 / seconds == pytest.approx(point["output_tokens_per_s"])


def test_a_time_to_first_token_target_is_met_where_the_curve_crosses_it():
    """TTFT falls from 835 to 689 ms between the runs at 16.7 and 25.8 tokens/s per user; 750 ms is
    reached 85 / 146 of the way: 22.0 tokens/s per user at 3,257.5 - 0.58219 x 763.9 = 2,812.76 tokens/s."""
    point = best_point(operating_points("dgx-h100", "llama-3.1-70b", **NIM), 0, 750)
    assert point["basis"] == "interpolated"
    assert point["ttft_ms"] == pytest.approx(750)
    assert point["tokens_per_s_per_user"] == pytest.approx(21.998, abs=0.001)
    assert point["output_tokens_per_s"] == pytest.approx(2812.76, abs=0.01)


def test_beyond_the_curve_the_estimator_answers_unless_only_measurements_may():
    table = operating_points("dgx-h100", "llama-3.1-70b", **NIM)
    assert best_point(table, 54, 1000)["basis"] == "estimated"  # faster than any published run
    assert best_point(table, 54, 1000, basis="measured") is None
    assert best_point(table, 20, 1000, basis="estimated")["basis"] == "estimated"
    # Without a curve at the request's shape (1,000 tokens in), only the estimator answers.
    assert set(operating_points("dgx-h100", "llama-3.1-70b")["basis"]) == {"estimated"}
    assert best_point(operating_points("dgx-h100", "llama-3.1-70b"), 20, 1000, basis="measured") is None


def test_a_run_without_a_published_time_to_first_token_meets_no_such_target():
    table = operating_points("mi300x-8", "llama-3.1-405b", prompt_tokens=128, output_tokens=128)
    measured = table[table["basis"] == "measured"]
    assert measured["ttft_ms"].isna().all()
    assert best_point(table, 0, math.inf, basis="measured") is None  # the planner needs the figure
    highest = best_point(table, 0, math.inf, basis="measured", require_ttft=False)
    assert (highest["basis"], highest["concurrency"], highest["output_tokens_per_s"]) == ("measured", 256, 1846)


def test_a_batch_is_read_off_the_curve_or_interpolated_or_estimated():
    exact = point_at_batch("dgx-h100", "llama-3.1-70b", 100, **NIM)
    assert (exact["basis"], exact["output_tokens_per_s"]) == ("measured", pytest.approx(2493.6))
    between = point_at_batch("dgx-h100", "llama-3.1-70b", 150, **NIM)
    # Halfway from concurrency 100 (2,493.6 tokens/s) to 200 (3,257.5).
    assert between["basis"] == "interpolated"
    assert between["output_tokens_per_s"] == pytest.approx(2875.55)
    assert between["tokens_per_s_per_user"] == pytest.approx(21.25)
    assert point_at_batch("dgx-h100", "llama-3.1-70b", 256, **NIM)["basis"] == "estimated"
    assert point_at_batch("dgx-h100", "llama-3.1-70b", 256, **NIM, basis="measured") is None
