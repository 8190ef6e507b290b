"""The roofline estimator on synthetic systems whose figures make every number checkable by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from fleets.layouts import Shape, Speculation, layouts, max_batch, replica_units
from fleets.models import get_model
from fleets.roofline import DoesNotFitError, Efficiency, estimate, pareto, serving_precision, throughput_at
from tests.fleets.conftest import figure, make_system

PERFECT = Efficiency(
    bandwidth=1.0,
    compute=1.0,
    prefill=1.0,
    kv_bandwidth=1.0,
    layer_us=0.0,
    sync_us=0.0,
    link_gb_s=1e12,
    hop_ms=0.0,
    ttft_ms=0.0,
)
LLAMA_8B = get_model("llama-3.1-8b")  # 8.03e9 parameters, 32 layers of 32 query and 8 KV heads of 128
LLAMA_70B = get_model("llama-3.1-70b")  # 70.6e9 parameters, 80 layers, 64 query and 8 KV heads, hidden 8192
SHAPE = Shape(prompt_tokens=1000.0, output_tokens=200.0)


def eight_chip_unit(**overrides):
    """Eight of the synthetic chips in one unit: 800 GB at 8 TB/s, 8 PFLOP/s at fp16."""
    figures = {
        "chips": 8,
        "memory_gb": figure(800.0),
        "memory_bandwidth_tb_s": figure(8.0),
        "peak_tflops": {"fp16": figure(8000.0), "fp8": figure(16000.0)},
    }
    return make_system(**{**figures, **overrides})


def test_decode_step_pays_memory_and_compute_by_hand(system):
    """Batch 1 at fp16 moves 16.06e9 bytes of weights and 131,072 bytes x 1,100 tokens of KV cache
    at 1 TB/s (16.2042 ms), then computes its 16.06 GFLOP of matrix products and 18.5 MFLOP of
    attention at 1 PFLOP/s (16 us): each kernel pays its reads and its compute in turn."""
    row = estimate(system, LLAMA_8B, precision="fp16", shape=SHAPE, batches=[1], efficiency=PERFECT).iloc[0]
    memory = (16.06e9 + 131_072 * 1_100) / 1e12
    step = memory + (16.06e9 + 4 * 32 * 32 * 128 * 1_100) / 1e15
    assert row["decode_tokens_per_s"] == pytest.approx(1 / step, rel=1e-12)
    # One prompt: 1,000 tokens x (2 x 8.03e9 + 4 x 32 x 32 x 128 x 500) FLOP at 1 PFLOP/s.
    prefill = 1_000 * (16.06e9 + 4 * 32 * 32 * 128 * 500) / 1e15
    assert row["prefill_tokens_per_s"] == pytest.approx(1_000 / prefill, rel=1e-12)
    rho = prefill / (prefill + 200 * step)
    assert row["tokens_per_s_per_user"] == pytest.approx((1 - rho) / step, rel=1e-12)
    # The prompt is one chunk riding on a decode step: the step's memory and 1,001 tokens of
    # compute at context 1,100, after an M/D/1 wait, then one step.
    own = memory + 1_001 * (16.06e9 + 4 * 32 * 32 * 128 * 1_100) / 1e15
    wait = prefill * rho / (2 * (1 - rho))
    assert row["ttft_ms"] == pytest.approx(1000 * (own + wait + step), rel=1e-12)


def test_fixed_latencies_bound_per_user_speed():
    """With bandwidth no longer limiting (8.03 GB of weights and 72 MB of KV cache read at 1 EB/s),
    a step of the 32-layer model takes 32 x 10 us plus its compute (16.06 GFLOP at 2 PFLOP/s):
    3,049 tokens/s."""
    fast = make_system(memory_bandwidth_tb_s=figure(1e6))
    efficiency = Efficiency(1.0, 1.0, 1.0, 1.0, layer_us=10.0, sync_us=50.0, link_gb_s=1e12, hop_ms=0.0, ttft_ms=0.0)
    row = estimate(fast, LLAMA_8B, precision="fp8", shape=SHAPE, batches=[1], efficiency=efficiency).iloc[0]
    flops = 16.06e9 + 4 * 32 * 32 * 128 * 1_100
    memory = (8.03e9 + 65_536 * 1_100) / 1e18
    assert row["decode_tokens_per_s"] == pytest.approx(1 / (32 * 10e-6 + flops / 2e15 + memory), rel=1e-9)


def test_memory_left_for_kv_caches_bounds_the_batch(system):
    """90 GB usable - 16.06 GB of weights = 73.94 GB, over 131,072 bytes x 1,100 tokens (a paged
    cache holds the prompt and half the output on average) = 512 sequences."""
    assert max_batch(system, LLAMA_8B, "fp16", SHAPE) == 512
    table = estimate(system, LLAMA_8B, precision="fp16", shape=SHAPE, efficiency=PERFECT)
    assert table["concurrency"].max() == 512
    assert estimate(system, LLAMA_8B, precision="fp16", shape=SHAPE, batches=[513], efficiency=PERFECT).empty


def test_a_unit_of_eight_chips_offers_every_tensor_parallel_layout_that_fits():
    """Llama 3.1 70B at fp16 (141.2 GB) needs two of the 90 GB-usable chips: replicas of 2, 4 or 8."""
    unit = eight_chip_unit()
    assert [layout.chips for layout in layouts(unit, LLAMA_70B, "fp16", SHAPE)] == [2, 4, 8]
    # With free links the widest replica beats the others everywhere (it also has most memory
    # left for KV caches); with costly all-reduces the most throughput is on a narrower one.
    assert estimate(unit, LLAMA_70B, precision="fp16", shape=SHAPE, efficiency=PERFECT)["chips_per_replica"].eq(8).all()
    costly = Efficiency(1.0, 1.0, 1.0, 1.0, layer_us=0.0, sync_us=30.0, link_gb_s=100.0, hop_ms=0.0, ttft_ms=0.0)
    table = estimate(unit, LLAMA_70B, precision="fp16", shape=SHAPE, efficiency=costly)
    assert table.iloc[0]["chips_per_replica"] == 8 and table.iloc[-1]["chips_per_replica"] == 4
    assert table["tokens_per_s_per_user"].is_monotonic_decreasing
    assert table["decode_tokens_per_s"].is_monotonic_increasing
    # The front is what every layout offers, without the points another beats.
    each = [
        estimate(unit, LLAMA_70B, precision="fp16", shape=SHAPE, efficiency=costly, chips_per_replica=g)
        for g in (2, 4, 8)
    ]
    assert len(table) == len(pareto(pd.concat(each)))
    two = each[0].iloc[0]
    assert two["concurrency_per_unit"] == 4 * two["concurrency"]


def test_tensor_parallel_synchronization_slows_a_wide_replica_by_hand():
    """At batch 1 on two chips: 141.2e9 bytes over 2 TB/s and the token's FLOPs at 2 PFLOP/s, plus
    80 layers x 30 us, plus the all-reduces' 8 x 1/2 x 8,192 x 80 bytes at 100 GB/s."""
    unit = eight_chip_unit()
    slow_links = Efficiency(1.0, 1.0, 1.0, 1.0, layer_us=0.0, sync_us=30.0, link_gb_s=100.0, hop_ms=0.0, ttft_ms=0.0)
    row = estimate(
        unit, LLAMA_70B, precision="fp16", shape=SHAPE, batches=[1], efficiency=slow_links, chips_per_replica=2
    ).iloc[0]
    memory = (141.2e9 + 327_680 * 1_100) / 2e12
    compute = LLAMA_70B.flops_per_token(1_100) / 2e15
    step = memory + compute + 80 * 30e-6 + 8 * 0.5 * 8_192 * 80 / 100e9
    assert row["decode_tokens_per_s"] == pytest.approx(4 / step, rel=1e-9)  # four replicas per unit
    with pytest.raises(DoesNotFitError, match="replicas of 1 chips"):
        estimate(unit, LLAMA_70B, precision="fp16", shape=SHAPE, efficiency=slow_links, chips_per_replica=1)


def test_a_model_larger_than_a_unit_is_a_pipeline_across_units():
    """Llama 3.1 70B at fp16 on 100 GB units: two units in a pipeline. A token crosses both: one
    unit's bandwidth reads all weights (141.2 ms at 1 TB/s) and half the KV cache per stage, plus
    the hop between them; its compute spreads over both units (micro-batches)."""
    unit = make_system()
    assert replica_units(unit, LLAMA_70B, "fp16", 1_200) == 2
    hop = Efficiency(1.0, 1.0, 1.0, 1.0, layer_us=0.0, sync_us=0.0, link_gb_s=1e12, hop_ms=1.0, ttft_ms=0.0)
    row = estimate(unit, LLAMA_70B, precision="fp16", shape=SHAPE, batches=[1], efficiency=hop).iloc[0]
    assert row["units_per_replica"] == 2
    step = (141.2e9 + 327_680 * 1_100 / 2) / 1e12 + 1e-3 + LLAMA_70B.flops_per_token(1_100) / 1e15 / 2
    assert row["decode_tokens_per_s"] == pytest.approx(1 / step / 2, rel=1e-9)  # per unit: half a replica
    # The replica's two units share the prefill: per unit, half the replica's rate.
    prefill_replica = 1_000 / (1_000 * LLAMA_70B.flops_per_token(500) / 2e15)
    assert row["prefill_tokens_per_s"] == pytest.approx(prefill_replica / 2, rel=1e-12)


def test_on_sram_chips_per_user_speed_falls_with_model_size_and_replica_width():
    """SRAM-resident weights read in microseconds: per-layer and per-hop latencies decide the speed.
    At 16-bit, 8B fits one 44 GB wafer (39.6 GB usable), 70B four and 405B twenty-one."""
    wafer = make_system(memory_gb=figure(44.0), memory_kind="sram", memory_bandwidth_tb_s=figure(21_000.0))
    efficiency = Efficiency(0.6, 0.4, 0.5, 0.5, layer_us=15.0, sync_us=0.0, link_gb_s=1e12, hop_ms=0.3, ttft_ms=0.0)
    speeds = {
        name: estimate(wafer, get_model(name), precision="fp16", shape=SHAPE, batches=[1], efficiency=efficiency)
        for name in ("llama-3.1-8b", "llama-3.1-70b", "llama-3.1-405b")
    }
    first = {name: table.iloc[0] for name, table in speeds.items()}
    assert [first[n]["units_per_replica"] for n in speeds] == [1, 4, 21]
    per_user = [first[n]["tokens_per_s_per_user"] for n in speeds]
    assert per_user[0] > per_user[1] > per_user[2]
    # 70B: 80 layers x 15 us + 3 hops x 0.3 ms, plus the token's 144.1 GFLOP at 0.4 PFLOP/s spread
    # over the pipeline's four units, plus the 11 us its weights take to read (and a stage's KV cache).
    memory = 141.2e9 / (21_000e12 * 0.6) + 327_680 * 1_100 / 4 / (21_000e12 * 0.5)
    step = 80 * 15e-6 + 3 * 0.3e-3 + LLAMA_70B.flops_per_token(1_100) / 0.4e15 / 4 + memory
    assert first["llama-3.1-70b"]["decode_tokens_per_s"] == pytest.approx(1 / step / 4, rel=1e-6)


def test_sram_chips_need_many_units_for_a_large_model():
    """230 MB of SRAM per chip: Llama 3.1 70B at fp8 (70.6 GB) needs 342 chips (207 MB usable each)."""
    chip = make_system(memory_gb=figure(0.23), memory_kind="sram", memory_bandwidth_tb_s=figure(80.0))
    assert replica_units(chip, LLAMA_70B, "fp8", 1_200) == math.ceil((70.6e9 + 163_840 * 1_200) / 0.207e9)


def test_a_precision_the_hardware_lacks_is_reported_not_estimated(system):
    with pytest.raises(DoesNotFitError, match="no fp4 compute"):
        estimate(system, LLAMA_8B, precision="fp4")


def test_four_bit_weights_keep_an_eight_bit_kv_cache():
    """At fp4 (NVFP4: 4.5 bits a weight with its block scales) the 8B model is 4.517 GB; its KV cache
    stays at fp8 (65,536 bytes a token): (90 - 4.517) GB / (65,536 x 1,100) = 1,185 sequences."""
    fp4 = make_system(peak_tflops={"fp16": figure(1000.0), "fp8": figure(2000.0), "fp4": figure(4000.0)})
    assert max_batch(fp4, LLAMA_8B, "fp4", SHAPE) == int((90e9 - 8.03e9 * 0.5625) // (65_536 * 1_100))


def test_a_long_context_makes_the_replica_span_another_unit():
    """18 GB units (16.2 GB usable) hold the 16.06 GB of weights but not a 101,000-token KV cache
    (13.2 GB): a replica takes two units, which hold two such sequences on average (each holds its
    prompt and half its output: 100,500 tokens)."""
    tiny = make_system(memory_gb=figure(18.0))
    long = Shape(100_000.0, 1_000.0)
    assert replica_units(tiny, LLAMA_8B, "fp16", 101_000) == 2
    assert max_batch(tiny, LLAMA_8B, "fp16", long) == int((32.4e9 - 16.06e9) // (131_072 * 100_500))
    table = estimate(tiny, LLAMA_8B, precision="fp16", shape=long, efficiency=PERFECT)
    assert table["units_per_replica"].eq(2).all()


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
    table = estimate(system, LLAMA_8B, precision="fp8", shape=SHAPE, efficiency=Efficiency(0.7, 0.5))
    assert np.all(np.diff(table["decode_tokens_per_s"]) > 0)
    assert np.all(np.diff(table["tokens_per_s_per_user"]) < 0)
    assert np.all(np.diff(table["ttft_ms"]) > 0)


def test_speculative_decoding_by_hand():
    """A draft (8B) proposes 3 tokens accepted with probability 0.8: a step yields
    1 + 0.8 + 0.64 + 0.512 = 2.952 tokens, and costs one verification of the 70B model (its
    weights read, 70.8 ms, and its compute for 4 tokens, 0.3 ms) plus three steps of the draft."""
    big = make_system(memory_gb=figure(200.0))
    speculation = Speculation(draft_model="llama-3.1-8b", draft_tokens=3, acceptance_rate=0.8)
    assert speculation.tokens_per_step == pytest.approx(2.952)
    plain = estimate(big, LLAMA_70B, precision="fp8", shape=SHAPE, batches=[1], efficiency=PERFECT).iloc[0]
    fast = estimate(
        big, LLAMA_70B, precision="fp8", shape=SHAPE, batches=[1], efficiency=PERFECT, speculation=speculation
    ).iloc[0]
    target = (70.6e9 + 163_840 * 1_100) / 1e12
    draft = (8.03e9 + 65_536 * 1_100) / 1e12 + LLAMA_8B.flops_per_token(1_100) / 2e15
    one_token = LLAMA_70B.flops_per_token(1_100) / 2e15
    assert plain["decode_tokens_per_s"] == pytest.approx(1 / (target + one_token), rel=1e-9)
    assert fast["decode_tokens_per_s"] == pytest.approx(2.952 / (target + 4 * one_token + 3 * draft), rel=1e-9)
    assert fast["tokens_per_s_per_user"] / plain["tokens_per_s_per_user"] == pytest.approx(2.952 / 1.341, rel=0.01)
    # The draft's weights and KV cache take memory: fewer sequences fit.
    with_draft = estimate(big, LLAMA_70B, precision="fp8", shape=SHAPE, efficiency=PERFECT, speculation=speculation)
    alone = estimate(big, LLAMA_70B, precision="fp8", shape=SHAPE, efficiency=PERFECT)
    assert with_draft["concurrency"].max() < alone["concurrency"].max()


@pytest.mark.parametrize(("tokens", "rate", "message"), [(0, 0.5, "draft_tokens"), (2, 1.0, "acceptance_rate")])
def test_speculation_rejects_impossible_figures(tokens, rate, message):
    with pytest.raises(ValueError, match=message):
        Speculation(draft_model="llama-3.1-8b", draft_tokens=tokens, acceptance_rate=rate)


def test_throughput_at_a_speed_interpolates_on_the_front():
    table = pd.DataFrame({"output_tokens_per_s": [100.0, 300.0, 400.0], "tokens_per_s_per_user": [50.0, 30.0, 10.0]})
    assert throughput_at(table, 40.0) == pytest.approx(200.0)
    assert throughput_at(table, 30.0) == pytest.approx(300.0)
    assert throughput_at(table, None) == 400.0
    assert math.isnan(throughput_at(table, 60.0))


def test_a_rack_splits_replicas_over_powers_of_two_and_takes_the_whole_unit_only_when_it_must():
    """72 chips of 100 GB: Llama 3.1 70B at fp16 fits 2, 4 or 8 of them (never all 72, which its
    64 attention heads cannot be split over evenly). Twelve 20 GB chips (18 GB usable): no
    power-of-two share (at most 4 chips, 72 GB) holds the 141.2 GB, so a replica is the unit."""
    rack = make_system(chips=72, memory_gb=figure(7200.0))
    assert [layout.chips for layout in layouts(rack, LLAMA_70B, "fp16", SHAPE)] == [2, 4, 8]
    twelve = make_system(chips=12, memory_gb=figure(240.0))
    assert [layout.chips for layout in layouts(twelve, LLAMA_70B, "fp16", SHAPE)] == [12]
