"""The roofline estimator on synthetic systems whose figures make every number checkable by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fleets.catalog import MeasuredPoint
from fleets.models import get_model
from fleets.roofline import (
    DoesNotFitError,
    Efficiency,
    Shape,
    calibrate,
    estimate,
    max_batch,
    replica_units,
    serving_precision,
)
from tests.fleets.conftest import figure, make_system

PERFECT = Efficiency(bandwidth=1.0, compute=1.0, step_overhead_ms=0.0)
LLAMA_8B = get_model("llama-3.1-8b")  # 8.03e9 parameters, 32 layers, 8 KV heads of 128
SHAPE = Shape(prompt_tokens=1000.0, output_tokens=200.0)


def test_decode_step_is_memory_bound_by_hand(system):
    """Batch 1 at fp16 moves 16.06e9 bytes of weights and 131,072 bytes x 1,100 tokens of KV cache
    at 1 TB/s: 16.2042 ms a step (the 16.3 GFLOP of compute take 16 us at 1 PFLOP/s)."""
    row = estimate(system, LLAMA_8B, precision="fp16", shape=SHAPE, batches=[1], efficiency=PERFECT).iloc[0]
    step = (16.06e9 + 131_072 * 1_100) / 1e12
    assert row["decode_tokens_per_s"] == pytest.approx(1 / step, rel=1e-12)
    # One prompt: 1,000 tokens x (2 x 8.03e9 + 4 x 32 x 32 x 128 x 500) FLOP at 1 PFLOP/s.
    prefill = 1_000 * (16.06e9 + 4 * 32 * 32 * 128 * 500) / 1e15
    assert row["prefill_tokens_per_s"] == pytest.approx(1_000 / prefill, rel=1e-12)
    rho = prefill / (prefill + 200 * step)
    assert row["tokens_per_s_per_user"] == pytest.approx((1 - rho) / step, rel=1e-12)
    assert row["ttft_ms"] == pytest.approx(1000 * (prefill * (1 + rho / (2 * (1 - rho))) + step), rel=1e-12)


def test_step_overhead_bounds_per_user_speed(system):
    fast = make_system(memory_bandwidth_tb_s=figure(1e6))  # bandwidth no longer limits
    row = estimate(
        fast, LLAMA_8B, precision="fp8", shape=SHAPE, batches=[1], efficiency=Efficiency(1.0, 1.0, 2.0)
    ).iloc[0]
    assert row["decode_tokens_per_s"] == pytest.approx(1 / (0.002 + 8.03e9 * 2 / 2e15 + 0), rel=1e-3)


def test_memory_left_for_kv_caches_bounds_the_batch(system):
    """90 GB usable - 16.06 GB of weights = 73.94 GB, over 131,072 bytes x 1,200 tokens = 470."""
    assert max_batch(system, LLAMA_8B, "fp16", SHAPE) == 470
    table = estimate(system, LLAMA_8B, precision="fp16", shape=SHAPE, efficiency=PERFECT)
    assert table["concurrency"].max() == 470
    assert estimate(system, LLAMA_8B, precision="fp16", shape=SHAPE, batches=[471], efficiency=PERFECT).empty


def test_a_model_larger_than_a_unit_spans_several():
    """Llama 3.1 70B at fp16 is 141.2 GB: two 100 GB units (90 GB usable each) per replica."""
    system = make_system()
    model = get_model("llama-3.1-70b")
    assert replica_units(system, model, "fp16", 1_200) == 2
    row = estimate(system, model, precision="fp16", shape=SHAPE, batches=[1], efficiency=PERFECT).iloc[0]
    assert row["units_per_replica"] == 2
    # The replica's two units share the work: per-unit prefill is half the replica's.
    prefill_replica = 1_000 / (1_000 * model.flops_per_token(500) / 2e15)
    assert row["prefill_tokens_per_s"] == pytest.approx(prefill_replica / 2, rel=1e-12)


def test_sram_chips_need_many_units_for_a_large_model():
    """230 MB of SRAM per chip: Llama 3.1 70B at fp8 (70.6 GB) needs 342 chips (207 MB usable each)."""
    chip = make_system(memory_gb=figure(0.23), memory_kind="sram", memory_bandwidth_tb_s=figure(80.0))
    assert replica_units(chip, get_model("llama-3.1-70b"), "fp8", 1_200) == math.ceil(
        (70.6e9 + 163_840 * 1_200) / 0.207e9
    )


def test_a_precision_the_hardware_lacks_is_reported_not_estimated(system):
    with pytest.raises(DoesNotFitError, match="no fp4 compute"):
        estimate(system, LLAMA_8B, precision="fp4")


def test_a_long_context_makes_the_replica_span_another_unit():
    """18 GB units (16.2 GB usable) hold the 16.06 GB of weights but not a 101,000-token KV cache
    (13.2 GB): a replica takes two units, which hold one such sequence (32.4 - 16.06 GB)."""
    tiny = make_system(memory_gb=figure(18.0))
    long = Shape(100_000.0, 1_000.0)
    assert replica_units(tiny, LLAMA_8B, "fp16", 101_000) == 2
    assert max_batch(tiny, LLAMA_8B, "fp16", long) == 1
    table = estimate(tiny, LLAMA_8B, precision="fp16", shape=long, efficiency=PERFECT)
    assert table["concurrency"].to_list() == [1] and table["units_per_replica"].iloc[0] == 2


def test_a_model_needing_too_many_units_is_reported_not_estimated():
    chip = make_system(memory_gb=figure(0.23), memory_kind="sram")
    with pytest.raises(DoesNotFitError, match="more than the 64 one replica may span"):
        estimate(chip, get_model("llama-3.1-405b"), precision="fp8", efficiency=PERFECT)


def test_serving_precision_prefers_the_models_own_then_narrower(system):
    assert serving_precision(system, LLAMA_8B) == "fp16"
    assert serving_precision(system, get_model("deepseek-v3")) == "fp8"
    only_wide = make_system(peak_tflops={"fp16": figure(1000.0)})
    assert serving_precision(only_wide, get_model("deepseek-v3")) == "fp16"


def test_batching_trades_per_user_speed_for_throughput(system):
    table = estimate(system, LLAMA_8B, precision="fp8", shape=SHAPE, efficiency=Efficiency(0.7, 0.5, 3.0))
    assert np.all(np.diff(table["decode_tokens_per_s"]) > 0)
    assert np.all(np.diff(table["tokens_per_s_per_user"]) < 0)
    assert np.all(np.diff(table["ttft_ms"]) > 0)


def test_mixture_of_experts_reads_more_experts_as_the_batch_grows():
    model = get_model("deepseek-v3")
    assert model.weight_bytes_read(1, "fp8") == pytest.approx(37e9)
    assert model.weight_bytes_read(10_000, "fp8") == pytest.approx(671e9, rel=1e-9)
    assert model.weight_bytes_read(8, "fp8") < model.weight_bytes_read(64, "fp8") < 671e9


def test_calibration_recovers_the_efficiencies_behind_synthetic_measurements():
    """Runs generated from a known efficiency are reproduced by the calibrated one within 5%. The
    weak pull towards typical values shifts the efficiencies a little (they partly trade off
    against each other), by less than a quarter."""
    truth = Efficiency(bandwidth=0.55, compute=0.35, step_overhead_ms=4.0)
    base = make_system()
    points = []
    shapes = (
        Shape(500.0, 500.0),
        Shape(2000.0, 200.0),
        Shape(1000.0, 1000.0),
        Shape(4000.0, 400.0),
        Shape(200.0, 800.0),
    )
    for concurrency, shape in [(c, shape) for c in (1, 64) for shape in shapes]:
        row = estimate(base, LLAMA_8B, precision="fp8", shape=shape, batches=[concurrency], efficiency=truth).iloc[0]
        points.append(
            MeasuredPoint(
                model="llama-3.1-8b",
                precision="fp8",
                concurrency=concurrency,
                input_tokens=int(shape.prompt_tokens),
                output_tokens=int(shape.output_tokens),
                decode_tokens_per_s=row["output_tokens_per_s"],
                tokens_per_s_per_user=row["tokens_per_s_per_user"],
                ttft_ms=row["ttft_ms"],
                source="synthetic: generated by this test",
                confidence="estimate",
            )
        )
    system = make_system(measured=points)
    calibration = calibrate([system])
    fitted = calibration.efficiencies["gpu"]
    assert (fitted.bandwidth, fitted.compute, fitted.step_overhead_ms) == pytest.approx((0.55, 0.35, 4.0), rel=0.25)
    fitted_figures = calibration.points[calibration.points["calibrated_on"]]
    assert fitted_figures["error"].abs().max() < 0.05
    assert calibration.error_by_category().loc["gpu", "figures"] == 20  # times to first token are not fitted
